"""Reference numbers under concurrency (PostgreSQL): purchasers drafting at once get distinct,
consecutive numbers, including the very first one of a department's year (counter row not there yet)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from procurement.models import Tender
from procurement.services.tenders import tender_create
from tests.factories import DepartmentFactory
from tests.procurement.factories import compliant_criteria, compliant_data, department_purchaser


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_drafts_get_distinct_consecutive_references() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")
    writers = 12
    department = DepartmentFactory(code="JMMZ", name="江门市民政局")
    purchasers = [department_purchaser(department) for _ in range(writers)]
    data = compliant_data()
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def draft(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            tender_create(by=purchasers[n], data=data, criteria=compliant_criteria())
        except BaseException as exc:  # re-raised in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=draft, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    numbers = sorted(int(ref.rsplit("-", 1)[1]) for ref in Tender.objects.values_list("reference", flat=True))
    assert numbers == list(range(1, writers + 1))
