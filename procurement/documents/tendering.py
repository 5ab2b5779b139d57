"""Official documents of the tendering stage (PDF), registered with ``accounts.documents``.

* ``procurement.tender_announcement`` (招标公告) and ``procurement.tender_document`` (招标文件), about a
  :class:`Tender`: public once published.
* ``procurement.bid_receipt`` (投标回执), about a :class:`Bid` with its receipt: server time, the
  bid's and each document's SHA-256. Only the bidding organisation's own staff, before and after the
  opening; nobody else, never the purchaser (the rules, without the superuser bypass).
* ``procurement.opening_record`` (开标记录), ``procurement.qualification_results`` (资格审查结果) and
  ``procurement.evaluation_report`` (评标报告), about a :class:`Tender`: only once the bids are opened
  (and, for the report, once the committee submitted it), for those who see the matching page.

Reference numbers (文号) derive from the tender's reference (``JMMZ-2026-0001``): ``-GG`` 公告,
``-ZB`` 招标文件, ``-KB`` 开标记录, ``-ZS`` 资格审查, ``-PB-<round>`` 评标报告; a bid receipt keeps its
receipt number (``<tender ref>-<bid no.>``). Builders return plain data: money as exact Decimal yuan
strings (``"987654.32"``) beside a display form (``"987,654.32"``), times in Asia/Shanghai.

Before the opening the only document that reads a bid is the bidder's own receipt, and it carries no
price (the price is sealed even in the database). Every other builder reads opened data only
(``OpeningRecord.lines``, ``Bid.opened_price``, the submitted ``EvaluationReport``), and its
``can_view`` refuses everyone until that data exists.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import rules
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.documents import DocumentSpec, register_document
from accounts.rules import is_supervisor
from procurement.models import Bid, BidStatus, Tender, TenderDocument
from procurement.models.bids import REVIEW_STATES

CHINA = ZoneInfo("Asia/Shanghai")


# --- formatting -------------------------------------------------------------------------------------


def yuan(value: Decimal | str | None) -> str:
    """The exact amount in yuan as Decimal text (``1234567.80``)."""
    if value in (None, ""):
        return ""
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def money(value: Decimal | str | None) -> str:
    """Yuan for people: thousands separators and two decimals (``1,234,567.80``)."""
    if value in (None, ""):
        return ""
    return f"{Decimal(str(value)):,.2f}"


def when(moment: dt.datetime | None, *, seconds: bool = False) -> str:
    if moment is None:
        return ""
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(CHINA).date()
    return f"{value.year}年{value.month}月{value.day}日"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _tender(tender: Tender) -> Tender:
    return Tender.objects.select_related("department", "category").get(pk=tender.pk)


def _tender_facts(tender: Tender) -> dict[str, Any]:
    """What every tendering document says about the project."""
    return {
        "issuer": tender.department.name,
        "tender_reference": tender.reference,
        "tender_title": tender.title,
        "method": str(tender.get_method_display()),
        "category": str(tender.category.name),
        "budget": yuan(tender.budget),
        "budget_display": money(tender.budget),
    }


def _dates(tender: Tender) -> dict[str, str]:
    return {
        "published_at": when(tender.published_at),
        "documents_available_until": when(tender.documents_available_until),
        "clarification_deadline": when(tender.clarification_deadline),
        "bid_deadline": when(tender.bid_deadline),
        "opening_at": when(tender.opening_at),
    }


def _can(user: Any, perm: str, obj: Any) -> bool:
    """The rules themselves, without Django's superuser bypass: a site administrator does not get
    documents the matching page does not show them (DOMAIN.md "Sealed bids")."""
    return bool(rules.has_perm(perm, user, obj))


# --- tender announcement (招标公告) and tender document (招标文件) ---------------------------------------


def _criteria(tender: Tender) -> list[dict[str, str]]:
    return [
        {"name": c.name, "description": c.description, "max_points": str(c.max_points)}
        for c in tender.criteria.all()
    ]


def _amendments(tender: Tender) -> list[dict[str, Any]]:
    return [
        {
            "number": a.number,
            "summary": a.summary,
            "published_at": when(a.published_at),
            "new_bid_deadline": when(a.new_bid_deadline) if a.moved_deadline else "",
        }
        for a in tender.amendments.all()
    ]


def _common_tender_context(tender: Tender) -> dict[str, Any]:
    return {
        **_tender_facts(tender),
        **_dates(tender),
        "deposit": yuan(tender.deposit),
        "deposit_display": money(tender.deposit),
        "contract_term_months": tender.contract_term_months,
        "description": _lines(tender.description),
        "admitted_kinds": tender.admitted_kind_labels(),
        "admits_social_organisations": tender.admits_kind("social_organisation"),
        "conditions": _lines(tender.qualification_conditions),
        "criteria": _criteria(tender),
        "price_weight": str(tender.price_weight),
        "amendments": _amendments(tender),
        "cancel_reason": tender.cancel_reason if tender.status == "cancelled" else "",
        "failure_reason": tender.failure_reason if tender.status == "failed" else "",
        "address": tender.department.address,
        "phone": tender.department.phone,
    }


def build_tender_announcement(tender: Tender) -> DocumentSpec:
    tender = _tender(tender)
    return DocumentSpec(
        template="procurement/pdf/tender_announcement.html",
        context=_common_tender_context(tender),
        title=gettext("%(title)s tender announcement") % {"title": tender.title},
        reference=f"{tender.reference}-GG",
    )


def build_tender_document(tender: Tender) -> DocumentSpec:
    tender = _tender(tender)
    files = TenderDocument.objects.filter(tender=tender, is_current=True).order_by("title", "-version")
    context = _common_tender_context(tender)
    context["documents"] = [
        {
            "title": d.title,
            "version": d.version,
            "size": d.size,
            "sha256": d.sha256,
            "uploaded_at": when(d.uploaded_at),
        }
        for d in files
    ]
    context["total_points"] = str(
        sum((Decimal(c["max_points"]) for c in context["criteria"]), Decimal("0")) + tender.price_weight
    )
    return DocumentSpec(
        template="procurement/pdf/tender_document.html",
        context=context,
        title=gettext("%(title)s tender documents") % {"title": tender.title},
        reference=f"{tender.reference}-ZB",
    )


def can_view_tender_public(user: Any, tender: Tender) -> bool:
    """Published notices are public: anyone may have them, nobody before publication."""
    return tender.published_at is not None and tender.status != "draft"


# --- bid receipt (投标回执) ---------------------------------------------------------------------------


def build_bid_receipt(bid: Bid) -> DocumentSpec:
    bid = Bid.objects.select_related("organisation", "tender__department", "receipt").get(pk=bid.pk)
    receipt = bid.receipt
    tender = bid.tender
    return DocumentSpec(
        template="procurement/pdf/bid_receipt.html",
        context={
            # Issued by the platform: the purchaser does not see this receipt.
            "issuer": gettext("GovBuy e-procurement platform"),
            "purchaser": tender.department.name,
            "tender_reference": tender.reference,
            "tender_title": tender.title,
            "receipt_number": receipt.number,
            "organisation": bid.organisation.name,
            "credit_code": bid.organisation.credit_code,
            "received_at": when(receipt.issued_at, seconds=True),
            "received_at_utc": receipt.issued_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "bid_hash": receipt.bid_hash,
            "documents": [
                {"name": d["name"], "size": d["size"], "sha256": d["sha256"]} for d in receipt.documents
            ],
            "bid_deadline": when(tender.bid_deadline),
            "opening_at": when(tender.opening_at),
        },
        title=gettext("Bid receipt"),
        reference=receipt.number,
    )


def can_view_bid_receipt(user: Any, bid: Bid) -> bool:
    """The bidding organisation's own staff (before and after the opening), nobody else."""
    return (
        bid.submitted_at is not None and hasattr(bid, "receipt") and _can(user, "procurement.change_bid", bid)
    )


