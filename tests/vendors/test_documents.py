"""The published directory list as an official PDF (vendors.directory_list): entries, codes,
ratings, categories and validity in the text; the stored hash is the file's; public for a published
version, nobody's for a draft."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from accounts.documents import document_kind, document_request
from accounts.exceptions import NotAllowed
from accounts.models import GeneratedDocument, Role
from tests.conftest import _verified
from tests.factories import DepartmentFactory, OrganisationFactory, UserFactory
from tests.vendors.factories import category, china, entry_spec, published_version
from vendors.models import DirectoryEntry, DirectoryVersion

pytestmark = pytest.mark.django_db
KIND = "vendors.directory_list"


def _text(document: GeneratedDocument) -> str:
    with document.file.open("rb") as fh:
        content = fh.read()
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def version(db: Any) -> DirectoryVersion:
    admin = UserFactory(role=Role.DIRECTORY_ADMIN, department=DepartmentFactory(name="江门市民政局"))
    elderly = OrganisationFactory(name="江门市长者关爱服务中心", registering_authority="江门市民政局")
    disabled = OrganisationFactory(name="蓬江区助残社工服务社", registering_authority="江门市蓬江区民政局")
    return published_version(
        [
            entry_spec(elderly, "YL", valid_from=date(2026, 1, 1), valid_to=date(2030, 12, 31), rating="5A"),
            entry_spec(
                disabled,
                "ZC",
                valid_from=date(2025, 3, 1),
                valid_to=date(2029, 2, 28),
                rating="3A",
                status=DirectoryEntry.Status.SUSPENDED,
                reason="年度报告未按期报送",
            ),
        ],
        at=china(2026, 1, 5),
        by=admin,
        number=7,
    )


def test_directory_list_pdf(version: DirectoryVersion, django_capture_on_commit_callbacks: Any) -> None:
    reader = _verified(UserFactory(role=Role.SUPPLIER))
    with django_capture_on_commit_callbacks(execute=True):
        document = document_request(kind=KIND, obj=version, by=reader)
    document = GeneratedDocument.objects.get(pk=document.pk)
    assert document.status == GeneratedDocument.Status.READY, document.error
    assert document.reference == "GBML-2026-007"
    text = _text(document)
    flat = "".join(text.split())
    assert "社会组织目录" in text
    assert "第7批" in flat
    assert "江门市民政局" in text  # issuing department: the publisher's
    assert "GBML-2026-007" in text
    for entry in version.entries.select_related("organisation"):
        assert entry.organisation.credit_code in flat
        assert entry.organisation_name in flat
    assert "5A" in text
    assert "3A" in text
    assert category("YL").name in flat
    assert category("ZC").name in flat
    assert "2026-01-01" in text
    assert "2030-12-31" in text
    assert "2029-02-28" in text
    assert "暂停" in text
    assert "年度报告未按期报送" in flat
    assert "2026-01-0512:00" in flat  # published at, Asia/Shanghai
    assert f"第 1 页 共 {document.pages} 页" in text


def test_public_for_a_published_version_nobodys_for_a_draft(version: DirectoryVersion) -> None:
    people = [
        _verified(UserFactory(role=role, department=DepartmentFactory() if role != Role.SUPPLIER else None))
        for role in [Role.SUPPLIER, Role.PURCHASER, Role.SUPERVISOR, Role.DIRECTORY_ADMIN]
    ]
    assert all(document_kind(KIND).can_view(user, version) for user in people)
    draft = DirectoryVersion.objects.create(number=8)
    assert not any(document_kind(KIND).can_view(user, draft) for user in people)
    with pytest.raises(NotAllowed):
        document_request(kind=KIND, obj=draft, by=people[-1])


def test_the_directory_page_has_the_button(version: DirectoryVersion) -> None:
    client = Client()
    client.force_login(_verified(UserFactory(role=Role.SUPPLIER)))
    page = client.get(reverse("vendors:version_detail", args=[version.number])).content.decode()
    assert 'value="vendors.directory_list"' in page


def test_a_visitor_without_an_account_gets_the_published_list_but_no_private_document(
    version: DirectoryVersion, django_capture_on_commit_callbacks: Any
) -> None:
    """Public kinds are for everyone: request, status and download work without signing in (and
    leave no requester); a kind that is not public answers 404 to the same visitor."""
    visitor = Client()
    page = visitor.get(reverse("vendors:version_detail", args=[version.number])).content.decode()
    assert 'value="vendors.directory_list"' in page
    form = {"kind": KIND, "object_type": "vendors.directoryversion", "object_id": version.pk}
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post(reverse("documents:request"), form)
    document = GeneratedDocument.objects.get(kind=KIND, object_id=str(version.pk))
    assert response.status_code == 302
    assert document.requested_by is None
    assert visitor.get(reverse("documents:status", args=[document.pk])).status_code == 200
    download = visitor.get(reverse("documents:download", args=[document.pk]))
    assert download.status_code == 200
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == document.sha256

    audit = {
        "kind": "accounts.audit_extract",
        "object_type": "vendors.directoryversion",
        "object_id": version.pk,
    }
    assert visitor.post(reverse("documents:request"), audit).status_code == 404
    assert not GeneratedDocument.objects.filter(kind="accounts.audit_extract").exists()
