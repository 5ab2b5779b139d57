"""Tender-side services: drafting, publishing, cancelling, re-tendering, clarifications, amendments.

Each service checks permission, runs the state transition, saves, writes the audit entry and
notifies the people concerned, all in one transaction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_fsm import can_proceed

from accounts.audit import audit_record
from accounts.exceptions import DomainError, NotAllowed
from accounts.notifications import notify
from procurement.compliance import ComplianceError, check_tender
from procurement.models import (
    Amendment,
    CategorySubscription,
    Clarification,
    ScoringCriterion,
    Tender,
    TenderDocument,
    TenderReferenceCounter,
    TenderStatus,
)
from procurement.selectors.tenders import tender_interested_users
from procurement.services.bids import bids_mark_reconfirm
from procurement.uploads import check_upload

# Order 87 Art. 27: a clarification or amendment that affects bids must come at least 15 days before
# the deadline, or the deadline moves.
AMENDMENT_MIN_DAYS = 15


@dataclass
class CriterionData:
    name: str
    max_points: Decimal
    description: str = ""
    kind: str = "committee"  # or "past_performance" (履约评价, computed by the platform)
    neutral_share: Decimal = Decimal(60)


@dataclass
class TenderData:
    """The fields a purchaser edits on a draft."""

    title: str
    category_id: int
    budget: Decimal
    description: str = ""
    method: str = "public_tender"
    deposit: Decimal = Decimal("0")
    admitted_kinds: list[str] = field(default_factory=lambda: ["social_organisation"])
    qualification_conditions: str = ""
    price_weight: Decimal = Decimal("30")
    contract_term_months: int = 12
    is_recurring: bool = False
    recurring_reason: str = ""
    documents_available_until: datetime | None = None
    clarification_deadline: datetime | None = None
    bid_deadline: datetime | None = None
    opening_at: datetime | None = None

    @classmethod
    def from_tender(cls, tender: Tender) -> TenderData:
        return cls(**{name: getattr(tender, name) for name in cls.__dataclass_fields__})


def _require(by: Any, perm: str, obj: Any = None) -> None:
    if not by.has_perm(perm, obj):
        raise NotAllowed()


def _lock(tender: Tender) -> Tender:
    """Reload the tender under a row lock: concurrent services on one tender run one after another."""
    return Tender.objects.select_for_update().get(pk=tender.pk)


def tender_allocate_reference(*, department: Any, year: int) -> str:
    """The next reference of the department in the year, e.g. ``JMMZ-2026-0001``.

    The counter row is locked until the caller's transaction ends, so concurrent drafts get
    consecutive numbers and never the same one (the unique constraint on ``reference`` backs it up).
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                TenderReferenceCounter.objects.get_or_create(department=department, year=year)
        except IntegrityError:
            pass  # created concurrently: the row exists now
        TenderReferenceCounter.objects.filter(department=department, year=year).update(
            last_number=F("last_number") + 1
        )
        number = (
            TenderReferenceCounter.objects.select_for_update()
            .values_list("last_number", flat=True)
            .get(department=department, year=year)
        )
    return f"{department.code}-{year}-{number:04d}"


def _apply(tender: Tender, data: TenderData) -> None:
    for name, value in asdict(data).items():
        setattr(tender, name, value)
    if tender.opening_at is None and tender.bid_deadline is not None:
        tender.opening_at = tender.bid_deadline


def past_performance_guidance(neutral_share: Decimal) -> str:
    """The rule of a past-performance factor as published with the tender (procurement.scoring)."""
    return _(
        "Computed by the platform: the mean of the bidder's final performance grades published in "
        "the three years up to the bid deadline (优 100%%, 良 80%%, 中 60%%, 差 0%%) times the points; "
        "no grade in that period: %(share)s%% of the points."
    ) % {"share": format(neutral_share.normalize(), "f")}  # 60, not 6E+1


