"""Whole-page cache for anonymous visitors of the public portal.

Most of the portal's traffic is the public reading published tenders, results and the directory;
they all see the same page for the same address and language. ``PublicPageCacheMiddleware`` sits
near the top of the middleware stack and answers such a request from the cache before sessions,
authentication, CSRF or the view run; a miss goes on through the stack, and a view decorated with
``@public_page`` lets its response be stored.

What may be served from the cache, and to whom:

- only ``GET``/``HEAD`` of a view decorated with ``@public_page`` (an allow-list: a page that shows
  anything personal is never decorated);
- only to a visitor without a session or flash-message cookie (signed-in users, and a visitor
  with a pending message, always get a fresh page);
- only a ``200`` response that sets no cookie; a cached page carries no CSRF token (``base.html``
  leaves the token out when ``request.public_page`` is set and offers the language switch as a
  ``GET`` form, see ``accounts.views.language_switch``).

The key is the language (the language cookie, else ``LANGUAGE_CODE``, exactly as
``ChineseFirstLocaleMiddleware`` decides for a visitor), the full path with its query string and
whether htmx asked for a fragment. Freshness: every saved or deleted row of the public apps
(procurement, vendors, evaluation, departments) and every audit entry (each service writes one)
bumps a *generation* counter, at once and again after commit, and an entry of an older generation is
a miss. Rows no public page shows are left out: a sealed bidder's audit entries and the rows their
apps register with ``unseen_while`` (a bid before its opening), so a bid rush keeps the pages.
``PUBLIC_PAGE_CACHE_SECONDS`` (default 60) bounds what a bulk ``update()`` outside a service (which
sends no signal) could leave stale. ``0`` turns the cache off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import check_for_language

GENERATION_KEY = "pagecache:generation"
PUBLIC_APPS = frozenset({"procurement", "vendors", "evaluation"})
# Departments and evaluation bodies are named on public pages; every service writes an audit entry,
# so a service that changes rows with a bulk ``update()`` (no signal) still makes the pages stale.
PUBLIC_MODELS = frozenset(
    {("accounts", "department"), ("accounts", "evaluatororganisation"), ("accounts", "auditentry")}
)
# Cookies that make a page personal: a session (signed in, or a flash message kept in the session)
# and flash messages kept in a cookie.
PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")
# Response headers worth keeping; the security middleware adds its own on the way out again.
KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "X-Frame-Options", "Cache-Control", "HX-Trigger")


def _seconds() -> int:
    return int(getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 60))


def _language(request: HttpRequest) -> str:
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return language if language and check_for_language(language) else settings.LANGUAGE_CODE


def _eligible(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and _seconds() > 0
        and not any(name in request.COOKIES for name in PERSONAL_COOKIES)
        and "HTTP_AUTHORIZATION" not in request.META
    )


def cache_key(request: HttpRequest) -> str:
    raw = "\n".join(
        (
            _language(request),
            request.get_full_path(),
            request.headers.get("HX-Request", ""),
            request.get_host(),
        )
    )
    return "pagecache:page:" + hashlib.sha256(raw.encode()).hexdigest()


def generation() -> int:
    return int(cache.get(GENERATION_KEY) or 0)


def bump_generation() -> None:
    """Make every cached page stale (any change to public data)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no counter yet (or evicted): start one
        if not cache.add(GENERATION_KEY, 1, timeout=None):
            cache.incr(GENERATION_KEY)


def public_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view's anonymous ``200`` response as cacheable for every anonymous visitor."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        cacheable = getattr(request, "_public_page_key", None) is not None
        if cacheable:
            request.public_page = True  # type: ignore[attr-defined]  # base.html: no CSRF token
        response = view(request, *args, **kwargs)
        if cacheable:
            response.public_page = True
        return response

    return wrapper


class PublicPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _eligible(request):
            return self.get_response(request)
        key = cache_key(request)
        found = cache.get_many([GENERATION_KEY, key])
        current = int(found.get(GENERATION_KEY) or 0)
        entry = found.get(key)
        if entry is not None and entry[0] == current:
            return self._response(entry)
        request._public_page_key = key  # type: ignore[attr-defined]
        response = self.get_response(request)
        if (
            getattr(response, "public_page", False)
            and request.method == "GET"  # a HEAD response may have lost its body on the way
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
        ):
            headers = [(name, response[name]) for name in KEPT_HEADERS if response.has_header(name)]
            cache.set(key, (current, response.content, headers), _seconds())
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def _response(entry: tuple[int, bytes, list[tuple[str, str]]]) -> HttpResponse:
        _, content, headers = entry
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        response["X-Page-Cache"] = "hit"
        return response


def _bump_after_commit() -> None:
    bump_generation()


# Rows no public page shows while a condition holds, by model (registered by their apps): saving or
# deleting one then makes no page stale. Procurement registers sealed bids, their documents and
# receipts (before the opening nothing of a bid is public), so a bid rush leaves the cache warm.
_UNSEEN: dict[type, Callable[[Any], bool]] = {}


def unseen_while(model: type, condition: Callable[[Any], bool]) -> None:
    """While ``condition(row)`` holds, no public page shows ``row``: changing it keeps the pages."""
    _UNSEEN[model] = condition


def _unseen(sender: Any, instance: Any) -> bool:
    condition = _UNSEEN.get(sender)
    return instance is not None and condition is not None and bool(condition(instance))


def _changed(sender: Any, using: str = "default", **kwargs: Any) -> None:
    meta = getattr(sender, "_meta", None)
    if meta is None or not (
        meta.app_label in PUBLIC_APPS or (meta.app_label, meta.model_name) in PUBLIC_MODELS
    ):
        return
    if _unseen(sender, kwargs.get("instance")):
        return
    # At once: this connection's own later reads (and a test's) see fresh pages. After commit, once
    # per transaction: a page another request rendered from the data before the commit was stored
    # under the older generation, and this bump makes it stale.
    bump_generation()
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and not any(
        entry[1] is _bump_after_commit for entry in connection.run_on_commit
    ):
        transaction.on_commit(_bump_after_commit, using=using, robust=True)


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from accounts.audit import SEALED_ACTOR_KEY
    from accounts.models import AuditEntry

    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_changed, dispatch_uid=f"pagecache-{id(signal)}")
    # A sealed bidder's step (accounts.audit: its actor is sealed until the opening) is on no public
    # page; the opening's own entries are not sealed and make the pages stale.
    unseen_while(AuditEntry, lambda entry: SEALED_ACTOR_KEY in (entry.summary or {}))
