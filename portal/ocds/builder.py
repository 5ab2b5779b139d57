"""OCDS 1.1 releases of public tenders, one per public event (``portal.ocds.events``).

Each release is a snapshot of what was public at its date: ``parties`` carries every party known by
then with its cumulative roles (the merge routine replaces a party's ``roles`` array), and the
amounts are ``{"amount": number, "currency": "CNY"}``. Bidders (tenderers) appear from the opening
release on, never before: a tender before opening has no tenderers, bids or counts in any release.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse

from evaluation.models import Evaluation, EvaluationIndicator
from evaluation.models.evaluations import PUBLIC_STATUSES as EVALUATION_PUBLIC_STATUSES
from evaluation.models.evaluations import EvaluationStatus
from portal.ocds.events import OPENED_STATES, EventKey
from procurement.models import (
    Amendment,
    Award,
    Bid,
    Contract,
    ContractVersion,
    Milestone,
    Payment,
    Tender,
    TenderDocument,
)
from procurement.models.bids import REVIEW_STATES
from procurement.models.tenders import ProcurementMethod, TenderStatus

CURRENCY = "CNY"
USCC_SCHEME = "CN-USCC"  # org-id.guide: 统一社会信用代码, the unified social credit code
SHANGHAI = ZoneInfo("Asia/Shanghai")

METHODS = {
    ProcurementMethod.PUBLIC_TENDER: "open",
    ProcurementMethod.INVITATION_TENDER: "selective",
    ProcurementMethod.COMPETITIVE_NEGOTIATION: "limited",
    ProcurementMethod.COMPETITIVE_CONSULTATION: "limited",
    ProcurementMethod.PRICE_ENQUIRY: "limited",
    ProcurementMethod.SINGLE_SOURCE: "direct",
    ProcurementMethod.SELF_PROCUREMENT: "direct",
}
# The order of kinds within one instant (a tender is planned, then tendered, on publication).
KIND_ORDER = {
    kind: n
    for n, kind in enumerate(
        [
            "planning",
            "tender",
            "amendment",
            "opening",
            "failure",
            "cancellation",
            "award",
            "awardcancel",
            "contract",
            "contractamendment",
            "milestone",
            "payment",
            "evaluation",
            "termination",
        ]
    )
}


def ocid_for(tender: Tender) -> str:
    """One ocid per project (采购项目): the registered prefix and the tender's reference number."""
    return f"{settings.OCDS_OCID_PREFIX}-{tender.reference}"


def release_id(ocid: str, kind: str, obj: int) -> str:
    """Stable and unique per event: the ocid, the kind of event and the id of the row behind it."""
    return f"{ocid}-{kind}-{obj}"


def money(amount: Decimal | None) -> dict[str, Any] | None:
    if amount is None:
        return None
    number = float(amount)
    return {"amount": int(number) if number == int(number) else number, "currency": CURRENCY}


def when(moment: datetime | date | None) -> str | None:
    """ISO 8601 with the offset; a calendar date is midnight in China (the date people saw)."""
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time.min, tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI).replace(microsecond=0).isoformat()


@dataclass
class TenderData:
    """Everything public about one tender, loaded for a batch by ``load``."""

    tender: Tender
    amendments: list[Amendment] = field(default_factory=list)
    documents: list[TenderDocument] = field(default_factory=list)
    tenderers: list[Bid] = field(default_factory=list)
    awards: list[Award] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)


