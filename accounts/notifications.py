"""Notifications: the one entry point every app calls when an event concerns users.

    notify(recipients=[user, ...], kind="tender.published",
           message=gettext_noop("Tender %(ref)s was published"), params={"ref": ...},
           url=tender.get_absolute_url(), obj=tender)

``message`` is an English msgid marked with ``gettext_noop`` (or a lazy string) containing
``%(name)s`` placeholders. It is stored untranslated with its params and rendered in the reader's
language: the inbox in the current language, the e-mail in the recipient's preferred language.
A param that is itself a message (a status label, a deadline's name) is passed as
``msgid_param(gettext_noop("...") or a lazy label)``: it is stored as ``{"msgid": ...}`` and translated
with the message, so each reader gets it in their own language. Plain params are shown as given.
Call it inside the service's transaction: rows are written with the change, e-mails are sent by
Celery after commit. Sealed bid content must never be passed in ``params``.

Kinds are registered once, in an ``AppConfig.ready``, with a translated label the preferences page
shows: ``register_kind("tender.published", _("New tender in a category you follow"))``.
Each user chooses per kind: e-mail immediately, in the daily digest, or inbox only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from accounts.models import EmailMode, Notification, NotificationPreference, User

logger = logging.getLogger(__name__)


# --- the registry of kinds ------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: str | Promise
    default_email: bool = True

    @property
    def default_mode(self) -> str:
        return EmailMode.IMMEDIATE if self.default_email else EmailMode.OFF


_kinds: dict[str, NotificationKind] = {}


def register_kind(key: str, label: str | Promise, default_email: bool = True) -> None:
    """Declare a kind of notification (call from ``AppConfig.ready``). ``label`` is lazy-translated;
    ``default_email`` is what users get until they choose otherwise."""
    _kinds[key] = NotificationKind(key, label, default_email)


def registered_kinds() -> list[NotificationKind]:
    return list(_kinds.values())


def kind_label(key: str) -> str:
    kind = _kinds.get(key)
    return str(kind.label) if kind else key


def register_default_kinds() -> None:
    """The events of issue 7 that concern users, plus account events. Apps may add their own."""
    for key, label in [
        ("tender.published", _("New tender in a category you follow")),
        ("tender.amended", _("Tender amendments and clarifications")),
        ("tender.bidding_closed", _("Bidding closed")),
        ("tender.opening_record", _("Bid opening record")),
        ("tender.qualification_result", _("Qualification results")),
        ("tender.award_result", _("Award results")),
        ("challenge.filed", _("Challenge filed")),
        ("challenge.answered", _("Challenge answered")),
        ("contract.to_sign", _("Contract to sign")),
        ("contract.milestone_due", _("Contract milestone due")),
        ("evaluation.commissioned", _("Performance evaluation commissioned")),
        ("evaluation.published", _("Performance evaluation published")),
        ("directory.status_changed", _("Directory status changes")),
        ("account.invitation_accepted", _("Invitations accepted")),
        ("account.membership", _("Organisation membership")),
        ("account.security", _("Sign-in and security")),
        ("document.failed", _("A document could not be produced")),
    ]:
        register_kind(key, label)


# --- creating notifications -----------------------------------------------------------------------


def _msgid(message: str | Promise) -> str:
    """The English msgid of ``message``: lazy strings are evaluated with translation switched off."""
    if isinstance(message, Promise):
        with translation.override(None):
            return str(message)
    return message


def msgid_param(message: str | Promise, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Mark a notification param as a msgid to translate per reader (see the module docstring);
    ``params`` fill the msgid's own ``%(name)s`` placeholders (plain values)."""
    msgid = _msgid(message)
    if not params:
        return {"msgid": msgid}
    plain = _plain(params)
    msgid % plain  # a missing placeholder fails in the caller's test
    return {"msgid": msgid, "params": plain}


def _plain(params: Mapping[str, Any] | None) -> dict[str, Any]:
    return json.loads(json.dumps(dict(params or {}), cls=DjangoJSONEncoder, ensure_ascii=False))


def _modes_for(users: list[Any], kind: str) -> dict[int, str]:
    default = _kinds[kind].default_mode if kind in _kinds else EmailMode.IMMEDIATE
    chosen = dict(
        NotificationPreference.objects.filter(user__in=users, kind=kind).values_list("user_id", "email_mode")
    )
    return {u.pk: chosen.get(u.pk, default) for u in users}


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    message: str | Promise,
    params: dict[str, Any] | None = None,
    url: str = "",
    obj: models.Model | None = None,
) -> None:
    """Record the event for each recipient and schedule their e-mails (see the module docstring).

    Inactive users and duplicates are skipped. Two queries whatever the number of recipients, plus
    one enqueue per immediate e-mail after commit.
    """
    if kind not in _kinds:
        logger.warning("notify(): unregistered notification kind %r", kind)
    msgid = _msgid(message)
    plain = _plain(params)
    msgid % plain  # a missing placeholder fails here, in the caller's test, not in a reader's inbox
    users: dict[int, Any] = {}
    for user in recipients:
        if user is not None and getattr(user, "is_active", False) and user.pk not in users:
            users[user.pk] = user
    if not users:
        return
    modes = _modes_for(list(users.values()), kind)
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=kind,
                message=msgid,
                params=plain,
                url=str(url or "")[:500],
                object_type=obj._meta.label_lower if obj is not None else "",
                object_id=str(obj.pk) if obj is not None else "",
                created_at=now,
                email_mode=modes[user.pk],
            )
            for user in users.values()
        ]
    )
    from accounts.tasks import send_notification_email

    for row in rows:
        if row.email_mode == EmailMode.IMMEDIATE:
            send_notification_email.delay_on_commit(row.pk)


