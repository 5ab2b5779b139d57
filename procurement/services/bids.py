"""Bids (投标): drafting, documents, sealed submission, withdrawal, replacement, closing.

Locking order everywhere: the tender row (``SELECT … FOR UPDATE``), then the bid row, then the audit
chain. Submissions on one tender therefore queue behind each other and behind the closing task for
the few milliseconds each takes: a submission either commits before bidding closes (and its
``submitted_at``, taken under the lock, is before the deadline) or finds the tender closed.

Nothing here ever decrypts: the price is sealed at submission, documents at upload.
Price, document names, sizes and hashes, and the bidder's identity never reach an audit summary,
an audit entry's actor (sealed, ``_audit_bid``) or object text (``Bid.__str__`` is the uuid), a
notification, a log or a message.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, Any
from zoneinfo import ZoneInfo

import rules
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_fsm import TransitionNotAllowed

from accounts.audit import audit_record
from accounts.exceptions import DomainError, NotAllowed
from accounts.notifications import notify
from accounts.uploads import atomic_discarding_files, discard_on_failure
from procurement import sealing
from procurement.models import Bid, BidDocument, BidReceipt, BidStatus, Tender, TenderKey, TenderStatus
from procurement.uploads import check_upload
from vendors.models import Organisation, OrganisationKind

logger = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def can(user: Any, perm: str, obj: Any = None) -> bool:
    """Bid permissions are the rules themselves, without Django's superuser bypass: a site
    administrator neither acts for bidders nor reads sealed bids (DOMAIN.md "Sealed bids")."""
    return bool(rules.has_perm(perm, user, obj))


def today_in_shanghai() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


def _lock_tender(tender_id: int) -> Tender:
    return Tender.objects.select_for_update().select_related("category", "department").get(pk=tender_id)


def _share_tender(tender_id: int) -> Tender:
    """The tender row locked ``FOR SHARE``: submissions to one tender overlap (a bid rush is not served
    one at a time) while the closing task, which takes the row ``FOR UPDATE``, waits for the ones in
    flight and every later one sees the tender closed. SQLite locks the whole database anyway."""
    if transaction.get_connection().vendor == "postgresql":
        with transaction.get_connection().cursor() as cursor:
            cursor.execute("SELECT 1 FROM procurement_tender WHERE id = %s FOR SHARE", [tender_id])
    return Tender.objects.select_related("category", "department").get(pk=tender_id)


def _lock_bid(bid_id: int) -> Bid:
    return Bid.objects.select_for_update().select_related("organisation").get(pk=bid_id)


def _refuse_after_deadline(tender: Tender) -> None:
    if not tender.bids_open_for_submission(timezone.now()):
        raise _closed(tender)


@contextmanager
def _before_deadline(tender: Tender) -> Iterator[None]:
    """The model's transition re-reads the clock: crossing the deadline between the service's own
    check and the transition is the same refusal, and the transaction rolls back whole."""
    try:
        yield
    except TransitionNotAllowed:
        raise _closed(tender) from None


def _closed(tender: Tender) -> DomainError:
    return DomainError(
        _("Bidding on this tender is closed (deadline %(deadline)s, server time).")
        % {"deadline": timezone.localtime(tender.bid_deadline).strftime("%Y-%m-%d %H:%M:%S")}
        if tender.bid_deadline
        else _("Bidding on this tender is closed."),
        code="deadline",
    )


def tender_key_for(tender: Tender) -> TenderKey:
    """The tender's sealing key, created on first use (race-safe: the one-to-one is unique)."""
    key = TenderKey.objects.filter(tender=tender).first()
    if key is not None:
        return key
    wrapped = sealing.new_wrapped_key(tender_id=tender.pk)
    try:
        with transaction.atomic():
            return TenderKey.objects.create(tender=tender, key_id=wrapped.key_id, wrapped=wrapped.wrapped)
    except IntegrityError:
        return TenderKey.objects.get(tender=tender)