def load(tender_ids: Iterable[int]) -> dict[int, TenderData]:
    """The public data of these tenders in a fixed number of queries (whatever their size)."""
    ids = list(tender_ids)
    tenders = Tender.objects.public().filter(pk__in=ids).select_related("department", "category")
    data = {t.pk: TenderData(t) for t in tenders}
    if not data:
        return data
    ids = list(data)
    for amendment in Amendment.objects.filter(tender_id__in=ids).order_by("tender_id", "number"):
        data[amendment.tender_id].amendments.append(amendment)
    for document in TenderDocument.objects.filter(tender_id__in=ids, is_current=True).order_by(
        "tender_id", "id"
    ):
        data[document.tender_id].documents.append(document)
    opened = [pk for pk, d in data.items() if d.tender.bids_opened_at and d.tender.status in OPENED_STATES]
    # Only after opening, and only bids that were opened: their bidders were read out at the opening.
    for bid in (
        Bid.objects.filter(tender_id__in=opened, status__in=REVIEW_STATES, opened_at__isnull=False)
        .select_related("organisation")
        .order_by("tender_id", "opened_at", "id")
    ):
        data[bid.tender_id].tenderers.append(bid)
    for award in (
        Award.objects.filter(tender_id__in=ids, announced_at__isnull=False)
        .select_related("bid__organisation")
        .order_by("tender_id", "announced_at", "id")
    ):
        data[award.tender_id].awards.append(award)
    contracts = (
        Contract.objects.filter(tender_id__in=ids, published_at__isnull=False)
        .select_related("organisation", "department")
        .prefetch_related(
            Prefetch("versions", queryset=ContractVersion.objects.order_by("number")),
            Prefetch("milestones", queryset=Milestone.objects.order_by("order")),
            Prefetch(
                "instalments__payments",
                queryset=Payment.objects.order_by("recorded_at", "id"),
            ),
        )
        .order_by("tender_id", "published_at", "id")
    )
    by_contract = {}
    for contract in contracts:
        data[contract.tender_id].contracts.append(contract)
        by_contract[contract.pk] = contract
    if by_contract:
        evaluations = (
            Evaluation.objects.filter(
                contract_id__in=list(by_contract),
                status__in=list(EVALUATION_PUBLIC_STATUSES),
                published_at__isnull=False,
            )
            .select_related("evaluator_organisation")
            .prefetch_related(
                Prefetch(
                    "indicators",
                    queryset=EvaluationIndicator.objects.filter(parent__isnull=True).order_by(
                        "sort_order", "code"
                    ),
                    to_attr="top_indicators",
                )
            )
            .order_by("published_at", "id")
        )
        for evaluation in evaluations:
            assert evaluation.contract_id is not None  # filtered on the contracts above
            data[by_contract[evaluation.contract_id].tender_id].evaluations.append(evaluation)
    return data


@dataclass
class Built:
    key: EventKey
    release: dict[str, Any]


class _Parties:
    """Parties known so far, each with its cumulative roles."""

    def __init__(self) -> None:
        self.parties: dict[str, dict[str, Any]] = {}

    def add(self, party: dict[str, Any], role: str) -> dict[str, str]:
        known = self.parties.setdefault(party["id"], {**party, "roles": []})
        if role not in known["roles"]:
            known["roles"].append(role)
        return {"id": party["id"], "name": party["name"]}

    def snapshot(self) -> list[dict[str, Any]]:
        return [{**p, "roles": list(p["roles"])} for p in self.parties.values()]


def _department_party(tender: Tender) -> dict[str, Any]:
    department = tender.department
    # Departments carry no registered identifier in GovBuy: the legal name only.
    return {
        "id": f"CN-GOVBUY-DEPT-{department.code}",
        "name": department.name,
        "identifier": {"legalName": department.name},
    }


def _organisation_party(organisation: Any) -> dict[str, Any]:
    return {
        "id": f"{USCC_SCHEME}-{organisation.credit_code}",
        "name": organisation.name,
        "identifier": {"scheme": USCC_SCHEME, "id": organisation.credit_code, "legalName": organisation.name},
    }


