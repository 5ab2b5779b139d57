"""Navigation by role, assembled from what each app registers in its ``AppConfig.ready``.

A lower app cannot import a higher one, so the menu is a registry: ``procurement`` registers its
pages, ``accounts`` only renders what is there for the user's role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str] = field(default_factory=frozenset)  # empty: everyone, signed in or not
    signed_in: bool = False
    order: int = 100
    # Further condition on the signed-in user, e.g. "is a department administrator": a menu entry
    # that leads to a 403 is worse than none.
    when: Callable[[Any], bool] | None = None


_items: list[NavItem] = []


def register(
    label: str | Promise,
    url_name: str,
    *,
    roles: Iterable[str] = (),
    signed_in: bool = False,
    order: int = 100,
    when: Callable[[Any], bool] | None = None,
) -> None:
    item = NavItem(
        label, url_name, frozenset(roles), signed_in or bool(roles) or when is not None, order, when
    )
    if item not in _items:
        _items.append(item)


def items_for(user: Any) -> list[dict[str, str]]:
    authenticated = bool(getattr(user, "is_authenticated", False))
    role = getattr(user, "role", "") if authenticated else ""
    result = []
    for item in sorted(_items, key=lambda i: i.order):
        if item.signed_in and not authenticated:
            continue
        if (
            item.roles
            and role not in item.roles
            and not (authenticated and user.is_superuser and "*" in item.roles)
        ):
            continue
        if item.when is not None and not item.when(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        result.append({"label": str(item.label), "url": url, "url_name": item.url_name})
    return result


def register_defaults() -> None:
    from django.utils.translation import gettext_lazy as _

    from accounts.models import Role

    register(_("Home"), "home", order=0)
    register(_("My workspace"), "dashboard", signed_in=True, order=10)
    register(
        _("Staff invitations"),
        "accounts:invitations",
        roles=[Role.PURCHASER, Role.DIRECTORY_ADMIN, Role.SUPERVISOR],
        order=90,
        when=_is_department_admin,
    )
    register(_("Audit trail"), "accounts:audit", roles=[Role.SUPERVISOR, "*"], order=95)


def _is_department_admin(user: Any) -> bool:
    return bool(user.is_department_admin and user.department_id)
