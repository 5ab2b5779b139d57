"""Scoring scenario: the committee's results for 7 experts × 50 bids × 20 criteria.

The committee, its submitted members, the qualified bids (with their opened prices) and the 7,000
scores are bulk-loaded; a past-performance factor computed by the platform is there too, with
grades for some bidders, as a real tender has. What is timed is ``compute_results`` (what
``report_submit`` stores and the results page shows: every member's scores, the price score, the
ranking with the tie rule), its queries counted with ``CaptureQueriesContext``. The best of a few
runs is reported (the figure is milliseconds on a shared machine).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal
from typing import Any

from tests.bench import scenario

EXPERTS = 7
BIDS = 50
CRITERIA = 20
RUNS = 5


def seed(*, experts: int = EXPERTS, bids: int = BIDS, criteria: int = CRITERIA, tag: str = "B") -> Any:
    """A committee in scoring whose members have all submitted; returns the committee."""
    from django.utils import timezone

    from accounts.models import Department, Role, User
    from procurement.models import Bid, Committee, CommitteeMember, Score, ScoringCriterion, Tender
    from vendors.models import Organisation, ServiceCategory

    rng = random.Random(20261129)
    now = timezone.now()
    department = Department.objects.create(name=f"江门市民政局（评分{tag}）", code=f"JMSC{tag}")
    purchaser = User.objects.create(
        email=f"bench-scoring-{tag.lower()}@example.test", role=Role.PURCHASER, department=department
    )
    category = ServiceCategory.objects.first() or ServiceCategory.objects.create(
        code=f"S{tag}", name="养老服务"
    )
    tender = Tender.objects.create(
        department=department,
        reference=f"JMSC{tag}-2026-0001",
        title="江门市社区居家养老服务项目（评分基准）",
        category=category,
        budget=Decimal("5000000.00"),
        price_weight=Decimal("20.00"),
        published_at=now - dt.timedelta(days=30),
        bid_deadline=now - dt.timedelta(days=5),
        opening_at=now - dt.timedelta(days=5),
        bids_opened_at=now - dt.timedelta(days=5),
        status="under_evaluation",
        created_by=purchaser,
    )
    # 70 points over the committee's criteria, 10 for the platform's past-performance factor.
    per = (Decimal("70.00") / criteria).quantize(Decimal("0.01"))
    maxima = [per] * (criteria - 1) + [Decimal("70.00") - per * (criteria - 1)]
    scored = ScoringCriterion.objects.bulk_create(
        ScoringCriterion(tender=tender, name=f"评分因素{n + 1}", max_points=m, order=n)
        for n, m in enumerate(maxima)
    )
    ScoringCriterion.objects.create(
        tender=tender, name="履约评价", max_points=Decimal("10.00"), order=criteria, kind="past_performance"
    )
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"江门市第{n}社工服务中心（{tag}）", credit_code=f"52440700M{tag}{n:08d}")
        for n in range(bids)
    )
    rows = Bid.objects.bulk_create(
        Bid(
            tender=tender,
            organisation=org,
            created_by=purchaser,
            status="qualified",
            price_ciphertext=b"sealed",
            bid_hash=f"{n:064x}",
            submitted_by=purchaser,
            submitted_at=now - dt.timedelta(days=6, minutes=n),
            opened_at=now - dt.timedelta(days=5),
            opened_price=Decimal("4000000.00") - 1000 * n,
        )
        for n, org in enumerate(organisations)
    )
    _grades(organisations[: bids // 2], rng)
    committee = Committee.objects.create(tender=tender, size=experts, created_by=purchaser, status="scoring")
    users = User.objects.bulk_create(
        User(email=f"bench-expert{n}-{tag.lower()}@example.test", full_name=f"专家{n}", role=Role.EXPERT)
        for n in range(experts)
    )
    members = CommitteeMember.objects.bulk_create(
        CommitteeMember(
            committee=committee, user=user, is_leader=n == 0, status="submitted", scores_submitted_at=now
        )
        for n, user in enumerate(users)
    )
    Score.objects.bulk_create(
        (
            Score(
                member=member,
                bid=bid,
                criterion=criterion,
                points=(criterion.max_points * Decimal(rng.randint(50, 100)) / 100).quantize(Decimal("0.01")),
                comment="方案完整，服务流程清晰，人员配置符合要求。",
            )
            for member in members
            for bid in rows
            for criterion in scored
        ),
        batch_size=2000,
    )
    return Committee.objects.get(pk=committee.pk)


def _grades(organisations: list[Any], rng: random.Random) -> None:
    """Published performance grades for some bidders (what the past-performance factor reads)."""
    from django.utils import timezone

    from vendors.models import PerformanceGrade

    today = timezone.localdate()
    scores = {"excellent": "92.00", "good": "85.00", "fair": "70.00", "poor": "50.00"}
    PerformanceGrade.objects.bulk_create(
        PerformanceGrade(
            organisation=org,
            contract_reference=f"BENCH-{org.pk}-{n}",
            grade=(grade := rng.choice(list(scores))),
            score=Decimal(scores[grade]),
            published_on=today - dt.timedelta(days=30 + 40 * n),
        )
        for org in organisations
        for n in range(2)
    )


@scenario("scoring")
def run() -> dict[str, float | int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from procurement.services.scoring import compute_results

    committee = seed()
    timings = []
    for _run in range(RUNS):
        # Nothing cached between runs; the committee with its tender, as ``report_submit`` loads it.
        committee = type(committee).objects.select_related("tender").get(pk=committee.pk)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            results = compute_results(committee)
            timings.append(time.perf_counter() - started)
    if len(results["ranking"]) != BIDS or len(results["members"]) != EXPERTS:
        raise RuntimeError("scoring: unexpected results")
    return {
        "ms": min(timings) * 1000,
        "median_ms": sorted(timings)[len(timings) // 2] * 1000,
        "queries": len(captured.captured_queries),
        "experts": EXPERTS,
        "bids": BIDS,
        "criteria": CRITERIA,
    }
