"""GET /healthz: what a load balancer asks every web node."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _dead_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_healthy_node_answers_200_with_each_dependency(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["search"] == {"ok": True, "backend": "database"}


def test_unreachable_broker_answers_503(client: Client, settings: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_dead_port()}/0"
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["broker"]["ok"] is False
    assert body["broker"]["mode"] == "broker"
    assert body["database"]["ok"] is True
    assert elapsed < 10  # a load balancer's probe must not hang


def test_unreachable_search_answers_503(client: Client, settings: Any) -> None:
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{_dead_port()}"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["search"]["ok"] is False


def test_health_check_needs_no_sign_in_and_reveals_no_secrets(client: Client, settings: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://:hunter2-password@127.0.0.1:{_dead_port()}/0"
    text = client.get("/healthz").content.decode()
    assert "hunter2" not in text
    assert "127.0.0.1" not in text
