"""Portal scenario: 1,000,000 published tenders, the public list, a tender page and search under load.

PostgreSQL only (``DATABASE_URL``); skipped with a message on SQLite. The dataset lives in its own
database, ``<name>_portal_bench`` next to the one ``DATABASE_URL`` names, migrated with the real
migrations (so the indexes are the production ones) and bulk-loaded with ``COPY`` the first time; a
marker table records the load, so later runs reuse it (``BENCH_PORTAL_RELOAD=1`` loads again).
Then gunicorn (``BENCH_PORTAL_WORKERS``, default 4) serves the site and an open-loop load generator
(threads with keep-alive ``http.client`` connections) sends requests at a fixed rate
(``BENCH_PORTAL_RATE``, default 100/s) for ``BENCH_PORTAL_SECONDS`` (default 15) per page. Latency is
measured from each request's scheduled start, so a server that falls behind shows it in the p95
(no coordinated omission).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import queue
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from tests.bench import scenario

ROWS = int(os.environ.get("BENCH_PORTAL_ROWS", "1000000"))
RATE = float(os.environ.get("BENCH_PORTAL_RATE", "100"))
SECONDS = float(os.environ.get("BENCH_PORTAL_SECONDS", "15"))
WORKERS = int(os.environ.get("BENCH_PORTAL_WORKERS", "4"))
DATASET = f"portal-tenders-v2-{ROWS}"  # v2: with the search table
ROOT = Path(__file__).resolve().parents[2]
DISTRICTS = ["蓬江区", "江海区", "新会区", "台山市", "开平市", "鹤山市", "恩平市"]
SERVICES = [
    "居家养老上门服务",
    "长者饭堂运营服务",
    "残疾人康复托养服务",
    "社区矫正社会工作服务",
    "留守儿童关爱服务",
    "困境儿童保护服务",
    "社区综合服务中心运营",
    "家庭综合服务",
    "社会救助经办服务",
    "退役军人关爱服务",
    "禁毒社会工作服务",
    "心理健康服务",
]
SEARCH_WORDS = ["养老", "康复", "儿童", "社区矫正", "家庭", "心理", "禁毒", "救助", "台山", "长者饭堂"]


def _log(message: str) -> None:
    print(f"  portal: {message}", file=sys.stderr, flush=True)


def _bench_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "govbuy"
    return urlunsplit(parts._replace(path=f"/{name}_portal_bench"))


def _connect(url: str, *, dbname: str | None = None) -> Any:
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname=dbname or parts.path.lstrip("/"),
        autocommit=True,
    )


# Production mode (DEBUG off) needs its secrets from the environment; throwaway ones for the bench
# (no bid is ever sealed in this dataset, so the master key protects nothing).
BENCH_SECRETS = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "GOVBUY_MASTER_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
}


def _env(url: str) -> dict[str, str]:
    env = {**BENCH_SECRETS, **os.environ}
    env.update(
        DATABASE_URL=url,
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.pop("ELASTICSEARCH_URL", None)  # the database search backend is what this scenario measures
    return env


def _prepare_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with _connect(url, dbname="postgres") as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=_env(url), check=True
    )
    _log(f"database {name} migrated in {time.perf_counter() - started:.0f} s")


def _loaded(conn: Any) -> bool:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS govbuy_bench_marker (dataset text PRIMARY KEY, loaded_at timestamptz, seconds float)"
    )
    if os.environ.get("BENCH_PORTAL_RELOAD"):
        return False
    return (
        conn.execute("SELECT 1 FROM govbuy_bench_marker WHERE dataset = %s", [DATASET]).fetchone() is not None
    )


def _row(model: Any, values: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """Columns and values of one row of ``model``: the given values, else each field's default."""
    from django.db import models

    now = datetime.now(UTC)
    columns, row = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.attname in values:
            value = values[f.attname]
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        elif f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        elif isinstance(f, models.BooleanField):
            value = False
        else:
            value = ""
        if isinstance(f, models.JSONField) and value is not None:
            value = json.dumps(value)
        columns.append(f.column)
        row.append(value)
    return columns, row


