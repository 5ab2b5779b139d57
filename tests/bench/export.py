"""Export scenario: the public tender list as CSV, 100,000 rows, streamed.

The rows are bulk-loaded into the throwaway database; the export goes through the real view
(``/exports/tenders.csv``, ``StreamingHttpResponse`` fed by ``iterator(chunk_size=...)``) and the
stream is consumed chunk by chunk, as a WSGI server would send it. ``peak_mb`` is the peak resident
set of this process (``resource.getrusage``), which consumes the stream; ``before_mb`` is the same
measure just before the export (Django and the bulk load), so ``peak_mb - before_mb`` is what the
export added: bounded by the chunk size, not by the number of rows.
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
import time
from decimal import Decimal

from tests.bench import scenario

ROWS = 100_000
BATCH = 5_000


def _load() -> None:
    from django.utils import timezone

    from accounts.models import Department, Role, User
    from procurement.models import Tender
    from vendors.models import ServiceCategory

    department = Department.objects.create(name="江门市民政局（导出基准）", code="JMEXP")
    user = User.objects.create(email="bench-export@example.test", role=Role.PURCHASER, department=department)
    category = ServiceCategory.objects.first() or ServiceCategory.objects.create(code="YL", name="养老服务")
    start = timezone.now() - dt.timedelta(days=400)
    for first in range(0, ROWS, BATCH):
        Tender.objects.bulk_create(
            Tender(
                department=department,
                reference=f"JMEXP-{n:07d}",
                title=f"江门市社区居家养老服务项目（第{n}包）",
                category=category,
                budget=Decimal("100000.00") + n,
                published_at=start + dt.timedelta(minutes=n),
                bid_deadline=start + dt.timedelta(days=20, minutes=n),
                opening_at=start + dt.timedelta(days=20, minutes=n),
                status="published",
                created_by=user,
            )
            for n in range(first, min(first + BATCH, ROWS))
        )


def _rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux, bytes on macOS
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


@scenario("export")
def run() -> dict[str, float | int]:
    from django.test import Client

    _load()
    client = Client()
    before_mb = _rss_mb()
    started = time.perf_counter()
    response = client.get("/exports/tenders.csv")
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\r\n")
    seconds = time.perf_counter() - started
    if response.status_code != 200 or lines != ROWS + 1:
        raise RuntimeError(f"export answered {response.status_code} with {lines} lines")
    return {
        "seconds": seconds,
        "peak_mb": _rss_mb(),
        "before_mb": before_mb,
        "rows": ROWS,
        "size_mb": size / (1024 * 1024),
    }
