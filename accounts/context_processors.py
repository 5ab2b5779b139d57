from typing import Any

from django.http import HttpRequest

from accounts import navigation as nav


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu for the signed-in user's role (or the public menu)."""
    return {"nav_items": nav.items_for(request.user)}


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The header's unread count: one COUNT query, and only when a template shows it."""
    from django.utils.functional import SimpleLazyObject

    from accounts.notifications import unread_count

    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(request.user))}
