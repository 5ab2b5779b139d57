"""Reads of awards and contracts, and the purchaser's deadlines board (everything due, overdue marked)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from procurement.models import (
    Award,
    AwardStatus,
    Challenge,
    ChallengeStatus,
    Contract,
    ContractStatus,
    EvaluationReport,
    Milestone,
    MilestoneStatus,
    TenderStatus,
)
from procurement.services.deadlines import local_date


@dataclass(frozen=True)
class DeadlineItem:
    """One thing due. ``label_msgid`` is an English msgid (``gettext_noop``) with ``label_params``:
    the board translates it for the reader, the reminder stores it for each recipient's language."""

    key: str  # stable identity, e.g. "award.announce:12"
    kind: str
    label_msgid: str
    reference: str
    title: str
    due: dt.date | None
    today: dt.date
    url: str = ""
    label_params: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        text = gettext(self.label_msgid)
        return text % self.label_params if self.label_params else text

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.today > self.due

    @property
    def days_left(self) -> int | None:
        return None if self.due is None else (self.due - self.today).days


def deadlines_for_department(department_id: int, today: dt.date | None = None) -> list[DeadlineItem]:
    """Everything a purchasing department must do by a statutory date, soonest first.

    Six queries whatever the number of items."""
    today = today or local_date()
    items: list[DeadlineItem] = []
    reports = EvaluationReport.objects.filter(
        tender__department_id=department_id, tender__status=TenderStatus.EVALUATED
    ).select_related("tender")
    seen_tenders: set[int] = set()
    for r in reports.order_by("-submitted_at"):
        if r.tender_id in seen_tenders:
            continue
        seen_tenders.add(r.tender_id)
        items.append(
            DeadlineItem(
                f"award.confirm:{r.tender_id}",
                "confirm",
                gettext_noop("Confirm the winner (5 working days after the report)"),
                r.tender.reference,
                r.tender.title,
                r.confirmation_due,
                today,
                reverse("procurement:evaluation_manage", args=[r.tender_id]),
            )
        )
    awards = Award.objects.filter(
        tender__department_id=department_id, status__in=[AwardStatus.CONFIRMED, AwardStatus.ANNOUNCED]
    ).select_related("tender")
    for a in awards:
        if a.status == AwardStatus.CONFIRMED:
            items.append(
                DeadlineItem(
                    f"award.announce:{a.pk}",
                    "announce",
                    gettext_noop("Publish the award announcement (2 working days after confirmation)"),
                    a.tender.reference,
                    a.tender.title,
                    a.announcement_due,
                    today,
                    reverse("procurement:evaluation_manage", args=[a.tender_id]),
                )
            )
        else:
            items.append(
                DeadlineItem(
                    f"contract.sign:{a.pk}",
                    "sign",
                    gettext_noop("Sign the contract (30 days after the award notice)"),
                    a.tender.reference,
                    a.tender.title,
                    a.signing_due,
                    today,
                    reverse("procurement:evaluation_manage", args=[a.tender_id]),
                )
            )
    for c in Challenge.objects.filter(
        tender__department_id=department_id, status=ChallengeStatus.PENDING
    ).select_related("tender", "organisation"):
        items.append(
            DeadlineItem(
                f"challenge.reply:{c.pk}",
                "challenge",
                gettext_noop("Reply to the challenge of %(org)s (7 working days)"),
                c.tender.reference,
                c.tender.title,
                c.reply_due,
                today,
                reverse("procurement:evaluation_manage", args=[c.tender_id]),
                {"org": c.organisation.name},
            )
        )
    for k in Contract.objects.filter(
        department_id=department_id, status=ContractStatus.SIGNED
    ).select_related("tender"):
        items.append(
            DeadlineItem(
                f"contract.publish:{k.pk}",
                "publish",
                gettext_noop("Publish the signed contract (2 working days after signing)"),
                k.tender.reference,
                k.tender.title,
                k.publication_due,
                today,
                reverse("procurement:contract_detail", args=[k.pk]),
            )
        )
    for m in Milestone.objects.filter(
        contract__department_id=department_id, status=MilestoneStatus.SUBMITTED
    ).select_related("contract__tender"):
        items.append(
            DeadlineItem(
                f"milestone.review:{m.pk}",
                "milestone",
                gettext_noop("Review the progress report on milestone “%(title)s”"),
                m.contract.tender.reference,
                m.contract.tender.title,
                m.due_date,
                today,
                reverse("procurement:contract_detail", args=[m.contract_id]),
                {"title": m.title},
            )
        )
    return sorted(items, key=lambda i: (i.due or dt.date.max, i.key))


def contracts_for_department(department_id: int) -> QuerySet[Contract]:
    return Contract.objects.filter(department_id=department_id).select_related("tender", "organisation")


def contracts_for_organisations(organisation_ids: Any) -> QuerySet[Contract]:
    return Contract.objects.filter(organisation_id__in=organisation_ids).select_related(
        "tender", "organisation"
    )