# --- reading and marking ----------------------------------------------------------------------------


def inbox_for(user: User, *, unread_only: bool = False) -> models.QuerySet[Notification]:
    qs = Notification.objects.for_user(user).order_by("-created_at", "-pk")
    return qs.unread() if unread_only else qs


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.for_user(user).unread().count()


def notification_mark_read(*, notification_id: int, by: User) -> Notification:
    """Only the recipient may mark a notification; anyone else gets DoesNotExist (a 404)."""
    notification = Notification.objects.for_user(by).get(pk=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notification_mark_all_read(*, by: User) -> int:
    return Notification.objects.for_user(by).unread().update(read_at=timezone.now())


def preferences_for(user: User) -> dict[str, str]:
    """Every registered kind with the user's effective e-mail mode."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email_mode"))
    return {k.key: chosen.get(k.key, k.default_mode) for k in registered_kinds()}


@transaction.atomic
def notification_preferences_set(*, user: User, modes: Mapping[str, str], by: User) -> None:
    """A user sets their own e-mail mode per kind. Only registered kinds and known modes count."""
    from accounts.audit import audit_record
    from accounts.exceptions import NotAllowed

    if by.pk != user.pk:
        raise NotAllowed()
    valid = {k.key: k for k in registered_kinds()}
    changed: dict[str, str] = {}
    current = preferences_for(user)
    for key, mode in modes.items():
        if key not in valid or mode not in EmailMode.values or current.get(key) == mode:
            continue
        NotificationPreference.objects.update_or_create(user=user, kind=key, defaults={"email_mode": mode})
        changed[key] = mode
    if changed:
        audit_record(actor=by, action="notification.preferences", obj=user, summary=changed)


# --- e-mail -----------------------------------------------------------------------------------------


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL.rstrip("/") + url


def _recipient_language(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def notification_email_send(notification_id: int) -> bool:
    """E-mail one notification, at most once: the row is locked, the mail sent, then ``sent_at``
    set in the same transaction. A failed send rolls back and the Celery task retries; a second
    delivery of the task finds ``sent_at`` set and does nothing. Returns whether it sent."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, email_mode=EmailMode.IMMEDIATE, sent_at__isnull=True)
            .first()
        )
        if notification is None or not notification.recipient.is_active:
            return False
        recipient = notification.recipient
        with translation.override(_recipient_language(recipient)):
            text = notification.text
            context = {
                "notification": notification,
                "text": text,
                "kind": kind_label(notification.kind),
                "url": _absolute(notification.url),
                "inbox_url": _absolute(reverse("notifications:inbox")),
                "preferences_url": _absolute(reverse("notifications:preferences")),
                "user": recipient,
            }
            subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + (text.splitlines() or [""])[0][:150]
            body = render_to_string("accounts/email/notification.txt", context)
        send_mail(subject, body, None, [recipient.email])
        notification.sent_at = timezone.now()
        notification.save(update_fields=["sent_at"])
    return True


def notification_digest_send(user_id: int) -> int:
    """One e-mail with every digest notification of a user not yet e-mailed. Returns how many."""
    with transaction.atomic():
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            return 0
        items = list(
            Notification.objects.select_for_update()
            .filter(recipient=user, email_mode=EmailMode.DIGEST, sent_at__isnull=True)
            .order_by("created_at", "pk")
        )
        if not items:
            return 0
        with translation.override(_recipient_language(user)):
            lines = [
                {"text": n.text, "kind": kind_label(n.kind), "url": _absolute(n.url), "at": n.created_at}
                for n in items
            ]
            subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + gettext(
                "Your daily summary: %(count)s notifications"
            ) % {"count": len(items)}
            body = render_to_string(
                "accounts/email/notification_digest.txt",
                {
                    "items": lines,
                    "user": user,
                    "inbox_url": _absolute(reverse("notifications:inbox")),
                    "preferences_url": _absolute(reverse("notifications:preferences")),
                },
            )
        send_mail(subject, body, None, [user.email])
        Notification.objects.filter(pk__in=[n.pk for n in items]).update(sent_at=timezone.now())
    return len(items)


def users_with_pending_digest() -> list[int]:
    return list(
        Notification.objects.filter(email_mode=EmailMode.DIGEST, sent_at__isnull=True)
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )


# Marked for extraction: messages this module itself sends.
DOCUMENT_FAILED_MESSAGE = gettext_noop(
    "The document “%(title)s” could not be produced. Open it to see the error and try again."
)
