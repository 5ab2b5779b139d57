"""Versions and entries: drafts copy the published directory, status transitions, publishing by
directory administrators only, and a published version that refuses every change."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.exceptions import DomainError, NotAllowed
from accounts.models import AuditEntry, Role
from tests.factories import OrganisationFactory, UserFactory
from tests.vendors.factories import category, china, entry_spec, published_version
from vendors.exceptions import PublishedVersionError
from vendors.models import DirectoryEntry, DirectoryEntryCategory, DirectoryVersion
from vendors.selectors import current_version, version_diff
from vendors.services import (
    entry_add,
    entry_reinstate,
    entry_revoke,
    entry_suspend,
    entry_update,
    version_draft,
    version_publish,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganisationFactory()


@pytest.fixture
def published(org):
    return published_version([entry_spec(org, "YL", "ZC")], at=china(2026, 1, 5))


def test_draft_copies_the_latest_published_version(directory_admin, published, org):
    draft = version_draft(by=directory_admin)
    assert (draft.number, draft.based_on, draft.status) == (2, published, "draft")
    copy = DirectoryEntry.objects.get(version=draft)
    assert copy.organisation == org
    assert sorted(c.code for c in copy.categories.all()) == ["YL", "ZC"]
    assert version_draft(by=directory_admin) == draft  # one draft: "the next version"


def test_add_then_publish_makes_a_new_version(directory_admin, published):
    newcomer = OrganisationFactory()
    entry_add(
        organisation=newcomer,
        categories=[category("SG")],
        valid_from=date(2026, 3, 1),
        valid_to=date(2031, 2, 28),
        rating="3A",
        by=directory_admin,
    )
    v2 = version_publish(version=DirectoryVersion.objects.drafts().get(), by=directory_admin, note="增补")
    assert v2.is_published
    assert v2.published_by == directory_admin
    assert current_version() == v2
    diff = version_diff(published, v2)
    assert [c.organisation_id for c in diff.added] == [newcomer.pk]
    assert diff.unchanged_count == 1
    assert AuditEntry.objects.filter(action="directory.version_publish", object_id=str(v2.pk)).exists()


def test_entry_add_refuses_non_social_organisations(directory_admin):
    from tests.factories import valid_credit_code

    company = OrganisationFactory(credit_code=valid_credit_code(3, "9144070"))
    with pytest.raises(DomainError):
        entry_add(
            organisation=company,
            categories=[category("YL")],
            valid_from=date(2026, 1, 1),
            valid_to=date(2027, 1, 1),
            by=directory_admin,
        )


# --- status × transition matrix --------------------------------------------------------------------
TRANSITIONS = {"suspend": entry_suspend, "revoke": entry_revoke, "reinstate": entry_reinstate}
ALLOWED = {
    ("in_force", "suspend"): "suspended",
    ("in_force", "revoke"): "revoked",
    ("suspended", "revoke"): "revoked",
    ("suspended", "reinstate"): "in_force",
}


@pytest.mark.parametrize("status", ["in_force", "suspended", "revoked"])
@pytest.mark.parametrize("transition", ["suspend", "revoke", "reinstate"])
def test_status_transition_matrix(directory_admin, org, status, transition):
    published_version([entry_spec(org, "YL", status=status, reason="前因")], at=china(2026, 1, 5))
    service = TRANSITIONS[transition]
    target = ALLOWED.get((status, transition))
    if target is None:
        with pytest.raises(DomainError):
            service(organisation=org, reason="原因", by=directory_admin)
        # the whole service rolled back: no draft was left behind
        assert list(DirectoryEntry.objects.values_list("version__number", "status")) == [(1, status)]
        return
    entry = service(organisation=org, reason="原因", by=directory_admin, on=date(2026, 2, 2))
    assert (entry.status, entry.status_reason, entry.status_date) == (target, "原因", date(2026, 2, 2))
    assert entry.version.is_draft
    assert DirectoryEntry.objects.get(version__number=1).status == status  # published one unchanged
    assert AuditEntry.objects.filter(action=f"directory.entry_{transition}").exists()


def test_status_change_needs_a_reason(directory_admin, org, published):
    with pytest.raises(DomainError):
        entry_suspend(organisation=org, reason="  ", by=directory_admin)


def test_status_change_of_an_organisation_not_listed(directory_admin, published):
    with pytest.raises(DomainError):
        entry_revoke(organisation=OrganisationFactory(), reason="x", by=directory_admin)


# --- who publishes (role × action) -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.DIRECTORY_ADMIN, True),
        (Role.PURCHASER, False),
        (Role.SUPPLIER, False),
        (Role.SUPERVISOR, False),
        (Role.EXPERT, False),
        (Role.EVALUATOR, False),
        ("superuser", False),
    ],
)
def test_only_directory_admins_publish(directory_admin, org, role, allowed):
    entry_add(
        organisation=org,
        categories=[category("YL")],
        valid_from=date(2026, 1, 1),
        valid_to=date(2030, 1, 1),
        by=directory_admin,
    )
    draft = DirectoryVersion.objects.drafts().get()
    if role == "superuser":
        user = UserFactory(role="", is_superuser=True, is_staff=True)
    else:
        traits = {
            "purchaser": {"purchaser": True},
            "supervisor": {"supervisor": True},
            "evaluator": {"evaluator": True},
            "directory_admin": {"directory_admin": True},
        }
        user = UserFactory(role=role, **traits.get(role, {}))
    if allowed:
        assert version_publish(version=draft, by=user).is_published
    else:
        with pytest.raises(NotAllowed):
            version_publish(version=draft, by=user)
        draft.refresh_from_db()
        assert draft.is_draft
        assert draft.published_at is None


@pytest.mark.parametrize("role", [Role.PURCHASER, Role.SUPPLIER])
def test_only_directory_admins_change_the_draft(org, published, role, department):
    user = UserFactory(role=role, department=department if role == Role.PURCHASER else None)
    with pytest.raises(NotAllowed):
        entry_suspend(organisation=org, reason="x", by=user)
    with pytest.raises(NotAllowed):
        version_draft(by=user)
    assert not DirectoryVersion.objects.drafts().exists()


# --- a published version never changes -------------------------------------------------------------
# Service, model/queryset/m2m and admin site are covered here. The REST API arrives with a later
# issue; it must write through these services, so the model-level refusals below cover it too.
def test_published_version_refuses_service_changes(directory_admin, published):
    entry = DirectoryEntry.objects.get(version=published)
    with pytest.raises(PublishedVersionError):
        version_publish(version=published, by=directory_admin)
    with pytest.raises(PublishedVersionError):
        entry_update(entry=entry, rating="5A", by=directory_admin)
    from vendors.services import version_discard

    with pytest.raises(PublishedVersionError):
        version_discard(version=published, by=directory_admin)
    entry.refresh_from_db()
    assert entry.rating == "4A"


def test_published_version_refuses_model_and_queryset_changes(published):
    entry = DirectoryEntry.objects.get(version=published)
    version = DirectoryVersion.objects.get(pk=published.pk)
    version.note = "改写"
    refusals = [
        lambda: version.save(),
        lambda: version.delete(),
        lambda: DirectoryVersion.objects.filter(pk=published.pk).update(note="x"),
        lambda: DirectoryVersion.objects.all().delete(),
        lambda: entry.save(),
        lambda: entry.delete(),
        lambda: DirectoryEntry.objects.filter(version=published).update(rating="1A"),
        lambda: DirectoryEntry.objects.filter(version=published).delete(),
        lambda: DirectoryEntry.objects.bulk_create(
            [
                DirectoryEntry(
                    version=published,
                    organisation=OrganisationFactory(),
                    organisation_name="x",
                    valid_from=date(2026, 1, 1),
                    valid_to=date(2027, 1, 1),
                )
            ]
        ),
        lambda: DirectoryEntry.objects.bulk_update([entry], ["rating"]),
        lambda: entry.categories.add(category("XF")),
        lambda: entry.categories.clear(),
        lambda: category("YL").directory_entries.clear(),
        lambda: DirectoryEntryCategory.objects.filter(entry=entry).delete(),
        lambda: DirectoryEntryCategory.objects.create(entry=entry, category=category("XF")),
        lambda: DirectoryVersion.objects.filter(pk=published.pk).only("number").get().save(),
    ]
    for refuse in refusals:
        # Each in its own savepoint: Django's m2m add() runs without one, so a refusal there
        # (rightly) spoils the surrounding transaction.
        with pytest.raises(PublishedVersionError), transaction.atomic():
            refuse()
    entry = DirectoryEntry.objects.get(version=published)
    assert entry.rating == "4A"
    assert sorted(c.code for c in entry.categories.all()) == ["YL", "ZC"]
    assert DirectoryVersion.objects.get(pk=published.pk).note == ""


def test_categories_in_use_cannot_be_deleted(published):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        category("YL").delete()


def test_admin_site_refuses_changes_to_a_published_version(client, published):
    admin = UserFactory(role="", is_superuser=True, is_staff=True)
    client.force_login(admin)
    entry = DirectoryEntry.objects.get(version=published)
    change_entry = reverse("admin:vendors_directoryentry_change", args=[entry.pk])
    response = client.post(change_entry, {"rating": "1A", "organisation_name": "改名"})
    assert response.status_code == 403
    response = client.post(reverse("admin:vendors_directoryentry_delete", args=[entry.pk]), {"post": "yes"})
    assert response.status_code == 403
    response = client.post(
        reverse("admin:vendors_directoryversion_change", args=[published.pk]), {"note": "x"}
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:vendors_directoryversion_delete", args=[published.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    # the change page still shows the entry, read-only
    assert client.get(change_entry).status_code == 200
    entry.refresh_from_db()
    assert (entry.rating, entry.organisation_name) == ("4A", published.entries.get().organisation_name)
    assert DirectoryVersion.objects.filter(pk=published.pk).exists()


# --- notifications ---------------------------------------------------------------------------------
def test_publishing_tells_staff_whose_entry_changed_status(directory_admin, org, published):
    from accounts.models import Notification
    from tests.factories import MembershipFactory

    staff = MembershipFactory(organisation=org).user
    bystander = MembershipFactory().user
    entry_suspend(organisation=org, reason="限期整改", by=directory_admin)
    assert not Notification.objects.filter(recipient=staff).exists()  # not before it is published
    v2 = version_publish(version=DirectoryVersion.objects.drafts().get(), by=directory_admin)
    note = Notification.objects.get(recipient=staff)
    assert note.kind == "directory.entry_suspended"
    assert note.params == {"organisation": org.name, "version": v2.number, "reason": "限期整改"}
    assert not Notification.objects.filter(recipient=bystander).exists()

    entry_reinstate(organisation=org, reason="整改完成", by=directory_admin)
    version_publish(version=DirectoryVersion.objects.drafts().get(), by=directory_admin)
    assert list(
        Notification.objects.filter(recipient=staff).order_by("pk").values_list("kind", flat=True)
    ) == [
        "directory.entry_suspended",
        "directory.entry_reinstated",
    ]
