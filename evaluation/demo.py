"""Demo: the standard indicator system (seeded by migration) and evaluations in every stage — one in
progress with a running survey, one awaiting declarations, and final results with each grade (优 良
中 差), the 差 one leaving a suspension proposal for the directory administrator.

Procurement's demo has no signed contracts yet, so this seed makes its own: tenders already
contracted, each with an award and a signed contract whose final instalment is held (rows created
directly, as the procurement tests do for the states they start from). Idempotent: keyed by the
contract numbers ``DEMO-PJ-…``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.demo_support import DemoContext
from evaluation import services
from evaluation.models import Evaluation, EvaluationKind, IndicatorKind, IndicatorTemplate, SurveyResponse
from evaluation.services.surveys import token_value
from procurement.models import (
    Award,
    Bid,
    Committee,
    Contract,
    EvaluationReport,
    Instalment,
    Tender,
    TenderStatus,
)
from procurement.models.contracts import ContractStatus, InstalmentStatus
from vendors.demo import demo_code
from vendors.models import Organisation, OrganisationMembership, ServiceCategory

# (number, project, category code, organisation name, credit-code body, legal representative, value, fraction, satisfaction)
PROJECTS = [
    ("DEMO-PJ-01", "江门市长者饭堂助餐服务项目", "YL", None, None, None, "560000.00", None, None),
    (
        "DEMO-PJ-02",
        "蓬江区困境儿童关爱服务项目",
        "SG",
        "江门市蓬江区童心社会工作服务中心",
        "52440703MJL000201",
        "何晓童",
        "380000.00",
        "0.95",
        5,
    ),
    (
        "DEMO-PJ-03",
        "江海区残疾人居家托养服务项目",
        "ZC",
        "江门市江海区康宁助残服务中心",
        "52440704MJL000202",
        "梁康宁",
        "450000.00",
        "0.85",
        4,
    ),
    (
        "DEMO-PJ-04",
        "新会区社区矫正社会工作服务项目",
        "SG",
        "江门市新会区同行社会工作服务社",
        "52440705MJL000203",
        "谭同行",
        "300000.00",
        "0.7",
        4,
    ),
    (
        "DEMO-PJ-05",
        "鹤山市农村留守老人探访服务项目",
        "YL",
        "鹤山市夕阳红养老服务中心",
        "52440784MJL000204",
        "吕夕阳",
        "260000.00",
        "0.5",
        2,
    ),
    ("DEMO-PJ-06", "江门市军休干部服务项目（中期）", "SG", None, None, None, "200000.00", None, None),
]
ANSWERS = [(5, 5, 4, 5), (4, 4, 4, 4), (5, 4, 5, 5), (3, 4, 3, 4), (5, 5, 5, 5), (4, 3, 4, 4)]


def _category(code: str) -> ServiceCategory:
    found = (
        ServiceCategory.objects.filter(code=code).first() or ServiceCategory.objects.order_by("code").first()
    )
    if found is None:  # the categories are seeded by a vendors migration
        found = ServiceCategory.objects.create(code=code, name=code)
    return found


def _organisation(name: str | None, body: str | None, rep: str | None, ctx: DemoContext) -> Organisation:
    if name is None or body is None:
        org = OrganisationMembership.objects.filter(user=ctx.shared["supplier"], status="approved").first()
        if org is not None:
            return org.organisation
        name, body, rep = "江门市蓬江区启明社会工作服务中心", "52440703MJL000001", "林启明"
    organisation, _ = Organisation.objects.update_or_create(
        credit_code=demo_code(body),
        defaults={"name": name, "legal_representative": rep or "", "registering_authority": "江门市民政局"},
    )
    return organisation


def _contract(
    ctx: DemoContext, number: str, title: str, category: str, organisation: Organisation, value: str
) -> Contract:
    existing = Contract.objects.filter(number=number).first()
    if existing is not None:
        return existing
    purchaser = ctx.shared["purchaser"]
    department = purchaser.department
    now = timezone.now()
    amount = Decimal(value)
    tender = Tender.objects.create(
        department=department,
        reference=f"{department.code}-2025-{number[-5:]}",
        title=title,
        category=_category(category),
        budget=amount,
        admitted_kinds=["social_organisation"],
        price_weight=Decimal(30),
        published_at=now - dt.timedelta(days=400),
        bid_deadline=now - dt.timedelta(days=370),
        opening_at=now - dt.timedelta(days=370),
        status=TenderStatus.CONTRACTED,
        created_by=purchaser,
    )
    bid = Bid.objects.create(
        tender=tender,
        organisation=organisation,
        created_by=purchaser,
        status="qualified",
        price_ciphertext=b"demo",
        bid_hash="0" * 64,
        submitted_by=purchaser,
        submitted_at=now - dt.timedelta(days=371),
        opened_at=now - dt.timedelta(days=370),
        opened_price=amount,
    )
    committee = Committee.objects.create(tender=tender, size=5, created_by=purchaser)
    report = EvaluationReport.objects.create(
        committee=committee,
        tender=tender,
        submitted_by=purchaser,
        submitted_at=now - dt.timedelta(days=365),
        confirmation_due=timezone.localdate() - dt.timedelta(days=360),
    )
    award = Award.objects.create(
        tender=tender,
        report=report,
        bid=bid,
        rank=1,
        price=amount,
        total_score=Decimal("88.50"),
        confirmed_by=purchaser,
        confirmed_at=now - dt.timedelta(days=362),
        announcement_due=timezone.localdate() - dt.timedelta(days=360),
        status="contracted",
    )
    contract = Contract.objects.create(
        tender=tender,
        award=award,
        department=department,
        organisation=organisation,
        number=number,
        value=amount,
        term_start=timezone.localdate() - dt.timedelta(days=335),
        term_end=timezone.localdate() + dt.timedelta(days=30),
        service_content=title,
        status=ContractStatus.PUBLISHED,
        signed_at=now - dt.timedelta(days=340),
        published_at=now - dt.timedelta(days=339),
        created_by=purchaser,
    )
    Instalment.objects.create(
        contract=contract, order=1, percentage=Decimal(70), amount=amount * Decimal("0.7")
    )
    Instalment.objects.create(
        contract=contract,
        order=2,
        percentage=Decimal(30),
        amount=amount * Decimal("0.3"),
        is_final=True,
        status=InstalmentStatus.HELD,
    )
    return contract


def _score(evaluation: Evaluation, evaluator: Any, fraction: Decimal, *, limit: int | None = None) -> None:
    leaves = evaluation.indicators.filter(is_leaf=True, kind=IndicatorKind.EVIDENCE).order_by("sort_order")
    for leaf in list(leaves)[:limit]:
        services.score_record(
            indicator=leaf,
            value=(leaf.weight * fraction).quantize(Decimal("0.01")),
            comment="现场查阅资料并访谈项目负责人",
            by=evaluator,
        )


def _survey(
    evaluation: Evaluation, evaluator: Any, tokens: int, answers: list[tuple[int, int, int, int]]
) -> None:
    generated = services.survey_tokens_generate(evaluation=evaluation, count=tokens, by=evaluator)
    for token, values in zip(generated, answers, strict=False):
        services.survey_answer(
            token=token_value(token),
            answers=dict(zip(SurveyResponse.QUESTIONS, values, strict=True)),
            comment="社工很耐心，希望服务能继续。" if values[3] >= 4 else "",
        )


def seed(ctx: DemoContext) -> None:
    template = IndicatorTemplate.objects.filter(is_standard=True, active=True).first()
    if template is None:
        ctx.log("no standard indicator system: run the migrations")
        return
    purchaser, evaluator = ctx.shared["purchaser"], ctx.shared["evaluator"]
    if Evaluation.objects.filter(contract__number__startswith="DEMO-PJ-").exists():
        ctx.log("performance evaluations already seeded")
        return
    for number, title, category, name, body, rep, value, fraction, satisfaction in PROJECTS:
        organisation = _organisation(name, body, rep, ctx)
        contract = _contract(ctx, number, title, category, organisation, value)
        kind = EvaluationKind.MID_TERM if number == "DEMO-PJ-06" else EvaluationKind.FINAL
        evaluation = services.evaluation_commission(
            contract=contract,
            evaluator_organisation=evaluator.evaluator_organisation,
            template=template,
            kind=kind,
            due_date=timezone.localdate() + dt.timedelta(days=20),
            by=purchaser,
        )
        if number == "DEMO-PJ-06":
            continue  # commissioned, awaiting the evaluator's declaration
        services.declaration_make(
            evaluation=evaluation, has_conflict=False, statement="本人与承接机构无利害关系。", by=evaluator
        )
        if fraction is None:  # in progress, with a running survey
            _score(evaluation, evaluator, Decimal("0.85"), limit=6)
            _survey(evaluation, evaluator, 30, ANSWERS * 2)
            continue
        _score(evaluation, evaluator, Decimal(fraction))
        level = int(satisfaction or 3)
        _survey(evaluation, evaluator, 20, [(level, level, level, level)] * 12)
        services.evaluation_submit(
            evaluation=evaluation,
            report=f"{title}绩效评价报告：评价组查阅了项目档案、财务凭证，访谈了购买主体和服务对象，并回收满意度问卷12份。",
            by=evaluator,
        )
        evaluation = services.evaluation_accept(evaluation=evaluation, by=purchaser)
        if number == "DEMO-PJ-02":
            continue  # published, the appeal period running
        # Demo shortcut: the appeal period has passed, so the result becomes final.
        Evaluation.objects.filter(pk=evaluation.pk).update(
            appeal_deadline=timezone.localdate() - dt.timedelta(days=1)
        )
        services.evaluation_finalise(evaluation=evaluation)
    ctx.log(
        "performance evaluations: one in progress with a running survey, one awaiting declaration, results 优 良 中 差"
    )
