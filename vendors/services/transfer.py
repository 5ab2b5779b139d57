"""Import and export of the directory in the civil-affairs spreadsheet format.

Columns (header row, in any order, extra columns ignored)::

    统一社会信用代码, 组织名称, 登记管理机关, 评估等级, 服务类别, 有效期起, 有效期止, 状态

``.xlsx`` (first sheet) or ``.csv`` (UTF-8 with or without BOM, or GB18030), recognised by content.
Full-width characters are normalised (NFKC); codes may be lower case; several categories are
separated by 、 ; or ；, each by name or code; dates are Excel dates, ``YYYY-MM-DD`` or ``YYYY/M/D``;
评估等级 is 1A–5A (or AAA …) or empty; 状态 is 有效 (also when empty), 暂停 or 撤销.

An import is all or nothing: every bad row is reported with its spreadsheet row number (the header
is row 1), column and reason, and nothing is written. A good file goes into the next draft version
(rows for organisations not in the file stay as they are) and may be published at once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.exceptions import DomainError, NotAllowed
from accounts.rules import is_directory_admin
from vendors.models import (
    DirectoryEntry,
    DirectoryEntryCategory,
    DirectoryVersion,
    Organisation,
    OrganisationKind,
    ServiceCategory,
    kind_from_credit_code,
    validate_credit_code,
)
from vendors.services.common import require, today
from vendors.services.directory import version_draft, version_publish

COL_CODE = "统一社会信用代码"
COL_NAME = "组织名称"
COL_AUTHORITY = "登记管理机关"
COL_RATING = "评估等级"
COL_CATEGORIES = "服务类别"
COL_FROM = "有效期起"
COL_TO = "有效期止"
COL_STATUS = "状态"
COLUMNS = (COL_CODE, COL_NAME, COL_AUTHORITY, COL_RATING, COL_CATEGORIES, COL_FROM, COL_TO, COL_STATUS)
REQUIRED_COLUMNS = (COL_CODE, COL_NAME, COL_CATEGORIES, COL_FROM, COL_TO)

STATUS_WORDS = {
    "": DirectoryEntry.Status.IN_FORCE,
    "有效": DirectoryEntry.Status.IN_FORCE,
    "暂停": DirectoryEntry.Status.SUSPENDED,
    "撤销": DirectoryEntry.Status.REVOKED,
}
STATUS_LABELS = {
    DirectoryEntry.Status.IN_FORCE: "有效",
    DirectoryEntry.Status.SUSPENDED: "暂停",
    DirectoryEntry.Status.REVOKED: "撤销",
}
CATEGORY_SEPARATORS = re.compile(r"[、;；]")
_RATING_DIGIT = re.compile(r"^([1-5])A(级)?$")
_RATING_LETTERS = re.compile(r"^(A{1,5})(级)?$")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class RowError:
    """One problem: spreadsheet row number (header = 1), column header, reason."""

    row: int
    column: str
    message: str | Promise

    def __str__(self) -> str:
        return gettext("row %(row)s, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column or "—",
            "message": self.message,
        }


@dataclass
class ImportRow:
    row: int
    credit_code: str
    name: str
    registering_authority: str
    rating: str
    categories: list[ServiceCategory]
    valid_from: date
    valid_to: date
    status: str


@dataclass
class ImportSummary:
    version: DirectoryVersion
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    published: bool = False
    rows: int = 0

    def __str__(self) -> str:
        return gettext(
            "Directory version %(version)s (%(state)s): %(added)s added, %(changed)s changed, "
            "%(unchanged)s unchanged."
        ) % {
            "version": self.version.number,
            "state": self.version.get_status_display(),
            "added": self.added,
            "changed": self.changed,
            "unchanged": self.unchanged,
        }


class DirectoryImportError(DomainError):
    """The file was refused; ``errors`` lists every bad row. Nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            _("The file has %(count)s error(s); nothing was imported.") % {"count": len(errors)},
            field="file",
            code="import",
        )
        self.errors = errors


# --- Reading ---------------------------------------------------------------------------------------
def clean_text(value: Any) -> str:
    """Full-width to half-width (NFKC), trimmed, inner runs of spaces collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", " ", text).strip()


def read_table(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) for every row of the first sheet of an xlsx, or of a csv."""
    if data[:4] == b"PK\x03\x04":
        yield from _read_xlsx(data)
    else:
        yield from _read_csv(data)


