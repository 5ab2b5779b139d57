"""Base permissions: every decision is a ``user.has_perm(...)`` rule; the API adds no logic of its own."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


def require_perm(request: Request, perm: str, obj: Any = None, *, hide: bool = False) -> None:
    """Refuse unless the rule ``perm`` allows: 404 when ``hide`` (the object's existence is not
    revealed), 401 for anonymous callers, else 403."""
    user = request.user
    if user.has_perm(perm, obj):
        return
    if hide:
        raise exceptions.NotFound()
    if not user.is_authenticated:
        raise exceptions.NotAuthenticated()
    raise exceptions.PermissionDenied()


class IsAuthenticated(BasePermission):
    """Signed in (token or session)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)
