"""Public directory pages: the directory in force with search and filters, versions and their diffs,
exports, organisation profiles; bounded queries and both languages."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts import navigation
from tests.factories import OrganisationFactory
from tests.i18n import in_english
from tests.vendors.factories import category, china, entry_spec, published_version
from tests.vendors.web import ROLES, World
from vendors import profile
from vendors.models import DirectoryEntry
from vendors.services.transfer import COLUMNS

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("vendors:directory")


@pytest.fixture
def world() -> World:
    return World()


def names(response) -> list[str]:
    return [e.organisation_name for e in response.context["page"].object_list]


def test_the_directory_shows_the_latest_published_version_to_anyone(world, client: Client):
    v2 = published_version(
        [entry_spec(world.organisation, "YL", status=DirectoryEntry.Status.SUSPENDED, reason="年检未通过")],
        at=china(2026, 3, 1),
    )
    response = client.get(DIRECTORY)
    assert response.status_code == 200
    assert response.context["version"] == v2
    assert names(response) == [world.organisation.name]
    assert "年检未通过" in response.content.decode()


def test_search_by_name_or_code_and_filters(world, client: Client):
    org_name, other = world.organisation.name, world.other_organisation.name
    assert names(client.get(DIRECTORY, {"q": "阳光"})) == [org_name]
    assert names(client.get(DIRECTORY, {"q": world.other_organisation.credit_code.lower()})) == [other]
    assert names(client.get(DIRECTORY, {"category": category("ZC").pk})) == [other]
    assert names(client.get(DIRECTORY, {"rating": "4A"})) == [org_name]
    assert names(client.get(DIRECTORY, {"status": "suspended"})) == []
    assert sorted(names(client.get(DIRECTORY, {"status": "in_force"}))) == sorted([org_name, other])


def test_a_bad_filter_value_shows_everything_with_the_error(world, client: Client):
    response = client.get(DIRECTORY, {"rating": "9Z"})
    assert response.status_code == 200
    assert response.context["form"].errors["rating"]
    assert len(names(response)) == 2


def test_the_directory_is_paginated_with_bounded_queries(client: Client, django_assert_max_num_queries, db):
    organisations = OrganisationFactory.create_batch(120)
    published_version([entry_spec(o, "YL", "SG") for o in organisations], at=china(2026, 1, 5))
    with django_assert_max_num_queries(8):
        first = client.get(DIRECTORY)
    assert len(first.context["page"].object_list) == 50
    with django_assert_max_num_queries(8):
        last = client.get(DIRECTORY, {"page": 3, "category": category("SG").pk})
    assert len(last.context["page"].object_list) == 20
    assert 'href="?category=' in last.content.decode()  # the page links keep the filters


def test_without_a_published_version_the_page_says_so(client: Client, db):
    response = client.get(DIRECTORY)
    assert response.status_code == 200
    assert response.context["version"] is None


def test_versions_list_and_an_old_version_as_published(world, client: Client):
    v2 = published_version([entry_spec(world.organisation, "YL")], at=china(2026, 3, 1))
    listing = client.get(reverse("vendors:version_list"))
    assert [v.number for v, _prev in listing.context["pairs"]] == [2, 1]
    assert listing.context["pairs"][0][0].entry_count == 1
    old = client.get(reverse("vendors:version_detail", args=[world.v1.number]))
    assert len(names(old)) == 2
    assert old.context["is_current"] is False
    assert client.get(reverse("vendors:version_detail", args=[v2.number])).context["is_current"] is True


def test_a_draft_is_not_a_public_version(world, client: Client):
    draft = world.draft()
    assert client.get(reverse("vendors:version_detail", args=[draft.number])).status_code == 404
    assert client.get(reverse("vendors:version_diff", args=[draft.number])).status_code == 404
    assert client.get(reverse("vendors:version_export", args=[draft.number, "csv"])).status_code == 404


def test_the_diff_shows_added_removed_and_every_kind_of_change(world, django_assert_max_num_queries):
    client = world.client("anonymous", "en")
    newcomer, third = world.newcomer, OrganisationFactory(name="江门市第三社工中心")
    v2 = published_version(
        [
            entry_spec(
                world.organisation,
                "YL",
                "SQ",
                rating="5A",
                status=DirectoryEntry.Status.SUSPENDED,
                reason="年检未通过",
                valid_to=date(2031, 6, 30),
            ),
            entry_spec(third, "SG"),
        ],
        at=china(2026, 3, 1),
    )
    published_version([entry_spec(newcomer, "YL")], at=china(2026, 4, 1))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("vendors:version_diff", args=[v2.number]))
    assert response.status_code == 200
    diff = response.context["diff"]
    assert [c.name for c in diff.added] == [third.name]
    assert [c.name for c in diff.removed] == [world.other_organisation.name]
    (row,) = response.context["rows"]
    changed = {label: (before, after) for label, before, after in row["fields"]}
    assert changed["Status"] == ("In force", "Suspended")
    assert changed["Rating"] == ("4A", "5A")
    assert changed["Valid to"] == ("2030-12-31", "2031-06-30")
    assert changed["Service categories"][1].count("、") == 1
    assert "Valid from" not in changed
    body = response.content.decode()
    assert "年检未通过" in body
    assert third.name in body
    # Compared with an explicit earlier version.
    third_version = client.get(reverse("vendors:version_diff", args=[3]), {"from": 1})
    assert [c.name for c in third_version.context["diff"].added] == [newcomer.name]
    assert client.get(reverse("vendors:version_diff", args=[1]), {"from": 3}).status_code == 404
    assert client.get(reverse("vendors:version_diff", args=[3]), {"from": "x"}).status_code == 404


def test_the_first_version_diff_lists_everything_as_added(world, client: Client):
    response = client.get(reverse("vendors:version_diff", args=[1]))
    assert len(response.context["diff"].added) == 2


@pytest.mark.parametrize("role", ROLES)
def test_export_of_a_published_version_in_both_formats_for_anyone(world, role):
    client = world.client(role)
    response = client.get(reverse("vendors:version_export", args=[1, "csv"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="directory-v1.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == COLUMNS
    assert {r[0] for r in rows[1:]} == {world.organisation.credit_code, world.other_organisation.credit_code}
    xlsx = client.get(reverse("vendors:version_export", args=[1, "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 3
    assert client.get(reverse("vendors:version_export", args=[1, "pdf"])).status_code == 404


def test_the_draft_exports_only_for_directory_administrators(world):
    draft = world.draft()
    url = reverse("vendors:version_export", args=[draft.number, "xlsx"])
    assert world.client("directory_admin").get(url).status_code == 200
    for role in ("anonymous", "supplier", "purchaser", "supervisor"):
        assert world.client(role).get(url).status_code == 404


def test_the_profile_shows_the_directory_history_and_the_record_placeholder(world, client: Client):
    published_version(
        [entry_spec(world.organisation, "YL", status=DirectoryEntry.Status.REVOKED, reason="重大违法")],
        at=china(2026, 3, 1),
    )
    response = client.get(
        reverse("vendors:organisation_profile", args=[world.organisation.credit_code.lower()])
    )
    assert response.status_code == 200
    assert [e.version.number for e in response.context["history"]] == [2, 1]
    assert response.context["current_entry"].status == DirectoryEntry.Status.REVOKED
    body = response.content.decode()
    assert "重大违法" in body
    assert 'id="grades"' in body  # the performance section evaluation registers (vendors.profile)


def test_the_profile_of_an_organisation_never_listed(world, client: Client):
    response = client.get(reverse("vendors:organisation_profile", args=[world.newcomer.credit_code]))
    assert response.status_code == 200
    assert response.context["history"] == []
    assert client.get(reverse("vendors:organisation_profile", args=["X" * 18])).status_code == 404


def test_later_apps_add_profile_sections(world, client: Client, tmp_path, settings):
    template_dir = tmp_path / "templates"
    (template_dir / "t").mkdir(parents=True)
    (template_dir / "t" / "record.html").write_text("RECORD {{ organisation.name }} {{ data.grade }}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [str(template_dir), *settings.TEMPLATES[0]["DIRS"]]}
    ]
    profile.register_section("performance", "Performance", "t/record.html", lambda o: {"grade": "优"})
    try:
        body = client.get(reverse("vendors:organisation_profile", args=[world.organisation.credit_code]))
        assert f"RECORD {world.organisation.name} 优" in body.content.decode()
        assert 'id="record"' not in body.content.decode()
    finally:
        profile._sections.pop("performance")


@pytest.mark.parametrize(
    ("language", "heading", "status"),
    [("zh-hans", "资质目录", "有效"), ("en", "Qualification directory", "In force")],
)
def test_both_languages_render(world, language, heading, status):
    client = world.client("anonymous", language)
    for url in (
        DIRECTORY,
        reverse("vendors:version_list"),
        reverse("vendors:version_diff", args=[1]),
        reverse("vendors:organisation_profile", args=[world.organisation.credit_code]),
    ):
        assert client.get(url).status_code == 200
    body = client.get(DIRECTORY).content.decode()
    assert heading in body
    assert status in body


def test_navigation_entries_by_role(world):
    def labels(role: str) -> list[str]:
        from django.contrib.auth.models import AnonymousUser

        user = world.users[role] or AnonymousUser()
        return [i["url_name"] for i in navigation.items_for(user)]

    assert "vendors:directory" in labels("anonymous")
    assert "vendors:my_organisation" in labels("supplier")
    assert "vendors:my_organisation" not in labels("purchaser")
    assert "vendors:draft" in labels("directory_admin")
    assert "vendors:draft" not in labels("supplier")


@pytest.mark.parametrize("role", ROLES)
def test_public_pages_are_open_to_every_role(world, role):
    client = world.client(role)
    for url in (
        DIRECTORY,
        reverse("vendors:version_list"),
        reverse("vendors:version_detail", args=[1]),
        reverse("vendors:version_diff", args=[1]),
        reverse("vendors:organisation_profile", args=[world.organisation.credit_code]),
    ):
        assert client.get(url).status_code == 200, url


def test_a_large_diff_is_shown_in_part(client: Client, db):
    organisations = OrganisationFactory.create_batch(305)
    published_version([entry_spec(o, "YL") for o in organisations], at=china(2026, 1, 5))
    response = in_english(client).get(reverse("vendors:version_diff", args=[1]))
    assert len(response.context["diff"].added) == 305
    assert "and 5 more" in response.content.decode()
