"""Directory import (all or nothing, every bad row reported) and export (re-imports unchanged)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from accounts.models import AuditEntry
from tests.factories import valid_credit_code
from tests.vendors.factories import category
from vendors.models import DirectoryEntry, DirectoryEntryCategory, DirectoryVersion, Organisation
from vendors.services import (
    DirectoryImportError,
    directory_export,
    directory_import,
    eligibility_check,
    entry_suspend,
)
from vendors.services.transfer import COLUMNS

pytestmark = pytest.mark.django_db

HEADER = list(COLUMNS)
C1, C2, C3 = valid_credit_code(1), valid_credit_code(2), valid_credit_code(3)


def row(
    code=C1,
    name="江门市启明社会工作服务中心",
    authority="江门市民政局",
    rating="5A",
    cats="养老服务",
    start="2026-01-01",
    end="2030-12-31",
    status="有效",
):
    return [code, name, authority, rating, cats, start, end, status]


def csv_bytes(rows, header=HEADER, encoding="utf-8", bom=False) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def snapshot():
    return (
        list(Organisation.objects.order_by("pk").values_list("credit_code", "name")),
        list(DirectoryVersion.objects.order_by("pk").values_list("number", "status")),
        list(DirectoryEntry.objects.order_by("pk").values_list("organisation_id", "status", "rating")),
        DirectoryEntryCategory.objects.count(),
        AuditEntry.objects.count(),
    )


def test_good_csv_imports_and_publishes(directory_admin):
    summary = directory_import(
        file=csv_bytes([row(), row(code=C2, name="江门市颐年养老服务中心", cats="YL、zc", rating="AAAA")]),
        filename="batch1.csv",
        by=directory_admin,
        publish=True,
        note="第一批",
    )
    assert (summary.added, summary.changed, summary.unchanged, summary.published) == (2, 0, 0, True)
    version = summary.version
    assert version.is_published
    assert version.note == "第一批"
    entry = DirectoryEntry.objects.get(version=version, organisation__credit_code=C2)
    assert entry.rating == "4A"
    assert sorted(c.code for c in entry.categories.all()) == ["YL", "ZC"]
    assert eligibility_check(
        organisation=entry.organisation, category=category("ZC"), on=date.today()
    ).reason_code in {"in_force", "not_yet_valid"}


def test_normalisation_full_width_lower_case_separators_dates(directory_admin):
    full_width_code = C1.lower().translate(
        {ord(c): ord(c) + 0xFEE0 for c in "0123456789abcdefghijklmnopqrstuvwxyz"}
    )
    rows = [
        row(
            code=f" {full_width_code} ",
            name="江门市　启明  社工中心",
            rating="ａａａ",
            cats="养老服务；助残服务;社区服务",
            start="2026/1/5",
            end="2030/12/31",
            status="",
        ),
    ]
    summary = directory_import(file=csv_bytes(rows, bom=True), by=directory_admin)
    entry = DirectoryEntry.objects.get(version=summary.version)
    assert entry.organisation.credit_code == C1
    assert entry.organisation_name == "江门市 启明 社工中心"
    assert entry.rating == "3A"
    assert sorted(c.code for c in entry.categories.all()) == ["SQ", "YL", "ZC"]
    assert (entry.valid_from, entry.valid_to) == (date(2026, 1, 5), date(2030, 12, 31))
    assert entry.status == DirectoryEntry.Status.IN_FORCE


def test_gb18030_csv(directory_admin):
    summary = directory_import(file=csv_bytes([row()], encoding="gb18030"), by=directory_admin)
    assert (
        DirectoryEntry.objects.get(version=summary.version).organisation_name == "江门市启明社会工作服务中心"
    )


def test_xlsx_with_excel_dates(directory_admin):
    rows = [
        row(start=datetime(2026, 1, 1), end=datetime(2030, 12, 31)),
        row(code=C2, start=46023, end="2030-6-30"),
    ]
    summary = directory_import(file=xlsx_bytes(rows), filename="d.xlsx", by=directory_admin)
    assert summary.added == 2
    second = DirectoryEntry.objects.get(version=summary.version, organisation__credit_code=C2)
    assert second.valid_from == date(2026, 1, 1)  # Excel serial 46023
    assert second.valid_to == date(2030, 6, 30)


def test_summary_counts_added_changed_unchanged(directory_admin):
    directory_import(file=csv_bytes([row(), row(code=C2, name="B 中心")]), by=directory_admin, publish=True)
    summary = directory_import(
        file=csv_bytes([row(), row(code=C2, name="B 中心", status="暂停"), row(code=C3, name="C 中心")]),
        by=directory_admin,
        publish=True,
    )
    assert (summary.added, summary.changed, summary.unchanged) == (1, 1, 1)
    assert summary.version.number == 2
    assert (
        DirectoryEntry.objects.get(version=summary.version, organisation__credit_code=C2).status
        == "suspended"
    )
    # the first version is untouched
    assert DirectoryEntry.objects.get(version__number=1, organisation__credit_code=C2).status == "in_force"


BAD_ROWS = [
    # (row, expected column, words in the reason)
    (row(code=C1[:-1] + ("0" if C1[-1] != "0" else "1")), "统一社会信用代码", "check character"),
    (row(code=C1[:17]), "统一社会信用代码", "18 characters"),
    (row(code=valid_credit_code(5, "9144070")), "统一社会信用代码", "social organisation"),
    (row(cats="养老服务、月球服务"), "服务类别", "月球服务"),
    (row(start="2030-01-01", end="2026-01-01"), "有效期止", "before it starts"),
    (row(rating="6A"), "评估等级", "6A"),
    (row(status="取消"), "状态", "取消"),
    (row(name=""), "组织名称", "required"),
    (row(cats=""), "服务类别", "required"),
    (row(start=""), "有效期起", "required"),
    (row(end="明年"), "有效期止", "Not a date"),
    (row(code=""), "统一社会信用代码", "required"),
]


@pytest.mark.parametrize(("bad", "column", "words"), BAD_ROWS)
@translation.override("en")
def test_one_bad_row_and_nothing_is_imported(directory_admin, bad, column, words):
    directory_import(file=csv_bytes([row(code=C3, name="已有")]), by=directory_admin, publish=True)
    before = snapshot()
    with pytest.raises(DirectoryImportError) as caught:
        directory_import(
            file=csv_bytes([row(code=C2, name="好的一行"), bad]), by=directory_admin, publish=True
        )
    assert snapshot() == before
    assert [(e.row, e.column) for e in caught.value.errors] == [(3, column)]
    assert words in str(caught.value.errors[0].message)


@translation.override("en")
def test_every_bad_row_is_listed_with_spreadsheet_numbers(directory_admin):
    rows = [
        row(),  # row 2
        row(code=C1, name="重复"),  # row 3: same code as row 2
        [],  # row 4: blank, skipped but counted
        row(code=C2, rating="AAAAAA", status="作废"),  # row 5: two errors
    ]
    before = snapshot()
    with pytest.raises(DirectoryImportError) as caught:
        directory_import(file=xlsx_bytes(rows), by=directory_admin)
    assert snapshot() == before
    assert [(e.row, e.column) for e in caught.value.errors] == [
        (3, "统一社会信用代码"),
        (5, "评估等级"),
        (5, "状态"),
    ]
    assert "row 2" in str(caught.value.errors[0].message)


def test_missing_header_column_is_reported_on_row_one(directory_admin):
    header = [h for h in HEADER if h != "服务类别"]
    with pytest.raises(DirectoryImportError) as caught:
        directory_import(file=csv_bytes([row()[:4] + row()[5:]], header=header), by=directory_admin)
    assert [(e.row, e.column) for e in caught.value.errors] == [(1, "服务类别")]


def test_only_directory_admins_import(supplier, purchaser):
    from accounts.exceptions import NotAllowed

    for user in (supplier, purchaser):
        with pytest.raises(NotAllowed):
            directory_import(file=csv_bytes([row()]), by=user)
    assert not DirectoryVersion.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_reimports_unchanged(directory_admin, fmt):
    directory_import(
        file=csv_bytes(
            [
                row(),
                row(code=C2, name="江门市颐年养老服务中心", cats="YL、ZC、LS", rating="", end="2031-3-1"),
                row(code=C3, name="江门市康园助残服务中心", status="撤销"),
            ]
        ),
        by=directory_admin,
        publish=True,
    )
    entry_suspend(organisation=Organisation.objects.get(credit_code=C1), reason="整改", by=directory_admin)
    from vendors.selectors import draft_version
    from vendors.services import version_publish

    v2 = version_publish(version=draft_version(), by=directory_admin)
    data = directory_export(version=v2, fmt=fmt)
    if fmt == "xlsx":
        ws = load_workbook(io.BytesIO(data)).active
        assert [c.value for c in ws[1]] == HEADER
        assert ws.max_row == 4
    else:
        assert data.startswith(b"\xef\xbb\xbf")
        lines = data.decode("utf-8-sig").splitlines()
        assert lines[0] == ",".join(HEADER)
        assert any("暂停" in line for line in lines)
    summary = directory_import(file=data, by=directory_admin)
    assert (summary.added, summary.changed, summary.unchanged) == (0, 0, 3)


def test_export_refuses_drafts_without_an_editor():
    from accounts.exceptions import DomainError

    draft = DirectoryVersion.objects.create(number=1)
    with pytest.raises(DomainError):
        directory_export(version=draft, fmt="csv")
