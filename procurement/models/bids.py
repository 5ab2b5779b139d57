"""Sealed bids (投标文件): the tender's data key, bids, their documents, receipts and the opening record.

Before opening, the database holds no plaintext price and no document content: the price is
``Bid.price_ciphertext`` and each document's bytes are an AES-GCM ciphertext in ``default_storage``
(see ``procurement.sealing`` and docs/sealed-bids.md). The opened price lands in ``opened_price``
only when the opening service decrypts it.

Transition bodies touch only their own row; locking, deadlines across rows, the eligibility check,
audit and notifications live in ``procurement.services.bids`` / ``opening`` / ``qualification``.
"""

from __future__ import annotations

import uuid
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

from procurement.sealing import WrappedKey


class TenderKey(models.Model):
    """The tender's bid-sealing data key, wrapped by the master key (never stored in clear)."""

    tender = models.OneToOneField(
        "procurement.Tender", on_delete=models.PROTECT, related_name="sealing_key", editable=False
    )
    key_id = models.CharField(_("master key id"), max_length=16, editable=False)
    wrapped = models.BinaryField(_("wrapped data key"), editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    rewrapped_at = models.DateTimeField(_("re-wrapped at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("tender sealing key")
        verbose_name_plural = _("tender sealing keys")

    def __str__(self) -> str:
        return f"{self.tender_id}/{self.key_id}"

    def as_wrapped(self) -> WrappedKey:
        return WrappedKey(key_id=self.key_id, wrapped=bytes(self.wrapped), tender_id=self.tender_id)


class BidStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted (sealed)")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REPLACED = "replaced", _("Replaced")
    OPENED = "opened", _("Opened")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")


# A bid that counts: at most one per tender and organisation (a partial unique constraint).
COUNTING_STATES = [BidStatus.SUBMITTED, BidStatus.OPENED, BidStatus.QUALIFIED, BidStatus.DISQUALIFIED]
REVIEW_STATES = [BidStatus.OPENED, BidStatus.QUALIFIED, BidStatus.DISQUALIFIED]


class BidQuerySet(models.QuerySet["Bid"]):
    def counting(self) -> BidQuerySet:
        return self.filter(status__in=COUNTING_STATES)


class Bid(models.Model):
    """One organisation's bid on one tender. Sealed from submission until the opening."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tender = models.ForeignKey(
        "procurement.Tender", verbose_name=_("tender"), on_delete=models.PROTECT, related_name="bids"
    )
    organisation = models.ForeignKey(
        "vendors.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="bids"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    status = FSMField(_("status"), default=BidStatus.DRAFT, choices=BidStatus.choices, protected=True)

    # Sealed at submission.
    price_ciphertext = models.BinaryField(_("sealed price"), null=True, editable=False)
    bid_hash = models.CharField(_("bid hash (SHA-256)"), max_length=64, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    submitted_at = models.DateTimeField(
        _("submitted at (server time)"), null=True, blank=True, editable=False
    )
    eligibility_version = models.CharField(
        _("directory version used at submission"), max_length=40, blank=True, editable=False
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        editable=False,
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)
    to_reconfirm = models.BooleanField(
        _("to be confirmed again"),
        default=False,
        editable=False,
        help_text=_(
            "An amendment was published after submission; the bidder must confirm or replace the bid."
        ),
    )
    reconfirmed_at = models.DateTimeField(_("confirmed again at"), null=True, blank=True, editable=False)

    # Opening (开标).
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True, editable=False)
    opened_price = models.DecimalField(
        _("price (opened)"), max_digits=14, decimal_places=2, null=True, blank=True, editable=False
    )
    opened_salt = models.CharField(
        _("hash salt (revealed at opening)"), max_length=64, blank=True, editable=False
    )
    hash_ok = models.BooleanField(_("bid hash verified"), null=True, editable=False)
    documents_ok = models.BooleanField(_("document hashes verified"), null=True, editable=False)
    opening_problem = models.TextField(_("problem found at opening"), blank=True, editable=False)

    # Qualification review (资格审查).
    review_eligible = models.BooleanField(_("in the directory at review"), null=True, editable=False)
    review_eligibility_reason = models.TextField(_("directory check at review"), blank=True, editable=False)
    qualification_reason = models.TextField(_("reason"), blank=True, editable=False)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    objects = BidQuerySet.as_manager()

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["tender", "submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tender", "organisation"], condition=Q(status="draft"), name="bid_one_draft_per_org"
            ),
            models.UniqueConstraint(
                fields=["tender", "organisation"],
                condition=Q(status__in=[s.value for s in COUNTING_STATES]),
                name="bid_one_counting_per_org",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(price_ciphertext__isnull=False),
                name="bid_sealed_when_submitted",
            ),
        ]
        indexes = [models.Index(fields=["tender", "status"], name="bid_tender_status_idx")]

    def __str__(self) -> str:
        # Only the opaque uuid: this text is copied into audit entries and document records that
        # supervisors read before the opening, and the bidder's identity is sealed too.
        return f"bid {self.uuid}"

    def get_absolute_url(self) -> str:
        return reverse("procurement:bid_detail", args=[self.pk])

    def is_audit_sealed(self) -> bool:
        """Before the opening no extract of this bid's audit trail may be issued (the trail holds
        its timing and the bidder's staff): ``accounts.documents`` asks every object this."""
        return self.opened_at is None

    @property
    def price_context(self) -> str:
        return f"bid:{self.uuid}:price"

    @property
    def actor_context(self) -> str:
        """Associated data of the sealed actor of this bid's audit entries before the opening."""
        return f"bid:{self.uuid}:audit-actor"

    # --- conditions ---------------------------------------------------------------------------------
    def is_before_deadline(self: Any) -> bool:
        """Server time, whatever the client sends (DOMAIN.md: deadlines are server time)."""
        return self.tender.bids_open_for_submission()

    def is_sealed(self: Any) -> bool:
        return self.price_ciphertext is not None and bool(self.bid_hash)

    # --- transitions -------------------------------------------------------------------------------
    # What ``submit`` sets: the only columns a submission writes (``bid_submit`` saves just these).
    SUBMIT_FIELDS = (
        "status", "price_ciphertext", "bid_hash", "submitted_by", "submitted_at", "eligibility_version", "to_reconfirm"
    )  # fmt: skip

    @transition(
        field=status, source=BidStatus.DRAFT, target=BidStatus.SUBMITTED, conditions=[is_before_deadline]
    )
    def submit(
        self, *, ciphertext: bytes, bid_hash: str, by: object, at: datetime, eligibility_version: str
    ) -> None:
        """A bid is submitted sealed, before the deadline (server time), after the directory check
        and the tender's conditions (the service runs them)."""
        self.price_ciphertext = ciphertext
        self.bid_hash = bid_hash
        self.submitted_by = by  # type: ignore[assignment]
        self.submitted_at = at
        self.eligibility_version = eligibility_version
        self.to_reconfirm = False

    @transition(
        field=status, source=BidStatus.SUBMITTED, target=BidStatus.WITHDRAWN, conditions=[is_before_deadline]
    )
    def withdraw(self) -> None:
        """A bidder may withdraw its bid before the deadline (政府采购法实施条例 Art. 34 spirit)."""
        self.withdrawn_at = timezone.now()

    @transition(
        field=status, source=BidStatus.SUBMITTED, target=BidStatus.REPLACED, conditions=[is_before_deadline]
    )
    def replace(self) -> None:
        """Before the deadline a submitted bid may be replaced by a new one; the old one stays on record."""

    @transition(
        field=status, source=BidStatus.SUBMITTED, target=BidStatus.SUBMITTED, conditions=[is_before_deadline]
    )
    def reconfirm(self) -> None:
        """After an amendment the bidder confirms its sealed bid unchanged (before the deadline)."""
        self.to_reconfirm = False
        self.reconfirmed_at = timezone.now()

    @transition(field=status, source=BidStatus.SUBMITTED, target=BidStatus.OPENED)
    def open(
        self, *, price: Decimal | None, salt: str, hash_ok: bool, documents_ok: bool, problem: str
    ) -> None:
        """At the opening (开标) the bid is decrypted and its hashes re-computed; a mismatch is
        recorded on the bid (``hash_ok``/``documents_ok`` false), never hidden."""
        self.opened_at = timezone.now()
        self.opened_price = price
        self.opened_salt = salt
        self.hash_ok = hash_ok
        self.documents_ok = documents_ok
        self.opening_problem = problem

    @transition(field=status, source=REVIEW_STATES, target=BidStatus.QUALIFIED)
    def qualify(self, *, by: object, reason: str = "") -> None:
        """The purchaser finds the bid meets the directory check and the tender's conditions."""
        self.qualification_reason = reason
        self.reviewed_by = by  # type: ignore[assignment]
        self.reviewed_at = timezone.now()

    @transition(field=status, source=REVIEW_STATES, target=BidStatus.DISQUALIFIED)
    def disqualify(self, *, by: object, reason: str) -> None:
        """The bid fails qualification (资格审查); the reason is shown to the bidder."""
        self.qualification_reason = reason
        self.reviewed_by = by  # type: ignore[assignment]
        self.reviewed_at = timezone.now()


def bid_document_storage_name() -> str:
    """A random storage path: nothing of the client's file name reaches the file system."""
    return f"sealed/bids/{uuid.uuid4().hex}.sealed"


class BidDocument(models.Model):
    """One document of a bid, stored only as a ciphertext through ``default_storage``."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="documents")
    seal_id = models.UUIDField(
        default=uuid.uuid4, editable=False, help_text="Associated data of the ciphertext."
    )
    storage_name = models.CharField(max_length=200, default=bid_document_storage_name, editable=False)
    name = models.CharField(_("file name"), max_length=120)
    kind = models.CharField(_("type"), max_length=8, editable=False)
    content_type = models.CharField(_("content type"), max_length=100, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"), editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    hash_ok = models.BooleanField(_("hash verified at opening"), null=True, editable=False)

    class Meta:
        verbose_name = _("bid document")
        verbose_name_plural = _("bid documents")
        ordering = ["bid", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def seal_context(self) -> str:
        return f"document:{self.seal_id}"


class BidReceipt(models.Model):
    """What the bidder gets at submission (回执): server time and the hashes, frozen."""

    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="receipt")
    number = models.CharField(_("receipt number"), max_length=40, unique=True)
    issued_at = models.DateTimeField(_("server time"))
    bid_hash = models.CharField(_("bid hash (SHA-256)"), max_length=64)
    documents = models.JSONField(_("documents and their hashes"), default=list)

    class Meta:
        verbose_name = _("bid receipt")
        verbose_name_plural = _("bid receipts")

    def __str__(self) -> str:
        return self.number


class OpeningRecord(models.Model):
    """The opening record (开标记录): bidders, prices, hash checks and time, frozen at opening."""

    tender = models.OneToOneField(
        "procurement.Tender", on_delete=models.PROTECT, related_name="opening_record"
    )
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lines = models.JSONField(_("bids"), default=list)
    all_hashes_ok = models.BooleanField(_("all hashes verified"))

    class Meta:
        verbose_name = _("opening record")
        verbose_name_plural = _("opening records")

    def __str__(self) -> str:
        return f"{self.tender_id} @ {self.opened_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("procurement:opening_record", args=[self.tender_id])
