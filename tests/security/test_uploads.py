"""Upload attacks: a wrong type under a good name, oversized files, path tricks in names.

Every upload form goes through ``accounts.uploads.check_upload`` (type judged by content, size
limit, safe display name; the file stored under a name the service chooses): tender documents,
bid documents, challenge and contract documents, evaluation evidence (procurement/evaluation
services), directory applications and organisation claims (vendors services). The matrix below
attacks the check; the form-level tests then show the refusal reaching the user and nothing stored:
here for bids (sealed storage) and directory applications, and in tests/procurement/
test_tender_views.py (tender documents), test_award_views.py (challenge grounds), tests/evaluation/
test_views.py (evidence).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.exceptions import DomainError
from accounts.uploads import check_upload
from procurement.models import Bid
from tests.conftest import _verified
from tests.procurement.bidding import PDF, make_bidder, make_tender

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00 This program cannot be run in DOS mode"
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
ELF = b"\x7fELF\x02\x01\x01\x00"


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCM = _zip(
    {
        "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Override PartName="/word/document.xml" '
        b'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
        "word/document.xml": b"<w/>",
        "word/vbaProject.bin": b"macro",
    }
)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("招标文件.pdf", EXE),
        ("invoice.pdf", HTML),
        ("photo.png", SVG),
        ("report.docx", ELF),
        ("report.docx", _zip({"a.txt": b"plain zip"})),
        ("report.docx", DOCM),
        ("empty.pdf", b""),
        ("html-after-pdf.pdf", b"<html>%PDF-1.7"),
    ],
)
def test_wrong_types_under_good_names_are_refused(name: str, content: bytes) -> None:
    with pytest.raises(DomainError) as refused:
        check_upload(name=name, stream=io.BytesIO(content))
    assert refused.value.field == "file"


def test_oversized_files_are_refused_without_reading_them_whole(settings: Any) -> None:
    settings.GOVBUY_BID_MAX_FILE_BYTES = 1024

    class Endless(io.RawIOBase):
        read_total = 0

        def read(self, size: int = -1) -> bytes:
            size = 4096 if size is None or size < 0 else size
            Endless.read_total += size
            return b"%PDF-" + b"0" * (size - 5)

    with pytest.raises(DomainError) as refused:
        check_upload(name="big.pdf", stream=Endless())
    assert refused.value.code == "too_large"
    assert Endless.read_total <= 1025  # one read of limit + 1 bytes, not the whole stream
    with pytest.raises(DomainError):
        check_upload(name="a.pdf", stream=io.BytesIO(PDF * 1000), max_bytes=100)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\cmd.pdf", "cmd.pdf"),
        ("/etc/shadow", "shadow.pdf"),
        ("report\x00.exe.pdf", "report.exe.pdf"),
        ("evil\u202egpj.pdf", "evilgpj.pdf"),
        (".htaccess", "htaccess.pdf"),
        ("<script>alert(1)</script>.pdf", "script.pdf"),
        ("a" * 5000 + ".pdf", "a" * 90 + ".pdf"),
        ("", "document.pdf"),
        ("....", "document.pdf"),
    ],
)
def test_path_tricks_in_names_are_neutralised(name: str, expected: str) -> None:
    checked = check_upload(name=name, stream=io.BytesIO(PDF))
    assert checked.name == expected
    assert not {"/", "\\", "\x00"} & set(checked.name)
    assert checked.name.endswith(".pdf")  # the extension is the detected type's


@pytest.mark.django_db
def test_bid_upload_form_refuses_attacks_and_stores_under_a_random_name() -> None:
    tender = make_tender()
    user, org = make_bidder()
    client = Client()
    client.force_login(_verified(user))
    client.post(reverse("procurement:bid_start", args=[tender.pk]), {"organisation": org.pk})
    bid = Bid.objects.get(tender=tender, organisation=org)
    url = reverse("procurement:bid_upload", args=[bid.pk])
    for bad in [EXE, HTML, b""]:
        response = client.post(url, {"file": SimpleUploadedFile("ok.pdf", bad)})
        assert response.status_code in (200, 302)
    assert not bid.documents.exists()
    response = client.post(url, {"file": SimpleUploadedFile("../../etc/passwd.pdf", PDF)})
    document = bid.documents.get()
    assert document.name == "passwd.pdf"
    assert document.storage_name.startswith("sealed/bids/")
    stored = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert [p.name for p in stored] != ["passwd.pdf"]
    assert all("passwd" not in str(p) and "etc" not in p.parts for p in stored)


@pytest.mark.django_db
def test_directory_application_refuses_a_program_renamed_pdf() -> None:
    from tests.vendors.test_applications import documents  # the required set of documents
    from vendors.models import DirectoryApplication
    from vendors.services import application_submit

    user, org = make_bidder(listed=False)
    from tests.procurement.bidding import category

    docs = documents()
    docs[0] = (docs[0][0], SimpleUploadedFile("../../registration.pdf", EXE))
    with pytest.raises(DomainError):
        application_submit(organisation=org, categories=[category()], documents=docs, by=user)
    assert not DirectoryApplication.objects.exists()
    docs = documents()
    docs[0] = (docs[0][0], SimpleUploadedFile("..\\..\\证书.pdf", PDF))
    application = application_submit(organisation=org, categories=[category()], documents=docs, by=user)
    names = set(application.documents.values_list("original_name", flat=True))
    assert "证书.pdf" in names
    assert all("/" not in n and "\\" not in n for n in names)
