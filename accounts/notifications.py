"""Notifications: the one entry point every app calls when an event concerns users.

    notify(recipients=[user, ...], kind="tender.published",
           message=gettext_noop("Tender %(ref)s was published"), params={"ref": ...},
           url=tender.get_absolute_url(), obj=tender)

``message`` is an English msgid marked with ``gettext_noop`` (or a lazy string) containing
``%(name)s`` placeholders. It is stored untranslated with its params and rendered in the reader's
language: the inbox in the current language, the e-mail in the recipient's preferred language.
Call it inside the service's transaction: rows are written with the change, e-mails are sent by
Celery after commit. Sealed bid content must never be passed in ``params``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.functional import Promise


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    message: str | Promise,
    params: dict[str, Any] | None = None,
    url: str = "",
    obj: models.Model | None = None,
) -> None:
    """Placeholder until the notifications work lands: accepts the call so services can use it."""
    return None
