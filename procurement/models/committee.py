"""The expert pool's specialities and relations, the evaluation committee (评标委员会), its members'
conflict declarations and scores, and the evaluation report (评标报告).

The draw itself is pure (``procurement.committee``); the services in
``procurement.services.committee`` and ``procurement.services.scoring`` run it and the workflow.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

# 实施条例 Art. 9: relations within the last 3 years count.
RELATION_LOOKBACK_YEARS = 3


class ExpertSpeciality(models.Model):
    """A service category an expert is qualified to evaluate (the draw's first filter)."""

    expert = models.ForeignKey(
        "accounts.ExpertProfile", on_delete=models.CASCADE, related_name="specialities"
    )
    category = models.ForeignKey("vendors.ServiceCategory", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("expert speciality")
        verbose_name_plural = _("expert specialities")
        constraints = [models.UniqueConstraint(fields=["expert", "category"], name="expert_speciality_once")]

    def __str__(self) -> str:
        return f"{self.expert} — {self.category}"


class ExpertRelation(models.Model):
    """A declared relation that disqualifies the expert from evaluating an organisation's bid
    (实施条例 Art. 9): employment, office, control, or close kinship with its legal representative."""

    class Kind(models.TextChoices):
        EMPLOYEE = "employee", _("Employee")
        DIRECTOR = "director", _("Director or supervisor")
        CONTROLLER = "controller", _("Controlling shareholder or controller")
        KIN = "kin", _("Close kin of the legal representative")
        OTHER = "other", _("Other interest")

    expert = models.ForeignKey("accounts.ExpertProfile", on_delete=models.CASCADE, related_name="relations")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    organisation = models.ForeignKey(
        "vendors.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    person_name = models.CharField(
        _("person"), max_length=100, blank=True, help_text=_("For kinship: the legal representative's name.")
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True, help_text=_("Empty while it lasts."))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("expert relation")
        verbose_name_plural = _("expert relations")
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | ~Q(person_name=""), name="expert_relation_has_party"
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} — {self.organisation or self.person_name} ({self.get_kind_display()})"

    def is_current(self, today: dt.date | None = None) -> bool:
        """Counts while it lasts and for 3 years after it ended."""
        today = today or timezone.localdate()
        if self.ended_on is None:
            return True
        try:
            cutoff = today.replace(year=today.year - RELATION_LOOKBACK_YEARS)
        except ValueError:  # 29 February
            cutoff = today.replace(year=today.year - RELATION_LOOKBACK_YEARS, day=28)
        return self.ended_on >= cutoff


class CommitteeStatus(models.TextChoices):
    FORMING = "forming", _("Forming (members confirming)")
    SCORING = "scoring", _("Scoring")
    REPORTED = "reported", _("Report submitted")
    SUPERSEDED = "superseded", _("Superseded")
    CLOSED = "closed", _("Closed (tender cancelled)")


class Committee(FSMModelMixin, models.Model):
    """One evaluation committee of a tender. A re-evaluation after an upheld challenge starts a new
    round on the same draw; the previous round's committee is kept as ``superseded``."""

    tender = models.ForeignKey("procurement.Tender", on_delete=models.PROTECT, related_name="committees")
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    size = models.PositiveSmallIntegerField(_("members"))
    is_complex = models.BooleanField(_("complex project"), default=False)
    status = FSMField(
        _("status"), default=CommitteeStatus.FORMING, choices=CommitteeStatus.choices, protected=True
    )
    # The draw, recorded so anyone can re-run it (see procurement.committee).
    draws = models.JSONField(
        _("draws"),
        default=list,
        editable=False,
        help_text=_("Each draw: seed, sorted candidate ids, excluded experts with reasons, drawn ids."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    scoring_started_at = models.DateTimeField(_("scoring started at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("evaluation committee")
        verbose_name_plural = _("evaluation committees")
        ordering = ["tender", "-round"]
        constraints = [models.UniqueConstraint(fields=["tender", "round"], name="committee_round_once")]

    def __str__(self) -> str:
        return f"{self.tender.reference} #{self.round}"

    @transition(field=status, source=CommitteeStatus.FORMING, target=CommitteeStatus.SCORING)
    def start_scoring(self) -> None:
        """Every member (the full lawful size) accepted and declared no conflict; bids become visible."""
        self.scoring_started_at = timezone.now()

    @transition(field=status, source=CommitteeStatus.SCORING, target=CommitteeStatus.REPORTED)
    def close_with_report(self) -> None:
        """Every member submitted scores and the leader submitted the evaluation report."""

    @transition(
        field=status,
        source=[CommitteeStatus.FORMING, CommitteeStatus.SCORING, CommitteeStatus.REPORTED],
        target=CommitteeStatus.SUPERSEDED,
    )
    def supersede(self) -> None:
        """A new round replaces this one (re-evaluation after an upheld challenge)."""

    @transition(
        field=status, source=[CommitteeStatus.FORMING, CommitteeStatus.SCORING], target=CommitteeStatus.CLOSED
    )
    def close(self) -> None:
        """The tender was cancelled while the committee was forming or scoring: it ends here."""


class MemberStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    DECLINED = "declined", _("Declined")
    DECLARED = "declared", _("Accepted, no conflict declared")
    SUBMITTED = "submitted", _("Scores submitted")


class CommitteeMember(FSMModelMixin, models.Model):
    class Kind(models.TextChoices):
        EXPERT = "expert", _("Expert (drawn)")
        PURCHASER = "purchaser", _("Purchaser representative")

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="committee_seats"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.EXPERT)
    is_leader = models.BooleanField(_("committee leader"), default=False)
    status = FSMField(_("status"), default=MemberStatus.INVITED, choices=MemberStatus.choices, protected=True)
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True, editable=False)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by", editable=False
    )
    scores_submitted_at = models.DateTimeField(
        _("scores submitted at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["committee", "-is_leader", "id"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "user"], name="committee_member_once"),
            models.UniqueConstraint(
                fields=["committee"], condition=Q(is_leader=True), name="committee_one_leader"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.committee}"

    @property
    def is_active(self) -> bool:
        return self.status != MemberStatus.DECLINED

    @transition(field=status, source=MemberStatus.INVITED, target=MemberStatus.DECLARED)
    def declare_no_conflict(self) -> None:
        """The member accepts and declares no conflict before seeing any bid (实施条例 Art. 9)."""

    @transition(field=status, source=MemberStatus.INVITED, target=MemberStatus.DECLINED)
    def decline(self, *, reason: str) -> None:
        """The member declines (or declares a conflict); the service draws a replacement."""
        self.decline_reason = reason

    @transition(field=status, source=MemberStatus.DECLARED, target=MemberStatus.SUBMITTED)
    def submit_scores(self) -> None:
        """The member scored every qualified bid on every criterion; the scores are final."""
        self.scores_submitted_at = timezone.now()


class ConflictDeclaration(models.Model):
    """The member's signed statement (回避声明), made before any bid is visible to them."""

    member = models.OneToOneField(CommitteeMember, on_delete=models.CASCADE, related_name="declaration")
    has_conflict = models.BooleanField(_("has a conflict"))
    statement = models.TextField(_("statement"))
    bidders_shown = models.JSONField(
        _("bidders named"), default=list, help_text=_("Organisation names only.")
    )
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)

    class Meta:
        verbose_name = _("conflict declaration")
        verbose_name_plural = _("conflict declarations")

    def __str__(self) -> str:
        return f"{self.member}: {'conflict' if self.has_conflict else 'no conflict'}"


class Score(models.Model):
    """One member's points for one bid on one criterion, bounded by the criterion's maximum."""

    member = models.ForeignKey(CommitteeMember, on_delete=models.CASCADE, related_name="scores")
    bid = models.ForeignKey("procurement.Bid", on_delete=models.PROTECT, related_name="scores")
    criterion = models.ForeignKey("procurement.ScoringCriterion", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("comment"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["member", "bid", "criterion"], name="bid_score_once"),
            models.CheckConstraint(condition=Q(points__gte=0), name="bid_score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}/{self.bid_id}/{self.criterion_id}: {self.points}"


class EvaluationReport(models.Model):
    """The evaluation report (评标报告): the ranking and every member's scores, frozen at submission."""

    committee = models.OneToOneField(Committee, on_delete=models.PROTECT, related_name="report")
    tender = models.ForeignKey(
        "procurement.Tender", on_delete=models.PROTECT, related_name="evaluation_reports"
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"))
    summary = models.TextField(_("committee's conclusion"), blank=True)
    results: Any = models.JSONField(_("ranking and scores"), default=dict)
    confirmation_due = models.DateField(_("purchaser confirms by"))
    calendar_warnings = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("evaluation report")
        verbose_name_plural = _("evaluation reports")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.tender.reference} #{self.committee.round}"

    @property
    def ranking(self) -> list[dict[str, Any]]:
        return list(self.results.get("ranking", []))
