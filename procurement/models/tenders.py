"""Tenders (采购公告) and what hangs off them: documents, scoring criteria, clarifications, amendments.

The tender's life is a django-fsm state machine on a protected field. Transition bodies touch only
the tender row; permissions, audit, notifications and everything across rows live in
``procurement.services``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from vendors.models import OrganisationKind


class ProcurementMethod(models.TextChoices):
    """政府采购法 Art. 26, plus the simplified self-procurement below the purchaser's threshold."""

    PUBLIC_TENDER = "public_tender", _("Public tender (公开招标)")
    INVITATION_TENDER = "invitation_tender", _("Invitation tender (邀请招标)")
    COMPETITIVE_NEGOTIATION = "competitive_negotiation", _("Competitive negotiation (竞争性谈判)")
    COMPETITIVE_CONSULTATION = "competitive_consultation", _("Competitive consultation (竞争性磋商)")
    SINGLE_SOURCE = "single_source", _("Single source (单一来源)")
    PRICE_ENQUIRY = "price_enquiry", _("Price enquiry (询价)")
    SELF_PROCUREMENT = "self_procurement", _("Simplified self-procurement (自行采购)")


class TenderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published, bidding open")
    BIDDING_CLOSED = "bidding_closed", _("Bidding closed")
    OPENED = "opened", _("Bids opened")
    QUALIFICATION_REVIEWED = "qualification_reviewed", _("Qualification reviewed")
    # Bid evaluation and award (procurement.services.committee / awards / contracts).
    UNDER_EVALUATION = "under_evaluation", _("Under evaluation (评标)")
    EVALUATED = "evaluated", _("Evaluation report submitted")
    AWARDED = "awarded", _("Awarded (定标)")
    CONTRACTED = "contracted", _("Contract signed")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed (废标)")


# States from which a tender may still be cancelled: everything before the contract is signed.
# Later issues (evaluation, award) add their states here.
CANCELLABLE_STATES = [
    TenderStatus.DRAFT,
    TenderStatus.PUBLISHED,
    TenderStatus.BIDDING_CLOSED,
    TenderStatus.OPENED,
    TenderStatus.QUALIFICATION_REVIEWED,
    TenderStatus.UNDER_EVALUATION,
    TenderStatus.EVALUATED,
    TenderStatus.AWARDED,
]
# States in which the public can see the tender.
PUBLIC_STATES = [s for s in TenderStatus.values if s != TenderStatus.DRAFT]


def default_admitted_kinds() -> list[str]:
    return [OrganisationKind.SOCIAL_ORGANISATION.value]


class TenderQuerySet(models.QuerySet["Tender"]):
    def public(self) -> TenderQuerySet:
        return self.exclude(status=TenderStatus.DRAFT).filter(published_at__isnull=False)


