"""Bid pages: the supplier's bids (draft, documents, submit, receipt, withdraw, replace) and the
purchaser's opening and qualification review.

A bid page is shown to the bidder's own staff, and to the purchaser of the tender's department only
after the opening. Anyone else gets 404 (the bid's existence is not revealed); anonymous visitors
are sent to sign in. No page shows a price or document content before the opening: there is
nothing to show, the database holds only ciphertext.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.exceptions import DomainError
from procurement.forms.bids import ReasonForm, StartBidForm, SubmitForm, UploadForm
from procurement.models import Bid, BidDocument, BidStatus, OpeningRecord, Tender, TenderStatus
from procurement.selectors import bids as selectors
from procurement.services import bids as services
from procurement.services import opening, qualification


def _bid(request: HttpRequest, pk: int, perm: str = "procurement.view_bid", *, page: bool = True) -> Bid:
    """The bid if ``perm`` allows, else 404. ``page=False`` (actions): no joins the page would need;
    the service loads and locks what it uses."""
    bid = selectors.bid_for_page(pk) if page else selectors.bid_for_action(pk)
    if bid is None or not services.can(request.user, perm, bid):
        raise Http404
    return bid


def _tender(request: HttpRequest, pk: int, perm: str) -> Tender | HttpResponseBase:
    tender = get_object_or_404(Tender, pk=pk)
    if not services.can(request.user, perm, tender):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    return tender


def _error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, str(exc.message))


# --- Suppliers -------------------------------------------------------------------------------------


@login_required
def my_bids(request: HttpRequest) -> HttpResponse:
    return render(request, "procurement/bid_list.html", {"bids": selectors.bids_of_user(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def bid_start(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Start (or resume) a draft bid on a tender for one of the user's organisations."""
    tender = get_object_or_404(Tender.objects.public(), pk=pk)
    organisations = selectors.organisations_acting_for(request.user)
    if not organisations.exists():
        raise PermissionDenied
    form = StartBidForm(request.POST or None, organisations=organisations)
    if request.method == "GET" and organisations.count() == 1:
        form = StartBidForm({"organisation": organisations.first().pk}, organisations=organisations)  # type: ignore[union-attr]
    if request.method == "POST" and form.is_valid():
        try:
            bid = services.bid_create_draft(
                tender=tender, organisation=form.cleaned_data["organisation"], by=request.user
            )
        except DomainError as exc:
            _error(request, exc)
            live = selectors.live_bid(tender, organisations)
            return redirect(live.get_absolute_url() if live else tender.get_absolute_url())
        return redirect(bid.get_absolute_url())
    return render(request, "procurement/bid_start.html", {"tender": tender, "form": form})


@login_required
def bid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bid = _bid(request, pk)
    is_owner = services.can(request.user, "procurement.change_bid", bid)
    if bid.opened_at is not None:
        opening.sealed_read_record(obj=bid, by=request.user, what="bid_page")
    open_now = bid.tender.bids_open_for_submission()
    context: dict[str, Any] = {
        "bid": bid,
        "tender": bid.tender,
        "documents": list(bid.documents.all()),
        "is_owner": is_owner,
        "can_edit": is_owner and open_now and bid.status == BidStatus.DRAFT,
        "can_change": is_owner and open_now and bid.status == BidStatus.SUBMITTED,
        "can_read_documents": services.can(request.user, "procurement.read_bid_documents", bid),
        "upload_form": UploadForm(),
        "submit_form": SubmitForm(),
    }
    return render(request, "procurement/bid_detail.html", context)


@login_required
@require_POST
def bid_upload(request: HttpRequest, pk: int) -> HttpResponseBase:
    bid = _bid(request, pk, "procurement.change_bid", page=False)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
    else:
        upload = form.cleaned_data["file"]
        try:
            document = services.bid_add_document(bid=bid, name=upload.name, stream=upload, by=request.user)
        except DomainError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("%(name)s is uploaded and sealed.") % {"name": document.name})
    return redirect(bid.get_absolute_url())


@login_required
@require_POST
def bid_document_remove(request: HttpRequest, pk: int, document_pk: int) -> HttpResponseBase:
    bid = _bid(request, pk, "procurement.change_bid")
    document = get_object_or_404(BidDocument, pk=document_pk, bid=bid)
    try:
        services.bid_remove_document(document=document, by=request.user)
    except DomainError as exc:
        _error(request, exc)
    return redirect(bid.get_absolute_url())


@login_required
@require_POST
def bid_submit(request: HttpRequest, pk: int) -> HttpResponseBase:
    bid = _bid(request, pk, "procurement.change_bid", page=False)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(bid.get_absolute_url())
    try:
        bid = services.bid_submit(bid=bid, price=form.cleaned_data["price"], by=request.user)
    except DomainError as exc:
        _error(request, exc)
        return redirect(bid.get_absolute_url())
    messages.success(request, _("Your bid is submitted and sealed. Keep this receipt."))
    return redirect("procurement:bid_receipt", pk=bid.pk)


