"""Contracts: drafting from the award, signing, publication, amendment, termination; milestones,
progress reports, payments; the final instalment decided by the performance evaluation.

* Value = the winning price; instalment amounts are exact shares of it (``split_amount``).
* Signing: each side confirms the SHA-256 of the contract text it read (an authenticated
  confirmation by a signed-in user); the directory eligibility is checked again; a pending
  challenge suspends signing. Publication is due within 2 working days of signing.
* The final instalment stays held until ``contract_release_final_instalment`` — the entry point the
  ``evaluation`` app calls with the performance evaluation's decision.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record
from accounts.exceptions import DomainError, NotAllowed
from accounts.models import User
from accounts.notifications import msgid_param, notify
from accounts.uploads import atomic_discarding_files, discard_on_failure
from procurement.models import (
    Award,
    AwardStatus,
    Contract,
    ContractStatus,
    ContractVersion,
    Instalment,
    InstalmentStatus,
    Milestone,
    MilestoneStatus,
    Payment,
    ProgressReport,
    Tender,
)
from procurement.services.awards import eligibility_refusal, has_pending_challenge, organisation_staff
from procurement.services.deadlines import due_after, local_date, publication_days
from procurement.uploads import check_upload

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def split_amount(value: Decimal, percentages: Sequence[Decimal]) -> list[Decimal]:
    """The instalment amounts of ``value`` for these percentages (which must add up to exactly 100).

    Cumulative rounding: instalment *i* is ``round(value × (p1+…+pi)/100) − round(value × (p1+…+pi−1)/100)``,
    rounded half up to the fen. Every amount is within one fen of its exact share, never negative, and
    the amounts add up to ``value`` exactly (rounding each share on its own can overshoot)."""
    if sum(percentages, Decimal("0")) != HUNDRED:
        raise DomainError(
            _("The shares of the instalments must add up to exactly 100 per cent of the contract value."),
            field="milestones",
        )
    if any(p <= 0 for p in percentages):
        raise DomainError(_("Every instalment must be a positive share."), field="milestones")
    amounts: list[Decimal] = []
    cumulative, previous = Decimal("0"), Decimal("0.00")
    for p in percentages:
        cumulative += p
        rounded = (value * cumulative / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
        amounts.append(rounded - previous)
        previous = rounded
    return amounts


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class MilestoneSpec:
    title: str
    deliverables: str
    due_date: dt.date
    percentage: Decimal


def _months_between(start: dt.date, end: dt.date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    return months + (1 if end.day >= start.day else 0)


def _contract_number(tender: Tender) -> str:
    return f"{tender.reference}-HT"


def render_contract_text(contract: Contract, milestones: Sequence[MilestoneSpec]) -> str:
    return render_to_string(
        "procurement/contract_text.txt",
        {"contract": contract, "milestones": milestones, "tender": contract.tender},
    )


@transaction.atomic
def contract_draft(
    *,
    award: Award,
    by: Any,
    term_start: dt.date,
    term_end: dt.date,
    service_content: str,
    milestones: Sequence[MilestoneSpec],
) -> Contract:
    """Draft the contract from the announced award; the last milestone's instalment is the final one,
    tied to the performance evaluation."""
    award = Award.objects.select_for_update().select_related("tender", "bid__organisation").get(pk=award.pk)
    tender = award.tender
    if not by.has_perm("procurement.manage_contract", tender):
        raise NotAllowed()
    if award.status != AwardStatus.ANNOUNCED:
        raise DomainError(_("A contract is drafted from an announced award."))
    if Contract.objects.filter(award=award).exists():
        raise DomainError(_("This award already has a contract."))
    if term_end < term_start:
        raise DomainError(_("The term must end after it starts."), field="term_end")
    if _months_between(term_start, term_end) > tender.contract_term_months:
        raise DomainError(
            _("The term exceeds the tender's contract term of %(n)s months.")
            % {"n": tender.contract_term_months},
            field="term_end",
        )
    if not milestones:
        raise DomainError(_("A contract needs at least one milestone."), field="milestones")
    if not service_content.strip():
        raise DomainError(_("Describe the service content."), field="service_content")
    amounts = split_amount(award.price, [m.percentage for m in milestones])
    contract = Contract.objects.create(
        tender=tender,
        award=award,
        department_id=tender.department_id,
        organisation=award.bid.organisation,
        number=_contract_number(tender)
        + (f"-{award.pk}" if Contract.objects.filter(tender=tender).exists() else ""),
        value=award.price,
        term_start=term_start,
        term_end=term_end,
        service_content=service_content,
        created_by=by,
    )
    last = len(milestones)
    for i, (spec, amount) in enumerate(zip(milestones, amounts, strict=True), start=1):
        milestone = Milestone.objects.create(
            contract=contract,
            order=i,
            title=spec.title,
            deliverables=spec.deliverables,
            due_date=spec.due_date,
        )
        Instalment.objects.create(
            contract=contract,
            milestone=milestone,
            order=i,
            percentage=spec.percentage,
            amount=amount,
            is_final=(i == last),
        )
    text = render_contract_text(contract, milestones)
    ContractVersion.objects.create(
        contract=contract, number=1, text=text, sha256=text_sha256(text), created_by=by
    )
    audit_record(
        actor=by,
        action="contract.draft",
        obj=contract,
        summary={
            "value": contract.value,
            "instalments": [str(a) for a in amounts],
            "sha256": text_sha256(text),
        },
    )
    notify(
        recipients=organisation_staff(contract.organisation_id),
        kind="contract.to_sign",
        message=gettext_noop("The contract for tender %(ref)s is ready to sign"),
        params={"ref": tender.reference},
        url=reverse("procurement:contract_detail", args=[contract.pk]),
        obj=contract,
    )
    return contract


def _lock(contract: Contract) -> Contract:
    return (
        Contract.objects.select_for_update()
        .select_related("tender", "award", "organisation")
        .get(pk=contract.pk)
    )


@transaction.atomic
def contract_amend(*, contract: Contract, by: Any, text: str, reason: str) -> ContractVersion:
    """An amendment is a new version of the text. Before signing it clears the signatures given so
    far (they confirmed the old text)."""
    contract = _lock(contract)
    if not by.has_perm("procurement.manage_contract", contract.tender):
        raise NotAllowed()
    if contract.status in (ContractStatus.TERMINATED, ContractStatus.VOIDED):
        raise DomainError(_("A terminated or void contract is not amended."))
    if not reason.strip() or not text.strip():
        raise DomainError(_("Give the new text and the reason for the change."))
    current = contract.current_version
    number = (current.number if current else 0) + 1
    version = ContractVersion.objects.create(
        contract=contract, number=number, text=text, sha256=text_sha256(text), reason=reason, created_by=by
    )
    if contract.status == ContractStatus.DRAFT:
        Contract.objects.filter(pk=contract.pk).update(
            purchaser_signed_at=None,
            purchaser_signed_by=None,
            purchaser_signed_hash="",
            supplier_signed_at=None,
            supplier_signed_by=None,
            supplier_signed_hash="",
        )
    audit_record(
        actor=by,
        action="contract.amend",
        obj=contract,
        summary={"version": number, "sha256": version.sha256, "reason": reason},
    )
    return version


def signing_side(contract: Contract, user: Any) -> str | None:
    if user.has_perm("procurement.manage_contract", contract.tender):
        return "purchaser"
    if user.has_perm("vendors.act_for_organisation", contract.organisation):
        return "supplier"
    return None


@transaction.atomic
def contract_sign(*, contract: Contract, by: Any, confirmed_sha256: str) -> Contract:
    """One side signs: ``confirmed_sha256`` is the hash of the text the signer was shown, so a
    signature always names the exact text. The second signature completes the contract."""
    contract = _lock(contract)
    side = signing_side(contract, by)
    if side is None:
        raise NotAllowed()
    if contract.status != ContractStatus.DRAFT:
        raise DomainError(_("This contract is not awaiting signatures."))
    if has_pending_challenge(contract.award):
        raise DomainError(_("Signing is suspended while a challenge is pending."))
    version = contract.current_version
    if version is None or confirmed_sha256 != version.sha256:
        raise DomainError(_("The contract text changed since you read it; read it again before signing."))
    if getattr(contract, f"{side}_signed_at"):
        raise DomainError(_("Your side has already signed."))
    today = local_date()
    refusal = eligibility_refusal(tender=contract.tender, bid=contract.award.bid, on=today)
    if refusal:
        raise DomainError(_("The organisation cannot sign: %(reason)s") % {"reason": refusal})
    now = timezone.now()
    setattr(contract, f"{side}_signed_at", now)
    setattr(contract, f"{side}_signed_by", by)
    setattr(contract, f"{side}_signed_hash", version.sha256)
    contract.eligibility_at_signing = {
        **contract.eligibility_at_signing,
        side: {"date": str(today), "eligible": True},
    }
    audit_record(
        actor=by,
        action="contract.sign",
        obj=contract,
        summary={"side": side, "version": version.number, "sha256": version.sha256, "at": now},
    )
    if contract.has_both_signatures():
        contract.complete_signing()
        due = due_after(now, publication_days())
        contract.publication_due = due.date
        award = Award.objects.select_for_update().get(pk=contract.award_id)
        award.mark_contracted()
        award.save()
        tender = Tender.objects.select_for_update().get(pk=contract.tender_id)
        tender.sign_contract()
        tender.save()
        audit_record(actor=by, action="tender.sign_contract", obj=tender, summary={"contract": contract.pk})
    contract.save()
    return contract


@transaction.atomic
def contract_publish(*, contract: Contract, by: Any) -> Contract:
    """Publish the signed contract (due within 2 working days of signing)."""
    contract = _lock(contract)
    if not by.has_perm("procurement.manage_contract", contract.tender):
        raise NotAllowed()
    if contract.status != ContractStatus.SIGNED:
        raise DomainError(_("Only a signed contract is published."))
    contract.publish()
    contract.save()
    audit_record(
        actor=by,
        action="contract.publish",
        obj=contract,
        summary={"on_time": contract.publication_due is None or local_date() <= contract.publication_due},
    )
    return contract


@transaction.atomic
def contract_terminate(*, contract: Contract, by: Any, reason: str) -> Contract:
    contract = _lock(contract)
    if not by.has_perm("procurement.manage_contract", contract.tender):
        raise NotAllowed()
    if contract.status not in (ContractStatus.SIGNED, ContractStatus.PUBLISHED):
        raise DomainError(_("Only a signed contract can be terminated."))
    if not reason.strip():
        raise DomainError(_("Give the reason for termination."), field="reason")
    contract.terminate(reason=reason)
    contract.save()
    audit_record(actor=by, action="contract.terminate", obj=contract, summary={"reason": reason})
    return contract


def _running(contract: Contract) -> None:
    if contract.status not in (ContractStatus.SIGNED, ContractStatus.PUBLISHED):
        raise DomainError(_("The contract is not in force."))


@atomic_discarding_files
def progress_report_submit(
    *, milestone: Milestone, by: Any, text: str, evidence: UploadedFile | None = None
) -> ProgressReport:
    """The supplier reports progress on a milestone, with evidence."""
    milestone = (
        Milestone.objects.select_for_update().select_related("contract__organisation").get(pk=milestone.pk)
    )
    contract = milestone.contract
    if not by.has_perm("vendors.act_for_organisation", contract.organisation):
        raise NotAllowed()
    _running(contract)
    if milestone.status not in (MilestoneStatus.PENDING, MilestoneStatus.RETURNED):
        raise DomainError(_("This milestone is not awaiting a report."))
    if not text.strip():
        raise DomainError(_("Describe the progress."), field="text")
    report = ProgressReport(milestone=milestone, submitted_by=by, text=text)
    if evidence is not None:
        checked = check_upload(name=evidence.name or "", stream=evidence)
        report.evidence_name = checked.name[:200]
        report.evidence.save("upload", ContentFile(checked.content), save=False)
        discard_on_failure(report.evidence.name)
    report.save()
    milestone.submit_report()
    milestone.save()
    audit_record(actor=by, action="milestone.report", obj=milestone, summary={"report": report.pk})
    notify(
        recipients=User.objects.filter(
            department_id=contract.department_id, role="purchaser", is_active=True
        ),
        kind="contract.milestone_due",
        message=gettext_noop("A progress report on contract %(number)s awaits your review"),
        params={"number": contract.number},
        url=reverse("procurement:contract_detail", args=[contract.pk]),
        obj=milestone,
    )
    return report


@transaction.atomic
def progress_report_review(*, report: ProgressReport, by: Any, accept: bool, comment: str) -> ProgressReport:
    """The purchaser accepts (the milestone's instalment falls due; the final one is held for the
    performance evaluation) or returns the report with a comment."""
    report = (
        ProgressReport.objects.select_for_update()
        .select_related("milestone__contract__tender")
        .get(pk=report.pk)
    )
    milestone = Milestone.objects.select_for_update().get(pk=report.milestone_id)
    contract = report.milestone.contract
    if not by.has_perm("procurement.manage_contract", contract.tender):
        raise NotAllowed()
    _running(contract)
    if not accept and not comment.strip():
        raise DomainError(_("Say what must be reworked."), field="comment")
    if accept:
        report.accept(by=by, comment=comment)
        milestone.accept()
        for inst in Instalment.objects.select_for_update().filter(
            milestone=milestone, status=InstalmentStatus.SCHEDULED
        ):
            if inst.is_final:
                inst.hold()
            else:
                inst.make_due()
            inst.save()
    else:
        report.return_(by=by, comment=comment)
        milestone.return_report()
    report.save()
    milestone.save()
    audit_record(
        actor=by,
        action="milestone.accept" if accept else "milestone.return",
        obj=milestone,
        summary={"comment": comment},
    )
    return report


@transaction.atomic
def payment_record(
    *, instalment: Instalment, by: Any, amount: Decimal, paid_on: dt.date, reference: str = ""
) -> Payment:
    """Record a payment against a due instalment; never more than remains to pay. The instalment is
    paid when its payments add up to its amount."""
    instalment = (
        Instalment.objects.select_for_update().select_related("contract__tender").get(pk=instalment.pk)
    )
    if not by.has_perm("procurement.manage_contract", instalment.contract.tender):
        raise NotAllowed()
    if instalment.status != InstalmentStatus.DUE:
        raise DomainError(_("This instalment is not due for payment."))
    if not isinstance(amount, Decimal) or amount <= 0 or amount != amount.quantize(CENT):
        raise DomainError(_("Enter a positive amount in yuan and fen."), field="amount")
    paid = instalment.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    if paid + amount > instalment.amount:
        raise DomainError(
            _("Only ¥%(left)s remains to pay on this instalment.") % {"left": instalment.amount - paid},
            field="amount",
        )
    payment = Payment.objects.create(
        instalment=instalment, amount=amount, paid_on=paid_on, reference=reference, recorded_by=by
    )
    if instalment.is_fully_paid():
        instalment.mark_paid()
        instalment.save()
    audit_record(
        actor=by,
        action="payment.record",
        obj=instalment,
        summary={"amount": amount, "paid_on": paid_on, "reference": reference},
    )
    return payment


@transaction.atomic
def contract_release_final_instalment(
    *, contract: Contract, by: Any, release: bool, reason: str
) -> Instalment:
    """The performance evaluation's decision on the final instalment (called by ``evaluation``):
    ``release=True`` makes it due for payment, ``False`` withholds it. ``by`` is the purchaser who
    commissioned the evaluation or the evaluator who concluded it (the evaluation app checks the
    commission before calling). Calling again with the same decision changes nothing; a different
    decision after one is recorded is refused."""
    contract = _lock(contract)
    if not by.has_perm("procurement.decide_final_instalment", contract):
        raise NotAllowed()
    if contract.status not in (ContractStatus.SIGNED, ContractStatus.PUBLISHED, ContractStatus.TERMINATED):
        raise DomainError(_("The contract has not been signed."))
    if not reason.strip():
        raise DomainError(_("Give the reason for the decision."), field="reason")
    final = Instalment.objects.select_for_update().get(contract=contract, is_final=True)
    decided = {InstalmentStatus.DUE, InstalmentStatus.PAID} if release else {InstalmentStatus.WITHHELD}
    if final.decided_at is not None:
        if final.status in decided:
            return final
        raise DomainError(_("The final instalment has already been decided otherwise."))
    if release:
        final.release(reason=reason)
    else:
        final.withhold(reason=reason)
    final.save()
    audit_record(
        actor=by,
        action="instalment.release" if release else "instalment.withhold",
        obj=final,
        summary={"contract": contract.number, "amount": final.amount, "reason": reason},
    )
    return final


def deadline_reminders_send(today: dt.date | None = None) -> int:
    """Remind each department's purchasers of deadlines due within 1 day or overdue, once a day per
    deadline (the beat task calls this; running it twice the same day sends nothing more).
    Each reminder is stored with the deadline's label as a msgid, so every recipient reads it in
    their own language. Queries: a fixed number per department plus two per reminder sent.
    Returns the number of reminders sent."""
    from accounts.models import Department
    from procurement.models import DeadlineReminder
    from procurement.selectors.contracts import deadlines_for_department

    today = today or local_date()
    already = set(DeadlineReminder.objects.filter(sent_on=today).values_list("key", flat=True))
    sent = 0
    for department in Department.objects.filter(tenders__isnull=False).distinct().order_by("pk"):
        due = [
            item
            for item in deadlines_for_department(department.pk, today)
            if item.days_left is not None and item.days_left <= 1 and item.key not in already
        ]
        if not due:
            continue
        staff = list(User.objects.filter(department=department, role="purchaser", is_active=True))
        for item in due:
            with transaction.atomic():
                _reminder, created = DeadlineReminder.objects.get_or_create(key=item.key, sent_on=today)
                if not created:  # another worker sent it meanwhile
                    continue
                notify(
                    recipients=staff,
                    kind="procurement.deadline",
                    message=gettext_noop("%(ref)s: %(what)s — due %(due)s"),
                    params={
                        "ref": item.reference,
                        "what": msgid_param(item.label_msgid, item.label_params),
                        "due": item.due,
                    },
                    url=item.url,
                )
                sent += 1
    return sent