def build_releases(td: TenderData, *, absolute: Callable[[str], str]) -> list[Built]:
    """Every release of one tender, in date order. ``absolute`` turns a path into a full URL."""
    tender = td.tender
    ocid = ocid_for(tender)
    parties = _Parties()
    buyer = parties.add(_department_party(tender), "buyer")
    parties.add(_department_party(tender), "procuringEntity")
    absolute(reverse("procurement:tender_detail", args=[tender.pk]))
    events: list[tuple[EventKey, Callable[[], dict[str, Any]]]] = []

    def release(
        kind: str, obj: int, moment: datetime, tags: list[str], body: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "ocid": ocid,
            "id": release_id(ocid, kind, obj),
            "date": when(moment),
            "tag": tags,
            "initiationType": "tender",
            "language": "zh",
            "parties": parties.snapshot(),
            "buyer": buyer,
            **body,
        }

    first_deadline = td.amendments[0].previous_bid_deadline if td.amendments else tender.bid_deadline
    documents = [
        {
            "id": str(d.pk),
            "documentType": "biddingDocuments",
            "title": d.title,
            "url": absolute(reverse("procurement:tender_document", args=[tender.pk, d.pk])),
            "datePublished": when(d.uploaded_at),
            "language": "zh",
        }
        for d in td.documents
    ]

    def tender_block(status: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": tender.reference,
            "title": tender.title,
            "description": tender.description,
            "status": status,
            "procuringEntity": buyer,
            "value": money(tender.budget),
            "procurementMethod": METHODS.get(ProcurementMethod(tender.method), "open"),
            "procurementMethodDetails": str(ProcurementMethod(tender.method).label),
            "mainProcurementCategory": "services",
            "items": [
                {
                    "id": "1",
                    "description": tender.title,
                    "classification": {
                        "scheme": "X-GOVBUY-CATEGORY",
                        "id": tender.category.code,
                        "description": tender.category.name,
                    },
                }
            ],
            "tenderPeriod": {"startDate": when(tender.published_at), "endDate": when(first_deadline)},
            "enquiryPeriod": {
                "startDate": when(tender.published_at),
                "endDate": when(tender.clarification_deadline or first_deadline),
            },
            "documents": documents,
            **extra,
        }

    published = tender.published_at
    assert published is not None  # load() reads public tenders only
    events.append(
        (
            EventKey(published, "planning", tender.pk),
            lambda: release(
                "planning",
                tender.pk,
                published,
                ["planning"],
                {"planning": {"budget": {"amount": money(tender.budget), "description": tender.title}}},
            ),
        )
    )
    events.append(
        (
            EventKey(published, "tender", tender.pk),
            lambda: release("tender", tender.pk, published, ["tender"], {"tender": tender_block("active")}),
        )
    )
    for n, amendment in enumerate(td.amendments):

        def amended(amendment: Amendment = amendment, n: int = n) -> dict[str, Any]:
            so_far = td.amendments[: n + 1]
            block = tender_block(
                "active",
                amendments=[
                    {
                        "id": str(a.number),
                        "date": when(a.published_at),
                        "description": a.text,
                        "rationale": a.summary,
                    }
                    for a in so_far
                ],
            )
            block["tenderPeriod"]["endDate"] = when(amendment.new_bid_deadline)
            return release(
                "amendment", amendment.pk, amendment.published_at, ["tenderAmendment"], {"tender": block}
            )

        events.append((EventKey(amendment.published_at, "amendment", amendment.pk), amended))

    opened_at = tender.bids_opened_at
    if opened_at is not None and tender.status in OPENED_STATES:

        def opening() -> dict[str, Any]:
            tenderers = [parties.add(_organisation_party(b.organisation), "tenderer") for b in td.tenderers]
            return release(
                "opening",
                tender.pk,
                opened_at,
                ["tenderUpdate"],
                {
                    "tender": {
                        "id": tender.reference,
                        "numberOfTenderers": len(tenderers),
                        "tenderers": tenderers,
                    }
                },
            )

        events.append((EventKey(opened_at, "opening", tender.pk), opening))
    if tender.status == TenderStatus.CANCELLED and tender.cancelled_at:
        cancelled_at = tender.cancelled_at
        events.append(
            (
                EventKey(cancelled_at, "cancellation", tender.pk),
                lambda: release(
                    "cancellation",
                    tender.pk,
                    cancelled_at,
                    ["tenderCancellation"],
                    {
                        "tender": {
                            "id": tender.reference,
                            "status": "cancelled",
                            # OCDS 1.1 has no tender.statusDetails: the published reason is a notice.
                            "documents": [
                                {
                                    "id": "cancelled",
                                    "documentType": "cancellationDetails",
                                    "title": tender.title,
                                    "description": tender.cancel_reason,
                                    "datePublished": when(tender.cancelled_at),
                                    "language": "zh",
                                }
                            ],
                        }
                    },
                ),
            )
        )
    if tender.status == TenderStatus.FAILED and tender.failed_at:
        failed_at = tender.failed_at
        events.append(
            (
                EventKey(failed_at, "failure", tender.pk),
                lambda: release(
                    "failure",
                    tender.pk,
                    failed_at,
                    ["tenderUpdate"],
                    {
                        "tender": {
                            "id": tender.reference,
                            "status": "unsuccessful",
                            # OCDS 1.1 has no tender.statusDetails: the published reason is a notice.
                            "documents": [
                                {
                                    "id": "unsuccessful",
                                    "documentType": "unsuccessfulProcedureNotice",
                                    "title": tender.title,
                                    "description": tender.failure_reason,
                                    "datePublished": when(tender.failed_at),
                                    "language": "zh",
                                }
                            ],
                        }
                    },
                ),
            )
        )
    for award in td.awards:
        assert award.announced_at is not None

        def announced(award: Award = award) -> dict[str, Any]:
            supplier = parties.add(_organisation_party(award.bid.organisation), "supplier")
            return release(
                "award",
                award.pk,
                award.announced_at,  # type: ignore[arg-type]
                ["award"],
                {
                    "tender": {"id": tender.reference, "status": "complete"},
                    "awards": [
                        {
                            "id": str(award.pk),
                            "title": tender.title,
                            "status": "active",
                            "date": when(award.confirmed_at),
                            "value": money(award.price),
                            "suppliers": [supplier],
                            "contractPeriod": {"durationInDays": tender.contract_term_months * 30},
                        }
                    ],
                },
            )

        events.append((EventKey(award.announced_at, "award", award.pk), announced))
        if award.rescinded_at is not None:
            rescinded_at = award.rescinded_at

            def rescinded(award: Award = award, rescinded_at: datetime = rescinded_at) -> dict[str, Any]:
                return release(
                    "awardcancel",
                    award.pk,
                    rescinded_at,
                    ["awardCancellation"],
                    {
                        "awards": [
                            {"id": str(award.pk), "status": "cancelled", "description": award.rescind_reason}
                        ]
                    },
                )

            events.append((EventKey(rescinded_at, "awardcancel", award.pk), rescinded))

    for contract in td.contracts:
        events.extend(_contract_events(contract, td, release, parties, buyer, absolute))
    events.sort(key=lambda e: (e[0].date, KIND_ORDER[e[0].kind], e[0].obj))
    # Built in date order, so each release's parties are those known at its date.
    return [Built(key, make()) for key, make in events]


