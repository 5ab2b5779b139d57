from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.backup import BackupError, restore_site


class Command(BaseCommand):
    help = (
        "Restore a backup made by backup_site into an empty database and an empty MEDIA_ROOT. Every part "
        "is checked against the manifest first; afterwards the audit chain, its head and the row count "
        "of every table are checked against the backup (docs/deployment.md, Backup and restore)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="The directory backup_site wrote.")
        parser.add_argument("--no-media", action="store_true", help="Restore the database only.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            restored = restore_site(options["directory"], media=not options["no_media"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"restored {restored.tables} tables, {restored.rows} rows, {restored.media_files} media files; "
                f"audit chain intact: {restored.audit_entries} entries"
            )
        )
        if restored.audit_head:
            self.stdout.write(f"head {restored.audit_head}")
