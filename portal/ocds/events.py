"""The public events of every project, one OCDS release each, in (date, kind, object) order.

One ``UNION ALL`` over the tables that carry an event date, each part filtered by the keyset before
the union, so a page costs one query whatever its position (no OFFSET) and never counts anything.
The kinds and their conditions here must match ``portal.ocds.builder`` (a test walks both).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import CharField, F, Q, QuerySet, Value

from evaluation.models import Evaluation
from evaluation.models.evaluations import PUBLIC_STATUSES as EVALUATION_PUBLIC_STATUSES
from procurement.models import Amendment, Award, Contract, ContractVersion, Milestone, Payment, Tender
from procurement.models.tenders import TenderStatus

# Kinds of release; the order of this tuple is irrelevant to paging (which sorts by the kind's name).
KINDS = (
    "planning",
    "tender",
    "amendment",
    "opening",
    "cancellation",
    "failure",
    "award",
    "awardcancel",
    "contract",
    "contractamendment",
    "termination",
    "milestone",
    "payment",
    "evaluation",
)
OPENED_STATES = [
    s
    for s in TenderStatus.values
    if s not in (TenderStatus.DRAFT, TenderStatus.PUBLISHED, TenderStatus.BIDDING_CLOSED)
]


@dataclass(frozen=True, order=True)
class EventKey:
    date: datetime
    kind: str
    obj: int

    def token(self) -> str:
        raw = json.dumps([self.date.astimezone(UTC).isoformat(), self.kind, self.obj])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def from_token(cls, token: str) -> EventKey:
        """Raises ValueError for anything that is not a token this module made."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            date, kind, obj = json.loads(raw)
            moment = datetime.fromisoformat(date)
        except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, TypeError, ValueError) as exc:
            raise ValueError("bad cursor") from exc
        if kind not in KINDS or not isinstance(obj, int) or moment.tzinfo is None:
            raise ValueError("bad cursor")
        return cls(moment, kind, obj)


@dataclass(frozen=True)
class Event:
    key: EventKey
    tender_id: int


def public_tenders() -> QuerySet[Tender]:
    return Tender.objects.public()


def _parts() -> list[tuple[str, QuerySet[Any], str, str, str]]:
    """(kind, queryset, date field, object id field, tender id field) of every event kind."""
    public = Q(status__in=[s for s in TenderStatus.values if s != TenderStatus.DRAFT])
    tender_public = {
        "tender__published_at__isnull": False,
        "tender__status__in": [s for s in TenderStatus.values if s != TenderStatus.DRAFT],
    }
    contract_public = {
        "contract__published_at__isnull": False,
        "contract__tender__published_at__isnull": False,
    }
    tenders = Tender.objects.filter(public, published_at__isnull=False)
    return [
        ("planning", tenders, "published_at", "pk", "pk"),
        ("tender", tenders, "published_at", "pk", "pk"),
        ("amendment", Amendment.objects.filter(**tender_public), "published_at", "pk", "tender_id"),
        (
            "opening",
            tenders.filter(bids_opened_at__isnull=False, status__in=OPENED_STATES),
            "bids_opened_at",
            "pk",
            "pk",
        ),
        (
            "cancellation",
            tenders.filter(status=TenderStatus.CANCELLED, cancelled_at__isnull=False),
            "cancelled_at",
            "pk",
            "pk",
        ),
        (
            "failure",
            tenders.filter(status=TenderStatus.FAILED, failed_at__isnull=False),
            "failed_at",
            "pk",
            "pk",
        ),
        (
            "award",
            Award.objects.filter(announced_at__isnull=False, **tender_public),
            "announced_at",
            "pk",
            "tender_id",
        ),
        (
            "awardcancel",
            Award.objects.filter(announced_at__isnull=False, rescinded_at__isnull=False, **tender_public),
            "rescinded_at",
            "pk",
            "tender_id",
        ),
        (
            "contract",
            Contract.objects.filter(published_at__isnull=False, **tender_public),
            "published_at",
            "pk",
            "tender_id",
        ),
        (
            "contractamendment",
            ContractVersion.objects.filter(
                number__gt=1, created_at__gt=F("contract__published_at"), **contract_public
            ),
            "created_at",
            "pk",
            "contract__tender_id",
        ),
        (
            "termination",
            Contract.objects.filter(published_at__isnull=False, terminated_at__isnull=False, **tender_public),
            "terminated_at",
            "pk",
            "tender_id",
        ),
        (
            "milestone",
            Milestone.objects.filter(accepted_at__isnull=False, **contract_public),
            "accepted_at",
            "pk",
            "contract__tender_id",
        ),
        (
            "payment",
            Payment.objects.filter(
                instalment__contract__published_at__isnull=False,
                instalment__contract__tender__published_at__isnull=False,
            ),
            "recorded_at",
            "pk",
            "instalment__contract__tender_id",
        ),
        (
            "evaluation",
            Evaluation.objects.filter(
                status__in=list(EVALUATION_PUBLIC_STATUSES), published_at__isnull=False, **contract_public
            ),
            "published_at",
            "pk",
            "contract__tender_id",
        ),
    ]


def events_page(
    *,
    after: EventKey | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    tender_ids: Iterable[int] | None = None,
) -> list[Event]:
    """Up to ``limit`` events after ``after`` with ``since <= date < until``, in key order (one query)."""
    queries = []
    for kind, queryset, date_field, obj_field, tender_field in _parts():
        qs = queryset
        if since is not None:
            qs = qs.filter(**{f"{date_field}__gte": since})
        if until is not None:
            qs = qs.filter(**{f"{date_field}__lt": until})
        if tender_ids is not None:
            qs = qs.filter(**{f"{tender_field}__in": list(tender_ids)})
        if after is not None:
            # (date, kind, obj) > after, with this part's kind a constant.
            if kind > after.kind:
                qs = qs.filter(**{f"{date_field}__gte": after.date})
            elif kind < after.kind:
                qs = qs.filter(**{f"{date_field}__gt": after.date})
            else:
                qs = qs.filter(
                    Q(**{f"{date_field}__gt": after.date})
                    | Q(**{date_field: after.date, f"{obj_field}__gt": after.obj})
                )
        queries.append(
            qs.order_by().values(
                e_date=F(date_field),
                e_kind=Value(kind, output_field=CharField()),
                e_obj=F(obj_field),
                e_tender=F(tender_field),
            )
        )
    first, *rest = queries
    union = first.union(*rest, all=True).order_by("e_date", "e_kind", "e_obj")[:limit]
    return [
        Event(EventKey(_aware(row["e_date"]), row["e_kind"], int(row["e_obj"])), int(row["e_tender"]))
        for row in union
    ]


def _aware(value: Any) -> datetime:
    # A raw union on SQLite may hand back the stored text rather than a datetime.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
