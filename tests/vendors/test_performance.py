"""The organisation's performance record in vendors: written once per contract by the evaluation
app's consequence, read by tenders that score past performance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from accounts.exceptions import DomainError, NotAllowed
from accounts.models import AuditEntry
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from vendors.models import PerformanceGrade
from vendors.services import organisation_record_performance, performance_grades_for

pytestmark = pytest.mark.django_db


def record(organisation, by, contract="JMMZ-2026-0001-HT", grade="good", on=date(2026, 6, 1)):
    return organisation_record_performance(
        organisation=organisation,
        contract_reference=contract,
        grade=grade,
        score=Decimal("85.50"),
        published_on=on,
        by=by,
    )


def test_a_purchaser_records_a_grade_once_per_contract():
    organisation = OrganisationFactory()
    purchaser = UserFactory(purchaser=True)
    grade = record(organisation, purchaser)
    assert (grade.grade, grade.score, grade.recorded_by) == ("good", Decimal("85.50"), purchaser)
    assert AuditEntry.objects.filter(action="organisation.performance_record").count() == 1
    with pytest.raises(DomainError) as refused:
        record(organisation, purchaser, grade="poor")
    assert refused.value.code == "duplicate"
    assert PerformanceGrade.objects.get().grade == "good"


@pytest.mark.parametrize("role", ["supplier", "expert", "directory_admin", "supervisor", "evaluator"])
def test_nobody_else_records_grades(role):
    organisation = OrganisationFactory()
    if role == "supplier":  # even the organisation's own staff
        user = MembershipFactory(organisation=organisation).user
    else:
        user = UserFactory(**{role: True})
    with pytest.raises(NotAllowed):
        record(organisation, user)
    assert not PerformanceGrade.objects.exists()


def test_unknown_grades_and_scores_out_of_range_are_refused():
    organisation, purchaser = OrganisationFactory(), UserFactory(purchaser=True)
    with pytest.raises(DomainError):
        record(organisation, purchaser, grade="excellentish")
    with pytest.raises(DomainError):
        organisation_record_performance(
            organisation=organisation,
            contract_reference="X",
            grade="good",
            score=Decimal("100.01"),
            published_on=date(2026, 1, 1),
            by=purchaser,
        )


def test_grades_in_a_window_per_organisation_newest_first(django_assert_num_queries):
    a, b, c = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
    purchaser = UserFactory(purchaser=True)
    record(a, purchaser, "A-1", "fair", date(2023, 11, 28))  # just outside three years
    record(a, purchaser, "A-2", "good", date(2023, 11, 29))
    record(a, purchaser, "A-3", "excellent", date(2026, 5, 1))
    record(b, purchaser, "B-1", "poor", date(2026, 11, 30))  # after the reference day
    with django_assert_num_queries(1):
        grades = performance_grades_for(
            organisation_ids=[a.pk, b.pk, c.pk], since=date(2023, 11, 29), until=date(2026, 11, 29)
        )
    assert grades == {a.pk: ["excellent", "good"]}


def test_a_suspension_with_an_end_date_is_over_the_day_after(django_assert_max_num_queries):
    """A published version that says "suspended until D": not eligible on D, eligible on D + 1, with
    no new version; a suspension without an end date lasts until reinstated."""
    from tests.vendors.factories import category, china, entry_spec, published_version
    from vendors.models import DirectoryEntry
    from vendors.services import eligibility_check, entry_suspend, version_publish

    organisation, other = OrganisationFactory(), OrganisationFactory()
    published_version([entry_spec(organisation), entry_spec(other)], at=china(2026, 1, 5))
    admin = UserFactory(directory_admin=True)
    with pytest.raises(DomainError):
        entry_suspend(
            organisation=organisation, reason="x", by=admin, on=date(2026, 6, 1), until=date(2026, 5, 1)
        )
    entry = entry_suspend(
        organisation=organisation,
        reason="绩效评价为差",
        by=admin,
        on=date(2026, 6, 1),
        until=date(2027, 5, 31),
    )
    entry_suspend(organisation=other, reason="年检不合格", by=admin, on=date(2026, 6, 1))
    version_publish(version=entry.version, by=admin)
    cat = category("YL")
    with django_assert_max_num_queries(3):
        last_day = eligibility_check(organisation=organisation, category=cat, on=date(2027, 5, 31))
    after = eligibility_check(organisation=organisation, category=cat, on=date(2027, 6, 1))
    assert (last_day.eligible, last_day.reason_code) == (False, "suspended")
    assert "2027-05-31" in str(last_day.reason)
    assert (after.eligible, after.reason_code) == (True, "in_force")
    assert after.entry.status == DirectoryEntry.Status.SUSPENDED  # the version still says what it said
    assert not eligibility_check(organisation=other, category=cat, on=date(2030, 1, 1)).eligible
