"""Demo departments and one user per role (see ``seed_demo``)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings

from accounts.demo_support import DemoAccount, DemoContext
from accounts.models import Department, EvaluatorOrganisation, ExpertProfile, Role, User

DEPARTMENTS = [
    # code, name, parent code, region
    ("JMMZ", "江门市民政局", None, "江门市"),
    ("PJMZ", "蓬江区民政局", "JMMZ", "江门市蓬江区"),
    ("JHMZ", "江海区民政局", "JMMZ", "江门市江海区"),
    ("JMCZ", "江门市财政局", None, "江门市"),
]

EVALUATOR_ORGS = [
    ("江门市明德社会服务评估中心", "52440700MJL1234560"),
]


def demo_totp_secret(email: str) -> str:
    """A stable secret per demo account, so re-running seed_demo keeps phones' authenticators valid.

    Derived from this installation's SECRET_KEY rather than from the e-mail alone: a secret anyone
    could compute from the source code would make the demo's second factor no factor at all.
    """
    digest = hmac.new(settings.SECRET_KEY.encode(), f"govbuy-demo-totp:{email}".encode(), hashlib.sha256)
    return base64.b32encode(digest.digest()[:20]).decode()


def ensure_user(ctx: DemoContext, email: str, role: str, **fields: object) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, ctx.password, role=role, **fields)
    else:
        for name, value in fields.items():
            setattr(user, name, value)
        user.role = role
        user.set_password(ctx.password)
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    account = DemoAccount(email=email, role=role or "site administrator")
    if user.role_requires_mfa:
        account.totp_secret = ensure_totp(user)
    ctx.accounts.append(account)
    return user


def ensure_totp(user: User) -> str:
    secret = demo_totp_secret(user.email)
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None:
        TOTP.activate(user, secret)
    elif get_mfa_adapter().decrypt(totp.data["secret"]) != secret:
        totp.data["secret"] = get_mfa_adapter().encrypt(secret)
        totp.save(update_fields=["data"])
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists():
        RecoveryCodes.activate(user)
    return secret


def seed(ctx: DemoContext) -> None:
    departments: dict[str, Department] = {}
    for code, name, parent, region in DEPARTMENTS:
        dept, _ = Department.objects.update_or_create(
            code=code, defaults={"name": name, "parent": departments.get(parent or ""), "region": region}
        )
        departments[code] = dept
    evaluator_orgs = [
        EvaluatorOrganisation.objects.update_or_create(credit_code=code, defaults={"name": name})[0]
        for name, code in EVALUATOR_ORGS
    ]
    ctx.shared["departments"] = departments
    ctx.shared["evaluator_organisations"] = evaluator_orgs
    ctx.log(f"{len(departments)} departments, {len(evaluator_orgs)} evaluator organisation")

    jmmz = departments["JMMZ"]
    ctx.shared["purchaser"] = ensure_user(
        ctx,
        "purchaser@example.org",
        Role.PURCHASER,
        full_name="陈采购",
        department=jmmz,
        is_department_admin=True,
    )
    ensure_user(
        ctx,
        "purchaser2@example.org",
        Role.PURCHASER,
        full_name="李蓬江",
        department=departments["PJMZ"],
        is_department_admin=True,
    )
    ctx.shared["directory_admin"] = ensure_user(
        ctx, "directory@example.org", Role.DIRECTORY_ADMIN, full_name="黄目录", department=jmmz
    )
    ctx.shared["supervisor"] = ensure_user(
        ctx, "supervisor@example.org", Role.SUPERVISOR, full_name="周监督", department=departments["JMCZ"]
    )
    expert = ensure_user(ctx, "expert@example.org", Role.EXPERT, full_name="吴专家")
    ExpertProfile.objects.update_or_create(
        user=expert, defaults={"affiliation": "五邑大学政法学院", "title": "副教授"}
    )
    ctx.shared["expert"] = expert
    ctx.shared["evaluator"] = ensure_user(
        ctx,
        "evaluator@example.org",
        Role.EVALUATOR,
        full_name="郑评价",
        evaluator_organisation=evaluator_orgs[0],
    )
    ctx.shared["supplier"] = ensure_user(ctx, "supplier@example.org", Role.SUPPLIER, full_name="林社工")
    admin = User.objects.filter(email="admin@example.org").first()
    if admin is None:
        admin = User.objects.create_superuser(
            "admin@example.org", ctx.password, full_name="系统管理员", role=""
        )
    else:
        admin.set_password(ctx.password)
        admin.is_staff = admin.is_superuser = True
        admin.save()
    EmailAddress.objects.update_or_create(
        user=admin, email=admin.email, defaults={"verified": True, "primary": True}
    )
    ctx.accounts.append(
        DemoAccount(
            email=admin.email, role="site administrator", note="/admin/", totp_secret=ensure_totp(admin)
        )
    )
