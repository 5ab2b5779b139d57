"""Contracts (合同), their versions, milestones, instalments, progress reports and payments.

A contract is drafted from the award: value = the winning price; milestones with instalments whose
percentages sum to 100 % and whose amounts sum exactly to the value (the last instalment takes the
rounding remainder); the final instalment is held until the third-party performance evaluation
releases it (``procurement.services.contracts.contract_release_final_instalment``).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (awaiting signatures)")
    SIGNED = "signed", _("Signed")
    PUBLISHED = "published", _("Signed and published")
    TERMINATED = "terminated", _("Terminated")
    VOIDED = "voided", _("Void (award rescinded before signing)")


class Contract(FSMModelMixin, models.Model):
    """The service contract between the purchasing department and the winning organisation."""

    tender = models.ForeignKey("procurement.Tender", on_delete=models.PROTECT, related_name="contracts")
    award = models.OneToOneField("procurement.Award", on_delete=models.PROTECT, related_name="contract")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="contracts")
    organisation = models.ForeignKey(
        "vendors.Organisation", on_delete=models.PROTECT, related_name="contracts"
    )
    number = models.CharField(_("contract number"), max_length=40, unique=True)
    value = models.DecimalField(_("contract value (yuan)"), max_digits=14, decimal_places=2)
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"))
    service_content = models.TextField(_("service content"))
    status = FSMField(
        _("status"), default=ContractStatus.DRAFT, choices=ContractStatus.choices, protected=True
    )
    purchaser_signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    purchaser_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    purchaser_signed_hash = models.CharField(max_length=64, blank=True, editable=False)
    supplier_signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    supplier_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    supplier_signed_hash = models.CharField(max_length=64, blank=True, editable=False)
    eligibility_at_signing: Any = models.JSONField(default=dict, blank=True, editable=False)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True, editable=False)
    publication_due = models.DateField(_("publish by"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    terminated_at = models.DateTimeField(_("terminated at"), null=True, blank=True, editable=False)
    termination_reason = models.TextField(_("reason for termination"), blank=True, editable=False)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True, editable=False)
    void_reason = models.TextField(_("reason the draft was voided"), blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gt=0), name="contract_value_positive"),
            models.CheckConstraint(
                condition=Q(term_end__gte=models.F("term_start")), name="contract_term_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.organisation}"

    @property
    def current_version(self) -> ContractVersion | None:
        return self.versions.order_by("-number").first()

    def has_both_signatures(self: Any) -> bool:
        return bool(self.purchaser_signed_at and self.supplier_signed_at)

    @transition(
        field=status,
        source=ContractStatus.DRAFT,
        target=ContractStatus.SIGNED,
        conditions=[has_both_signatures],
    )
    def complete_signing(self) -> None:
        """Both sides confirmed the same contract text (its SHA-256 recorded with each signature);
        publication is due within 2 working days (实施条例 Art. 50)."""
        self.signed_at = timezone.now()

    @transition(field=status, source=ContractStatus.SIGNED, target=ContractStatus.PUBLISHED)
    def publish(self) -> None:
        """The signed contract is published (合同公告)."""
        self.published_at = timezone.now()

    @transition(
        field=status,
        source=[ContractStatus.SIGNED, ContractStatus.PUBLISHED],
        target=ContractStatus.TERMINATED,
    )
    def terminate(self, *, reason: str) -> None:
        """The contract ends early; the reason is recorded and published."""
        self.terminated_at = timezone.now()
        self.termination_reason = reason

    @transition(field=status, source=ContractStatus.DRAFT, target=ContractStatus.VOIDED)
    def void(self, *, reason: str) -> None:
        """The award it was drafted from was rescinded (an upheld challenge, the tender cancelled or
        failed) before both sides signed: the draft can no longer be signed. Kept for the record."""
        self.voided_at = timezone.now()
        self.void_reason = reason


class ContractVersion(models.Model):
    """The contract text. An amendment is a new version; earlier versions are never changed."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    text = models.TextField(_("contract text"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    reason = models.CharField(_("reason for the change"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract version")
        verbose_name_plural = _("contract versions")
        ordering = ["contract", "number"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="contract_version_once")]

    def __str__(self) -> str:
        return f"{self.contract.number} v{self.number}"


class MilestoneStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUBMITTED = "submitted", _("Progress report submitted")
    RETURNED = "returned", _("Returned for rework")
    ACCEPTED = "accepted", _("Accepted")


