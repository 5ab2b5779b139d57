from typing import Any

from django.http import HttpRequest

from accounts import navigation as nav


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu for the signed-in user's role (or the public menu)."""
    return {"nav_items": nav.items_for(request.user)}
