"""Demo: the standard indicator system (seeded by migration) and evaluations in every stage — one in
progress with a running survey, one awaiting declarations, and final results with each grade (优 良
中 差), the 差 one leaving a suspension proposal for the directory administrator.

The contracts come from procurement's own services: each project is a demo tender taken through
bidding, opening, qualification, committee scoring, award and announcement by
``procurement.demo_contracts`` helpers, then drafted, signed by both sides and published with
``procurement.services.contracts``. Idempotent per project: a tender is keyed by its demo key, a
contract by its award, and a project whose evaluation exists is skipped.
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
    Contract,
)

# (demo key, project, fraction of each evidence leaf's weight, satisfaction 1–5); None: in progress
PROJECTS = [
    ("running", "江门市长者饭堂助餐服务项目", None, None),
    ("excellent", "蓬江区困境儿童关爱服务项目", "0.95", 5),
    ("good", "江海区残疾人居家托养服务项目", "0.85", 4),
    ("fair", "新会区社区矫正社会工作服务项目", "0.7", 4),
    ("poor", "鹤山市农村留守老人探访服务项目", "0.5", 2),
    ("midterm", "江门市军休干部服务项目（中期）", None, None),
]
ANSWERS = [(5, 5, 4, 5), (4, 4, 4, 4), (5, 4, 5, 5), (3, 4, 3, 4), (5, 5, 5, 5), (4, 3, 4, 4)]


def _contract(ctx: DemoContext, key: str, title: str, seed: int) -> Contract | None:
    """A signed and published contract for ``title`` through procurement's services (None when the
    procurement demo helpers are unavailable)."""
    from procurement.demo_contracts import _announced
    from procurement.services.contracts import (
        MilestoneSpec,
        contract_draft,
        contract_publish,
        contract_sign,
    )

    award = _announced(ctx, f"evaluation-{key}", title, seed=seed)
    if award is None:
        return None
    existing = Contract.objects.filter(award=award).first()
    if existing is not None:
        return existing
    purchaser = ctx.shared["purchaser"]
    today = timezone.localdate()
    contract = contract_draft(
        award=award,
        by=purchaser,
        term_start=today - dt.timedelta(days=330),
        term_end=today + dt.timedelta(days=30),
        service_content=f"{title}：按合同约定提供服务，建立服务对象档案，接受第三方绩效评价。",
        milestones=[
            MilestoneSpec(
                "项目启动", "服务方案、人员配置与服务对象台账", today - dt.timedelta(days=300), Decimal(30)
            ),
            MilestoneSpec("中期服务", "中期服务报告", today - dt.timedelta(days=150), Decimal(40)),
            MilestoneSpec("结项", "结项报告，接受第三方绩效评价", today + dt.timedelta(days=20), Decimal(30)),
        ],
    )
    staff = award.bid.organisation.memberships.filter(status="approved").first()
    version = contract.current_version
    if staff is None or version is None:
        return None
    contract_sign(contract=contract, by=purchaser, confirmed_sha256=version.sha256)
    contract = contract_sign(contract=contract, by=staff.user, confirmed_sha256=version.sha256)
    return contract_publish(contract=contract, by=purchaser)


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
    for seed, (key, title, fraction, satisfaction) in enumerate(PROJECTS, start=20261201):
        if Evaluation.objects.filter(title=title).exists():
            continue  # seeded before
        contract = _contract(ctx, key, title, seed)
        if contract is None:
            ctx.log(f"no contract for {title}: procurement's demo helpers are missing")
            continue
        kind = EvaluationKind.MID_TERM if key == "midterm" else EvaluationKind.FINAL
        evaluation = services.evaluation_commission(
            contract=contract,
            evaluator_organisation=evaluator.evaluator_organisation,
            template=template,
            kind=kind,
            due_date=timezone.localdate() + dt.timedelta(days=20),
            by=purchaser,
        )
        if key == "midterm":
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
        if key == "excellent":
            continue  # published, the appeal period running
        # Demo shortcut: the appeal period has passed, so the result becomes final.
        Evaluation.objects.filter(pk=evaluation.pk).update(
            appeal_deadline=timezone.localdate() - dt.timedelta(days=1)
        )
        services.evaluation_finalise(evaluation=evaluation)
    ctx.log(
        "performance evaluations: one in progress with a running survey, one awaiting declaration, results 优 良 中 差"
    )
