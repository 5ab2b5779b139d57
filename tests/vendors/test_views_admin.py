"""Directory administrators' pages: who may use them (role × action, nothing changed on denial),
the draft and its entries, publishing with a confirmation step, import all or nothing, the review
queue, first claims and the category taxonomy; a published version refuses change through each."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEntry, Notification, Role
from tests.factories import UserFactory, valid_credit_code
from tests.vendors.factories import category
from tests.vendors.web import ROLES, World, entry_of, state
from vendors.models import (
    DirectoryApplication,
    DirectoryEntry,
    DirectoryVersion,
    Organisation,
    OrganisationMembership,
    ServiceCategory,
)
from vendors.services.transfer import COLUMNS

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return World()


def csv_upload(rows: list[list[str]], name: str = "目录.csv") -> SimpleUploadedFile:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"), content_type="text/csv")


def bad_check(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


GOOD_ROW = [
    valid_credit_code(501),
    "江门市颐年养老服务中心",
    "江门市民政局",
    "4A",
    "养老服务",
    "2026-01-01",
    "2030-12-31",
    "有效",
]


# --- Role × action ---------------------------------------------------------------------------------


@dataclass
class Action:
    name: str
    method: str
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] = lambda w: {}
    setup: Callable[[World], Any] = lambda w: None


ACTIONS = [
    Action("draft page", "GET", lambda w: reverse("vendors:draft"), setup=lambda w: w.draft()),
    Action("start draft", "POST", lambda w: reverse("vendors:draft_start"), lambda w: {"note": "第二批"}),
    Action("add entry form", "GET", lambda w: reverse("vendors:entry_create")),
    Action(
        "add entry",
        "POST",
        lambda w: reverse("vendors:entry_create"),
        lambda w: {
            "credit_code": w.newcomer.credit_code,
            "categories": [category("YL").pk],
            "rating": "3A",
            "valid_from": "2026-12-01",
            "valid_to": "2031-11-30",
        },
    ),
    Action(
        "suspend form",
        "GET",
        lambda w: reverse("vendors:entry_status", args=[w.draft_entry.pk, "suspend"]),
        setup=lambda w: setattr(w, "draft_entry", entry_of(w.draft(), w.organisation)),
    ),
    Action(
        "suspend",
        "POST",
        lambda w: reverse("vendors:entry_status", args=[w.draft_entry.pk, "suspend"]),
        lambda w: {"reason": "年检未通过", "on": "2026-11-01"},
        setup=lambda w: setattr(w, "draft_entry", entry_of(w.draft(), w.organisation)),
    ),
    Action(
        "revoke",
        "POST",
        lambda w: reverse("vendors:entry_status", args=[w.draft_entry.pk, "revoke"]),
        lambda w: {"reason": "重大违法", "on": "2026-11-01"},
        setup=lambda w: setattr(w, "draft_entry", entry_of(w.draft(), w.organisation)),
    ),
    Action(
        "edit entry",
        "POST",
        lambda w: reverse("vendors:entry_edit", args=[w.draft_entry.pk]),
        lambda w: {
            "categories": [category("YL").pk],
            "rating": "5A",
            "valid_from": "2026-01-01",
            "valid_to": "2031-12-31",
        },
        setup=lambda w: setattr(w, "draft_entry", entry_of(w.draft(), w.organisation)),
    ),
    Action(
        "publish confirmation",
        "GET",
        lambda w: reverse("vendors:publish", args=[2]),
        setup=lambda w: w.draft(),
    ),
    Action(
        "publish",
        "POST",
        lambda w: reverse("vendors:publish", args=[2]),
        lambda w: {"note": "第二批", "confirm": "on"},
        setup=lambda w: w.draft(),
    ),
    Action("import form", "GET", lambda w: reverse("vendors:import")),
    Action("import", "POST", lambda w: reverse("vendors:import"), lambda w: {"file": csv_upload([GOOD_ROW])}),
    Action(
        "application queue",
        "GET",
        lambda w: reverse("vendors:application_queue"),
        setup=lambda w: w.application(),
    ),
    Action("claim queue", "GET", lambda w: reverse("vendors:claim_queue"), setup=lambda w: w.first_claim()),
    Action("categories", "GET", lambda w: reverse("vendors:category_list")),
    Action(
        "add category",
        "POST",
        lambda w: reverse("vendors:category_create"),
        lambda w: {"code": "XL", "name": "心理服务", "sort_order": 50, "is_active": "on"},
    ),
    Action(
        "edit category",
        "POST",
        lambda w: reverse("vendors:category_edit", args=[category("YL").pk]),
        lambda w: {"code": "YL", "name": "养老服务", "name_en": "Elderly care", "sort_order": 1},
    ),
    Action(
        "approve application",
        "POST",
        lambda w: reverse("vendors:application_review", args=[w.app.pk]),
        lambda w: {
            "decision": "approve",
            "check_registered": "on",
            "check_annual_inspection": "on",
            "check_no_major_violation": "on",
            "check_tax_social_insurance": "on",
            "check_staff": "on",
        },
        setup=lambda w: setattr(w, "app", w.application()),
    ),
    Action(
        "approve first claim",
        "POST",
        lambda w: reverse("vendors:claim_decide", args=[w.claim.pk, "approve"]),
        setup=lambda w: setattr(w, "claim", w.first_claim()),
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_only_directory_administrators_use_the_administration_pages(world, role, action):
    action.setup(world)
    client = world.client(role)
    before = state()
    send = client.get if action.method == "GET" else client.post
    response = send(action.url(world), action.data(world))
    if role == "directory_admin":
        assert response.status_code in (200, 302), response.content[:500]
        if response.status_code == 302:
            assert not response["Location"].startswith("/accounts/")
        if action.method == "POST":
            assert state() != before  # the action happened
        return
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 403
    assert state() == before


def test_a_directory_administrator_without_totp_is_sent_to_set_it_up(world):
    admin = UserFactory(role=Role.DIRECTORY_ADMIN, department=world.admin.department)
    from django.test import Client

    client = Client()
    client.force_login(admin)
    response = client.get(reverse("vendors:draft"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


# --- The draft and its entries ---------------------------------------------------------------------


def test_the_draft_page_offers_only_the_transitions_each_entry_allows(world):
    draft = world.draft()
    from vendors.services import entry_suspend

    entry_suspend(organisation=world.other_organisation, reason="整改", by=world.admin)
    response = world.client("directory_admin").get(reverse("vendors:draft"))
    actions = {entry.organisation_id: a for entry, a in response.context["rows"]}
    assert actions[world.organisation.pk] == ["suspend", "revoke"]
    assert actions[world.other_organisation.pk] == ["revoke", "reinstate"]
    assert response.context["version"] == draft


def test_without_a_draft_the_page_starts_one(world):
    client = world.client("directory_admin")
    assert client.get(reverse("vendors:draft")).context["version"] is None
    client.post(reverse("vendors:draft_start"), {"note": "第二批"})
    draft = DirectoryVersion.objects.drafts().get()
    assert (draft.number, draft.note, draft.based_on) == (2, "第二批", world.v1)
    assert draft.entries.count() == 2


def test_adding_an_unregistered_organisation_registers_it_and_adds_its_entry(world):
    code = valid_credit_code(777)
    client = world.client("directory_admin")
    data = {
        "credit_code": code.lower(),
        "categories": [category("YL").pk, category("SQ").pk],
        "rating": "5A",
        "valid_from": "2026-12-01",
        "valid_to": "2031-11-30",
    }
    missing_name = client.post(reverse("vendors:entry_create"), data)
    assert missing_name.status_code == 200
    assert missing_name.context["form"].errors["name"]
    assert not Organisation.objects.filter(credit_code=code).exists()
    client.post(reverse("vendors:entry_create"), {**data, "name": "江门市颐康社工中心"})
    entry = DirectoryEntry.objects.get(organisation__credit_code=code)
    assert entry.version.is_draft
    assert (entry.rating, entry.status) == ("5A", DirectoryEntry.Status.IN_FORCE)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (bad_check(valid_credit_code(1)), "check character"),
        ("52440700", "18 characters"),
    ],
)
def test_a_bad_credit_code_is_explained(world, code, error):
    response = world.client("directory_admin", "en").post(
        reverse("vendors:entry_create"),
        {
            "credit_code": code,
            "categories": [category("YL").pk],
            "valid_from": "2026-12-01",
            "valid_to": "2031-1-1",
        },
    )
    assert error in " ".join(response.context["form"].errors["credit_code"])


def test_an_enterprise_is_refused_with_the_services_reason(world):
    company = Organisation.objects.create(credit_code=valid_credit_code(9, "9144070"), name="某某公司")
    response = world.client("directory_admin", "en").post(
        reverse("vendors:entry_create"),
        {
            "credit_code": company.credit_code,
            "categories": [category("YL").pk],
            "valid_from": "2026-12-01",
            "valid_to": "2031-11-30",
        },
    )
    assert "Only social organisations" in str(response.context["form"].errors)
    assert (
        not DirectoryVersion.objects.drafts().exists()
        or not DirectoryEntry.objects.filter(organisation=company).exists()
    )


def test_suspend_then_reinstate_through_the_pages_with_reason_and_date(world):
    client = world.client("directory_admin")
    entry = entry_of(world.draft(), world.organisation)
    url = reverse("vendors:entry_status", args=[entry.pk, "suspend"])
    assert client.post(url, {"reason": "", "on": "2026-11-01"}).context["form"].errors["reason"]
    client.post(url, {"reason": "年检未通过", "on": "2026-11-01"})
    entry.refresh_from_db()
    assert (entry.status, entry.status_reason, entry.status_date) == (
        "suspended",
        "年检未通过",
        date(2026, 11, 1),
    )
    # Suspending twice is refused by the state machine, with its reason on the form.
    again = client.post(url, {"reason": "再次", "on": "2026-11-02"})
    assert again.status_code == 200
    assert again.context["form"].errors
    client.post(
        reverse("vendors:entry_status", args=[entry.pk, "reinstate"]),
        {"reason": "整改完成", "on": "2026-11-20"},
    )
    entry.refresh_from_db()
    assert entry.status == DirectoryEntry.Status.IN_FORCE
    assert client.get(reverse("vendors:entry_status", args=[entry.pk, "explode"])).status_code == 404


@pytest.mark.parametrize("action", ["suspend", "revoke", "reinstate", "edit"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_published_entry_refuses_change_through_the_pages(world, action, method):
    world.draft()  # a draft exists: the refusal must not quietly change the draft's entry instead
    published = entry_of(world.v1, world.organisation)
    client = world.client("directory_admin")
    before = state()
    if action == "edit":
        url = reverse("vendors:entry_edit", args=[published.pk])
        data = {
            "categories": [category("JZ").pk],
            "rating": "1A",
            "valid_from": "2026-01-01",
            "valid_to": "2027-1-1",
        }
    else:
        url = reverse("vendors:entry_status", args=[published.pk, action])
        data = {"reason": "x", "on": "2026-11-01"}
    response = client.get(url) if method == "GET" else client.post(url, data)
    assert response.status_code == 409
    assert state() == before


def test_editing_an_entry_changes_categories_rating_and_validity_and_the_diff_shows_it(world):
    entry = entry_of(world.draft(), world.organisation)
    client = world.client("directory_admin", "en")
    url = reverse("vendors:entry_edit", args=[entry.pk])
    form = client.get(url).context["form"]
    assert sorted(form.initial["categories"]) == sorted(c.pk for c in entry.categories.all())
    backwards = {"categories": [category("YL").pk], "valid_from": "2031-01-01", "valid_to": "2030-01-01"}
    assert client.post(url, backwards).context["form"].errors
    client.post(
        url,
        {
            "categories": [category("YL").pk, category("JZ").pk],
            "rating": "5A",
            "valid_from": "2026-01-01",
            "valid_to": "2031-12-31",
        },
    )
    entry.refresh_from_db()
    assert (entry.rating, entry.valid_to) == ("5A", date(2031, 12, 31))
    assert sorted(c.code for c in entry.categories.all()) == ["JZ", "YL"]
    page = client.get(reverse("vendors:publish", args=[entry.version.number]))
    (row,) = page.context["rows"]
    assert {label for label, _b, _a in row["fields"]} == {"Rating", "Valid to", "Service categories"}


def test_a_published_version_cannot_be_published_again(world):
    client = world.client("directory_admin")
    before = state()
    response = client.post(reverse("vendors:publish", args=[1]), {"confirm": "on"})
    assert response.status_code == 409
    assert state() == before
    assert client.get(reverse("vendors:publish", args=[99])).status_code == 404


def test_publishing_shows_the_changes_then_needs_confirmation_and_tells_the_staff(
    world, django_capture_on_commit_callbacks
):
    from vendors.services import entry_revoke, entry_suspend

    draft = world.draft()
    entry_suspend(organisation=world.organisation, reason="年检未通过", by=world.admin)
    entry_revoke(organisation=world.other_organisation, reason="重大违法", by=world.admin)
    client = world.client("directory_admin")
    url = reverse("vendors:publish", args=[draft.number])
    page = client.get(url)
    assert len(page.context["diff"].changed) == 2
    assert "年检未通过" in page.content.decode()
    unconfirmed = client.post(url, {"note": "第二批"})
    assert unconfirmed.context["form"].errors["confirm"]
    draft.refresh_from_db()
    assert draft.is_draft
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"note": "第二批", "confirm": "on"})
    assert done["Location"] == reverse("vendors:version_detail", args=[draft.number])
    draft.refresh_from_db()
    assert draft.is_published
    assert draft.note == "第二批"
    kinds = dict(Notification.objects.values_list("recipient__email", "kind"))
    assert kinds[world.users["supplier"].email] == "directory.entry_suspended"
    assert kinds[world.users["other_supplier"].email] == "directory.entry_revoked"
    notice = Notification.objects.get(recipient=world.users["supplier"])
    assert notice.url == reverse("vendors:organisation_profile", args=[world.organisation.credit_code])


# --- Import ----------------------------------------------------------------------------------------


def test_import_puts_a_good_file_into_the_draft(world):
    response = world.client("directory_admin").post(
        reverse("vendors:import"), {"file": csv_upload([GOOD_ROW]), "note": "增补"}
    )
    assert response["Location"] == reverse("vendors:draft")
    draft = DirectoryVersion.objects.drafts().get()
    assert draft.entries.count() == 3


def test_import_with_publish_publishes(world):
    response = world.client("directory_admin").post(
        reverse("vendors:import"), {"file": csv_upload([GOOD_ROW]), "publish": "on"}
    )
    assert response["Location"] == reverse("vendors:version_detail", args=[2])
    assert DirectoryVersion.objects.get(number=2).is_published


def test_import_with_bad_rows_lists_every_error_and_saves_nothing(world):
    bad = [
        GOOD_ROW,
        [bad_check(valid_credit_code(502)), "坏校验", "", "", "养老服务", "2026-01-01", "2030-12-31", ""],
        [valid_credit_code(503), "未知类别", "", "", "星际旅行", "2026-01-01", "2030-12-31", ""],
        [valid_credit_code(504), "日期颠倒", "", "", "养老服务", "2031-01-01", "2030-12-31", ""],
        GOOD_ROW,  # the same code twice
        [valid_credit_code(505), "未知等级", "", "6A", "养老服务", "2026-01-01", "2030-12-31", ""],
        [valid_credit_code(506), "未知状态", "", "", "养老服务", "2026-01-01", "2030-12-31", "冻结"],
        [valid_credit_code(507), "", "", "", "养老服务", "2026-01-01", "2030-12-31", ""],  # missing name
    ]
    before = state()
    organisations = Organisation.objects.count()
    response = world.client("directory_admin", "en").post(
        reverse("vendors:import"), {"file": csv_upload(bad)}
    )
    assert response.status_code == 400
    rows = {e.row for e in response.context["errors"]}
    assert rows >= {3, 4, 5, 6, 7, 8, 9}
    body = response.content.decode()
    for row in (3, 4, 5, 6, 7, 8, 9):
        assert f'<td class="num">{row}</td>' in body
    assert "nothing was imported" in body
    assert state() == before
    assert Organisation.objects.count() == organisations
    assert not DirectoryVersion.objects.drafts().exists()


def test_import_of_a_file_that_is_not_a_table(world):
    before = state()
    response = world.client("directory_admin").post(
        reverse("vendors:import"), {"file": SimpleUploadedFile("x.csv", b"\x00\x01\x02garbage")}
    )
    assert response.status_code in (200, 400)
    assert response.context["form"].errors
    assert state() == before


# --- Applications ----------------------------------------------------------------------------------


def test_the_review_queue_and_approval_into_the_next_draft(world, django_capture_on_commit_callbacks):
    application = world.application()
    client = world.client("directory_admin")
    queue = client.get(reverse("vendors:application_queue"))
    assert list(queue.context["applications"]) == [application]
    detail = client.get(reverse("vendors:application_detail", args=[application.pk]))
    assert detail.context["can_review"] is True
    assert "登记证书.pdf" in detail.content.decode()
    url = reverse("vendors:application_review", args=[application.pk])
    incomplete = client.post(url, {"decision": "approve", "check_registered": "on"})
    assert incomplete.status_code == 400
    application.refresh_from_db()
    assert application.status == DirectoryApplication.Status.SUBMITTED
    assert application.check_registered is False  # nothing saved from a refused approval
    ticks = dict.fromkeys(
        (
            "check_registered",
            "check_annual_inspection",
            "check_no_major_violation",
            "check_tax_social_insurance",
            "check_staff",
        ),
        "on",
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "approve", **ticks})
    application.refresh_from_db()
    assert application.status == DirectoryApplication.Status.APPROVED
    assert application.version.is_draft
    assert entry_of(application.version, world.organisation).categories.get() == category("SQ")
    approved = Notification.objects.get(
        recipient=world.users["supplier"], kind="directory.application_approved"
    )
    assert approved.url == reverse("vendors:application_detail", args=[application.pk])
    # Decided: a second decision is refused and changes nothing.
    before = state()
    assert client.post(url, {"decision": "reject", "reason": "x"}).status_code == 409
    assert state() == before


def test_rejection_needs_a_reason_and_tells_the_applicant(world):
    application = world.application()
    client = world.client("directory_admin")
    url = reverse("vendors:application_review", args=[application.pk])
    assert client.post(url, {"decision": "reject"}).context["review_form"].errors["reason"]
    client.post(url, {"decision": "reject", "reason": "年检材料不全"})
    application.refresh_from_db()
    assert (application.status, application.decision_reason) == ("rejected", "年检材料不全")
    assert Notification.objects.filter(
        recipient=world.users["supplier"], kind="directory.application_rejected"
    ).exists()


# --- First claims ----------------------------------------------------------------------------------


def test_first_claims_show_the_certificate_and_are_decided_by_the_administrator(world):
    claim = world.first_claim()
    client = world.client("directory_admin")
    queue = client.get(reverse("vendors:claim_queue"))
    assert list(queue.context["claims"]) == [claim]
    certificate = client.get(reverse("vendors:claim_certificate", args=[claim.pk]))
    assert certificate.status_code == 200
    assert b"".join(certificate.streaming_content).startswith(b"%PDF")
    response = client.post(reverse("vendors:claim_decide", args=[claim.pk, "approve"]))
    assert response["Location"] == reverse("vendors:claim_queue")
    claim.refresh_from_db()
    assert (claim.status, claim.is_admin) == (OrganisationMembership.Status.APPROVED, True)


def test_a_first_claim_rejected_with_a_reason(world):
    claim = world.first_claim()
    client = world.client("directory_admin")
    client.post(reverse("vendors:claim_decide", args=[claim.pk, "reject"]), {"reason": ""})
    claim.refresh_from_db()
    assert claim.status == OrganisationMembership.Status.PENDING
    client.post(reverse("vendors:claim_decide", args=[claim.pk, "reject"]), {"reason": "证书与名称不符"})
    claim.refresh_from_db()
    assert (claim.status, claim.decision_reason) == ("rejected", "证书与名称不符")


def test_a_directory_administrator_does_not_decide_claims_of_organisations_with_an_admin(world):
    from vendors.services import organisation_claim

    claimant = UserFactory(role=Role.SUPPLIER)
    claim = organisation_claim(organisation=world.organisation, by=claimant)
    before = state()
    client = world.client("directory_admin")
    assert claim not in list(client.get(reverse("vendors:claim_queue")).context["claims"])
    assert client.post(reverse("vendors:claim_decide", args=[claim.pk, "approve"])).status_code == 403
    assert state() == before


# --- Categories ------------------------------------------------------------------------------------


def test_categories_are_added_renamed_and_deactivated(world):
    client = world.client("directory_admin")
    client.post(
        reverse("vendors:category_create"),
        {"code": "xl", "name": "心理服务", "sort_order": 50, "is_active": "on"},
    )
    created = ServiceCategory.objects.get(code="XL")
    assert created.is_active
    duplicate = client.post(
        reverse("vendors:category_create"), {"code": "XL", "name": "另一个", "sort_order": 1}
    )
    assert duplicate.context["form"].errors["code"]
    client.post(
        reverse("vendors:category_edit", args=[created.pk]),
        {"code": "XL", "name": "心理健康服务", "name_en": "Mental health", "sort_order": 51},
    )
    created.refresh_from_db()
    assert (created.name, created.name_en, created.is_active) == ("心理健康服务", "Mental health", False)
    assert AuditEntry.objects.filter(action="directory.category_update", object_id=str(created.pk)).exists()
    listing = client.get(reverse("vendors:category_list"))
    assert "心理健康服务" in listing.content.decode()


def test_a_category_in_a_published_version_keeps_its_code(world):
    client = world.client("directory_admin")
    yl = category("YL")
    response = client.post(
        reverse("vendors:category_edit", args=[yl.pk]),
        {"code": "YLX", "name": yl.name, "sort_order": 1, "is_active": "on"},
    )
    assert response.context["form"].errors["code"]
    yl.refresh_from_db()
    assert yl.code == "YL"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_administration_pages_render_in_both_languages(world, language):
    world.draft()
    world.application()
    world.first_claim()
    client = world.client("directory_admin", language)
    for url in (
        reverse("vendors:draft"),
        reverse("vendors:entry_create"),
        reverse("vendors:publish", args=[2]),
        reverse("vendors:import"),
        reverse("vendors:application_queue"),
        reverse("vendors:claim_queue"),
        reverse("vendors:category_list"),
        reverse("vendors:category_create"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert (
            "目录管理" if language == "zh-hans" else "Directory administration"
        ) in response.content.decode()


def test_administration_lists_make_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    from tests.factories import OrganisationFactory
    from vendors.services import entry_add

    world.draft()
    for organisation in OrganisationFactory.create_batch(60):
        entry_add(
            organisation=organisation,
            categories=[category("YL"), category("SG")],
            valid_from=date(2026, 1, 1),
            valid_to=date(2030, 12, 31),
            by=world.admin,
        )
    world.application()
    client = world.client("directory_admin")
    client.get(reverse("vendors:draft"))  # warm the session
    with django_assert_max_num_queries(14):
        page = client.get(reverse("vendors:draft"))
    assert len(page.context["rows"]) == 50
    with django_assert_max_num_queries(12):
        client.get(reverse("vendors:application_queue"))


def test_import_accepts_an_xlsx_upload_and_its_export_round_trips(world):
    client = world.client("directory_admin")
    exported = client.get(reverse("vendors:version_export", args=[1, "xlsx"])).content
    upload = SimpleUploadedFile("第1批.xlsx", exported)
    response = client.post(reverse("vendors:import"), {"file": upload, "note": "原样导入"})
    assert response["Location"] == reverse("vendors:draft")
    page = client.get(reverse("vendors:publish", args=[2]))
    assert page.context["diff"].is_empty
    assert page.context["diff"].unchanged_count == 2
