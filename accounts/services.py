"""Writes for accounts: invitations. Each service is atomic, checks permission, writes the audit
trail and schedules side effects after commit (STYLE.md)."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.exceptions import DomainError, NotAllowed
from accounts.models import DEPARTMENT_ROLES, Department, Invitation, Role, User

# Department roles that oversee others (the directory, the trail): invited by a site administrator only.
OVERSIGHT_ROLES = frozenset({Role.DIRECTORY_ADMIN, Role.SUPERVISOR})


@transaction.atomic
def invitation_create(*, department: Department, email: str, role: str, by: User) -> Invitation:
    """A department administrator invites a member of staff (suppliers sign up by themselves)."""
    if not by.has_perm("accounts.invite_staff", department):
        raise NotAllowed()
    if role not in DEPARTMENT_ROLES:
        raise DomainError(_("Invitations are for department staff roles only."), field="role")
    if role in OVERSIGHT_ROLES and not by.is_superuser:
        # Departments have no kind that says which of them keeps the directory or supervises: a
        # department administrator could otherwise make anyone a directory administrator or a
        # supervisor of any department. Those roles are given by the site administrator.
        raise DomainError(
            _("Only a site administrator may invite directory administrators and supervisors."), field="role"
        )
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(_("A user with this e-mail address already exists."), field="email")
    invitation = Invitation.objects.create(email=email, department=department, role=role, invited_by=by)
    audit_record(
        actor=by,
        action="invitation.create",
        obj=invitation,
        summary={"email": email, "role": role, "department": department.code},
    )
    from accounts.tasks import send_invitation_email

    send_invitation_email.delay_on_commit(invitation.pk)
    return invitation


def invitation_send_email(invitation: Invitation) -> None:
    """E-mail the invitation link, in the language of the person who sent it."""
    with translation.override(invitation.invited_by.language or settings.LANGUAGE_CODE):
        context = {
            "invitation": invitation,
            "url": settings.SITE_URL.rstrip("/")
            + reverse("accounts:invitation_accept", args=[invitation.token]),
        }
        subject = str(_("Invitation to GovBuy from %(department)s")) % {
            "department": invitation.department.name
        }
        body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, None, [invitation.email])


@transaction.atomic
def invitation_accept(*, token: str, full_name: str, password: str) -> User:
    """The invited person sets a name and password; the link proves the e-mail address."""
    invitation = (
        Invitation.objects.select_for_update().select_related("department").filter(token=token).first()
    )
    if invitation is None or not invitation.is_open:
        raise DomainError(
            _("This invitation is no longer valid. Ask your department administrator for a new one.")
        )
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise DomainError(_("A user with this e-mail address already exists."))
    user = User.objects.create_user(
        invitation.email,
        password,
        full_name=full_name,
        role=invitation.role,
        department=invitation.department,
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    audit_record(
        actor=user,
        action="invitation.accept",
        obj=invitation,
        summary={"role": user.role, "department": invitation.department.code},
    )
    return user


def user_summary(user: User) -> dict[str, Any]:
    return {"email": user.email, "role": user.role, "department": user.department_id}


def user_set_language(*, user: User, language: str) -> None:
    """The language the person chose in the switcher also becomes the language of their e-mails.

    A preference, not an act on the platform's business: not written to the audit trail.
    """
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("Unknown language."), field="language")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