# --- opening record (开标记录) ------------------------------------------------------------------------


def build_opening_record(tender: Tender) -> DocumentSpec:
    tender = _tender(tender)
    record = tender.opening_record
    lines = [
        {
            "no": i,
            "organisation": line["organisation"],
            "credit_code": line["credit_code"],
            "submitted_at": when(dt.datetime.fromisoformat(line["submitted_at"]), seconds=True)
            if line.get("submitted_at")
            else "",
            "price": yuan(line.get("price")),
            "price_display": money(line.get("price")),
            "bid_hash": line["bid_hash"],
            "salt": line.get("salt", ""),
            "hash_ok": bool(line["hash_ok"]),
            "documents": [
                {"name": d["name"], "sha256": d["sha256"], "ok": bool(d["ok"])} for d in line["documents"]
            ],
            "problem": _lines(line.get("problem", "")),
        }
        for i, line in enumerate(record.lines, start=1)
    ]
    return DocumentSpec(
        template="procurement/pdf/opening_record.html",
        context={
            **_tender_facts(tender),
            "bid_deadline": when(tender.bid_deadline),
            "opened_at": when(record.opened_at, seconds=True),
            "opened_by": record.opened_by.get_full_name(),
            "lines": lines,
            "count": len(lines),
            "all_hashes_ok": record.all_hashes_ok,
        },
        title=gettext("Opening record") + f"（{tender.reference}）",
        reference=f"{tender.reference}-KB",
    )