def _replace_criteria(tender: Tender, criteria: list[CriterionData]) -> None:
    computed = [c for c in criteria if c.kind == ScoringCriterion.Kind.PAST_PERFORMANCE]
    if len(computed) > 1:
        raise DomainError(_("A tender has at most one past-performance scoring factor."), field="criteria")
    for c in criteria:
        if c.kind not in ScoringCriterion.Kind.values:
            raise DomainError(_("Unknown kind of scoring factor."), field="criteria")
        if not Decimal(0) <= c.neutral_share <= Decimal(100):
            raise DomainError(
                _("The share without a grade lies between 0 and 100 per cent."), field="criteria"
            )
    tender.criteria.all().delete()
    ScoringCriterion.objects.bulk_create(
        ScoringCriterion(
            tender=tender,
            name=c.name,
            description=c.description
            or (
                past_performance_guidance(c.neutral_share)
                if c.kind == ScoringCriterion.Kind.PAST_PERFORMANCE
                else ""
            ),
            max_points=c.max_points,
            order=i,
            kind=c.kind,
            neutral_share=c.neutral_share,
        )
        for i, c in enumerate(criteria)
    )


@transaction.atomic
def tender_create(*, by: Any, data: TenderData, criteria: list[CriterionData]) -> Tender:
    """A purchaser drafts a tender for their own department; it gets its reference number at once."""
    _require(by, "procurement.add_tender")
    department = by.department
    tender = Tender(department=department, created_by=by)
    _apply(tender, data)
    tender.reference = tender_allocate_reference(department=department, year=timezone.localdate().year)
    tender.full_clean(exclude=["reference", "status"])
    tender.save()
    _replace_criteria(tender, criteria)
    audit_record(actor=by, action="tender.create", obj=tender, summary={"reference": tender.reference})
    return tender


@transaction.atomic
def tender_update(*, tender: Tender, by: Any, data: TenderData, criteria: list[CriterionData]) -> Tender:
    """Only a draft is edited freely; a published tender changes only through an amendment."""
    _require(by, "procurement.change_tender", tender)
    tender = _lock(tender)
    if tender.status != TenderStatus.DRAFT:
        raise DomainError(_("A published tender is changed only by an amendment."))
    before = TenderData.from_tender(tender)
    _apply(tender, data)
    tender.full_clean(exclude=["reference", "status"])
    tender.save()
    _replace_criteria(tender, criteria)
    changed = sorted(k for k, v in asdict(data).items() if asdict(before)[k] != v)
    audit_record(actor=by, action="tender.update", obj=tender, summary={"changed": changed})
    return tender


def _store_document(
    *,
    tender: Tender,
    by: Any,
    title: str,
    file: File,
    replaces: TenderDocument | None,
    amendment: Amendment | None,
) -> TenderDocument:
    # Same rules as bid documents: type judged by content, size limit, safe name, SHA-256.
    checked = check_upload(name=file.name or "document", stream=file)
    version = 1
    if replaces is not None:
        if replaces.tender_id != tender.pk or not replaces.is_current:
            raise DomainError(_("Only the current version of a document of this tender can be replaced."))
        TenderDocument.objects.filter(pk=replaces.pk).update(is_current=False)
        version = replaces.version + 1
        title = title or replaces.title
    document = TenderDocument(
        tender=tender,
        title=title or checked.name,
        size=checked.size,
        sha256=checked.sha256,
        version=version,
        supersedes=replaces,
        amendment=amendment,
        uploaded_by=by,
    )
    document.file.save(checked.name, ContentFile(checked.content), save=False)
    document.save()
    return document


@transaction.atomic
def tender_document_add(
    *, tender: Tender, by: Any, title: str, file: File, replaces: TenderDocument | None = None
) -> TenderDocument:
    """Add (or replace) a document of a draft. After publication documents change by amendment."""
    _require(by, "procurement.change_tender", tender)
    tender = _lock(tender)
    if tender.status != TenderStatus.DRAFT:
        raise DomainError(_("After publication documents change only by an amendment."))
    document = _store_document(
        tender=tender, by=by, title=title, file=file, replaces=replaces, amendment=None
    )
    audit_record(
        actor=by,
        action="tender.document_add",
        obj=tender,
        summary={
            "document": document.pk,
            "title": document.title,
            "version": document.version,
            "sha256": document.sha256,
        },
    )
    return document


