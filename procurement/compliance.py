"""The compliance check a tender must pass before it is published (采购公告合规性审查).

Each rule is a function returning field errors; ``check_tender`` runs them all so the purchaser sees
every problem at once, each on the field it concerns. Limits that are local practice rather than
law are settings (``GOVBUY_*``) with the values of ``docs/procurement.md`` as defaults.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.exceptions import DomainError
from procurement import calendar

if TYPE_CHECKING:
    from procurement.models import Tender

NON_FIELD = "__all__"

# Methods that award by comprehensive scoring (综合评分法) and therefore need a scoring scheme.
SCORED_METHODS = {"public_tender", "invitation_tender", "competitive_consultation"}

# Order 87 Art. 17: registered capital, assets, turnover (and their kin) may not be a condition or a
# scoring factor. Chinese terms match anywhere; English ones as words ("asset-based community
# development" is a social-work method, not a financial test, so the singular is not flagged).
_FORBIDDEN_ZH = ("注册资本", "注册资金", "资产", "营业额", "营业收入", "营收", "利润", "经营规模", "纳税额")
_FORBIDDEN_EN = re.compile(
    r"\b(registered\s+capital|(total\s+|net\s+)?assets|turnover|revenues?|annual\s+sales|profits?)\b",
    re.IGNORECASE,
)


def _num(value: Decimal) -> str:
    """90.00 → "90", 12.50 → "12.5" (never "9E+1")."""
    return format(value.normalize(), "f")


def price_weight_min() -> Decimal:
    return Decimal(str(getattr(settings, "GOVBUY_PRICE_WEIGHT_MIN", 10)))


def price_weight_max() -> Decimal:
    return Decimal(str(getattr(settings, "GOVBUY_PRICE_WEIGHT_MAX", 30)))


@dataclass
class ComplianceReport:
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, field_name: str, message: str) -> None:
        self.errors.setdefault(field_name, []).append(message)

    def messages(self) -> list[str]:
        return [m for msgs in self.errors.values() for m in msgs]


class ComplianceError(DomainError):
    """Publishing was refused; ``report`` holds every failing rule by field."""

    def __init__(self, report: ComplianceReport) -> None:
        super().__init__(_("The tender does not pass the compliance check."), code="compliance")
        self.report = report


def find_forbidden_terms(text: str) -> list[str]:
    """Terms in ``text`` that make a condition or factor depend on size or wealth (Order 87 Art. 17)."""
    found = [term for term in _FORBIDDEN_ZH if term in text]
    found += [m.group(0) for m in _FORBIDDEN_EN.finditer(text)]
    return found


@dataclass
class _Input:
    """What the rules read: the tender's fields plus the criteria (saved or being edited)."""

    tender: Tender
    criteria: list[tuple[str, str, Decimal]]  # name, description, max points
    documents: int
    now: datetime


Rule = Callable[[_Input, ComplianceReport], None]


def rule_key_dates(data: _Input, report: ComplianceReport) -> None:
    t = data.tender
    if t.bid_deadline is None:
        report.add("bid_deadline", _("Set the bid deadline."))
    elif t.bid_deadline <= data.now:
        report.add("bid_deadline", _("The bid deadline must be in the future."))
    if t.opening_at is None:
        report.add("opening_at", _("Set the bid opening time."))
    if t.documents_available_until is None:
        report.add("documents_available_until", _("Set until when the tender documents can be downloaded."))
    if t.clarification_deadline and t.bid_deadline and t.clarification_deadline > t.bid_deadline:
        report.add(
            "clarification_deadline", _("The deadline for questions must not be after the bid deadline.")
        )


def rule_twenty_days(data: _Input, report: ComplianceReport) -> None:
    """政府采购法 Art. 35: at least 20 days from the first issue of the documents to the deadline."""
    t = data.tender
    if t.is_public_tender and t.bid_deadline is not None and t.bid_deadline < data.now + timedelta(days=20):
        earliest = timezone.localtime(data.now + timedelta(days=20))
        report.add(
            "bid_deadline",
            _(
                "A public tender needs at least 20 days from publication to the bid deadline "
                "(Government Procurement Law Art. 35): the deadline must be on or after %(date)s."
            )
            % {"date": earliest.strftime("%Y-%m-%d %H:%M")},
        )


def rule_documents_available(data: _Input, report: ComplianceReport) -> None:
    """实施条例 Art. 31: documents available for at least 5 working days (the publication day not counted)."""
    t = data.tender
    if t.documents_available_until is None:
        return
    result = calendar.add_working_days(data.now, 5)
    report.warnings.extend(w for w in result.warnings if w not in report.warnings)
    earliest = result.value
    assert not isinstance(earliest, bool | int)
    if timezone.localtime(t.documents_available_until).date() < earliest:
        report.add(
            "documents_available_until",
            _(
                "Tender documents must be available for at least 5 working days (Implementing "
                "Regulations Art. 31): until %(date)s or later."
            )
            % {"date": earliest.isoformat()},
        )
    if data.documents == 0:
        report.add(NON_FIELD, _("Upload at least one tender document before publishing."))