def can_view_opening_record(user: Any, tender: Tender) -> bool:
    """Only after the opening; who sees the opening record page (the purchaser, supervisors, the
    bidders whose bids were opened)."""
    if tender.bids_opened_at is None or not hasattr(tender, "opening_record"):
        return False
    return _can(user, "procurement.view_opening_record", tender)


# --- qualification results (资格审查结果) -------------------------------------------------------------


def _review_versions(bids: list[Bid]) -> dict[int, str]:
    """The directory version the latest check at review used, per bid (kept in the audit trail)."""
    from accounts.models import AuditEntry

    versions: dict[int, str] = {}
    entries = AuditEntry.objects.filter(
        object_type=Bid._meta.label_lower,
        object_id__in=[str(b.pk) for b in bids],
        action="bid.directory_check",
    ).order_by("seq")
    for entry in entries.only("object_id", "summary"):
        versions[int(entry.object_id)] = str((entry.summary or {}).get("version", ""))
    return versions


def build_qualification_results(tender: Tender) -> DocumentSpec:
    tender = _tender(tender)
    bids = list(
        Bid.objects.filter(tender=tender, status__in=REVIEW_STATES)
        .select_related("organisation")
        .order_by("submitted_at", "pk")
    )
    versions = _review_versions(bids)
    results = {BidStatus.QUALIFIED: "passed", BidStatus.DISQUALIFIED: "failed"}
    rows = [
        {
            "no": i,
            "organisation": b.organisation.name,
            "credit_code": b.organisation.credit_code,
            "result": results.get(b.status, "pending"),
            "reason": b.qualification_reason,
            "directory_ok": b.review_eligible,
            "directory_reason": b.review_eligibility_reason,
            "version_at_submission": b.eligibility_version,
            "version_at_review": versions.get(b.pk, ""),
            "reviewed_at": when(b.reviewed_at),
        }
        for i, b in enumerate(bids, start=1)
    ]
    return DocumentSpec(
        template="procurement/pdf/qualification_results.html",
        context={
            **_tender_facts(tender),
            "opened_at": when(tender.bids_opened_at),
            "completed_at": when(tender.qualification_completed_at),
            "failed": tender.status == "failed" and tender.failed_at is not None,
            "failure_reason": tender.failure_reason,
            "rows": rows,
            "passed": sum(r["result"] == "passed" for r in rows),
            "failed_count": sum(r["result"] == "failed" for r in rows),
            "pending": sum(r["result"] == "pending" for r in rows),
        },
        title=gettext("Qualification review results") + f"（{tender.reference}）",
        reference=f"{tender.reference}-ZS",
    )


