"""Supplier pages: claiming an organisation, my organisation and its staff, applying to the
directory with documents, the application's status, and the private files behind permission checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Notification, Role
from tests.factories import OrganisationFactory, UserFactory, valid_credit_code
from tests.vendors.factories import category
from tests.vendors.web import ROLES, World, pdf, state
from vendors.models import (
    ApplicationDocument,
    DirectoryApplication,
    Organisation,
    OrganisationMembership,
)
from vendors.services import organisation_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return World()


def staff_claim(world: World) -> OrganisationMembership:
    """A colleague asks to act for the supplier's organisation (which has an admin)."""
    colleague = UserFactory(role=Role.SUPPLIER, full_name="刘洋")
    return organisation_claim(
        organisation=world.organisation, by=colleague, message="社工部", certificate=pdf("证书.pdf")
    )


def application_data(**extra: Any) -> dict[str, Any]:
    return {
        "categories": [category("SQ").pk, category("YL").pk],
        "statement": "社工 12 人",
        "registration_certificate": pdf("登记证书.pdf"),
        "annual_inspection": pdf("年检结论.pdf"),
        "financial_statements": pdf("财务报表.pdf"),
        **extra,
    }


# --- Role × action ---------------------------------------------------------------------------------


@dataclass
class Action:
    name: str
    method: str
    url: Callable[[World], str]
    allowed: set[str]
    data: Callable[[World], dict[str, Any]] = lambda w: {}
    setup: Callable[[World], Any] = lambda w: None
    changes: bool = field(default=True)


def _setup_application(w: World) -> None:
    w.app = w.application()
    w.document = w.app.documents.first()


def _setup_staff_claim(w: World) -> None:
    w.claim = staff_claim(w)


ACTIONS = [
    Action(
        "my organisation", "GET", lambda w: reverse("vendors:my_organisation"), {"supplier", "other_supplier"}
    ),
    Action("claim form", "GET", lambda w: reverse("vendors:claim"), {"supplier", "other_supplier"}),
    Action(
        "claim",
        "POST",
        lambda w: reverse("vendors:claim"),
        {"supplier", "other_supplier"},
        lambda w: {"credit_code": w.newcomer.credit_code, "certificate": pdf("证书.pdf")},
    ),
    Action(
        "edit organisation",
        "POST",
        lambda w: reverse("vendors:organisation_edit", args=[w.organisation.pk]),
        {"supplier"},
        lambda w: {"contact_phone": "0750-3333333", "description": "长者服务"},
    ),
    Action(
        "application form",
        "GET",
        lambda w: reverse("vendors:application_create", args=[w.organisation.pk]),
        {"supplier"},
    ),
    Action(
        "apply",
        "POST",
        lambda w: reverse("vendors:application_create", args=[w.organisation.pk]),
        {"supplier"},
        lambda w: application_data(),
    ),
    Action(
        "application status",
        "GET",
        lambda w: reverse("vendors:application_detail", args=[w.app.pk]),
        {"supplier", "directory_admin"},
        setup=_setup_application,
    ),
    Action(
        "application document",
        "GET",
        lambda w: reverse("vendors:application_document", args=[w.app.pk, w.document.pk]),
        {"supplier", "directory_admin"},
        setup=_setup_application,
    ),
    Action(
        "withdraw",
        "POST",
        lambda w: reverse("vendors:application_withdraw", args=[w.app.pk]),
        {"supplier"},
        setup=_setup_application,
    ),
    Action(
        "approve staff claim",
        "POST",
        lambda w: reverse("vendors:claim_decide", args=[w.claim.pk, "approve"]),
        {"supplier"},
        setup=_setup_staff_claim,
    ),
    Action(
        "reject staff claim",
        "POST",
        lambda w: reverse("vendors:claim_decide", args=[w.claim.pk, "reject"]),
        {"supplier"},
        lambda w: {"reason": "不认识此人"},
        setup=_setup_staff_claim,
    ),
    Action(
        "claim certificate",
        "GET",
        lambda w: reverse("vendors:claim_certificate", args=[w.claim.pk]),
        {"supplier", "directory_admin"},
        setup=_setup_staff_claim,
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_supplier_pages_role_matrix(world, role, action):
    action.setup(world)
    client = world.client(role)
    before = state()
    send = client.get if action.method == "GET" else client.post
    response = send(action.url(world), action.data(world))
    if role in action.allowed:
        assert response.status_code in (200, 302), response.content[:500]
        if response.status_code == 302:
            assert not response["Location"].startswith("/accounts/")
        if action.method == "POST":
            assert state() != before
        return
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 403
    assert state() == before


# --- Claims ----------------------------------------------------------------------------------------


def test_a_first_claim_needs_the_registration_certificate(world):
    client = world.client("other_supplier", "en")
    response = client.post(reverse("vendors:claim"), {"credit_code": world.newcomer.credit_code})
    assert "registration certificate" in " ".join(response.context["form"].errors["certificate"])
    assert not OrganisationMembership.objects.filter(organisation=world.newcomer).exists()
    client.post(reverse("vendors:claim"), {"credit_code": world.newcomer.credit_code, "certificate": pdf()})
    claim = OrganisationMembership.objects.get(organisation=world.newcomer)
    assert claim.status == OrganisationMembership.Status.PENDING
    assert claim.certificate.name.startswith("private/")
    # The directory administrators are asked to decide it.
    assert Notification.objects.filter(recipient=world.admin, kind="organisation.claim_submitted").exists()


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "check character"), ("zh-hans", None)],
)
def test_credit_code_errors_in_the_users_language(world, language, expected):
    from django.utils import translation

    code = valid_credit_code(42)
    bad = code[:-1] + ("1" if code[-1] != "1" else "2")
    client = world.client("supplier", language)
    response = client.post(reverse("vendors:claim"), {"credit_code": bad})
    message = " ".join(response.context["form"].errors["credit_code"])
    with translation.override(language):
        from django.core.exceptions import ValidationError

        from vendors.models import validate_credit_code

        with pytest.raises(ValidationError) as exc:
            validate_credit_code(bad)
        assert message == exc.value.messages[0]
    if expected:
        assert expected in message
    else:
        assert "check character" not in message