class Tender(models.Model):
    """A call for bids for one service project (采购项目), owned by a purchasing department."""

    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="tenders"
    )
    reference = models.CharField(
        _("reference number"), max_length=32, unique=True, editable=False, help_text=_("e.g. JMMZ-2026-0001")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        "vendors.ServiceCategory",
        verbose_name=_("service category"),
        on_delete=models.PROTECT,
        related_name="tenders",
    )
    method = models.CharField(
        _("procurement method"),
        max_length=30,
        choices=ProcurementMethod.choices,
        default=ProcurementMethod.PUBLIC_TENDER,
    )
    budget = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2)
    deposit = models.DecimalField(
        _("bid deposit (yuan)"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    admitted_kinds = models.JSONField(
        _("admitted kinds of undertaker"),
        default=default_admitted_kinds,
        help_text=_("Organisation kinds that may bid; social organisations must also be in the directory."),
    )
    qualification_conditions = models.TextField(
        _("additional qualification conditions"),
        blank=True,
        help_text=_(
            "Project-specific conditions, one per line. Registered capital, assets or turnover may not be a condition."
        ),
    )
    price_weight = models.DecimalField(
        _("price weight (points)"), max_digits=5, decimal_places=2, default=Decimal("30")
    )
    contract_term_months = models.PositiveSmallIntegerField(_("contract term (months)"), default=12)
    is_recurring = models.BooleanField(
        _("stable recurring service"),
        default=False,
        help_text=_("Allows a contract term of up to 36 months."),
    )
    recurring_reason = models.TextField(_("reason for a term over 12 months"), blank=True)

    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    documents_available_until = models.DateTimeField(
        _("tender documents available until"), null=True, blank=True
    )
    clarification_deadline = models.DateTimeField(_("deadline for questions"), null=True, blank=True)
    bid_deadline = models.DateTimeField(_("bid deadline"), null=True, blank=True)
    opening_at = models.DateTimeField(_("bid opening time"), null=True, blank=True)

    status = FSMField(_("status"), default=TenderStatus.DRAFT, choices=TenderStatus.choices, protected=True)
    bidding_closed_at = models.DateTimeField(_("bidding closed at"), null=True, blank=True, editable=False)
    bids_opened_at = models.DateTimeField(_("bids opened at"), null=True, blank=True, editable=False)
    qualification_completed_at = models.DateTimeField(
        _("qualification review completed at"), null=True, blank=True, editable=False
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    cancel_reason = models.TextField(_("reason for cancellation"), blank=True, editable=False)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True, editable=False)
    failure_reason = models.TextField(_("reason for failure"), blank=True, editable=False)

    retender_of = models.ForeignKey(
        "self",
        verbose_name=_("re-tender of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="retenders",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TenderQuerySet.as_manager()

    class Meta:
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="tender_status_pub_idx"),
            models.Index(fields=["-published_at", "-id"], name="tender_pub_idx"),
            models.Index(fields=["status", "bid_deadline"], name="tender_status_deadline_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gt=0), name="tender_budget_positive"),
            models.CheckConstraint(condition=Q(deposit__gte=0), name="tender_deposit_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("procurement:tender_detail", args=[self.pk])

    # --- facts -------------------------------------------------------------------------------------
    @property
    def is_public_tender(self) -> bool:
        """公开招标: the statutory 20-day period and the three-bid rule (Art. 35, 36) apply."""
        return self.method == ProcurementMethod.PUBLIC_TENDER

    def admits_kind(self, kind: str) -> bool:
        """Whether an organisation of this kind (``vendors.models.OrganisationKind``) may bid."""
        return str(kind) in (self.admitted_kinds or [])

    def admitted_kind_labels(self) -> list[str]:
        labels = dict(OrganisationKind.choices)
        return [str(labels.get(k, k)) for k in self.admitted_kinds or []]

    def bids_open_for_submission(self, now: datetime | None = None) -> bool:
        """Bids are accepted while the tender is published and the deadline (server time) has not passed."""
        now = now or timezone.now()
        return (
            self.status == TenderStatus.PUBLISHED
            and self.published_at is not None
            and self.bid_deadline is not None
            and self.published_at <= now < self.bid_deadline
        )

    def is_clarification_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        deadline = self.clarification_deadline or self.bid_deadline
        return self.status == TenderStatus.PUBLISHED and deadline is not None and now < deadline

    # --- transition conditions (pure predicates on this row) ------------------------------------------
    def has_key_dates(self: Any) -> bool:
        return self.bid_deadline is not None and self.opening_at is not None

    def has_passed_deadline(self: Any) -> bool:
        return self.bid_deadline is not None and timezone.now() >= self.bid_deadline

    def has_reached_opening_time(self: Any) -> bool:
        return self.opening_at is not None and timezone.now() >= self.opening_at

    # --- transitions -------------------------------------------------------------------------------
    @transition(
        field=status,
        source=TenderStatus.DRAFT,
        target=TenderStatus.PUBLISHED,
        conditions=[has_key_dates],
        permission="procurement.publish_tender",
    )
    def publish(self, *, at: datetime) -> None:
        """Publish the tender notice (采购公告). The service runs the full compliance check first
        (``procurement.compliance``); a tender with a failing rule is never published."""
        self.published_at = at

    @transition(
        field=status,
        source=TenderStatus.PUBLISHED,
        target=TenderStatus.BIDDING_CLOSED,
        conditions=[has_passed_deadline],
    )
    def close_bidding(self) -> None:
        """Bidding closes at the bid deadline, server time (政府采购法 Art. 35); never before it."""
        self.bidding_closed_at = timezone.now()

    @transition(
        field=status,
        source=TenderStatus.BIDDING_CLOSED,
        target=TenderStatus.OPENED,
        conditions=[has_reached_opening_time],
    )
    def open_bids(self) -> None:
        """Bids are opened (开标) at the opening time fixed in the notice, not before it."""
        self.bids_opened_at = timezone.now()

    @transition(field=status, source=TenderStatus.OPENED, target=TenderStatus.QUALIFICATION_REVIEWED)
    def complete_qualification(self) -> None:
        """Qualification review (资格审查) is complete and enough bids qualified to evaluate. The service
        checks the count (≥ 3 in a public tender, 政府采购法 Art. 36) — otherwise it calls ``fail``."""
        self.qualification_completed_at = timezone.now()

    @transition(
        field=status, source=[TenderStatus.BIDDING_CLOSED, TenderStatus.OPENED], target=TenderStatus.FAILED
    )
    def fail(self, *, reason: str) -> None:
        """The tender fails (废标, 政府采购法 Art. 36), e.g. fewer than 3 qualified bids in a public
        tender; the reason is published and the tender may be re-tendered."""
        self.failed_at = timezone.now()
        self.failure_reason = reason

    @transition(
        field=status,
        source=CANCELLABLE_STATES,
        target=TenderStatus.CANCELLED,
        permission="procurement.cancel_tender",
    )
    def cancel(self, *, reason: str) -> None:
        """The purchaser cancels the tender before a contract is signed; the reason is published."""
        self.cancelled_at = timezone.now()
        self.cancel_reason = reason

    # --- bid evaluation and award (the services in procurement.services.committee/awards/contracts
    # check the cross-row facts: committee complete, report submitted, no pending challenge) ----------
    @transition(
        field=status, source=TenderStatus.QUALIFICATION_REVIEWED, target=TenderStatus.UNDER_EVALUATION
    )
    def start_evaluation(self) -> None:
        """Every committee member has accepted and declared no conflict (实施条例 Art. 9, 39): the
        committee may now see the qualified bids and score them."""

    @transition(field=status, source=TenderStatus.UNDER_EVALUATION, target=TenderStatus.EVALUATED)
    def complete_evaluation(self) -> None:
        """The committee leader submitted the evaluation report, every member's scores in it
        (实施条例 Art. 43: report to the purchaser within 2 working days)."""

    @transition(field=status, source=TenderStatus.EVALUATED, target=TenderStatus.AWARDED)
    def award(self) -> None:
        """The purchaser confirmed the winner (定标) from the report, within 5 working days of it."""

    @transition(
        field=status,
        source=[TenderStatus.EVALUATED, TenderStatus.AWARDED],
        target=TenderStatus.UNDER_EVALUATION,
    )
    def reopen_evaluation(self) -> None:
        """A challenge (质疑) was upheld with re-evaluation: the committee scores again."""

    @transition(
        field=status,
        source=[TenderStatus.UNDER_EVALUATION, TenderStatus.EVALUATED, TenderStatus.AWARDED],
        target=TenderStatus.FAILED,
    )
    def fail_after_evaluation(self, *, reason: str) -> None:
        """The tender fails after evaluation (废标), e.g. a challenge upheld that leaves too few
        valid bids (政府采购法 Art. 36); the reason is published."""
        self.failed_at = timezone.now()
        self.failure_reason = reason

    @transition(field=status, source=TenderStatus.AWARDED, target=TenderStatus.CONTRACTED)
    def sign_contract(self) -> None:
        """Both sides signed the contract; no challenge was pending (a pending one suspends signing)."""


class TenderReferenceCounter(models.Model):
    """The last reference number handed out per department and year; the row lock serialises issuers."""

    department = models.ForeignKey("accounts.Department", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "year"], name="tender_counter_once"),
        ]

    def __str__(self) -> str:
        return f"{self.department_id}/{self.year}: {self.last_number}"


class ScoringCriterion(models.Model):
    """A factor of comprehensive scoring (综合评分法) with its maximum points; with the tender's price
    weight the maxima sum to 100."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Scored by the committee")
        PAST_PERFORMANCE = "past_performance", _("Past performance (履约评价), computed by the platform")

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("scoring factor"), max_length=200)
    description = models.TextField(_("scoring guidance"), blank=True)
    max_points = models.DecimalField(_("maximum points"), max_digits=5, decimal_places=2)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("scored by"), max_length=20, choices=Kind.choices, default=Kind.COMMITTEE)
    neutral_share = models.DecimalField(
        _("share without a grade (per cent)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(60),
        help_text=_(
            "Past performance only: the share of the points a bidder with no performance grade in the "
            "last three years receives."
        ),
    )

    class Meta:
        verbose_name = _("scoring criterion")
        verbose_name_plural = _("scoring criteria")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(max_points__gt=0), name="criterion_points_positive"),
            models.CheckConstraint(
                condition=Q(neutral_share__gte=0, neutral_share__lte=100),
                name="criterion_neutral_share_range",
            ),
            # One past-performance factor per tender: the platform computes it once per bid.
            models.UniqueConstraint(
                fields=["tender"], condition=Q(kind="past_performance"), name="criterion_one_past_performance"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.max_points})"

    @property
    def is_computed(self) -> bool:
        """Scored by the platform, not by the committee members."""
        return self.kind == self.Kind.PAST_PERFORMANCE


def tender_document_path(instance: TenderDocument, filename: str) -> str:
    return f"private/tenders/{instance.tender_id}/documents/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class Amendment(models.Model):
    """A correction notice (更正公告). Published amendments are never edited; each records the
    deadline before and after, and new document versions point to it."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="amendments")
    number = models.PositiveSmallIntegerField(_("number"))
    summary = models.CharField(_("summary"), max_length=200)
    text = models.TextField(_("what changes"))
    affects_bids = models.BooleanField(
        _("affects the preparation of bids"),
        default=True,
        help_text=_("Changes that affect bids less than 15 days before the deadline move the deadline."),
    )
    previous_bid_deadline = models.DateTimeField(_("previous bid deadline"))
    new_bid_deadline = models.DateTimeField(_("new bid deadline"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["tender", "number"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "number"], name="amendment_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.tender.reference} #{self.number} {self.summary}"

    def get_absolute_url(self) -> str:
        return reverse("procurement:amendment_detail", args=[self.tender_id, self.number])

    @property
    def moved_deadline(self) -> bool:
        return self.new_bid_deadline != self.previous_bid_deadline


class TenderDocument(models.Model):
    """A tender document file. Replacing a document adds a new version and keeps the old one."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=tender_document_path, max_length=300)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    is_current = models.BooleanField(_("current version"), default=True)
    amendment = models.ForeignKey(
        Amendment, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tender document")
        verbose_name_plural = _("tender documents")
        ordering = ["tender", "title", "-version"]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("procurement:tender_document", args=[self.tender_id, self.pk])


class Clarification(models.Model):
    """A supplier's question and the purchaser's answer (澄清). Published answers are seen by all;
    who asked is seen only by the purchaser and the asker."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="clarifications")
    question = models.TextField(_("question"), blank=True)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    asking_organisation = models.ForeignKey(
        "vendors.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField(_("asked at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("clarification")
        verbose_name_plural = _("clarifications")
        ordering = ["tender", "published_at", "asked_at", "id"]

    def __str__(self) -> str:
        return (self.question or self.answer)[:60]

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class CategorySubscription(models.Model):
    """A supplier user wants to hear when a tender in this service category is published."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tender_subscriptions"
    )
    category = models.ForeignKey("vendors.ServiceCategory", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("category subscription")
        verbose_name_plural = _("category subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="subscription_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.category}"
