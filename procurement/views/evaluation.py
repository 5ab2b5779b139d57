"""Evaluation and award pages.

* The purchaser's evaluation page of a tender: form the committee, follow the members, read the
  report (every member's scores), confirm the winner, publish the announcement, answer challenges.
* A committee member's seat: declare (or decline) before seeing any bid, then score and submit; the
  leader submits the report.
* The public award announcement; a bidder's challenge form.

Views parse input, call a service or selector and map ``DomainError`` to a message.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.exceptions import DomainError
from accounts.models import Role, User
from accounts.types import AuthenticatedRequest
from procurement.models import (
    Award,
    AwardStatus,
    Bid,
    Challenge,
    CommitteeMember,
    Complaint,
    MemberStatus,
    Tender,
)
from procurement.selectors import evaluation as selectors
from procurement.services import awards, challenges, committee, scoring
from procurement.services.awards import live_award
from procurement.services.deadlines import local_date
from vendors.models import Organisation


def _error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, str(exc.message))


def _tender_for(request: HttpRequest, pk: int, perm: str) -> Tender:
    tender = get_object_or_404(Tender.objects.select_related("department", "category"), pk=pk)
    if not request.user.has_perm(perm, tender):
        raise PermissionDenied
    return tender


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_manage(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """The purchaser's (and supervisor's, read-only) view of a tender's evaluation and award."""
    tender = _tender_for(request, pk, "procurement.view_evaluation")
    if request.user.role == Role.EXPERT:
        raise PermissionDenied  # members use their seat page, which hides what they may not see yet
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "form":
                rep = None
                if request.POST.get("with_representative"):
                    rep = request.user
                size = int(request.POST.get("size") or 0) or None
                committee.committee_form(
                    tender=tender,
                    by=request.user,
                    size=size,
                    is_complex=bool(request.POST.get("is_complex")),
                    purchaser_representative=rep,
                )
                messages.success(request, _("The committee was drawn."))
            elif action == "confirm":
                bid = get_object_or_404(Bid, pk=request.POST.get("bid"), tender=tender)
                awards.award_confirm(
                    tender=tender, bid=bid, by=request.user, deviation_reason=request.POST.get("reason", "")
                )
                messages.success(request, _("The winner is confirmed."))
            elif action == "announce":
                award = get_object_or_404(Award, pk=request.POST.get("award"), tender=tender)
                awards.award_announce(award=award, by=request.user)
                messages.success(request, _("The award announcement is published."))
            elif action == "reply":
                challenge = get_object_or_404(Challenge, pk=request.POST.get("challenge"), tender=tender)
                new_bid = None
                if request.POST.get("new_bid"):
                    new_bid = get_object_or_404(Bid, pk=request.POST.get("new_bid"), tender=tender)
                challenges.challenge_reply(
                    challenge=challenge,
                    by=request.user,
                    outcome=request.POST.get("outcome", ""),
                    reply=request.POST.get("reply", ""),
                    new_bid=new_bid,
                    new_award_reason=request.POST.get("new_award_reason", ""),
                )
                messages.success(request, _("The challenge is answered."))
            else:
                raise Http404
        except (ValueError, TypeError):
            messages.error(request, _("Enter a whole number of members."))
        except DomainError as exc:
            _error(request, exc)
        return redirect("procurement:evaluation_manage", pk=tender.pk)
    current = selectors.committee_for_tender(tender)
    report = selectors.latest_report(tender)
    context: dict[str, Any] = {
        "tender": tender,
        "committee": current,
        "members": current.members.select_related("user", "declaration").order_by("-is_leader", "id")
        if current
        else [],
        "report": report,
        "award": live_award(tender),
        "challenges": tender.challenges.select_related("organisation")
        .prefetch_related("complaints")
        .order_by("-filed_at"),
        "can_manage": request.user.has_perm("procurement.award_tender", tender),
        "challenge_outcomes": Challenge._meta.get_field("status").choices,
    }
    return render(request, "procurement/evaluation_manage.html", context)


@login_required
def my_seats(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request, "procurement/committee_seats.html", {"seats": selectors.seats_for_user(request.user)}
    )


