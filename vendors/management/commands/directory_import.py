"""Import a directory file (xlsx or csv) into the next draft version; all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.exceptions import DomainError
from vendors.services import DirectoryImportError, directory_import


class Command(BaseCommand):
    help = (
        "Import the qualification directory from an .xlsx or .csv file with the header "
        "统一社会信用代码, 组织名称, 登记管理机关, 评估等级, 服务类别, 有效期起, 有效期止, 状态. "
        "All or nothing: exit 1 and every bad row listed, or exit 0 and a summary."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path of the .xlsx or .csv file")
        parser.add_argument("--publish", action="store_true", help="publish the draft version afterwards")
        parser.add_argument("--note", default="", help="note of the version (what it changes)")
        parser.add_argument(
            "--by", default="", help="e-mail of the directory administrator recorded as the actor (optional)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file", returncode=2)
        by = None
        if options["by"]:
            from accounts.models import User

            by = User.objects.filter(email=options["by"].lower()).first()
            if by is None:
                raise CommandError(f"no user {options['by']}", returncode=2)
        try:
            summary = directory_import(
                file=path.read_bytes(),
                filename=path.name,
                by=by,
                publish=options["publish"],
                note=options["note"],
            )
        except DirectoryImportError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(str(exc.message), returncode=1) from None
        except DomainError as exc:
            raise CommandError(str(exc.message), returncode=1) from None
        self.stdout.write(
            f"added={summary.added} changed={summary.changed} unchanged={summary.unchanged} "
            f"version={summary.version.number} "
            f"{'published' if summary.published else 'draft'}"
        )
        self.stdout.write(str(summary))
