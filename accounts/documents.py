"""Official documents as PDFs: the registry of kinds, requesting, rendering and verifying.

An app registers each kind of document once, in its ``AppConfig.ready``::

    register_document(
        "procurement.award_notice",
        build_award_notice,                 # obj -> DocumentSpec(template, context, title, reference)
        _("Award notice"),
        can_view=lambda user, award: user.has_perm("procurement.view_award", award),
    )

and a view asks for it with ``document_request(kind=..., obj=award, by=request.user)``. The builder
returns *plain data* (strings, numbers, lists, dicts; format money and dates in the builder): the
data is frozen as JSON, hashed into the version key, and the PDF is rendered from that snapshot by
Celery after commit. Same data → the same stored document; changed data → a new version.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NamedTuple

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.exceptions import NotAllowed
from accounts.models import GeneratedDocument
from accounts.models.documents import VERIFY_CODE_PATTERN

logger = logging.getLogger(__name__)


class DocumentSpec(NamedTuple):
    """What a builder returns: the template under ``templates/<app>/pdf/`` (extending
    ``pdf/base.html``), its plain-data context (include ``issuer``, the issuing department),
    the document's title and its reference number (文号)."""

    template: str
    context: dict[str, Any]
    title: str
    reference: str


Builder = Callable[[Any], "DocumentSpec | tuple[str, dict[str, Any], str, str]"]
CanView = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class DocumentKind:
    key: str
    builder: Builder
    label: str | Promise
    can_view: CanView
    models: Any = ()
    public: bool = False

    def accepts(self, model_label: str) -> bool:
        """The allow-list: a request naming any other model is answered like an unknown object."""
        if callable(self.models):
            return bool(self.models(model_label))
        return model_label.lower() in self.models


class DocumentRenderError(Exception):
    """An attempt to render failed; the task retries, and after the last attempt the document is
    marked failed (the error is kept on the document)."""


_kinds: dict[str, DocumentKind] = {}
STALE_AFTER = timedelta(minutes=30)


def _builder_models(builder: Builder) -> tuple[str, ...]:
    """The model a builder is about, from its first parameter's annotation (``def build(award:
    Award)``), for kinds registered without ``models=``."""
    import inspect
    import typing

    try:
        hints = typing.get_type_hints(builder)
        first = next(iter(inspect.signature(builder).parameters))
    except Exception:  # unresolvable annotations, odd callables: no model known
        return ()
    model = hints.get(first)
    if isinstance(model, type) and issubclass(model, models.Model) and not model._meta.abstract:
        return (model._meta.label_lower,)
    return ()


def register_document(
    kind: str,
    builder: Builder,
    label: str | Promise,
    *,
    can_view: CanView,
    models: Any = None,
    public: bool = False,
) -> None:
    """Declare a kind of document. ``can_view(user, obj)`` decides who may request, see the status
    of and download the documents of this kind for ``obj``. ``models`` lists the model labels the
    kind is about (default: the annotation of the builder's parameter); a request for any other
    model is a 404, like an unknown object. ``public=True`` lets visitors without an account have
    it too, whenever ``can_view`` (asked with the anonymous user) allows: published notices."""
    allowed = models if models is not None else _builder_models(builder)
    if not callable(allowed):
        allowed = tuple(label_.lower() for label_ in allowed)
    if not allowed:
        logger.warning("Document kind %s has no model allow-list: every request will be refused", kind)
    _kinds[kind] = DocumentKind(kind, builder, label, can_view, allowed, public)


def unregister_document(kind: str) -> None:
    """For tests that register a throw-away kind."""
    _kinds.pop(kind, None)


def document_kind(kind: str) -> DocumentKind:
    try:
        return _kinds[kind]
    except KeyError:
        raise LookupError(f"No document kind {kind!r} is registered.") from None


def document_kind_label(kind: str) -> str:
    return str(_kinds[kind].label) if kind in _kinds else kind


def document_object(document: GeneratedDocument) -> models.Model | None:
    """The object a document is about, or None if it no longer exists."""
    try:
        model = apps.get_model(document.object_type)
    except (LookupError, ValueError):
        return None
    return model._default_manager.filter(pk=document.object_id).first()


def may_request(user: Any, definition: DocumentKind, obj: Any) -> bool:
    """Signed-in users as the kind's rule says; visitors without an account only public kinds."""
    if not getattr(user, "is_authenticated", False) and not definition.public:
        return False
    return bool(definition.can_view(user, obj))


def can_view_document(user: Any, document: GeneratedDocument, obj: models.Model | None = None) -> bool:
    definition = _kinds.get(document.kind)
    if definition is None:
        return False
    obj = obj if obj is not None else document_object(document)
    return obj is not None and may_request(user, definition, obj)


# --- requesting -----------------------------------------------------------------------------------