def _read_xlsx(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise DirectoryImportError(
            [RowError(0, "", _("The file is not a readable .xlsx workbook."))]
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        # Read-only mode fills skipped rows with empty ones, so the count is the sheet's row number.
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(values)
    finally:
        workbook.close()


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise DirectoryImportError(
            [RowError(0, "", _("The file is neither UTF-8 nor GB18030 text, nor an .xlsx workbook."))]
        ) from None


def _read_csv(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    text = _decode(data)
    for number, values in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        yield number, list(values)


def parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # an Excel serial date (1900-01-01 … 9999-12-31)
            from datetime import timedelta

            return _EXCEL_EPOCH + timedelta(days=int(value))
        return None
    text = clean_text(value)
    text = text.split(" ")[0]  # "2026-01-01 00:00:00" from a spreadsheet that wrote the time
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(*(int(g) for g in match.groups()))
            except ValueError:
                return None
    return None


def parse_rating(value: Any) -> str | None:
    """'' for none; '5A' for 5A/5a/AAAAA/5A级; None if not a rating."""
    text = clean_text(value).upper().replace(" ", "")
    if text in {"", "无", "-", "—"}:
        return ""
    match = _RATING_DIGIT.match(text)
    if match:
        return f"{match.group(1)}A"
    match = _RATING_LETTERS.match(text)
    if match:
        return f"{len(match.group(1))}A"
    return None


def _category_lookup() -> dict[str, ServiceCategory]:
    lookup: dict[str, ServiceCategory] = {}
    for category in ServiceCategory.objects.filter(is_active=True):
        lookup[clean_text(category.name)] = category
        lookup[category.code.upper()] = category
    return lookup


def parse_rows(table: Iterable[tuple[int, list[Any]]]) -> tuple[list[ImportRow], list[RowError]]:
    """Check every row; return the good rows and every error (rows are all-or-nothing later)."""
    errors: list[RowError] = []
    rows: list[ImportRow] = []
    iterator = iter(table)
    header: dict[str, int] = {}
    for number, values in iterator:
        if number == 1 or not header:
            names = [clean_text(v) for v in values]
            header = {name: idx for idx, name in enumerate(names) if name in COLUMNS}
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                return [], [
                    RowError(number, column, _("The header row lacks this column.")) for column in missing
                ]
            break
    else:
        return [], [RowError(1, "", _("The file is empty: no header row."))]

    categories = _category_lookup()
    first_row_of: dict[str, int] = {}

    def cell(values: list[Any], column: str) -> Any:
        idx = header.get(column)
        if idx is None or idx >= len(values):
            return None
        return values[idx]

    for number, values in iterator:
        if all(clean_text(v) == "" for v in values):
            continue  # blank lines are not rows
        row_errors: list[RowError] = []

        def bad(
            column: str, message: Any, number: int = number, row_errors: list[RowError] = row_errors
        ) -> None:
            row_errors.append(RowError(number, column, message))

        raw_code = clean_text(cell(values, COL_CODE))
        code = ""
        if not raw_code:
            bad(COL_CODE, _("A value is required."))
        else:
            try:
                code = validate_credit_code(raw_code)
            except ValidationError as exc:
                bad(COL_CODE, exc.messages[0])
            else:
                if kind_from_credit_code(code) != OrganisationKind.SOCIAL_ORGANISATION:
                    bad(
                        COL_CODE,
                        _(
                            "Not a social organisation (a code registered by civil affairs starts with 51, 52 or 53)."
                        ),
                    )
                elif code in first_row_of:
                    bad(COL_CODE, _("The same code is already in row %(row)s.") % {"row": first_row_of[code]})
                else:
                    first_row_of[code] = number
        name = clean_text(cell(values, COL_NAME))
        if not name:
            bad(COL_NAME, _("A value is required."))
        elif len(name) > 200:
            bad(COL_NAME, _("At most 200 characters."))
        authority = clean_text(cell(values, COL_AUTHORITY))[:200]
        rating = parse_rating(cell(values, COL_RATING))
        if rating is None:
            bad(
                COL_RATING,
                _("Unknown rating “%(value)s”: use 1A to 5A (or A to AAAAA), or leave it empty.")
                % {"value": clean_text(cell(values, COL_RATING))},
            )
        chosen: list[ServiceCategory] = []
        raw_categories = clean_text(cell(values, COL_CATEGORIES))
        parts = [p.strip() for p in CATEGORY_SEPARATORS.split(raw_categories) if p.strip()]
        if not parts:
            bad(COL_CATEGORIES, _("A value is required."))
        for part in parts:
            category = categories.get(part) or categories.get(part.upper())
            if category is None:
                bad(COL_CATEGORIES, _("Unknown service category “%(value)s”.") % {"value": part})
            elif category not in chosen:
                chosen.append(category)
        dates: dict[str, date | None] = {}
        for column in (COL_FROM, COL_TO):
            raw = cell(values, column)
            if clean_text(raw) == "" and not isinstance(raw, date | datetime):
                bad(column, _("A value is required."))
                dates[column] = None
                continue
            dates[column] = parse_date(raw)
            if dates[column] is None:
                bad(
                    column,
                    _("Not a date: “%(value)s” (use YYYY-MM-DD or YYYY/M/D).") % {"value": clean_text(raw)},
                )
        valid_from, valid_to = dates[COL_FROM], dates[COL_TO]
        if valid_from and valid_to and valid_from > valid_to:
            bad(
                COL_TO,
                _("The validity ends (%(to)s) before it starts (%(from)s).")
                % {
                    "from": valid_from.isoformat(),
                    "to": valid_to.isoformat(),
                },
            )
        raw_status = clean_text(cell(values, COL_STATUS)).replace(" ", "")
        status = STATUS_WORDS.get(raw_status)
        if status is None:
            bad(COL_STATUS, _("Unknown status “%(value)s”: use 有效, 暂停 or 撤销.") % {"value": raw_status})
        if row_errors:
            errors.extend(row_errors)
            continue
        if valid_from is None or valid_to is None or rating is None or status is None:  # for the type checker
            continue
        rows.append(
            ImportRow(number, code, name, authority, rating, chosen, valid_from, valid_to, str(status))
        )
    if not rows and not errors:
        errors.append(RowError(2, "", _("The file has a header but no rows.")))
    return rows, errors


def parse_file(data: bytes) -> tuple[list[ImportRow], list[RowError]]:
    try:
        return parse_rows(read_table(data))
    except DirectoryImportError as exc:
        return [], exc.errors


# --- Writing ---------------------------------------------------------------------------------------
def _chunks(items: list[Any], size: int = 900) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _as_bytes(file: bytes | IO[bytes] | Any) -> bytes:
    if isinstance(file, bytes | bytearray):
        return bytes(file)
    if hasattr(file, "chunks"):
        return b"".join(file.chunks())
    return bytes(file.read())


@transaction.atomic
def directory_import(
    *,
    file: bytes | IO[bytes] | Any,
    by: Any,
    filename: str = "",
    publish: bool = False,
    note: str = "",
) -> ImportSummary:
    """Import a directory file into the next draft version (and publish it with ``publish``).

    Raises ``DirectoryImportError`` listing every bad row; then nothing at all is written.
    """
    require(by, "vendors.manage_directory")
    if publish and by is not None:
        require(by, "vendors.publish_directory_version")
        if not is_directory_admin(by):
            raise NotAllowed()
    data = _as_bytes(file)
    rows, errors = parse_file(data)
    if errors:
        raise DirectoryImportError(errors)

    draft = version_draft(by=by, note=note)
    codes = [r.credit_code for r in rows]
    organisations: dict[str, Organisation] = {}
    for chunk in _chunks(codes):
        organisations.update(Organisation.objects.in_bulk(chunk, field_name="credit_code"))
    new_orgs = [
        Organisation(credit_code=r.credit_code, name=r.name, registering_authority=r.registering_authority)
        for r in rows
        if r.credit_code not in organisations
    ]
    Organisation.objects.bulk_create(new_orgs, batch_size=2000)
    for org in new_orgs:
        organisations[org.credit_code] = org
    renamed = []
    for r in rows:
        org = organisations[r.credit_code]
        if (org.name, org.registering_authority) != (
            r.name,
            r.registering_authority or org.registering_authority,
        ):
            org.name = r.name
            org.registering_authority = r.registering_authority or org.registering_authority
            renamed.append(org)
    Organisation.objects.bulk_update(renamed, ["name", "registering_authority"], batch_size=1000)

    existing = {e.organisation_id: e for e in DirectoryEntry.objects.filter(version=draft)}
    links: dict[int, set[int]] = {}
    for entry_id, category_id in DirectoryEntryCategory.objects.filter(entry__version=draft).values_list(
        "entry_id", "category_id"
    ):
        links.setdefault(entry_id, set()).add(category_id)

    summary = ImportSummary(version=draft, rows=len(rows))
    replace: list[int] = []
    new_entries: list[tuple[DirectoryEntry, list[ServiceCategory]]] = []
    status_reason = note or filename or gettext("Directory import")
    for r in rows:
        org = organisations[r.credit_code]
        old = existing.get(org.pk)
        wanted = (
            r.name,
            r.registering_authority,
            r.rating,
            frozenset(c.pk for c in r.categories),
            r.valid_from,
            r.valid_to,
            r.status,
        )
        if old is not None:
            have = (
                old.organisation_name,
                old.registering_authority,
                old.rating,
                frozenset(links.get(old.pk, set())),
                old.valid_from,
                old.valid_to,
                old.status,
            )
            if have == wanted:
                summary.unchanged += 1
                continue
            summary.changed += 1
            replace.append(old.pk)
            keep_status_note = old.status == r.status
        else:
            summary.added += 1
            keep_status_note = False
        entry = DirectoryEntry(
            version=draft,
            organisation=org,
            organisation_name=r.name,
            registering_authority=r.registering_authority,
            rating=r.rating,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            status=r.status,
            status_reason=old.status_reason
            if keep_status_note and old
            else ("" if old is None and r.status == DirectoryEntry.Status.IN_FORCE else status_reason),
            status_date=old.status_date if keep_status_note and old else today(),
        )
        new_entries.append((entry, r.categories))
    for chunk in _chunks(replace):
        DirectoryEntry.objects.filter(pk__in=chunk).delete()
    DirectoryEntry.objects.bulk_create([e for e, _c in new_entries], batch_size=2000)
    DirectoryEntryCategory.objects.bulk_create(
        [DirectoryEntryCategory(entry_id=e.pk, category_id=c.pk) for e, cats in new_entries for c in cats],
        batch_size=5000,
    )
    audit_record(
        actor=by,
        action="directory.import",
        obj=draft,
        summary={
            "file": filename,
            "sha256": hashlib.sha256(data).hexdigest(),
            "rows": len(rows),
            "added": summary.added,
            "changed": summary.changed,
            "unchanged": summary.unchanged,
            "publish": publish,
        },
    )
    if publish:
        summary.version = version_publish(version=draft, by=by, note=note or None)
        summary.published = True
    return summary


# --- Export ----------------------------------------------------------------------------------------
def export_rows(version: DirectoryVersion) -> Iterator[list[Any]]:
    """The version's entries in import order of columns (dates as ``date``)."""
    entries = (
        DirectoryEntry.objects.filter(version=version)
        .select_related("organisation")
        .order_by("organisation_name", "organisation__credit_code")
    )
    names: dict[int, list[str]] = {}
    for entry_id, category_name in (
        DirectoryEntryCategory.objects.filter(entry__version=version)
        .order_by("category__sort_order", "category__code")
        .values_list("entry_id", "category__name")
    ):
        names.setdefault(entry_id, []).append(category_name)
    for entry in entries.iterator(chunk_size=2000):
        yield [
            entry.organisation.credit_code,
            entry.organisation_name,
            entry.registering_authority,
            entry.rating,
            "、".join(names.get(entry.pk, [])),
            entry.valid_from,
            entry.valid_to,
            STATUS_LABELS[DirectoryEntry.Status(entry.status)],
        ]


EXPORT_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_filename(version: DirectoryVersion, fmt: str) -> str:
    return f"directory-v{version.number}.{fmt}"


def directory_export(*, version: DirectoryVersion, fmt: str, by: Any = None) -> bytes:
    """A published version as ``csv`` (UTF-8 with BOM, which Excel opens correctly) or ``xlsx``, in
    exactly the columns the import reads, so an export re-imports unchanged."""
    if not version.is_published:
        require(by, "vendors.manage_directory")  # drafts only for the people who edit them
        if by is None:
            raise DomainError(_("Only published versions are exported."), code="draft")
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for row in export_rows(version):
            writer.writerow([v.isoformat() if isinstance(v, date) else v for v in row])
        return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=f"第{version.number}批")
        sheet.append(list(COLUMNS))
        for row in export_rows(version):
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            sheet.append(cells)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    raise ValueError(f"unknown export format {fmt!r}")
