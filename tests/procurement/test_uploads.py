"""Upload checks: type by content, size limits, safe names (procurement.uploads)."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from accounts.exceptions import DomainError
from procurement.uploads import check_upload, safe_name

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 40


def ooxml(main_part: str, content_type: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/{main_part}" ContentType="{content_type}"/></Types>',
        )
        zf.writestr(main_part, "<x/>")
    return buf.getvalue()


def docx() -> bytes:
    return ooxml(
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    )


def xlsx() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "报价"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("content", "kind"),
    [(PDF, "pdf"), (PNG, "png"), (JPG, "jpg"), (docx(), "docx"), (xlsx(), "xlsx")],
)
def test_accepted_types_by_content(content: bytes, kind: str) -> None:
    checked = check_upload(name="方案.bin", stream=io.BytesIO(content))
    assert checked.kind == kind
    assert checked.name == f"方案.{kind}"
    assert checked.size == len(content)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("tender.pdf", b"MZ\x90\x00 this is an exe"),
        ("plan.docx", b"PK\x03\x04 not really a zip"),
        ("plan.docx", ooxml("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml")),
        ("plan.xlsx", ooxml("xl/workbook.xml", "text/plain")),
        ("page.pdf", b"<html><script>alert(1)</script></html>"),
        ("image.png", b"GIF89a......"),
        (
            "evil.docx",
            ooxml("word/document.xml", "x").replace(b"<?xml", b"<!DOCTYPE x [<!ENTITY a 'b'>]><?xml"),
        ),
    ],
)
def test_wrong_type_under_a_good_name_is_refused(name: str, content: bytes) -> None:
    with pytest.raises(DomainError) as exc:
        check_upload(name=name, stream=io.BytesIO(content))
    assert exc.value.code == "bad_type"
    assert exc.value.field == "file"


def test_size_limits(settings: object) -> None:
    settings.GOVBUY_BID_MAX_FILE_BYTES = 100  # type: ignore[attr-defined]
    settings.GOVBUY_BID_MAX_TOTAL_BYTES = 150  # type: ignore[attr-defined]
    with pytest.raises(DomainError) as exc:
        check_upload(name="a.pdf", stream=io.BytesIO(PDF + b"x" * 100))
    assert exc.value.code == "too_large"
    assert "100" in str(exc.value.message)
    check_upload(name="a.pdf", stream=io.BytesIO(PDF), already_bytes=100)
    with pytest.raises(DomainError) as exc:
        check_upload(name="a.pdf", stream=io.BytesIO(PDF), already_bytes=120)
    assert exc.value.code == "bid_too_large"
    with pytest.raises(DomainError) as exc:
        check_upload(name="a.pdf", stream=io.BytesIO(b""))
    assert exc.value.code == "empty"


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\a.pdf", "a.pdf"),
        ("/abs/path/报价单.pdf", "报价单.pdf"),
        (".htaccess", "htaccess.pdf"),
        ("a\x00b\r\n.pdf", "ab.pdf"),
        ("<script>x</script>.pdf", "script.pdf"),
        ("..", "document.pdf"),
        ("", "document.pdf"),
        ("x" * 300 + ".pdf", "x" * 90 + ".pdf"),
        ("plan.exe", "plan.pdf"),
    ],
)
def test_safe_names(client: str, expected: str) -> None:
    assert safe_name(client, "pdf") == expected
