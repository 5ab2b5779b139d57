"""The seeded site the security suite crawls: two departments, two organisations, tenders in several
states, sealed bids of both organisations (one carrying the canaries), an award, a contract, a
committee, an evaluation; and one user per role (those whose role needs MFA have an authenticator).

X is "ours", Y the other department; A and B the two bidding organisations. Ids are swapped in URLs
by filling a route's parameters with X's and A's objects and requesting them as Y and B.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import Notification, Role, User
from accounts.notifications import notify
from procurement.models import Bid, CommitteeMember, Tender, TenderStatus
from procurement.services.bids import bid_add_document, bid_create_draft, bid_submit, bid_withdraw
from tests.conftest import _verified
from tests.evaluation.factories import World as EvaluationWorld
from tests.factories import DepartmentFactory, UserFactory
from tests.procurement import award_setup
from tests.procurement.bidding import PDF, make_bidder
from tests.procurement.bidding import make_tender as open_tender
from tests.vendors.web import with_mfa
from vendors.models import Organisation

# The sealed bid's canaries: a distinctive price (and the ways a page could print it), a document
# name and a document body. Before the opening none may appear anywhere.
CANARY_PRICE = Decimal("9876543.21")
PRICE_FORMS = ["9876543.21", "9876543", "9,876,543", "9 876 543", "987.654321"]
CANARY_NAME = "CANARYNAME-7Q3"
CANARY_BODY = "CANARYBODY-5150-纸条"
CANARIES = [*PRICE_FORMS, CANARY_NAME, CANARY_BODY]
# The sealed bidder's identity (DOMAIN.md: not even who bid is known before the opening): a third
# organisation, C, bids on the sealed tender through a user of its own; its name, the user's e-mail
# and full name are canaries too. C is in the published directory (it could not bid otherwise), so
# its name legitimately shows where every organisation is listed (``IDENTITY_LISTS`` in
# ``test_routes.py``); nowhere else.
CANARY_EMAIL = "canary.bidder-4k8@example.test"
CANARY_PERSON = "CANARYPERSON-Z9"
CANARY_ORG = "CANARYORG-丙-6M"
IDENTITY_CANARIES = [CANARY_EMAIL, CANARY_PERSON, CANARY_ORG]

ROLES = (
    "anonymous",
    "supplier_a",
    "supplier_b",
    "purchaser_x",
    "purchaser_y",
    "expert",
    "evaluator",
    "directory_admin",
    "supervisor",
    "superuser",
)


@dataclass
class World:
    users: dict[str, Any] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)


def build_world() -> World:
    world = World()
    o = world.objects
    # Awarded, contracted tender of department X (its committee scored bids of A, B and a third).
    ev, award, contract = award_setup.drafted()
    dept_x = ev.tender.department
    dept_y = DepartmentFactory(code="SECY", name="安全测试乙局")
    org_a = Bid.objects.get(pk=award.bid_id).organisation
    org_b = next(b.organisation for b in ev.bids if b.organisation_id != org_a.pk)
    supplier_a = _verified(award_setup.supplier_of(org_a))
    supplier_b = _verified(award_setup.supplier_of(org_b))

    # Tender of X open for bids, with sealed bids of A (the canaries) and B.
    sealed = open_tender(dept_y, admitted=["enterprise", "social_organisation"], budget="99999999.00")
    Tender.objects.filter(pk=sealed.pk).update(department=dept_x, reference=f"{dept_x.code}-2026-S001")
    sealed = Tender.objects.get(pk=sealed.pk)
    bid_a = bid_create_draft(tender=sealed, organisation=org_a, by=supplier_a)
    doc_a = bid_add_document(
        bid=bid_a,
        name=f"{CANARY_NAME}.pdf",
        stream=io.BytesIO(PDF + CANARY_BODY.encode() + b"\n%%EOF"),
        by=supplier_a,
    )
    bid_a = bid_submit(bid=bid_a, price=CANARY_PRICE, by=supplier_a)
    bid_b = bid_create_draft(tender=sealed, organisation=org_b, by=supplier_b)
    doc_b = bid_add_document(bid=bid_b, name="技术方案.pdf", stream=io.BytesIO(PDF), by=supplier_b)
    bid_b = bid_submit(bid=bid_b, price="500000.00", by=supplier_b)
    # C bids, withdraws and bids again: every bid action before the opening is in the trail.
    # Listed in the directory under another name, then renamed: the directory's own trail (its
    # entries keep the name at listing time) does not carry the canary, so the audit page is
    # checked for it like every other page.
    bidder_c, org_c = make_bidder(cat=sealed.category)
    Organisation.objects.filter(pk=org_c.pk).update(name=CANARY_ORG)
    org_c.refresh_from_db()
    User.objects.filter(pk=bidder_c.pk).update(email=CANARY_EMAIL, full_name=CANARY_PERSON)
    bidder_c = User.objects.get(pk=bidder_c.pk)
    for price in ("600000.00", "610000.00"):
        bid_c = bid_create_draft(tender=sealed, organisation=org_c, by=bidder_c)
        bid_add_document(bid=bid_c, name="方案.pdf", stream=io.BytesIO(PDF), by=bidder_c)
        bid_c = bid_submit(bid=bid_c, price=price, by=bidder_c)
        if price == "600000.00":
            bid_withdraw(bid=bid_c, by=bidder_c)
    # Tenders of Y: one open, one draft.
    tender_y = open_tender(dept_y)
    draft_y = open_tender(dept_y, status=TenderStatus.DRAFT, deadline_in=timedelta(days=30))

    member = CommitteeMember.objects.filter(committee=ev.committee).exclude(status="declined").first()
    assert member is not None
    evaluation_world = EvaluationWorld()
    evaluation = evaluation_world.start(evaluation_world.commission())

    purchaser_x = _verified(UserFactory(role=Role.PURCHASER, department=dept_x, is_department_admin=True))
    world.users = {
        "anonymous": None,
        "supplier_a": supplier_a,
        "supplier_b": supplier_b,
        "purchaser_x": purchaser_x,
        "purchaser_y": _verified(
            UserFactory(role=Role.PURCHASER, department=dept_y, is_department_admin=True)
        ),
        "expert": _verified(with_mfa(member.user)),
        "evaluator": _verified(evaluation_world.evaluator),
        "directory_admin": _verified(with_mfa(UserFactory(role=Role.DIRECTORY_ADMIN, department=dept_x))),
        "supervisor": _verified(UserFactory(role=Role.SUPERVISOR, department=dept_x)),
        "superuser": _verified(with_mfa(UserFactory(role="", is_superuser=True, is_staff=True))),
    }
    notify(recipients=[supplier_a], kind="document.failed", message="x %(title)s", params={"title": "t"})
    o.update(
        {
            "dept_x": dept_x,
            "dept_y": dept_y,
            "org_a": org_a,
            "org_b": org_b,
            "sealed_tender": sealed,
            "bid_a": bid_a,
            "bid_b": bid_b,
            "org_c": org_c,
            "bid_c": bid_c,
            "doc_a": doc_a,
            "doc_b": doc_b,
            "tender_y": tender_y,
            "draft_y": draft_y,
            "awarded_tender": ev.tender,
            "award": award,
            "contract": contract,
            "committee_member": member,
            "evaluation": evaluation,
            "indicator": evaluation.indicators.filter(is_leaf=True).first(),
            "evaluation_contract": evaluation.contract,
            "notification": Notification.objects.filter(recipient=supplier_a).first(),
            "now": timezone.now(),
        }
    )
    return world
