"""Opening scenario: 200 sealed bids × 10 sealed documents opened by the real opening service.

The data is built fast, outside the timing: a directory listing every bidder (the real import), the
tender's sealing key, and then the sealed bids written in bulk with the real sealing functions (the
price and every document encrypted under the tender's data key with the same contexts as
``bid_submit``/``bid_add_document``, the ciphertexts saved through ``default_storage``, the receipts
carrying the real bid hashes). What is timed is ``tender_open`` end to end: every price and document
decrypted and re-hashed, the bids marked opened, the opening record, the audit entries, the directory
re-check of every bid and the bidders' notifications, with Celery eager so the e-mails it queues run
inside the timing too (locmem/console mail backend in the bench settings).

``BENCH_OPENING_BIDS`` / ``BENCH_OPENING_DOCS`` / ``BENCH_OPENING_DOC_KB`` change the size
(defaults 200 × 10 × 32 KiB: 64 MB of ciphertext read back from storage).
"""

from __future__ import annotations

import cProfile
import csv
import datetime as dt
import io
import os
import pstats
import sys
import time
import uuid
from decimal import Decimal
from typing import Any

from tests.bench import scenario

BIDS = int(os.environ.get("BENCH_OPENING_BIDS", "200"))
DOCS = int(os.environ.get("BENCH_OPENING_DOCS", "10"))
DOC_BYTES = int(os.environ.get("BENCH_OPENING_DOC_KB", "32")) * 1024


def _categories() -> Any:
    from vendors.models import ServiceCategory

    if not ServiceCategory.objects.exists():
        import importlib

        from django.apps import apps

        importlib.import_module("vendors.migrations.0004_seed_service_categories").seed(apps, None)
    return ServiceCategory.objects.filter(parent__isnull=True).order_by("code").first()


def _directory(category: Any, n: int) -> list[Any]:
    """``n`` social organisations listed for the category in a published directory version."""
    from stdnum.cn import uscc

    from vendors.models import Organisation
    from vendors.services import directory_import
    from vendors.services.transfer import COLUMNS

    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    codes = []
    for i in range(n):
        body = f"5244070{i % 10}MQ{i:07d}"
        code = body + uscc.calc_check_digit(body)
        codes.append(code)
        writer.writerow(
            [
                code,
                f"江门市第{i}社会工作服务中心",
                "江门市民政局",
                "4A",
                category.name,
                "2020-01-01",
                "2099-12-31",
                "有效",
            ]
        )
    directory_import(
        file=b"\xef\xbb\xbf" + out.getvalue().encode(),
        filename="opening.csv",
        by=None,
        publish=True,
        note="bench",
    )
    return list(Organisation.objects.filter(credit_code__in=codes).order_by("credit_code"))