def test_claiming_an_unregistered_organisation_registers_it(world):
    code = valid_credit_code(888)
    client = world.client("other_supplier")
    response = client.post(reverse("vendors:claim"), {"credit_code": code.lower(), "certificate": pdf()})
    assert response.context["form"].errors["name"]
    assert not Organisation.objects.filter(credit_code=code).exists()
    client.post(
        reverse("vendors:claim"), {"credit_code": code, "name": "江门市新成立社工中心", "certificate": pdf()}
    )
    organisation = Organisation.objects.get(credit_code=code)
    assert organisation.memberships.get().user == world.users["other_supplier"]


def test_the_organisation_admin_approves_a_colleague_on_my_organisation(world):
    claim = staff_claim(world)
    client = world.client("supplier")
    page = client.get(reverse("vendors:my_organisation"))
    (item,) = page.context["organisations"]
    assert claim in item["members"]
    assert reverse("vendors:claim_decide", args=[claim.pk, "approve"]) in page.content.decode()
    response = client.post(reverse("vendors:claim_decide", args=[claim.pk, "approve"]))
    assert response["Location"] == reverse("vendors:my_organisation")
    claim.refresh_from_db()
    assert (claim.status, claim.is_admin) == (OrganisationMembership.Status.APPROVED, False)
    assert Notification.objects.filter(recipient=claim.user, kind="organisation.claim_approved").exists()
    # The colleague sees the organisation, without the staff list an admin sees.
    colleague = world.client("anonymous")
    colleague.force_login(claim.user)
    (their,) = colleague.get(reverse("vendors:my_organisation")).context["organisations"]
    assert their["members"] == []


def test_my_organisation_shows_the_directory_status_with_bounded_queries(
    world, django_assert_max_num_queries
):
    for _ in range(5):
        staff_claim(world)
    client = world.client("supplier")
    with django_assert_max_num_queries(14):
        page = client.get(reverse("vendors:my_organisation"))
    (item,) = page.context["organisations"]
    assert item["entry"].version == world.v1
    assert len(item["members"]) == 6


def test_the_organisation_admin_edits_contact_details_not_the_identity(world):
    client = world.client("supplier")
    url = reverse("vendors:organisation_edit", args=[world.organisation.pk])
    assert client.post(url, {"contact_email": "not-an-email"}).context["form"].errors["contact_email"]
    client.post(
        url,
        {
            "contact_phone": "0750-3333333",
            "description": "为蓬江区长者提供居家养老服务",
            "legal_representative": "冒名",
            "name": "别的名字",
        },
    )
    world.organisation.refresh_from_db()
    assert world.organisation.contact_phone == "0750-3333333"
    assert world.organisation.legal_representative != "冒名"
    assert world.organisation.name == "江门市蓬江区阳光社会工作服务中心"
    profile = world.client("anonymous").get(
        reverse("vendors:organisation_profile", args=[world.organisation.credit_code])
    )
    assert "为蓬江区长者提供居家养老服务" in profile.content.decode()
    # A plain member (not the organisation's admin) may not.
    colleague = staff_claim(world)
    from vendors.services import claim_approve

    claim_approve(membership=colleague, by=world.users["supplier"])
    other = world.client("anonymous")
    other.force_login(colleague.user)
    assert other.post(url, {"contact_phone": "1"}).status_code == 403


# --- Applications ----------------------------------------------------------------------------------


