"""The performance evaluation report (绩效评价报告) as an official PDF (``accounts.documents``).

``evaluation.performance_report`` is about an :class:`Evaluation` once its result is published:
the parties, the indicator tree with weights and scores, the total and grade, the satisfaction
survey's aggregated results (回收率, means; never an individual answer) and the evaluator's report.
Issued in the evaluator organisation's name. Public like the result page; before publication
nobody gets it (a submitted but unaccepted score may still be returned).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.documents import DocumentSpec, register_document
from evaluation import selectors
from evaluation.models import Evaluation, IndicatorKind, SurveyResponse

CHINA = ZoneInfo("Asia/Shanghai")


def _num(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def build_performance_report(evaluation: Evaluation) -> DocumentSpec:
    evaluation = selectors.evaluations_base().get(pk=evaluation.pk)
    tree = selectors.indicator_tree(evaluation)
    scores = {row.pk: row.score for row in tree if row.is_leaf}
    subtotals = selectors.subtotals(tree, scores)
    survey = selectors.survey_summary(evaluation)
    question_labels = {
        q: str(getattr(SurveyResponse._meta.get_field(q), "verbose_name", q))
        for q in SurveyResponse.QUESTIONS
    }
    published = evaluation.published_at.astimezone(CHINA) if evaluation.published_at else None
    rows = [
        {
            "code": row.code,
            "name": row.name,
            "depth": row.depth,  # type: ignore[attr-defined]
            "weight": _num(row.weight),
            "score": _num(subtotals.get(row.pk)),
            "leaf": row.is_leaf,
            "source": gettext("Survey") if row.is_leaf and row.kind == IndicatorKind.SURVEY else "",
        }
        for row in tree
    ]
    return DocumentSpec(
        template="evaluation/pdf/performance_report.html",
        context={
            "issuer": evaluation.evaluator_organisation.name,
            "title": evaluation.title,
            "kind": str(evaluation.get_kind_display()),
            "contract": evaluation.contract.number if evaluation.contract is not None else "",
            "organisation": evaluation.organisation.name,
            "credit_code": evaluation.organisation.credit_code,
            "department": evaluation.department.name,
            "evaluator_organisation": evaluation.evaluator_organisation.name,
            "published_on": published.strftime("%Y-%m-%d") if published else "",
            "score": _num(evaluation.score),
            "grade": str(evaluation.get_grade_display()),
            "status": str(evaluation.get_status_display()),
            "rows": rows,
            "survey": {
                "tokens": survey.tokens,
                "answered": survey.answered,
                "rate": _num(survey.response_rate),
                "overall": _num(survey.overall_mean),
                "questions": [
                    {"label": question_labels[q], "mean": _num(m)} for q, m in survey.question_means.items()
                ],
            },
            "report": evaluation.report,
        },
        title=gettext("Performance evaluation report: %(title)s") % {"title": evaluation.title},
        reference=f"JXPJ-{published.year if published else 0}-{evaluation.pk:05d}",
    )


def can_view_performance_report(user: Any, evaluation: Evaluation) -> bool:
    """The published result is public; so is its report."""
    return evaluation.is_public


def register() -> None:
    register_document(
        "evaluation.performance_report",
        build_performance_report,
        _("Performance evaluation report (绩效评价报告)"),
        can_view=can_view_performance_report,
        public=True,
    )
