"""Document uploads: the type is judged by the file's content, never by its name.

Used by every form that takes a file (bid and tender documents, challenge and contract documents,
evaluation evidence, directory applications and organisation claims); ``procurement.uploads``
re-exports it.

Accepted: PDF, DOCX, XLSX (an OOXML zip whose ``[Content_Types].xml`` declares the main part of a
Word document or an Excel workbook, and which contains that part; macro-enabled variants are
refused), JPEG and PNG. Limits per file and per bid come from settings
(``GOVBUY_BID_MAX_FILE_BYTES``, default 20 MB; ``GOVBUY_BID_MAX_TOTAL_BYTES``, default 100 MB);
a caller with its own limit passes ``max_bytes``.

The name the client sends is kept only for display, sanitised: no directories, no control or
path characters, no leading dots, at most 100 characters, and its extension set to the detected
type's. Files are stored under a random or fixed name chosen by the service, never the client's.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import IO, ParamSpec, TypeVar
from xml.etree import ElementTree

from django.conf import settings
from django.core.files.storage import Storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from accounts.exceptions import DomainError

MB = 1024 * 1024
OOXML_TYPES = {
    # kind: (main part content type, main part name, mime type)
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}
MIME_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    **{kind: spec[2] for kind, spec in OOXML_TYPES.items()},
}
_MAX_CONTENT_TYPES_XML = 256 * 1024
_MAX_ZIP_ENTRIES = 10_000

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def max_file_bytes() -> int:
    return int(getattr(settings, "GOVBUY_BID_MAX_FILE_BYTES", 20 * MB))


def max_total_bytes() -> int:
    return int(getattr(settings, "GOVBUY_BID_MAX_TOTAL_BYTES", 100 * MB))


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    kind: str  # pdf, docx, xlsx, jpg, png
    content_type: str
    name: str  # sanitised display name
    size: int
    sha256: str


def _ooxml_kind(content: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
        if len(infos) > _MAX_ZIP_ENTRIES:
            return None
        names = {info.filename for info in infos}
        info = archive.getinfo("[Content_Types].xml")
        if info.file_size > _MAX_CONTENT_TYPES_XML:
            return None
        xml = archive.read(info)
    except (zipfile.BadZipFile, KeyError, RuntimeError, NotImplementedError, OSError, EOFError):
        return None
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:  # no entity expansion games
        return None
    try:
        root = ElementTree.fromstring(xml)  # noqa: S314  (entities refused above)
    except ElementTree.ParseError:
        return None
    overrides = {
        el.get("PartName", "").lstrip("/"): el.get("ContentType", "")
        for el in root
        if el.tag.endswith("}Override") or el.tag == "Override"
    }
    for kind, (main_type, main_part, _mime) in OOXML_TYPES.items():
        if overrides.get(main_part) == main_type and main_part in names:
            return kind
    return None


def detect_kind(content: bytes) -> str | None:
    """The accepted type of ``content`` judged by its bytes, or None."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if content.startswith(b"PK\x03\x04"):
        return _ooxml_kind(content)
    return None


_UNSAFE = re.compile(r"[^\w.\-()（）\[\]【】 ]+", re.UNICODE)


def safe_name(client_name: str, kind: str) -> str:
    """A display name from whatever the client sent: last path component, no tricks."""
    name = unicodedata.normalize("NFC", client_name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").lstrip(". ")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _UNSAFE.sub("_", stem).strip(" ._")
    stem = re.sub(r"_{2,}", "_", stem)[:90] or "document"
    return f"{stem}.{kind}"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_upload(
    *, name: str, stream: IO[bytes], already_bytes: int = 0, max_bytes: int | None = None, field: str = "file"
) -> CheckedUpload:
    """Read, judge and name one upload. Raises ``DomainError`` (on ``field``) with the reason."""
    limit = max_bytes if max_bytes is not None else max_file_bytes()
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise DomainError(
            _("The file is larger than the limit of %(limit)s.") % {"limit": filesizeformat(limit)},
            field=field,
            code="too_large",
        )
    if not content:
        raise DomainError(_("The file is empty."), field=field, code="empty")
    if already_bytes + len(content) > max_total_bytes():
        raise DomainError(
            _("The documents of one bid may not exceed %(limit)s in total.")
            % {"limit": filesizeformat(max_total_bytes())},
            field=field,
            code="bid_too_large",
        )
    kind = detect_kind(content)
    if kind is None:
        raise DomainError(
            _(
                "This file is not an accepted document. Upload a PDF, a Word document (DOCX), "
                "an Excel workbook (XLSX) or a JPG/PNG image; the type is judged by the content, "
                "not the name."
            ),
            field=field,
            code="bad_type",
        )
    return CheckedUpload(
        content=content,
        kind=kind,
        content_type=MIME_TYPES[kind],
        name=safe_name(name, kind),
        size=len(content),
        sha256=sha256_hex(content),
    )


# --- storing an upload inside a service's transaction ----------------------------------------------

_stored_files: ContextVar[list[tuple[Storage, str]] | None] = ContextVar("govbuy_stored_files", default=None)


def discard_on_failure(name: str, storage: Storage | None = None) -> str:
    """Register a file the service has just stored: if the service's transaction fails, the file is
    deleted again. Call it inside a service decorated with ``atomic_discarding_files``."""
    stored = _stored_files.get()
    if stored is None:
        logger.warning("discard_on_failure(%s) outside atomic_discarding_files: not tracked", name)
        return name
    if storage is None:
        from django.core.files.storage import default_storage

        storage = default_storage
    stored.append((storage, name))
    return name


@contextmanager
def files_discarded_on_failure() -> Iterator[Callable[..., str]]:
    """Files are not transactional: a service that stores an upload and then fails (a refused
    write, a database error, a failed commit) would leave the file behind with no row pointing to
    it. Files registered with ``discard_on_failure`` inside this block are deleted if the block
    raises; a nested block that succeeds hands its files to the enclosing one. Put the transaction
    *inside* the block so a failed commit is caught too (``atomic_discarding_files`` does). If a
    caller's own outer transaction rolls back later, outside any such block, the file stays: an
    orphan without a row, never a row without its file."""
    outer = _stored_files.get()
    stored: list[tuple[Storage, str]] = []
    token = _stored_files.set(stored)
    try:
        yield discard_on_failure
    except BaseException:
        for storage, name in stored:
            try:
                storage.delete(name)
            except Exception:  # the original error matters more than a failed clean-up
                logger.warning("Could not delete %s after a failed service", name, exc_info=True)
        raise
    else:
        if outer is not None:
            outer.extend(stored)
    finally:
        _stored_files.reset(token)


def atomic_discarding_files(func: Callable[P, R]) -> Callable[P, R]:
    """``@transaction.atomic`` for a service that stores files: the files it registers with
    ``discard_on_failure`` are deleted again when its transaction does not commit."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with files_discarded_on_failure(), transaction.atomic():
            return func(*args, **kwargs)

    return wrapper