def _frozen(spec: DocumentSpec) -> tuple[dict[str, Any], str]:
    """The JSON snapshot of a builder's output and its SHA-256 (the version key)."""
    payload = {
        "template": spec.template,
        "context": spec.context,
        "title": spec.title,
        "reference": spec.reference,
    }
    canonical = json.dumps(
        payload, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return json.loads(canonical), hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def document_build(*, kind: str, obj: models.Model) -> tuple[DocumentSpec, dict[str, Any], str]:
    from accounts.pdf import DOCUMENT_LANGUAGE

    # Official documents are Chinese whoever asks, and the version key must not depend on who asks.
    with translation.override(DOCUMENT_LANGUAGE):
        spec = DocumentSpec(*document_kind(kind).builder(obj))
    payload, version_key = _frozen(spec)
    return spec, payload, version_key


@transaction.atomic
def document_request(*, kind: str, obj: models.Model, by: Any) -> GeneratedDocument:
    """The current version of a document about ``obj``: the stored one when the data has not
    changed since it was made, else a new one, rendered by Celery after commit. A failed document
    asked for again gets a fresh round of attempts."""
    definition = document_kind(kind)
    if not may_request(by, definition, obj):
        raise NotAllowed()
    requester = by if getattr(by, "is_authenticated", False) else None
    spec, payload, version_key = document_build(kind=kind, obj=obj)
    document, created = GeneratedDocument.objects.get_or_create(
        kind=kind,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        version_key=version_key,
        defaults={
            "object_repr": str(obj)[:300],
            "title": spec.title[:300],
            "reference": spec.reference[:100],
            "payload": payload,
            "requested_by": requester,
        },
    )
    from accounts.tasks import render_document

    if created:
        audit_record(
            actor=requester,
            action="document.request",
            obj=document,
            summary={"kind": kind, "object": f"{document.object_type}:{document.object_id}"},
        )
        render_document.delay_on_commit(document.pk)
    elif document.is_in_progress and document.created_at < timezone.now() - STALE_AFTER:
        # A worker (or the in-process render of the embedded setup) died without a trace: enqueue
        # again. Harmless if it is merely slow: whichever render stores first wins.
        render_document.delay_on_commit(document.pk)
    elif document.status == GeneratedDocument.Status.FAILED:
        document = GeneratedDocument.objects.select_for_update().get(pk=document.pk)
        if document.status == GeneratedDocument.Status.FAILED:
            document.requeue()
            document.requested_by = requester
            document.save()
            audit_record(actor=requester, action="document.retry", obj=document, summary={"kind": kind})
            render_document.delay_on_commit(document.pk)
    return document


# --- rendering (called by the Celery task) ---------------------------------------------------------


def _locked(document_id: int) -> GeneratedDocument | None:
    return GeneratedDocument.objects.select_for_update().filter(pk=document_id).first()


def document_render(document_id: int, *, final_attempt: bool) -> GeneratedDocument | None:
    """Render one document from its frozen data and store it with its SHA-256. Idempotent: a ready
    document is left alone; two workers racing store only the first result.

    Raises DocumentRenderError when an attempt fails (rendering or storing) and another will
    follow; on the final attempt the document is marked failed and the requester notified instead."""
    from accounts.pdf import render_pdf

    with transaction.atomic():
        document = _locked(document_id)
        if document is None or document.status not in (
            GeneratedDocument.Status.PENDING,
            GeneratedDocument.Status.RENDERING,
        ):
            return document
        document.start_render()
        document.save()

    try:
        payload = document.payload
        rendered = render_pdf(
            payload["template"],
            payload["context"],
            title=payload["title"],
            reference=payload["reference"],
            verify_code=document.verify_code,
            issued_at=document.created_at,
        )
        digest = hashlib.sha256(rendered.content).hexdigest()
        with transaction.atomic():
            current = _locked(document_id)
            if current is None or current.status != GeneratedDocument.Status.RENDERING:
                return current  # another worker finished first: keep its file
            current.file.save(f"{current.verify_code}.pdf", ContentFile(rendered.content), save=False)
            current.mark_ready(sha256=digest, size=len(rendered.content), pages=rendered.pages)
            current.save()
            audit_record(
                actor=None,
                action="document.issue",
                obj=current,
                summary={"kind": current.kind, "sha256": digest, "pages": rendered.pages},
            )
        return current
    except Exception as exc:
        return _attempt_failed(document_id, exc, final_attempt=final_attempt)


def _attempt_failed(document_id: int, exc: Exception, *, final_attempt: bool) -> GeneratedDocument | None:
    from accounts.notifications import DOCUMENT_FAILED_MESSAGE, notify

    error = f"{type(exc).__name__}: {exc}"
    logger.warning("Rendering document %s failed: %s", document_id, error)
    with transaction.atomic():
        document = _locked(document_id)
        if document is None or document.status != GeneratedDocument.Status.RENDERING:
            return document
        if not final_attempt:
            document.retry_later(error)
            document.save()
        else:
            document.mark_failed(error)
            document.save()
            audit_record(actor=None, action="document.fail", obj=document, summary={"error": error[:300]})
            if document.requested_by is not None:
                notify(
                    recipients=[document.requested_by],
                    kind="document.failed",
                    message=DOCUMENT_FAILED_MESSAGE,
                    params={"title": document.title},
                    url=reverse("documents:status", args=[document.pk]),
                    obj=document,
                )
            return document
    raise DocumentRenderError(error) from exc


# --- verification ---------------------------------------------------------------------------------

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class Verdict(NamedTuple):
    status: str  # "authentic", "altered" or "unknown"
    document: GeneratedDocument | None
    sha256: str


def document_lookup(code_or_hash: str) -> GeneratedDocument | None:
    """An issued document by its verification code or by the SHA-256 of its file."""
    value = code_or_hash.strip()
    issued = GeneratedDocument.objects.filter(status=GeneratedDocument.Status.READY)
    if _SHA256.match(value.lower()):
        return issued.filter(sha256=value.lower()).first()
    if re.fullmatch(VERIFY_CODE_PATTERN, value.upper()):
        return issued.filter(verify_code=value.upper()).first()
    return None


MAX_CLAIMED_CODES = 5


def _claimed_codes(content: bytes) -> list[str]:
    """Verification codes a file claims, from its metadata and text (an edited copy keeps them)."""
    found: list[str] = []
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(content))
        keywords = reader.metadata.get("/Keywords", "") if reader.metadata else ""
        found += re.findall(VERIFY_CODE_PATTERN, str(keywords))
        for page in [reader.pages[0], reader.pages[-1]] if len(reader.pages) else []:
            found += re.findall(VERIFY_CODE_PATTERN, page.extract_text() or "")
    except Exception:  # not a PDF, or a damaged one: fall back to the raw bytes
        logger.info("Uploaded file is not a readable PDF; searching its bytes")
    found += re.findall(VERIFY_CODE_PATTERN, content.decode("latin-1"))
    return list(dict.fromkeys(found))