@login_required
def bid_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    bid = _bid(request, pk, "procurement.change_bid")
    if not hasattr(bid, "receipt"):
        raise Http404
    return render(request, "procurement/bid_receipt.html", {"bid": bid, "receipt": bid.receipt})


def _simple_action(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponseBase:
    bid = _bid(request, pk, "procurement.change_bid", page=False)
    try:
        result = action(bid=bid, by=request.user)
    except DomainError as exc:
        _error(request, exc)
        return redirect(bid.get_absolute_url())
    messages.success(request, done)
    return redirect(result.get_absolute_url())


@login_required
@require_POST
def bid_withdraw(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _simple_action(request, pk, services.bid_withdraw, _("Your bid is withdrawn."))


@login_required
@require_POST
def bid_replace(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _simple_action(
        request,
        pk,
        services.bid_replace,
        _("A replacement draft was started. Your submitted bid counts until you submit the replacement."),
    )


@login_required
@require_POST
def bid_reconfirm(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _simple_action(request, pk, services.bid_reconfirm, _("Your bid is confirmed again."))


@login_required
def bid_document_download(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    """After the opening only; every read is written to the audit trail."""
    bid = _bid(request, pk, "procurement.read_bid_documents")
    document = get_object_or_404(BidDocument, pk=document_pk, bid=bid)
    content = opening.bid_document_read(document=document, by=request.user)
    response = HttpResponse(content, content_type=document.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(document.name)}"
    response["Cache-Control"] = "private, no-store"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


# --- Purchasers: opening and qualification ---------------------------------------------------------


@require_http_methods(["GET", "POST"])
def tender_opening(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The opening page: before the opening time it says when; at or after it the purchaser opens."""
    result = _tender(request, pk, "procurement.open_bids")
    if not isinstance(result, Tender):
        return result
    tender = result
    if request.method == "POST":
        try:
            opening.tender_open(tender=tender, by=request.user)
        except DomainError as exc:
            _error(request, exc)
            return redirect("procurement:tender_opening", pk=tender.pk)
        messages.success(request, _("The bids are opened."))
        return redirect("procurement:opening_record", pk=tender.pk)
    record = OpeningRecord.objects.filter(tender=tender).first()
    can_open = (
        tender.status in (TenderStatus.PUBLISHED, TenderStatus.BIDDING_CLOSED)
        and tender.has_reached_opening_time()
    )
    return render(
        request, "procurement/tender_opening.html", {"tender": tender, "record": record, "can_open": can_open}
    )


def opening_record(request: HttpRequest, pk: int) -> HttpResponseBase:
    result = _tender(request, pk, "procurement.view_opening_record")
    if not isinstance(result, Tender):
        return result
    record = get_object_or_404(OpeningRecord.objects.select_related("opened_by"), tender=result)
    opening.sealed_read_record(obj=result, by=request.user, what="opening_record")
    return render(request, "procurement/opening_record.html", {"tender": result, "record": record})


@require_http_methods(["GET", "POST"])
def qualification_review(request: HttpRequest, pk: int) -> HttpResponseBase:
    result = _tender(request, pk, "procurement.review_qualification")
    if not isinstance(result, Tender):
        return result
    tender = result
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "complete":
                tender = qualification.tender_complete_qualification(tender=tender, by=request.user)
                if tender.status == TenderStatus.FAILED:
                    messages.warning(
                        request, _("The tender failed: %(reason)s") % {"reason": tender.failure_reason}
                    )
                else:
                    messages.success(request, _("The qualification review is complete."))
            elif action == "recheck":
                qualification.tender_check_directory(tender=tender, by=request.user)
                messages.success(request, _("The directory check was run again for every bid."))
            elif action in ("qualify", "disqualify"):
                bid = get_object_or_404(Bid, pk=request.POST.get("bid"), tender=tender)
                reason = request.POST.get("reason", "")
                if action == "qualify":
                    qualification.bid_qualify(bid=bid, by=request.user, reason=reason)
                else:
                    qualification.bid_disqualify(bid=bid, by=request.user, reason=reason)
            else:
                raise Http404
        except DomainError as exc:
            _error(request, exc)
        return redirect("procurement:qualification_review", pk=tender.pk)
    if tender.bids_opened_at is not None:
        opening.sealed_read_record(obj=tender, by=request.user, what="qualification_review")
    context = {
        "tender": tender,
        "bids": selectors.bids_for_review(tender),
        "reason_form": ReasonForm(),
        "in_review": tender.status == TenderStatus.OPENED,
    }
    return render(request, "procurement/qualification_review.html", context)
