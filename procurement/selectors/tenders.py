"""Tender reads: the public portal, the purchaser's lists, the tender page.

Lists are keyset-paginated on (published_at, id) — newest first, no COUNT over the whole table,
never an OFFSET — and the tender page fetches its documents, criteria, clarifications and amendments in a fixed
number of queries however many there are.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from procurement.models import Amendment, Clarification, Tender, TenderDocument, TenderStatus

PAGE_SIZE = 20


@dataclass
class TenderFilters:
    category: int | None = None
    department: int | None = None
    method: str = ""
    status: str = ""
    deadline_from: datetime | None = None
    deadline_to: datetime | None = None
    q: str = ""


@dataclass
class KeysetPage:
    """One page of a newest-first list. ``next_cursor`` (older rows, ``?after=``) is empty on the last
    page, ``prev_cursor`` (newer rows, ``?before=``) on the first."""

    items: list[Any]
    next_cursor: str = ""
    prev_cursor: str = ""
    is_first: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _encode_cursor(tender: Tender) -> str:
    assert tender.published_at is not None
    raw = f"{tender.published_at.isoformat()}|{tender.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, pk = raw.split("|")
        parsed = parse_datetime(when)
        return (parsed, int(pk)) if parsed else None
    except (ValueError, UnicodeDecodeError):
        return None


def tender_public_queryset(filters: TenderFilters | None = None) -> QuerySet[Tender]:
    """Published tenders (every state after publication), newest first, with what a list shows."""
    filters = filters or TenderFilters()
    qs = Tender.objects.public().select_related("department", "category")
    if filters.category:
        qs = qs.filter(category_id=filters.category)
    if filters.department:
        qs = qs.filter(department_id=filters.department)
    if filters.method:
        qs = qs.filter(method=filters.method)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.deadline_from:
        qs = qs.filter(bid_deadline__gte=filters.deadline_from)
    if filters.deadline_to:
        qs = qs.filter(bid_deadline__lte=filters.deadline_to)
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q) | Q(reference__iexact=filters.q))
    return qs.order_by("-published_at", "-id")


def _keyset(qs: QuerySet[Tender], cursor: str, page_size: int, before: str = "") -> KeysetPage:
    """A page after ``cursor`` (older) or, with ``before``, the page just before it (newer).

    The query is always ``WHERE (published_at, id) < / > (cursor) ORDER BY published_at, id LIMIT n+1``
    on the ``tender_pub_idx``/``tender_status_pub_idx`` indexes: the cost of a page does not depend on
    how deep it is, and the extra row tells whether there is another page (no COUNT).
    """
    back = _decode_cursor(before) if before else None
    if back is not None:
        when, pk = back
        # The redundant range bound lets PostgreSQL start the index scan at the cursor; the OR alone
        # is a filter it applies row by row (26.8 s for a deep page of a million tenders, 0.3 ms with).
        newer = qs.filter(
            Q(published_at__gt=when) | Q(published_at=when, id__gt=pk), published_at__gte=when
        ).order_by("published_at", "id")
        rows = list(newer[: page_size + 1])
        items = list(reversed(rows[:page_size]))
        has_newer = len(rows) > page_size
        return KeysetPage(
            items=items,
            next_cursor=_encode_cursor(items[-1]) if items else before,
            prev_cursor=_encode_cursor(items[0]) if has_newer else "",
            is_first=not has_newer,
        )
    position = _decode_cursor(cursor) if cursor else None
    if position is not None:
        when, pk = position
        qs = qs.filter(Q(published_at__lt=when) | Q(published_at=when, id__lt=pk), published_at__lte=when)
    rows = list(qs[: page_size + 1])
    items = rows[:page_size]
    next_cursor = _encode_cursor(items[-1]) if len(rows) > page_size else ""
    prev_cursor = _encode_cursor(items[0]) if position is not None and items else ""
    if position is not None and not items:
        prev_cursor = cursor  # past the end: "newer" leads back to the rows before the cursor
    return KeysetPage(
        items=items, next_cursor=next_cursor, prev_cursor=prev_cursor, is_first=position is None
    )


# The columns the public list page shows (and its keyset needs): a page loads nothing else.
LIST_COLUMNS = (
    "id",
    "reference",
    "title",
    "method",
    "budget",
    "bid_deadline",
    "status",
    "published_at",
    "department__name",
    "category__name",
    "category__name_en",
)


def tender_public_page(
    filters: TenderFilters,
    cursor: str = "",
    page_size: int = PAGE_SIZE,
    *,
    before: str = "",
    columns: tuple[str, ...] | None = None,
) -> KeysetPage:
    """The public tender list (stable API: the portal, the API and the bench use it).

    Newest first by (published_at desc, id desc); ``cursor`` = ``KeysetPage.next_cursor`` of the page
    before, ``before`` = ``KeysetPage.prev_cursor`` to go back. Two pages never overlap or skip a row,
    whatever is published meanwhile; no OFFSET and no COUNT, one query per page. ``columns`` (e.g.
    ``LIST_COLUMNS``) limits what is loaded.
    """
    qs = tender_public_queryset(filters)
    if columns:
        qs = qs.only(*columns)
    return _keyset(qs, cursor, page_size, before)


def tender_department_list(department_id: int | None, status: str = "") -> QuerySet[Tender]:
    """A department's tenders, drafts first, for its purchasers (bounded by the department's size)."""
    if department_id is None:
        return Tender.objects.none()
    qs = Tender.objects.filter(department_id=department_id).select_related("category")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def tender_get_for_page(pk: int) -> Tender:
    """One tender with everything its page shows, in a constant number of queries (five; a
    re-tendered tender's link to its predecessor costs one more). Re-tenders are looked up only for a
    failed tender, the one state they are made from."""
    tender = tender_get_for_page_row(pk)
    tender_load_page_children(tender)
    return tender


def tender_get_for_page_row(pk: int) -> Tender:
    """The tender row with its department and category: what the tender page needs when its public
    parts come from the cache (``procurement.fragments``)."""
    return Tender.objects.select_related("department", "category").get(pk=pk)


def tender_load_page_children(tender: Tender) -> None:
    """Read the lists a tender page shows (criteria, documents, clarifications, amendments, and a
    failed tender's re-tenders) into ``tender``: four queries, five for a failed tender."""
    lookups: list[Any] = [
        "criteria",
        Prefetch("documents", queryset=TenderDocument.objects.order_by("title", "-version")),
        Prefetch("clarifications", queryset=Clarification.objects.order_by("published_at", "asked_at", "id")),
        Prefetch("amendments", queryset=Amendment.objects.order_by("number")),
    ]
    if tender.status == TenderStatus.FAILED:
        lookups.append("retenders")
    prefetch_related_objects([tender], *lookups)
    # A document names the amendment that brought it: one of the tender's amendments, already read
    # (each join or query left out is about a millisecond of a page that costs ten).
    amendments = {a.pk: a for a in tender.amendments.all()}
    for document in tender.documents.all():
        if document.amendment_id in amendments:
            document.amendment = amendments[document.amendment_id]


def tender_unanswered_questions(tender: Tender, asked_by: Any = None) -> list[Clarification]:
    """Questions not yet published on ``tender`` (only ``asked_by``'s when given), oldest first;
    from the prefetched clarifications when they were read, else one query."""
    cached = getattr(tender, "_prefetched_objects_cache", {}).get("clarifications")
    if cached is None:
        qs = Clarification.objects.filter(tender=tender, published_at__isnull=True)
        if asked_by is not None:
            qs = qs.filter(asked_by=asked_by)
        return list(qs.order_by("asked_at", "id"))
    return [c for c in cached if not c.is_published and (asked_by is None or c.asked_by_id == asked_by.pk)]


def tender_retenders(tender: Tender) -> list[Tender]:
    """The tenders made again from this one: only a failed tender has any (prefetched by
    ``tender_get_for_page``)."""
    return list(tender.retenders.all()) if tender.status == TenderStatus.FAILED else []


def tender_published_clarifications(tender: Tender) -> list[Clarification]:
    return [c for c in tender.clarifications.all() if c.is_published]


def tender_current_documents(tender: Tender) -> list[TenderDocument]:
    return [d for d in tender.documents.all() if d.is_current]


def tender_interested_users(tender: Tender) -> list[Any]:
    """Who hears of changes to a published tender: the staff of organisations that have a bid on it
    (any state) and the suppliers who asked questions."""
    from accounts.models import User
    from vendors.models import Organisation

    condition = Q(
        pk__in=Clarification.objects.filter(tender=tender, asked_by__isnull=False).values("asked_by")
    )
    if any(f.name == "bids" for f in Organisation._meta.get_fields()):
        condition |= Q(
            memberships__status="approved",
            memberships__organisation__bids__tender=tender,
        )
    return list(User.objects.filter(condition, is_active=True).distinct())


@dataclass(frozen=True)
class Notice:
    """A published notice for the home page: a tender notice, an amendment, a cancellation."""

    title: str
    published_at: datetime
    url: str

    def get_absolute_url(self) -> str:
        return self.url

    def __str__(self) -> str:
        return self.title


def latest_public_notices(limit: int = 10) -> list[Notice]:
    """The newest tender notices and amendments (更正公告), newest first. Two bounded queries."""
    from django.utils.translation import gettext as _

    notices: list[Notice] = []
    for tender in (
        Tender.objects.public().select_related("department").order_by("-published_at", "-id")[:limit]
    ):
        assert tender.published_at is not None
        label = _("Tender notice")
        if tender.status == TenderStatus.CANCELLED:
            label = _("Cancelled")
        elif tender.status == TenderStatus.FAILED:
            label = _("Failed (废标)")
        notices.append(
            Notice(
                f"[{label}] {tender.reference} {tender.title}", tender.published_at, tender.get_absolute_url()
            )
        )
    for amendment in Amendment.objects.select_related("tender").order_by("-published_at", "-id")[:limit]:
        notices.append(
            Notice(
                f"[{_('Amendment')}] {amendment.tender.reference} {amendment.summary}",
                amendment.published_at,
                reverse("procurement:amendment_detail", args=[amendment.tender_id, amendment.number]),
            )
        )
    notices.sort(key=lambda n: n.published_at or timezone.now(), reverse=True)
    return notices[:limit]
