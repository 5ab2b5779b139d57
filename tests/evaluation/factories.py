"""Builders for evaluation tests: they go through the services, as a user would."""

from __future__ import annotations

import importlib
from decimal import Decimal
from typing import Any

from allauth.mfa.models import Authenticator
from django.apps import apps as django_apps

from accounts.models import Role, User
from evaluation import services
from evaluation.models import Evaluation, EvaluationStatus, IndicatorKind, IndicatorTemplate
from tests.evaluation.contracts import signed_contract
from tests.factories import (
    DepartmentFactory,
    EvaluatorOrganisationFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

STANDARD = "社会服务项目绩效评价指标体系（标准）"


def standard_template() -> IndicatorTemplate:
    """The template migration 0002 seeds. A transactional test that ran earlier flushes the tables
    (data migrations included), so seed it again the same way when it is missing."""
    template = IndicatorTemplate.objects.filter(name=STANDARD, version=1).first()
    if template is None:
        importlib.import_module("evaluation.migrations.0002_standard_template").create(django_apps, None)
        template = IndicatorTemplate.objects.get(name=STANDARD, version=1)
    return template


def with_mfa(user: User) -> User:
    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "x"}}
    )
    return user


class World:
    """A purchaser's department, a supplier organisation with one member, an evaluator organisation
    with two evaluators, and an outsider for each role."""

    def __init__(self) -> None:
        self.department = DepartmentFactory(code="JMMZ", name="江门市民政局")
        self.purchaser = UserFactory(role=Role.PURCHASER, department=self.department)
        self.organisation = OrganisationFactory(
            name="江门市蓬江区阳光社会工作服务中心", legal_representative="李明"
        )
        self.supplier = MembershipFactory(organisation=self.organisation, is_admin=True).user
        self.evaluator_organisation = EvaluatorOrganisationFactory(name="广东省第三方评估研究院")
        self.evaluator = with_mfa(
            UserFactory(role=Role.EVALUATOR, evaluator_organisation=self.evaluator_organisation)
        )
        self.evaluator2 = with_mfa(
            UserFactory(role=Role.EVALUATOR, evaluator_organisation=self.evaluator_organisation)
        )
        self.other_purchaser = UserFactory(purchaser=True)
        self.other_supplier = MembershipFactory().user
        self.other_evaluator = with_mfa(UserFactory(evaluator=True))
        self.directory_admin = with_mfa(UserFactory(role=Role.DIRECTORY_ADMIN, department=self.department))

    def contract(self, title: str = "江门市长者饭堂助餐服务项目") -> Any:
        return signed_contract(
            department=self.department, purchaser=self.purchaser, organisation=self.organisation, title=title
        )

    def commission(self, title: str = "江门市长者饭堂助餐服务项目", **kwargs: Any) -> Evaluation:
        params: dict[str, Any] = {
            "contract": self.contract(title),
            "evaluator_organisation": self.evaluator_organisation,
            "template": standard_template(),
            "by": self.purchaser,
        }
        params.update(kwargs)
        return services.evaluation_commission(**params)

    def start(self, evaluation: Evaluation, *evaluators: User) -> Evaluation:
        for user in evaluators or (self.evaluator,):
            services.declaration_make(evaluation=evaluation, has_conflict=False, by=user)
        evaluation.refresh_from_db()
        return evaluation

    def score_all(self, evaluation: Evaluation, fraction: Decimal, by: User | None = None) -> None:
        """Every evidence leaf scored at ``fraction`` of its weight."""
        for leaf in evaluation.indicators.filter(is_leaf=True, kind=IndicatorKind.EVIDENCE):
            services.score_record(
                indicator=leaf,
                value=(leaf.weight * fraction).quantize(Decimal("0.01")),
                by=by or self.evaluator,
            )

    def survey(self, evaluation: Evaluation, answers: list[int], by: User | None = None) -> None:
        from evaluation.services.surveys import token_value

        tokens = services.survey_tokens_generate(
            evaluation=evaluation, count=len(answers), by=by or self.evaluator
        )
        for token, value in zip(tokens, answers, strict=True):
            services.survey_answer(
                token=token_value(token),
                answers=dict.fromkeys(("attitude", "timeliness", "effect", "overall"), value),
            )

    def submitted(
        self, fraction: Decimal = Decimal("0.9"), satisfaction: int = 5, **kwargs: Any
    ) -> Evaluation:
        evaluation = self.start(self.commission(**kwargs))
        self.score_all(evaluation, fraction)
        self.survey(evaluation, [satisfaction])
        return services.evaluation_submit(
            evaluation=evaluation, report="评价报告：项目整体执行良好。", by=self.evaluator
        )

    def published(
        self, fraction: Decimal = Decimal("0.9"), satisfaction: int = 5, **kwargs: Any
    ) -> Evaluation:
        evaluation = self.submitted(fraction, satisfaction, **kwargs)
        return services.evaluation_accept(evaluation=evaluation, by=self.purchaser)


def force_status(evaluation: Evaluation, status: str) -> Evaluation:
    """Put an evaluation into ``status`` for matrix tests (bypasses the protected field on purpose)."""
    Evaluation.objects.filter(pk=evaluation.pk).update(status=status)
    return Evaluation.objects.get(pk=evaluation.pk)


ALL_STATUSES = list(EvaluationStatus)
