"""A Celery worker killed in the middle of a task: the task runs again and its result exists once.

A real worker (``celery -A config worker --pool=prefork --concurrency=1``, a separate process) takes
its tasks from the real broker and works on the test's PostgreSQL database. The task is a real one
with a durable result: rendering an official PDF (an audit-trail extract long enough to take a few
seconds). While the document is being rendered the test SIGKILLs the pool process doing it (as the
kernel's OOM killer would). With ``acks_late`` and ``reject_on_worker_lost`` (settings) the message
goes back to the queue and a fresh pool process renders the document again; the test then checks
that there is one document, one stored file, one "issued" audit entry, no failure notice, and that the
file is byte for byte what a clean render of the same document gives.

Skipped without CELERY_BROKER_URL (use a database number of your own, e.g. redis://127.0.0.1:6379/7)
or without PostgreSQL.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction

from accounts.audit import audit_record
from accounts.documents import document_request
from accounts.models import AuditEntry, GeneratedDocument, Notification, Role
from accounts.pdf import render_pdf
from config.celery import app as celery_app
from tests.factories import DepartmentFactory, UserFactory

pytestmark = [
    pytest.mark.broker,
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = 60  # audit entries in the extract: a few pages, a few seconds of rendering
Status = GeneratedDocument.Status


def _wait(what: str, check: Any, timeout: float, log: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-3000:] if log else ""
    pytest.fail(f"timed out waiting for {what}\n{tail}")


class Worker:
    """``celery worker`` as a subprocess on the test database, the test's media folder and broker."""

    def __init__(self, name: str, log: Path, **extra_env: str) -> None:
        db = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": celery_app.conf.broker_url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "CONN_MAX_AGE": "0",
            **extra_env,
        }
        if db.get("PASSWORD"):
            env["PGPASSWORD"] = db["PASSWORD"]
        self.log = log
        self.name = name
        # S603/S607: a fixed command line, our own worker.
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{name}@%h",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the whole worker can be killed at once
        )
        _wait("the worker to start", lambda: "ready." in self.output(), 90, log)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def pool_processes(self) -> list[int]:
        """The prefork pool's child processes (the ones that run tasks)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill_all(self) -> None:
        """The whole worker (main process and pool) dies at once, as when its machine is lost."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def broker(transactional_db: Any) -> Iterator[None]:
    celery_app.conf.task_always_eager = False  # tests/conftest.py makes every test eager
    celery_app.control.purge()
    yield
    celery_app.control.purge()


@pytest.fixture
def worker(broker: Any, tmp_path: Path) -> Iterator[Worker]:
    w = Worker("reliability-kill", tmp_path / "worker.log")
    yield w
    w.stop()


@pytest.fixture
def workers(broker: Any, tmp_path: Path) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for w in started:
        w.stop()


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _long_extract_requested() -> GeneratedDocument:
    department = DepartmentFactory(code="JMMZ", name="江门市民政局")
    supervisor = UserFactory(role=Role.SUPERVISOR, department=department)
    with transaction.atomic():
        for i in range(ENTRIES):
            audit_record(actor=None, action="department.review", obj=department, summary={"round": i})
    # Committed: the render task goes to the broker now.
    return document_request(kind="accounts.audit_extract", obj=department, by=supervisor)


def _caught_rendering(worker: Worker, doc: Any) -> int:
    """Wait until the worker is in the middle of rendering; the pool process doing it."""
    # The document is marked RENDERING before WeasyPrint starts, and the pool process is burning CPU.
    _wait("the worker to start rendering", lambda: doc.get().status == Status.RENDERING, 60, worker.log)
    (child,) = worker.pool_processes()
    before = _cpu_ticks(child)
    time.sleep(0.5)
    assert _cpu_ticks(child) > before, "the pool process is not working on the task"
    assert doc.get().status == Status.RENDERING  # still in the middle
    return child


def _rendered_once(document: GeneratedDocument) -> None:
    """One document, one file (the recorded one, with the recorded hash), one "issued" entry, no
    failure notice, and the bytes a clean, uninterrupted render gives."""
    assert GeneratedDocument.objects.filter(kind=document.kind, object_id=document.object_id).count() == 1
    issued = AuditEntry.objects.filter(
        action="document.issue", object_type="accounts.generateddocument", object_id=str(document.pk)
    )
    assert issued.count() == 1
    assert not AuditEntry.objects.filter(action="document.fail").exists()
    assert not Notification.objects.exists()  # no "document failed" notice to the requester
    files = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert [str(p.relative_to(settings.MEDIA_ROOT)) for p in files] == [document.file.name]
    content = files[0].read_bytes()
    assert hashlib.sha256(content).hexdigest() == document.sha256 == issued.get().summary["sha256"]
    payload = document.payload
    clean = render_pdf(
        payload["template"],
        payload["context"],
        title=payload["title"],
        reference=payload["reference"],
        verify_code=document.verify_code,
        issued_at=document.created_at,
    )
    assert hashlib.sha256(clean.content).hexdigest() == document.sha256
    assert clean.pages == document.pages


def test_worker_killed_mid_render_renders_the_document_once_again(worker: Worker) -> None:
    document = _long_extract_requested()
    doc = GeneratedDocument.objects.filter(pk=document.pk)
    child = _caught_rendering(worker, doc)
    os.kill(child, signal.SIGKILL)  # the pool process, as the OOM killer would

    _wait(
        "the worker to notice the lost process", lambda: "WorkerLostError" in worker.output(), 30, worker.log
    )
    _wait("the document to be rendered again", lambda: doc.get().status == Status.READY, 120, worker.log)

    document = doc.get()
    assert document.attempts == 2  # the killed attempt, and the one that finished
    assert worker.pool_processes()
    assert worker.pool_processes() != [child]  # a fresh pool process took over
    _rendered_once(document)


VISIBILITY = 15  # seconds (CELERY_VISIBILITY_TIMEOUT) before Redis hands out a vanished worker's task


def test_whole_worker_killed_mid_render_a_new_worker_renders_it_once(
    workers: list[Worker], tmp_path: Path
) -> None:
    # The new worker looks for vanished workers' tasks every 2 s (kombu's default is ~100 s).
    timeout = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY), "CELERY_RESTORE_INTERVAL": "2"}
    first = Worker("reliability-lost", tmp_path / "first.log", **timeout)
    workers.append(first)
    document = _long_extract_requested()
    doc = GeneratedDocument.objects.filter(pk=document.pk)
    _caught_rendering(first, doc)
    killed_at = time.monotonic()
    first.kill_all()  # main process and pool at once: nobody is left to put the task back

    second = Worker("reliability-new", tmp_path / "second.log", **timeout)
    workers.append(second)
    _wait("a new worker to render the document", lambda: doc.get().status == Status.READY, 120, second.log)
    # It came back from the broker once the visibility timeout had passed, not sooner.
    assert time.monotonic() - killed_at >= VISIBILITY
    assert "render_document" in second.output()
    document = doc.get()
    assert document.attempts >= 2
    _rendered_once(document)
