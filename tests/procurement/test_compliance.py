"""The compliance check before publishing, one rule at a time: each failure lands on its field, and
publishing through the service is refused while any rule fails."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone, translation

from procurement.compliance import ComplianceError, check_tender, find_forbidden_terms
from procurement.models import Tender, TenderStatus
from procurement.services.tenders import CriterionData, tender_publish
from tests.procurement.factories import compliant_criteria, department_purchaser, make_draft

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted in English; the Chinese catalogue is checked once below."""
    with translation.override("en"):
        yield


def test_messages_are_in_chinese_by_default() -> None:
    deadline = timezone.now() + timedelta(days=10)
    tender = make_draft(bid_deadline=deadline, opening_at=deadline, documents_available_until=deadline)
    with translation.override("zh-hans"):
        assert "第三十五条" in errors_for(tender)["bid_deadline"][0]


def errors_for(tender: Tender, **kwargs) -> dict[str, list[str]]:
    return check_tender(tender, **kwargs).errors


def test_a_compliant_draft_passes_and_publishes() -> None:
    purchaser = department_purchaser()
    tender = make_draft(purchaser)
    assert errors_for(tender) == {}
    published = tender_publish(tender=tender, by=purchaser)
    assert published.status == TenderStatus.PUBLISHED
    assert published.published_at is not None


def test_public_tender_needs_twenty_days_to_the_deadline() -> None:
    deadline = timezone.now() + timedelta(days=19, hours=23)
    tender = make_draft(bid_deadline=deadline, opening_at=deadline, documents_available_until=deadline)
    assert "20 days" in errors_for(tender)["bid_deadline"][0]
    # The same dates are fine for competitive consultation, where Art. 35 does not apply.
    tender.method = "competitive_consultation"
    assert "bid_deadline" not in errors_for(tender)


def test_twenty_days_exactly_is_enough() -> None:
    now = timezone.now()
    deadline = now + timedelta(days=20)
    tender = make_draft(bid_deadline=deadline, opening_at=deadline, documents_available_until=deadline)
    assert "bid_deadline" not in errors_for(tender, now=now)


def test_documents_available_five_working_days_counted_on_the_calendar() -> None:
    # Published Fri 26 Sep 2025: the five working days end Fri 10 Oct (Golden Week skipped, 调休 Sunday counted).
    tz = timezone.get_current_timezone()
    now = timezone.datetime(2025, 9, 26, 10, 0, tzinfo=tz)
    tender = make_draft()
    tender.bid_deadline = tender.opening_at = now + timedelta(days=25)
    tender.documents_available_until = timezone.datetime(2025, 10, 9, 17, 0, tzinfo=tz)
    errors = errors_for(tender, now=now)
    assert "2025-10-10" in errors["documents_available_until"][0]
    tender.documents_available_until = timezone.datetime(2025, 10, 10, 17, 0, tzinfo=tz)
    assert "documents_available_until" not in errors_for(tender, now=now)


def test_documents_must_exist() -> None:
    tender = make_draft(documents=0)
    assert "__all__" in errors_for(tender)


def test_deposit_at_most_two_percent_of_budget() -> None:
    tender = make_draft(budget=Decimal("800000.00"), deposit=Decimal("16000.01"))
    assert "2%" in errors_for(tender)["deposit"][0]
    tender.deposit = Decimal("16000.00")
    assert "deposit" not in errors_for(tender)


def test_weights_must_sum_to_one_hundred() -> None:
    tender = make_draft(criteria=[CriterionData("服务方案", Decimal("60"))])  # 60 + 30 = 90
    assert "90" in errors_for(tender)["criteria"][0]


@pytest.mark.parametrize(("weight", "ok"), [("9.99", False), ("10", True), ("30", True), ("30.01", False)])
def test_price_weight_between_ten_and_the_cap(weight: str, ok: bool) -> None:
    price = Decimal(weight)
    tender = make_draft(price_weight=price, criteria=[CriterionData("服务方案", Decimal("100") - price)])
    errors = errors_for(tender)
    assert ("price_weight" not in errors) is ok
    assert "criteria" not in errors


