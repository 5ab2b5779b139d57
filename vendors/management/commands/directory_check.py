"""Ask the eligibility check from the command line: exit 0 eligible, 1 not eligible, 2 bad input."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from vendors.models import Organisation, validate_credit_code
from vendors.selectors import category_by_name_or_code
from vendors.services import eligibility_check


class Command(BaseCommand):
    help = "May this organisation undertake this category of service on this date? Exit 0 yes, 1 no, 2 bad input."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="unified social credit code")
        parser.add_argument("--category", required=True, help="service category, by name or code")
        parser.add_argument("--on", default="", help="date YYYY-MM-DD (default: today, China time)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            code = validate_credit_code(options["code"])
        except ValidationError as exc:
            raise CommandError(f"{options['code']}: {exc.messages[0]}", returncode=2) from None
        category = category_by_name_or_code(options["category"])
        if category is None:
            raise CommandError(f"unknown service category: {options['category']}", returncode=2)
        try:
            on = date.fromisoformat(options["on"]) if options["on"] else timezone.localdate()
        except ValueError:
            raise CommandError(f"not a date (YYYY-MM-DD): {options['on']}", returncode=2) from None
        organisation = Organisation.objects.filter(credit_code=code).first() or Organisation(credit_code=code)
        result = eligibility_check(organisation=organisation, category=category, on=on)
        version = result.version
        self.stdout.write(
            f"{'eligible' if result.eligible else 'not eligible'}: {code} {organisation.name or ''} "
            f"/ {category.code} {category.name} / {on.isoformat()}".replace("  ", " ")
        )
        self.stdout.write(f"reason: {result.reason_code}: {result.reason}")
        if version is not None:
            published = (
                timezone.localtime(version.published_at).strftime("%Y-%m-%d %H:%M")
                if version.published_at
                else ""
            )
            self.stdout.write(f"version: {version.number} (published {published})")
        else:
            self.stdout.write("version: none")
        if not result.eligible:
            raise CommandError("not eligible", returncode=1)
