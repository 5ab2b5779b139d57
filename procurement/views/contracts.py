"""Contract pages: drafting from the award, the contract (signing, publication, amendment,
termination, milestones, progress reports, payments), the contracts list and the deadlines board."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.exceptions import DomainError
from accounts.models import Role
from accounts.types import AuthenticatedRequest
from procurement.models import (
    Award,
    Challenge,
    Contract,
    ContractStatus,
    Instalment,
    Milestone,
    ProgressReport,
)
from procurement.selectors import contracts as selectors
from procurement.services import contracts as services


def _error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, str(exc.message))


def parse_milestones(text: str) -> list[services.MilestoneSpec]:
    """One milestone per line: ``title | deliverables | due YYYY-MM-DD | percentage``."""
    specs = []
    for n, line in enumerate((ln for ln in text.splitlines() if ln.strip()), start=1):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 4:
            raise DomainError(
                _("Line %(n)s: write title | deliverables | due date | percentage.") % {"n": n},
                field="milestones",
            )
        try:
            due = dt.date.fromisoformat(parts[2])
            pct = Decimal(parts[3].rstrip("%").strip())
        except (ValueError, InvalidOperation):
            raise DomainError(
                _("Line %(n)s: the date is YYYY-MM-DD and the share a number.") % {"n": n}, field="milestones"
            ) from None
        specs.append(services.MilestoneSpec(parts[0], parts[1], due, pct))
    return specs


@login_required
@require_http_methods(["GET", "POST"])
def contract_create(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    award = get_object_or_404(Award.objects.select_related("tender", "bid__organisation"), pk=pk)
    if not request.user.has_perm("procurement.manage_contract", award.tender):
        raise PermissionDenied
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            contract = services.contract_draft(
                award=award,
                by=request.user,
                term_start=dt.date.fromisoformat(request.POST.get("term_start", "")),
                term_end=dt.date.fromisoformat(request.POST.get("term_end", "")),
                service_content=request.POST.get("service_content", ""),
                milestones=parse_milestones(request.POST.get("milestones", "")),
            )
            messages.success(request, _("The contract is drafted; both sides may now sign."))
            return redirect("procurement:contract_detail", pk=contract.pk)
        except ValueError:
            messages.error(request, _("Enter the term as dates (YYYY-MM-DD)."))
        except DomainError as exc:
            _error(request, exc)
    return render(request, "procurement/contract_form.html", {"award": award, "values": values})


@login_required
@require_http_methods(["GET", "POST"])
def contract_detail(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    contract = get_object_or_404(
        Contract.objects.select_related("tender__department", "organisation", "award"), pk=pk
    )
    if not request.user.has_perm("procurement.view_contract", contract):
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        user = request.user
        try:
            if action == "sign":
                services.contract_sign(
                    contract=contract, by=user, confirmed_sha256=request.POST.get("sha256", "")
                )
                messages.success(request, _("Your signature is recorded."))
            elif action == "publish":
                services.contract_publish(contract=contract, by=user)
            elif action == "terminate":
                services.contract_terminate(contract=contract, by=user, reason=request.POST.get("reason", ""))
            elif action == "amend":
                services.contract_amend(
                    contract=contract,
                    by=user,
                    text=request.POST.get("text", ""),
                    reason=request.POST.get("reason", ""),
                )
            elif action == "report":
                milestone = get_object_or_404(Milestone, pk=request.POST.get("milestone"), contract=contract)
                services.progress_report_submit(
                    milestone=milestone,
                    by=user,
                    text=request.POST.get("text", ""),
                    evidence=request.FILES.get("evidence"),
                )
            elif action in ("accept", "return"):
                report = get_object_or_404(
                    ProgressReport, pk=request.POST.get("report"), milestone__contract=contract
                )
                services.progress_report_review(
                    report=report, by=user, accept=action == "accept", comment=request.POST.get("comment", "")
                )
            elif action == "pay":
                instalment = get_object_or_404(
                    Instalment, pk=request.POST.get("instalment"), contract=contract
                )
                try:
                    amount = Decimal(request.POST.get("amount", "").strip())
                    paid_on = dt.date.fromisoformat(request.POST.get("paid_on", ""))
                except (InvalidOperation, ValueError):
                    raise DomainError(_("Enter the amount and the date (YYYY-MM-DD).")) from None
                services.payment_record(
                    instalment=instalment,
                    by=user,
                    amount=amount,
                    paid_on=paid_on,
                    reference=request.POST.get("reference", ""),
                )
            else:
                raise Http404
        except DomainError as exc:
            if exc.code == "forbidden":
                raise PermissionDenied from None
            _error(request, exc)
        return redirect("procurement:contract_detail", pk=contract.pk)
    version = contract.current_version
    context = {
        "contract": contract,
        "version": version,
        "versions": contract.versions.order_by("-number"),
        "side": services.signing_side(contract, request.user),
        "is_purchaser": request.user.has_perm("procurement.manage_contract", contract.tender),
        # What may happen next comes from the state machine, not from status tests in the template.
        "actions": {
            t.name
            for t in contract.get_available_user_status_transitions(request.user)  # type: ignore[attr-defined]
        },
        "awaiting_signatures": contract.status == ContractStatus.DRAFT,
        "in_force": contract.status in (ContractStatus.SIGNED, ContractStatus.PUBLISHED),
        "can_amend": contract.status not in (ContractStatus.TERMINATED, ContractStatus.VOIDED),
        "milestones": contract.milestones.prefetch_related("instalments__payments", "reports").order_by(
            "order"
        ),
    }
    return render(request, "procurement/contract_detail.html", context)


@login_required
def contract_list(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if user.role == Role.PURCHASER and user.department_id:
        contracts = selectors.contracts_for_department(user.department_id)
    elif user.role == Role.SUPPLIER:
        contracts = selectors.contracts_for_organisations(
            user.memberships.filter(status="approved").values("organisation_id")
        )
    else:
        raise PermissionDenied
    return render(
        request, "procurement/contract_list.html", {"contracts": contracts.order_by("-created_at")[:200]}
    )


@login_required
def deadlines_board(request: AuthenticatedRequest) -> HttpResponse:
    """Everything the purchaser's department must do by a statutory date; overdue items marked."""
    if not request.user.has_perm("procurement.view_deadlines") or not request.user.department_id:
        raise PermissionDenied
    items = selectors.deadlines_for_department(request.user.department_id)
    return render(request, "procurement/deadlines_board.html", {"items": items})


def _private_file(field: Any, name: str) -> FileResponse:
    if not field:
        raise Http404
    return FileResponse(field.open("rb"), as_attachment=True, filename=name or "document")


@login_required
def progress_evidence(request: AuthenticatedRequest, pk: int) -> FileResponse:
    """A progress report's evidence: the contract's parties and supervisors only."""
    report = get_object_or_404(ProgressReport.objects.select_related("milestone__contract__tender"), pk=pk)
    if not request.user.has_perm("procurement.view_contract", report.milestone.contract):
        raise Http404
    return _private_file(report.evidence, report.evidence_name)


@login_required
def challenge_document(request: AuthenticatedRequest, pk: int) -> FileResponse:
    """A challenge's supporting document: the challenger, the purchaser and supervisors only."""
    challenge = get_object_or_404(Challenge.objects.select_related("tender"), pk=pk)
    if not request.user.has_perm("procurement.view_challenge", challenge):
        raise Http404
    return _private_file(challenge.document, challenge.document_name)
