"""Errors services raise; views map them to messages, the API to its error format."""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A business rule refused the action. ``message`` is shown to the user as it is."""

    def __init__(self, message: str | Promise, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code


class NotAllowed(DomainError):
    """The actor's role or relation to the object does not permit the action."""

    def __init__(self, message: str | Promise = "", **kwargs: object) -> None:
        from django.utils.translation import gettext_lazy as _

        super().__init__(message or _("You are not allowed to do this."), code="forbidden")
