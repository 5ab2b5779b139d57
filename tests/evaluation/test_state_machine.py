"""Every status × every transition of the evaluation: allowed ones reach their target, the rest raise."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from evaluation.models import Evaluation, EvaluationStatus
from tests.evaluation.factories import force_status

pytestmark = pytest.mark.django_db
S = EvaluationStatus

# transition: (allowed sources, target, kwargs)
NOW = timezone.now()
TRANSITIONS = {
    "start": ({S.COMMISSIONED}, S.IN_PROGRESS, {}),
    "decline": ({S.COMMISSIONED, S.IN_PROGRESS}, S.CONFLICT_DECLARED, {"reason": "r"}),
    "submit": (
        {S.IN_PROGRESS, S.RETURNED, S.REOPENED},
        S.SUBMITTED,
        {"score": Decimal(90), "grade": "excellent", "report": "r", "at": NOW},
    ),
    "return_for_revision": ({S.SUBMITTED}, S.RETURNED, {"comment": "c"}),
    "accept": ({S.SUBMITTED}, S.PUBLISHED, {"at": NOW, "appeal_deadline": dt.date(2099, 1, 1)}),
    "appeal": ({S.PUBLISHED}, S.APPEALED, {}),
    "uphold_appeal": ({S.APPEALED}, S.REOPENED, {}),
    "dismiss_appeal": ({S.APPEALED}, S.FINAL, {"at": NOW}),
    "finalise": ({S.PUBLISHED}, S.FINAL, {"at": NOW}),
}


@pytest.fixture
def ready(world):
    """An evaluation whose conditions all hold: a declared evaluator and every leaf scored."""
    evaluation = world.start(world.commission())
    world.score_all(evaluation, Decimal("1"))
    world.survey(evaluation, [5])
    return evaluation


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_status_transition_matrix(ready, status, name) -> None:
    sources, target, kwargs = TRANSITIONS[name]
    evaluation = force_status(ready, status)
    # The appeal period is open for "appeal" and over for "finalise".
    deadline = timezone.localdate() + dt.timedelta(days=-1 if name == "finalise" else 3)
    Evaluation.objects.filter(pk=evaluation.pk).update(appeal_deadline=deadline)
    evaluation.refresh_from_db()
    if status in sources:
        getattr(evaluation, name)(**kwargs)
        evaluation.save()
        evaluation.refresh_from_db()
        assert evaluation.status == target
    else:
        with pytest.raises(TransitionNotAllowed):
            getattr(evaluation, name)(**kwargs)
        evaluation.refresh_from_db()
        assert evaluation.status == status


def test_conditions_block_even_from_an_allowed_source(world) -> None:
    evaluation = world.commission()
    with pytest.raises(TransitionNotAllowed):
        evaluation.start()  # nobody has declared
    evaluation = world.start(evaluation)
    with pytest.raises(TransitionNotAllowed):
        evaluation.submit(score=Decimal(1), grade="poor", report="r", at=NOW)  # nothing scored
    published = force_status(evaluation, S.PUBLISHED)
    Evaluation.objects.filter(pk=published.pk).update(
        appeal_deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    published.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):
        published.appeal()
    Evaluation.objects.filter(pk=published.pk).update(appeal_deadline=timezone.localdate())
    published.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):
        published.finalise(at=NOW)  # the last day of the appeal period is still open


def test_status_cannot_be_assigned_directly(world) -> None:
    evaluation = world.commission()
    with pytest.raises(AttributeError):
        evaluation.status = S.FINAL
