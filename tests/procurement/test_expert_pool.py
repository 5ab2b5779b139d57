"""The expert pool pages: role × action (list, add, edit, relations), the set-password e-mail, and
that what the pages record is what the committee draw reads."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, ExpertProfile, Role, User
from procurement.models import ExpertRelation, ExpertSpeciality
from procurement.services.committee import expert_candidates
from tests.factories import DepartmentFactory, EvaluatorOrganisationFactory, ExpertProfileFactory, UserFactory
from tests.i18n import in_english
from tests.procurement.award_setup import (
    category,
    english,  # noqa: F401 (autouse: messages in English)
    enterprise,
    make_tender,
)
from vendors.models import ServiceCategory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "supervisor",
    "site_admin",
    "purchaser",
    "supplier",
    "expert",
    "directory_admin",
    "evaluator",
]
MANAGERS = {"supervisor", "site_admin"}


@pytest.fixture(autouse=True)
def _no_mfa_enrolment(settings: Any) -> None:
    settings.GOVBUY_MFA_REQUIRED_ROLES = []


def user_for(role: str) -> Any:
    if role == "anonymous":
        return None
    if role == "site_admin":
        return UserFactory(role=Role.SUPERVISOR, department=DepartmentFactory(), is_superuser=True)
    if role in ("supervisor", "purchaser", "directory_admin"):
        return UserFactory(role=role, department=DepartmentFactory())
    if role == "evaluator":
        return UserFactory(role=Role.EVALUATOR, evaluator_organisation=EvaluatorOrganisationFactory())
    return UserFactory(role=role)


def client_for(user: Any) -> Client:
    c = in_english()
    if user is not None:
        c.force_login(user)
    return c


def refused(response: Any, user: Any) -> bool:
    return response.status_code == 403 if user is not None else response.status_code == 302


@pytest.mark.parametrize("role", ROLES)
def test_list_and_add_role_matrix(role: str, django_capture_on_commit_callbacks: Any) -> None:
    user = user_for(role)
    cat = category()
    client = client_for(user)
    listing = client.get(reverse("procurement:expert_list"))
    data = {
        "email": "Li.Expert@example.test",
        "full_name": "李专家",
        "affiliation": "五邑大学",
        "title": "教授",
        "categories": [cat.pk],
    }
    before = AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("procurement:expert_create"), data)
    if role in MANAGERS:
        assert listing.status_code == 200
        profile = ExpertProfile.objects.get(user__email="li.expert@example.test")
        assert response.status_code == 302
        assert response["Location"] == reverse("procurement:expert_edit", args=[profile.pk])
        assert profile.user.role == Role.EXPERT
        assert not profile.user.has_usable_password()
        assert list(profile.specialities.values_list("category_id", flat=True)) == [cat.pk]
        assert AuditEntry.objects.filter(action="expert.create").exists()
        (message,) = mail.outbox
        assert message.to == ["li.expert@example.test"]
        assert "/password/reset/key/" in message.body
        # The new expert is a candidate for draws in the category.
        tender = make_tender()
        assert profile.pk in {c.expert_id for c in expert_candidates(tender)}
    else:
        assert refused(listing, user)
        assert refused(response, user)
        assert not User.objects.filter(email="li.expert@example.test").exists()
        assert AuditEntry.objects.count() == before
        assert not mail.outbox


@pytest.mark.parametrize("role", ROLES)
def test_edit_and_relations_role_matrix(role: str) -> None:
    user = user_for(role)
    expert = ExpertProfileFactory(affiliation="五邑大学")
    cat = category()
    other = ServiceCategory.objects.exclude(pk=cat.pk).first() or ServiceCategory.objects.create(
        code="ZC", name="助残服务"
    )
    ExpertSpeciality.objects.create(expert=expert, category=cat)
    org = enterprise()
    url = reverse("procurement:expert_edit", args=[expert.pk])
    client = client_for(user)
    page = client.get(url)
    before = AuditEntry.objects.count()
    r1 = client.post(
        url,
        {
            "action": "profile",
            "affiliation": "江门职业技术学院",
            "title": "副教授",
            "declared_relations": "",
            "is_active": "1",
            "categories": [other.pk],
        },
    )
    r2 = client.post(
        url,
        {"action": "relation_add", "kind": "employee", "credit_code": org.credit_code, "note": "兼职顾问"},
    )
    expert.refresh_from_db()
    if role in MANAGERS:
        assert page.status_code == 200
        assert r1.status_code == r2.status_code == 302
        assert expert.affiliation == "江门职业技术学院"
        assert expert.in_pool is False  # the box was not ticked: out of future draws
        assert set(expert.specialities.values_list("category_id", flat=True)) == {other.pk}
        relation = ExpertRelation.objects.get(expert=expert)
        assert relation.organisation == org
        r3 = client.post(url, {"action": "relation_end", "relation": relation.pk, "ended_on": "2025-06-30"})
        assert r3.status_code == 302
        relation.refresh_from_db()
        assert str(relation.ended_on) == "2025-06-30"
        assert set(
            AuditEntry.objects.filter(
                object_id=str(expert.pk), object_type="accounts.expertprofile"
            ).values_list("action", flat=True)
        ) >= {"expert.update", "expert.specialities", "expert.relation_add", "expert.relation_end"}
    else:
        assert refused(page, user)
        assert refused(r1, user)
        assert refused(r2, user)
        assert expert.affiliation == "五邑大学"
        assert expert.in_pool is True
        assert list(expert.specialities.values_list("category_id", flat=True)) == [cat.pk]
        assert not ExpertRelation.objects.exists()
        assert AuditEntry.objects.count() == before


def test_a_recorded_relation_keeps_the_expert_out_of_the_draw() -> None:
    """What the page records is what the draw reads: the relation excludes the expert."""
    from procurement.committee import draw_experts
    from procurement.services.committee import tender_bidders
    from tests.procurement.award_setup import make_bid

    supervisor = user_for("supervisor")
    tender = make_tender()
    bid = make_bid(tender, "800000.00")
    expert = ExpertProfileFactory(affiliation="五邑大学")
    ExpertSpeciality.objects.create(expert=expert, category=tender.category)
    client_for(supervisor).post(
        reverse("procurement:expert_edit", args=[expert.pk]),
        {"action": "relation_add", "kind": "director", "credit_code": bid.organisation.credit_code},
    )
    result = draw_experts(
        candidates=expert_candidates(tender), bidders=tender_bidders(tender), count=0, seed=1
    )
    assert expert.pk in result.excluded


def test_an_unknown_credit_code_or_missing_party_is_refused_with_a_message() -> None:
    supervisor = user_for("supervisor")
    expert = ExpertProfileFactory()
    url = reverse("procurement:expert_edit", args=[expert.pk])
    response = client_for(supervisor).post(
        url, {"action": "relation_add", "kind": "employee", "credit_code": "91440700XXXXXXXXXX"}, follow=True
    )
    assert "No organisation has this credit code." in response.content.decode()
    response = client_for(supervisor).post(url, {"action": "relation_add", "kind": "kin"}, follow=True)
    assert "Name the organisation or the person." in response.content.decode()
    assert not ExpertRelation.objects.exists()
