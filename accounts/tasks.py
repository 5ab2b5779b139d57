"""Thin Celery tasks: load by id, call a service."""

from typing import Any

from celery import shared_task

from accounts.models import Invitation


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation_email(invitation_id: int) -> None:
    from accounts.services import invitation_send_email

    invitation = (
        Invitation.objects.select_related("department", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is not None and invitation.is_open:
        invitation_send_email(invitation)


# --- notifications (accounts.notifications) -------------------------------------------------------
# SMTP failures are OSError subclasses (smtplib.SMTPException too); anything else is a bug to see.


@shared_task(
    autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=3600, retry_jitter=True, max_retries=8
)
def send_notification_email(notification_id: int) -> None:
    from accounts.notifications import notification_email_send

    notification_email_send(notification_id)


@shared_task(
    autoretry_for=(OSError,), retry_backoff=60, retry_backoff_max=3600, retry_jitter=True, max_retries=8
)
def send_notification_digest(user_id: int) -> None:
    from accounts.notifications import notification_digest_send

    notification_digest_send(user_id)


@shared_task
def send_daily_digests() -> int:
    """Beat, once a day: one digest task per user with something waiting."""
    from accounts.notifications import users_with_pending_digest

    user_ids = users_with_pending_digest()
    for user_id in user_ids:
        send_notification_digest.delay(user_id)
    return len(user_ids)


# --- documents (accounts.documents) ---------------------------------------------------------------

DOCUMENT_RENDER_MAX_RETRIES = 3


@shared_task(bind=True, max_retries=DOCUMENT_RENDER_MAX_RETRIES, acks_late=True)
def render_document(self: Any, document_id: int) -> None:
    """Render with retries; the last failure marks the document failed and tells the requester."""
    from accounts.documents import DocumentRenderError, document_render

    if self.request.is_eager:
        # Embedded setup (no worker; an eager retry would surface in the request): the same
        # attempts, one after another, in process.
        for attempt in range(self.max_retries + 1):
            try:
                document_render(document_id, final_attempt=attempt == self.max_retries)
                return
            except DocumentRenderError:
                continue
        return
    try:
        document_render(document_id, final_attempt=self.request.retries >= self.max_retries)
    except DocumentRenderError as exc:
        raise self.retry(exc=exc, countdown=min(600, 20 * 2**self.request.retries)) from exc


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_expert_welcome_email(user_id: int, invited_by_id: int | None = None) -> None:
    """The new expert's set-your-password e-mail. Sent only while the account has no password (a
    retry after the expert already chose one sends nothing)."""
    from accounts.models import User
    from accounts.services import expert_welcome_send_email

    user = User.objects.filter(pk=user_id, is_active=True, role="expert").first()
    if user is None or user.has_usable_password():
        return
    invited_by = User.objects.filter(pk=invited_by_id).first() if invited_by_id else None
    expert_welcome_send_email(user=user, invited_by=invited_by)
