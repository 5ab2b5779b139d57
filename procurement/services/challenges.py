"""Challenges (质疑, 政府采购法 Art. 52–53) and complaints (投诉, Art. 55).

A bidder files within 7 working days of the award announcement (refused after, server time, the
day read in China); the purchaser replies within 7 working days. A pending challenge suspends
contract signing. Outcomes: dismissed; upheld with re-evaluation (the award is rescinded and the
original committee scores again in a new round); upheld with a new award (another ranked bid, with
the legal reason); upheld with failure of the tender (废标). A complaint to the finance department
may follow within 15 working days of the reply; the platform records it and its decision.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
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
    Bid,
    Challenge,
    ChallengeStatus,
    Committee,
    CommitteeMember,
    Complaint,
    ComplaintStatus,
    MemberStatus,
    Tender,
)
from procurement.models.bids import REVIEW_STATES
from procurement.services.awards import _create_award, award_rescind, organisation_staff
from procurement.services.deadlines import challenge_reply_days, complaint_days, due_after, local_date
from procurement.uploads import check_upload
from vendors.models import Organisation


@atomic_discarding_files
def challenge_file(
    *, award: Award, organisation: Organisation, by: Any, grounds: str, document: UploadedFile | None = None
) -> Challenge:
    """A bidder challenges the announced award, within the challenge period."""
    if not by.has_perm("vendors.act_for_organisation", organisation):
        raise NotAllowed()
    award = Award.objects.select_for_update().select_related("tender").get(pk=award.pk)
    tender = award.tender
    if not Bid.objects.filter(tender=tender, organisation=organisation, status__in=REVIEW_STATES).exists():
        raise NotAllowed(_("Only bidders of this tender may challenge its award."))
    if award.status != AwardStatus.ANNOUNCED or award.challenge_until is None:
        raise DomainError(_("Only an announced award can be challenged."))
    today = local_date()
    if today > award.challenge_until:
        raise DomainError(
            _("The challenge period ended on %(date)s (7 working days after the announcement).")
            % {"date": award.challenge_until}
        )
    if not grounds.strip():
        raise DomainError(_("State the grounds of the challenge."), field="grounds")
    due = due_after(timezone.now(), challenge_reply_days())
    challenge = Challenge(
        tender=tender,
        award=award,
        organisation=organisation,
        filed_by=by,
        filed_at=timezone.now(),
        grounds=grounds,
        reply_due=due.date,
    )
    if document is not None:
        checked = check_upload(name=document.name or "", stream=document)
        challenge.document_name = checked.name[:200]
        challenge.document.save("upload", ContentFile(checked.content), save=False)
        discard_on_failure(challenge.document.name)
    challenge.save()
    audit_record(
        actor=by,
        action="challenge.file",
        obj=challenge,
        summary={"tender": tender.reference, "organisation": organisation.pk, "reply_due": due.date},
    )
    notify(
        recipients=User.objects.filter(department_id=tender.department_id, role="purchaser", is_active=True),
        kind="challenge.filed",
        message=gettext_noop("A challenge to the award of tender %(ref)s was filed; reply by %(due)s"),
        params={"ref": tender.reference, "due": due.date},
        url=reverse("procurement:evaluation_manage", args=[tender.pk]),
        obj=challenge,
    )
    return challenge


def _reconvene(committee: Committee, by: Any) -> Committee:
    """Re-evaluation by the original committee: a new round with the same members, who declare again."""
    members = list(committee.members.filter(status=MemberStatus.SUBMITTED).order_by("-is_leader", "id"))
    committee.supersede()
    committee.save()
    new = Committee.objects.create(
        tender=committee.tender,
        round=committee.round + 1,
        size=committee.size,
        is_complex=committee.is_complex,
        draws=[{"purpose": f"re-evaluation: members of round {committee.round}"}],
        created_by=by,
    )
    for m in members:
        CommitteeMember.objects.create(committee=new, user=m.user, kind=m.kind, is_leader=m.is_leader)
    audit_record(actor=by, action="committee.reconvene", obj=new, summary={"previous": committee.pk})
    return new


@transaction.atomic
def challenge_reply(
    *,
    challenge: Challenge,
    by: Any,
    outcome: str,
    reply: str,
    new_bid: Bid | None = None,
    new_award_reason: str = "",
) -> Challenge:
    """The purchaser answers a pending challenge with one of the outcomes."""
    challenge = Challenge.objects.select_for_update().select_related("tender").get(pk=challenge.pk)
    tender = Tender.objects.select_for_update().get(pk=challenge.tender_id)
    if not by.has_perm("procurement.reply_challenge", challenge):
        raise NotAllowed()
    if not challenge.is_pending:
        raise DomainError(_("This challenge has already been answered."))
    if not reply.strip():
        raise DomainError(_("Write the reply."), field="reply")
    complaint = due_after(timezone.now(), complaint_days())
    kwargs = {"by": by, "reply": reply, "complaint_until": complaint.date}
    award = Award.objects.select_for_update().select_related("report__committee").get(pk=challenge.award_id)
    summary: dict[str, Any] = {"outcome": outcome, "on_time": local_date() <= challenge.reply_due}
    if outcome == ChallengeStatus.DISMISSED:
        challenge.dismiss(**kwargs)
    elif outcome == ChallengeStatus.UPHELD_REEVALUATION:
        challenge.uphold_with_reevaluation(**kwargs)
        award_rescind(award=award, by=by, reason=reply)
        tender.reopen_evaluation()
        tender.save()
        _reconvene(award.report.committee, by)
    elif outcome == ChallengeStatus.UPHELD_NEW_AWARD:
        if new_bid is None or new_bid.pk == award.bid_id:
            raise DomainError(_("Choose the bid to award instead."), field="new_bid")
        challenge.uphold_with_new_award(**kwargs)
        award_rescind(award=award, by=by, reason=reply)
        new_bid = Bid.objects.select_related("organisation").get(pk=new_bid.pk)
        new = _create_award(
            tender=tender, report=award.report, bid=new_bid, by=by, reason=new_award_reason or reply
        )
        summary["new_award"] = new.pk
    elif outcome == ChallengeStatus.UPHELD_FAILED:
        challenge.uphold_with_failure(**kwargs)
        award_rescind(award=award, by=by, reason=reply)
        tender.fail_after_evaluation(reason=reply)
        tender.save()
    else:
        raise DomainError(_("Unknown outcome."), field="outcome")
    challenge.save()
    audit_record(actor=by, action="challenge.reply", obj=challenge, summary=summary)
    notify(
        recipients=organisation_staff(challenge.organisation_id),
        kind="challenge.answered",
        message=gettext_noop("Your challenge to tender %(ref)s was answered: %(outcome)s"),
        params={"ref": tender.reference, "outcome": msgid_param(ChallengeStatus(challenge.status).label)},
        url=reverse("procurement:award_announcement", args=[challenge.award_id]),
        obj=challenge,
    )
    return challenge


@transaction.atomic
def complaint_record(*, challenge: Challenge, by: Any, authority: str, grounds: str) -> Complaint:
    """The challenger records its complaint (投诉) to the finance department, within 15 working days
    of the reply."""
    challenge = Challenge.objects.select_for_update().select_related("tender").get(pk=challenge.pk)
    if not by.has_perm("procurement.record_complaint", challenge):
        raise NotAllowed()
    if challenge.is_pending or challenge.complaint_until is None:
        raise DomainError(_("A complaint follows the reply to the challenge."))
    if local_date() > challenge.complaint_until:
        raise DomainError(
            _("Complaints were possible until %(date)s (15 working days after the reply).")
            % {"date": challenge.complaint_until}
        )
    if not authority.strip() or not grounds.strip():
        raise DomainError(_("Name the finance department and state the grounds."))
    complaint = Complaint.objects.create(
        challenge=challenge, authority=authority, filed_at=timezone.now(), recorded_by=by, grounds=grounds
    )
    audit_record(
        actor=by,
        action="complaint.file",
        obj=complaint,
        summary={"challenge": challenge.pk, "tender": challenge.tender.reference, "authority": authority},
    )
    notify(
        recipients=User.objects.filter(
            department_id=challenge.tender.department_id, role="purchaser", is_active=True
        ),
        kind="challenge.filed",
        message=gettext_noop(
            "%(org)s lodged a complaint with %(authority)s about the challenge reply on tender %(ref)s"
        ),
        params={
            "org": challenge.organisation.name,
            "authority": authority,
            "ref": challenge.tender.reference,
        },
        url=reverse("procurement:challenge_detail", args=[challenge.pk]),
        obj=complaint,
    )
    return complaint


@transaction.atomic
def complaint_decide(*, complaint: Complaint, by: Any, outcome: str, decision: str) -> Complaint:
    """A supervisor (财政局) records the finance department's decision."""
    complaint = Complaint.objects.select_for_update().select_related("challenge__tender").get(pk=complaint.pk)
    if not by.has_perm("procurement.decide_complaint", complaint):
        raise NotAllowed()
    if complaint.status != ComplaintStatus.FILED:
        raise DomainError(_("The decision is already recorded."))
    if outcome not in Complaint.Outcome.values or not decision.strip():
        raise DomainError(_("Choose the outcome and record the decision."))
    complaint.decide(outcome=outcome, decision=decision)
    complaint.save()
    audit_record(actor=by, action="complaint.decide", obj=complaint, summary={"outcome": outcome})
    challenge = complaint.challenge
    notify(
        recipients=organisation_staff(challenge.organisation_id),
        kind="challenge.answered",
        message=gettext_noop("%(authority)s decided your complaint on tender %(ref)s: %(outcome)s"),
        params={
            "authority": complaint.authority,
            "ref": challenge.tender.reference,
            "outcome": msgid_param(complaint.Outcome(outcome).label),
        },
        url=reverse("procurement:challenge_detail", args=[challenge.pk]),
        obj=complaint,
    )
    return complaint