def _bidder_recipients(organisation_ids: Any) -> list[Any]:
    from accounts.models import User

    return list(
        User.objects.filter(
            memberships__organisation_id__in=organisation_ids, memberships__status="approved", is_active=True
        ).distinct()
    )


def _audit_bid(
    *,
    by: Any,
    action: str,
    bid: Bid,
    tender: Tender,
    summary: dict[str, Any] | None = None,
    sealed: dict[str, Any] | None = None,
    key: TenderKey | None = None,
) -> None:
    """Record a bidder's action on a bid before the opening. The entry names no actor in clear
    (DOMAIN.md: not even the bidder's identity is known before the opening): the acting user's id and
    e-mail are sealed under the tender key like the price, bound to the bid, with the tender's
    reference and whatever ``sealed`` holds, so the trail does not tell how many bids a tender has
    either. The opening reveals them in an ``audit.reveal_actors`` entry
    (``procurement.services.opening``). ``summary`` stays in clear: nothing that names the bidder or
    the tender."""
    content = {"user": by.pk, "email": by.email, "tender": tender.reference, **(sealed or {})}
    blob = sealing.seal_bytes(
        key=(key or tender_key_for(tender)).as_wrapped(),
        plaintext=json.dumps(content, ensure_ascii=False).encode(),
        context=bid.actor_context,
    )
    audit_record(
        actor=by,
        action=action,
        obj=bid,
        summary=summary or {},
        sealed_actor=base64.b64encode(blob).decode("ascii"),
    )


# --- Drafts and documents --------------------------------------------------------------------------


@transaction.atomic
def bid_create_draft(*, tender: Tender, organisation: Organisation, by: Any) -> Bid:
    """A supplier starts (or resumes) its organisation's draft bid on a tender open for bids."""
    if not can(by, "procurement.bid_for_organisation", organisation):
        raise NotAllowed()
    tender = _lock_tender(tender.pk)
    _refuse_after_deadline(tender)
    existing = Bid.objects.filter(tender=tender, organisation=organisation, status=BidStatus.DRAFT).first()
    if existing is not None:
        return existing
    if Bid.objects.counting().filter(tender=tender, organisation=organisation).exists():
        raise DomainError(
            _("Your organisation has already submitted a bid on this tender. Replace it instead."),
            code="already_submitted",
        )
    bid = Bid.objects.create(tender=tender, organisation=organisation, created_by=by)
    _audit_bid(by=by, action="bid.create_draft", bid=bid, tender=tender)
    return bid


def _draft_for_change(bid: Bid, by: Any) -> tuple[Tender, Bid]:
    tender = _lock_tender(bid.tender_id)
    bid = _lock_bid(bid.pk)
    if not can(by, "procurement.change_bid", bid):
        raise NotAllowed()
    if bid.status != BidStatus.DRAFT:
        raise DomainError(_("Only a draft bid can be changed."), code="not_draft")
    _refuse_after_deadline(tender)
    return tender, bid


@atomic_discarding_files
def bid_add_document(*, bid: Bid, name: str, stream: IO[bytes], by: Any) -> BidDocument:
    """Check an upload by its content and store it sealed (ciphertext only, via default_storage).
    If the transaction fails after the file is stored, the file is deleted again."""
    tender, bid = _draft_for_change(bid, by)
    used = bid.documents.aggregate(total=Sum("size"))["total"] or 0
    checked = check_upload(name=name, stream=stream, already_bytes=used)
    document = BidDocument(
        bid=bid,
        name=checked.name,
        kind=checked.kind,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=by,
    )
    ciphertext = sealing.seal_bytes(
        key=tender_key_for(tender).as_wrapped(), plaintext=checked.content, context=document.seal_context
    )
    document.storage_name = discard_on_failure(
        default_storage.save(document.storage_name, ContentFile(ciphertext))
    )
    document.save()
    # Sealed: no name, size or hash of the document.
    _audit_bid(by=by, action="bid.add_document", bid=bid, tender=tender)
    return document