@transaction.atomic
def tender_document_remove(*, document: TenderDocument, by: Any) -> None:
    """A draft's document may be removed; a published document version is kept for ever."""
    tender = document.tender
    _require(by, "procurement.change_tender", tender)
    tender = _lock(tender)
    if tender.status != TenderStatus.DRAFT:
        raise DomainError(_("Documents of a published tender are never removed."))
    previous = document.supersedes
    summary = {"document": document.pk, "title": document.title, "version": document.version}
    document.file.delete(save=False)
    document.delete()
    if previous is not None:
        TenderDocument.objects.filter(pk=previous.pk).update(is_current=True)
    audit_record(actor=by, action="tender.document_remove", obj=tender, summary=summary)


@transaction.atomic
def tender_publish(*, tender: Tender, by: Any) -> Tender:
    """Publish the tender notice (采购公告) after the compliance check; subscribers are told."""
    _require(by, "procurement.publish_tender", tender)
    tender = _lock(tender)
    if tender.status != TenderStatus.DRAFT:
        raise DomainError(_("Only a draft can be published."))
    now = timezone.now()
    report = check_tender(tender, now=now)
    if not report.ok:
        raise ComplianceError(report)
    tender.publish(at=now)
    tender.save()
    audit_record(
        actor=by,
        action="tender.publish",
        obj=tender,
        summary={
            "reference": tender.reference,
            "bid_deadline": tender.bid_deadline,
            "warnings": report.warnings,
        },
    )
    subscribers = [
        s.user
        for s in CategorySubscription.objects.filter(
            category_id=tender.category_id, user__is_active=True
        ).select_related("user")
    ]
    if subscribers:
        notify(
            recipients=subscribers,
            kind="tender.published",
            message=gettext_noop("New tender %(ref)s: %(title)s (bid deadline %(deadline)s)"),
            params={
                "ref": tender.reference,
                "title": tender.title,
                "deadline": timezone.localtime(tender.bid_deadline).strftime("%Y-%m-%d %H:%M")
                if tender.bid_deadline
                else "",
            },
            url=tender.get_absolute_url(),
            obj=tender,
        )
    return tender


@transaction.atomic
def tender_cancel(*, tender: Tender, by: Any, reason: str) -> Tender:
    """Cancel before the contract is signed; the reason is published on the tender page."""
    _require(by, "procurement.cancel_tender", tender)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the cancellation; it is published."), field="reason")
    tender = _lock(tender)
    if not can_proceed(tender.cancel):
        raise DomainError(_("This tender can no longer be cancelled."))
    was_public = tender.published_at is not None
    tender.cancel(reason=reason)
    tender.save()
    audit_record(actor=by, action="tender.cancel", obj=tender, summary={"reason": reason})
    # An award not yet contracted is rescinded and its unsigned draft contract voided (issue 5).
    from procurement.services.awards import tender_rescind_live_award

    tender_rescind_live_award(tender=tender, by=by, reason=reason)
    if was_public:
        recipients = tender_interested_users(tender)
        if recipients:
            notify(
                recipients=recipients,
                kind="tender.amended",
                message=gettext_noop("Tender %(ref)s was cancelled: %(reason)s"),
                params={"ref": tender.reference, "reason": reason},
                url=tender.get_absolute_url(),
                obj=tender,
            )
    return tender


