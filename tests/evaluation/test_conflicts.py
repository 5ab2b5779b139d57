"""Independence: related evaluator organisations are refused; every evaluator declares first."""

from decimal import Decimal

import pytest

from accounts.exceptions import DomainError, NotAllowed
from evaluation import services
from evaluation.models import Evaluation, EvaluationStatus
from tests.factories import MembershipFactory, OrganisationFactory, valid_credit_code
from vendors.models import OrganisationRelation

pytestmark = pytest.mark.django_db


def assert_refused(world, reason_part: str) -> None:
    with pytest.raises(DomainError) as exc:
        world.commission()
    assert exc.value.field == "evaluator_organisation"
    assert reason_part in str(exc.value.message)
    assert not Evaluation.objects.exists()


def test_same_credit_code_is_refused(world) -> None:
    world.evaluator_organisation.credit_code = world.organisation.credit_code
    world.evaluator_organisation.save()
    assert_refused(world, "统一社会信用代码相同")


def test_same_legal_representative_is_refused(world) -> None:
    # The evaluator is also registered as an organisation, with the supplier's legal representative.
    OrganisationFactory(credit_code=world.evaluator_organisation.credit_code, legal_representative="李明")
    assert_refused(world, "法定代表人为同一人")


def test_recorded_control_relation_is_refused_in_either_direction(world) -> None:
    as_vendor = OrganisationFactory(credit_code=world.evaluator_organisation.credit_code)
    OrganisationRelation.objects.create(
        organisation=world.organisation, related=as_vendor, kind=OrganisationRelation.Kind.CONTROL
    )
    assert_refused(world, "控股或管理关系")


def test_shared_staff_is_refused(world) -> None:
    MembershipFactory(user=world.evaluator2, organisation=world.organisation)
    assert_refused(world, "工作人员同时为被评价机构工作")


def test_unrelated_registered_evaluator_is_accepted(world) -> None:
    OrganisationFactory(credit_code=valid_credit_code(77, "5244079"), legal_representative="王五")
    assert world.commission().status == EvaluationStatus.COMMISSIONED


def test_scoring_needs_a_declaration(world) -> None:
    evaluation = world.commission()
    with pytest.raises(NotAllowed):
        services.score_record(indicator=evaluation.indicators.get(code="1.1"), value="5", by=world.evaluator)
    with pytest.raises(NotAllowed):
        services.survey_tokens_generate(evaluation=evaluation, count=5, by=world.evaluator)


def test_an_evaluator_who_acts_for_the_supplier_cannot_declare_no_conflict(world) -> None:
    evaluation = world.commission()
    MembershipFactory(user=world.evaluator2, organisation=world.organisation)  # joined after commissioning
    with pytest.raises(DomainError) as exc:
        services.declaration_make(evaluation=evaluation, has_conflict=False, by=world.evaluator2)
    assert exc.value.code == "conflict"
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.COMMISSIONED


def test_a_declared_conflict_excludes_the_person_and_does_not_start_the_evaluation(world) -> None:
    evaluation = world.commission()
    services.declaration_make(
        evaluation=evaluation, has_conflict=True, statement="曾任该机构理事", by=world.evaluator2
    )
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.COMMISSIONED
    with pytest.raises(NotAllowed):
        services.score_record(indicator=evaluation.indicators.get(code="1.1"), value="5", by=world.evaluator2)
    services.declaration_make(evaluation=evaluation, has_conflict=False, by=world.evaluator)
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.IN_PROGRESS
    assert evaluation.lead_evaluator == world.evaluator


def test_declaring_twice_is_refused(world) -> None:
    evaluation = world.start(world.commission())
    with pytest.raises(DomainError):
        services.declaration_make(evaluation=evaluation, has_conflict=True, by=world.evaluator)


def test_outsiders_cannot_declare(world) -> None:
    evaluation = world.commission()
    for user in (world.other_evaluator, world.purchaser, world.supplier):
        with pytest.raises(NotAllowed):
            services.declaration_make(evaluation=evaluation, has_conflict=False, by=user)


def test_the_organisation_declines_and_the_purchaser_commissions_another(world) -> None:
    evaluation = world.commission()
    services.evaluation_decline(
        evaluation=evaluation, reason="本机构与承接方存在合作关系", by=world.evaluator
    )
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.CONFLICT_DECLARED
    with pytest.raises(DomainError):
        services.declaration_make(evaluation=evaluation, has_conflict=False, by=world.evaluator2)
    other = world.commission(
        contract=evaluation.contract, evaluator_organisation=world.other_evaluator.evaluator_organisation
    )
    world.start(other, world.other_evaluator)
    world.score_all(other, Decimal("1"), by=world.other_evaluator)