class Milestone(FSMModelMixin, models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="milestones")
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=200)
    deliverables = models.TextField(_("deliverables"))
    due_date = models.DateField(_("due date"))
    status = FSMField(
        _("status"), default=MilestoneStatus.PENDING, choices=MilestoneStatus.choices, protected=True
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["contract", "order"]
        constraints = [models.UniqueConstraint(fields=["contract", "order"], name="milestone_order_once")]

    def __str__(self) -> str:
        return f"{self.contract.number} #{self.order} {self.title}"

    @transition(
        field=status,
        source=[MilestoneStatus.PENDING, MilestoneStatus.RETURNED],
        target=MilestoneStatus.SUBMITTED,
    )
    def submit_report(self) -> None:
        """The supplier reports progress with evidence (a returned milestone may be reported again)."""

    @transition(field=status, source=MilestoneStatus.SUBMITTED, target=MilestoneStatus.ACCEPTED)
    def accept(self) -> None:
        """The purchaser accepts the deliverables; the milestone's instalment becomes payable."""
        self.accepted_at = timezone.now()

    @transition(field=status, source=MilestoneStatus.SUBMITTED, target=MilestoneStatus.RETURNED)
    def return_report(self) -> None:
        """The purchaser returns the report with a comment; the supplier reworks and reports again."""


class InstalmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held until the performance evaluation")
    DUE = "due", _("Due for payment")
    PAID = "paid", _("Paid")
    WITHHELD = "withheld", _("Withheld after the performance evaluation")


class Instalment(FSMModelMixin, models.Model):
    """A payment instalment (分期付款) as a share of the contract value."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="instalments")
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.PROTECT, related_name="instalments"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    percentage = models.DecimalField(_("share of the value (%)"), max_digits=5, decimal_places=2)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    is_final = models.BooleanField(_("final instalment (tied to the performance evaluation)"), default=False)
    status = FSMField(
        _("status"), default=InstalmentStatus.SCHEDULED, choices=InstalmentStatus.choices, protected=True
    )
    decision_reason = models.TextField(_("evaluation decision"), blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["contract", "order"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "order"], name="instalment_order_once"),
            models.UniqueConstraint(
                fields=["contract"], condition=Q(is_final=True), name="instalment_one_final"
            ),
            models.CheckConstraint(
                condition=Q(percentage__gt=0, percentage__lte=100), name="instalment_share_range"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="instalment_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} #{self.order} ¥{self.amount}"

    def paid_total(self) -> Decimal:
        if self.pk is None:  # nothing can have been paid on an unsaved instalment
            return Decimal("0.00")
        total: Decimal | None = self.payments.aggregate(s=models.Sum("amount"))["s"]
        return total or Decimal("0.00")

    def is_fully_paid(self: Any) -> bool:
        return bool(self.paid_total() >= self.amount)

    @transition(field=status, source=InstalmentStatus.SCHEDULED, target=InstalmentStatus.DUE)
    def make_due(self) -> None:
        """A non-final instalment falls due when its milestone is accepted."""

    @transition(field=status, source=InstalmentStatus.SCHEDULED, target=InstalmentStatus.HELD)
    def hold(self) -> None:
        """The final instalment's milestone is accepted; payment waits for the performance evaluation."""

    @transition(
        field=status, source=[InstalmentStatus.SCHEDULED, InstalmentStatus.HELD], target=InstalmentStatus.DUE
    )
    def release(self, *, reason: str) -> None:
        """The performance evaluation releases the final instalment (grade 优/良/中 by default)."""
        self.decision_reason = reason
        self.decided_at = timezone.now()

    @transition(
        field=status,
        source=[InstalmentStatus.SCHEDULED, InstalmentStatus.HELD],
        target=InstalmentStatus.WITHHELD,
    )
    def withhold(self, *, reason: str) -> None:
        """The performance evaluation holds the final instalment back (grade 差 by default)."""
        self.decision_reason = reason
        self.decided_at = timezone.now()

    @transition(
        field=status, source=InstalmentStatus.DUE, target=InstalmentStatus.PAID, conditions=[is_fully_paid]
    )
    def mark_paid(self) -> None:
        """The payments recorded against the instalment add up to its amount."""


def progress_evidence_path(instance: ProgressReport, filename: str) -> str:
    return f"private/contracts/{instance.milestone.contract_id}/evidence/{uuid.uuid4().hex}"


class ProgressReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class ProgressReport(FSMModelMixin, models.Model):
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="reports")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    text = models.TextField(_("progress"))
    evidence = models.FileField(_("evidence"), upload_to=progress_evidence_path, blank=True, max_length=300)
    evidence_name = models.CharField(_("file name"), max_length=200, blank=True)
    status = FSMField(
        _("status"),
        default=ProgressReportStatus.SUBMITTED,
        choices=ProgressReportStatus.choices,
        protected=True,
    )
    review_comment = models.TextField(_("purchaser's comment"), blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["milestone", "-submitted_at"]

    def __str__(self) -> str:
        return f"{self.milestone} @ {self.submitted_at:%Y-%m-%d}"

    @transition(field=status, source=ProgressReportStatus.SUBMITTED, target=ProgressReportStatus.ACCEPTED)
    def accept(self, *, by: Any, comment: str) -> None:
        """Accepted with the milestone."""
        self.reviewed_by, self.reviewed_at, self.review_comment = by, timezone.now(), comment

    @transition(field=status, source=ProgressReportStatus.SUBMITTED, target=ProgressReportStatus.RETURNED)
    def return_(self, *, by: Any, comment: str) -> None:
        """Returned with the purchaser's comment."""
        self.reviewed_by, self.reviewed_at, self.review_comment = by, timezone.now(), comment


class Payment(models.Model):
    """A payment made against an instalment (recorded by the purchaser; never more than is due)."""

    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["instalment", "paid_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")]

    def __str__(self) -> str:
        return f"¥{self.amount} {self.paid_on}"


class DeadlineReminder(models.Model):
    """One reminder sent for one deadline on one day: makes the beat task idempotent."""

    key = models.CharField(max_length=80)
    sent_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("deadline reminder")
        verbose_name_plural = _("deadline reminders")
        constraints = [
            models.UniqueConstraint(fields=["key", "sent_on"], name="deadline_reminder_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.sent_on}"
