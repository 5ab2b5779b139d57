"""What the evaluation services share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_fsm import TransitionNotAllowed

from accounts.exceptions import DomainError, NotAllowed
from evaluation.models import Evaluation


def require(by: Any, perm: str, obj: Any = None) -> None:
    """Refuse unless ``by`` has ``perm`` on ``obj``. ``by=None`` is the system (a scheduled task or
    the command line), never a web request."""
    if by is None:
        return
    if not by.has_perm(perm, obj):
        raise NotAllowed()


def run_transition(evaluation: Evaluation, name: str, *, by: Any, **kwargs: Any) -> None:
    """Run a transition, turning django-fsm's refusals into messages a person can act on."""
    method: Callable[..., None] = getattr(evaluation, name)
    try:
        method(**kwargs)
    except TransitionNotAllowed:
        raise DomainError(
            _("This is not possible while the evaluation is “%(status)s”.")
            % {"status": evaluation.get_status_display()},
            code="transition",
        ) from None


def locked(evaluation: Evaluation) -> Evaluation:
    """The evaluation re-read under a row lock: concurrent requests on it queue up here."""
    return Evaluation.objects.select_for_update().get(pk=evaluation.pk)


def setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def appeal_working_days() -> int:
    return int(setting("GOVBUY_EVALUATION_APPEAL_WORKING_DAYS", 5))


def release_grades() -> frozenset[str]:
    return frozenset(setting("GOVBUY_EVALUATION_RELEASE_GRADES", ["excellent", "good", "fair"]))


def suspension_grades() -> frozenset[str]:
    return frozenset(setting("GOVBUY_EVALUATION_SUSPENSION_GRADES", ["poor"]))


def suspension_months() -> int:
    return int(setting("GOVBUY_EVALUATION_SUSPENSION_MONTHS", 12))