def rule_deposit(data: _Input, report: ComplianceReport) -> None:
    """实施条例 Art. 33: the bid deposit may not exceed 2 % of the budget."""
    t = data.tender
    if t.budget is not None and t.deposit is not None and t.deposit > t.budget * Decimal("0.02"):
        report.add(
            "deposit",
            _(
                "The bid deposit may not exceed 2%% of the budget (Implementing Regulations Art. 33): at most ¥%(max)s."
            )
            % {"max": (t.budget * Decimal("0.02")).quantize(Decimal("0.01"))},
        )


def rule_scoring(data: _Input, report: ComplianceReport) -> None:
    """综合评分法: weights sum to 100; for services the price weight is 10–30 (Order 87 Art. 55, local cap)."""
    t = data.tender
    if t.method not in SCORED_METHODS:
        return
    low, high = price_weight_min(), price_weight_max()
    if t.price_weight is None or not (low <= t.price_weight <= high):
        report.add(
            "price_weight",
            _("For services the price weight must be between %(low)s and %(high)s points (Order 87 Art. 55).")
            % {"low": _num(low), "high": _num(high)},
        )
    if not data.criteria:
        report.add("criteria", _("Add the scoring factors of the technical and service part."))
    total = sum((points for _name, _desc, points in data.criteria), Decimal("0")) + (t.price_weight or 0)
    if total != Decimal("100"):
        report.add(
            "criteria",
            _("The scoring factors and the price weight must add up to 100 points; they add up to %(total)s.")
            % {"total": _num(total)},
        )


def rule_no_discrimination(data: _Input, report: ComplianceReport) -> None:
    """Order 87 Art. 17: no condition or scoring factor on registered capital, assets or turnover."""
    terms = find_forbidden_terms(data.tender.qualification_conditions or "")
    if terms:
        report.add(
            "qualification_conditions",
            _(
                "Registered capital, assets or turnover may not be a qualification condition "
                "(Order 87 Art. 17); found: %(terms)s."
            )
            % {"terms": ", ".join(dict.fromkeys(terms))},
        )
    for name, description, _points in data.criteria:
        terms = find_forbidden_terms(f"{name}\n{description}")
        if terms:
            report.add(
                "criteria",
                _(
                    "The scoring factor “%(name)s” depends on registered capital, assets or turnover, "
                    "which is not allowed (Order 87 Art. 17); found: %(terms)s."
                )
                % {"name": name, "terms": ", ".join(dict.fromkeys(terms))},
            )


def rule_opening_at_deadline(data: _Input, report: ComplianceReport) -> None:
    """Order 87 Art. 39: bids are opened at the same time as the bid deadline."""
    t = data.tender
    if t.opening_at and t.bid_deadline and t.opening_at != t.bid_deadline:
        report.add(
            "opening_at", _("Bids are opened at the bid deadline (Order 87 Art. 39): use the same time.")
        )


def rule_contract_term(data: _Input, report: ComplianceReport) -> None:
    """Order 102 Art. 24: generally at most 1 year; up to 3 years for stable recurring services, with a reason."""
    t = data.tender
    term = t.contract_term_months or 0
    if term < 1:
        report.add("contract_term_months", _("Give the contract term in months."))
    elif t.is_recurring:
        if term > 36:
            report.add(
                "contract_term_months",
                _("Even a recurring service may be contracted for at most 36 months (Order 102 Art. 24)."),
            )
        if term > 12 and not (t.recurring_reason or "").strip():
            report.add("recurring_reason", _("State why a term over 12 months is needed."))
    elif term > 12:
        report.add(
            "contract_term_months",
            _(
                "A contract term over 12 months is allowed only for a stable recurring service, "
                "with a stated reason (Order 102 Art. 24)."
            ),
        )


def rule_admitted_kinds(data: _Input, report: ComplianceReport) -> None:
    if not data.tender.admitted_kinds:
        report.add("admitted_kinds", _("Choose at least one kind of undertaker that may bid."))


RULES: list[Rule] = [
    rule_key_dates,
    rule_twenty_days,
    rule_documents_available,
    rule_deposit,
    rule_scoring,
    rule_no_discrimination,
    rule_opening_at_deadline,
    rule_contract_term,
    rule_admitted_kinds,
]


def check_tender(
    tender: Tender,
    *,
    now: datetime | None = None,
    criteria: Iterable[tuple[str, str, Decimal]] | None = None,
    documents: int | None = None,
) -> ComplianceReport:
    """Run every rule as if the tender were published at ``now``.

    ``criteria`` and ``documents`` default to what is saved; a form passes what is being edited.
    """
    if criteria is None:
        criteria = [(c.name, c.description, c.max_points) for c in tender.criteria.all()] if tender.pk else []
    if documents is None:
        documents = tender.documents.filter(is_current=True).count() if tender.pk else 0
    data = _Input(tender=tender, criteria=list(criteria), documents=documents, now=now or timezone.now())
    report = ComplianceReport()
    for rule in RULES:
        rule(data, report)
    return report
