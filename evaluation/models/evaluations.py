"""An evaluation of one contract's performance by a third-party evaluator organisation."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from evaluation.grades import Grade
from evaluation.models.indicators import IndicatorKind, IndicatorNode


class EvaluationKind(models.TextChoices):
    MID_TERM = "mid_term", _("Mid-term evaluation (中期评价)")
    FINAL = "final", _("Final evaluation (末期评价)")


class Aggregation(models.TextChoices):
    MEAN = "mean", _("Mean of the evaluators' scores")
    LEAD = "lead", _("The lead evaluator's consolidated scores")


class EvaluationStatus(models.TextChoices):
    COMMISSIONED = "commissioned", _("Commissioned")
    CONFLICT_DECLARED = "conflict_declared", _("Declined: conflict of interest")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted for review")
    RETURNED = "returned", _("Returned for revision")
    PUBLISHED = "published", _("Published (appeal period)")
    APPEALED = "appealed", _("Under appeal")
    REOPENED = "reopened", _("Reopened after appeal")
    FINAL = "final", _("Final")


S = EvaluationStatus
# Statuses in which evaluators score, upload evidence and run the survey.
SCORING_STATUSES = frozenset({S.IN_PROGRESS, S.RETURNED, S.REOPENED})
# Statuses in which the result is public.
PUBLIC_STATUSES = frozenset({S.PUBLISHED, S.APPEALED, S.REOPENED, S.FINAL})


def _perm(name: str) -> Callable[[Any, Any], bool]:
    """Transition permissions delegate to the app's rules (evaluation/rules.py)."""

    def check(instance: Any, user: Any) -> bool:
        return bool(user.has_perm(name, instance))

    check.__name__ = f"perm_{name.replace('.', '_')}"
    return check


