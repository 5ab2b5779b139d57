"""Directory scenario: import a generated 20,000-row file, then 10,000 eligibility checks."""

from __future__ import annotations

import csv
import io
import random
import time
from datetime import date, timedelta

from tests.bench import scenario

ROWS = 20_000
CHECKS = 10_000
QUERY_SAMPLE = 500


def generate_file(rows: int, seed: int = 20161) -> bytes:
    """A directory file as the bureau would send it: UTF-8 CSV with BOM, mixed spellings."""
    from stdnum.cn import uscc

    from vendors.services.transfer import COLUMNS

    rng = random.Random(seed)
    categories = [
        "养老服务",
        "助残服务",
        "社区服务",
        "社会救助",
        "留守儿童",
        "社会工作",
        "家庭服务",
        "信访",
        "军休服务",
        "GY",
    ]
    ratings = ["", "3A", "4A", "5A", "AAA", "AAAA"]
    districts = ["蓬江区", "江海区", "新会区", "台山市", "开平市", "鹤山市", "恩平市"]
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n in range(rows):
        # 52 (social service organisation) + a Jiangmen division code + a 9-character organisation code
        body = f"5244070{n % 10}MJ{n:07d}"
        code = body + uscc.calc_check_digit(body)
        district = districts[n % len(districts)]
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 900))
        writer.writerow(
            [
                code.lower() if n % 7 == 0 else code,
                f"江门市{district}第{n}社会工作服务中心",
                f"江门市{district}民政局",
                rng.choice(ratings),
                "、".join(rng.sample(categories, rng.randint(1, 3))),
                start.isoformat() if n % 2 else f"{start.year}/{start.month}/{start.day}",
                (start + timedelta(days=5 * 365)).isoformat(),
                rng.choice(["有效"] * 18 + ["暂停", "撤销"]),
            ]
        )
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


@scenario("directory")
def run() -> dict[str, float | int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from vendors.models import Organisation, ServiceCategory
    from vendors.services import directory_import, eligibility_check

    if not ServiceCategory.objects.exists():
        import importlib

        from django.apps import apps

        importlib.import_module("vendors.migrations.0004_seed_service_categories").seed(apps, None)
    data = generate_file(ROWS)
    started = time.perf_counter()
    summary = directory_import(file=data, filename="bench.csv", by=None, publish=True, note="bench")
    import_seconds = time.perf_counter() - started
    assert summary.added == ROWS, summary

    rng = random.Random(7)
    # A twentieth of the questions are about registered organisations that are not listed (they
    # cost a second query), as when unlisted suppliers try to bid.
    from stdnum.cn import uscc

    bodies = [f"5244078{n % 10}MK{n:07d}" for n in range(ROWS // 20)]
    Organisation.objects.bulk_create(
        [
            Organisation(credit_code=b + uscc.calc_check_digit(b), name=f"未入库组织{i}")
            for i, b in enumerate(bodies)
        ]
    )
    organisations = list(Organisation.objects.all())
    categories = list(ServiceCategory.objects.all())
    today = date.today()
    questions = [
        (rng.choice(organisations), rng.choice(categories), today + timedelta(days=rng.randrange(0, 1500)))
        for _ in range(CHECKS)
    ]
    started = time.perf_counter()
    eligible = 0
    for organisation, category, on in questions:
        result = eligibility_check(organisation=organisation, category=category, on=on)
        eligible += result.eligible
        str(result.reason)
    check_seconds = time.perf_counter() - started

    with CaptureQueriesContext(connection) as captured:
        for organisation, category, on in questions[:QUERY_SAMPLE]:
            eligibility_check(organisation=organisation, category=category, on=on)
    return {
        "rows_per_s": ROWS / import_seconds,
        "checks_per_s": CHECKS / check_seconds,
        "queries_per_check": len(captured.captured_queries) / QUERY_SAMPLE,
    }
