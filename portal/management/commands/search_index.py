"""``python manage.py search_index --rebuild``: create the Elasticsearch indices with their mappings
and bulk-index everything public, or with the database backend refill its table (see
docs/portal.md, Search)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.search.base import KINDS


class Command(BaseCommand):
    help = "Rebuild the search index (Elasticsearch, or the database backend's table) from the database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="Recreate the indices and index everything public."
        )
        parser.add_argument(
            "--kind", action="append", choices=list(KINDS), help="Only these kinds (repeatable)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["rebuild"]:
            raise CommandError("Say --rebuild to recreate the indices.")
        if settings.SEARCH_BACKEND != "elasticsearch":
            from portal.search import table

            counts = table.rebuild(options["kind"] or list(KINDS), out=self.stdout.write)
            table.vacuum()
            self.stdout.write(self.style.SUCCESS(f"Search table: {sum(counts.values())} rows."))
            return
        from portal.search import es

        counts = es.rebuild(options["kind"] or list(KINDS), out=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"Indexed {sum(counts.values())} documents."))