def document_verify_file(content: bytes) -> Verdict:
    """Authentic: the platform issued exactly this file. Altered: the file carries the code of a
    document the platform issued, but its bytes differ. Unknown: neither."""
    digest = hashlib.sha256(content).hexdigest()
    document = document_lookup(digest)
    if document is not None:
        return Verdict("authentic", document, digest)
    # A genuine document carries its own code a few times; an upload stuffed with codes must not cost
    # one query each (public, unauthenticated page): look up the first few, in one query.
    codes = _claimed_codes(content)[:MAX_CLAIMED_CODES]
    if codes:
        issued = GeneratedDocument.objects.filter(
            status=GeneratedDocument.Status.READY, verify_code__in=codes
        )
        by_code = {doc.verify_code: doc for doc in issued}
        for code in codes:
            if code in by_code:
                return Verdict("altered", by_code[code], digest)
    return Verdict("unknown", None, digest)


# --- the first real kind: an audit-trail extract for supervisors ----------------------------------


def build_audit_extract(obj: models.Model) -> DocumentSpec:
    """审计日志摘录: every audit entry about one object, with its hash and the previous hash, so
    the extract can be checked against the chain (``manage.py audit_verify``)."""

    from accounts.audit import revealed_actors
    from accounts.models import AuditEntry

    entries = list(
        AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("seq")
    )
    revealed = revealed_actors(entries)
    rows = [
        {
            "seq": e.seq,
            "time": timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            "actor": revealed.get(e.seq, e.actor_label),
            "action": e.action,
            "summary": json.dumps(e.summary, ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder),
            "hash": e.hash,
            "prev_hash": e.prev_hash,
        }
        for e in entries
    ]
    label = f"{obj._meta.verbose_name} {obj}"
    return DocumentSpec(
        template="accounts/pdf/audit_extract.html",
        context={
            "issuer": str(_("GovBuy platform audit service")),
            "object_label": label,
            "object_type": obj._meta.label_lower,
            "object_id": str(obj.pk),
            "entries": rows,
            "count": len(rows),
            "last_seq": rows[-1]["seq"] if rows else 0,
        },
        title=str(_("Audit trail extract: %(object)s")) % {"object": label},
        reference=f"GB-AUDIT-{obj._meta.label_lower}-{obj.pk}-{rows[-1]['seq'] if rows else 0}",
    )


def audit_sealed(obj: Any) -> bool:
    """An object whose audit trail is sealed for now: a bid before the opening (the model says so
    through ``is_audit_sealed()``; accounts does not know the higher apps' models)."""
    check = getattr(obj, "is_audit_sealed", None)
    return bool(check()) if callable(check) else False


def can_view_audit_extract(user: Any, obj: Any) -> bool:
    return bool(user.has_perm("accounts.view_audit")) and not audit_sealed(obj)


def _audited_model(label: str) -> bool:
    """The audit extract is about any object the trail records, and nothing else."""
    from accounts.models import AuditEntry

    return AuditEntry.objects.filter(object_type=label.lower()).exists()


def register_builtin_documents() -> None:
    register_document(
        "accounts.audit_extract",
        build_audit_extract,
        _("Audit trail extract"),
        can_view=can_view_audit_extract,
        models=_audited_model,
    )
