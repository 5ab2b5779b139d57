"""Per-client-address rate limits for public, unauthenticated pages, counted in Django's cache.

The failed-login limit is allauth's own (``ACCOUNT_RATE_LIMITS``, per account and per address);
this is the same idea for pages without an account behind them: ``/verify/`` (code look-up and
file upload) and the public survey. A fixed window per (scope, address): ``cache.add`` starts it,
``cache.incr`` counts atomically (Redis in production, so every web process shares the count).

The address is ``REMOTE_ADDR``: behind a reverse proxy, the proxy must pass the client's address
through (docs/deployment.md), or every visitor shares the proxy's one limit.

Limits are settings so a city can tune them: ``GOVBUY_RATE_LIMITS = {"verify_lookup": (60, 60)}``
(requests, seconds).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "verify_lookup": (60, 60),  # verification codes looked up, per minute and address
    "verify_upload": (10, 60),  # PDFs up to 30 MB hashed and parsed, per minute and address
    "survey": (30, 60),  # survey pages (a wrong token is a guess), per minute and address
    "document_request": (30, 60),  # PDFs asked for (each new version is a render), per minute and address
}


def limit_for(scope: str) -> tuple[int, int]:
    configured = getattr(settings, "GOVBUY_RATE_LIMITS", {}) or {}
    limit, period = configured.get(scope, DEFAULT_LIMITS[scope])
    return int(limit), int(period)


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def rate_limit_hit(request: HttpRequest, scope: str) -> bool:
    """Count one request; True while the address is within its limit for ``scope``."""
    limit, period = limit_for(scope)
    window = int(time.time() // period)
    key = f"ratelimit:{scope}:{client_address(request)}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 1)
        count = 1
    return count <= limit


def too_many_requests(request: HttpRequest) -> HttpResponse:
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response


def rate_limited(scope: str, *, methods: tuple[str, ...] | None = None) -> Callable[[Any], Any]:
    """View decorator: answer 429 once the address has used up ``scope``'s limit. ``methods``
    restricts the counting to those methods (e.g. only the POST of an upload form)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if (methods is None or request.method in methods) and not rate_limit_hit(request, scope):
                return too_many_requests(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
