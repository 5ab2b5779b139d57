"""What the vendors services share."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts.exceptions import NotAllowed


def require(by: Any, perm: str, obj: Any = None) -> None:
    """Refuse unless ``by`` has ``perm`` on ``obj``. ``by=None`` is the command line (an operator
    with shell access to the server), never a web request."""
    if by is None:
        return
    if not by.has_perm(perm, obj):
        raise NotAllowed()


def today() -> Any:
    return timezone.localdate()
