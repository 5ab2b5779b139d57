"""Reads for evaluation pages and services: querysets with their joins, and the score arithmetic
over stored rows (the arithmetic itself is in ``evaluation.grades``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from evaluation.grades import GRADE_ORDER, mean, quantise, survey_leaf_score
from evaluation.models import (
    PUBLIC_STATUSES,
    Aggregation,
    Evaluation,
    EvaluationIndicator,
    IndicatorKind,
    IndicatorTemplate,
    PerformanceRecord,
    Score,
    SurveyResponse,
    SurveyToken,
    SuspensionProposal,
)


def evaluations_base() -> QuerySet[Evaluation]:
    return Evaluation.objects.select_related(
        "contract",
        "organisation",
        "department",
        "category",
        "evaluator_organisation",
        "template",
        "lead_evaluator",
    )


def evaluations_for_user(user: Any) -> QuerySet[Evaluation]:
    """The evaluations a user works on: their evaluator organisation's, their department's, or
    their organisation's (supplier)."""
    qs = evaluations_base()
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.role == "evaluator":
        return qs.filter(evaluator_organisation_id=user.evaluator_organisation_id)
    if user.role in {"purchaser", "supervisor"} and user.department_id:
        return qs if user.role == "supervisor" else qs.filter(department_id=user.department_id)
    if user.role == "supplier":
        org_ids = user.memberships.filter(status="approved").values_list("organisation_id", flat=True)
        return qs.filter(organisation_id__in=list(org_ids))
    return qs.none()


def public_evaluations() -> QuerySet[Evaluation]:
    return evaluations_base().filter(status__in=PUBLIC_STATUSES).order_by("-published_at")


def public_results(
    *, year: int | None = None, category_id: int | None = None, department_id: int | None = None
) -> QuerySet[Evaluation]:
    """Published results as the public overview lists them (and its export, portal.exports), filtered
    by the year of publication, the service category and the department."""
    results = public_evaluations()
    if year:
        results = results.filter(published_at__year=year)
    if category_id:
        results = results.filter(category_id=category_id)
    if department_id:
        results = results.filter(department_id=department_id)
    return results


def indicator_tree(evaluation: Evaluation) -> list[EvaluationIndicator]:
    """The evaluation's indicators in display order (depth-first), each with ``depth`` set."""
    rows = list(evaluation.indicators.all().order_by("sort_order", "code"))
    children: dict[int | None, list[EvaluationIndicator]] = defaultdict(list)
    for row in rows:
        children[row.parent_id].append(row)
    ordered: list[EvaluationIndicator] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for row in children.get(parent_id, []):
            row.depth = depth  # type: ignore[attr-defined]
            ordered.append(row)
            walk(row.pk, depth + 1)

    walk(None, 0)
    return ordered


def participating_evaluator_ids(evaluation: Evaluation) -> list[int]:
    return list(evaluation.declarations.filter(has_conflict=False).values_list("evaluator_id", flat=True))


@dataclass
class SurveySummary:
    tokens: int
    answered: int
    question_means: dict[str, Decimal | None]
    overall_mean: Decimal | None
    comments: list[str] = field(default_factory=list)

    @property
    def response_rate(self) -> Decimal | None:
        if not self.tokens:
            return None
        return quantise(Decimal(self.answered * 100) / self.tokens)


def survey_summary(evaluation: Evaluation, *, with_comments: bool = False) -> SurveySummary:
    """Aggregated, anonymous: counts, the mean of each question, the mean of all answers."""
    token_counts = SurveyToken.objects.filter(evaluation=evaluation).aggregate(
        total=Count("pk"), used=Count("pk", filter=Q(used_at__isnull=False))
    )
    responses = list(
        SurveyResponse.objects.filter(evaluation=evaluation).values(*SurveyResponse.QUESTIONS, "comment")
    )
    question_means = {q: mean(Decimal(r[q]) for r in responses) for q in SurveyResponse.QUESTIONS}
    everything = [Decimal(r[q]) for r in responses for q in SurveyResponse.QUESTIONS]
    comments = sorted((r["comment"] for r in responses if r["comment"]), key=str) if with_comments else []
    return SurveySummary(
        tokens=token_counts["total"],
        answered=len(responses),
        question_means=question_means,
        overall_mean=mean(everything),
        comments=comments,
    )


def leaf_scores(evaluation: Evaluation, *, survey: SurveySummary | None = None) -> dict[int, Decimal | None]:
    """The combined score of every leaf (None where it has none yet).

    Evidence leaves: the mean of the participating evaluators' scores, or the lead's own score when
    the evaluation is set to the lead's consolidation. Survey leaves: the mean satisfaction mapped
    to the leaf's weight (``grades.survey_leaf_score``)."""
    leaves = list(evaluation.indicators.filter(is_leaf=True))
    participants = set(participating_evaluator_ids(evaluation))
    by_leaf: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for s in Score.objects.filter(indicator__evaluation=evaluation).values(
        "indicator_id", "evaluator_id", "value"
    ):
        if s["evaluator_id"] in participants:
            by_leaf[s["indicator_id"]][s["evaluator_id"]] = s["value"]
    overall: Decimal | None = None
    if any(leaf.kind == IndicatorKind.SURVEY for leaf in leaves):
        overall = (survey or survey_summary(evaluation)).overall_mean
    result: dict[int, Decimal | None] = {}
    for leaf in leaves:
        if leaf.kind == IndicatorKind.SURVEY:
            result[leaf.pk] = survey_leaf_score(mean_satisfaction=overall, weight=leaf.weight)
        elif evaluation.aggregation == Aggregation.LEAD:
            value = by_leaf[leaf.pk].get(evaluation.lead_evaluator_id or -1)
            result[leaf.pk] = quantise(value) if value is not None else None
        else:
            result[leaf.pk] = mean(by_leaf[leaf.pk].values())
    return result


