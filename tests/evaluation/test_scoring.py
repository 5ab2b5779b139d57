"""Scoring: bounds, aggregation by mean and by the lead's consolidation, survey-fed leaves, submission."""

from decimal import Decimal

import pytest

from accounts.exceptions import DomainError, NotAllowed
from evaluation import services
from evaluation.grades import Grade
from evaluation.models import Aggregation, EvaluationStatus
from evaluation.selectors import leaf_scores, total_score

pytestmark = pytest.mark.django_db


def leaf(evaluation, code):
    return evaluation.indicators.get(code=code)


def test_score_is_bounded_by_the_leaf_weight(world) -> None:
    evaluation = world.start(world.commission())
    staffing = leaf(evaluation, "1.1")  # weight 8
    with pytest.raises(DomainError) as exc:
        services.score_record(indicator=staffing, value="8.01", by=world.evaluator)
    assert exc.value.field == "value"
    with pytest.raises(DomainError):
        services.score_record(indicator=staffing, value="-1", by=world.evaluator)
    with pytest.raises(DomainError):
        services.score_record(indicator=staffing, value="7.005", by=world.evaluator)
    services.score_record(indicator=staffing, value="8", by=world.evaluator)
    assert leaf_scores(evaluation)[staffing.pk] == Decimal("8.00")


def test_inner_nodes_and_survey_leaves_are_not_scored_by_hand(world) -> None:
    evaluation = world.start(world.commission())
    with pytest.raises(DomainError):
        services.score_record(indicator=leaf(evaluation, "1"), value="10", by=world.evaluator)
    with pytest.raises(DomainError):
        services.score_record(indicator=leaf(evaluation, "5.1"), value="10", by=world.evaluator)


def test_mean_of_the_evaluators(world) -> None:
    evaluation = world.start(
        world.commission(aggregation=Aggregation.MEAN), world.evaluator, world.evaluator2
    )
    staffing = leaf(evaluation, "1.1")
    services.score_record(indicator=staffing, value="8", by=world.evaluator)
    services.score_record(indicator=staffing, value="5", by=world.evaluator2)
    assert leaf_scores(evaluation)[staffing.pk] == Decimal("6.50")


def test_lead_consolidation_takes_only_the_leads_scores(world) -> None:
    evaluation = world.start(
        world.commission(aggregation=Aggregation.LEAD), world.evaluator, world.evaluator2
    )
    assert evaluation.lead_evaluator == world.evaluator  # the first to declare leads
    staffing, funds = leaf(evaluation, "1.1"), leaf(evaluation, "1.2")
    services.score_record(indicator=staffing, value="8", by=world.evaluator)
    services.score_record(indicator=staffing, value="2", by=world.evaluator2)
    services.score_record(indicator=funds, value="3", by=world.evaluator2)
    scores = leaf_scores(evaluation)
    assert scores[staffing.pk] == Decimal("8.00")
    assert scores[funds.pk] is None  # only the lead's consolidation counts


def test_survey_feeds_the_satisfaction_leaf_and_the_total(world) -> None:
    evaluation = world.start(world.commission())
    world.score_all(evaluation, Decimal("0.5"))  # 45 of the 90 evidence points
    assert total_score(leaf_scores(evaluation)) is None  # survey leaf still empty
    world.survey(evaluation, [5, 4, 3])  # mean 4 → 8 of 10
    scores = leaf_scores(evaluation)
    assert scores[leaf(evaluation, "5.1").pk] == Decimal("8.00")
    assert total_score(scores) == Decimal("53.00")


def test_submit_refuses_until_every_leaf_has_a_score_and_names_the_missing(world) -> None:
    evaluation = world.start(world.commission())
    world.score_all(evaluation, Decimal("1"))
    with pytest.raises(DomainError) as exc:
        services.evaluation_submit(evaluation=evaluation, report="报告", by=world.evaluator)
    assert "5.1" in str(exc.value.message)
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.IN_PROGRESS


def test_submission_fixes_score_grade_and_leaf_scores(world) -> None:
    evaluation = world.submitted(Decimal("0.9"), satisfaction=5)  # 81 + 10
    assert evaluation.status == EvaluationStatus.SUBMITTED
    assert evaluation.score == Decimal("91.00")
    assert evaluation.grade == Grade.EXCELLENT
    assert evaluation.indicators.get(code="5.1").score == Decimal("10.00")
    # A late survey answer cannot change a submitted result: the survey is closed.
    with pytest.raises(DomainError):
        services.survey_tokens_generate(evaluation=evaluation, count=1, by=world.evaluator)


def test_only_the_lead_submits(world) -> None:
    evaluation = world.start(world.commission(), world.evaluator, world.evaluator2)
    world.score_all(evaluation, Decimal("1"))
    world.survey(evaluation, [5])
    with pytest.raises(NotAllowed):
        services.evaluation_submit(evaluation=evaluation, report="报告", by=world.evaluator2)
    services.evaluation_submit(evaluation=evaluation, report="报告", by=world.evaluator)


def test_return_and_resubmit(world) -> None:
    evaluation = world.submitted()
    services.evaluation_return(evaluation=evaluation, comment="请补充档案抽查记录", by=world.purchaser)
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.RETURNED
    assert evaluation.return_comment == "请补充档案抽查记录"
    services.score_record(indicator=leaf(evaluation, "2.2"), value="4", by=world.evaluator)  # 7.2 → 4
    evaluation = services.evaluation_submit(evaluation=evaluation, report="修订报告", by=world.evaluator)
    assert evaluation.score == Decimal("87.80")
    assert evaluation.grade == Grade.GOOD
