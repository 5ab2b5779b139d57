"""Export scenario: the public tender list as CSV, 100,000 rows, streamed.

The rows are bulk-loaded into the throwaway database; the export goes through the real view
(``/exports/tenders.csv``, ``StreamingHttpResponse`` fed by ``values_list(...).iterator(...)``) and
the stream is consumed chunk by chunk, as a WSGI server would send it. The export runs in a child
process of its own (``python -m tests.bench.export <database>``) so that ``peak_mb`` is the peak
resident set (``resource.getrusage`` maxrss) of a process that did nothing but start Django and
serve the export, not of the one that bulk-loaded 100,000 rows; ``before_mb`` is the child's
maxrss just before the request (Django loaded, URLconf imported), so ``peak_mb - before_mb`` is
what the export added: bounded by the chunk size, not by the number of rows.
``BENCH_EXPORT_ROWS`` changes the size (default 100,000).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from decimal import Decimal

from tests.bench import scenario

ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "100000"))
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
    """This process's peak resident set. On Linux ``VmHWM`` (it starts afresh with the new address
    space of ``exec``; ``ru_maxrss`` is carried over from the parent that forked the child, so a
    runner that had rendered PDFs before made the export look 237 MB)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux, bytes on macOS
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def export_once() -> dict[str, float | int]:
    """In the child: serve the export once and measure it."""
    from django.test import Client
    from django.urls import reverse

    reverse("portal:export", args=["tenders", "csv"])  # URLconf loaded, as in a running server
    client = Client()
    before_mb = _rss_mb()
    started = time.perf_counter()
    cpu = time.process_time()
    response = client.get("/exports/tenders.csv")
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\r\n")
    return {
        "status": response.status_code,
        "lines": lines,
        "seconds": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu,
        "peak_mb": _rss_mb(),
        "before_mb": before_mb,
        "size_mb": size / (1024 * 1024),
    }


@scenario("export")
def run() -> dict[str, float | int]:
    from django.conf import settings
    from django.db import connection

    from procurement.models import Tender

    _load()
    expected = Tender.objects.public().count()  # other scenarios of the run may have added a few
    database = settings.DATABASES["default"]
    # The throwaway database this run made (the child must not make another).
    env = {**os.environ, "BENCH_EXPORT_DATABASE": str(connection.settings_dict["NAME"])}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    child = subprocess.run(
        [sys.executable, "-m", "tests.bench.export"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        raise RuntimeError(f"export child failed ({database['ENGINE']}):\n{child.stderr[-3000:]}")
    result = json.loads(child.stdout.strip().splitlines()[-1])
    if result["status"] != 200 or result["lines"] != expected + 1:
        raise RuntimeError(f"export answered badly (expected {expected + 1} lines): {result}")
    return {
        "seconds": result["seconds"],
        "peak_mb": result["peak_mb"],
        "before_mb": result["before_mb"],
        "cpu_s": result["cpu_s"],
        "rows": expected,
        "size_mb": result["size_mb"],
    }


def _child() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = os.environ["BENCH_EXPORT_DATABASE"]
    django.setup()
    settings.DEBUG = False
    print(json.dumps(export_once()))


if __name__ == "__main__":
    _child()
