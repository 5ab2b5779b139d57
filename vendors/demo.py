"""Demo organisations and a published qualification directory of realistic size (idempotent).

Modelled on the Jiangmen programme (seed/jiangmen-da-minzheng-2016.txt): 189 qualified social
organisations in the first published version, social-work agencies, elderly-care and disability
service providers across the city's districts. A second version adds a few organisations, suspends
one and revokes one, so the version diff has something to show. One social organisation is
registered but not listed (it has a pending application), and one enterprise is registered.

``ctx.shared`` gains: ``organisations`` (the supplier's organisation first), ``categories`` (by
code), ``directory_versions`` ([first, second]), ``directory_organisations``,
``organisation_outside_directory``, ``enterprise``, ``suspended_organisation``,
``revoked_organisation``.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.utils import timezone
from stdnum.cn import uscc

from accounts.audit import audit_record
from accounts.demo_support import DemoContext
from vendors.models import (
    ApplicationDocument,
    DirectoryApplication,
    DirectoryEntry,
    DirectoryEntryCategory,
    DirectoryVersion,
    DocumentKind,
    Organisation,
    OrganisationMembership,
    ServiceCategory,
)

CHINA = ZoneInfo("Asia/Shanghai")
FIRST_PUBLISHED = datetime(2025, 6, 16, 10, 0, tzinfo=CHINA)
SECOND_PUBLISHED = datetime(2026, 9, 1, 10, 0, tzinfo=CHINA)
DEMO_PDF = (
    b"%PDF-1.4\n% GovBuy demo document\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

# district, division code, registering authority
DISTRICTS = [
    ("蓬江区", "440703", "江门市蓬江区民政局"),
    ("江海区", "440704", "江门市江海区民政局"),
    ("新会区", "440705", "江门市新会区民政局"),
    ("台山市", "440781", "台山市民政局"),
    ("开平市", "440783", "开平市民政局"),
    ("鹤山市", "440784", "鹤山市民政局"),
    ("恩平市", "440785", "恩平市民政局"),
]
STEMS = [
    "启明", "仁爱", "康乐", "颐年", "同心", "阳光", "彩虹", "乐龄", "侨乡", "五邑", "圭峰", "潭江", "白沙",
    "北街", "紫茶", "慈心", "善德", "春晖", "和谐", "德馨", "福寿", "明德", "弘毅", "博爱", "惠民", "恒爱",
    "金桥", "青藤", "向日葵", "益心", "众行", "长青", "安康", "康园", "爱心", "连心", "友和", "悦群", "睿思",
    "朗晴",
]  # fmt: skip
# name suffix, credit-code prefix (52 social service organisation, 51 social group), categories
KINDS = [
    ("社会工作服务中心", "52", ["SG", "SQ"]),
    ("社工服务社", "52", ["SG", "JZ"]),
    ("居家养老服务中心", "52", ["YL", "SQ"]),
    ("长者服务中心", "52", ["YL"]),
    ("助残服务中心", "52", ["ZC"]),
    ("康园服务中心", "52", ["ZC", "SG"]),
    ("家庭综合服务中心", "52", ["JT", "SQ", "SG"]),
    ("青少年服务中心", "52", ["QS", "LS"]),
    ("社会工作协会", "51", ["SG", "GY"]),
    ("义工联合会", "51", ["SQ", "GY"]),
]
EXTRA_CATEGORIES = ["JZ", "LS", "XF", "JX", "JD", "YW", "YL", "ZC"]
FIRST_BATCH = 189
SECOND_BATCH_NEW = 6


def demo_code(body: str) -> str:
    """A valid unified social credit code from its first 17 characters."""
    return body + uscc.calc_check_digit(body)


SUPPLIER_ORG_CODE = demo_code("52440703MJL000001")
OUTSIDE_ORG_CODE = demo_code("52440704MJL900001")
ENTERPRISE_CODE = demo_code("91440700MA4W00001")
CLAIMABLE_ORG_SERIAL = 2  # a listed organisation nobody acts for yet: supplier2 claims it


def _directory_organisations() -> list[dict[str, str]]:
    """195 deterministic organisations (names, codes, legal representatives, categories)."""
    rng = random.Random(2016)  # noqa: S311 (demo data, reproducible on purpose)
    surnames = "陈李黄梁林张吴何谭甄司徒余伍邝关冯周区胡钟"
    given = ["嘉欣", "志强", "丽华", "伟明", "慧敏", "国荣", "晓彤", "少芬", "锦辉", "美玲", "振华", "婉仪"]
    people = []
    seen: set[str] = set()
    for n in range(FIRST_BATCH + SECOND_BATCH_NEW):
        district, division, authority = DISTRICTS[n % len(DISTRICTS)]
        stem = STEMS[(n * 7) % len(STEMS)]
        suffix, prefix, categories = KINDS[(n // len(DISTRICTS)) % len(KINDS)]
        city = "江门市" if district.endswith("区") else ""
        name = f"{city}{district}{stem}{suffix}"
        if name in seen:
            name = f"{city}{district}{stem}{'二' if name + '二' not in seen else '三'}{suffix}"
        seen.add(name)
        serial = n + 1
        body = f"{prefix}{division}MJL{serial:06d}"
        extra = rng.sample(EXTRA_CATEGORIES, rng.choice([0, 0, 1, 1, 2]))
        people.append(
            {
                "credit_code": demo_code(body),
                "name": name,
                "registering_authority": authority,
                "legal_representative": rng.choice(surnames) + rng.choice(given),
                "address": f"江门市{district}{rng.choice(['建设路', '港口路', '白沙大道', '江海路', '冈州大道'])}{rng.randint(1, 300)}号",
                "categories": ",".join(dict.fromkeys(categories + extra)),
                "rating": rng.choice(["5A", "4A", "4A", "3A", "3A", "3A", "", ""]),
                "valid_from": (date(2024, 1, 1) + timedelta(days=rng.randrange(0, 500))).isoformat(),
            }
        )
    # The supplier's organisation keeps the name and code it had before the directory existed.
    people[0].update(
        credit_code=SUPPLIER_ORG_CODE,
        name="江门市蓬江区启明社会工作服务中心",
        legal_representative="林启明",
        address="江门市蓬江区建设路 8 号",
        categories="SG,YL,SQ,LS",
        rating="4A",
    )
    return people


def _ensure_organisations(specs: list[dict[str, str]]) -> dict[str, Organisation]:
    codes = [s["credit_code"] for s in specs]
    existing = Organisation.objects.in_bulk(codes, field_name="credit_code")
    Organisation.objects.bulk_create(
        [
            Organisation(
                credit_code=s["credit_code"],
                name=s["name"],
                registering_authority=s["registering_authority"],
                legal_representative=s["legal_representative"],
                address=s["address"],
                contact_phone=f"0750-3{int(s['credit_code'][11:17]):06d}"[:12],
            )
            for s in specs
            if s["credit_code"] not in existing
        ],
        batch_size=500,
    )
    return Organisation.objects.in_bulk(codes, field_name="credit_code")


def _build_version(
    number: int,
    published_at: datetime,
    note: str,
    rows: Sequence[tuple[Organisation, dict[str, str], str, str]],
    categories: dict[str, ServiceCategory],
    by: Any,
    based_on: DirectoryVersion | None = None,
) -> DirectoryVersion:
    """A version with ``rows`` (organisation, spec, status, reason), published at ``published_at``."""
    version = DirectoryVersion.objects.create(number=number, note=note, based_on=based_on, created_by=by)
    entries = []
    for org, spec, status, reason in rows:
        start = date.fromisoformat(spec["valid_from"])
        entries.append(
            DirectoryEntry(
                version=version,
                organisation=org,
                organisation_name=org.name,
                registering_authority=org.registering_authority,
                rating=spec["rating"],
                valid_from=start,
                valid_to=start.replace(year=start.year + 5) - timedelta(days=1),
                status=status,
                status_reason=reason,
                status_date=published_at.date() if reason else start,
            )
        )
    DirectoryEntry.objects.bulk_create(entries, batch_size=500)
    DirectoryEntryCategory.objects.bulk_create(
        [
            DirectoryEntryCategory(entry=entry, category=categories[code])
            for entry, (_org, spec, _s, _r) in zip(entries, rows, strict=True)
            for code in spec["categories"].split(",")
        ],
        batch_size=1000,
    )
    version.publish(by=by, at=published_at)
    version.save()
    audit_record(
        actor=by,
        action="directory.version_publish",
        obj=version,
        summary={"number": number, "entries": len(entries), "note": note, "demo": True},
    )
    return version


def _seed_directory(
    ctx: DemoContext,
    specs: list[dict[str, str]],
    orgs: dict[str, Organisation],
    categories: dict[str, ServiceCategory],
) -> None:
    admin = ctx.shared.get("directory_admin")
    first_rows = [
        (orgs[s["credit_code"]], s, DirectoryEntry.Status.IN_FORCE, "") for s in specs[:FIRST_BATCH]
    ]
    first = _build_version(
        1,
        FIRST_PUBLISHED,
        "江门市具备承接政府职能转移和购买服务资质的社会组织目录（第一批，189 家）",
        first_rows,
        categories,
        admin,
    )
    second_rows = []
    for org, spec, _status, _reason in first_rows:
        if org.credit_code == specs[5]["credit_code"]:
            second_rows.append(
                (org, spec, DirectoryEntry.Status.SUSPENDED, "年度检查结论为基本合格，限期整改")
            )
        elif org.credit_code == specs[11]["credit_code"]:
            second_rows.append(
                (org, spec, DirectoryEntry.Status.REVOKED, "近三年内有重大违法记录，撤销承接资质")
            )
        elif org.credit_code == specs[20]["credit_code"]:
            second_rows.append((org, dict(spec, rating="5A"), DirectoryEntry.Status.IN_FORCE, ""))
        else:
            second_rows.append((org, spec, DirectoryEntry.Status.IN_FORCE, ""))
    second_rows += [
        (orgs[s["credit_code"]], s, DirectoryEntry.Status.IN_FORCE, "") for s in specs[FIRST_BATCH:]
    ]
    second = _build_version(
        2,
        SECOND_PUBLISHED,
        "第二批：新增 6 家；暂停 1 家、撤销 1 家；1 家评估等级调整为 5A",
        second_rows,
        categories,
        admin,
        based_on=first,
    )
    ctx.log(f"directory versions {first.number} and {second.number} ({len(second_rows)} organisations)")


def _seed_outsiders(
    ctx: DemoContext, categories: dict[str, ServiceCategory]
) -> tuple[Organisation, Organisation]:
    outside, _ = Organisation.objects.get_or_create(
        credit_code=OUTSIDE_ORG_CODE,
        defaults={
            "name": "江门市江海区新苗青少年服务中心",
            "legal_representative": "谭新苗",
            "registering_authority": "江门市江海区民政局",
            "address": "江门市江海区江海路 66 号",
        },
    )
    enterprise, _ = Organisation.objects.get_or_create(
        credit_code=ENTERPRISE_CODE,
        defaults={
            "name": "江门市康护家政服务有限公司",
            "legal_representative": "梁康护",
            "registering_authority": "江门市市场监督管理局",
            "address": "江门市蓬江区发展大道 18 号",
        },
    )
    supplier2 = ctx.shared.get("supplier2")
    if supplier2 is None:
        from accounts.demo import ensure_user
        from accounts.models import Role

        supplier2 = ensure_user(ctx, "supplier2@example.org", Role.SUPPLIER, full_name="谭青苗")
        ctx.accounts[-1].note = "staff of 新苗 (not in the directory; pending application and claim)"
        ctx.shared["supplier2"] = supplier2
    if not OrganisationMembership.objects.filter(user=supplier2, organisation=outside).exists():
        OrganisationMembership.objects.create(
            user=supplier2,
            organisation=outside,
            is_admin=True,
            status=OrganisationMembership.Status.APPROVED,
            decided_at=timezone.now(),
        )
    if not DirectoryApplication.objects.filter(organisation=outside).exists():
        application = DirectoryApplication.objects.create(
            organisation=outside,
            submitted_by=supplier2,
            rating="3A",
            statement="开展留守儿童与青少年成长服务 4 年，持证社工 6 名，2025 年年检合格。",
        )
        application.categories.set([categories["QS"], categories["LS"]])
        for kind in (
            DocumentKind.REGISTRATION_CERTIFICATE,
            DocumentKind.ANNUAL_INSPECTION,
            DocumentKind.FINANCIAL_STATEMENTS,
            DocumentKind.RATING_CERTIFICATE,
        ):
            document = ApplicationDocument(
                application=application,
                kind=kind,
                original_name=f"{DocumentKind(kind).label}.pdf",
                size=len(DEMO_PDF),
                sha256=hashlib.sha256(DEMO_PDF).hexdigest(),
            )
            document.file.save("document", ContentFile(DEMO_PDF), save=False)
            document.save()
        ctx.log("pending directory application of 江门市江海区新苗青少年服务中心 (supplier2@example.org)")
    return outside, enterprise


def _seed_pending_claim(ctx: DemoContext, org: Organisation) -> None:
    """supplier2 also claims a listed organisation nobody acts for yet: a directory administrator decides."""
    supplier2 = ctx.shared["supplier2"]
    if OrganisationMembership.objects.filter(organisation=org).exists():
        return
    claim = OrganisationMembership(
        user=supplier2, organisation=org, message="本人为该中心新任主任，附登记证书。"
    )
    claim.certificate_name = "登记证书.pdf"
    claim.certificate.save("certificate", ContentFile(DEMO_PDF), save=False)
    claim.save()
    ctx.log(f"pending claim of {org.name} by supplier2@example.org (decided by directory@example.org)")


def seed(ctx: DemoContext) -> None:
    categories = {c.code: c for c in ServiceCategory.objects.all()}
    ctx.shared["categories"] = categories
    specs = _directory_organisations()
    orgs = _ensure_organisations(specs)
    supplier_org = orgs[SUPPLIER_ORG_CODE]
    if not OrganisationMembership.objects.filter(
        user=ctx.shared["supplier"], organisation=supplier_org
    ).exists():
        OrganisationMembership.objects.create(
            user=ctx.shared["supplier"],
            organisation=supplier_org,
            is_admin=True,
            status=OrganisationMembership.Status.APPROVED,
            decided_at=timezone.now(),
        )
    if not DirectoryVersion.objects.exists():
        _seed_directory(ctx, specs, orgs, categories)
    outside, enterprise = _seed_outsiders(ctx, categories)
    _seed_pending_claim(ctx, orgs[specs[CLAIMABLE_ORG_SERIAL - 1]["credit_code"]])

    listed = [orgs[s["credit_code"]] for s in specs]
    organisations = ctx.shared.setdefault("organisations", [])
    organisations.extend(o for o in [supplier_org, *listed[1:]] if o not in organisations)
    ctx.shared["directory_organisations"] = listed
    ctx.shared["directory_versions"] = list(DirectoryVersion.objects.published().order_by("number"))
    ctx.shared["organisation_outside_directory"] = outside
    ctx.shared["enterprise"] = enterprise
    ctx.shared["suspended_organisation"] = orgs[specs[5]["credit_code"]]
    ctx.shared["revoked_organisation"] = orgs[specs[11]["credit_code"]]
    ctx.log(
        f"{len(listed)} listed organisations ({supplier_org.name} with supplier@example.org as its "
        f"administrator), 1 social organisation outside the directory, 1 enterprise"
    )