@transaction.atomic
def bid_remove_document(*, document: BidDocument, by: Any) -> None:
    tender, bid = _draft_for_change(document.bid, by)
    document = bid.documents.get(pk=document.pk)
    storage_name, shared = (
        document.storage_name,
        BidDocument.objects.filter(storage_name=document.storage_name).exclude(pk=document.pk),
    )
    keep_file = shared.exists()
    document.delete()
    if not keep_file:
        transaction.on_commit(lambda: default_storage.delete(storage_name))
    _audit_bid(by=by, action="bid.remove_document", bid=bid, tender=tender)


# --- Submission ------------------------------------------------------------------------------------


def _parse_price(price: Any, tender: Tender) -> Decimal:
    try:
        value = Decimal(str(price).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter the price as an amount in yuan, e.g. 480000.00."), field="price") from None
    if not value.is_finite() or value <= 0:
        raise DomainError(_("The price must be more than zero."), field="price")
    if value != value.quantize(Decimal("0.01")):
        raise DomainError(_("The price is in yuan with at most two decimals (fen)."), field="price")
    if value > tender.budget:
        raise DomainError(_("A bid above the tender's budget is invalid."), field="price", code="over_budget")
    return value


@dataclass(frozen=True)
class Refusal:
    message: Any
    code: str


def bid_eligibility_refusal(
    *, tender: Tender, organisation: Organisation, on: date
) -> tuple[Refusal | None, str]:
    """Who may bid (DOMAIN.md): the tender's admitted undertaker kinds, and for a social organisation
    the published directory for the tender's category on the date. Returns (refusal or None,
    directory version used)."""
    kind = organisation.kind
    if not tender.admits_kind(kind):
        return (
            Refusal(
                _("This tender admits only: %(kinds)s. Your organisation is: %(kind)s.")
                % {"kinds": "、".join(tender.admitted_kind_labels()), "kind": OrganisationKind(kind).label},
                "kind_not_admitted",
            ),
            "",
        )
    if kind != OrganisationKind.SOCIAL_ORGANISATION:
        return None, ""
    from vendors.services.eligibility import eligibility_check

    result = eligibility_check(organisation=organisation, category=tender.category, on=on)
    version = str(result.version.number) if result.version is not None else ""
    if not result.eligible:
        return Refusal(result.reason, result.reason_code or "not_eligible"), version
    return None, version


def _related_bidder_refusal(
    tender: Tender, organisation: Organisation, related: set[int] | None = None
) -> Refusal | None:
    """Related bidders (same legal representative, or control) may not bid on the same tender
    (实施条例 Art. 18). ``related_organisation_ids`` reads relations in both directions."""
    from vendors.selectors import related_organisation_ids

    if related is None:
        related = related_organisation_ids(organisation)
    clash = bool(related) and (
        Bid.objects.counting().filter(tender=tender, organisation_id__in=related).exists()
    )
    if clash:
        return Refusal(
            _(
                "A related organisation (same legal representative or under common control) has already "
                "bid on this tender; related bidders may not both bid (实施条例 Art. 18)."
            ),
            "related_bidder",
        )
    return None


@transaction.atomic
def bid_submit(*, bid: Bid, price: Any, by: Any) -> Bid:
    """Seal and submit a draft bid, before the deadline by the server's clock, after the directory
    check, the admitted kinds and the related-bidder rule. Returns the submitted bid with its receipt.
    A replacement draft takes the place of the bid it replaces in the same transaction.

    Locks: the tender row is shared with other submissions and exclusive against closing, except
    for an organisation with related organisations, which takes it exclusively so that two related
    bidders' checks (each looking for the other's bid) cannot pass side by side."""
    from vendors.selectors import related_organisation_ids

    organisation = Organisation.objects.get(pk=bid.organisation_id)
    related = related_organisation_ids(organisation)
    tender = _lock_tender(bid.tender_id) if related else _share_tender(bid.tender_id)
    bid = Bid.objects.select_for_update().get(pk=bid.pk)
    # The rows just read, not read again by the checks, the transition and the audit below.
    bid.organisation, bid.tender = organisation, tender
    if not can(by, "procurement.change_bid", bid):
        raise NotAllowed()
    if bid.status != BidStatus.DRAFT:
        raise DomainError(_("This bid has already been submitted."), code="already_submitted")
    _refuse_after_deadline(tender)
    value = _parse_price(price, tender)
    documents = list(bid.documents.all())
    if not documents:
        raise DomainError(_("Upload at least one bid document before submitting."), field="file")
    refusal, version = bid_eligibility_refusal(
        tender=tender, organisation=bid.organisation, on=today_in_shanghai()
    )
    refusal = refusal or _related_bidder_refusal(tender, bid.organisation, related)
    if refusal is not None:
        logger.info("bid %s: submission refused (%s)", bid.pk, refusal.code)
        raise DomainError(refusal.message, code=refusal.code)

    tender_key = tender_key_for(tender)
    sealed = sealing.seal_price(key=tender_key.as_wrapped(), price=value, context=bid.price_context)
    doc_hashes = [d.sha256 for d in documents]
    digest = sealing.bid_hash(
        tender_reference=tender.reference,
        organisation_code=bid.organisation.credit_code,
        price=value,
        salt=sealed.salt,
        document_hashes=doc_hashes,
    )
    now = timezone.now()
    replaced = None
    if bid.replaces_id:
        replaced = _lock_bid(bid.replaces_id)
        if replaced.status == BidStatus.SUBMITTED:
            with _before_deadline(tender):
                replaced.replace()
            replaced.save()
        else:
            replaced = None
    with _before_deadline(tender):
        bid.submit(ciphertext=sealed.ciphertext, bid_hash=digest, by=by, at=now, eligibility_version=version)
    bid.save(update_fields=Bid.SUBMIT_FIELDS)
    receipt = BidReceipt.objects.create(
        bid=bid,
        number=f"{tender.reference}-{bid.pk:07d}",
        issued_at=now,
        bid_hash=digest,
        documents=[{"name": d.name, "size": d.size, "sha256": d.sha256} for d in documents],
    )
    if replaced is not None:
        _audit_bid(
            by=by,
            action="bid.replace",
            bid=replaced,
            tender=tender,
            key=tender_key,
            summary={"replaced_by": bid.pk},
        )
    _audit_bid(
        by=by,
        action="bid.submit",
        bid=bid,
        tender=tender,
        key=tender_key,
        # Sealed: no organisation, price or document detail (the salted bid hash reveals none).
        summary={"bid_hash": digest},
        sealed={"receipt": receipt.number},  # the receipt number names the tender
    )
    # No notification: the receipt page is the bidder's confirmation (and keeps the rush light).
    return bid


@transaction.atomic
def bid_withdraw(*, bid: Bid, by: Any) -> Bid:
    """Before the deadline the bidder may withdraw its submitted bid (it stays on record)."""
    tender = _lock_tender(bid.tender_id)
    bid = _lock_bid(bid.pk)
    if not can(by, "procurement.change_bid", bid):
        raise NotAllowed()
    if bid.status != BidStatus.SUBMITTED:
        raise DomainError(_("Only a submitted bid can be withdrawn."), code="not_submitted")
    _refuse_after_deadline(tender)
    with _before_deadline(tender):
        bid.withdraw()
    bid.save()
    _audit_bid(by=by, action="bid.withdraw", bid=bid, tender=tender)
    return bid


@transaction.atomic
def bid_replace(*, bid: Bid, by: Any) -> Bid:
    """Start replacing a submitted bid (before the deadline): a new draft with the same documents
    (the same sealed files, nothing decrypted). The old bid counts until the new one is submitted."""
    tender = _lock_tender(bid.tender_id)
    bid = _lock_bid(bid.pk)
    if not can(by, "procurement.change_bid", bid):
        raise NotAllowed()
    if bid.status != BidStatus.SUBMITTED:
        raise DomainError(_("Only a submitted bid can be replaced."), code="not_submitted")
    _refuse_after_deadline(tender)
    draft = Bid.objects.filter(tender=tender, organisation=bid.organisation, status=BidStatus.DRAFT).first()
    if draft is not None:
        return draft
    draft = Bid.objects.create(tender=tender, organisation=bid.organisation, created_by=by, replaces=bid)
    BidDocument.objects.bulk_create(
        BidDocument(
            bid=draft,
            seal_id=d.seal_id,
            storage_name=d.storage_name,
            name=d.name,
            kind=d.kind,
            content_type=d.content_type,
            size=d.size,
            sha256=d.sha256,
            uploaded_by=d.uploaded_by,
        )
        for d in bid.documents.all()
    )
    _audit_bid(by=by, action="bid.replace_start", bid=draft, tender=tender, summary={"replaces": bid.pk})
    return draft


@transaction.atomic
def bid_reconfirm(*, bid: Bid, by: Any) -> Bid:
    """After an amendment the bidder confirms its sealed bid unchanged."""
    tender = _lock_tender(bid.tender_id)
    bid = _lock_bid(bid.pk)
    if not can(by, "procurement.change_bid", bid):
        raise NotAllowed()
    if bid.status != BidStatus.SUBMITTED:
        raise DomainError(_("Only a submitted bid can be confirmed."), code="not_submitted")
    _refuse_after_deadline(tender)
    with _before_deadline(tender):
        bid.reconfirm()
    bid.save()
    _audit_bid(by=by, action="bid.reconfirm", bid=bid, tender=tender)
    return bid


@transaction.atomic
def bids_mark_reconfirm(*, tender: Tender, by: Any) -> int:
    """An amendment was published: every submitted bid must be confirmed again or replaced
    (called by the tender's amendment service). Bidders are told; the count is not published."""
    tender = _lock_tender(tender.pk)
    bids = Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED)
    org_ids = list(bids.values_list("organisation_id", flat=True))
    count = bids.update(to_reconfirm=True)
    if count:
        audit_record(actor=by, action="bids.mark_reconfirm", obj=tender, summary={"tender": tender.reference})
        notify(
            recipients=_bidder_recipients(org_ids),
            kind="bid.reconfirm",
            message=gettext_noop(
                "Tender %(ref)s was amended. Confirm your sealed bid again or replace it before the deadline."
            ),
            params={"ref": tender.reference},
            url=tender.get_absolute_url(),
            obj=tender,
        )
    return count


