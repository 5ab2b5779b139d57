from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.audit import audit_verify_chain
from accounts.models import AuditEntry


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain. Exit 0 when intact, 1 naming the first broken entry. "
        "With --expect SEQ:HASH (a head recorded earlier outside the database), also prove that the "
        "chain still contains that entry unchanged: nothing was cut off the end or rewritten."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--expect",
            metavar="SEQ:HASH",
            action="append",
            default=[],
            help="An earlier head printed by this command; may be given several times.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = audit_verify_chain()
        if broken is not None:
            self._fail(
                f"audit chain broken at entry seq={broken.seq} (id={broken.entry_id}): {broken.reason}; "
                f"{checked} entries before it are intact"
            )
        for expected in options["expect"]:
            seq_text, _, expected_hash = expected.partition(":")
            if not seq_text.isdigit() or len(expected_hash) != 64:
                self._fail(f"--expect wants SEQ:HASH as printed by audit_verify, not {expected!r}")
            entry = AuditEntry.objects.filter(seq=int(seq_text)).only("seq", "hash").first()
            if entry is None:
                self._fail(
                    f"audit chain has no entry seq={seq_text} recorded earlier: "
                    f"the newest entries were removed ({checked} entries remain)"
                )
            elif entry.hash != expected_hash:
                self._fail(
                    f"audit chain entry seq={seq_text} (id={entry.pk}) differs from the hash recorded "
                    "earlier: the chain was rewritten"
                )
        head = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {checked} entries"))
        if head is not None:
            # Keep this line somewhere the database's administrators cannot change (docs/deployment.md).
            self.stdout.write(f"head {head.seq}:{head.hash}")

    def _fail(self, message: str) -> None:
        self.stderr.write(message)
        raise SystemExit(1)
