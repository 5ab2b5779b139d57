from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.backup import BackupError, backup_site, remove_partial


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump -Fc, or SQLite's backup API) and MEDIA_ROOT (a tar) into a new "
        "directory, with a manifest of SHA-256 hashes, row counts and the audit head "
        "(docs/deployment.md, Backup and restore)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="A new (or empty) directory for the backup.")
        parser.add_argument(
            "--no-media", action="store_true", help="Database only (files are in replicated object storage)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["directory"]
        fresh = not directory.exists()
        try:
            manifest = backup_site(directory, media=not options["no_media"])
        except BackupError as exc:
            if fresh:
                remove_partial(directory)
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        media = manifest["media"]
        self.stdout.write(
            self.style.SUCCESS(
                f"backup written to {directory}: {len(manifest['tables'])} tables, {rows} rows"
                + (f", {media['files']} media files" if media else ", no media")
            )
        )
        self.stdout.write(f"database {manifest['database']['file']} sha256 {manifest['database']['sha256']}")
        if media:
            self.stdout.write(f"media {media['file']} sha256 {media['sha256']}")
        if manifest["audit_head"]:
            self.stdout.write(f"head {manifest['audit_head']}")