@transaction.atomic
def tender_retender(*, tender: Tender, by: Any) -> Tender:
    """Copy a failed tender (废标) into a new draft linked to it: same terms, criteria and current
    documents; new reference; dates left empty for the purchaser to set."""
    _require(by, "procurement.retender_tender", tender)
    tender = _lock(tender)
    if tender.status != TenderStatus.FAILED:
        raise DomainError(_("Only a failed tender can be re-tendered."))
    data = TenderData.from_tender(tender)
    for name in ("documents_available_until", "clarification_deadline", "bid_deadline", "opening_at"):
        setattr(data, name, None)
    criteria = [
        CriterionData(c.name, c.max_points, c.description, c.kind, c.neutral_share)
        for c in tender.criteria.all()
    ]
    copy = Tender(department=tender.department, created_by=by, retender_of=tender)
    _apply(copy, data)
    copy.reference = tender_allocate_reference(department=tender.department, year=timezone.localdate().year)
    copy.save()
    _replace_criteria(copy, criteria)
    for document in tender.documents.filter(is_current=True).order_by("title"):
        # The new draft shares the stored file (never removed: published documents are kept).
        TenderDocument.objects.create(
            tender=copy,
            title=document.title,
            file=document.file.name,
            size=document.size,
            sha256=document.sha256,
            uploaded_by=by,
        )
    audit_record(actor=by, action="tender.retender", obj=copy, summary={"retender_of": tender.reference})
    return copy


# --- clarifications (澄清) --------------------------------------------------------------------------


@transaction.atomic
def clarification_ask(*, tender: Tender, by: Any, organisation: Any, question: str) -> Clarification:
    """A supplier asks a question before the question deadline; other suppliers never see who asked."""
    _require(by, "procurement.ask_clarification", tender)
    _require(by, "vendors.act_for_organisation", organisation)
    question = (question or "").strip()
    if not question:
        raise DomainError(_("Write your question."), field="question")
    if not tender.is_clarification_open():
        raise DomainError(_("The deadline for questions has passed."))
    clarification = Clarification.objects.create(
        tender=tender,
        question=question,
        asked_by=by,
        asking_organisation=organisation,
        asked_at=timezone.now(),
    )
    audit_record(
        actor=by, action="tender.clarification_ask", obj=tender, summary={"clarification": clarification.pk}
    )
    purchasers = list(tender.department.staff.filter(role="purchaser", is_active=True))
    if purchasers:
        notify(
            recipients=purchasers,
            kind="tender.clarification_asked",
            message=gettext_noop("A supplier asked a question about tender %(ref)s"),
            params={"ref": tender.reference},
            url=tender.get_absolute_url(),
            obj=tender,
        )
    return clarification


@transaction.atomic
def clarification_answer(
    *, tender: Tender, by: Any, answer: str, clarification: Clarification | None = None
) -> Clarification:
    """The purchaser answers a question (or issues a clarification unprompted) and publishes it to all."""
    _require(by, "procurement.answer_clarification", tender)
    tender = _lock(tender)
    if tender.status != TenderStatus.PUBLISHED:
        raise DomainError(_("Clarifications are published only while bidding is open."))
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(_("Write the answer."), field="answer")
    if clarification is None:
        clarification = Clarification(tender=tender)
    elif clarification.tender_id != tender.pk or clarification.is_published:
        raise DomainError(_("This question has already been answered."))
    clarification.answer = answer
    clarification.answered_by = by
    clarification.published_at = timezone.now()
    clarification.save()
    audit_record(
        actor=by,
        action="tender.clarification_publish",
        obj=tender,
        summary={"clarification": clarification.pk},
    )
    recipients = tender_interested_users(tender)
    if recipients:
        notify(
            recipients=recipients,
            kind="tender.amended",
            message=gettext_noop("A clarification was published for tender %(ref)s"),
            params={"ref": tender.reference},
            url=tender.get_absolute_url(),
            obj=tender,
        )
    return clarification


# --- amendments (更正公告) --------------------------------------------------------------------------


def amendment_earliest_deadline(now: datetime) -> datetime:
    return now + timedelta(days=AMENDMENT_MIN_DAYS)


