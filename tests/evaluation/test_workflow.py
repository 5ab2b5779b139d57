"""Publication, appeal, finalisation and consequences applied exactly once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.exceptions import DomainError, NotAllowed
from accounts.models import AuditEntry
from evaluation import services
from evaluation.grades import Grade
from evaluation.integrations import suspension_end
from evaluation.models import (
    Appeal,
    ConsequenceRecord,
    Evaluation,
    EvaluationKind,
    EvaluationStatus,
    PerformanceRecord,
    SuspensionProposal,
)
from evaluation.tasks import finalise_due_evaluations
from vendors.models import PerformanceGrade, ServiceCategory
from vendors.services import eligibility_check, version_publish

pytestmark = pytest.mark.django_db


def expire_appeal_period(evaluation: Evaluation) -> Evaluation:
    Evaluation.objects.filter(pk=evaluation.pk).update(
        appeal_deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    evaluation.refresh_from_db()
    return evaluation


def test_acceptance_publishes_with_an_appeal_deadline_in_working_days(world, settings) -> None:
    settings.GOVBUY_EVALUATION_APPEAL_WORKING_DAYS = 5
    evaluation = world.published()
    assert evaluation.status == EvaluationStatus.PUBLISHED
    assert evaluation.published_at
    from procurement.calendar import add_working_days

    assert evaluation.appeal_deadline == add_working_days(evaluation.published_at, 5).value
    assert evaluation.appeal_deadline >= timezone.localdate() + dt.timedelta(days=5)


def test_no_appeal_after_the_deadline(world) -> None:
    evaluation = expire_appeal_period(world.published())
    with pytest.raises(DomainError) as exc:
        services.appeal_file(evaluation=evaluation, grounds="评分偏低", by=world.supplier)
    assert exc.value.code == "late"


def test_only_the_evaluated_organisation_appeals(world) -> None:
    evaluation = world.published()
    for user in (world.other_supplier, world.purchaser, world.evaluator):
        with pytest.raises(NotAllowed):
            services.appeal_file(evaluation=evaluation, grounds="x", by=user)


def test_upheld_appeal_reopens_scoring_and_republication_applies_consequences_once(world) -> None:
    evaluation = world.published(Decimal("0.5"), satisfaction=3)  # 45 + 6 = 51 → 差
    assert evaluation.grade == Grade.POOR
    appeal = services.appeal_file(
        evaluation=evaluation, grounds="服务数量统计有误，附签到表", by=world.supplier
    )
    services.appeal_answer(appeal=appeal, uphold=True, answer="核实后采纳", by=world.evaluator)
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.REOPENED
    assert not ConsequenceRecord.objects.exists()  # a published but contested result sets nothing off
    world.score_all(evaluation, Decimal("0.8"))  # 72 + 6 = 78 → 中
    evaluation = services.evaluation_submit(evaluation=evaluation, report="复核报告", by=world.evaluator)
    evaluation = services.evaluation_accept(evaluation=evaluation, by=world.purchaser)  # published again
    assert evaluation.grade == Grade.FAIR
    expire_appeal_period(evaluation)
    finalise_due_evaluations.delay()
    finalise_due_evaluations.delay()
    services.evaluation_finalise(evaluation=evaluation)
    outcomes = dict(ConsequenceRecord.objects.filter(evaluation=evaluation).values_list("kind", "outcome"))
    assert outcomes == {
        ConsequenceRecord.Kind.FINAL_INSTALMENT: ConsequenceRecord.Outcome.RELEASE,
        ConsequenceRecord.Kind.PERFORMANCE_RECORD: ConsequenceRecord.Outcome.RECORDED,
        ConsequenceRecord.Kind.SUSPENSION_PROPOSAL: ConsequenceRecord.Outcome.NOT_APPLICABLE,
    }
    assert PerformanceRecord.objects.get().grade == Grade.FAIR
    assert not SuspensionProposal.objects.exists()


def test_consequences_apply_exactly_once_when_retried(world) -> None:
    evaluation = expire_appeal_period(world.published(Decimal("0.5"), satisfaction=3))  # 差
    services.evaluation_finalise(evaluation=evaluation)
    again = services.consequences_apply(evaluation=evaluation)
    services.evaluation_finalise(evaluation=evaluation)  # a retried task
    finalise_due_evaluations.delay()
    assert again == []
    assert ConsequenceRecord.objects.filter(evaluation=evaluation).count() == 3
    assert ConsequenceRecord.objects.get(kind="final_instalment").outcome == ConsequenceRecord.Outcome.HOLD
    assert PerformanceRecord.objects.filter(evaluation=evaluation).count() == 1
    assert SuspensionProposal.objects.filter(evaluation=evaluation).count() == 1
    assert AuditEntry.objects.filter(action="evaluation.consequences").count() == 1
    # vendors' record, which later tenders score on, was told exactly once
    grades = list(PerformanceGrade.objects.filter(organisation=world.organisation))
    assert [(g.contract_reference, g.grade, g.score) for g in grades] == [
        (evaluation.contract.number, "poor", evaluation.score)
    ]
    assert grades[0].published_on == timezone.localdate(evaluation.published_at)
    assert AuditEntry.objects.filter(action="organisation.performance_record").count() == 1


def test_dismissed_appeal_makes_the_result_final_with_consequences(world) -> None:
    evaluation = world.published()
    appeal = services.appeal_file(evaluation=evaluation, grounds="不服", by=world.supplier)
    services.appeal_answer(appeal=appeal, uphold=False, answer="评分有据，维持原结果", by=world.evaluator)
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.FINAL
    assert Appeal.objects.get().outcome == Appeal.Outcome.DISMISSED
    assert ConsequenceRecord.objects.filter(evaluation=evaluation).count() == 3
    with pytest.raises(DomainError):
        services.appeal_answer(appeal=appeal, uphold=True, answer="again", by=world.evaluator)


def test_mid_term_results_are_published_without_consequences(world) -> None:
    evaluation = expire_appeal_period(world.published(kind=EvaluationKind.MID_TERM))
    services.evaluation_finalise(evaluation=evaluation)
    assert not ConsequenceRecord.objects.exists()
    assert not PerformanceRecord.objects.exists()


def test_consequences_refused_before_the_result_is_final(world) -> None:
    evaluation = world.published()
    with pytest.raises(DomainError):
        services.consequences_apply(evaluation=evaluation)
    with pytest.raises(DomainError):
        services.evaluation_finalise(evaluation=evaluation)  # appeal period still running


def test_release_grades_are_a_setting(world, settings) -> None:
    settings.GOVBUY_EVALUATION_RELEASE_GRADES = ["excellent", "good"]
    evaluation = expire_appeal_period(world.published(Decimal("0.8"), satisfaction=3))  # 72 + 6 → 中
    services.evaluation_finalise(evaluation=evaluation)
    assert ConsequenceRecord.objects.get(kind="final_instalment").outcome == ConsequenceRecord.Outcome.HOLD


def test_suspension_proposal_rejected_with_a_reason(world) -> None:
    evaluation = expire_appeal_period(world.published(Decimal("0.5"), satisfaction=3))
    services.evaluation_finalise(evaluation=evaluation)
    proposal = SuspensionProposal.objects.get()
    with pytest.raises(NotAllowed):
        services.suspension_reject(proposal=proposal, reason="x", by=world.purchaser)
    with pytest.raises(DomainError):
        services.suspension_reject(proposal=proposal, reason=" ", by=world.directory_admin)
    services.suspension_reject(proposal=proposal, reason="机构已整改到位", by=world.directory_admin)
    proposal.refresh_from_db()
    assert proposal.status == SuspensionProposal.Status.REJECTED
    assert proposal.decided_by == world.directory_admin
    with pytest.raises(DomainError):
        services.suspension_confirm(proposal=proposal, reason="", by=world.directory_admin)


def test_one_final_evaluation_per_contract_unless_declined(world) -> None:
    evaluation = world.commission()
    with pytest.raises(DomainError) as exc:
        world.commission(contract=evaluation.contract)
    assert exc.value.code == "duplicate"
    world.commission(contract=evaluation.contract, kind=EvaluationKind.MID_TERM)  # spot checks are fine
    services.evaluation_decline(evaluation=evaluation, reason="利益冲突", by=world.evaluator)
    world.commission(contract=evaluation.contract)


def test_only_signed_contracts_of_the_own_department_are_commissioned(world) -> None:
    from procurement.models import Contract

    contract = world.contract()
    with pytest.raises(NotAllowed):
        world.commission(contract=contract, by=world.other_purchaser)
    Contract.objects.filter(pk=contract.pk).update(status="draft")
    with pytest.raises(DomainError):
        world.commission(contract=Contract.objects.get(pk=contract.pk))


def test_the_grade_releases_or_withholds_the_contracts_final_instalment(world) -> None:
    from procurement.models import Instalment

    good = expire_appeal_period(world.published())  # 优
    poor = expire_appeal_period(world.published(Decimal("0.5"), satisfaction=3))  # 差
    services.evaluation_finalise(evaluation=good)
    services.evaluation_finalise(evaluation=poor)
    services.evaluation_finalise(evaluation=poor)
    assert Instalment.objects.get(contract=good.contract, is_final=True).status == "due"
    assert Instalment.objects.get(contract=poor.contract, is_final=True).status == "withheld"
    records = ConsequenceRecord.objects.filter(kind="final_instalment")
    assert records.count() == 2
    assert all(r.delivered for r in records)


def test_a_refusal_by_procurement_is_recorded_not_lost(world) -> None:
    from procurement.models import Instalment
    from procurement.services.contracts import contract_release_final_instalment

    evaluation = expire_appeal_period(world.published(Decimal("0.5"), satisfaction=3))  # 差 → hold
    # The purchaser released the final instalment by other means before the result became final.
    contract_release_final_instalment(
        contract=evaluation.contract, by=world.purchaser, release=True, reason="提前支付"
    )
    services.evaluation_finalise(evaluation=evaluation)
    record = ConsequenceRecord.objects.get(kind="final_instalment")
    assert record.outcome == ConsequenceRecord.Outcome.HOLD
    assert not record.delivered
    assert Instalment.objects.get(contract=evaluation.contract, is_final=True).status == "due"
    assert Evaluation.objects.get(pk=evaluation.pk).status == EvaluationStatus.FINAL


def test_confirmed_suspension_enters_the_next_directory_version(world) -> None:
    from tests.vendors.factories import china, entry_spec, published_version
    from vendors.models import DirectoryEntry, DirectoryVersion

    published_version([entry_spec(world.organisation)], at=china(2026, 1, 5))
    evaluation = expire_appeal_period(world.published(Decimal("0.5"), satisfaction=3))  # 差
    services.evaluation_finalise(evaluation=evaluation)
    proposal = SuspensionProposal.objects.get()
    services.suspension_confirm(proposal=proposal, reason="", by=world.directory_admin)
    proposal.refresh_from_db()
    assert proposal.status == SuspensionProposal.Status.CONFIRMED
    assert proposal.delivered
    assert proposal.reason == "绩效评价为差（江门市长者饭堂助餐服务项目）：51.00 分。"
    draft = DirectoryVersion.objects.order_by("-number").first()
    entry = DirectoryEntry.objects.get(version=draft, organisation=world.organisation)
    assert entry.status == DirectoryEntry.Status.SUSPENDED
    # one year, to the day before the anniversary, recorded on both sides
    today = timezone.localdate()
    assert entry.status_date == today
    assert entry.suspended_until == proposal.suspended_until == suspension_end(start=today, months=12)
    with pytest.raises(DomainError):
        services.suspension_confirm(proposal=proposal, reason="", by=world.directory_admin)

    # Published, the version says "suspended until …"; the day after, the organisation is eligible
    # again without another version (vendors' eligibility check honours the end date).
    version_publish(version=draft, by=world.directory_admin)
    category = ServiceCategory.objects.get(code="YL")
    during = eligibility_check(organisation=world.organisation, category=category, on=today)
    last_day = eligibility_check(organisation=world.organisation, category=category, on=entry.suspended_until)
    after = eligibility_check(
        organisation=world.organisation, category=category, on=entry.suspended_until + dt.timedelta(days=1)
    )
    assert (during.reason_code, last_day.reason_code) == ("suspended", "suspended")
    assert not during.eligible
    assert not last_day.eligible
    assert str(entry.suspended_until) in str(during.reason)
    assert after.eligible
    assert after.reason_code == "in_force"
    assert after.version == during.version == draft


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.date(2026, 11, 29), dt.date(2027, 11, 28)),
        (dt.date(2028, 2, 29), dt.date(2029, 2, 27)),  # 29 Feb + 1 year = 28 Feb; the day before ends it
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    ],
)
def test_a_suspension_of_a_year_ends_the_day_before_the_anniversary(start, end) -> None:
    assert suspension_end(start=start, months=12) == end
