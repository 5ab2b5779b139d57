"""Documents: request, follow (htmx polling), download; and the public verification pages."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import documents
from accounts.exceptions import NotAllowed
from accounts.models import GeneratedDocument
from accounts.ratelimit import rate_limit_hit, rate_limited, too_many_requests
from accounts.types import AuthenticatedRequest


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


MAX_VERIFY_UPLOAD = 30 * 1024 * 1024


def _viewable(request: AuthenticatedRequest, pk: int) -> GeneratedDocument:
    document = get_object_or_404(GeneratedDocument, pk=pk)
    if not documents.can_view_document(request.user, document):
        if not request.user.is_authenticated:
            raise Http404  # a visitor learns nothing about documents that are not public
        raise PermissionDenied
    return document


def _status(request: HttpRequest, document: GeneratedDocument) -> HttpResponse:
    template = (
        "accounts/includes/document_status.html" if is_htmx(request) else "accounts/document_detail.html"
    )
    return render(request, template, {"document": document})


@csrf_exempt
@require_POST
def request_document(request: AuthenticatedRequest) -> HttpResponse:
    """CSRF: checked for a signed-in user (or any request with a session). A visitor without a session
    has no authority a forged request could borrow: what they may request (public documents) anyone
    may request directly, rate-limited per address. So the cached public pages, which carry no token
    (accounts/pagecache.py), can offer the document buttons."""
    if request.user.is_authenticated or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return _request_document_protected(request)
    return _request_document(request)


def _request_document(request: AuthenticatedRequest) -> HttpResponse:
    """Ask for the current version of a document about an object (from the document button).

    An unknown kind, a model the kind is not about, an unknown object and an object the user may
    not have this document of all answer the same 404: the answer tells nothing about what exists."""
    if not request.user.is_authenticated and not rate_limit_hit(request, "document_request"):
        return too_many_requests(request)  # public documents: a visitor's requests are counted
    kind = request.POST.get("kind", "")
    label = request.POST.get("object_type", "").lower()
    try:
        definition = documents.document_kind(kind)
        if not definition.accepts(label):
            raise LookupError(label)
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404 from None
    try:
        obj = model._default_manager.filter(pk=request.POST.get("object_id")).first()
    except (ValueError, TypeError, ValidationError):
        obj = None
    if obj is None or not documents.may_request(request.user, definition, obj):
        raise Http404
    try:
        document = documents.document_request(kind=kind, obj=obj, by=request.user)
    except NotAllowed:
        raise Http404 from None
    if is_htmx(request):
        return _status(request, document)
    return redirect("documents:status", pk=document.pk)


_request_document_protected = csrf_protect(_request_document)


@require_GET
def document_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The document page, or (htmx) the fragment that polls while the document is being made."""
    return _status(request, _viewable(request, pk))


@require_GET
def document_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    document = _viewable(request, pk)
    if document.status != GeneratedDocument.Status.READY or not document.file:
        raise Http404
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"{document.title[:120]}.pdf",
        content_type="application/pdf",
    )


class VerifyUploadForm(forms.Form):
    file = forms.FileField(label=_("PDF file you received"))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_VERIFY_UPLOAD:
            raise forms.ValidationError(_("The file is too large to be a GovBuy document."))
        return upload


@require_http_methods(["GET", "POST"])
@rate_limited("verify_upload", methods=("POST",))
def verify(request: HttpRequest) -> HttpResponse:
    """Public: check a received PDF. Authentic, altered (it claims to be a document the platform
    issued but its content differs) or unknown."""
    form = VerifyUploadForm(request.POST or None, request.FILES or None)
    verdict = None
    if request.method == "POST" and form.is_valid():
        verdict = documents.document_verify_file(form.cleaned_data["file"].read())
    return render(request, "accounts/verify.html", {"form": form, "verdict": verdict})


@require_GET
@rate_limited("verify_lookup")
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    """Public: what the platform issued under this verification code or SHA-256."""
    document = documents.document_lookup(code)
    return render(
        request,
        "accounts/verify_result.html",
        {"document": document, "code": code[:80]},
        status=200 if document else 404,
    )
