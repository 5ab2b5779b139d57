"""The API tests' world: two departments, two supplier organisations, every role, and one object of
each kind the endpoints take, built through the services as a person would.

- ``award``: an announced award of department X (tender ``award_tender``): org A won, org B lost.
- ``open_tender``: a tender of department X open for bids; org A has a sealed bid on it with the
  canary price ``CANARY`` (never to appear anywhere before the opening).
- ``draft``: a compliant draft of department X.
- ``contract``: a contract drafted for another department's award (no role here is a party).
- ``evaluation``: a performance evaluation in progress, scored by ``evaluator``; ``published_evaluation``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.test import Client
from rest_framework.test import APIClient

from accounts.api.tokens import api_token_create
from accounts.models import Role
from evaluation.models import Evaluation, EvaluationIndicator, IndicatorKind
from procurement.models import Award, Bid, Contract, Tender
from tests.evaluation.factories import World as EvaluationWorld
from tests.evaluation.factories import with_mfa
from tests.factories import DepartmentFactory, ExpertProfileFactory, UserFactory
from tests.procurement import award_setup, bidding
from tests.procurement.factories import make_draft, make_published

CANARY = "123456.78"
ROLES = [
    "anonymous",
    "supplier_a",
    "supplier_b",
    "purchaser_x",
    "purchaser_y",
    "expert",
    "evaluator",
    "directory_admin",
    "supervisor",
]


@dataclass
class ApiWorld:
    users: dict[str, Any]
    tokens: dict[str, str]
    org_a: Any
    org_b: Any
    award: Award
    award_tender: Tender
    open_tender: Tender
    bid_a: Bid
    draft: Tender
    contract: Contract
    evaluation: Evaluation
    leaf: EvaluationIndicator
    published_evaluation: Evaluation
    directory_version_id: int
    evaluation_world: EvaluationWorld

    def client(self, role: str, language: str = "en") -> APIClient:
        client = APIClient()
        client.cookies["django_language"] = language
        if role != "anonymous":
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.tokens[role]}")
        return client


def build_world() -> ApiWorld:
    sup_a, org_a = bidding.make_bidder()
    sup_b, org_b = bidding.make_bidder()
    ev, award = award_setup.announced(organisations=[org_a, org_b, award_setup.enterprise()])
    purchaser_x = ev.purchaser
    # award_setup numbers its tenders by hand; leave the department's counter to the services.
    Tender.objects.filter(pk=ev.tender.pk).update(reference=f"AWARD-{ev.tender.pk}")
    open_tender = make_published(purchaser_x)
    bid_a = bidding.submit_bid(open_tender, sup_a, org_a, price=CANARY)
    draft = make_draft(purchaser_x)
    _, _, contract = award_setup.drafted()
    eval_world = EvaluationWorld()
    evaluation = eval_world.start(eval_world.commission())
    leaf = (
        evaluation.indicators.filter(is_leaf=True, kind=IndicatorKind.EVIDENCE)
        .order_by("sort_order", "code")
        .first()
    )
    published_evaluation = eval_world.published(title="另一个项目")
    dept_y = DepartmentFactory()
    users = {
        "supplier_a": sup_a,
        "supplier_b": sup_b,
        "purchaser_x": purchaser_x,
        "purchaser_y": UserFactory(role=Role.PURCHASER, department=dept_y),
        "expert": with_mfa(ExpertProfileFactory().user),
        "evaluator": eval_world.evaluator,
        "directory_admin": with_mfa(UserFactory(role=Role.DIRECTORY_ADMIN, department=dept_y)),
        "supervisor": UserFactory(role=Role.SUPERVISOR, department=dept_y),
    }
    tokens = {role: api_token_create(by=user, name="tests")[1] for role, user in users.items()}
    from vendors.selectors import current_version

    version = current_version()
    assert version is not None
    assert leaf is not None
    return ApiWorld(
        users=users,
        tokens=tokens,
        org_a=org_a,
        org_b=org_b,
        award=award,
        award_tender=ev.tender,
        open_tender=open_tender,
        bid_a=bid_a,
        draft=draft,
        contract=contract,
        evaluation=evaluation,
        leaf=leaf,
        published_evaluation=published_evaluation,
        directory_version_id=version.pk,
        evaluation_world=eval_world,
    )


def web_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


D = Decimal
