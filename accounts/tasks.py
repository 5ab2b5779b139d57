"""Thin Celery tasks: load by id, call a service."""

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
