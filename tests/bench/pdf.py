"""PDF scenario: a 10-page contract and a 200-bid opening record, the real document kinds.

The data is put straight into the throwaway database (a tender, 200 opened bids with their opening
record, an award and a signed contract with enough milestones and clauses for about ten pages), then
each document goes through its registered builder (``procurement.contract``,
``procurement.opening_record``) and the real ``accounts.pdf.render_pdf`` with the frozen payload, as
the Celery task renders it. Rendering is the cost that matters; storing the file and its SHA-256
adds milliseconds. The engine is warmed up first as the Celery worker does at start
(``accounts.pdf.warm_up``); ``contract_10p_s`` is the best of three warm renders and ``contract_cpu_s`` its CPU time (on a shared
machine the wall time is several times the CPU time), ``hb_subset``/``cjk_font`` say whether
HarfBuzz-Subset and the CJK font were there (without HarfBuzz-Subset the render costs ~2.6 s of
CPU more). ``BENCH_PROFILE=1`` prints a cProfile of each render on stderr.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import hashlib
import os
import pstats
import sys
import time
from decimal import Decimal
from typing import Any

from tests.bench import scenario

D = Decimal
BIDS = 200
MILESTONES = 24
PARAGRAPH = (
    "乙方应按照采购文件及投标文件的承诺，为服务对象提供专业、规范、持续的社会工作服务，"
    "配备不少于合同约定人数的持证社会工作者，建立服务台账，按月向甲方报送服务进度、"
    "服务对象满意度及经费使用情况；甲方有权对服务过程进行监督检查并组织第三方绩效评价。"
)


def _seed() -> tuple[Any, Any]:
    from django.utils import timezone

    from accounts.models import Department, Role, User
    from procurement.models import (
        Award,
        Bid,
        Committee,
        Contract,
        ContractVersion,
        EvaluationReport,
        Instalment,
        Milestone,
        OpeningRecord,
        Tender,
    )
    from procurement.services.contracts import split_amount, text_sha256
    from vendors.models import Organisation, ServiceCategory

    now = timezone.now()
    department = Department.objects.create(name="江门市民政局（基准）", code="JMMZB")
    purchaser = User.objects.create(
        email="bench-pdf@example.test", full_name="李采购", role=Role.PURCHASER, department=department
    )
    category = ServiceCategory.objects.first() or ServiceCategory.objects.create(code="YL", name="养老服务")
    tender = Tender.objects.create(
        department=department,
        reference="JMMZ-2026-0088",
        title="江门市社区居家养老服务项目",
        category=category,
        budget=D("1250000.00"),
        published_at=now - dt.timedelta(days=30),
        bid_deadline=now - dt.timedelta(days=2),
        opening_at=now - dt.timedelta(days=2),
        bids_opened_at=now - dt.timedelta(days=2),
        status="contracted",
        contract_term_months=12,
        created_by=purchaser,
    )
    orgs = Organisation.objects.bulk_create(
        Organisation(
            name=f"江门市第{n}社会工作服务中心",
            credit_code=f"52440700PF{n:07d}X",  # a range of its own: scenarios share the database
            legal_representative=f"法人{n}",
            registering_authority="江门市民政局",
        )
        for n in range(1, BIDS + 1)
    )
    bids = Bid.objects.bulk_create(
        Bid(
            tender=tender,
            organisation=org,
            created_by=purchaser,
            status="qualified",
            price_ciphertext=b"sealed",
            bid_hash=hashlib.sha256(org.credit_code.encode()).hexdigest(),
            submitted_by=purchaser,
            submitted_at=now - dt.timedelta(days=3, minutes=n),
            opened_at=now - dt.timedelta(days=2),
            opened_price=D("980000.00") + D("1373.25") * n,
        )
        for n, org in enumerate(orgs, start=1)
    )
    lines = [
        {
            "bid": bid.pk,
            "organisation": bid.organisation.name,
            "credit_code": bid.organisation.credit_code,
            "submitted_at": bid.submitted_at.isoformat(),
            "price": f"{bid.opened_price:.2f}",
            "bid_hash": bid.bid_hash,
            "salt": hashlib.md5(bid.bid_hash.encode()).hexdigest(),  # noqa: S324 (filler data)
            "hash_ok": True,
            "documents_ok": True,
            "documents": [
                {
                    "name": "投标文件.pdf",
                    "sha256": hashlib.sha256(bid.bid_hash.encode()).hexdigest(),
                    "ok": True,
                }
            ],
            "problem": "",
            "to_reconfirm": False,
        }
        for bid in bids
    ]
    OpeningRecord.objects.create(
        tender=tender,
        opened_at=now - dt.timedelta(days=2),
        opened_by=purchaser,
        lines=lines,
        all_hashes_ok=True,
    )
    winner = bids[0]
    committee = Committee.objects.create(tender=tender, size=5, created_by=purchaser)
    report = EvaluationReport.objects.create(
        committee=committee,
        tender=tender,
        submitted_by=purchaser,
        submitted_at=now - dt.timedelta(days=1),
        results={"ranking": []},
        confirmation_due=now.date(),
    )
    award = Award.objects.create(
        tender=tender,
        report=report,
        bid=winner,
        rank=1,
        price=winner.opened_price,
        total_score=D("92.50"),
        confirmed_by=purchaser,
        confirmed_at=now - dt.timedelta(days=1),
        announcement_due=now.date(),
        announced_at=now,
    )
    value = winner.opened_price
    today = timezone.localdate()
    contract = Contract.objects.create(
        tender=tender,
        award=award,
        department=department,
        organisation=winner.organisation,
        number=f"{tender.reference}-HT",
        value=value,
        term_start=today,
        term_end=today + dt.timedelta(days=360),
        service_content="\n".join(f"（{n}）{PARAGRAPH}" for n in range(1, 25)),
        created_by=purchaser,
    )
    shares = [D("4.00")] * (MILESTONES - 1)
    shares.append(D("100") - sum(shares))
    amounts = split_amount(value, shares)
    for n, (share, amount) in enumerate(zip(shares, amounts, strict=True), start=1):
        milestone = Milestone.objects.create(
            contract=contract,
            order=n,
            title=f"第{n}期服务",
            deliverables=f"第{n}期服务台账、服务对象满意度调查与经费使用报告",
            due_date=today + dt.timedelta(days=15 * n),
        )
        Instalment.objects.create(
            contract=contract,
            milestone=milestone,
            order=n,
            percentage=share,
            amount=amount,
            is_final=n == MILESTONES,
        )
    text = "\n".join(f"第{n}条　{PARAGRAPH}{PARAGRAPH}" for n in range(1, 21))
    sha = text_sha256(text)
    ContractVersion.objects.create(contract=contract, number=1, text=text, sha256=sha, created_by=purchaser)
    Contract.objects.filter(pk=contract.pk).update(
        purchaser_signed_at=now,
        purchaser_signed_by=purchaser,
        purchaser_signed_hash=sha,
        supplier_signed_at=now,
        supplier_signed_by=purchaser,
        supplier_signed_hash=sha,
        signed_at=now,
        status="signed",
    )
    return tender, Contract.objects.get(pk=contract.pk)


@scenario("pdf")
def run() -> dict[str, float | int]:
    from django.utils import timezone

    from accounts.documents import _kinds, document_build
    from accounts.pdf import cjk_font_url, harfbuzz_subset_available, render_pdf, warm_up

    tender, contract = _seed()

    def render(kind: str, obj: Any) -> tuple[float, float, int]:
        profiler = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
        if profiler:
            profiler.enable()
        started, cpu = time.perf_counter(), time.process_time()
        _spec, payload, _key = document_build(kind=kind, obj=obj)
        result = render_pdf(
            payload["template"],
            payload["context"],
            title=payload["title"],
            reference=payload["reference"],
            verify_code="GBV-BENC-H000-0001",
            issued_at=timezone.now(),
        )
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        if profiler:
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        return seconds, cpu_seconds, result.pages

    opening_kind = "procurement.opening_record"
    if opening_kind not in _kinds:  # the tendering documents are not registered: say so
        raise RuntimeError("procurement.opening_record is not registered")
    started = time.process_time()
    warm_up()  # as the Celery worker does at start (config/celery.py)
    warm_up_cpu = time.process_time() - started
    _s, first_cpu, _pages = render("procurement.contract", contract)  # the first after the warm-up
    # Best of three warm renders: on a shared machine one render measures the neighbours too.
    contract_s, contract_cpu, contract_pages = min(render("procurement.contract", contract) for _ in range(3))
    opening_s, _cpu, opening_pages = render(opening_kind, tender)
    return {
        "contract_10p_s": contract_s,
        "contract_cpu_s": contract_cpu,
        "first_contract_cpu_s": first_cpu,
        "warm_up_cpu_s": warm_up_cpu,
        "hb_subset": int(harfbuzz_subset_available()),
        "cjk_font": int(bool(cjk_font_url())),
        "contract_pages": contract_pages,
        "opening_record_200_s": opening_s,
        "opening_record_pages": opening_pages,
        "pages_per_s": (contract_pages + opening_pages) / (contract_s + opening_s),
    }
