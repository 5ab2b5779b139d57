from typing import Any

from django.core.management.base import BaseCommand

from accounts.audit import audit_verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain. Exit 0 when intact, 1 naming the first broken entry."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = audit_verify_chain()
        if broken is None:
            self.stdout.write(self.style.SUCCESS(f"audit chain intact: {checked} entries"))
            return
        self.stderr.write(
            f"audit chain broken at entry seq={broken.seq} (id={broken.entry_id}): {broken.reason}; "
            f"{checked} entries before it are intact"
        )
        raise SystemExit(1)
