"""Exports of the public lists: CSV and Excel, streamed, Chinese headers, the same rows as the list,
cells that no spreadsheet runs as formulas, and nothing sealed."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from portal.exports import DATASETS, safe_cell
from procurement.selectors.tenders import tender_public_queryset
from tests.portal.stats_data import world

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def data() -> dict[str, Any]:
    return world()


def _csv(client: Any, name: str, query: str = "") -> list[list[str]]:
    response = client.get(reverse("portal:export", args=[name, "csv"]) + query)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _xlsx(client: Any, name: str) -> list[list[Any]]:
    response = client.get(reverse("portal:export", args=[name, "xlsx"]))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+86 750", "'+86 750"),
        ("-rm", "'-rm"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("江门市民政局", "江门市民政局"),
        (D("-5.00"), D("-5.00")),  # a number stays a number
        (None, ""),
    ],
)
def test_safe_cell(value: Any, expected: Any) -> None:
    assert safe_cell(value) == expected


def test_tender_csv_equals_the_public_list(client: Any, data: dict[str, Any]) -> None:
    rows = _csv(client, "tenders")
    assert rows[0] == DATASETS["tenders"].headers
    assert rows[0][:3] == ["项目编号", "项目名称", "采购单位"]
    listed = list(tender_public_queryset())
    assert [r[0] for r in rows[1:]] == [t.reference for t in listed]  # same rows, same order
    assert data["draft"].reference not in {r[0] for r in rows}
    by_ref = {r[0]: r for r in rows[1:]}
    first = data["tenders"][0]
    assert by_ref[first.reference][1] == "'" + first.title  # formula defused
    assert by_ref[first.reference][5] == "300000.00"
    assert by_ref[first.reference][7] == "2025-03-01 10:00:00"  # Asia/Shanghai


def test_tender_export_applies_the_lists_filters(client: Any, data: dict[str, Any]) -> None:
    department = data["departments"][1]
    rows = _csv(client, "tenders", f"?department={department.pk}")
    assert {r[2] for r in rows[1:]} == {department.name}
    assert len(rows) - 1 == tender_public_queryset().filter(department=department).count() == 2


def test_awards_and_contracts_csv(client: Any, data: dict[str, Any]) -> None:
    awards = _csv(client, "awards")
    assert awards[0][4:7] == ["中标人", "统一社会信用代码", "中标金额（元）"]
    prices = sorted(D(r[6]) for r in awards[1:])
    assert prices == [D("190000.00"), D("280000.00"), D("450000.00")]  # rescinded one too, marked
    contracts = _csv(client, "contracts")
    assert [r[6] for r in contracts[1:]] == ["280000.00"]  # only the published contract


def test_nothing_sealed_in_any_export(client: Any, data: dict[str, Any]) -> None:
    sealed = data["sealed"]
    for name in DATASETS:
        text = "\n".join(",".join(r) for r in _csv(client, name))
        assert sealed.organisation.name not in text
        assert "9999999.99" not in text


def test_xlsx_opens_with_the_same_rows_as_the_csv(client: Any, data: dict[str, Any]) -> None:
    sheet = _xlsx(client, "tenders")
    rows = _csv(client, "tenders")
    assert [str(c) for c in sheet[0]] == rows[0]
    assert [r[0] for r in sheet[1:]] == [r[0] for r in rows[1:]]
    budgets = {r[0]: r[5] for r in sheet[1:]}
    assert budgets[data["tenders"][0].reference] == 300000  # a number, not text
    titles = {r[0]: r[1] for r in sheet[1:]}
    assert titles[data["tenders"][0].reference].startswith("'=")  # stored as text, not a formula


def test_directory_and_evaluations_exports(client: Any) -> None:
    from tests.evaluation.factories import World
    from tests.factories import OrganisationFactory
    from tests.portal.stats_data import china
    from tests.vendors.factories import entry_spec, published_version

    orgs = [OrganisationFactory(name=n) for n in ("江门市甲社工中心", "@江门市乙社工中心")]
    published_version([entry_spec(orgs[0], "YL")], at=china(2026, 1, 5))
    published_version([entry_spec(o, "YL") for o in orgs], at=china(2026, 7, 5))
    rows = _csv(client, "directory")
    assert rows[0][1] == "社会组织名称"
    assert sorted(r[1] for r in rows[1:]) == sorted(
        ["江门市甲社工中心", "'@江门市乙社工中心"]
    )  # current version
    assert all(r[3] for r in rows[1:])  # categories named
    evaluation = World().published()
    rows = _csv(client, "evaluations")
    assert rows[0] == ["项目", "承接主体", "采购单位", "服务类别", "得分", "等级", "发布时间"]
    assert [r[0] for r in rows[1:]] == [evaluation.title]
    assert D(rows[1][4]) == evaluation.score


def test_unknown_dataset_or_format_is_404(client: Any, db: Any) -> None:
    assert client.get(reverse("portal:export", args=["bids", "csv"])).status_code == 404
    assert client.get(reverse("portal:export", args=["tenders", "pdf"])).status_code == 404


def test_export_queries_do_not_grow_with_rows(client: Any, data: dict[str, Any]) -> None:
    """Rows are read as tuples through one query (no query per row for a related name or label)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from procurement.models import Tender

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            rows = _csv(client, "tenders")
        return len(rows), len(captured.captured_queries)

    count()  # warm: the filter form's cached choices and the page cache's generation are read once
    rows_before, queries_before = count()
    first = data["tenders"][0]
    Tender.objects.bulk_create(
        Tender(
            department=first.department,
            reference=f"JMEXQ-{n:04d}",
            title=f"增加的项目{n}",
            category=first.category,
            budget=D("1000.00") + n,
            published_at=first.published_at,
            bid_deadline=first.bid_deadline,
            opening_at=first.opening_at,
            status="published",
            created_by=first.created_by,
        )
        for n in range(60)
    )
    count()
    rows_after, queries_after = count()
    assert rows_after == rows_before + 60
    assert queries_after == queries_before
