"""Official documents (正式文书) the platform issues as PDFs, and how they are verified.

A document is identified by its kind, the object it is about and a *version key*: the SHA-256 of the
data it renders. The data is frozen in ``payload`` when the document is requested and the PDF is
rendered from that snapshot, so one version of the data is rendered at most once and the stored file
(and its SHA-256) never changes afterwards. Changed data gives a new version key and a new document.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

# Crockford-style alphabet: no I, L, O, U, so a code read off paper is typed back correctly.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
VERIFY_CODE_PATTERN = r"GBV-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}"


def new_verify_code() -> str:
    """The short code printed on a document (``GBV-XXXX-XXXX-XXXX``, 60 random bits).

    The QR code cannot carry the file's own SHA-256 (the hash would have to be inside the file it
    hashes), so it carries this code; the verification page then shows the SHA-256 to compare.
    """
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"GBV-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def document_upload_to(instance: GeneratedDocument, filename: str) -> str:
    stamp = timezone.now()
    return f"documents/{instance.kind}/{stamp:%Y/%m}/{instance.verify_code}.pdf"


class GeneratedDocument(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be produced")
        RENDERING = "rendering", _("Being produced")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    version_key = models.CharField(_("version key"), max_length=64)
    title = models.CharField(_("title"), max_length=300)
    reference = models.CharField(_("reference number"), max_length=100, blank=True)
    # The frozen data the PDF is rendered from: {"template": ..., "context": {...}}.
    payload = models.JSONField(_("data"), encoder=DjangoJSONEncoder, editable=False)
    verify_code = models.CharField(
        _("verification code"), max_length=20, unique=True, default=new_verify_code, editable=False
    )
    file = models.FileField(_("file"), upload_to=document_upload_to, blank=True, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True, editable=False)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True, editable=False)
    status = FSMField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, protected=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    ready_at = models.DateTimeField(_("issued at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_type", "object_id", "version_key"],
                name="generated_document_one_per_version",
            ),
        ]
        indexes = [
            models.Index(fields=["object_type", "object_id", "kind"], name="generated_document_obj_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.verify_code})"

    @property
    def is_in_progress(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RENDERING)

    @property
    def kind_label(self) -> str:
        from accounts.documents import document_kind_label

        return document_kind_label(self.kind)

    # --- transitions: each touches only this row; the render service orchestrates them ---------

    @transition(field=status, source=[Status.PENDING, Status.RENDERING], target=Status.RENDERING)
    def start_render(self) -> None:
        """A worker takes the document. From RENDERING too: under acks_late a worker that died
        mid-render leaves the task to be delivered again."""
        self.attempts += 1

    @transition(field=status, source=Status.RENDERING, target=Status.PENDING)
    def retry_later(self, error: str) -> None:
        """An attempt failed and another is scheduled; the error stays visible meanwhile."""
        self.error = error[:2000]

    @transition(field=status, source=Status.RENDERING, target=Status.READY)
    def mark_ready(self, *, sha256: str, size: int, pages: int) -> None:
        """The PDF is stored; from now on the file and its hash never change."""
        self.sha256, self.size, self.pages = sha256, size, pages
        self.error = ""
        self.ready_at = timezone.now()

    @transition(field=status, source=Status.RENDERING, target=Status.FAILED)
    def mark_failed(self, error: str) -> None:
        """The last attempt failed: the document stays, visibly failed, and the requester is told."""
        self.error = error[:2000]

    @transition(field=status, source=Status.FAILED, target=Status.PENDING)
    def requeue(self) -> None:
        """Someone asks again for a document that failed: a fresh round of attempts."""
        self.attempts = 0
