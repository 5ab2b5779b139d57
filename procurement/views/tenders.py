"""Tender pages: the public portal (list, tender page, notices) and the purchaser's workspace.

Views parse input, call a selector or service and render; refusals come back as ``DomainError``.
Every object view checks its permission: anonymous visitors are sent to sign in, others get 403.
"""

from __future__ import annotations

import hashlib
import mimetypes
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.exceptions import DomainError
from accounts.pagecache import public_page
from procurement import calendar, compliance, fragments
from procurement.forms.tenders import (
    AmendmentForm,
    AnswerForm,
    CancelForm,
    CriterionFormSet,
    DocumentForm,
    QuestionForm,
    TenderFilterForm,
    TenderForm,
    criteria_from_formset,
)
from procurement.models import (
    Amendment,
    CategorySubscription,
    Clarification,
    ProcurementMethod,
    Tender,
    TenderDocument,
    TenderStatus,
)
from procurement.selectors import tenders as selectors
from procurement.services import tenders as services
from vendors.models import ServiceCategory

# Transitions this module offers buttons for; the bid side renders its own (open, qualify ...).
TENDER_ACTIONS = ("publish", "cancel")


def _deny(request: HttpRequest) -> HttpResponseBase:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied


def _tender(request: HttpRequest, pk: int, perm: str) -> Tender | HttpResponseBase:
    tender = get_object_or_404(Tender, pk=pk)
    if not request.user.has_perm(perm, tender):
        return _deny(request)
    return tender


def _form_error(form: Any, exc: DomainError, aliases: dict[str, str] | None = None) -> None:
    name = (aliases or {}).get(exc.field or "", exc.field)
    field = name if name in getattr(form, "fields", {}) else None
    form.add_error(field, str(exc.message))


# --- public portal ---------------------------------------------------------------------------------


TENDER_ROWS = "procurement/includes/tender_rows.html"


@public_page
def tender_list(request: HttpRequest) -> HttpResponse:
    """Published tenders, newest first, filtered; keyset pages (no COUNT over the table). The rows
    are the same for every visitor with the same query: kept by ``procurement.fragments``."""
    form = TenderFilterForm(request.GET or None)
    query = request.GET.copy()
    query.pop("after", None)
    query.pop("before", None)
    query_string = query.urlencode()

    def draw() -> str:
        page = selectors.tender_public_page(
            form.filters(),
            cursor=request.GET.get("after", ""),
            before=request.GET.get("before", ""),
            columns=selectors.LIST_COLUMNS,
        )
        _label_rows(page.items)
        return render_to_string(TENDER_ROWS, {"page": page, "query": query_string})

    digest = hashlib.sha256(request.META.get("QUERY_STRING", "").encode()).hexdigest()
    rows = fragments.cached(
        f"fragments:tenders:{get_language()}:{digest}",
        fragments.LIST_VERSION_KEY,
        None,
        draw,
        templates=(TENDER_ROWS,),
    )
    return render(
        request,
        "procurement/tender_list.html",
        {"form": form, "rows": mark_safe(rows), "query": query_string},  # noqa: S308 (our template's)
    )


def _label_rows(tenders: list[Tender]) -> None:
    """What the list shows per row, worked out once per page rather than per cell: choice labels (a
    ``get_FOO_display`` call flattens and translates every choice), links and China-time deadlines."""
    methods = {value: str(label) for value, label in ProcurementMethod.choices}
    statuses = {value: str(label) for value, label in TenderStatus.choices}
    detail = reverse("procurement:tender_detail", args=[0])
    prefix = detail[: detail.rindex("/0/") + 1]
    china = ZoneInfo("Asia/Shanghai")  # as the page's own {% timezone %} block
    for tender in tenders:
        tender.list_url = f"{prefix}{tender.pk}/"  # type: ignore[attr-defined]
        tender.method_label = methods.get(tender.method, tender.method)  # type: ignore[attr-defined]
        tender.status_label = statuses.get(tender.status, tender.status)  # type: ignore[attr-defined]
        local = timezone.localtime(tender.bid_deadline, china) if tender.bid_deadline else None
        tender.deadline_iso = local.isoformat() if local else ""  # type: ignore[attr-defined]
        tender.deadline_text = local.strftime("%Y-%m-%d %H:%M") if local else ""  # type: ignore[attr-defined]


