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
from accounts.models import DEPARTMENT_ROLES, Department, ExpertProfile, Invitation, Role, User

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


# --- the expert pool (评审专家库) ------------------------------------------------------------------
# Managed by supervisors (财政局, which keeps the pool under 实施条例 Art. 62) and the site
# administrator. Specialities and declared relations with organisations belong to ``procurement``
# (they name service categories and organisations); its services call these for the profile.


@transaction.atomic
def expert_profile_create(
    *, email: str, full_name: str, affiliation: str, title: str = "", declared_relations: str = "", by: User
) -> ExpertProfile:
    """Add an expert to the pool: a new user with the expert role and no password yet, who gets an
    e-mail with a link to choose one (the link proves the address)."""
    if not by.has_perm("accounts.manage_experts"):
        raise NotAllowed()
    email = email.strip().lower()
    if not email or not full_name.strip() or not affiliation.strip():
        raise DomainError(_("Give the expert's e-mail address, name and affiliation."))
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(_("A user with this e-mail address already exists."), field="email")
    user = User.objects.create_user(email, None, full_name=full_name.strip(), role=Role.EXPERT)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    profile = ExpertProfile.objects.create(
        user=user, affiliation=affiliation.strip(), title=title.strip(), declared_relations=declared_relations
    )
    audit_record(
        actor=by,
        action="expert.create",
        obj=profile,
        summary={"email": email, "affiliation": profile.affiliation},
    )
    from accounts.tasks import send_expert_welcome_email

    send_expert_welcome_email.delay_on_commit(user.pk, by.pk)
    return profile


def expert_welcome_send_email(*, user: User, invited_by: User | None) -> None:
    """The new expert's e-mail: a one-time link to set a password (allauth's password-reset key)."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    key = default_token_generator.make_token(user)
    url = settings.SITE_URL.rstrip("/") + reverse(
        "account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key}
    )
    language = user.language or (invited_by.language if invited_by else "") or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = str(_("You were added to the GovBuy bid-evaluation expert pool"))
        body = render_to_string("accounts/email/expert_welcome.txt", {"user": user, "url": url})
    send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, None, [user.email])


@transaction.atomic
def expert_profile_update(
    *,
    profile: ExpertProfile,
    affiliation: str,
    title: str,
    declared_relations: str,
    in_pool: bool,
    is_active: bool,
    by: User,
) -> ExpertProfile:
    """Edit what the pool knows of an expert; ``in_pool`` False keeps them out of future draws,
    ``is_active`` False also closes their account (their past committee work stays on record)."""
    if not by.has_perm("accounts.manage_experts"):
        raise NotAllowed()
    profile = ExpertProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
    if not affiliation.strip():
        raise DomainError(_("Give the expert's affiliation."), field="affiliation")
    before = {
        "affiliation": profile.affiliation,
        "title": profile.title,
        "declared_relations": profile.declared_relations,
        "in_pool": profile.in_pool,
        "is_active": profile.user.is_active,
    }
    profile.affiliation, profile.title = affiliation.strip(), title.strip()
    profile.declared_relations, profile.in_pool = declared_relations, in_pool
    profile.save()
    if profile.user.is_active != is_active:
        profile.user.is_active = is_active
        profile.user.save(update_fields=["is_active"])
    after = {
        "affiliation": profile.affiliation,
        "title": profile.title,
        "declared_relations": profile.declared_relations,
        "in_pool": profile.in_pool,
        "is_active": is_active,
    }
    changed = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    if changed:
        audit_record(actor=by, action="expert.update", obj=profile, summary=changed)
    return profile
