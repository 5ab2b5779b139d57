"""Exports of the public lists as CSV and Excel (openpyxl), streamed.

Each dataset is a queryset of what is public (the same rows as the public list, in the same order),
the columns it reads and a function from a row to cells; headers are Chinese (the export is an
official open-data file whoever downloads it). Rows are read as plain tuples
(``values_list(..., named=True).iterator(chunk_size=...)``: one query, a server-side cursor on
PostgreSQL), never as model instances, and written as they come: CSV goes straight into a
``StreamingHttpResponse``; the workbook is written by openpyxl's ``write_only`` mode to a temporary
file (rows are not kept in memory) and that file is streamed. Choice labels (status, method, grade)
are translated once per export into a plain dict: ``get_FOO_display()`` per row re-hashed every
lazy label of the field (100,000 tenders took minutes; the memory stays bounded by the chunk).

A text cell starting with ``= + - @`` (or a tab or carriage return) is prefixed with ``'`` so a
spreadsheet never runs it as a formula (CSV/formula injection). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

CHINA = ZoneInfo("Asia/Shanghai")
CHUNK = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | Decimal | float | None


def safe_cell(value: Any) -> Cell:
    """A cell value that no spreadsheet evaluates: text starting like a formula gets a ``'``."""
    if isinstance(value, str):  # most cells: checked first
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | Decimal | float):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


Labels = dict[str, dict[Any, str]]


def choice_labels(model: str, name: str) -> dict[Any, str]:
    """``{value: label}`` of the choice field ``name`` of ``model`` ("app_label.Model") in the active
    language (what ``get_FOO_display`` shows; a value without a label shows as itself)."""
    from django.apps import apps

    return {value: str(label) for value, label in apps.get_model(model)._meta.get_field(name).flatchoices}


def _label(labels: dict[Any, str], value: Any) -> Any:
    return labels.get(value, value)


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str  # the file's name and the sheet's title, Chinese
    headers: list[str]
    queryset: Callable[[Any], QuerySet[Any]]  # request.GET -> the rows, in list order
    # (row, choice labels) -> cells; by default the ``columns`` in order, a column named in
    # ``choices`` shown by its label
    row: Callable[[Any, Labels], list[Any]] | None = None
    columns: tuple[str, ...] = ()  # values_list fields; empty: model instances (with ``prefetch``)
    choices: dict[str, tuple[str, str]] = field(default_factory=dict)  # column -> (model, field)
    prefetch: tuple[str, ...] = ()

    def labels(self) -> Labels:
        return {key: choice_labels(model, name) for key, (model, name) in self.choices.items()}

    def rows(self, params: Any = None) -> Iterator[list[Cell]]:
        qs = self.queryset(params or {})
        labels = self.labels()
        if self.columns:
            source: Iterable[Any] = qs.values_list(*self.columns, named=True).iterator(chunk_size=CHUNK)
        else:
            if self.prefetch:
                qs = qs.prefetch_related(*self.prefetch)
            source = qs.iterator(chunk_size=CHUNK)
        row = self.row or self._columns_in_order
        for obj in source:
            yield [safe_cell(v) for v in row(obj, labels)]

    def _columns_in_order(self, values: Any, labels: Labels) -> list[Any]:
        return [
            _label(labels[column], value) if column in labels else value
            for column, value in zip(self.columns, values, strict=True)
        ]


DATASETS: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    DATASETS[dataset.name] = dataset
    return dataset


# --- the public lists ----------------------------------------------------------------------------------


def _tenders(params: Any) -> QuerySet[Any]:
    """The public tender list with the list's own filters (same form, same selector)."""
    from procurement.forms.tenders import TenderFilterForm
    from procurement.selectors.tenders import tender_public_queryset

    filters = TenderFilterForm(params or None).filters()
    return tender_public_queryset(filters)


register(
    Dataset(
        name="tenders",
        title="招标公告",
        headers=[
            "项目编号",
            "项目名称",
            "采购单位",
            "服务类别",
            "采购方式",
            "采购预算（元）",
            "状态",
            "发布时间",
            "投标截止时间",
        ],
        queryset=_tenders,
        columns=(
            "reference",
            "title",
            "department__name",
            "category__name",
            "method",
            "budget",
            "status",
            "published_at",
            "bid_deadline",
        ),
        choices={"method": ("procurement.Tender", "method"), "status": ("procurement.Tender", "status")},
    )
)


def _awards(params: Any) -> QuerySet[Any]:
    from procurement.models import Award, AwardStatus

    return (
        Award.objects.filter(
            announced_at__isnull=False,
            status__in=[AwardStatus.ANNOUNCED, AwardStatus.CONTRACTED, AwardStatus.RESCINDED],
        )
        .select_related("tender__department", "tender__category", "bid__organisation")
        .order_by("-announced_at", "-id")
    )


