"""Writing and verifying the audit trail (see ``accounts.models.audit``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models.signals import post_save

from accounts.models.audit import GENESIS_HASH, AuditEntry

# One arbitrary 64-bit key for PostgreSQL's advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 0x60B0_AD17


def _lock_chain() -> None:
    """Serialise appenders until this transaction ends.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: transactions are BEGIN IMMEDIATE
    (settings), so the writer already holds the database's write lock. The unique constraint on
    ``prev_hash`` is the last line of defence: two entries can never claim the same predecessor.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def _plain(summary: dict[str, Any]) -> dict[str, Any]:
    # Store exactly what JSON gives back, so the hash recomputes identically after a round trip.
    return json.loads(json.dumps(summary, cls=DjangoJSONEncoder, ensure_ascii=False))


# The actor label of an entry whose actor is sealed (a bidder before the opening): the entry holds
# no user and no e-mail in clear, only ``summary[SEALED_ACTOR_KEY]``, the identity encrypted by the
# caller. After the opening an entry of action REVEAL_ACTION on the same object names them.
SEALED_ACTOR_LABEL = "sealed"
SEALED_ACTOR_KEY = "sealed_actor"
REVEAL_ACTION = "audit.reveal_actors"


def _entry(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None,
    summary: dict[str, Any] | None,
    sealed_actor: str | None = None,
) -> AuditEntry:
    summary = dict(summary or {})
    if sealed_actor is not None:
        actor = None
        summary[SEALED_ACTOR_KEY] = sealed_actor
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    label = SEALED_ACTOR_LABEL if sealed_actor is not None else str(actor or "system")
    return AuditEntry(
        actor=actor if is_user else None,
        actor_label=(actor.email if is_user else label)[:254],
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        summary=_plain(summary),
    )


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    summary: dict[str, Any] | None = None,
    sealed_actor: str | None = None,
) -> AuditEntry:
    """Append one entry. Call it inside the service's transaction, after the change it records,
    so that the change and its entry commit or roll back together.

    ``sealed_actor``: the actor's identity already encrypted by the caller (base64 text). The entry
    then names no actor in clear (no user, label ``SEALED_ACTOR_LABEL``) and keeps the ciphertext in
    its summary; ``actor`` is ignored. Used for a bidder's actions before the opening (DOMAIN.md:
    not even the bidder's identity is known before then)."""
    if sealed_actor is not None:
        entry = _entry(actor=None, action=action, obj=obj, summary=summary, sealed_actor=sealed_actor)
        return _append([entry])[0]
    return audit_record_many(actor=actor, items=[(action, obj, summary)])[0]


def audit_record_many(
    *,
    actor: Any,
    items: Iterable[tuple[str, models.Model | None, dict[str, Any] | None]],
) -> list[AuditEntry]:
    """Append one entry per ``(action, obj, summary)``, in order, chained as if appended one by one
    (same content and hashes as that many ``audit_record`` calls), with one chain lock, one read of
    the chain's head and one bulk insert: a service recording a row per bid does not pay a
    round trip per row."""
    entries = [_entry(actor=actor, action=action, obj=obj, summary=summary) for action, obj, summary in items]
    return _append(entries)


def _append(entries: list[AuditEntry]) -> list[AuditEntry]:
    if not entries:
        return []
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
        seq, prev = (last.seq, last.hash) if last else (0, GENESIS_HASH)
        now = datetime.now(UTC)  # under the lock: created_at follows seq, as with one append at a time
        for entry in entries:
            seq += 1
            entry.seq, entry.prev_hash, entry.created_at = seq, prev, now
            entry.hash = prev = entry.compute_hash()
        if len(entries) == 1:
            entries[0].save(force_insert=True)
        else:
            AuditEntry.objects.bulk_create(entries, batch_size=500)
            # ``bulk_create`` sends no signal: send each entry's ``post_save`` as ``save()`` would
            # (the public page cache counts each audit entry but a sealed bidder's as a change).
            for entry in entries:
                post_save.send(
                    sender=AuditEntry,
                    instance=entry,
                    created=True,
                    update_fields=None,
                    raw=False,
                    using=entry._state.db,
                )
        return entries


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    entry_id: int
    reason: str


def audit_verify_chain() -> tuple[int, ChainBreak | None]:
    """Walk the chain in order. Returns (entries checked, first break or None)."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return checked, ChainBreak(
                entry.seq, entry.pk, f"expected sequence {expected_seq}: an entry is missing"
            )
        if entry.prev_hash != expected_prev:
            return checked, ChainBreak(
                entry.seq,
                entry.pk,
                "previous-hash link does not match the entry before it (deleted or reordered)",
            )
        if entry.compute_hash() != entry.hash:
            return checked, ChainBreak(entry.seq, entry.pk, "content does not match its hash (edited)")
        expected_prev, expected_seq = entry.hash, expected_seq + 1
        checked += 1
    return checked, None


def revealed_actors(entries: Iterable[AuditEntry]) -> dict[int, str]:
    """seq → the revealed actor of each sealed entry among ``entries`` whose actor has been revealed
    (after the opening, by an entry of action ``REVEAL_ACTION`` on the same object)."""
    sealed = [e for e in entries if e.actor_label == SEALED_ACTOR_LABEL and e.object_type]
    if not sealed:
        return {}
    wanted = {str(e.seq) for e in sealed}
    reveals = AuditEntry.objects.filter(
        action=REVEAL_ACTION,
        object_type__in={e.object_type for e in sealed},
        object_id__in={e.object_id for e in sealed},
    ).only("summary")
    found: dict[int, str] = {}
    for reveal in reveals:
        for seq, label in (reveal.summary.get("entries") or {}).items():
            if seq in wanted:
                found[int(seq)] = str(label)
    return found
