"""Notifications (通知): one row per recipient and event, rendered in the reader's language.

The message is stored as its English msgid with the parameters beside it, never as translated text,
so the inbox shows it in the language of whoever reads it and the e-mail in the recipient's
preferred language (``User.language``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class EmailMode(models.TextChoices):
    """How a user wants to hear about one kind of event by e-mail."""

    IMMEDIATE = "immediate", _("E-mail immediately")
    DIGEST = "digest", _("In the daily digest")
    OFF = "off", _("No e-mail (inbox only)")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_user(self, user: Any) -> NotificationQuerySet:
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=64)
    message = models.TextField(_("message (untranslated)"))
    params = models.JSONField(_("parameters"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    url = models.CharField(_("link"), max_length=500, blank=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # E-mail delivery decided when the notification was created, from the recipient's preference.
    email_mode = models.CharField(_("e-mail"), max_length=10, choices=EmailMode.choices)
    sent_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(
                fields=["email_mode", "recipient"],
                condition=models.Q(sent_at__isnull=True),
                name="notification_unsent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def text(self) -> str:
        """The message in the active language, with its parameters filled in."""
        translated = gettext(self.message)
        # A param stored as {"msgid": ...} (``accounts.notifications.msgid_param``) is itself a
        # message, translated in the reader's language like the message.
        params = {k: _param_text(v) for k, v in (self.params or {}).items()}
        try:
            return translated % params
        except (KeyError, ValueError, TypeError):
            # A translation with a broken placeholder must not hide the event: fall back to English.
            try:
                return self.message % params
            except (KeyError, ValueError, TypeError):
                return self.message

    @property
    def kind_label(self) -> str:
        from accounts.notifications import kind_label

        return kind_label(self.kind)


def _param_text(value: Any) -> Any:
    """A ``{"msgid": ..., "params": {...}}`` param translated in the active language; others as given."""
    if not (isinstance(value, dict) and isinstance(value.get("msgid"), str)):
        return value
    text = gettext(value["msgid"])
    inner = value.get("params") or {}
    try:
        return text % inner if inner else text
    except (KeyError, ValueError, TypeError):
        return value["msgid"] % inner if inner else value["msgid"]


class NotificationPreference(models.Model):
    """A user's choice for one kind of notification. No row: the kind's default applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=64)
    email_mode = models.CharField(_("e-mail"), max_length=10, choices=EmailMode.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.email_mode}"