register(
    Dataset(
        name="awards",
        title="中标公告",
        headers=[
            "项目编号",
            "项目名称",
            "采购单位",
            "服务类别",
            "中标人",
            "统一社会信用代码",
            "中标金额（元）",
            "综合得分",
            "公告时间",
            "状态",
        ],
        queryset=_awards,
        columns=(
            "tender__reference",
            "tender__title",
            "tender__department__name",
            "tender__category__name",
            "bid__organisation__name",
            "bid__organisation__credit_code",
            "price",
            "total_score",
            "announced_at",
            "status",
        ),
        choices={"status": ("procurement.Award", "status")},
    )
)


def _contracts(params: Any) -> QuerySet[Any]:
    from procurement.models import Contract

    return (
        Contract.objects.filter(published_at__isnull=False)
        .select_related("tender__department", "tender__category", "organisation")
        .order_by("-published_at", "-id")
    )


register(
    Dataset(
        name="contracts",
        title="合同公告",
        headers=[
            "合同编号",
            "项目编号",
            "项目名称",
            "采购单位",
            "承接主体",
            "统一社会信用代码",
            "合同金额（元）",
            "开始日期",
            "结束日期",
            "签订时间",
            "公告时间",
            "状态",
        ],
        queryset=_contracts,
        columns=(
            "number",
            "tender__reference",
            "tender__title",
            "tender__department__name",
            "organisation__name",
            "organisation__credit_code",
            "value",
            "term_start",
            "term_end",
            "signed_at",
            "published_at",
            "status",
        ),
        choices={"status": ("procurement.Contract", "status")},
    )
)


def _directory(params: Any) -> QuerySet[Any]:
    """The directory in force with the directory page's own filters (same form, same selector)."""
    from vendors.forms import DirectoryFilterForm
    from vendors.models import DirectoryEntry
    from vendors.selectors import current_version, version_entries

    version = current_version()
    if version is None:
        return DirectoryEntry.objects.none()
    filters = DirectoryFilterForm(params or None).filters()
    return version_entries(version, **filters).select_related("version")


register(
    Dataset(
        name="directory",
        title="具备承接政府职能转移和购买服务资质的社会组织目录",
        headers=[
            "目录版本",
            "社会组织名称",
            "登记管理机关",
            "服务类别",
            "评估等级",
            "有效期起",
            "有效期止",
            "状态",
        ],
        queryset=_directory,
        # Model rows: the categories of each entry are prefetched per chunk (one directory version).
        row=lambda e, labels: [
            e.version.number,
            e.organisation_name,
            e.registering_authority,
            "、".join(sorted(c.name for c in e.categories.all())),
            _label(labels["rating"], e.rating),
            e.valid_from,
            e.valid_to,
            _label(labels["status"], e.status),
        ],
        choices={
            "rating": ("vendors.DirectoryEntry", "rating"),
            "status": ("vendors.DirectoryEntry", "status"),
        },
        prefetch=("categories",),
    )
)


def _int_param(params: Any, name: str) -> int | None:
    try:
        return int(params.get(name) or 0) or None
    except (TypeError, ValueError):
        return None


def _evaluations(params: Any) -> QuerySet[Any]:
    """Published results with the public overview's filters (year, category, department)."""
    from evaluation.selectors import public_results

    params = params or {}
    return public_results(
        year=_int_param(params, "year"),
        category_id=_int_param(params, "category"),
        department_id=_int_param(params, "department"),
    ).select_related("organisation", "department", "category")


register(
    Dataset(
        name="evaluations",
        title="绩效评价结果",
        headers=["项目", "承接主体", "采购单位", "服务类别", "得分", "等级", "发布时间"],
        queryset=_evaluations,
        columns=(
            "title",
            "organisation__name",
            "department__name",
            "category__name",
            "score",
            "grade",
            "published_at",
        ),
        choices={"grade": ("evaluation.Evaluation", "grade")},
    )
)


# --- writers -------------------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(headers: list[str], rows: Iterable[list[Cell]], *, batch: int = 500) -> Iterator[bytes]:
    """UTF-8 with a BOM (so Excel reads the Chinese), CRLF lines; ``batch`` rows per chunk."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode() + writer.writerow(headers).encode("utf-8")
    buffer: list[str] = []
    for row in rows:
        buffer.append(writer.writerow(row))
        if len(buffer) >= batch:
            yield "".join(buffer).encode("utf-8")
            buffer = []
    if buffer:
        yield "".join(buffer).encode("utf-8")


def xlsx_chunks(title: str, headers: list[str], rows: Iterable[list[Cell]]) -> Iterator[bytes]:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    with tempfile.TemporaryFile() as fh:
        workbook.save(fh)
        fh.seek(0)
        while chunk := fh.read(64 * 1024):
            yield chunk


def export_response(dataset: Dataset, fmt: str, params: Any = None) -> StreamingHttpResponse:
    from urllib.parse import quote

    stamp = timezone.localtime().strftime("%Y%m%d")
    if fmt == "csv":
        body = csv_chunks(dataset.headers, dataset.rows(params))
        content_type = "text/csv; charset=utf-8"
    else:
        body = xlsx_chunks(dataset.title, dataset.headers, dataset.rows(params))
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = StreamingHttpResponse(body, content_type=content_type)
    filename = f"{dataset.title}-{stamp}.{fmt}"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{dataset.name}-{stamp}.{fmt}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response
