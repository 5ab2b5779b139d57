"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import factory
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from stdnum.cn import uscc

from accounts.models import Department, EvaluatorOrganisation, ExpertProfile, Role, User
from vendors.models import Organisation, OrganisationMembership

PASSWORD = "correct-horse-battery-9"


def valid_credit_code(n: int, prefix: str = "5244070") -> str:
    """A valid unified social credit code: prefix + a 10-digit serial + its check character."""
    body = f"{prefix}{n:010d}"[:17]
    return body + uscc.calc_check_digit(body)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试区民政局{n}")
    code = factory.Sequence(lambda n: f"TD{n:03d}")


class EvaluatorOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluatorOrganisation

    name = factory.Sequence(lambda n: f"第三方评估中心{n}")
    credit_code = factory.Sequence(lambda n: valid_credit_code(n, "5244079"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.SUPPLIER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            if obj.is_superuser:
                # Site administrators must use MFA (accounts.middleware); the factory's have enrolled.
                TOTP.activate(obj, generate_totp_secret())

    class Params:
        purchaser = factory.Trait(role=Role.PURCHASER, department=factory.SubFactory(DepartmentFactory))
        directory_admin = factory.Trait(
            role=Role.DIRECTORY_ADMIN, department=factory.SubFactory(DepartmentFactory)
        )
        supervisor = factory.Trait(role=Role.SUPERVISOR, department=factory.SubFactory(DepartmentFactory))
        expert = factory.Trait(role=Role.EXPERT)
        evaluator = factory.Trait(
            role=Role.EVALUATOR, evaluator_organisation=factory.SubFactory(EvaluatorOrganisationFactory)
        )
        supplier = factory.Trait(role=Role.SUPPLIER)


class ExpertProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExpertProfile

    user = factory.SubFactory(UserFactory, expert=True)
    affiliation = "五邑大学"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    credit_code = factory.Sequence(lambda n: valid_credit_code(n))
    name = factory.Sequence(lambda n: f"江门市测试社会工作服务中心{n}")
    legal_representative = factory.Sequence(lambda n: f"法人{n}")
    registering_authority = "江门市民政局"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationMembership

    user = factory.SubFactory(UserFactory, supplier=True)
    organisation = factory.SubFactory(OrganisationFactory)
    status = OrganisationMembership.Status.APPROVED
    is_admin = False
