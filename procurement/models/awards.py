"""Award (定标), challenges (质疑) and complaints (投诉).

Time limits (DOMAIN.md): confirmation within 5 working days of the report, announcement and
notices within 2 working days of confirmation; a challenge within 7 working days of the
announcement, answered within 7 working days; a complaint within 15 working days of the reply;
the contract signed within 30 days of the award notice. The dates are computed by the services
with ``procurement.calendar`` and stored here so the deadlines board can read them.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition


class AwardStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed, to be announced")
    ANNOUNCED = "announced", _("Announced (challenge period)")
    CONTRACTED = "contracted", _("Contract signed")
    RESCINDED = "rescinded", _("Rescinded")


class Award(FSMModelMixin, models.Model):
    """The purchaser's confirmation of the winning bid (定标)."""

    tender = models.ForeignKey("procurement.Tender", on_delete=models.PROTECT, related_name="awards")
    report = models.ForeignKey(
        "procurement.EvaluationReport", on_delete=models.PROTECT, related_name="awards"
    )
    bid = models.ForeignKey("procurement.Bid", on_delete=models.PROTECT, related_name="awards")
    rank = models.PositiveSmallIntegerField(_("rank in the report"))
    price = models.DecimalField(_("winning price (yuan)"), max_digits=14, decimal_places=2)
    total_score = models.DecimalField(_("total score"), max_digits=6, decimal_places=2)
    deviation_reason = models.TextField(
        _("legal reason for not awarding the first-ranked bid"),
        blank=True,
        help_text=_("Required when the award goes to a bid other than the first-ranked."),
    )
    status = FSMField(_("status"), default=AwardStatus.CONFIRMED, choices=AwardStatus.choices, protected=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed at"))
    confirmation_on_time = models.BooleanField(_("confirmed within 5 working days"), default=True)
    announcement_due = models.DateField(_("announce by"))
    announced_at = models.DateTimeField(_("announced at"), null=True, blank=True, editable=False)
    announced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    announcement: Any = models.JSONField(_("announcement"), default=dict, editable=False)
    challenge_until = models.DateField(_("challenges accepted until"), null=True, blank=True, editable=False)
    signing_due = models.DateField(_("contract signed by"), null=True, blank=True, editable=False)
    rescinded_at = models.DateTimeField(_("rescinded at"), null=True, blank=True, editable=False)
    rescind_reason = models.TextField(_("reason for rescinding"), blank=True, editable=False)
    calendar_warnings = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["tender", "-confirmed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tender"],
                condition=~Q(status="rescinded"),
                name="award_one_live_per_tender",
            ),
            models.CheckConstraint(
                condition=Q(rank=1) | ~Q(deviation_reason=""), name="award_deviation_reasoned"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tender.reference} → {self.bid.organisation}"

    @property
    def department_id(self) -> int:
        return self.tender.department_id

    @property
    def organisation_id(self) -> int:
        return self.bid.organisation_id

    @transition(field=status, source=AwardStatus.CONFIRMED, target=AwardStatus.ANNOUNCED)
    def announce(self, *, by: Any, content: dict[str, Any], challenge_until: Any, signing_due: Any) -> None:
        """The award announcement (中标公告, naming the experts) and the notices are published, within
        2 working days of confirmation (实施条例 Art. 43); the challenge period starts."""
        self.announced_at = timezone.now()
        self.announced_by = by
        self.announcement = content
        self.challenge_until = challenge_until
        self.signing_due = signing_due

    @transition(field=status, source=AwardStatus.ANNOUNCED, target=AwardStatus.CONTRACTED)
    def mark_contracted(self) -> None:
        """The contract was signed by both sides; the service refuses while a challenge is pending."""

    @transition(
        field=status, source=[AwardStatus.CONFIRMED, AwardStatus.ANNOUNCED], target=AwardStatus.RESCINDED
    )
    def rescind(self, *, reason: str) -> None:
        """An upheld challenge (or the winner declining) undoes the award; the reason is recorded."""
        self.rescinded_at = timezone.now()
        self.rescind_reason = reason


class ChallengeStatus(models.TextChoices):
    PENDING = "pending", _("Pending reply")
    DISMISSED = "dismissed", _("Dismissed")
    UPHELD_REEVALUATION = "upheld_reevaluation", _("Upheld: re-evaluation")
    UPHELD_NEW_AWARD = "upheld_new_award", _("Upheld: new award")
    UPHELD_FAILED = "upheld_failed", _("Upheld: tender failed")
    CLOSED = "closed", _("Closed: tender cancelled")


def challenge_document_path(instance: Challenge, filename: str) -> str:
    # Private, never the uploaded name in the path (served only through a permission-checked view).
    return f"private/challenges/{instance.tender_id}/{uuid.uuid4().hex}"