@override_settings(GOVBUY_PRICE_WEIGHT_MAX=40)
def test_price_weight_cap_is_a_setting() -> None:
    tender = make_draft(price_weight=Decimal("40"), criteria=[CriterionData("服务方案", Decimal("60"))])
    assert "price_weight" not in errors_for(tender)


def test_no_scoring_scheme_needed_for_single_source() -> None:
    tender = make_draft(method="single_source", price_weight=Decimal("0"), criteria=[])
    errors = errors_for(tender)
    assert "price_weight" not in errors
    assert "criteria" not in errors


@pytest.mark.parametrize(
    "condition",
    [
        "注册资本不少于100万元",
        "近三年年均营业额500万元以上",
        "净资产不低于50万元",
        "Registered capital of at least 1 million",
        "annual turnover above 5 million",
        "total assets over 2 million",
    ],
)
def test_no_condition_on_capital_assets_or_turnover(condition: str) -> None:
    tender = make_draft(qualification_conditions=condition)
    assert "Art. 17" in errors_for(tender)["qualification_conditions"][0]


@pytest.mark.parametrize(
    "factor", ["注册资金规模", "企业资产状况", "Annual revenue", "Turnover in the last 3 years"]
)
def test_no_scoring_factor_on_capital_assets_or_turnover(factor: str) -> None:
    criteria = [*compliant_criteria()[:2], CriterionData(factor, Decimal("10"))]
    tender = make_draft(criteria=criteria)
    assert any(factor in msg for msg in errors_for(tender)["criteria"])


def test_innocent_words_are_not_flagged() -> None:
    assert find_forbidden_terms("具有养老服务经验；asset-based community development 方法") == []


def test_opening_at_the_deadline() -> None:
    tender = make_draft()
    assert tender.bid_deadline is not None
    tender.opening_at = tender.bid_deadline + timedelta(hours=1)
    assert "opening_at" in errors_for(tender)


@pytest.mark.parametrize(
    ("months", "recurring", "reason", "field"),
    [
        (12, False, "", None),
        (13, False, "", "contract_term_months"),
        (24, True, "", "recurring_reason"),
        (36, True, "长期稳定的居家养老服务", None),
        (37, True, "长期稳定的居家养老服务", "contract_term_months"),
    ],
)
def test_contract_term(months: int, recurring: bool, reason: str, field: str | None) -> None:
    tender = make_draft(contract_term_months=months, is_recurring=recurring, recurring_reason=reason)
    errors = errors_for(tender)
    term_errors = {k for k in errors if k in {"contract_term_months", "recurring_reason"}}
    assert term_errors == ({field} if field else set())


def test_publish_is_refused_with_every_failure_and_nothing_changes() -> None:
    purchaser = department_purchaser()
    tender = make_draft(purchaser, deposit=Decimal("999999"), contract_term_months=24)
    with pytest.raises(ComplianceError) as info:
        tender_publish(tender=tender, by=purchaser)
    assert {"deposit", "contract_term_months"} <= set(info.value.report.errors)
    tender = Tender.objects.get(pk=tender.pk)
    assert tender.status == TenderStatus.DRAFT
    assert tender.published_at is None


def test_deadline_in_an_unknown_year_publishes_with_a_warning(settings) -> None:
    from procurement import calendar

    unknown = max(calendar.package_years()) + 1
    tz = timezone.get_current_timezone()
    now = timezone.datetime(unknown, 3, 2, 9, 0, tzinfo=tz)
    tender = make_draft()
    tender.bid_deadline = tender.opening_at = tender.documents_available_until = now + timedelta(days=25)
    report = check_tender(tender, now=now)
    assert report.ok
    assert report.warnings
    assert str(unknown) in report.warnings[0]