def _insert(conn: Any, model: Any, values: dict[str, Any]) -> int:
    columns, row = _row(model, values)
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(row))}) RETURNING id"  # noqa: S608 (names from model metadata)
    return int(conn.execute(sql, row).fetchone()[0])


def _load(url: str) -> float:
    """COPY the tenders (and the departments and user they need); returns the seconds it took."""
    started = time.perf_counter()
    rng = random.Random(20261129)
    with _connect(url) as conn:
        conn.execute("TRUNCATE govbuy_bench_marker")
        # Everything the generated tenders point at, created once (TRUNCATE CASCADE clears old runs).
        conn.execute("TRUNCATE procurement_tender CASCADE")
        from accounts.models import Department, User
        from procurement.models import Tender

        departments = []
        for n in range(40):
            code = f"BD{n:02d}"
            row = conn.execute("SELECT id FROM accounts_department WHERE code = %s", [code]).fetchone()
            pk = (
                row[0]
                if row
                else _insert(
                    conn,
                    Department,
                    {
                        "name": f"江门市{DISTRICTS[n % 7]}第{n}采购单位",
                        "code": code,
                        "region": DISTRICTS[n % 7],
                    },
                )
            )
            departments.append((pk, code))
        categories = [
            r[0] for r in conn.execute("SELECT id FROM vendors_servicecategory ORDER BY id").fetchall()
        ]
        assert categories, "the vendors migration seeds the service categories"
        email = "bench-portal@example.org"
        row = conn.execute("SELECT id FROM accounts_user WHERE email = %s", [email]).fetchone()
        user_id = (
            row[0] if row else _insert(conn, User, {"email": email, "password": "!", "is_active": False})
        )
        base = datetime(2021, 1, 1, tzinfo=UTC)
        span = int((datetime(2026, 11, 1, tzinfo=UTC) - base).total_seconds())
        methods = ["public_tender"] * 6 + [
            "competitive_consultation",
            "competitive_negotiation",
            "price_enquiry",
        ]
        fixed: dict[str, Any] = {
            "description": "为辖区服务对象提供专业社会服务，具体要求详见招标文件。",
            "deposit": Decimal("0"),
            "admitted_kinds": ["social_organisation"],
            "qualification_conditions": "",
            "price_weight": Decimal("30"),
            "contract_term_months": 12,
            "is_recurring": False,
            "recurring_reason": "",
            "status": "published",
            "cancel_reason": "",
            "failure_reason": "",
            "created_by_id": user_id,
        }
        columns, template = _row(Tender, {**fixed, "department_id": 0, "category_id": 0, "reference": ""})
        defaults = dict(zip(columns, template, strict=True))
        with (
            conn.cursor() as cur,
            cur.copy(f"COPY procurement_tender ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for n in range(ROWS):
                published = base + timedelta(seconds=rng.randrange(span))
                department_id, code = departments[n % len(departments)]
                district = DISTRICTS[rng.randrange(7)]
                values = {
                    **defaults,
                    "department_id": department_id,
                    "reference": f"{code}-{published.year}-{n:07d}",
                    "title": f"{district}{SERVICES[rng.randrange(len(SERVICES))]}项目（{n}）",
                    "category_id": categories[n % len(categories)],
                    "method": methods[n % len(methods)],
                    "budget": Decimal(rng.randrange(50, 5000) * 1000),
                    "published_at": published,
                    "documents_available_until": published + timedelta(days=5),
                    "clarification_deadline": published + timedelta(days=10),
                    "bid_deadline": published + timedelta(days=21),
                    "opening_at": published + timedelta(days=21),
                    "created_at": published - timedelta(days=1),
                    "updated_at": published,
                }
                copy.write_row([values.get(c) for c in columns])
        conn.execute("ANALYZE procurement_tender")
        _fill_search_table(url)
        seconds = time.perf_counter() - started
        conn.execute("INSERT INTO govbuy_bench_marker VALUES (%s, now(), %s)", [DATASET, seconds])
    return seconds


def _fill_search_table(url: str) -> None:
    """The COPY bypasses the signals that keep the database search table: fill it as
    ``manage.py search_index --rebuild`` does (one INSERT … SELECT, then the GIN index)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "search_index", "--rebuild", "--kind", "tender"],
        cwd=ROOT,
        env=_env(url),
        check=True,
    )
    _log(f"search table filled in {time.perf_counter() - started:.0f} s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer within 60 s")


def _load_test(port: int, paths: list[str], *, rate: float, seconds: float) -> dict[str, float]:
    """Open loop: request i is due at start + i/rate; latency counts from when it was due."""
    total = int(rate * seconds)
    due: queue.Queue[tuple[float, str] | None] = queue.Queue()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while (item := due.get()) is not None:
            at, path = item
            delay = at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                conn.request("GET", path, headers={"Accept-Language": "zh-hans"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            elapsed = time.perf_counter() - at
            with lock:
                latencies.append(elapsed)
                errors[0] += not ok

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(64)]
    for thread in threads:
        thread.start()
    for i in range(total):
        due.put((start + i / rate, paths[i % len(paths)]))
    for _ in threads:
        due.put(None)
    for thread in threads:
        thread.join()
    finished = time.perf_counter()
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan")
    return {
        "rps": (len(latencies) - errors[0]) / (finished - start),
        "p95_ms": p95 * 1000,
        "p50_ms": latencies[len(latencies) // 2] * 1000 if latencies else float("nan"),
        "errors": errors[0],
    }


def _paths(url: str) -> dict[str, list[str]]:
    rng = random.Random(7)
    with _connect(url) as conn:
        low, high = conn.execute("SELECT min(id), max(id) FROM procurement_tender").fetchone()
        ids = [rng.randint(low, high) for _ in range(2000)]
        # Deeper pages of the list through its keyset cursor (the ?after= links the page renders).
        categories = [
            r[0] for r in conn.execute("SELECT id FROM vendors_servicecategory ORDER BY id").fetchall()
        ]
    # The list as people open it: the first page, unfiltered and by category. Deeper pages (the
    # ?after= keyset links) are timed separately by ``_deep_page_ms`` (see docs/performance.md).
    pages = ["/procurement/tenders/"] * 4 + [f"/procurement/tenders/?category={c}" for c in categories]
    return {
        "list": pages,
        "detail": [f"/procurement/tenders/{pk}/" for pk in ids],
        "search": [f"/search/?q={quote(word)}" for word in SEARCH_WORDS],
    }


@scenario("portal")
def run() -> dict[str, float | int]:
    url = _bench_url()
    if url is None:
        print("bench portal: skipped (needs PostgreSQL: set DATABASE_URL=postgres://...)", file=sys.stderr)
        return {"skipped": 1}
    _prepare_database(url)
    with _connect(url) as conn:
        reuse = _loaded(conn)
    if reuse:
        _log(f"reusing the {ROWS:,} loaded tenders (BENCH_PORTAL_RELOAD=1 to load again)")
        with _connect(url) as conn:
            load_seconds = float(
                conn.execute(
                    "SELECT seconds FROM govbuy_bench_marker WHERE dataset = %s", [DATASET]
                ).fetchone()[0]
            )
    else:
        load_seconds = _load(url)
        _log(f"loaded {ROWS:,} tenders with COPY in {load_seconds:.0f} s")
    paths = _paths(url)
    # DEBUG off serves static files through the manifest, as in production: collect them first.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=_env(url),
        check=True,
    )
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi",
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=_env(url),
    )
    try:
        _wait_ready(port, process)
        for path in (paths["list"][0], paths["detail"][0], paths["search"][0]):  # warm every worker's caches
            for _ in range(WORKERS * 2):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", path)
                status = conn.getresponse()
                status.read()
                if status.status != 200:
                    raise RuntimeError(f"GET {path} answered {status.status}")
        results = {}
        for name in paths:
            results[name] = _load_test(port, paths[name], rate=RATE, seconds=SECONDS)
            _log(f"{name}: " + ", ".join(f"{k}={v:.1f}" for k, v in results[name].items()))
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {
        "list_rps": results["list"]["rps"],
        "list_p95_ms": results["list"]["p95_ms"],
        "detail_rps": results["detail"]["rps"],
        "detail_p95_ms": results["detail"]["p95_ms"],
        "search_p95_ms": results["search"]["p95_ms"],
    }