def _parse_points(raw: str) -> Decimal | None:
    try:
        return Decimal(raw.strip())
    except (InvalidOperation, AttributeError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def seat_detail(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """A committee member's page: declaration first; bids and scoring only afterwards."""
    member = get_object_or_404(
        CommitteeMember.objects.select_related("committee__tender", "user"), pk=pk, user=request.user
    )
    tender = member.committee.tender
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "declare":
                committee.member_declare(
                    member=member,
                    by=request.user,
                    has_conflict=request.POST.get("has_conflict") == "yes",
                    statement=request.POST.get("statement", ""),
                )
            elif action == "decline":
                committee.member_decline(
                    member=member, by=request.user, reason=request.POST.get("reason", "")
                )
            elif action in ("save", "submit"):
                by_id = {c.pk: c for c in tender.criteria.all()}
                for bid in selectors.bids_for_member(member):
                    for cid, criterion in by_id.items():
                        raw = request.POST.get(f"p_{bid.pk}_{cid}", "")
                        if not raw.strip():
                            continue
                        points = _parse_points(raw)
                        if points is None:
                            raise DomainError(_("Points must be a decimal number."))
                        scoring.score_record(
                            member=member,
                            by=request.user,
                            bid=bid,
                            criterion=criterion,
                            points=points,
                            comment=request.POST.get(f"c_{bid.pk}_{cid}", ""),
                        )
                if action == "submit":
                    scoring.scores_submit(member=member, by=request.user)
                    messages.success(request, _("Your scores are submitted."))
                else:
                    messages.success(request, _("Your scores are saved."))
            elif action == "report":
                scoring.report_submit(
                    committee=member.committee, by=request.user, summary=request.POST.get("summary", "")
                )
                messages.success(request, _("The evaluation report is submitted."))
            else:
                raise Http404
        except DomainError as exc:
            _error(request, exc)
        return redirect("procurement:seat_detail", pk=member.pk)
    member.refresh_from_db()
    may_see = selectors.member_may_see_bids(member)
    bids = list(selectors.bids_for_member(member)) if may_see else []
    criteria = list(tender.criteria.all())
    own = {(s.bid_id, s.criterion_id): s for s in member.scores.all()}
    rows = [
        {"bid": b, "cells": [{"criterion": c, "score": own.get((b.pk, c.pk))} for c in criteria]}
        for b in bids
    ]
    context = {
        "member": member,
        "tender": tender,
        "bidder_names": [b.name for b in committee.tender_bidders(tender)],
        "may_see": may_see,
        "criteria": criteria,
        "rows": rows,
        "editable": may_see and member.status == MemberStatus.DECLARED,
        "all_scores": selectors.visible_scores(member) if may_see else [],
        "all_submitted": scoring.all_submitted(member.committee),
        "is_leader": member.is_leader,
        "report": getattr(member.committee, "report", None),
    }
    return render(request, "procurement/committee_seat.html", context)


def award_announcement(request: HttpRequest, pk: int) -> HttpResponse:
    """The public award announcement (中标公告)."""
    award = get_object_or_404(
        Award.objects.select_related("tender__department"),
        pk=pk,
        status__in=[AwardStatus.ANNOUNCED, AwardStatus.CONTRACTED, AwardStatus.RESCINDED],
        announced_at__isnull=False,
    )
    orgs: list[Organisation] = []
    if isinstance(request.user, User):
        org_ids = request.user.memberships.filter(status="approved").values("organisation_id")
        orgs = list(
            Organisation.objects.filter(
                pk__in=org_ids, bids__tender=award.tender, bids__opened_at__isnull=False
            ).distinct()
        )
    # Challenges and complaints are shown to those who may read them: the purchaser, supervisors and
    # each challenger (its own); the public announcement itself stays as published.
    visible = [
        c
        for c in award.challenges.select_related("organisation", "tender").prefetch_related("complaints")
        if request.user.has_perm("procurement.view_challenge", c)
    ]
    return render(
        request,
        "procurement/award_announcement.html",
        {
            "award": award,
            "content": award.announcement,
            "challenge_orgs": orgs,
            "visible_challenges": visible,
        },
    )


@login_required
@require_POST
def challenge_create(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    award = get_object_or_404(Award, pk=pk)
    organisation = get_object_or_404(Organisation, pk=request.POST.get("organisation"))
    try:
        challenges.challenge_file(
            award=award,
            organisation=organisation,
            by=request.user,
            grounds=request.POST.get("grounds", ""),
            document=request.FILES.get("document"),
        )
        messages.success(
            request, _("Your challenge is filed; the purchaser must reply within 7 working days.")
        )
    except DomainError as exc:
        if exc.code == "forbidden":
            raise PermissionDenied from None
        _error(request, exc)
    return redirect("procurement:award_announcement", pk=award.pk)


@login_required
@require_http_methods(["GET", "POST"])
def challenge_detail(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """A challenge (质疑) with its reply and outcome, and the complaints (投诉) to the finance
    department that followed it: the challenger's staff record a complaint; a supervisor or the
    purchaser records the department's decision. Readable by those three only."""
    challenge = get_object_or_404(
        Challenge.objects.select_related("tender__department", "organisation", "award__bid__organisation"),
        pk=pk,
    )
    user = request.user
    if not user.has_perm("procurement.view_challenge", challenge):
        raise PermissionDenied
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "complaint":
                if not user.has_perm("procurement.record_complaint", challenge):
                    raise PermissionDenied
                challenges.complaint_record(
                    challenge=challenge,
                    by=user,
                    authority=request.POST.get("authority", ""),
                    grounds=request.POST.get("grounds", ""),
                )
                messages.success(request, _("Your complaint is recorded."))
            elif action == "decide":
                complaint = get_object_or_404(
                    Complaint, pk=request.POST.get("complaint"), challenge=challenge
                )
                if not user.has_perm("procurement.decide_complaint", complaint):
                    raise PermissionDenied
                challenges.complaint_decide(
                    complaint=complaint,
                    by=user,
                    outcome=request.POST.get("outcome", ""),
                    decision=request.POST.get("decision", ""),
                )
                messages.success(request, _("The finance department's decision is recorded."))
            else:
                raise Http404
        except DomainError as exc:
            _error(request, exc)
        return redirect("procurement:challenge_detail", pk=challenge.pk)
    complaints = list(challenge.complaints.order_by("filed_at"))
    context = {
        "challenge": challenge,
        "tender": challenge.tender,
        "complaints": [
            {
                "complaint": c,
                "can_decide": c.status == "filed" and user.has_perm("procurement.decide_complaint", c),
            }
            for c in complaints
        ],
        "can_complain": (
            not challenge.is_pending
            and challenge.complaint_until is not None
            and local_date() <= challenge.complaint_until
            and user.has_perm("procurement.record_complaint", challenge)
        ),
        "outcomes": Complaint.Outcome.choices,
    }
    return render(request, "procurement/challenge_detail.html", context)
