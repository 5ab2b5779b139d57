"""Celery tasks of evaluation: thin and idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="evaluation.finalise_due_evaluations", ignore_result=True)
def finalise_due_evaluations() -> int:
    """Daily (beat): published results whose appeal period has ended become final and their
    consequences are applied. Re-running it changes nothing (see ``consequences_apply``)."""
    from evaluation.services import finalise_due

    return len(finalise_due())
