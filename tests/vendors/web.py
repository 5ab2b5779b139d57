"""A small world for the directory's page tests: one person per role, two supplier organisations,
a published version and its draft, a pending application and a pending first claim."""

from __future__ import annotations

from datetime import date
from typing import Any

from allauth.mfa.models import Authenticator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import AuditEntry, Role, User
from tests.factories import (
    DepartmentFactory,
    EvaluatorOrganisationFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.i18n import in_language
from tests.vendors.factories import category, china, entry_spec, published_version
from vendors.models import (
    DirectoryApplication,
    DirectoryEntry,
    DirectoryVersion,
    OrganisationMembership,
    ServiceCategory,
)

ROLES = (
    "anonymous",
    "supplier",
    "other_supplier",
    "purchaser",
    "directory_admin",
    "expert",
    "evaluator",
    "supervisor",
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "doc.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def with_mfa(user: User) -> User:
    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "x"}}
    )
    return user


class World:
    def __init__(self) -> None:
        department = DepartmentFactory(code="JMMZ", name="江门市民政局")
        self.organisation = OrganisationFactory(name="江门市蓬江区阳光社会工作服务中心")
        self.other_organisation = OrganisationFactory(name="江门市新会区启明社工服务中心")
        self.newcomer = OrganisationFactory(name="江门市江海区长者关爱协会")
        self.users: dict[str, User | None] = {"anonymous": None}
        self.users["supplier"] = UserFactory(role=Role.SUPPLIER, full_name="陈静")
        MembershipFactory(user=self.users["supplier"], organisation=self.organisation, is_admin=True)
        self.users["other_supplier"] = UserFactory(role=Role.SUPPLIER, full_name="王强")
        MembershipFactory(
            user=self.users["other_supplier"], organisation=self.other_organisation, is_admin=True
        )
        self.users["purchaser"] = UserFactory(role=Role.PURCHASER, department=department)
        self.users["directory_admin"] = with_mfa(
            UserFactory(role=Role.DIRECTORY_ADMIN, department=department)
        )
        self.users["expert"] = with_mfa(UserFactory(role=Role.EXPERT))
        self.users["evaluator"] = with_mfa(
            UserFactory(role=Role.EVALUATOR, evaluator_organisation=EvaluatorOrganisationFactory())
        )
        self.users["supervisor"] = UserFactory(role=Role.SUPERVISOR, department=department)
        self.v1 = published_version(
            [
                entry_spec(self.organisation, "YL", "SG", rating="4A"),
                entry_spec(self.other_organisation, "ZC", rating="3A"),
            ],
            at=china(2026, 1, 5),
        )

    @property
    def admin(self) -> User:
        user = self.users["directory_admin"]
        assert user is not None
        return user

    def client(self, role: str, language: str = "zh-hans") -> Client:
        client = in_language(Client(), language)
        user = self.users[role]
        if user is not None:
            client.force_login(user)
        return client

    def draft(self) -> DirectoryVersion:
        from vendors.services import version_draft

        return version_draft(by=self.admin)

    def application(self) -> DirectoryApplication:
        from vendors.services import application_submit

        supplier = self.users["supplier"]
        return application_submit(
            organisation=self.organisation,
            categories=[category("SQ")],
            documents=[
                ("registration_certificate", pdf("登记证书.pdf")),
                ("annual_inspection", pdf("年检.pdf")),
                ("financial_statements", pdf("财务报表.pdf")),
            ],
            by=supplier,
        )

    def first_claim(self) -> OrganisationMembership:
        from vendors.services import organisation_claim

        claimant = UserFactory(role=Role.SUPPLIER, full_name="赵敏")
        return organisation_claim(
            organisation=self.newcomer, by=claimant, message="我是负责人", certificate=pdf("证书.pdf")
        )


def state() -> tuple[Any, ...]:
    """Everything a directory page could change: compared before and after a refused request."""
    return (
        AuditEntry.objects.count(),
        list(DirectoryVersion.objects.order_by("pk").values_list("pk", "status", "note")),
        list(
            DirectoryEntry.objects.order_by("pk").values_list(
                "pk", "version_id", "status", "status_reason", "rating", "valid_from", "valid_to"
            )
        ),
        list(OrganisationMembership.objects.order_by("pk").values_list("pk", "status", "is_admin")),
        list(DirectoryApplication.objects.order_by("pk").values_list("pk", "status")),
        list(ServiceCategory.objects.order_by("pk").values_list("pk", "code", "name", "is_active")),
    )


def entry_of(version: DirectoryVersion, organisation: Any) -> DirectoryEntry:
    return DirectoryEntry.objects.get(version=version, organisation=organisation)


TODAY = date.today()