def can_view_qualification_results(user: Any, tender: Tender) -> bool:
    """After the opening: the purchaser who reviews (the review page) and supervisors."""
    if tender.bids_opened_at is None:
        return False
    return _can(user, "procurement.review_qualification", tender) or bool(is_supervisor(user))


# --- evaluation report (评标报告) ---------------------------------------------------------------------


def _latest_report(tender: Tender) -> Any:
    return (
        tender.evaluation_reports.select_related("committee", "submitted_by")
        .order_by("-submitted_at")
        .first()
    )


def build_evaluation_report(tender: Tender) -> DocumentSpec:
    tender = _tender(tender)
    report = _latest_report(tender)
    if report is None:
        raise LookupError("No evaluation report for this tender.")
    results = report.results
    criteria = list(results.get("criteria", []))
    members = list(results.get("members", []))
    kinds = {"expert": gettext("Expert"), "purchaser": gettext("Purchaser representative")}
    ranking = sorted(results.get("ranking", []), key=lambda r: (r["rank"], r["organisation"]))
    by_member: dict[int, list[dict[str, Any]]] = {m["id"]: [] for m in members}
    for r in ranking:
        for ms in r["member_scores"]:
            by_member.setdefault(ms["member"], []).append(
                {
                    "organisation": r["organisation"],
                    "points": [ms["criteria"].get(str(c["id"]), {}).get("points", "") for c in criteria],
                    "total": ms["total"],
                }
            )
    return DocumentSpec(
        template="procurement/pdf/evaluation_report.html",
        context={
            **_tender_facts(tender),
            "round": report.committee.round,
            "submitted_at": when(report.submitted_at),
            "submitted_by": report.submitted_by.get_full_name(),
            "confirmation_due": day(report.confirmation_due),
            "summary": _lines(report.summary),
            "price_weight": str(results.get("price_weight", tender.price_weight)),
            "criteria": [{"name": c["name"], "max": c["max"]} for c in criteria],
            "members": [
                {
                    "name": m["name"],
                    "kind": kinds.get(m["kind"], m["kind"]),
                    "is_leader": bool(m["is_leader"]),
                    "rows": by_member.get(m["id"], []),
                }
                for m in members
            ],
            "ranking": [
                {
                    "rank": r["rank"],
                    "tied": bool(r.get("tied")),
                    "organisation": r["organisation"],
                    "price": yuan(r["price"]),
                    "price_display": money(r["price"]),
                    "price_score": r["price_score"],
                    "technical": r["technical"],
                    "total": r["total"],
                }
                for r in ranking
            ],
        },
        title=gettext("Bid evaluation report") + f"（{tender.reference}）",
        reference=f"{tender.reference}-PB-{report.committee.round}",
    )


def can_view_evaluation_report(user: Any, tender: Tender) -> bool:
    """Once the committee submitted its report: the purchaser, supervisors and the committee's
    members (who see the report on their seat page)."""
    if tender.bids_opened_at is None or not tender.evaluation_reports.exists():
        return False
    return _can(user, "procurement.view_evaluation", tender)


# --- registration -----------------------------------------------------------------------------------


def register() -> None:
    register_document(
        "procurement.tender_announcement",
        build_tender_announcement,
        _("Tender announcement (招标公告)"),
        can_view=can_view_tender_public,
        public=True,
    )
    register_document(
        "procurement.tender_document",
        build_tender_document,
        _("Tender documents (招标文件)"),
        can_view=can_view_tender_public,
        public=True,
    )
    register_document(
        "procurement.bid_receipt",
        build_bid_receipt,
        _("Bid receipt (投标回执)"),
        can_view=can_view_bid_receipt,
    )
    register_document(
        "procurement.opening_record",
        build_opening_record,
        _("Opening record (开标记录)"),
        can_view=can_view_opening_record,
    )
    register_document(
        "procurement.qualification_results",
        build_qualification_results,
        _("Qualification review results (资格审查结果)"),
        can_view=can_view_qualification_results,
    )
    register_document(
        "procurement.evaluation_report",
        build_evaluation_report,
        _("Evaluation report (评标报告)"),
        can_view=can_view_evaluation_report,
    )
