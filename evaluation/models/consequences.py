"""What a final result sets off, each exactly once: the final instalment, the performance record,
and for 差 a proposal to suspend the organisation's directory qualification."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from evaluation.grades import Grade


class ConsequenceRecord(models.Model):
    """The unique (evaluation, kind) row is the idempotency key: a retry finds it and does nothing."""

    class Kind(models.TextChoices):
        FINAL_INSTALMENT = "final_instalment", _("Final instalment")
        PERFORMANCE_RECORD = "performance_record", _("Performance record")
        SUSPENSION_PROPOSAL = "suspension_proposal", _("Suspension proposal")

    class Outcome(models.TextChoices):
        RELEASE = "release", _("Released")
        HOLD = "hold", _("Held")
        RECORDED = "recorded", _("Recorded")
        PROPOSED = "proposed", _("Proposed")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    evaluation = models.ForeignKey(
        "evaluation.Evaluation", on_delete=models.PROTECT, related_name="consequences"
    )
    kind = models.CharField(_("consequence"), max_length=30, choices=Kind.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    delivered = models.BooleanField(
        _("passed on"),
        default=False,
        help_text=_("Whether the responsible application has carried it out (false: recorded here only)."),
    )
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consequence")
        verbose_name_plural = _("consequences")
        constraints = [models.UniqueConstraint(fields=["evaluation", "kind"], name="consequence_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_outcome_display()}"


class PerformanceRecord(models.Model):
    """履约评价记录: an organisation's final grades, shown on its public profile and available to later
    tenders as a scoring factor."""

    organisation = models.ForeignKey(
        "vendors.Organisation", on_delete=models.PROTECT, related_name="performance_records"
    )
    evaluation = models.OneToOneField(
        "evaluation.Evaluation", on_delete=models.PROTECT, related_name="performance_record"
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("performance record")
        verbose_name_plural = _("performance records")
        ordering = ["-year", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.year} {self.get_grade_display()}"


class SuspensionProposal(FSMModelMixin, models.Model):
    """A 差 grade proposes suspending the organisation's directory qualification for a year; a
    directory administrator confirms (a new directory version) or rejects it with a reason."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    organisation = models.ForeignKey(
        "vendors.Organisation", on_delete=models.PROTECT, related_name="suspension_proposals"
    )
    evaluation = models.OneToOneField(
        "evaluation.Evaluation", on_delete=models.PROTECT, related_name="suspension_proposal"
    )
    months = models.PositiveSmallIntegerField(_("months"), default=12)
    status = FSMField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED, protected=True
    )
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    delivered = models.BooleanField(default=False)
    suspended_until = models.DateField(_("suspended until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("suspension proposal")
        verbose_name_plural = _("suspension proposals")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.get_status_display()}"

    @transition(field=status, source=Status.PROPOSED, target=Status.CONFIRMED)
    def confirm(self, *, by: Any, at: Any, reason: str = "") -> None:
        """A directory administrator confirms: the organisation is suspended from the directory."""
        self.decided_by, self.decided_at, self.reason = by, at, reason

    @transition(field=status, source=Status.PROPOSED, target=Status.REJECTED)
    def reject(self, *, by: Any, at: Any, reason: str) -> None:
        """A directory administrator rejects the proposal, giving a reason."""
        self.decided_by, self.decided_at, self.reason = by, at, reason
