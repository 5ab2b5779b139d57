"""Forming the evaluation committee (评标委员会): the draw, declining and replacement, declarations.

Rules in ``procurement.committee`` (the pure draw). The draw's seed, sorted candidates and
exclusions are stored on the committee and in the audit trail, so anyone may re-run it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record
from accounts.exceptions import DomainError, NotAllowed
from accounts.models import ExpertProfile, Role
from accounts.notifications import notify
from procurement import committee as draw
from procurement.models import (
    Bid,
    BidStatus,
    Committee,
    CommitteeMember,
    CommitteeStatus,
    ConflictDeclaration,
    MemberStatus,
    Tender,
    TenderStatus,
)
from procurement.models.bids import COUNTING_STATES

ACTIVE_COMMITTEE_STATES = [CommitteeStatus.FORMING, CommitteeStatus.SCORING, CommitteeStatus.REPORTED]


def _lock_tender(pk: int) -> Tender:
    return Tender.objects.select_for_update().get(pk=pk)


def _lock_committee(pk: int) -> Committee:
    return Committee.objects.select_for_update().select_related("tender").get(pk=pk)


def current_committee(tender: Tender) -> Committee | None:
    return tender.committees.filter(status__in=ACTIVE_COMMITTEE_STATES).order_by("-round").first()


def tender_bidders(tender: Tender) -> list[draw.Bidder]:
    """Every organisation with a bid that counts on the tender (qualified or not: a conflict with a
    disqualified bidder still taints the expert)."""
    bids = (
        Bid.objects.filter(tender=tender, status__in=COUNTING_STATES)
        .select_related("organisation")
        .order_by("organisation_id")
    )
    return [
        draw.Bidder(
            organisation_id=b.organisation_id,
            name=b.organisation.name,
            legal_representative=b.organisation.legal_representative,
        )
        for b in bids
    ]


def expert_candidates(tender: Tender) -> list[draw.Candidate]:
    """Active experts in the pool with the tender's service category as a speciality, with their
    current relations (within 3 years)."""
    experts = (
        ExpertProfile.objects.filter(
            in_pool=True,
            user__is_active=True,
            user__role=Role.EXPERT,
            specialities__category=tender.category_id,
        )
        .select_related("user")
        .prefetch_related("relations")
        .distinct()
    )
    candidates = []
    for e in experts:
        relations = [r for r in e.relations.all() if r.is_current()]
        candidates.append(
            draw.Candidate(
                expert_id=e.pk,
                affiliation=e.affiliation,
                related_organisation_ids=frozenset(r.organisation_id for r in relations if r.organisation_id),
                related_person_names=frozenset(r.person_name for r in relations if r.person_name),
            )
        )
    return candidates


def _draw_record(result: draw.DrawResult, *, purpose: str) -> dict[str, Any]:
    return {
        "purpose": purpose,
        "seed": result.seed,
        "candidate_ids": list(result.candidate_ids),
        "excluded": {str(k): v for k, v in result.excluded.items()},
        "drawn_ids": list(result.drawn_ids),
    }


def _notify_invited(members: Sequence[CommitteeMember], tender: Tender) -> None:
    notify(
        recipients=[m.user for m in members],
        kind="committee.invited",
        message=gettext_noop("You are invited to the evaluation committee of tender %(ref)s"),
        params={"ref": tender.reference},
        url=reverse("procurement:my_seats"),
        obj=tender,
    )


@transaction.atomic
def committee_form(
    *,
    tender: Tender,
    by: Any,
    size: int | None = None,
    is_complex: bool = False,
    purchaser_representative: Any = None,
    seed: int | None = None,
) -> Committee:
    """Draw the committee of a qualification-reviewed tender (or reconvene after a re-evaluation
    that left no active committee). ``seed`` is for re-running a recorded draw; normally fresh."""
    if not by.has_perm("procurement.form_committee", tender):
        raise NotAllowed()
    tender = _lock_tender(tender.pk)
    if tender.status not in (TenderStatus.QUALIFICATION_REVIEWED, TenderStatus.UNDER_EVALUATION):
        raise DomainError(_("A committee is formed after the qualification review."))
    if current_committee(tender) is not None:
        raise DomainError(_("This tender already has an evaluation committee."))
    reps = 1 if purchaser_representative is not None else 0
    if purchaser_representative is not None and not (
        purchaser_representative.role == Role.PURCHASER
        and purchaser_representative.department_id == tender.department_id
    ):
        raise DomainError(
            _("The purchaser representative must be purchaser staff of the tender's department.")
        )
    minimum = draw.required_size(budget=tender.budget, is_complex=is_complex)
    size = size or minimum
    problems = draw.check_composition(
        size=size, budget=tender.budget, is_complex=is_complex, purchaser_representatives=reps
    )
    if problems:
        raise DomainError(" ".join(problems), field="size")
    seed = draw.new_seed() if seed is None else seed
    try:
        result = draw.draw_experts(
            candidates=expert_candidates(tender), bidders=tender_bidders(tender), count=size - reps, seed=seed
        )
    except draw.NotEnoughExperts as exc:
        raise DomainError(
            _("Not enough experts without a conflict: %(needed)s needed, %(available)s available.")
            % {"needed": exc.needed, "available": exc.available}
        ) from None
    last_round = tender.committees.order_by("-round").values_list("round", flat=True).first() or 0
    committee = Committee.objects.create(
        tender=tender,
        round=last_round + 1,
        size=size,
        is_complex=is_complex,
        draws=[_draw_record(result, purpose="committee")],
        created_by=by,
    )
    profiles = ExpertProfile.objects.select_related("user").in_bulk(result.drawn_ids)
    members = [
        CommitteeMember.objects.create(
            committee=committee, user=profiles[pk].user, kind=CommitteeMember.Kind.EXPERT, is_leader=(i == 0)
        )
        for i, pk in enumerate(result.drawn_ids)
    ]
    if purchaser_representative is not None:
        members.append(
            CommitteeMember.objects.create(
                committee=committee, user=purchaser_representative, kind=CommitteeMember.Kind.PURCHASER
            )
        )
    audit_record(
        actor=by,
        action="committee.form",
        obj=committee,
        summary={"tender": tender.reference, "size": size, "is_complex": is_complex, **committee.draws[0]},
    )
    _notify_invited(members, tender)
    return committee


def _replace(member: CommitteeMember, by: Any, reason: str) -> CommitteeMember | None:
    """Draw a replacement for a member who declined; a purchaser representative is not replaced by
    a draw (the purchaser may name another or go on without one)."""
    committee = _lock_committee(member.committee_id)
    if member.kind != CommitteeMember.Kind.EXPERT:
        return None
    tender = committee.tender
    already = ExpertProfile.objects.filter(user__committee_seats__committee=committee).values_list(
        "pk", flat=True
    )
    seed = draw.new_seed()
    try:
        result = draw.draw_replacement(
            candidates=expert_candidates(tender),
            bidders=tender_bidders(tender),
            already_drawn=list(already),
            seed=seed,
        )
    except draw.NotEnoughExperts:
        raise DomainError(
            _("No further expert without a conflict is available to replace this member.")
        ) from None
    expert = ExpertProfile.objects.select_related("user").get(pk=result.drawn_ids[0])
    replacement = CommitteeMember.objects.create(
        committee=committee,
        user=expert.user,
        kind=CommitteeMember.Kind.EXPERT,
        replaces=member,
    )
    if member.is_leader:
        CommitteeMember.objects.filter(pk=member.pk).update(is_leader=False)
        CommitteeMember.objects.filter(pk=replacement.pk).update(is_leader=True)
        replacement.is_leader = True
    record = _draw_record(result, purpose=f"replace member {member.pk}")
    committee.draws = [*committee.draws, record]
    committee.save(update_fields=["draws"])
    audit_record(
        actor=by, action="committee.replace_member", obj=committee, summary={"reason": reason, **record}
    )
    _notify_invited([replacement], tender)
    return replacement


def _own_seat(member: CommitteeMember, by: Any) -> CommitteeMember:
    member = CommitteeMember.objects.select_for_update().select_related("committee__tender").get(pk=member.pk)
    if member.user_id != by.pk:
        raise NotAllowed()
    if member.committee.status != CommitteeStatus.FORMING:
        raise DomainError(_("The committee has already been formed."))
    return member


@transaction.atomic
def member_decline(*, member: CommitteeMember, by: Any, reason: str) -> CommitteeMember | None:
    """The member declines the seat; a replacement is drawn at once. Returns the replacement."""
    member = _own_seat(member, by)
    if not reason.strip():
        raise DomainError(_("Give a reason for declining."), field="reason")
    member.decline(reason=reason)
    member.save()
    audit_record(
        actor=by, action="committee.member_decline", obj=member.committee, summary={"member": member.pk}
    )
    return _replace(member, by, reason)


@transaction.atomic
def member_declare(
    *, member: CommitteeMember, by: Any, has_conflict: bool, statement: str
) -> CommitteeMember:
    """The member declares (回避声明) before any bid is visible. A declared conflict means the member
    steps down and a replacement is drawn; no conflict means the seat is taken. When every seat is
    taken the committee starts scoring and the tender is under evaluation."""
    member = _own_seat(member, by)
    if member.status != MemberStatus.INVITED:
        raise DomainError(_("You have already answered this invitation."))
    if not statement.strip():
        raise DomainError(_("Write your declaration."), field="statement")
    tender = member.committee.tender
    ConflictDeclaration.objects.create(
        member=member,
        has_conflict=has_conflict,
        statement=statement,
        bidders_shown=[b.name for b in tender_bidders(tender)],
    )
    audit_record(
        actor=by,
        action="committee.member_declare",
        obj=member.committee,
        summary={"member": member.pk, "has_conflict": has_conflict},
    )
    if has_conflict:
        member.decline(reason=str(_("Declared a conflict of interest.")))
        member.save()
        _replace(member, by, "conflict declared")
        return member
    member.declare_no_conflict()
    member.save()
    _maybe_start_scoring(member.committee, by)
    return member


def _maybe_start_scoring(committee: Committee, by: Any) -> None:
    committee = _lock_committee(committee.pk)
    seats = committee.members.exclude(status=MemberStatus.DECLINED)
    if seats.count() == committee.size and not seats.exclude(status=MemberStatus.DECLARED).exists():
        committee.start_scoring()
        committee.save()
        tender = _lock_tender(committee.tender_id)
        if tender.status == TenderStatus.QUALIFICATION_REVIEWED:
            tender.start_evaluation()
            tender.save()
            audit_record(
                actor=by, action="tender.start_evaluation", obj=tender, summary={"committee": committee.pk}
            )
        audit_record(actor=by, action="committee.start_scoring", obj=committee, summary={})


def qualified_bids(tender: Tender) -> list[Bid]:
    return list(
        Bid.objects.filter(tender=tender, status=BidStatus.QUALIFIED)
        .select_related("organisation")
        .order_by("id")
    )
