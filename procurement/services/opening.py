"""The opening (开标): the only place sealed bids are decrypted.

At or after the opening time the purchaser of the tender's department opens the bids: each price
and document is decrypted with an ``OpeningPermit``, its SHA-256 recomputed and compared with the
hashes given to the bidder at submission. A mismatch (or a ciphertext that no longer authenticates)
is recorded on the bid and in the opening record, never hidden. Every later read of a document is
audited.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.audit import (
    REVEAL_ACTION,
    SEALED_ACTOR_KEY,
    SEALED_ACTOR_LABEL,
    audit_record,
    audit_record_many,
)
from accounts.exceptions import DomainError, NotAllowed
from accounts.models import AuditEntry
from accounts.notifications import notify
from procurement import sealing
from procurement.models import Bid, BidDocument, BidStatus, OpeningRecord, Tender, TenderStatus
from procurement.services.bids import (
    _bidder_recipients,
    _lock_tender,
    can,
    tender_close_bidding,
    tender_key_for,
)

# What ``Bid.open`` sets: the values of each bid (written with one ``bulk_update``) and those many
# bids share (one ``UPDATE`` per distinct combination, usually one for the whole opening). A
# ``bulk_update`` of every field was a CASE of 1,400 branches for 200 bids, slow to build.
OPENED_OWN_FIELDS = ["opened_at", "opened_price", "opened_salt"]
OPENED_SHARED_FIELDS = ["status", "hash_ok", "documents_ok", "opening_problem"]


def _open_one(
    bid: Bid, permit: sealing.OpeningPermit, key: sealing.WrappedKey, checked: dict[bool, list[int]]
) -> dict[str, Any]:
    """Decrypt and re-hash one bid (no database write: ``checked`` collects each document's id under
    its result, and the caller saves the bids and documents in bulk)."""
    problems: list[str] = []
    price, salt = None, ""
    try:
        price, salt = sealing.unseal_price(
            permit, key=key, ciphertext=bytes(bid.price_ciphertext or b""), context=bid.price_context
        )
    except sealing.SealError:
        problems.append(str(_("The sealed price does not authenticate (altered or moved).")))
    documents, recomputed, documents_ok = [], [], True
    for document in bid.documents.all():
        ok = False
        try:
            with default_storage.open(document.storage_name, "rb") as fh:
                content = sealing.unseal_bytes(
                    permit, key=key, ciphertext=fh.read(), context=document.seal_context
                )
            digest = sealing.sha256_hex(content)
            recomputed.append(digest)
            ok = digest == document.sha256
            if not ok:
                problems.append(
                    str(_("Document %(name)s does not match its hash.")) % {"name": document.name}
                )
        except (sealing.SealError, OSError):
            problems.append(
                str(_("Document %(name)s cannot be decrypted (altered or missing)."))
                % {"name": document.name}
            )
        checked[ok].append(document.pk)
        documents_ok = documents_ok and ok
        documents.append({"name": document.name, "sha256": document.sha256, "size": document.size, "ok": ok})
    receipt_hash = getattr(getattr(bid, "receipt", None), "bid_hash", "")
    hash_ok = False
    if price is not None and documents_ok:
        digest = sealing.bid_hash(
            tender_reference=bid.tender.reference,
            organisation_code=bid.organisation.credit_code,
            price=price,
            salt=salt,
            document_hashes=recomputed,
        )
        hash_ok = digest == bid.bid_hash == receipt_hash
        if not hash_ok:
            problems.append(str(_("The bid does not match the hash on the bidder's receipt.")))
    bid.open(price=price, salt=salt, hash_ok=hash_ok, documents_ok=documents_ok, problem="\n".join(problems))
    return {
        "bid": bid.pk,
        "organisation": bid.organisation.name,
        "credit_code": bid.organisation.credit_code,
        "submitted_at": bid.submitted_at.isoformat() if bid.submitted_at else "",
        "price": f"{price:.2f}" if price is not None else None,
        "bid_hash": bid.bid_hash,
        "salt": salt,
        "hash_ok": hash_ok,
        "documents_ok": documents_ok,
        "documents": documents,
        "problem": bid.opening_problem,
        "to_reconfirm": bid.to_reconfirm,
    }


@transaction.atomic
def tender_open(*, tender: Tender, by: Any) -> OpeningRecord:
    """Open the bids at or after the opening time (purchaser of the owning department only)."""
    if not can(by, "procurement.open_bids", tender):
        raise NotAllowed()
    if tender.status == TenderStatus.PUBLISHED:
        tender_close_bidding(tender=tender, by=None)
    tender = _lock_tender(tender.pk)
    if tender.status != TenderStatus.BIDDING_CLOSED:
        raise DomainError(_("Only a tender whose bidding has closed can be opened."), code="not_closed")
    if not tender.has_reached_opening_time():
        raise DomainError(
            _("Bids stay sealed until the opening time, %(at)s.")
            % {"at": timezone.localtime(tender.opening_at).strftime("%Y-%m-%d %H:%M")},
            code="too_early",
        )
    permit = sealing.opening_permit(tender_id=tender.pk, opening_at=tender.opening_at)  # type: ignore[arg-type]
    tender.open_bids()
    tender.save()
    key = tender_key_for(tender).as_wrapped()
    bids = (
        Bid.objects.select_for_update(of=("self",))
        .filter(tender=tender, status=BidStatus.SUBMITTED)
        .select_related("organisation", "receipt", "tender")
        .prefetch_related("documents")
        .order_by("submitted_at", "pk")
    )
    opened = list(bids)
    checked: dict[bool, list[int]] = {True: [], False: []}
    lines = [_open_one(bid, permit, key, checked) for bid in opened]
    # A few statements for the whole opening, not one per bid and per document (200 bids × 10
    # documents took thousands of round trips).
    Bid.objects.bulk_update(opened, OPENED_OWN_FIELDS, batch_size=500)
    shared: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for bid in opened:
        shared[tuple(getattr(bid, name) for name in OPENED_SHARED_FIELDS)].append(bid.pk)
    for values, ids in shared.items():
        Bid.objects.filter(pk__in=ids).update(**dict(zip(OPENED_SHARED_FIELDS, values, strict=True)))
    for ok, ids in checked.items():
        for first in range(0, len(ids), 1000):
            BidDocument.objects.filter(pk__in=ids[first : first + 1000]).update(hash_ok=ok)
    record = OpeningRecord.objects.create(
        tender=tender,
        opened_at=tender.bids_opened_at or timezone.now(),
        opened_by=by,
        lines=lines,
        all_hashes_ok=all(line["hash_ok"] for line in lines),
    )
    audit_record(
        actor=by,
        action="tender.open",
        obj=tender,
        summary={
            "tender": tender.reference,
            "bids": len(lines),
            "hash_failures": [line["bid"] for line in lines if not line["hash_ok"]],
        },
    )
    _reveal_bid_actors(tender, permit, key, by)
    from procurement.services.qualification import tender_check_directory

    tender_check_directory(tender=tender, by=by)
    notify(
        recipients=_bidder_recipients([bid.organisation_id for bid in opened]),
        kind="tender.opening_record",
        message=gettext_noop("The bids on tender %(ref)s were opened; the opening record is available."),
        params={"ref": tender.reference},
        url=record.get_absolute_url(),
        obj=tender,
    )
    return record


def _reveal_bid_actors(
    tender: Tender, permit: sealing.OpeningPermit, key: sealing.WrappedKey, by: Any
) -> None:
    """From the opening on, the bidders' identities may be known: for every bid on the tender (opened,
    withdrawn, replaced or left as a draft), one entry names the actors of its sealed entries
    (seq → e-mail and user id) and what else each sealed (the receipt number), with the tender. The
    sealed entries themselves are never changed: the chain stays intact."""
    bids = {str(b.pk): b for b in Bid.objects.filter(tender=tender)}
    sealed = (
        AuditEntry.objects.filter(
            object_type=Bid._meta.label_lower, object_id__in=list(bids), actor_label=SEALED_ACTOR_LABEL
        )
        .order_by("seq")
        .only("seq", "object_id", "summary")
    )
    revealed: dict[str, dict[str, Any]] = {}
    for entry in sealed:
        bid = bids[entry.object_id]
        try:
            blob = base64.b64decode(entry.summary.get(SEALED_ACTOR_KEY, ""), validate=True)
            identity = json.loads(
                sealing.unseal_bytes(permit, key=key, ciphertext=blob, context=bid.actor_context)
            )
            email, user = str(identity["email"]), identity.get("user")
        except (sealing.SealError, binascii.Error, ValueError, KeyError, TypeError):
            email, user, identity = "(the sealed actor does not authenticate)", None, {}
        found = revealed.setdefault(
            entry.object_id, {"tender": tender.reference, "entries": {}, "users": {}, "sealed": {}}
        )
        found["entries"][str(entry.seq)] = email
        found["users"][str(entry.seq)] = user
        found["sealed"][str(entry.seq)] = {k: v for k, v in identity.items() if k not in ("user", "email")}
    audit_record_many(
        actor=by, items=[(REVEAL_ACTION, bids[bid_id], found) for bid_id, found in revealed.items()]
    )


def bid_document_read(*, document: BidDocument, by: Any) -> bytes:
    """The plaintext of a bid document after the opening, for those allowed; every read is audited."""
    bid = document.bid
    if not can(by, "procurement.read_bid_documents", bid):
        raise NotAllowed()
    tender = bid.tender
    permit = sealing.opening_permit(tender_id=tender.pk, opening_at=tender.opening_at)  # type: ignore[arg-type]
    key = tender_key_for(tender).as_wrapped()
    with default_storage.open(document.storage_name, "rb") as fh:
        content = sealing.unseal_bytes(permit, key=key, ciphertext=fh.read(), context=document.seal_context)
    with transaction.atomic():
        audit_record(
            actor=by,
            action="bid.read_document",
            obj=bid,
            summary={"document": document.name, "sha256": document.sha256},
        )
    return content


@transaction.atomic
def sealed_read_record(*, obj: Any, by: Any, what: str) -> None:
    """Record a read of unsealed material (opening record, opened price, review page): DOMAIN.md asks
    every read of sealed material after opening to be in the audit trail."""
    audit_record(actor=by, action="bid.read_sealed", obj=obj, summary={"what": what})