class Challenge(FSMModelMixin, models.Model):
    """A bidder's challenge (质疑) to the award, within 7 working days of the announcement
    (政府采购法 Art. 52); the purchaser answers within 7 working days (Art. 53). While pending it
    suspends contract signing."""

    tender = models.ForeignKey("procurement.Tender", on_delete=models.PROTECT, related_name="challenges")
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="challenges")
    organisation = models.ForeignKey("vendors.Organisation", on_delete=models.PROTECT, related_name="+")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed at"))
    grounds = models.TextField(_("grounds"))
    document = models.FileField(
        _("supporting document"), upload_to=challenge_document_path, blank=True, max_length=300
    )
    document_name = models.CharField(_("file name"), max_length=200, blank=True)
    reply_due = models.DateField(_("reply due"))
    status = FSMField(
        _("status"), default=ChallengeStatus.PENDING, choices=ChallengeStatus.choices, protected=True
    )
    reply = models.TextField(_("reply"), blank=True, editable=False)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True, editable=False)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    complaint_until = models.DateField(_("complaint possible until"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        ordering = ["-filed_at"]

    def __str__(self) -> str:
        return f"{self.tender.reference}: {self.organisation}"

    @property
    def department_id(self) -> int:
        return self.tender.department_id

    @property
    def is_pending(self) -> bool:
        return self.status == ChallengeStatus.PENDING

    def _answer(self, *, by: Any, reply: str, complaint_until: Any) -> None:
        self.reply = reply
        self.replied_by = by
        self.replied_at = timezone.now()
        self.complaint_until = complaint_until

    @transition(field=status, source=ChallengeStatus.PENDING, target=ChallengeStatus.DISMISSED)
    def dismiss(self, *, by: Any, reply: str, complaint_until: Any) -> None:
        """The purchaser finds the challenge unfounded and answers with reasons; the award stands."""
        self._answer(by=by, reply=reply, complaint_until=complaint_until)

    @transition(field=status, source=ChallengeStatus.PENDING, target=ChallengeStatus.UPHELD_REEVALUATION)
    def uphold_with_reevaluation(self, *, by: Any, reply: str, complaint_until: Any) -> None:
        """Upheld: the award is rescinded and the committee evaluates again (实施条例 Art. 44)."""
        self._answer(by=by, reply=reply, complaint_until=complaint_until)

    @transition(field=status, source=ChallengeStatus.PENDING, target=ChallengeStatus.UPHELD_NEW_AWARD)
    def uphold_with_new_award(self, *, by: Any, reply: str, complaint_until: Any) -> None:
        """Upheld: the award is rescinded and another qualified bid from the report is awarded."""
        self._answer(by=by, reply=reply, complaint_until=complaint_until)

    @transition(field=status, source=ChallengeStatus.PENDING, target=ChallengeStatus.UPHELD_FAILED)
    def uphold_with_failure(self, *, by: Any, reply: str, complaint_until: Any) -> None:
        """Upheld: no lawful award remains and the tender fails (废标)."""
        self._answer(by=by, reply=reply, complaint_until=complaint_until)

    @transition(field=status, source=ChallengeStatus.PENDING, target=ChallengeStatus.CLOSED)
    def close_for_cancellation(self, *, by: Any, reply: str) -> None:
        """The tender was cancelled before the reply: nothing is left to decide; the reply is the
        cancellation's published reason."""
        self._answer(by=by, reply=reply, complaint_until=None)


class ComplaintStatus(models.TextChoices):
    FILED = "filed", _("Filed with the finance department")
    DECIDED = "decided", _("Decided")


class Complaint(FSMModelMixin, models.Model):
    """A complaint (投诉) to the finance department after a challenge reply (政府采购法 Art. 55).
    The platform records it and the department's decision; it does not run the proceedings."""

    class Outcome(models.TextChoices):
        REJECTED = "rejected", _("Rejected")
        UPHELD = "upheld", _("Upheld")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="complaints")
    authority = models.CharField(_("finance department"), max_length=200)
    filed_at = models.DateTimeField(_("filed at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    grounds = models.TextField(_("grounds"))
    status = FSMField(
        _("status"), default=ComplaintStatus.FILED, choices=ComplaintStatus.choices, protected=True
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, blank=True, editable=False
    )
    decision = models.TextField(_("decision"), blank=True, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-filed_at"]

    def __str__(self) -> str:
        return f"{self.challenge}: {self.authority}"

    @transition(field=status, source=ComplaintStatus.FILED, target=ComplaintStatus.DECIDED)
    def decide(self, *, outcome: str, decision: str) -> None:
        """The finance department's decision is recorded as it was given."""
        self.outcome = outcome
        self.decision = decision
        self.decided_at = timezone.now()
