"""The eligibility check: point-in-time answers across published versions, every reason, both
languages, and at most 3 queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from tests.factories import OrganisationFactory, valid_credit_code
from tests.vendors.factories import category, china, entry_spec, published_version
from vendors.models import DirectoryEntry, DirectoryVersion, Organisation
from vendors.services import EligibilityResult, eligibility_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def org() -> Organisation:
    return OrganisationFactory(name="江门市启明社会工作服务中心")


@pytest.fixture
def history(org: Organisation) -> tuple[DirectoryVersion, DirectoryVersion]:
    """v1 (published 2026-02-01) lists ``org`` in force for 养老 and 助残; v2 (2026-06-01) revokes it."""
    v1 = published_version([entry_spec(org, "YL", "ZC")], at=china(2026, 2, 1, 10))
    v2 = published_version(
        [entry_spec(org, "YL", "ZC", status=DirectoryEntry.Status.REVOKED, reason="年检不合格")],
        at=china(2026, 6, 1, 10),
    )
    return v1, v2


def check(org: Organisation, code: str, on: date) -> EligibilityResult:
    return eligibility_check(organisation=org, category=category(code), on=on)


def test_eligible_before_the_revocation_not_after(org, history):
    v1, v2 = history
    before = check(org, "YL", date(2026, 5, 31))
    assert before.eligible
    assert before.reason_code == "in_force"
    assert before.version == v1
    assert before.entry.version == v1
    assert before.checked_on == date(2026, 5, 31)

    after = check(org, "YL", date(2026, 6, 1))
    assert not after.eligible
    assert after.reason_code == "revoked"
    assert after.version == v2
    assert "年检不合格" in str(after.reason)


def test_a_past_date_keeps_its_answer_after_later_versions(org, history):
    """A re-check of a past decision gives the answer given then, with the same version."""
    v1, _v2 = history
    again = check(org, "ZC", date(2026, 3, 15))
    assert again.eligible
    assert again.version == v1


def test_publication_day_is_read_in_china_time(org):
    # 2026-03-01 00:30 in Shanghai is 2026-02-28 16:30 UTC: the version counts on 1 March, not 28 Feb.
    v = published_version([entry_spec(org, "YL")], at=china(2026, 3, 1, 0, 30))
    assert check(org, "YL", date(2026, 2, 28)).reason_code == "no_published_version"
    assert check(org, "YL", date(2026, 3, 1)).version == v


def test_not_before_valid_from_nor_after_valid_to(org):
    published_version(
        [entry_spec(org, "YL", valid_from=date(2026, 4, 1), valid_to=date(2026, 9, 30))], at=china(2026, 1, 5)
    )
    assert check(org, "YL", date(2026, 3, 31)).reason_code == "not_yet_valid"
    assert check(org, "YL", date(2026, 4, 1)).eligible
    assert check(org, "YL", date(2026, 9, 30)).eligible
    expired = check(org, "YL", date(2026, 10, 1))
    assert not expired.eligible
    assert expired.reason_code == "expired"


def test_category_not_covered(org):
    published_version([entry_spec(org, "YL")], at=china(2026, 1, 5))
    result = check(org, "XF", date(2026, 2, 1))
    assert not result.eligible
    assert result.reason_code == "category_not_covered"
    assert result.entry is not None


def test_an_entry_for_a_parent_category_covers_its_sub_categories(org):
    published_version([entry_spec(org, "QS")], at=china(2026, 1, 5))  # 儿童与青少年
    assert check(org, "LS", date(2026, 2, 1)).eligible  # 留守儿童
    published_version([entry_spec(org, "LS")], at=china(2026, 1, 6))
    assert check(org, "QS", date(2026, 2, 1)).reason_code == "category_not_covered"


def test_suspended_entry_is_not_eligible(org):
    published_version(
        [entry_spec(org, "YL", status=DirectoryEntry.Status.SUSPENDED, reason="整改期间")],
        at=china(2026, 1, 5),
    )
    result = check(org, "YL", date(2026, 2, 1))
    assert (result.eligible, result.reason_code) == (False, "suspended")


def test_not_in_directory(org):
    other = OrganisationFactory()
    version = published_version([entry_spec(other, "YL")], at=china(2026, 1, 5))
    result = check(org, "YL", date(2026, 2, 1))
    assert (result.eligible, result.reason_code, result.version, result.entry) == (
        False,
        "not_in_directory",
        version,
        None,
    )


def test_unsaved_organisation_is_not_in_directory(org):
    published_version([entry_spec(org, "YL")], at=china(2026, 1, 5))
    stranger = Organisation(credit_code=valid_credit_code(999_999))
    assert check(stranger, "YL", date(2026, 2, 1)).reason_code == "not_in_directory"


def test_drafts_never_count(org):
    published_version([entry_spec(org, "YL")], at=china(2026, 1, 5))
    draft = DirectoryVersion.objects.create(number=99)
    assert draft.is_draft
    assert check(org, "YL", date(2027, 1, 1)).version.number == 1


def test_no_published_version(org):
    result = check(org, "YL", date(2026, 2, 1))
    assert (result.eligible, result.reason_code, result.version) == (False, "no_published_version", None)


@pytest.mark.parametrize("prefix", ["9144070", "1244070", "3144070"])
def test_other_kinds_are_not_judged_by_the_directory(prefix):
    company = OrganisationFactory(credit_code=valid_credit_code(7, prefix))
    result = check(company, "YL", date(2026, 2, 1))
    assert result.eligible
    assert result.reason_code == "not_social_organisation"
    assert result.version is None


def test_result_is_frozen(org, history):
    result = check(org, "YL", date(2026, 3, 1))
    with pytest.raises(AttributeError):
        result.eligible = False  # type: ignore[misc]


@pytest.mark.parametrize(
    ("on", "code", "reason_code"),
    [
        (date(2026, 3, 1), "YL", "in_force"),
        (date(2026, 3, 1), "XF", "category_not_covered"),
        (date(2026, 7, 1), "YL", "revoked"),
        (date(2035, 1, 1), "YL", "revoked"),
        (date(2026, 1, 1), "YL", "no_published_version"),
    ],
)
def test_at_most_three_queries(org, history, django_assert_max_num_queries, on, code, reason_code):
    cat = category(code)
    with django_assert_max_num_queries(3):
        result = eligibility_check(organisation=org, category=cat, on=on)
        str(result.reason)
    assert result.reason_code == reason_code


def test_a_listed_organisation_costs_one_query_an_unlisted_one_two(org, history, django_assert_num_queries):
    cat = category("YL")
    with django_assert_num_queries(1):
        assert eligibility_check(organisation=org, category=cat, on=date(2026, 3, 1)).eligible
    with django_assert_num_queries(2):
        result = eligibility_check(
            organisation=OrganisationFactory.build(pk=10**6), category=cat, on=date(2026, 3, 1)
        )
    assert result.reason_code == "not_in_directory"


def test_reasons_read_in_both_languages(org, history):
    ok = check(org, "YL", date(2026, 3, 1))
    revoked = check(org, "YL", date(2026, 7, 1))
    other = check(org, "XF", date(2026, 3, 1))
    with translation.override("en"):
        assert str(ok.reason) == (
            "In force in directory version 1 for Elderly care, valid from 2026-01-01 to 2030-12-31."
        )
        assert str(revoked.reason).startswith("Revoked in directory version 2 since 2026-01-01")
        assert "Petition" in str(other.reason)
    with translation.override("zh-hans"):
        assert str(ok.reason) == "在第 1 批目录中有效，服务类别：养老服务，有效期 2026-01-01 至 2030-12-31。"
        assert "撤销" in str(revoked.reason)
        assert "信访" in str(other.reason)