def total_score(scores: dict[int, Decimal | None]) -> Decimal | None:
    if any(v is None for v in scores.values()) or not scores:
        return None
    return quantise(sum((v for v in scores.values() if v is not None), Decimal(0)))


def subtotals(
    tree: list[EvaluationIndicator], scores: dict[int, Decimal | None]
) -> dict[int, Decimal | None]:
    """Each indicator's score: a leaf's own, an inner node's the sum of its leaves' (None if any is missing)."""
    by_parent: dict[int | None, list[EvaluationIndicator]] = defaultdict(list)
    for row in tree:
        by_parent[row.parent_id].append(row)
    out: dict[int, Decimal | None] = {}

    def value(row: EvaluationIndicator) -> Decimal | None:
        if row.is_leaf:
            out[row.pk] = scores.get(row.pk)
            return out[row.pk]
        parts = [value(child) for child in by_parent[row.pk]]
        out[row.pk] = (
            None
            if any(p is None for p in parts)
            else quantise(sum((p for p in parts if p is not None), Decimal(0)))
        )
        return out[row.pk]

    for root in by_parent[None]:
        value(root)
    return out


def my_scores(evaluation: Evaluation, user: Any) -> dict[int, Score]:
    return {s.indicator_id: s for s in Score.objects.filter(indicator__evaluation=evaluation, evaluator=user)}


def grade_distribution(
    *, year: int | None = None, category_id: int | None = None, department_id: int | None = None
) -> list[dict[str, Any]]:
    """Published results per grade (优 良 中 差), with counts and bar widths in percent."""
    qs = Evaluation.objects.filter(status__in=PUBLIC_STATUSES).exclude(grade="")
    if year:
        qs = qs.filter(published_at__year=year)
    if category_id:
        qs = qs.filter(category_id=category_id)
    if department_id:
        qs = qs.filter(department_id=department_id)
    counts = dict(qs.values_list("grade").annotate(n=Count("pk")).values_list("grade", "n"))
    top = max(counts.values(), default=0)
    return [
        {
            "grade": g,
            "label": g.label,
            "count": counts.get(g.value, 0),
            "percent": (counts.get(g.value, 0) * 100 // top) if top else 0,
        }
        for g in GRADE_ORDER
    ]


def status_counts() -> list[dict[str, Any]]:
    counts = dict(Evaluation.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    from evaluation.models import EvaluationStatus

    return [{"status": s, "label": s.label, "count": counts.get(s.value, 0)} for s in EvaluationStatus]


def performance_records_for(organisation_id: int) -> QuerySet[PerformanceRecord]:
    return PerformanceRecord.objects.filter(organisation_id=organisation_id).select_related(
        "evaluation", "evaluation__department", "evaluation__category"
    )


def indicator_templates() -> QuerySet[IndicatorTemplate]:
    """Every indicator system with its number of indicators and of evaluations that copied it."""
    return IndicatorTemplate.objects.annotate(
        indicator_count=Count("indicators", distinct=True),
        evaluation_count=Count("evaluations", distinct=True),
    ).order_by("-active", "name", "-version")


PROFILE_LIMIT = 50


def profile_section(organisation: Any) -> dict[str, Any]:
    """The organisation's published grades for its public profile (``vendors.profile``): contract,
    year, kind, score, grade, state, newest first, at most ``PROFILE_LIMIT``; one query."""
    rows = list(
        Evaluation.objects.filter(organisation_id=organisation.pk, status__in=PUBLIC_STATUSES)
        .select_related("contract")
        .only("id", "title", "kind", "status", "score", "grade", "published_at", "contract__number")
        .order_by("-published_at", "-id")[: PROFILE_LIMIT + 1]
    )
    return {"evaluations": rows[:PROFILE_LIMIT], "more": len(rows) > PROFILE_LIMIT}


def open_suspension_proposals() -> QuerySet[SuspensionProposal]:
    return SuspensionProposal.objects.select_related("organisation", "evaluation").order_by(
        "status", "-created_at"
    )


def commissionable_contracts(department_id: int) -> QuerySet[Any]:
    """The department's signed contracts, with their evaluations, for the commissioning page."""
    from django.db.models import Prefetch

    from procurement.models import Contract

    return (
        Contract.objects.filter(department_id=department_id, status__in=["signed", "published"])
        .select_related("tender", "organisation")
        .prefetch_related(
            Prefetch(
                "performance_evaluations",
                queryset=Evaluation.objects.select_related("evaluator_organisation").order_by(
                    "commissioned_at"
                ),
            )
        )
        .order_by("term_end")
    )
