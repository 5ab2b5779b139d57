"""API token services: create (shown once), revoke, authenticate by digest."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.exceptions import DomainError, NotAllowed
from accounts.models import ApiToken

TOKEN_PREFIX = "gb_"  # noqa: S105  (a marker, not a secret)
MAX_ACTIVE_TOKENS = 10


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _has_totp(user: Any) -> bool:
    from accounts.middleware import user_has_totp

    return user_has_totp(user)


def may_hold_token(user: Any) -> bool:
    """Active users may hold tokens; roles that require two-factor authentication only once it is set up."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return not user.role_requires_mfa or _has_totp(user)


@transaction.atomic
def api_token_create(*, by: Any, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``by`` itself; returns the row and the token, which is never stored."""
    if not getattr(by, "is_authenticated", False) or not by.is_active:
        raise NotAllowed()
    if not may_hold_token(by):
        raise DomainError(
            _("Set up two-factor authentication before creating an API token."), code="mfa_required"
        )
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name."), field="name")
    if ApiToken.objects.filter(user=by, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise DomainError(_("You have too many active tokens; revoke one first."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=by, name=name[:100], prefix=raw[:10], digest=token_digest(raw))
    audit_record(actor=by, action="api_token.create", obj=token, summary={"name": token.name})
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: Any) -> ApiToken:
    if token.user_id != getattr(by, "pk", None):
        raise NotAllowed()
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=by, action="api_token.revoke", obj=token, summary={"name": token.name})
    return token


def api_token_user(raw: str) -> Any | None:
    """The active user a presented token belongs to, or None. Records the last use (at most once a minute)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