@public_page
def tender_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The tender page: terms, key dates (Asia/Shanghai), documents, clarifications, amendments, state.

    What every visitor sees alike comes from ``procurement.fragments`` (one cache round trip; the
    tender's lists are read only to draw it); what is the visitor's own (the purchaser's buttons and
    checks, a supplier's pending questions, the question form) is added here."""
    try:
        tender = selectors.tender_get_for_page_row(pk)
    except Tender.DoesNotExist as exc:
        raise Http404 from exc
    user: Any = request.user
    if not user.has_perm("procurement.view_tender", tender):
        return _deny(request)
    is_owner = user.has_perm("procurement.manage_tender", tender)
    parts = _tender_parts(request, tender, is_owner)
    actions: list[str] = []
    report = None
    if is_owner:
        available = tender.get_available_user_status_transitions(user)  # type: ignore[attr-defined]
        actions = [t.name for t in available if t.name in TENDER_ACTIONS]
        if tender.status == TenderStatus.DRAFT:  # a draft's lists were read to draw its parts
            report = compliance.check_tender(
                tender,
                criteria=[(c.name, c.description, c.max_points) for c in tender.criteria.all()],
                documents=len(selectors.tender_current_documents(tender)),
            )
    can_ask = user.has_perm("procurement.ask_clarification", tender) and tender.is_clarification_open()
    return render(
        request,
        "procurement/tender_detail.html",
        {
            "tender": tender,
            "parts": parts,
            "is_owner": is_owner,
            "my_questions": selectors.tender_unanswered_questions(tender, asked_by=user)
            if user.is_authenticated and not is_owner
            else [],
            "pending_questions": len(selectors.tender_unanswered_questions(tender)) if is_owner else 0,
            "actions": actions,
            "can_ask": can_ask,
            "can_amend": is_owner and tender.bids_open_for_submission(),
            "can_answer": is_owner and tender.status == TenderStatus.PUBLISHED,
            "can_retender": user.has_perm("procurement.retender_tender", tender)
            and tender.status == TenderStatus.FAILED,
            "question_form": QuestionForm() if can_ask else None,
            "compliance": report,
            "calendar_warnings": _calendar_warnings(tender, report) if is_owner else [],
        },
    )


TENDER_PARTS = ("head", "dates", "terms", "documents", "clarifications", "amendments")
# The part templates and what they include: a change to any of them is a new fragment signature.
TENDER_PART_TEMPLATES = (
    *(f"procurement/includes/tender_page/{name}.html" for name in TENDER_PARTS),
    "procurement/includes/tender_dates.html",
)


def tender_parts_key(tender_id: int, language: str) -> str:
    return f"fragments:tender:{tender_id}:{language}"


def _tender_parts(request: HttpRequest, tender: Tender, is_owner: bool) -> dict[str, str]:
    """The tender page's parts every visitor sees alike (templates/procurement/includes/tender_page/).

    Drawn without the request (no user, no CSRF token) and kept per tender, language, department and
    category name; a draft's are drawn afresh with the request (its purchasers' remove buttons and
    upload form) and never kept."""
    draft = tender.status == TenderStatus.DRAFT

    def draw() -> dict[str, str]:
        selectors.tender_load_page_children(tender)
        documents = list(tender.documents.all())
        context = {
            "tender": tender,
            "is_owner": is_owner and draft,
            "criteria": list(tender.criteria.all()),
            "documents": documents,
            "current_documents": [d for d in documents if d.is_current],
            "clarifications": selectors.tender_published_clarifications(tender),
            "amendments": list(tender.amendments.all()),
            "retenders": selectors.tender_retenders(tender),
        }
        return {
            name: render_to_string(
                f"procurement/includes/tender_page/{name}.html", context, request=request if draft else None
            )
            for name in TENDER_PARTS
        }

    if draft:
        return draw()
    parts = fragments.cached(
        tender_parts_key(tender.pk, get_language()),
        fragments.tender_version_key(tender.pk),
        (tender.department.name, str(tender.category)),
        draw,
        templates=TENDER_PART_TEMPLATES,
    )
    return {name: mark_safe(html) for name, html in parts.items()}  # noqa: S308 (drawn by our templates)


def _calendar_warnings(tender: Tender, report: compliance.ComplianceReport | None) -> list[str]:
    """Key dates in a year the working-day calendar does not know: shown, never silently guessed."""
    warnings = calendar.unknown_year_warnings(
        tender.published_at or timezone.now(),
        tender.documents_available_until,
        tender.clarification_deadline,
        tender.bid_deadline,
    )
    return list(dict.fromkeys([*(report.warnings if report else []), *warnings]))


@public_page
def tender_notice(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The announcement (采购公告), with its cancellation or failure notice when there is one."""
    result = _tender(request, pk, "procurement.view_tender")
    if not isinstance(result, Tender):
        return result
    return render(
        request, "procurement/tender_notice.html", {"tender": result, "criteria": list(result.criteria.all())}
    )


def amendment_detail(request: HttpRequest, pk: int, number: int) -> HttpResponseBase:
    """The correction notice (更正公告) page."""
    result = _tender(request, pk, "procurement.view_tender")
    if not isinstance(result, Tender):
        return result
    amendment = get_object_or_404(Amendment.objects.select_related("tender"), tender=result, number=number)
    return render(
        request,
        "procurement/amendment_detail.html",
        {"tender": result, "amendment": amendment, "documents": list(amendment.documents.all())},
    )


def tender_document(request: HttpRequest, pk: int, document_pk: int) -> HttpResponseBase:
    """Download a tender document through the permission check (media is never served directly)."""
    result = _tender(request, pk, "procurement.view_tender")
    if not isinstance(result, Tender):
        return result
    document = get_object_or_404(TenderDocument, pk=document_pk, tender=result)
    filename = document.file.name.rsplit("/", 1)[-1].split("-", 1)[-1]
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )


@require_POST
def clarification_ask(request: HttpRequest, pk: int) -> HttpResponseBase:
    result = _tender(request, pk, "procurement.ask_clarification")
    if not isinstance(result, Tender):
        return result
    user: Any = request.user
    membership = user.memberships.filter(status="approved").select_related("organisation").first()
    form = QuestionForm(request.POST)
    if membership is None:
        messages.error(request, _("Only staff of a registered organisation can ask questions."))
    elif form.is_valid():
        try:
            services.clarification_ask(
                tender=result,
                by=user,
                organisation=membership.organisation,
                question=form.cleaned_data["question"],
            )
            messages.success(
                request, _("Your question was sent. The answer will be published for all suppliers.")
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("Write your question."))
    return redirect(result.get_absolute_url())


# --- purchaser workspace ---------------------------------------------------------------------------


def my_tenders(request: HttpRequest) -> HttpResponseBase:
    user: Any = request.user
    if not user.has_perm("procurement.add_tender"):
        return _deny(request)
    status = request.GET.get("status", "")
    tenders = selectors.tender_department_list(user.department_id, status=status)[:200]
    return render(
        request,
        "procurement/tender_mine.html",
        {"tenders": tenders, "status": status, "statuses": TenderStatus.choices},
    )


def _compliance_on_form(form: TenderForm, report: compliance.ComplianceReport) -> list[str]:
    """Put each failing rule on its field; returns the scoring-scheme errors shown above the criteria."""
    criteria_errors: list[str] = []
    for field_name, msgs in report.errors.items():
        for msg in msgs:
            if field_name == "criteria":
                criteria_errors.append(msg)
            else:
                form.add_error(field_name if field_name in form.fields else None, msg)
    return criteria_errors


@require_http_methods(["GET", "POST"])
def tender_edit(request: HttpRequest, pk: int | None = None) -> HttpResponseBase:
    """Draft a tender; "save and publish" runs the compliance check and shows each failure on its field."""
    user: Any = request.user
    tender: Tender | None = None
    if pk is None:
        if not user.has_perm("procurement.add_tender"):
            return _deny(request)
    else:
        result = _tender(request, pk, "procurement.change_tender")
        if not isinstance(result, Tender):
            return result
        tender = result
        if tender.status != TenderStatus.DRAFT:
            messages.error(request, _("A published tender is changed only by an amendment."))
            return redirect(tender.get_absolute_url())
    initial_criteria = (
        [
            {
                "name": c.name,
                "max_points": c.max_points,
                "description": c.description,
                "kind": c.kind,
                "neutral_share": c.neutral_share,
            }
            for c in tender.criteria.all()
        ]
        if tender
        else []
    )
    form = TenderForm(request.POST or None, instance=tender)
    # The saved criteria are the initial rows of a page being shown, never of a post: a post from a
    # page re-shown after a refused "save and publish" declares no initial rows, and comparing its
    # rows with the saved ones would treat them as unchanged extra rows and drop them.
    formset = CriterionFormSet(
        request.POST or None,
        initial=None if request.method == "POST" else (initial_criteria or None),
        prefix="criteria",
    )
    warnings: list[str] = []
    criteria_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data, criteria = form.to_data(), criteria_from_formset(formset)
        try:
            if tender is None:
                tender = services.tender_create(by=user, data=data, criteria=criteria)
            else:
                tender = services.tender_update(tender=tender, by=user, data=data, criteria=criteria)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            if "publish" not in request.POST:
                messages.success(request, _("Draft %(ref)s saved.") % {"ref": tender.reference})
                return redirect(tender.get_absolute_url())
            try:
                services.tender_publish(tender=tender, by=user)
            except compliance.ComplianceError as exc:
                form = TenderForm(request.POST, instance=Tender.objects.get(pk=tender.pk))
                form.is_valid()
                criteria_errors = _compliance_on_form(form, exc.report)
                warnings = exc.report.warnings
                messages.error(request, _("The draft was saved but not published: see the problems below."))
            except DomainError as exc:
                messages.error(request, str(exc.message))
                return redirect(tender.get_absolute_url())
            else:
                messages.success(request, _("Tender %(ref)s is published.") % {"ref": tender.reference})
                return redirect(tender.get_absolute_url())
    return render(
        request,
        "procurement/tender_form.html",
        {
            "form": form,
            "formset": formset,
            "tender": tender,
            "warnings": warnings,
            "criteria_errors": criteria_errors,
        },
    )


@require_POST
def tender_publish(request: HttpRequest, pk: int) -> HttpResponseBase:
    result = _tender(request, pk, "procurement.publish_tender")
    if not isinstance(result, Tender):
        return result
    try:
        services.tender_publish(tender=result, by=request.user)
    except compliance.ComplianceError:
        messages.error(
            request, _("The tender does not pass the compliance check: open the draft to see why.")
        )
        return redirect("procurement:tender_edit", pk=result.pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Tender %(ref)s is published.") % {"ref": result.reference})
    return redirect(result.get_absolute_url())


@require_http_methods(["GET", "POST"])
def tender_cancel(request: HttpRequest, pk: int) -> HttpResponseBase:
    result = _tender(request, pk, "procurement.cancel_tender")
    if not isinstance(result, Tender):
        return result
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.tender_cancel(tender=result, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Tender %(ref)s is cancelled.") % {"ref": result.reference})
            return redirect(result.get_absolute_url())
    return render(request, "procurement/tender_cancel.html", {"tender": result, "form": form})


@require_POST
def tender_retender(request: HttpRequest, pk: int) -> HttpResponseBase:
    result = _tender(request, pk, "procurement.retender_tender")
    if not isinstance(result, Tender):
        return result
    try:
        copy = services.tender_retender(tender=result, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(result.get_absolute_url())
    messages.success(
        request, _("New draft %(ref)s created from the failed tender.") % {"ref": copy.reference}
    )
    return redirect("procurement:tender_edit", pk=copy.pk)


@require_POST
def tender_document_upload(request: HttpRequest, pk: int) -> HttpResponseBase:
    result = _tender(request, pk, "procurement.change_tender")
    if not isinstance(result, Tender):
        return result
    form = DocumentForm(request.POST, request.FILES, tender=result)
    if form.is_valid():
        try:
            services.tender_document_add(
                tender=result,
                by=request.user,
                title=form.cleaned_data["title"],
                file=form.cleaned_data["file"],
                replaces=form.cleaned_data["replaces"],
            )
            messages.success(request, _("Document uploaded."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("Choose a file to upload."))
    return redirect(result.get_absolute_url())


@require_POST
def tender_document_remove(request: HttpRequest, pk: int, document_pk: int) -> HttpResponseBase:
    result = _tender(request, pk, "procurement.change_tender")
    if not isinstance(result, Tender):
        return result
    document = get_object_or_404(TenderDocument, pk=document_pk, tender=result)
    try:
        services.tender_document_remove(document=document, by=request.user)
        messages.success(request, _("Document removed."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(result.get_absolute_url())


@require_http_methods(["GET", "POST"])
def clarification_manage(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The purchaser's question queue: who asked (only here), answer and publish, or publish unprompted."""
    result = _tender(request, pk, "procurement.answer_clarification")
    if not isinstance(result, Tender):
        return result
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        clarification = None
        if request.POST.get("clarification"):
            clarification = get_object_or_404(Clarification, pk=request.POST["clarification"], tender=result)
        try:
            services.clarification_answer(
                tender=result,
                by=request.user,
                answer=form.cleaned_data["answer"],
                clarification=clarification,
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The clarification is published."))
            return redirect("procurement:clarification_manage", pk=result.pk)
    clarifications = list(
        result.clarifications.select_related("asking_organisation", "asked_by").order_by(
            "published_at", "asked_at"
        )
    )
    return render(
        request,
        "procurement/clarification_manage.html",
        {"tender": result, "clarifications": clarifications, "form": form},
    )


@require_http_methods(["GET", "POST"])
def amendment_create(request: HttpRequest, pk: int) -> HttpResponseBase:
    result = _tender(request, pk, "procurement.amend_tender")
    if not isinstance(result, Tender):
        return result
    form = AmendmentForm(request.POST or None, request.FILES or None, tender=result)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        documents = []
        if cd["document"]:
            documents.append((cd["document_title"] or cd["document"].name, cd["document"], cd["replaces"]))
        try:
            amendment = services.amendment_publish(
                tender=result,
                by=request.user,
                summary=cd["summary"],
                text=cd["text"],
                affects_bids=cd["affects_bids"],
                new_bid_deadline=cd["new_bid_deadline"],
                documents=documents,
            )
        except DomainError as exc:
            _form_error(form, exc, {"file": "document"})
        else:
            messages.success(request, _("Amendment %(n)s is published.") % {"n": amendment.number})
            return redirect(result.get_absolute_url())
    return render(
        request,
        "procurement/amendment_form.html",
        {
            "tender": result,
            "form": form,
            "earliest": services.amendment_earliest_deadline(timezone.now()),
        },
    )


@require_http_methods(["GET", "POST"])
def subscriptions(request: HttpRequest) -> HttpResponseBase:
    """A supplier chooses the service categories whose new tenders they hear about."""
    user: Any = request.user
    if not user.is_authenticated:
        return _deny(request)
    if user.role != "supplier":
        raise PermissionDenied
    categories = list(ServiceCategory.objects.filter(is_active=True))
    if request.method == "POST":
        chosen = set(request.POST.getlist("category"))
        for category in categories:
            services.category_subscription_set(
                by=user, category=category, subscribed=str(category.pk) in chosen
            )
        messages.success(request, _("Your followed categories are saved."))
        return redirect("procurement:subscriptions")
    followed = set(CategorySubscription.objects.filter(user=user).values_list("category_id", flat=True))
    return render(
        request, "procurement/subscription_list.html", {"categories": categories, "followed": followed}
    )
