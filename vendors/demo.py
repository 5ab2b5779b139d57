"""Demo organisations (the full directory arrives with the directory issue)."""

from __future__ import annotations

from django.utils import timezone
from stdnum.cn import uscc

from accounts.demo_support import DemoContext
from vendors.models import Organisation, OrganisationMembership


def demo_code(body: str) -> str:
    """A valid unified social credit code from its first 17 characters."""
    return body + uscc.calc_check_digit(body)


def seed(ctx: DemoContext) -> None:
    org, _ = Organisation.objects.update_or_create(
        credit_code=demo_code("52440703MJL000001"),
        defaults={
            "name": "江门市蓬江区启明社会工作服务中心",
            "legal_representative": "林启明",
            "registering_authority": "江门市蓬江区民政局",
            "address": "江门市蓬江区建设路 8 号",
        },
    )
    if not OrganisationMembership.objects.filter(user=ctx.shared["supplier"], organisation=org).exists():
        OrganisationMembership.objects.create(
            user=ctx.shared["supplier"],
            organisation=org,
            is_admin=True,
            status=OrganisationMembership.Status.APPROVED,
            decided_at=timezone.now(),
        )
    ctx.shared.setdefault("organisations", []).append(org)
    ctx.log(f"organisation {org.name} with supplier@example.org as its administrator")
