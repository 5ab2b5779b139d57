"""Project-level pages: the home page and the health check."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.pagecache import public_page
from procurement.selectors import latest_public_notices


@public_page
def home(request: HttpRequest) -> HttpResponse:
    # config reads from every app; a broken import must fail loudly, not hide the notices.
    return render(request, "home.html", {"notices": latest_public_notices(10)})


def _check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # the point is to report any failure
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}


def _check_broker() -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "eager"}
    from config.celery import app

    try:
        # The URL from settings, so a node reports the broker it is configured for right now.
        with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "mode": "broker"}
    except Exception as exc:
        return {"ok": False, "mode": "broker", "error": exc.__class__.__name__}


def _check_search() -> dict[str, Any]:
    if settings.SEARCH_BACKEND != "elasticsearch":
        return {"ok": True, "backend": "database"}
    try:
        from elasticsearch import Elasticsearch

        ok = bool(Elasticsearch(settings.ELASTICSEARCH_URL, request_timeout=2).ping())
        return {"ok": ok, "backend": "elasticsearch"}
    except Exception as exc:
        return {"ok": False, "backend": "elasticsearch", "error": exc.__class__.__name__}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for load balancers: 200 when every dependency answers, else 503."""
    checks = {"database": _check_database(), "broker": _check_broker(), "search": _check_search()}
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if ok else "degraded", **checks}, status=200 if ok else 503)
