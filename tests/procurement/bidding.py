"""Builders for the bid tests: open tenders, bidders listed in the published directory, sealed bids.

The directory state is built with the vendors services (``entry_add``, ``version_publish``), so the
eligibility check the bid side runs is the real one.
"""

from __future__ import annotations

import io
import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role
from procurement.models import Bid, ProcurementMethod, Tender, TenderStatus
from procurement.services.bids import bid_add_document, bid_create_draft, bid_submit
from tests.factories import DepartmentFactory, MembershipFactory, OrganisationFactory, UserFactory
from vendors.models import ServiceCategory
from vendors.services.directory import entry_add, version_publish

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n"
_refs = itertools.count(1)


def category() -> ServiceCategory:
    return ServiceCategory.objects.filter(parent__isnull=True).order_by(
        "code"
    ).first() or ServiceCategory.objects.create(code="YL", name="养老服务")


def other_category() -> ServiceCategory:
    first = category()
    return ServiceCategory.objects.filter(parent__isnull=True).exclude(pk=first.pk).order_by(
        "code"
    ).first() or ServiceCategory.objects.create(code="ZC", name="助残服务")


def make_tender(
    department: Any = None,
    *,
    status: str = TenderStatus.PUBLISHED,
    method: str = ProcurementMethod.PUBLIC_TENDER,
    deadline_in: timedelta = timedelta(days=1),
    admitted: list[str] | None = None,
    budget: str = "1000000.00",
    cat: ServiceCategory | None = None,
) -> Tender:
    department = department or DepartmentFactory()
    creator = UserFactory(role=Role.PURCHASER, department=department)
    now = timezone.now()
    return Tender.objects.create(
        department=department,
        reference=f"{department.code}-2026-{next(_refs):04d}",
        title="长者饭堂运营服务",
        category=cat or category(),
        method=method,
        budget=Decimal(budget),
        admitted_kinds=admitted or ["social_organisation"],
        published_at=now - timedelta(days=21),
        bid_deadline=now + deadline_in,
        opening_at=now + deadline_in,
        status=status,
        created_by=creator,
    )


def pass_deadline(tender: Tender, *, opening_too: bool = True) -> Tender:
    """Move the tender's deadline (and opening time) into the past, as the clock would."""
    past = timezone.now() - timedelta(seconds=1)
    fields: dict[str, Any] = {"bid_deadline": past}
    if opening_too:
        fields["opening_at"] = past
    Tender.objects.filter(pk=tender.pk).update(**fields)
    return Tender.objects.get(pk=tender.pk)


def make_bidder(*, listed: bool = True, cat: ServiceCategory | None = None, **org: Any) -> tuple[Any, Any]:
    """(supplier user, organisation); ``listed`` puts the organisation in a published directory version."""
    membership = MembershipFactory(organisation=OrganisationFactory(**org), is_admin=True)
    if listed:
        list_in_directory([membership.organisation], cat or category())
    return membership.user, membership.organisation


def list_in_directory(organisations: list[Any], cat: ServiceCategory) -> None:
    entry = None
    for organisation in organisations:
        entry = entry_add(
            organisation=organisation,
            categories=[cat],
            valid_from=date(2020, 1, 1),
            valid_to=date(2099, 12, 31),
            rating="4A",
            by=None,
        )
    assert entry is not None
    version_publish(version=entry.version, by=None)


def submit_bid(
    tender: Tender, user: Any, organisation: Any, *, price: str = "480000.00", content: bytes = PDF
) -> Bid:
    bid = bid_create_draft(tender=tender, organisation=organisation, by=user)
    bid_add_document(bid=bid, name="技术方案.pdf", stream=io.BytesIO(content), by=user)
    return bid_submit(bid=bid, price=price, by=user)


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """Bid tests create many users: hash their passwords cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def purchaser_of(tender: Tender) -> Any:
    from tests.conftest import _verified

    return _verified(UserFactory(role=Role.PURCHASER, department=tender.department))
