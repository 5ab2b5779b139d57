"""Celery tasks of procurement: thin, idempotent, take ids, call a service.

The bid side adds the periodic closing task here.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="procurement.close_due_tenders", ignore_result=True)
def close_due_tenders() -> int:
    """Periodic (beat): close bidding on every published tender past its deadline. Idempotent:
    ``tender_close_bidding`` locks each tender and leaves closed ones as they are."""
    from procurement.services.bids import tenders_close_due

    return tenders_close_due()


@shared_task(name="procurement.send_deadline_reminders", ignore_result=True)
def send_deadline_reminders() -> int:
    """Periodic (beat, daily): remind purchasers of award, challenge and contract deadlines due within
    a day or overdue. Idempotent: one reminder per deadline per day (``DeadlineReminder``)."""
    from procurement.services.contracts import deadline_reminders_send

    return deadline_reminders_send()
