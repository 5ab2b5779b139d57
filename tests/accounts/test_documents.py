"""Official documents: real Chinese text in the PDF, stored once with its SHA-256, versioned by
data, verifiable (authentic / altered / unknown), failures visible and reported, downloads checked."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader, PdfWriter

from accounts.audit import audit_record
from accounts.documents import (
    DocumentSpec,
    document_request,
    document_verify_file,
    register_document,
    unregister_document,
)
from accounts.exceptions import NotAllowed
from accounts.models import GeneratedDocument, Notification, Role
from tests.factories import PASSWORD, DepartmentFactory, UserFactory

KIND = "accounts.audit_extract"


@pytest.fixture
def supervisor(db: Any) -> Any:
    return UserFactory(role=Role.SUPERVISOR, department=DepartmentFactory(code="JMCZ", name="江门市财政局"))


@pytest.fixture
def audited(supervisor: Any) -> Any:
    """An object with a history: a department whose budget was changed twice."""
    department = DepartmentFactory(code="JMMZ", name="江门市民政局")
    audit_record(
        actor=supervisor, action="department.budget", obj=department, summary={"预算": "1,234,567.89"}
    )
    audit_record(
        actor=supervisor, action="department.budget", obj=department, summary={"预算": "2,000,000.00"}
    )
    return department


def _request(obj: Any, by: Any, capture: Any, kind: str = KIND) -> GeneratedDocument:
    with capture(execute=True):
        document = document_request(kind=kind, obj=obj, by=by)
    return GeneratedDocument.objects.get(pk=document.pk)


def _bytes(document: GeneratedDocument) -> bytes:
    with document.file.open("rb") as fh:
        return fh.read()


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def test_pdf_has_real_chinese_text_figures_and_hashes(
    audited: Any, supervisor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    document = _request(audited, supervisor, django_capture_on_commit_callbacks)
    assert document.status == GeneratedDocument.Status.READY
    content = _bytes(document)
    text = _text(content)
    assert "审计日志摘录" in text  # title, in Chinese whatever the requester's language
    assert "政府购买服务平台审计服务" in text  # issuer
    assert "江门市民政局" in text
    assert "1,234,567.89" in text
    assert "2,000,000.00" in text
    entry_hashes = [e.hash for e in audited_entries(audited)]
    flat = text.replace("\n", "")
    assert all(h in flat for h in entry_hashes)
    assert f"第 1 页 共 {document.pages} 页" in text  # official footer
    assert document.verify_code in text
    assert f"/verify/{document.verify_code}" in text  # the short link is printed
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in PdfReader(io.BytesIO(content)).pages
        for font in (page["/Resources"].get("/Font") or {}).values()
    }
    assert any("CJK" in f or "WenQuanYi" in f for f in fonts), fonts  # embedded CJK font


def audited_entries(obj: Any) -> list[Any]:
    from accounts.models import AuditEntry

    return list(AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)))


def test_stored_hash_matches_the_file(
    audited: Any, supervisor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    document = _request(audited, supervisor, django_capture_on_commit_callbacks)
    content = _bytes(document)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    assert document.pages >= 1


def test_same_data_same_document_changed_data_new_version(
    audited: Any, supervisor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    first = _request(audited, supervisor, django_capture_on_commit_callbacks)
    again = _request(audited, supervisor, django_capture_on_commit_callbacks)
    assert again.pk == first.pk
    assert again.sha256 == first.sha256
    assert again.attempts == 1  # not rendered a second time
    assert GeneratedDocument.objects.filter(kind=KIND).count() == 1

    audit_record(actor=supervisor, action="department.budget", obj=audited, summary={"预算": "3,500,000.00"})
    changed = _request(audited, supervisor, django_capture_on_commit_callbacks)
    assert changed.pk != first.pk
    assert changed.version_key != first.version_key
    assert changed.sha256 != first.sha256
    assert "3,500,000.00" in _text(_bytes(changed))
    first.refresh_from_db()
    assert first.status == GeneratedDocument.Status.READY  # the earlier version stays verifiable


def test_requesting_needs_the_kinds_permission(audited: Any) -> None:
    supplier = UserFactory(role=Role.SUPPLIER)
    with pytest.raises(NotAllowed):
        document_request(kind=KIND, obj=audited, by=supplier)
    assert not GeneratedDocument.objects.exists()


# --- verification -----------------------------------------------------------------------------------


@pytest.fixture
def issued(audited: Any, supervisor: Any, django_capture_on_commit_callbacks: Any) -> GeneratedDocument:
    return _request(audited, supervisor, django_capture_on_commit_callbacks)


def _altered(content: bytes) -> bytes:
    """The same document re-saved with a changed subject line, as an editor would."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(content)))
    writer.add_metadata({"/Subject": "修改过的版本"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_verify_service_authentic_altered_unknown(issued: GeneratedDocument) -> None:
    content = _bytes(issued)
    assert document_verify_file(content).status == "authentic"
    altered = document_verify_file(_altered(content))
    assert altered.status == "altered"
    assert altered.document == issued
    assert document_verify_file(b"%PDF-1.7 nothing to see").status == "unknown"


def test_an_upload_stuffed_with_codes_costs_one_query(
    issued: GeneratedDocument, django_assert_max_num_queries: Any
) -> None:
    """The public verify page must not run a query per code an attacker packs into a file."""
    stuffed = b"%PDF-1.7 " + b" ".join(f"GBV-{n:04d}-AAAA-BBBB".encode() for n in range(5000))
    with django_assert_max_num_queries(2):
        assert document_verify_file(stuffed).status == "unknown"


def _upload(client: Any, content: bytes) -> str:
    response = client.post(reverse("documents:verify"), {"file": io.BytesIO(content)}, format="multipart")
    assert response.status_code == 200
    return response.content.decode()


def test_verify_page_for_a_real_an_altered_and_an_unknown_file(
    client: Any, issued: GeneratedDocument
) -> None:
    content = _bytes(issued)
    real = _upload(client, content)
    assert "verdict-authentic" in real
    assert issued.sha256 in real
    assert issued.title in real
    altered = _upload(client, _altered(content))
    assert "verdict-altered" in altered
    assert issued.verify_code in altered
    unknown = _upload(client, b"%PDF-1.4\n% a PDF from somewhere else\n")
    assert "verdict-unknown" in unknown
    assert issued.title not in unknown


def test_verify_link_by_code_and_by_hash(client: Any, issued: GeneratedDocument) -> None:
    for key in (issued.verify_code, issued.sha256, issued.verify_code.lower()):
        response = client.get(f"/verify/{key}")
        assert response.status_code == 200
        page = response.content.decode()
        assert issued.title in page
        assert issued.sha256 in page
        assert "江门市民政局" in page
    assert client.get("/verify/GBV-0000-0000-0000").status_code == 404
    assert client.get("/verify/" + "0" * 64).status_code == 404


# --- failures ---------------------------------------------------------------------------------------

BROKEN = "tests.broken_document"


@pytest.fixture
def broken_kind() -> Iterator[str]:
    """A kind whose template cannot be rendered (as when a template is missing after a deploy)."""

    def build(obj: Any) -> DocumentSpec:
        return DocumentSpec("accounts/pdf/no_such_template.html", {"issuer": "测试"}, "会失败的文书", "T-1")

    register_document(BROKEN, build, "broken", can_view=lambda user, obj: user.is_authenticated)
    yield BROKEN
    unregister_document(BROKEN)


def test_render_failure_is_retried_then_failed_visible_and_reported(
    client: Any, audited: Any, supervisor: Any, broken_kind: str, django_capture_on_commit_callbacks: Any
) -> None:
    document = _request(audited, supervisor, django_capture_on_commit_callbacks, kind=broken_kind)
    assert document.status == GeneratedDocument.Status.FAILED
    assert document.attempts == 4  # first try + 3 retries
    assert "TemplateDoesNotExist" in document.error
    assert not document.file

    note = Notification.objects.get(recipient=supervisor, kind="document.failed")
    assert "会失败的文书" in note.text

    assert client.login(email=supervisor.email, password=PASSWORD)
    fragment = client.get(reverse("documents:status", args=[document.pk]), HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "badge-bad" in body
    assert "TemplateDoesNotExist" in body
    assert "every 2s" not in body  # stops polling
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404

    # Asking again starts a fresh round (and fails again, visibly).
    again = _request(audited, supervisor, django_capture_on_commit_callbacks, kind=broken_kind)
    assert again.pk == document.pk
    assert again.status == GeneratedDocument.Status.FAILED
    assert Notification.objects.filter(kind="document.failed").count() == 2


# --- the status fragment and downloads --------------------------------------------------------------


def test_status_fragment_polls_while_pending_then_offers_the_download(
    client: Any, audited: Any, supervisor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert client.login(email=supervisor.email, password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("documents:request"),
            {"kind": KIND, "object_type": "accounts.department", "object_id": audited.pk},
            HTTP_HX_REQUEST="true",
        )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in body
    document = GeneratedDocument.objects.get()
    assert document.status == GeneratedDocument.Status.PENDING

    for callback in callbacks:  # the worker runs after commit
        callback()
    ready = client.get(reverse("documents:status", args=[document.pk]), HTTP_HX_REQUEST="true")
    body = ready.content.decode()
    assert reverse("documents:download", args=[document.pk]) in body
    assert "every 2s" not in body


@pytest.mark.parametrize(
    ("role", "expected"),
    # A visitor without an account learns nothing about a document that is not public: 404.
    [(Role.SUPERVISOR, 200), (Role.SUPPLIER, 403), (Role.PURCHASER, 403), (None, 404)],
)
def test_download_permission(client: Any, issued: GeneratedDocument, role: str | None, expected: int) -> None:
    if role is not None:
        department = DepartmentFactory() if role in (Role.SUPERVISOR, Role.PURCHASER) else None
        user = UserFactory(role=role, department=department)
        assert client.login(email=user.email, password=PASSWORD)
    response = client.get(reverse("documents:download", args=[issued.pk]))
    assert response.status_code == expected
    status = client.get(reverse("documents:status", args=[issued.pk]))
    assert status.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "application/pdf"
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == issued.sha256


def test_audit_trail_page_offers_the_extract_per_object(client: Any, audited: Any, supervisor: Any) -> None:
    assert client.login(email=supervisor.email, password=PASSWORD)
    page = client.get(reverse("accounts:audit")).content.decode()
    assert 'value="accounts.audit_extract"' in page
    assert f'name="object_id" value="{audited.pk}"' in page


def test_rendering_again_changes_nothing(issued: GeneratedDocument) -> None:
    from accounts.tasks import render_document

    render_document.delay(issued.pk)
    again = GeneratedDocument.objects.get(pk=issued.pk)
    assert (again.sha256, again.attempts, again.file.name) == (issued.sha256, 1, issued.file.name)


def test_a_render_lost_long_ago_is_enqueued_again(
    audited: Any, supervisor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=False):  # the worker never runs
        lost = document_request(kind=KIND, obj=audited, by=supervisor)
    GeneratedDocument.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=1))
    again = _request(audited, supervisor, django_capture_on_commit_callbacks)
    assert again.pk == lost.pk
    assert again.status == GeneratedDocument.Status.READY
