"""Refusals specific to the directory (see ``accounts.exceptions`` for the general ones)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.exceptions import DomainError


class PublishedVersionError(DomainError):
    """A published directory version, its entries or their categories were about to change."""

    def __init__(self, message: Any = "", **kwargs: Any) -> None:
        super().__init__(
            message or _("A published directory version never changes; make the change in the next draft."),
            code="published_version",
        )
