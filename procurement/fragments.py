"""Cached public parts of the tender list and the tender page, for every visitor.

The anonymous page cache (``accounts.pagecache``) answers whole pages, but only to visitors without a
session, and any change to public data (every bid, every audit entry) makes every page stale at once.
These fragments are finer: what the tender page shows of one tender (its terms, key dates,
documents, published clarifications, amendments) is kept per tender, and the list's rows per
filter, so a signed-in purchaser, supplier or expert, and an anonymous visitor after a bid was
submitted somewhere else, get them without the queries and template work that made them.

Freshness: each tender has a *version* token in the cache, and the list one of its own. Saving or
deleting a tender, or a criterion, document, clarification or amendment of it, gives that tender and
the list new tokens, at once and again after commit (a page drawn from the data before the commit is
kept under the older token); saving a department or a service category (their names are on both
pages) renews the list's token, and the tender page checks both names itself. A fragment kept under
another token is a miss, and so is one drawn by other templates, code or translations (a new
release). Tokens are random, not counters, so a token evicted from the cache and made
anew never matches an old fragment. ``PUBLIC_FRAGMENT_SECONDS`` (default 300, ``0`` = off) bounds how
long a fragment lives, and with it what a bulk ``update()`` could leave stale: one inside a
transaction that also saves one of the tender's rows (an amendment moving the deadline) is renewed
with it after commit; after any other, call ``tender_changed``.

Only what is the same for every visitor is kept: the parts are rendered without the request (no
user, no CSRF token), and a draft (seen only by its purchasers, with their edit buttons) is never
kept.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.template.loader import get_template

LIST_VERSION_KEY = "fragments:tenders:version"
# A version outlives its fragments (a missing version is simply made anew: a miss).
VERSION_SECONDS = 24 * 3600


def seconds() -> int:
    return int(getattr(settings, "PUBLIC_FRAGMENT_SECONDS", 300))


def tender_version_key(tender_id: int) -> str:
    return f"fragments:tender:{tender_id}:version"


def _token() -> str:
    return secrets.token_hex(8)


def renew(keys: list[str]) -> None:
    cache.set_many({key: _token() for key in keys}, VERSION_SECONDS)


def cached(
    key: str, version_key: str, stamp: Any, make: Callable[[], Any], templates: tuple[str, ...]
) -> Any:
    """The value kept under ``key`` if it was made under the current version and ``stamp`` by the
    same ``templates`` and translations; otherwise ``make()``'s, kept. One cache round trip on a
    hit, two on a miss."""
    if seconds() <= 0:
        return make()
    key = key_for(key, templates)
    found = cache.get_many([version_key, key])
    version = found.get(version_key)
    entry = found.get(key)
    if version is not None and entry is not None and entry[0] == version and entry[1] == stamp:
        return entry[2]
    if version is None:
        version = _token()
        if not cache.add(version_key, version, VERSION_SECONDS):
            version = cache.get(version_key, version)
    value = make()
    cache.set(key, (version, stamp, value), seconds())
    return value


def key_for(key: str, templates: tuple[str, ...]) -> str:
    return f"{key}:{signature(templates)}"


# The code that draws the fragments (labels, properties, the views' context), besides the templates.
DRAWN_BY = (
    "procurement.fragments",
    "procurement.models.tenders",
    "procurement.selectors.tenders",
    "procurement.views.tenders",
    "vendors.models.organisations",
)


@functools.cache
def signature(templates: tuple[str, ...]) -> str:
    """What the fragments were drawn with: the templates', the drawing code's and the compiled
    translations' contents, so that a release changing any of them never serves what the one before
    it drew."""
    digest = hashlib.sha256()
    files = [Path(get_template(name).origin.name) for name in templates]  # type: ignore[attr-defined]
    files += [Path(importlib.import_module(module).__file__ or "") for module in DRAWN_BY]
    for locale in settings.LOCALE_PATHS:
        files += sorted(Path(locale).glob("*/LC_MESSAGES/*.mo"))
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# --- invalidation ---------------------------------------------------------------------------------


def tender_changed(tender_id: int | None, using: str = "default") -> None:
    """New tokens for this tender and the list, now and again after the transaction commits."""
    keys = [LIST_VERSION_KEY] if tender_id is None else [LIST_VERSION_KEY, tender_version_key(tender_id)]
    renew(keys)
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return
    # One callback per transaction gathers the keys; a callback dropped with a rolled-back
    # (savepoint of a) transaction is no longer pending, and the next change registers a new one.
    pending = getattr(connection, "_fragment_renewal", None)
    if pending is None or not any(entry[1] is pending for entry in connection.run_on_commit):
        pending = _Renewal()
        connection._fragment_renewal = pending
        transaction.on_commit(pending, using=using, robust=True)
    pending.keys.update(keys)


class _Renewal:
    def __init__(self) -> None:
        self.keys: set[str] = set()

    def __call__(self) -> None:
        renew(sorted(self.keys))


def _tender_row_saved(sender: Any, instance: Any, using: str = "default", **kwargs: Any) -> None:
    tender_changed(instance.pk, using)
    if getattr(instance, "retender_of_id", None):  # the earlier tender's page names its re-tender
        tender_changed(instance.retender_of_id, using)


def _child_saved(sender: Any, instance: Any, using: str = "default", **kwargs: Any) -> None:
    tender_changed(instance.tender_id, using)


def _name_saved(sender: Any, instance: Any, using: str = "default", **kwargs: Any) -> None:
    tender_changed(None, using)


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from accounts.models import Department
    from procurement.models import Amendment, Clarification, ScoringCriterion, Tender, TenderDocument
    from vendors.models import ServiceCategory

    for signal in (post_save, post_delete):
        signal.connect(_tender_row_saved, sender=Tender, dispatch_uid=f"fragments-tender-{id(signal)}")
        children: tuple[type[Any], ...] = (ScoringCriterion, TenderDocument, Clarification, Amendment)
        for child in children:
            signal.connect(
                _child_saved, sender=child, dispatch_uid=f"fragments-{child.__name__}-{id(signal)}"
            )
        named: tuple[type[Any], ...] = (Department, ServiceCategory)
        for model in named:
            signal.connect(_name_saved, sender=model, dispatch_uid=f"fragments-{model.__name__}-{id(signal)}")
