"""A Celery task sent through a real broker and run by a real worker (CI: Redis).

Skipped unless CELERY_BROKER_URL is set. Locally: CELERY_BROKER_URL=redis://127.0.0.1:6379/9.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_received
from django.core import mail

from accounts import services
from accounts.models import Role
from config.celery import app as celery_app
from tests.factories import DepartmentFactory, UserFactory

pytestmark = [
    pytest.mark.broker,
    pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL"),
]


@pytest.fixture
def worker(transactional_db: Any) -> Iterator[Any]:
    """An embedded worker (a thread of this process, so it shares the test database and outbox)."""
    celery_app.conf.task_always_eager = False  # tests/conftest.py makes every test eager
    celery_app.control.purge()  # nothing left over from an earlier run
    with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30) as w:
        yield w


def test_invitation_email_is_sent_by_a_worker_through_the_broker(worker: Any) -> None:
    assert celery_app.conf.broker_url == os.environ["CELERY_BROKER_URL"]
    department = DepartmentFactory(code="JMMZ", name="江门市民政局")
    admin = UserFactory(role=Role.PURCHASER, department=department, is_department_admin=True)

    received: list[str] = []

    def on_received(sender: Any = None, request: Any = None, **kwargs: Any) -> None:
        received.append(request.name)  # fired only by a worker taking a message off the broker

    task_received.connect(on_received, weak=False)
    try:
        # No outer transaction (transactional_db): the task is published when the service commits.
        invitation = services.invitation_create(
            department=department, email="via-broker@jmmz.test", role=Role.PURCHASER, by=admin
        )
        deadline = time.monotonic() + 30
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        task_received.disconnect(on_received)
    assert received == ["accounts.tasks.send_invitation_email"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["via-broker@jmmz.test"]
    assert f"/staff/invitations/{invitation.token}/" in mail.outbox[0].body