def _contract_events(
    contract: Contract,
    td: TenderData,
    release: Callable[..., dict[str, Any]],
    parties: _Parties,
    buyer: dict[str, str],
    absolute: Callable[[str], str],
) -> list[tuple[EventKey, Callable[[], dict[str, Any]]]]:
    events: list[tuple[EventKey, Callable[[], dict[str, Any]]]] = []
    published_at = contract.published_at
    assert published_at is not None  # load() reads published contracts only
    versions = list(contract.versions.all())
    milestones = list(contract.milestones.all())
    payments = sorted(
        (p for i in contract.instalments.all() for p in i.payments.all()), key=lambda p: (p.recorded_at, p.pk)
    )
    base = {"id": contract.number, "awardID": str(contract.award_id)}

    def planned_milestones() -> list[dict[str, Any]]:
        return [
            {
                "id": str(m.pk),
                "title": m.title,
                "type": "delivery",
                "description": m.deliverables,
                "dueDate": when(m.due_date),
                "status": "scheduled",
            }
            for m in milestones
        ]

    def signed() -> dict[str, Any]:
        parties.add(_organisation_party(contract.organisation), "supplier")
        return release(
            "contract",
            contract.pk,
            published_at,
            ["contract"],
            {
                "contracts": [
                    {
                        **base,
                        "title": td.tender.title,
                        "description": contract.service_content,
                        "status": "active",
                        "value": money(contract.value),
                        "period": {
                            "startDate": when(contract.term_start),
                            "endDate": when(contract.term_end),
                        },
                        "dateSigned": when(contract.signed_at),
                        "milestones": planned_milestones(),
                    }
                ]
            },
        )

    events.append((EventKey(published_at, "contract", contract.pk), signed))
    for version in versions:
        if version.number <= 1 or version.created_at <= published_at:
            continue

        def amended(version: ContractVersion = version) -> dict[str, Any]:
            amendments = [
                {"id": str(v.number), "date": when(v.created_at), "rationale": v.reason or f"v{v.number}"}
                for v in versions
                if v.number > 1 and published_at < v.created_at <= version.created_at
            ]
            return release(
                "contractamendment",
                version.pk,
                version.created_at,
                ["contractAmendment"],
                {"contracts": [{**base, "amendments": amendments}]},
            )

        events.append((EventKey(version.created_at, "contractamendment", version.pk), amended))

    supplier_ref = {
        "id": f"{USCC_SCHEME}-{contract.organisation.credit_code}",
        "name": contract.organisation.name,
    }

    def implementation(until: datetime, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        met = [m for m in milestones if m.accepted_at is not None and m.accepted_at <= until]
        paid = [p for p in payments if p.recorded_at <= until]
        block: dict[str, Any] = {
            "milestones": [
                {
                    "id": str(m.pk),
                    "title": m.title,
                    "type": "delivery",
                    "dueDate": when(m.due_date),
                    "dateMet": when(m.accepted_at),
                    "status": "met",
                }
                for m in met
            ],
            "transactions": [
                {
                    "id": str(p.pk),
                    "source": absolute(reverse("procurement:tender_detail", args=[td.tender.pk])),
                    "date": when(p.paid_on),
                    "value": money(p.amount),
                    "payer": buyer,
                    "payee": supplier_ref,
                }
                for p in paid
            ],
        }
        block.update(extra or {})
        return {"contracts": [{**base, "implementation": block}]}

    for milestone in milestones:
        if milestone.accepted_at is None:
            continue
        accepted_at = milestone.accepted_at

        def met(m: Milestone = milestone, at: datetime = accepted_at) -> dict[str, Any]:
            return release("milestone", m.pk, at, ["implementation"], implementation(at))

        events.append((EventKey(accepted_at, "milestone", milestone.pk), met))
    for payment in payments:

        def paid(p: Payment = payment) -> dict[str, Any]:
            return release("payment", p.pk, p.recorded_at, ["implementation"], implementation(p.recorded_at))

        events.append((EventKey(payment.recorded_at, "payment", payment.pk), paid))
    for evaluation in td.evaluations:
        if evaluation.contract_id != contract.pk or evaluation.published_at is None:
            continue

        def evaluated(evaluation: Evaluation = evaluation) -> dict[str, Any]:
            evaluator = parties.add(_organisation_party(evaluation.evaluator_organisation), "evaluator")
            result = {
                "id": str(evaluation.reference),
                "date": when(evaluation.published_at),
                "evaluator": evaluator,
                "score": float(evaluation.score) if evaluation.score is not None else None,
                "maxScore": 100,
                "grade": evaluation.grade or None,
                "isFinal": evaluation.status == EvaluationStatus.FINAL,
                "url": absolute(reverse("evaluation:result", args=[evaluation.pk])),
                "indicators": [
                    {
                        "id": i.code,
                        "title": i.name,
                        "weight": float(i.weight) if i.weight is not None else None,
                        "score": float(i.score) if i.score is not None else None,
                    }
                    for i in getattr(evaluation, "top_indicators", [])
                ],
            }
            at = evaluation.published_at
            assert at is not None
            return release(
                "evaluation",
                evaluation.pk,
                at,
                ["implementation"],
                implementation(at, {"performanceEvaluations": [result]}),
            )

        events.append((EventKey(evaluation.published_at, "evaluation", evaluation.pk), evaluated))
    if contract.terminated_at is not None:
        terminated_at = contract.terminated_at
        events.append(
            (
                EventKey(terminated_at, "termination", contract.pk),
                lambda: release(
                    "termination",
                    contract.pk,
                    terminated_at,
                    ["contractTermination"],
                    {
                        "contracts": [
                            {**base, "status": "terminated", "description": contract.termination_reason}
                        ]
                    },
                ),
            )
        )
    return events
