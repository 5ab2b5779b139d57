"""The deadline-closing task run twice at the same moment (two beats, or a beat and a slow worker):
every due tender is closed exactly once, with one audit entry and one set of notifications.

PostgreSQL only (SQLite serialises writers, so there is no race to lose). The two runs are the real
Celery task function, called in two threads released by a barrier, each on its own connection.
"""

from __future__ import annotations

import io
import threading
from collections import Counter
from typing import Any

import pytest
from celery.signals import task_prerun
from django.core import mail
from django.db import connection

from accounts.models import AuditEntry, Notification
from procurement.models import Tender, TenderStatus
from procurement.services.bids import bid_add_document, bid_create_draft, bid_submit
from procurement.tasks import close_due_tenders
from tests.factories import MembershipFactory
from tests.procurement.bidding import PDF, fast_passwords, make_bidder, make_tender  # noqa: F401

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

TENDERS = 24
RUNS = 2


def _run_together(n: int, call: Any) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a closing run hung (deadlock?)"
    return results


def test_two_closing_runs_at_once_close_each_tender_once(transactional_db: Any) -> None:
    # Two listed bidders (each with a colleague: two recipients per organisation) bid on every tender.
    bidders = [make_bidder() for _ in range(2)]
    for _user, org in bidders:
        MembershipFactory(organisation=org)
    tenders = [make_tender() for _ in range(TENDERS)]
    for tender in tenders:
        for user, org in bidders:
            bid = bid_create_draft(tender=tender, organisation=org, by=user)
            bid_add_document(bid=bid, name="技术方案.pdf", stream=io.BytesIO(PDF), by=user)
            bid_submit(bid=bid, price="480000.00", by=user)
    not_due = make_tender()  # deadline tomorrow: must stay open
    Tender.objects.filter(pk__in=[t.pk for t in tenders]).update(
        bid_deadline=Tender.objects.get(pk=tenders[0].pk).published_at,
        opening_at=Tender.objects.get(pk=tenders[0].pk).published_at,
    )
    mail.outbox.clear()
    tasks_run: list[str] = []

    def on_prerun(sender: Any = None, **kwargs: Any) -> None:
        tasks_run.append(sender.name)

    task_prerun.connect(on_prerun, weak=False)
    try:
        results = _run_together(RUNS, close_due_tenders)
    finally:
        task_prerun.disconnect(on_prerun)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == TENDERS  # between them the runs closed each tender once
    ids = [t.pk for t in tenders]
    assert set(Tender.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        TenderStatus.BIDDING_CLOSED
    }
    assert Tender.objects.get(pk=not_due.pk).status == TenderStatus.PUBLISHED

    closes = Counter(
        int(object_id)
        for object_id in AuditEntry.objects.filter(action="tender.close_bidding").values_list(
            "object_id", flat=True
        )
    )
    assert closes == dict.fromkeys(ids, 1)

    per_tender = Counter(
        (int(object_id), recipient)
        for object_id, recipient in Notification.objects.filter(kind="tender.bidding_closed").values_list(
            "object_id", "recipient_id"
        )
    )
    recipients_per_tender = 4  # two organisations, two staff each
    assert len(per_tender) == TENDERS * recipients_per_tender
    assert set(per_tender.values()) == {1}  # nobody told twice about one tender
    # One e-mail per notification (immediate by default), each sent once after its commit.
    assert len(mail.outbox) == TENDERS * recipients_per_tender
    assert Counter(tasks_run)["accounts.tasks.send_notification_email"] == TENDERS * recipients_per_tender
    # The chain survived the two writers.
    from accounts.audit import audit_verify_chain

    assert audit_verify_chain()[1] is None
