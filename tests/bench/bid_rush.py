"""bid_rush: many suppliers submitting sealed bids in the last minute, against a live server.

The database: on PostgreSQL (``DATABASE_URL``) the national dataset of ``tests.bench.dataset``
(loaded first if needed), where each run adds its own department and published tender and takes
its suppliers from the dataset's organisations (in the published directory for the tender's
category); with ``BENCH_DATABASE_URL`` a PostgreSQL database you can throw away (flushed); else
SQLite in a temporary folder, where N suppliers are created and listed in the directory. Each
supplier gets a draft bid with one document. A gunicorn server is started on a free port; every supplier then
POSTs its submission (price, confirmation) at a random moment within the rush window, and a few
late suppliers submit just after the deadline. Afterwards the database is checked:

* ``lost``: the server answered "accepted" (redirect to the receipt) but the bid is not submitted;
* ``duplicated``: more than one counting bid or receipt for an organisation;
* ``late_accepted``: a submission accepted at or after the deadline (server time).

Before the rush, the same server's capacity against a baseline: ``BENCH_BID_BURST`` more suppliers
(default: as many as in the rush) submit as fast as ``BENCH_BID_CONNECTIONS`` (default 16)
concurrent connections allow (closed loop; ``burst_per_s`` accepted submissions per second), then
``BENCH_BARE_INSERTS`` (default 2,000, at least as many) POSTs to the bare insert view (``/bench-bare/insert/`` of ``tests.bench.bare``: one row,
no middleware) go through the same load generator (``bare_per_s``); ``ratio`` = burst / bare
(target ≥ 0.25). The rush's offered rate is far below either, so its accepted/s would only echo it.
The burst's bids count in the checks below too.

Prints ``bench bid_rush: submissions_per_s=… p95_ms=… lost=… duplicated=… late_accepted=…
burst_per_s=… bare_per_s=… ratio=…`` and, with Redis, ``page_cache_renewals=…``: how often the rush
made the anonymous page cache stale (a sealed bid changes no public page: 0 expected).
Default: 500 suppliers within 60 s; ``--quick``: 60 suppliers within 10 s. Target: p95 ≤ 500 ms.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.bench import scenario, serve

ROOT = Path(__file__).resolve().parents[2]
# accounts.pagecache.GENERATION_KEY as Django's cache stores it (the driver runs without Django).
PAGE_CACHE_GENERATION = ":1:pagecache:generation"
MARGIN_S = 3.0  # deadline after the end of the rush window
_RUN_SECRET = os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50)
_RUN_MASTER_KEY = (
    os.environ.get("BENCH_MASTER_KEY") or base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
)


def _national() -> bool:
    """On PostgreSQL the rush runs on the national dataset (``tests.bench.dataset``): its suppliers
    are the dataset's organisations, its bids land in a table of two million. ``BENCH_DATABASE_URL``
    (a throwaway database, flushed) or ``BENCH_BID_RUSH_NATIONAL=0`` opt out."""
    from tests.bench import dataset

    return (
        not os.environ.get("BENCH_DATABASE_URL")
        and os.environ.get("BENCH_BID_RUSH_NATIONAL", "1") == "1"
        and dataset.database_url() is not None
    )


def _database_url(workdir: Path) -> str:
    from tests.bench import dataset

    if url := os.environ.get("BENCH_DATABASE_URL"):
        return url
    if _national():
        return str(dataset.database_url())
    return f"sqlite:///{workdir / 'bench.db'}"


def _env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"BENCH_SECRET_KEY": _RUN_SECRET, "BENCH_MASTER_KEY": _RUN_MASTER_KEY})
    env.update(
        {
            "DATABASE_URL": _database_url(workdir),
            "BENCH_BID_RUSH_MODE": "national" if _national() else "throwaway",  # for the steps
            "MEDIA_ROOT": str(workdir / "media"),
            "GOVBUY_LOCAL_SECRETS": str(workdir / "secrets.env"),
            # Production-like: DEBUG off (no query log, cached templates), secrets of this run only.
            "DEBUG": "false",
            "SECRET_KEY": _RUN_SECRET,
            "GOVBUY_MASTER_KEY": _RUN_MASTER_KEY,
            "SECURE_SSL_REDIRECT": "false",
            "CELERY_BROKER_URL": "",
            "REDIS_URL": "",
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": serve.SETTINGS,  # the site plus the bare insert view
        }
    )
    return env


def _django(workdir: Path, *args: str) -> Any:
    """Run a step of this module in a Django process on the throwaway database; returns its JSON."""
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench.bid_rush", *args, str(workdir)],
        cwd=ROOT,
        env=_env(workdir),
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench step {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- steps run inside Django -----------------------------------------------------------------------


def _step_setup(workdir: Path, n: int) -> dict[str, Any]:
    import io
    from datetime import date, timedelta
    from decimal import Decimal

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Department, Role, User
    from procurement.models import Tender
    from procurement.services.bids import bid_add_document, bid_create_draft
    from tests.factories import valid_credit_code
    from vendors.models import Organisation, OrganisationMembership, ServiceCategory
    from vendors.services.directory import entry_add, version_publish

    national = os.environ["BENCH_BID_RUSH_MODE"] == "national"
    if national:
        from tests.bench import dataset

        url = os.environ["DATABASE_URL"]
        dataset.ensure(url, serve.site_env(url))
    else:
        call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)  # + the bare table
        call_command("flush", verbosity=0, interactive=False)  # a throwaway database (_database_url)
    run = secrets.token_hex(3).upper() if national else ""  # each run's own tender in the dataset
    department = Department.objects.create(code=f"BENCH{run}", name=f"压测民政局{run}")
    purchaser = User.objects.create(
        email=f"purchaser{run}@bench.test", role=Role.PURCHASER, department=department
    )
    if national:
        category, organisations = _national_suppliers(n)
    else:
        category, _ = ServiceCategory.objects.get_or_create(code="BENCH", defaults={"name": "压测养老服务"})
    now = timezone.now()
    tender = Tender.objects.create(
        department=department,
        reference=f"BENCH{run}-2026-0001",
        title="压测招标",
        category=category,
        budget=Decimal("1000000"),
        published_at=now - timedelta(days=21),
        bid_deadline=now + timedelta(hours=2),
        opening_at=now + timedelta(hours=2),
        status="published",
        created_by=purchaser,
    )
    suppliers, entry = [], None
    pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\n"
    for i in range(n):
        if national:
            org, user = organisations[i]
        else:
            org = Organisation.objects.create(
                credit_code=valid_credit_code(i, "5244077"),
                name=f"压测社会工作服务中心{i:04d}",
                legal_representative=f"代表{i}",
            )
            user = User.objects.create(email=f"s{i}@bench.test", role=Role.SUPPLIER)
            user.set_unusable_password()
            user.save()
            OrganisationMembership.objects.create(
                user=user, organisation=org, status="approved", is_admin=True
            )
            entry = entry_add(
                organisation=org,
                categories=[category],
                valid_from=date(2020, 1, 1),
                valid_to=date(2099, 1, 1),
                by=None,
            )
        bid = bid_create_draft(tender=tender, organisation=org, by=user)
        bid_add_document(bid=bid, name="方案.pdf", stream=io.BytesIO(pdf + f"{i}".encode()), by=user)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        suppliers.append({"bid": bid.pk, "org": org.pk, "session": session.session_key})
    if not national:
        assert entry is not None
        version_publish(version=entry.version, by=None)
    return {"tender": tender.pk, "suppliers": suppliers}


def _national_suppliers(n: int) -> tuple[Any, list[tuple[Any, Any]]]:
    """The dataset's category with the most organisations in force, and ``n`` of those
    organisations (a random stretch, so successive runs spread) with their admin user."""
    from django.db.models import Count

    from vendors.models import DirectoryEntry, DirectoryVersion, OrganisationMembership, ServiceCategory

    version = DirectoryVersion.objects.published().order_by("-number").first()
    assert version is not None, "the national dataset publishes a directory version"
    category = (
        ServiceCategory.objects.filter(directory_entries__version=version)
        .annotate(n=Count("directory_entries"))
        .order_by("-n")
        .first()
    )
    entries = DirectoryEntry.objects.filter(version=version, categories=category, status="in_force")
    total = entries.count()
    if total < n:
        raise RuntimeError(f"the dataset has {total} organisations for one category; the rush needs {n}")
    start = random.randrange(total - n + 1)
    org_ids = list(
        entries.order_by("organisation_id").values_list("organisation_id", flat=True)[start : start + n]
    )
    members = (
        OrganisationMembership.objects.filter(organisation_id__in=org_ids, status="approved", is_admin=True)
        .select_related("organisation", "user")
        .order_by("organisation_id")
    )
    return category, [(m.organisation, m.user) for m in members]


def _step_arm(workdir: Path, tender_id: int, seconds: float) -> dict[str, Any]:
    from datetime import timedelta

    from django.utils import timezone

    from procurement.models import Tender

    deadline = timezone.now() + timedelta(seconds=seconds)
    Tender.objects.filter(pk=tender_id).update(
        bid_deadline=deadline, opening_at=deadline + timedelta(hours=1)
    )
    return {"deadline": deadline.timestamp()}


def _step_verify(workdir: Path, tender_id: int) -> dict[str, Any]:
    from django.db.models import Count

    from procurement.models import Bid, BidReceipt, Tender

    tender = Tender.objects.get(pk=tender_id)
    counting = Bid.objects.counting().filter(tender=tender)
    per_org = counting.values("organisation").annotate(n=Count("pk")).filter(n__gt=1).count()
    receipts = (
        BidReceipt.objects.filter(bid__tender=tender).values("bid").annotate(n=Count("pk")).filter(n__gt=1)
    )
    return {
        "submitted": sorted(counting.values_list("pk", flat=True)),
        "duplicated": per_org + receipts.count(),
        "late": counting.filter(submitted_at__gte=tender.bid_deadline).count(),
    }


# --- the rush (plain HTTP, no Django in this process) ----------------------------------------------


def _free_port(preferred: int) -> int:
    for port in ([preferred] if preferred else []) + [8765, 0]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise RuntimeError("no free port")


def _submission(supplier: dict[str, Any], csrf: str) -> serve.Request:
    return serve.Request(
        "POST",
        f"/procurement/bids/{supplier['bid']}/submit/",
        body=f"price={random.randint(300000, 999999)}.00&confirm=on",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"sessionid={supplier['session']}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
        },
    )


def _accepted(status: int, location: str) -> bool:
    return status == 302 and "/receipt/" in location


def _submit(port: int, supplier: dict[str, Any], csrf: str) -> tuple[bool, float, int]:
    r = _submission(supplier, csrf)
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(r.method, r.path, body=r.body, headers=r.headers)
        response = conn.getresponse()
        response.read()
        accepted = _accepted(response.status, response.getheader("Location") or "")
        return accepted, (time.perf_counter() - start) * 1000, response.status
    finally:
        conn.close()


def _burst(port: int, suppliers: list[dict[str, Any]], csrf: str) -> dict[str, Any]:
    """Closed loop: the burst suppliers' submissions, then as many bare inserts, same connections."""
    connections = int(os.environ.get("BENCH_BID_CONNECTIONS", "16"))
    answers, seconds = serve.closed_loop_once(
        port, [_submission(s, csrf) for s in suppliers], connections=connections
    )
    accepted = [suppliers[a.index]["bid"] for a in answers if _accepted(a.status, a.location)]
    # Bare inserts are quick: enough of them (BENCH_BARE_INSERTS) to last seconds, not a blink.
    bare_n = int(os.environ.get("BENCH_BARE_INSERTS") or max(len(suppliers), 2000))
    bare_requests = [
        serve.Request(
            "POST",
            "/bench-bare/insert/",
            body=f"organisation={suppliers[i % len(suppliers)]['org']}&price={random.randint(300000, 999999)}.00",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        for i in range(bare_n)
    ]
    bare, bare_seconds = serve.closed_loop_once(port, bare_requests, connections=connections)
    inserted = sum(a.status == 201 for a in bare)
    return {
        "accepted": accepted,
        "burst_per_s": len(accepted) / seconds,
        "burst_p95_ms": serve.percentile([a.ms for a in answers], 0.95),
        "bare_per_s": inserted / bare_seconds,
        "bare_p95_ms": serve.percentile([a.ms for a in bare], 0.95),
        "bare_failed": len(bare) - inserted,
    }


@scenario("bid_rush", own_database=True)
def bench_bid_rush() -> dict[str, float | int]:
    """``make bench``: the short run (60 suppliers in 10 s) unless BENCH_BID_RUSH_FULL=1."""
    return run(quick=os.environ.get("BENCH_BID_RUSH_FULL", "") != "1")


def run(*, quick: bool, port: int = 0) -> dict[str, float | int]:
    n = int(os.environ.get("BENCH_SUPPLIERS", 60 if quick else 500))
    window = float(os.environ.get("BENCH_WINDOW", 10 if quick else 60))
    late_n = max(3, n // 20)
    burst_n = int(os.environ.get("BENCH_BID_BURST", n))
    with tempfile.TemporaryDirectory(prefix="govbuy-bench-") as tmp:
        workdir = Path(tmp)
        print(f"bid_rush: preparing {n + late_n + burst_n} suppliers with draft bids …", file=sys.stderr)
        setup = _django(workdir, "setup", str(n + late_n + burst_n))
        suppliers, late, burst_suppliers = (
            setup["suppliers"][:n],
            setup["suppliers"][n : n + late_n],
            setup["suppliers"][n + late_n :],
        )
        # The server as production runs it: Redis for the cache and as the broker of a Celery
        # worker beside gunicorn (when the run has Redis); the set-up steps above run eagerly.
        server_env = serve.with_broker({**_env(workdir), "REDIS_URL": os.environ.get("REDIS_URL", "")})
        with serve.gunicorn(
            server_env,
            workers=int(os.environ.get("BENCH_WORKERS", "3")),
            threads=int(os.environ.get("BENCH_THREADS", "2")),
            port=_free_port(port),
        ) as port:
            csrf = secrets.token_hex(16)  # a 32-character CSRF secret, sent as cookie and header
            for _ in range(8):  # every worker's first requests pay for imports and lazy set-up
                serve.get(port, "/")
                serve.closed_loop_once(port, [serve.Request("POST", "/bench-bare/insert/")], connections=1)
            # Capacity against the bare insert view, while the deadline is still hours away.
            burst = _burst(port, burst_suppliers, csrf)
            serve.log("bid_rush", f"load average {serve.load_average()}; " + serve.kwargs_line(
                {k: v for k, v in burst.items() if k != "accepted"}
            ))  # fmt: skip
            deadline = _django(workdir, "arm", str(setup["tender"]), str(window + MARGIN_S))["deadline"]
            generation = _page_cache_generation(server_env["REDIS_URL"])
            t0 = time.time()
            offsets = sorted(random.uniform(0, window) for _ in suppliers)
            results: list[tuple[int, bool, float, int]] = []
            lock = threading.Lock()

            def fire(supplier: dict[str, Any], at: float) -> None:
                time.sleep(max(0.0, at - time.time()))
                outcome = _submit(port, supplier, csrf)
                with lock:
                    results.append((supplier["bid"], *outcome))

            late_results: list[bool] = []
            with ThreadPoolExecutor(max_workers=128) as pool:
                for supplier, offset in zip(suppliers, offsets, strict=True):
                    pool.submit(fire, supplier, t0 + offset)
                for i, supplier in enumerate(late):
                    pool.submit(
                        lambda s=supplier, i=i: late_results.append(
                            _submit(port, s, csrf)[0] if _sleep_until(deadline + 0.2 + 0.05 * i) else False
                        )
                    )
            elapsed = max(time.time() - t0, 1e-6)
            after = _page_cache_generation(server_env["REDIS_URL"])
        verify = _django(workdir, "verify", str(setup["tender"]))
    accepted_ids = {r[0] for r in results if r[1]} | set(burst["accepted"])
    latencies = sorted(r[2] for r in results)
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else float("nan")
    accepted = sum(r[1] for r in results)
    statuses: dict[int, int] = {}
    for r in results:
        statuses[r[3]] = statuses.get(r[3], 0) + 1
    lost = len([pk for pk in accepted_ids if pk not in set(verify["submitted"])])
    late_accepted = sum(late_results) + verify["late"]
    print(
        f"bid_rush: {n} suppliers in {window:.0f} s, accepted {accepted}, HTTP {statuses}, "
        f"p50 {latencies[len(latencies) // 2] if latencies else 0:.0f} ms, "
        f"{late_n} late suppliers after the deadline",
        file=sys.stderr,
    )
    return {
        "submissions_per_s": round(accepted / elapsed, 2),
        "p95_ms": round(p95),
        "lost": lost,
        "duplicated": int(verify["duplicated"]),
        "late_accepted": int(late_accepted),
        "burst_per_s": round(burst["burst_per_s"], 2),
        "bare_per_s": round(burst["bare_per_s"], 2),
        "ratio": round(burst["burst_per_s"] / burst["bare_per_s"], 3)
        if burst["bare_per_s"]
        else float("nan"),
        # How often the rush made every anonymous public page stale (sealed bids should not).
        **(
            {"page_cache_renewals": after - generation}
            if generation is not None and after is not None
            else {}
        ),
    }


def _page_cache_generation(redis_url: str) -> int | None:
    """The anonymous page cache's generation in the server's Redis cache (``accounts.pagecache``),
    or None without Redis."""
    if not redis_url:
        return None
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.get(PAGE_CACHE_GENERATION) or 0)
    finally:
        client.close()


def _sleep_until(moment: float) -> bool:
    time.sleep(max(0.0, moment - time.time()))
    return True


def main(argv: list[str]) -> int:
    """``python -m tests.bench.bid_rush [--quick] [--port N]``: the full run (500 suppliers, 60 s)."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bid_rush")
    parser.add_argument("--quick", action="store_true", help="60 suppliers within 10 s")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    values = run(quick=args.quick, port=args.port)
    print("bench bid_rush: " + " ".join(f"{k}={v}" for k, v in values.items()), flush=True)
    return 0 if (values["lost"], values["duplicated"], values["late_accepted"]) == (0, 0, 0) else 1


if __name__ == "__main__" and (len(sys.argv) < 2 or sys.argv[1].startswith("-")):
    sys.exit(main(sys.argv[1:]))
elif __name__ == "__main__":
    import django

    step, *rest = sys.argv[1:]
    django.setup()
    workdir = Path(rest[-1])
    if step == "setup":
        result = _step_setup(workdir, int(rest[0]))
    elif step == "arm":
        result = _step_arm(workdir, int(rest[0]), float(rest[1]))
    else:
        result = _step_verify(workdir, int(rest[0]))
    print(json.dumps(result))
