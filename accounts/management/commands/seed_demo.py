"""Load the demo: departments, one user per role, and whatever each app adds (idempotent)."""

from __future__ import annotations

import importlib
import os
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import mail
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test.utils import override_settings

from accounts.demo_support import DemoContext

GOVBUY_APPS = ("accounts", "vendors", "procurement", "evaluation")


class Command(BaseCommand):
    help = "Create or refresh the demo data and demo users (refuses with DEBUG off unless --force)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never on a live site)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: this looks like production. Use --force to seed demo data anyway."
            )
        ctx = DemoContext(password=os.environ.get("DEMO_PASSWORD") or "govbuy-demo", stdout=self.stdout)
        self.stdout.write("Seeding GovBuy demo data …")
        # The demo's own notifications would flood the console (the embedded e-mail backend): when
        # tasks run in-process, keep their e-mails in memory and only count them. Inbox rows stay.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            mail.outbox = []
            with transaction.atomic():
                for config in apps.get_app_configs():
                    if config.name not in GOVBUY_APPS:
                        continue
                    try:
                        module = importlib.import_module(f"{config.name}.demo")
                    except ModuleNotFoundError as exc:
                        if exc.name != f"{config.name}.demo":
                            raise
                        continue
                    module.seed(ctx)
            held = len(mail.outbox)
        if held:
            self.stdout.write(
                f"  · {held} demo notification e-mails held back (see each user's inbox instead)"
            )
        self._print_accounts(ctx)

    def _print_accounts(self, ctx: DemoContext) -> None:
        w = self.stdout.write
        w("")
        w(self.style.SUCCESS(f"Demo accounts (password: {ctx.password})"))
        w(f"  {'e-mail':<28} {'role':<20} note")
        for a in ctx.accounts:
            note = a.note
            if a.totp_secret:
                note = (
                    f"TOTP secret {a.totp_secret} (add it to an authenticator app; codes are asked at login)"
                )
            w(f"  {a.email:<28} {a.role:<20} {note}")
        w("")
        w(f"Open {settings.SITE_URL}/ and sign in at {settings.SITE_URL}/accounts/login/")