def test_apply_with_documents_then_follow_the_status(world, django_capture_on_commit_callbacks):
    client = world.client("supplier")
    url = reverse("vendors:application_create", args=[world.organisation.pk])
    missing = client.post(url, application_data(annual_inspection=""))
    assert missing.context["form"].errors["annual_inspection"]
    rating_without_certificate = client.post(url, application_data(rating="4A"))
    assert rating_without_certificate.context["form"].errors["rating_certificate"]
    assert not DirectoryApplication.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, application_data(rating="4A", rating_certificate=pdf("评估证书.pdf")))
    application = DirectoryApplication.objects.get()
    assert response["Location"] == reverse("vendors:application_detail", args=[application.pk])
    kinds = sorted(application.documents.values_list("kind", flat=True))
    assert kinds == [
        "annual_inspection",
        "financial_statements",
        "rating_certificate",
        "registration_certificate",
    ]
    assert all(d.file.name.startswith("private/") for d in application.documents.all())
    status_page = client.get(response["Location"])
    assert "已提交" in status_page.content.decode() or "Submitted" in status_page.content.decode()
    assert status_page.context["can_withdraw"] is True
    assert status_page.context["can_review"] is False
    assert Notification.objects.filter(recipient=world.admin, kind="directory.application_submitted").exists()


def test_a_second_application_while_one_waits_is_refused_on_the_form(world):
    world.application()
    response = world.client("supplier", "en").post(
        reverse("vendors:application_create", args=[world.organisation.pk]), application_data()
    )
    assert "already waiting" in str(response.context["form"].errors)
    assert DirectoryApplication.objects.count() == 1


def test_an_enterprise_cannot_apply(world):
    company = OrganisationFactory(credit_code=valid_credit_code(7, "9144070"), name="某某科技有限公司")
    from tests.factories import MembershipFactory

    MembershipFactory(user=world.users["supplier"], organisation=company, is_admin=True)
    client = world.client("supplier", "en")
    page = client.get(reverse("vendors:my_organisation"))
    can_apply = {i["organisation"].pk: i["can_apply"] for i in page.context["organisations"]}
    assert can_apply == {world.organisation.pk: True, company.pk: False}
    response = client.post(reverse("vendors:application_create", args=[company.pk]), application_data())
    assert "Only social organisations" in str(response.context["form"].errors)
    assert not DirectoryApplication.objects.exists()


def test_documents_are_served_only_through_the_permission_checked_view(world, settings):
    application = world.application()
    document = application.documents.get(kind="registration_certificate")
    url = reverse("vendors:application_document", args=[application.pk, document.pk])
    response = world.client("supplier").get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert (
        "登记证书.pdf" in response["Content-Disposition"] or "filename*=" in response["Content-Disposition"]
    )
    assert response["Cache-Control"] == "private, no-store"
    # Not under the media URL, and a document of another application is not reachable by swapping ids.
    assert world.client("supplier").get(settings.MEDIA_URL + document.file.name).status_code == 404
    other = OrganisationFactory()
    from tests.factories import MembershipFactory

    MembershipFactory(user=world.users["other_supplier"], organisation=other)
    assert world.client("other_supplier").get(url).status_code == 403
    wrong_pair = reverse("vendors:application_document", args=[application.pk, 999999])
    assert world.client("supplier").get(wrong_pair).status_code == 404
    assert ApplicationDocument.objects.count() == 3


def test_withdrawing_an_application(world):
    application = world.application()
    client = world.client("supplier")
    client.post(reverse("vendors:application_withdraw", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == DirectoryApplication.Status.WITHDRAWN
    again = client.post(reverse("vendors:application_withdraw", args=[application.pk]), follow=True)
    assert again.status_code == 200
    application.refresh_from_db()
    assert application.status == DirectoryApplication.Status.WITHDRAWN


def test_the_applicant_reads_the_rejection_reason(world):
    from vendors.services import application_reject

    application = world.application()
    application_reject(application=application, reason="财务报表未经审计", by=world.admin)
    client = world.client("supplier")
    assert (
        "财务报表未经审计"
        in client.get(reverse("vendors:application_detail", args=[application.pk])).content.decode()
    )
    assert "财务报表未经审计" in client.get(reverse("vendors:my_organisation")).content.decode()


@pytest.mark.parametrize(("language", "heading"), [("zh-hans", "我的组织"), ("en", "My organisation")])
def test_supplier_pages_render_in_both_languages(world, language, heading):
    application = world.application()
    client = world.client("supplier", language)
    assert heading in client.get(reverse("vendors:my_organisation")).content.decode()
    for url in (
        reverse("vendors:claim"),
        reverse("vendors:application_create", args=[world.organisation.pk]),
        reverse("vendors:application_detail", args=[application.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_large_uploads_are_refused_before_the_service(world, settings):
    from vendors import forms

    big = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (forms.MAX_UPLOAD_BYTES + 1))
    response = world.client("supplier").post(
        reverse("vendors:application_create", args=[world.organisation.pk]),
        application_data(financial_statements=big),
    )
    assert response.context["form"].errors["financial_statements"]
    assert not DirectoryApplication.objects.exists()