class Evaluation(FSMModelMixin, models.Model):
    """第三方绩效评价: commissioned by the purchasing department for a contract, carried out by an
    evaluator organisation against a copy of an indicator system, reviewed by the purchaser,
    published with its grade, open to the supplier's appeal, then final."""

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("project"), max_length=300)
    kind = models.CharField(
        _("kind"), max_length=10, choices=EvaluationKind.choices, default=EvaluationKind.FINAL
    )
    contract = models.ForeignKey(
        "procurement.Contract",
        verbose_name=_("contract"),
        null=True,  # the service always sets it; null only keeps the column addable to existing rows
        on_delete=models.PROTECT,
        related_name="performance_evaluations",
    )
    # The parties and category are copied from the contract at commissioning: the rules, the overview
    # and the performance record read them without joining through procurement.
    organisation = models.ForeignKey(
        "vendors.Organisation",
        verbose_name=_("evaluated organisation"),
        on_delete=models.PROTECT,
        related_name="performance_evaluations",
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("purchasing department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        "vendors.ServiceCategory",
        verbose_name=_("service category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    evaluator_organisation = models.ForeignKey(
        "accounts.EvaluatorOrganisation",
        verbose_name=_("evaluator organisation"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    template = models.ForeignKey(
        "evaluation.IndicatorTemplate",
        verbose_name=_("indicator system"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    aggregation = models.CharField(
        _("combining evaluators' scores"),
        max_length=10,
        choices=Aggregation.choices,
        default=Aggregation.MEAN,
    )
    lead_evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead evaluator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = FSMField(
        _("status"), max_length=20, choices=EvaluationStatus.choices, default=S.COMMISSIONED, protected=True
    )
    due_date = models.DateField(_("report due"), null=True, blank=True)
    commissioned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    commissioned_at = models.DateTimeField(_("commissioned at"), default=timezone.now)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    report = models.TextField(_("evaluation report"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    return_comment = models.TextField(_("purchaser's comments"), blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    appeal_deadline = models.DateField(_("appeals until"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("final since"), null=True, blank=True)

    class Meta:
        verbose_name = _("performance evaluation")
        verbose_name_plural = _("performance evaluations")
        ordering = ["-commissioned_at"]
        indexes = [models.Index(fields=["status"], name="evaluation_status")]
        permissions = []

    def __str__(self) -> str:
        return f"{self.title} · {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("evaluation:detail", args=[self.pk])

    # --- conditions (pure reads) ------------------------------------------------------------
    def has_declared_evaluator(self: Any) -> bool:
        return self.declarations.filter(has_conflict=False).exists()

    def is_complete(self: Any) -> bool:
        """Every leaf has a combined score (see ``evaluation.selectors.leaf_scores``)."""
        from evaluation.selectors import leaf_scores

        return all(value is not None for value in leaf_scores(self).values())

    def is_within_appeal_period(self: Any) -> bool:
        return self.appeal_deadline is not None and timezone.localdate() <= self.appeal_deadline

    def is_appeal_period_over(self: Any) -> bool:
        return self.appeal_deadline is not None and timezone.localdate() > self.appeal_deadline

    # --- transitions (each touches only this row; the services do the rest) ---------------------
    @transition(
        field=status, source=S.COMMISSIONED, target=S.IN_PROGRESS, conditions=[has_declared_evaluator]
    )
    def start(self) -> None:
        """Scoring starts once an evaluator has declared that they have no conflict of interest."""

    @transition(
        field=status,
        source=[S.COMMISSIONED, S.IN_PROGRESS],
        target=S.CONFLICT_DECLARED,
        permission=_perm("evaluation.declare_conflict"),
    )
    def decline(self, *, reason: str) -> None:
        """The evaluator organisation declines for a conflict of interest before submitting; the
        purchaser commissions another organisation."""
        self.decline_reason = reason

    @transition(
        field=status,
        source=[S.IN_PROGRESS, S.RETURNED, S.REOPENED],
        target=S.SUBMITTED,
        conditions=[is_complete],
        permission=_perm("evaluation.submit"),
    )
    def submit(self, *, score: Decimal, grade: str, report: str, at: dt.datetime) -> None:
        """The evaluator submits once every leaf is scored; the score and grade are fixed with it."""
        self.score, self.grade, self.report, self.submitted_at = score, grade, report, at

    @transition(field=status, source=S.SUBMITTED, target=S.RETURNED, permission=_perm("evaluation.review"))
    def return_for_revision(self, *, comment: str) -> None:
        """The purchaser returns the report with comments; the evaluator revises and resubmits."""
        self.return_comment = comment

    @transition(field=status, source=S.SUBMITTED, target=S.PUBLISHED, permission=_perm("evaluation.review"))
    def accept(self, *, at: dt.datetime, appeal_deadline: dt.date) -> None:
        """The purchaser accepts: score, grade and report are published and the appeal period opens."""
        self.published_at, self.appeal_deadline, self.return_comment = at, appeal_deadline, ""

    @transition(
        field=status,
        source=S.PUBLISHED,
        target=S.APPEALED,
        conditions=[is_within_appeal_period],
        permission=_perm("evaluation.appeal"),
    )
    def appeal(self) -> None:
        """The supplier appeals within the appeal period (working days, a setting)."""

    @transition(
        field=status, source=S.APPEALED, target=S.REOPENED, permission=_perm("evaluation.answer_appeal")
    )
    def uphold_appeal(self) -> None:
        """The evaluator upholds the appeal: scoring reopens, the result must be resubmitted and accepted."""
        self.appeal_deadline = None

    @transition(field=status, source=S.APPEALED, target=S.FINAL, permission=_perm("evaluation.answer_appeal"))
    def dismiss_appeal(self, *, at: dt.datetime) -> None:
        """The evaluator dismisses the appeal with reasons: the published result becomes final."""
        self.finalised_at = at

    @transition(field=status, source=S.PUBLISHED, target=S.FINAL, conditions=[is_appeal_period_over])
    def finalise(self, *, at: dt.datetime) -> None:
        """No appeal within the period: the published result becomes final (run by the daily task)."""
        self.finalised_at = at

    @property
    def is_scoring_open(self) -> bool:
        return self.status in SCORING_STATUSES

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES


class EvaluationIndicator(IndicatorNode):
    """The evaluation's own copy of its template's indicator, so later template edits never change it.
    ``score`` is the combined score, fixed at submission."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="indicators")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    source = models.ForeignKey(
        "evaluation.Indicator", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_leaf = models.BooleanField(default=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta(IndicatorNode.Meta):
        verbose_name = _("evaluation indicator")
        verbose_name_plural = _("evaluation indicators")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "code"], name="evaluation_indicator_code_once")
        ]

    @property
    def is_survey(self) -> bool:
        return self.is_leaf and self.kind == IndicatorKind.SURVEY


class ConflictDeclaration(models.Model):
    """利益冲突声明: every evaluator declares before scoring; a declared conflict excludes the person."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="declarations")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    has_conflict = models.BooleanField(_("I have a conflict of interest"))
    statement = models.TextField(_("statement"), blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("conflict declaration")
        verbose_name_plural = _("conflict declarations")
        constraints = [models.UniqueConstraint(fields=["evaluation", "evaluator"], name="declaration_once")]

    def __str__(self) -> str:
        return f"{self.evaluator_id}: {'conflict' if self.has_conflict else 'no conflict'}"


class Score(models.Model):
    """One evaluator's score for one evidence-scored leaf."""

    indicator = models.ForeignKey(EvaluationIndicator, on_delete=models.CASCADE, related_name="scores")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "evaluator"], name="score_once"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.value}"


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"private/evaluation/{instance.indicator.evaluation_id}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """A document, photo or record supporting a leaf's score; served only through a checked view."""

    indicator = models.ForeignKey(EvaluationIndicator, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.name


class Appeal(models.Model):
    """申诉: the supplier's appeal against a published result and the evaluator's answer."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Awaiting answer")
        UPHELD = "upheld", _("Upheld: scoring reopened")
        DISMISSED = "dismissed", _("Dismissed")

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="appeals")
    grounds = models.TextField(_("grounds"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation"], condition=models.Q(outcome="pending"), name="one_pending_appeal"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_outcome_display()}"