# --- Closing ---------------------------------------------------------------------------------------


@transaction.atomic
def tender_close_bidding(*, tender: Tender, by: Any = None) -> bool:
    """Close bidding at the deadline (server time). Idempotent and safe to run concurrently: the
    tender row is locked, and a tender already closed (or not yet due) is left as it is."""
    tender = _lock_tender(tender.pk)
    if tender.status != TenderStatus.PUBLISHED or not tender.has_passed_deadline():
        return False
    tender.close_bidding()
    tender.save()
    audit_record(actor=by, action="tender.close_bidding", obj=tender, summary={"tender": tender.reference})
    org_ids = list(
        Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED).values_list(
            "organisation_id", flat=True
        )
    )
    notify(
        recipients=_bidder_recipients(org_ids),
        kind="tender.bidding_closed",
        message=gettext_noop("Bidding on tender %(ref)s has closed. Bids will be opened at %(opening)s."),
        params={
            "ref": tender.reference,
            "opening": timezone.localtime(tender.opening_at).strftime("%Y-%m-%d %H:%M")
            if tender.opening_at
            else "",
        },
        url=tender.get_absolute_url(),
        obj=tender,
    )
    return True


def tenders_close_due() -> int:
    """Close every published tender whose deadline has passed (the periodic task calls this)."""
    closed = 0
    due = Tender.objects.filter(status=TenderStatus.PUBLISHED, bid_deadline__lte=timezone.now())
    for tender in due.only("pk"):
        if tender_close_bidding(tender=tender):
            closed += 1
    if closed:
        logger.info("closed bidding on %d tender(s)", closed)
    return closed