def seed(bids: int = BIDS, docs: int = DOCS, doc_bytes: int = DOC_BYTES) -> tuple[Any, Any]:
    """(tender whose bidding has closed with ``bids`` sealed bids, its purchaser)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from accounts.models import Department, Role, User
    from procurement import sealing
    from procurement.models import Bid, BidDocument, BidReceipt, Tender
    from procurement.services.bids import tender_key_for
    from vendors.models import OrganisationMembership

    category = _categories()
    organisations = _directory(category, bids)
    now = timezone.now()
    department = Department.objects.create(name="江门市民政局（开标基准）", code="JMOPB")
    purchaser = User.objects.create(
        email="bench-opening@example.test", full_name="开标人", role=Role.PURCHASER, department=department
    )
    tender = Tender.objects.create(
        department=department,
        reference="JMOPB-2026-0001",
        title="江门市社区居家养老服务项目（开标基准）",
        category=category,
        budget=Decimal("5000000.00"),
        admitted_kinds=["social_organisation"],
        published_at=now - dt.timedelta(days=21),
        bid_deadline=now - dt.timedelta(minutes=5),
        opening_at=now - dt.timedelta(minutes=1),
        status="bidding_closed",
        created_by=purchaser,
    )
    suppliers = User.objects.bulk_create(
        User(email=f"bench-bidder{i}@example.test", full_name=f"投标人{i}", role=Role.SUPPLIER)
        for i in range(bids)
    )
    OrganisationMembership.objects.bulk_create(
        OrganisationMembership(user=user, organisation=org, is_admin=True, status="approved")
        for user, org in zip(suppliers, organisations, strict=True)
    )
    key = tender_key_for(tender).as_wrapped()
    rows, documents, receipts = [], [], []
    for i, (user, org) in enumerate(zip(suppliers, organisations, strict=True)):
        bid = Bid(
            uuid=uuid.uuid4(),
            tender=tender,
            organisation=org,
            created_by=user,
            status="submitted",
            submitted_by=user,
            submitted_at=now - dt.timedelta(hours=1, seconds=i),
            eligibility_version="1",
        )
        price = Decimal("3000000.00") + i
        sealed = sealing.seal_price(key=key, price=price, context=bid.price_context)
        hashes = []
        for d in range(docs):
            content = (f"%PDF-1.7\n% bid {i} document {d}\n".encode() * (doc_bytes // 32 + 1))[:doc_bytes]
            document = BidDocument(
                bid=bid,
                name=f"投标文件{d + 1}.pdf",
                kind="pdf",
                content_type="application/pdf",
                size=len(content),
                sha256=sealing.sha256_hex(content),
                uploaded_by=user,
            )
            ciphertext = sealing.seal_bytes(key=key, plaintext=content, context=document.seal_context)
            document.storage_name = default_storage.save(document.storage_name, ContentFile(ciphertext))
            documents.append(document)
            hashes.append(document.sha256)
        bid.price_ciphertext = sealed.ciphertext
        bid.bid_hash = sealing.bid_hash(
            tender_reference=tender.reference,
            organisation_code=org.credit_code,
            price=price,
            salt=sealed.salt,
            document_hashes=hashes,
        )
        rows.append(bid)
    Bid.objects.bulk_create(rows)
    for document in documents:
        document.bid_id = document.bid.pk
    BidDocument.objects.bulk_create(documents, batch_size=1000)
    for bid in rows:
        receipts.append(
            BidReceipt(
                bid=bid,
                number=f"{tender.reference}-{bid.pk:07d}",
                issued_at=bid.submitted_at,
                bid_hash=bid.bid_hash,
                documents=[],
            )
        )
    BidReceipt.objects.bulk_create(receipts)
    return Tender.objects.get(pk=tender.pk), purchaser


@scenario("opening")
def run() -> dict[str, float | int]:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts import notifications
    from accounts.models import AuditEntry, Notification
    from accounts.tasks import send_notification_email
    from config.celery import app
    from procurement.services.opening import tender_open

    app.conf.task_always_eager = True  # the e-mails the opening queues run inside the timing
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tender, purchaser = seed()
    # Warm up what a running server and worker have loaded already: the URLconf and the eager task path.
    reverse("procurement:opening_record", args=[tender.pk])
    send_notification_email.apply(args=[0])
    emails = {"n": 0, "seconds": 0.0}
    real_send = notifications.notification_email_send

    def timed_send(notification_id: int) -> bool:
        started = time.perf_counter()
        try:
            return real_send(notification_id)
        finally:
            emails["n"] += 1
            emails["seconds"] += time.perf_counter() - started

    notifications.notification_email_send = timed_send
    audit_before = AuditEntry.objects.count()
    profiler = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        cpu = time.process_time()
        if profiler:
            profiler.enable()
        record = tender_open(tender=tender, by=purchaser)
        if profiler:
            profiler.disable()
        cpu_seconds = time.process_time() - cpu
        seconds = time.perf_counter() - started
    notifications.notification_email_send = real_send
    if profiler:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)
    from django.core.files.storage import default_storage

    from procurement.models import BidDocument

    for name in BidDocument.objects.filter(bid__tender=tender).values_list("storage_name", flat=True):
        default_storage.delete(name)  # 64 MB of ciphertext in the run's temporary media directory
    if not record.all_hashes_ok or len(record.lines) != BIDS:
        raise RuntimeError(f"opening: {len(record.lines)} lines, all_hashes_ok={record.all_hashes_ok}")
    return {
        "seconds": seconds,
        "cpu_s": cpu_seconds,
        "emails_s": emails["seconds"],
        "emails": int(emails["n"]),
        "bids": BIDS,
        "documents": BIDS * DOCS,
        "queries": len(captured.captured_queries),
        "audit_entries": AuditEntry.objects.count() - audit_before,
        "notifications": Notification.objects.filter(kind="tender.opening_record").count(),
    }
