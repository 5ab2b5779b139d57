"""Every public list page with an export dataset links to its CSV and Excel export, carrying the
list's current filters; following the link gives the rows the page lists, filtered alike."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

import pytest
from django.urls import reverse

from procurement.selectors.tenders import TenderFilters, tender_public_queryset
from tests.portal.stats_data import world

pytestmark = pytest.mark.django_db


def export_links(page: str, dataset: str) -> dict[str, str]:
    """``{"csv": url, "xlsx": url}`` of the page's export links (HTML unescaped)."""
    links = dict(re.findall(rf'href="([^"]+)" data-export="{dataset}\.(csv|xlsx)"', page))
    return {fmt: html.unescape(url) for url, fmt in links.items()}


def csv_rows(client: Any, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))[1:]


def xlsx_ok(client: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_tender_list_links_its_export_with_the_filters(client: Any) -> None:
    data = world()
    department = data["departments"][1]
    page = client.get(reverse("procurement:tender_list") + f"?department={department.pk}&q=").content.decode()
    links = export_links(page, "tenders")
    assert (
        links["csv"] == reverse("portal:export", args=["tenders", "csv"]) + f"?department={department.pk}&q="
    )
    assert links["xlsx"].startswith(reverse("portal:export", args=["tenders", "xlsx"]) + "?")
    rows = csv_rows(client, links["csv"])
    expected = tender_public_queryset(TenderFilters(department=department.pk))
    assert [r[0] for r in rows] == [t.reference for t in expected]
    assert {r[2] for r in rows} == {department.name}
    xlsx_ok(client, links["xlsx"])
    # Unfiltered, the link has no query string; paging cursors are never carried.
    plain = export_links(
        client.get(reverse("procurement:tender_list") + "?after=abc").content.decode(), "tenders"
    )
    assert plain["csv"] == reverse("portal:export", args=["tenders", "csv"])


def test_directory_links_its_export_with_the_filters(client: Any) -> None:
    from tests.factories import OrganisationFactory
    from tests.portal.stats_data import china
    from tests.vendors.factories import entry_spec, published_version

    orgs = [OrganisationFactory(name=n) for n in ("江门市甲社工中心", "江门市乙养老服务中心")]
    old = published_version([entry_spec(orgs[0], "YL")], at=china(2026, 1, 5))
    published_version([entry_spec(o, "YL") for o in orgs], at=china(2026, 7, 5))
    page = client.get(reverse("vendors:directory") + "?q=养老&page=1").content.decode()
    links = export_links(page, "directory")
    assert links["csv"] == reverse("portal:export", args=["directory", "csv"]) + "?q=%E5%85%BB%E8%80%81"
    assert [r[1] for r in csv_rows(client, links["csv"])] == ["江门市乙养老服务中心"]
    xlsx_ok(client, links["xlsx"])
    # An earlier version's page has its own download, not the export of the directory in force.
    earlier = client.get(reverse("vendors:version_detail", args=[old.number])).content.decode()
    assert export_links(earlier, "directory") == {}


def test_evaluation_overview_links_its_export_with_the_filters(client: Any) -> None:
    from tests.evaluation.factories import World

    evaluations = World()
    first = evaluations.published(title="长者助餐服务评价")
    evaluations.published(title="社区矫正服务评价")
    page = client.get(reverse("evaluation:overview") + f"?year={first.published_at.year}").content.decode()
    links = export_links(page, "evaluations")
    assert (
        links["csv"]
        == reverse("portal:export", args=["evaluations", "csv"]) + f"?year={first.published_at.year}"
    )
    assert sorted(r[0] for r in csv_rows(client, links["csv"])) == ["社区矫正服务评价", "长者助餐服务评价"]
    other_year = first.published_at.year - 1
    page = client.get(reverse("evaluation:overview") + f"?year={other_year}").content.decode()
    assert csv_rows(client, export_links(page, "evaluations")["csv"]) == []
    xlsx_ok(client, links["xlsx"])
