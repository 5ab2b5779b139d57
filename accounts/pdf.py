"""HTML → PDF with WeasyPrint, in the official layout of ``templates/pdf/base.html``.

Documents are official Chinese documents: they are rendered in Simplified Chinese whatever the
requester's language, with an embedded CJK font (the font is subset into the PDF, so the text is
real, extractable Chinese on any reader, not images or tofu).
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import qrcode
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

# Searched in order; the first that exists is embedded through @font-face. Fontconfig's family
# names stay in the font stack as a fallback, so a machine with another CJK font still works.
CJK_FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
]
DOCUMENT_LANGUAGE = "zh-hans"


@dataclass(frozen=True)
class RenderedPDF:
    content: bytes
    pages: int


def cjk_font_url() -> str:
    configured = getattr(settings, "GOVBUY_PDF_FONT", "")
    for candidate in [configured, *CJK_FONT_CANDIDATES]:
        if candidate and Path(candidate).is_file():
            return Path(candidate).as_uri()
    return ""


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint can subset fonts with HarfBuzz (Debian ``libharfbuzz-subset0``). Without
    it WeasyPrint falls back to fontTools, which subsets the 5 MB CJK font in Python: about 2.6 s of
    CPU more per document (a 10-page contract 0.5 s -> 3.1 s of CPU; docs/performance.md)."""
    import ctypes.util

    return bool(ctypes.util.find_library("harfbuzz-subset"))


def pdf_engine_problems() -> list[str]:
    """What makes documents wrong or slow on this machine (``manage.py check --deploy``)."""
    problems = []
    if not cjk_font_url():
        problems.append(
            "No CJK font file for PDF documents (fonts-wqy-microhei or GOVBUY_PDF_FONT): Chinese "
            "renders only if fontconfig finds another CJK font."
        )
    if not harfbuzz_subset_available():
        problems.append(
            "HarfBuzz-Subset (libharfbuzz-subset0) is missing: WeasyPrint subsets fonts with fontTools, "
            "about 2.6 s of CPU more per document."
        )
    return problems


def warm_up() -> None:
    """Import WeasyPrint and render one line of Chinese, so fontconfig and the CJK font are loaded
    before the first real document (a cold process spends ~2.4 s of CPU on its first document,
    a warm one ~0.5 s on a 10-page contract). The Celery worker calls it at start, before forking
    its pool, so every child inherits a warm engine."""
    from weasyprint import HTML

    font = cjk_font_url()
    face = f'@font-face {{ font-family: "GovBuy CJK"; src: url("{font}"); }}' if font else ""
    html = f'<style>{face} p {{ font-family: "GovBuy CJK", sans-serif; }}</style><p>政府购买服务 0123</p>'
    HTML(string=html, url_fetcher=_url_fetcher()).render().write_pdf()


def qr_data_uri(text: str) -> str:
    """A PNG QR code as a data: URI (no file, no network)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=2)
    qr.add_data(text)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image().save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def css_string(text: str) -> str:
    """A CSS string literal, safe inside a <style> element (no quote, newline or tag escapes it)."""
    out = []
    for ch in text:
        if ch in '\\"<>&' or ord(ch) < 32:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def page_counter_content() -> str:
    """CSS ``content`` for the footer, from the translated "Page %(page)s of %(pages)s":
    in Chinese ``"第 " counter(page) " 页 共 " counter(pages) " 页"``."""
    pattern = gettext("Page %(page)s of %(pages)s")
    parts = re.split(r"(%\((?:page|pages)\)s)", pattern)
    out = []
    for part in parts:
        if part == "%(page)s":
            out.append("counter(page)")
        elif part == "%(pages)s":
            out.append("counter(pages)")
        elif part:
            out.append(css_string(part))
    return " ".join(out)


def verification_url(code: str) -> str:
    return settings.SITE_URL.rstrip("/") + f"/verify/{code}"


def _url_fetcher() -> Any:
    """Only data: URIs and the font file: a document never reaches the network or other files.
    Fetch errors are fatal, so a PDF is never issued without its QR code or font."""
    from weasyprint.urls import URLFetcher

    font = cjk_font_url()

    class DocumentURLFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not (url.startswith("data:") or (font and url == font)):
                raise ValueError(f"PDF rendering does not fetch {url[:80]}")
            return super().fetch(url, headers)

    return DocumentURLFetcher(fail_on_errors=True, allowed_protocols=("data", "file"))


def render_pdf(
    template_name: str,
    context: dict[str, Any],
    *,
    title: str,
    reference: str,
    verify_code: str,
    issued_at: Any,
) -> RenderedPDF:
    from weasyprint import HTML

    with translation.override(DOCUMENT_LANGUAGE):
        url = verification_url(verify_code)
        html = render_to_string(
            template_name,
            {
                **context,
                "doc_title": title,
                "doc_reference": reference,
                "doc_issued_at": issued_at,
                "verify_code": verify_code,
                "verify_url": url,
                "verify_qr": qr_data_uri(url),
                "cjk_font_url": cjk_font_url(),
                "page_counter": page_counter_content(),
                "doc_reference_css": css_string(reference),
            },
        )
        document = HTML(string=html, url_fetcher=_url_fetcher()).render()
        content = document.write_pdf()
    assert content is not None
    return RenderedPDF(content=content, pages=len(document.pages))