def _mark_bids_reconfirm(tender: Tender, by: Any) -> None:
    """Submitted bids must be confirmed again after an amendment (the bid side owns bids)."""
    bids_mark_reconfirm(tender=tender, by=by)


@transaction.atomic
def amendment_publish(
    *,
    tender: Tender,
    by: Any,
    summary: str,
    text: str,
    affects_bids: bool = True,
    new_bid_deadline: datetime | None = None,
    documents: list[tuple[str, File, TenderDocument | None]] | None = None,
) -> Amendment:
    """Publish a correction notice (更正公告) while bidding is open.

    Documents it brings are new versions; old versions stay. If it affects bids and comes less than
    15 days before the deadline, the deadline (and the opening with it) must move to at least 15 days
    from now (MoF Order 87 Art. 27). Bidders are told and submitted bids must be confirmed again.
    """
    _require(by, "procurement.amend_tender", tender)
    tender = _lock(tender)
    now = timezone.now()
    if not tender.bids_open_for_submission(now):
        raise DomainError(_("Amendments are published only while bidding is open."))
    summary, text = (summary or "").strip(), (text or "").strip()
    if not summary:
        raise DomainError(_("Give the amendment a short summary."), field="summary")
    if not text:
        raise DomainError(_("Describe what changes."), field="text")
    assert tender.bid_deadline is not None
    previous = tender.bid_deadline
    deadline = new_bid_deadline or previous
    if deadline < previous:
        raise DomainError(
            _("An amendment may move the bid deadline later, not earlier."), field="new_bid_deadline"
        )
    earliest = amendment_earliest_deadline(now)
    if affects_bids and deadline < earliest:
        raise DomainError(
            _(
                "This amendment comes less than 15 days before the bid deadline: move the deadline to "
                "%(date)s or later (MoF Order 87 Art. 27)."
            )
            % {"date": timezone.localtime(earliest).strftime("%Y-%m-%d %H:%M")},
            field="new_bid_deadline",
        )
    number = (tender.amendments.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    amendment = Amendment.objects.create(
        tender=tender,
        number=number,
        summary=summary,
        text=text,
        affects_bids=affects_bids,
        previous_bid_deadline=previous,
        new_bid_deadline=deadline,
        published_at=now,
        published_by=by,
    )
    if deadline != previous:
        # The opening is held at the deadline (Order 87 Art. 39), so it moves with it.
        Tender.objects.filter(pk=tender.pk).update(bid_deadline=deadline, opening_at=deadline)
        tender.bid_deadline = tender.opening_at = deadline
        if tender.documents_available_until and tender.documents_available_until < deadline:
            Tender.objects.filter(pk=tender.pk).update(documents_available_until=deadline)
            tender.documents_available_until = deadline
    for title, file, replaces in documents or []:
        _store_document(tender=tender, by=by, title=title, file=file, replaces=replaces, amendment=amendment)
    audit_record(
        actor=by,
        action="tender.amend",
        obj=tender,
        summary={
            "amendment": number,
            "summary": summary,
            "previous_bid_deadline": previous,
            "new_bid_deadline": deadline,
            "documents": len(documents or []),
        },
    )
    if affects_bids:
        _mark_bids_reconfirm(tender, by)
    recipients = tender_interested_users(tender)
    if recipients:
        notify(
            recipients=recipients,
            kind="tender.amended",
            message=gettext_noop("Amendment %(number)s to tender %(ref)s: %(summary)s"),
            params={"number": number, "ref": tender.reference, "summary": summary},
            url=amendment.get_absolute_url(),
            obj=tender,
        )
    return amendment


@transaction.atomic
def category_subscription_set(*, by: Any, category: Any, subscribed: bool) -> None:
    """A supplier follows (or stops following) a service category to hear of new tenders."""
    if getattr(by, "role", "") != "supplier":
        raise NotAllowed()
    if subscribed:
        CategorySubscription.objects.get_or_create(user=by, category=category)
    else:
        CategorySubscription.objects.filter(user=by, category=category).delete()
