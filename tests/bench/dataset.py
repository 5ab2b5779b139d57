"""The national-scale bench dataset, shared by the scenarios that run against a live server.

1,000,000 published tenders, 2,000,000 sealed bids and 50,000 organisations (each with a supplier
user, an approved membership and an entry with one to three categories in a published directory
version), bulk-loaded with ``COPY`` (psycopg ``cursor.copy``), never through the ORM row by row.

The rows live in a database of their own, ``<DATABASE_URL name>_national_bench`` on the same
PostgreSQL server, migrated with the real migrations (so the indexes are the production ones) plus
the bench-only tables (``migrate --run-syncdb`` with ``tests.bench.settings``). A marker table
records which dataset was loaded and how long it took, so later runs reuse it; another size (the
variables below) or ``BENCH_RELOAD=1`` loads again.

Sizes: ``BENCH_TENDERS`` (``BENCH_PORTAL_ROWS`` is the older name), ``BENCH_BIDS``, ``BENCH_ORGS``;
develop with small ones (e.g. 20,000 / 40,000 / 2,000).

Bids are sealed as the model requires: status ``submitted``, a random ciphertext in
``price_ciphertext``, a random SHA-256 ``bid_hash``, the submitting user and server time; no
plaintext price, and no document rows (documents are files in the media store, which no page
under load reads). At most one counting bid per tender and organisation, as the constraint demands.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
TENDERS = int(os.environ.get("BENCH_TENDERS") or os.environ.get("BENCH_PORTAL_ROWS") or 1_000_000)
BIDS = int(os.environ.get("BENCH_BIDS") or 2 * TENDERS)
ORGS = int(os.environ.get("BENCH_ORGS") or max(50, min(50_000, TENDERS // 20)))
DEPARTMENTS = 40
# Bump VERSION whenever what is loaded changes (a column, a derived table), so that existing
# databases load again instead of reusing rows of the older shape.
VERSION = 2  # 2: the portal's search table (portal._after_load)
DATASET = f"national-v{VERSION}-t{TENDERS}-b{BIDS}-o{ORGS}"
SUPPLIER_EMAIL = "bench-supplier-{n}@bench.invalid"
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
# Tables the loader fills; TRUNCATE ... CASCADE clears them (and what points at them) on a reload.
LOADED_TABLES = [
    "procurement_bid",
    "procurement_tender",
    "vendors_directoryentrycategory",
    "vendors_directoryentry",
    "vendors_directoryversion",
    "vendors_organisationmembership",
    "vendors_organisation",
]


def log(message: str) -> None:
    print(f"  dataset: {message}", file=sys.stderr, flush=True)


def database_url() -> str | None:
    """The dataset's database, next to the one ``DATABASE_URL`` names; None unless PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "govbuy"
    return urlunsplit(parts._replace(path=f"/{name}_national_bench"))


def connect(url: str, *, dbname: str | None = None) -> Any:
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


def prepare(url: str, env: dict[str, str]) -> None:
    """Create the database if needed and migrate it (a no-op when it is up to date)."""
    name = urlsplit(url).path.lstrip("/")
    with connect(url, dbname="postgres") as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--run-syncdb", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    log(f"database {name} migrated in {time.perf_counter() - started:.0f} s")


def loaded_seconds(conn: Any) -> float | None:
    """Seconds the current dataset took to load, or None when it must be loaded (again)."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS govbuy_bench_marker (dataset text PRIMARY KEY, loaded_at timestamptz, seconds float)"
    )
    if os.environ.get("BENCH_RELOAD") or os.environ.get("BENCH_PORTAL_RELOAD"):
        return None
    row = conn.execute("SELECT seconds FROM govbuy_bench_marker WHERE dataset = %s", [DATASET]).fetchone()
    return None if row is None else float(row[0])


# Tables a scenario derives from the loaded rows (e.g. a search table), filled in the loading
# connection after the rows and before the marker: registered with ``@derived`` at import, so
# whichever scenario loads the dataset first fills them all.
DERIVED: list[Callable[[Any], None]] = []


def derived(function: Callable[[Any], None]) -> Callable[[Any], None]:
    DERIVED.append(function)
    return function


@dataclass(frozen=True)
class Dataset:
    url: str
    seconds: float  # how long the load took (when it happened)
    reused: bool


def ensure(url: str, env: dict[str, str]) -> Dataset:
    """The migrated database with the dataset loaded: reused when the marker says so."""
    prepare(url, env)
    with connect(url) as conn:
        seconds = loaded_seconds(conn)
    if seconds is not None:
        log(f"reusing {DATASET} (loaded in {seconds:.0f} s; BENCH_RELOAD=1 to load again)")
        return Dataset(url, seconds, reused=True)
    seconds = load(url)
    log(f"loaded {DATASET} with COPY in {seconds:.0f} s")
    return Dataset(url, seconds, reused=False)


# --- rows ------------------------------------------------------------------------------------------


def row_template(model: Any, values: dict[str, Any], *, with_pk: bool = False) -> dict[str, Any]:
    """Column → value of one row of ``model``: the given values, else each field's default."""
    from django.db import models

    now = datetime.now(UTC)
    row: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key and not with_pk:
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
        row[f.column] = value
    return row


def insert(conn: Any, model: Any, values: dict[str, Any]) -> int:
    row = row_template(model, values)
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(row)}) VALUES ({', '.join(['%s'] * len(row))}) RETURNING id"  # noqa: S608 (names from model metadata)
    return int(conn.execute(sql, list(row.values())).fetchone()[0])


def copy_rows(
    conn: Any, model: Any, fixed: dict[str, Any], rows: Iterable[dict[str, Any]], *, with_pk: bool = True
) -> int:
    """COPY ``rows`` (each the varying columns, by attname) into ``model``'s table; returns the count.

    Every row needs every column, so the model's defaults fill what ``fixed`` and the row leave out;
    every row has the same keys (those of the first). With ``with_pk`` the rows carry their ``id``
    (the sequence is moved past them afterwards).
    """
    template = row_template(model, fixed, with_pk=with_pk)
    columns = list(template)
    base = list(template.values())
    table = model._meta.db_table
    positions: list[tuple[int, str]] = []
    n = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for varying in rows:
            if not positions:
                positions = [(columns.index(key), key) for key in varying]  # ValueError: no such column
            row = base.copy()
            for i, key in positions:
                row[i] = varying[key]
            copy.write_row(row)
            n += 1
    if with_pk:
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"  # noqa: S608
        )
    return n


def load(url: str) -> float:
    """COPY the whole dataset (clearing an older one first); returns the seconds it took."""
    from accounts.models import Department, User
    from procurement.models import Bid, Tender
    from vendors.models import (
        DirectoryEntry,
        DirectoryEntryCategory,
        DirectoryVersion,
        Organisation,
        OrganisationMembership,
    )

    started = time.perf_counter()
    rng = random.Random(20261129)
    with connect(url) as conn:
        conn.execute("TRUNCATE govbuy_bench_marker")
        # Everything that points at a user goes too (audit entries, receipts and sessions of earlier
        # bid rushes on this dataset), so the generated supplier users can be deleted.
        referencing = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT conrelid::regclass::text FROM pg_constraint "
                "WHERE confrelid = 'accounts_user'::regclass AND contype = 'f'"
            )
            if r[0] != "accounts_user"
        ]
        conn.execute(f"TRUNCATE {', '.join(sorted({*LOADED_TABLES, *referencing}))} CASCADE")
        conn.execute("DELETE FROM accounts_user WHERE email LIKE %s", [SUPPLIER_EMAIL.format(n="%")])
        # Generated ids reference each other by construction: skip the per-row foreign-key
        # triggers during the load (a superuser setting of this session only); the rows obey them.
        conn.execute("SET session_replication_role = replica")

        departments = _departments(conn, Department)
        categories = [r[0] for r in conn.execute("SELECT id FROM vendors_servicecategory ORDER BY id")]
        assert categories, "the vendors migration seeds the service categories"
        email = "bench-portal@example.org"  # the tenders' author: no department, no sign-in
        row = conn.execute("SELECT id FROM accounts_user WHERE email = %s", [email]).fetchone()
        purchaser_id = (
            row[0] if row else insert(conn, User, {"email": email, "password": "!", "is_active": False})
        )

        step = time.perf_counter()
        orgs = _organisations(conn, rng, categories, User, Organisation, OrganisationMembership)
        _directory(conn, rng, orgs, DirectoryVersion, DirectoryEntry, DirectoryEntryCategory)
        log(
            f"{ORGS:,} organisations, users, memberships, directory entries in {time.perf_counter() - step:.0f} s"
        )

        step = time.perf_counter()
        deadlines = _tenders(conn, rng, departments, categories, purchaser_id, Tender)
        log(f"{TENDERS:,} tenders in {time.perf_counter() - step:.0f} s")

        step = time.perf_counter()
        _bids(conn, rng, deadlines, orgs, Bid)
        log(f"{BIDS:,} bids in {time.perf_counter() - step:.0f} s")

        conn.execute("SET session_replication_role = DEFAULT")
        step = time.perf_counter()
        for table in [*LOADED_TABLES, "accounts_user"]:
            conn.execute(f"ANALYZE {table}")
        log(f"ANALYZE in {time.perf_counter() - step:.0f} s")
        for fill in DERIVED:
            step = time.perf_counter()
            fill(conn)
            log(f"{fill.__module__}.{fill.__name__} in {time.perf_counter() - step:.0f} s")
        seconds = time.perf_counter() - started
        conn.execute("INSERT INTO govbuy_bench_marker VALUES (%s, now(), %s)", [DATASET, seconds])
    return seconds


def _departments(conn: Any, Department: Any) -> list[tuple[int, str]]:
    departments = []
    for n in range(DEPARTMENTS):
        code = f"BD{n:02d}"
        row = conn.execute("SELECT id FROM accounts_department WHERE code = %s", [code]).fetchone()
        values = {"name": f"江门市{DISTRICTS[n % 7]}第{n}采购单位", "code": code, "region": DISTRICTS[n % 7]}
        departments.append((row[0] if row else insert(conn, Department, values), code))
    return departments


@dataclass(frozen=True)
class _Org:
    id: int
    user_id: int


def _organisations(
    conn: Any, rng: random.Random, categories: list[int], User: Any, Organisation: Any, Membership: Any
) -> list[_Org]:
    from stdnum.cn import uscc

    first_user = int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM accounts_user").fetchone()[0])
    orgs = [_Org(id=n + 1, user_id=first_user + n) for n in range(ORGS)]

    def organisations() -> Iterator[dict[str, Any]]:
        for n, org in enumerate(orgs):
            district = DISTRICTS[n % 7]
            body = f"5244070{n % 10}MB{n:07d}"  # 52: social service organisation, Jiangmen division
            yield {
                "id": org.id,
                "credit_code": body + uscc.calc_check_digit(body),
                "name": f"江门市{district}第{n}社会工作服务中心",
                "legal_representative": f"代表{n}",
                "registering_authority": f"江门市{district}民政局",
            }

    copy_rows(conn, Organisation, {}, organisations())
    copy_rows(
        conn,
        User,
        {"password": "!", "is_active": True, "role": "supplier"},
        ({"id": o.user_id, "email": SUPPLIER_EMAIL.format(n=n)} for n, o in enumerate(orgs)),
    )
    copy_rows(
        conn,
        Membership,
        {"status": "approved", "is_admin": True},
        ({"user_id": o.user_id, "organisation_id": o.id} for o in orgs),
        with_pk=False,
    )
    return orgs


def _directory(
    conn: Any, rng: random.Random, orgs: list[_Org], Version: Any, Entry: Any, EntryCategory: Any
) -> None:
    """One published directory version listing every organisation, in force, 1–3 categories each."""
    categories = [r[0] for r in conn.execute("SELECT id FROM vendors_servicecategory ORDER BY id")]
    number = int(
        conn.execute("SELECT coalesce(max(number), 0) + 1 FROM vendors_directoryversion").fetchone()[0]
    )
    version_id = insert(
        conn,
        Version,
        {"number": number, "status": "published", "published_at": datetime.now(UTC), "note": "bench"},
    )
    ratings = ["", "3A", "4A", "5A"]
    copy_rows(
        conn,
        Entry,
        {"version_id": version_id, "valid_from": date(2020, 1, 1), "valid_to": date(2099, 12, 31)},
        (
            {
                "id": o.id,
                "organisation_id": o.id,
                "organisation_name": f"江门市{DISTRICTS[n % 7]}第{n}社会工作服务中心",
                "registering_authority": f"江门市{DISTRICTS[n % 7]}民政局",
                "rating": ratings[n % 4],
            }
            for n, o in enumerate(orgs)
        ),
    )
    copy_rows(
        conn,
        EntryCategory,
        {},
        (
            {"entry_id": o.id, "category_id": c}
            for o in orgs
            for c in rng.sample(categories, min(len(categories), 1 + o.id % 3))
        ),
        with_pk=False,
    )


def _tenders(
    conn: Any,
    rng: random.Random,
    departments: list[tuple[int, str]],
    categories: list[int],
    purchaser_id: int,
    Tender: Any,
) -> list[datetime]:
    """Published tenders 2021–2026; returns each one's bid deadline (index = id - 1)."""
    base = datetime(2021, 1, 1, tzinfo=UTC)
    span = int((datetime(2026, 11, 1, tzinfo=UTC) - base).total_seconds())
    methods = ["public_tender"] * 6 + ["competitive_consultation", "competitive_negotiation", "price_enquiry"]
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
        "created_by_id": purchaser_id,
    }
    deadlines: list[datetime] = []

    def tenders() -> Iterator[dict[str, Any]]:
        for n in range(TENDERS):
            published = base + timedelta(seconds=rng.randrange(span))
            department_id, code = departments[n % len(departments)]
            deadline = published + timedelta(days=21)
            deadlines.append(deadline)
            yield {
                "id": n + 1,
                "department_id": department_id,
                "reference": f"{code}-{published.year}-{n:07d}",
                "title": f"{DISTRICTS[rng.randrange(7)]}{SERVICES[rng.randrange(len(SERVICES))]}项目（{n}）",
                "category_id": categories[n % len(categories)],
                "method": methods[n % len(methods)],
                "budget": Decimal(rng.randrange(50, 5000) * 1000),
                "published_at": published,
                "documents_available_until": published + timedelta(days=5),
                "clarification_deadline": published + timedelta(days=10),
                "bid_deadline": deadline,
                "opening_at": deadline,
                "created_at": published - timedelta(days=1),
                "updated_at": published,
            }

    copy_rows(conn, Tender, fixed, tenders())
    return deadlines


def _bids(conn: Any, rng: random.Random, deadlines: list[datetime], orgs: list[_Org], Bid: Any) -> None:
    """``BIDS`` sealed bids spread over the tenders, distinct organisations within a tender."""
    per_tender, extra = divmod(BIDS, len(deadlines))
    version = str(int(conn.execute("SELECT max(number) FROM vendors_directoryversion").fetchone()[0]))
    fixed = {"status": "submitted", "eligibility_version": version, "to_reconfirm": False}
    getrandbits, randbytes = rng.getrandbits, rng.randbytes

    def bids() -> Iterator[dict[str, Any]]:
        pk = 0
        for t, deadline in enumerate(deadlines):
            count = min(len(orgs), per_tender + (1 if t < extra else 0))
            for o in rng.sample(orgs, count) if count > 1 else [orgs[getrandbits(30) % len(orgs)]] * count:
                pk += 1
                submitted = deadline - timedelta(seconds=getrandbits(20))  # up to 12 days before
                yield {
                    "id": pk,
                    "uuid": uuid.UUID(int=getrandbits(128), version=4),
                    "tender_id": t + 1,
                    "organisation_id": o.id,
                    "created_by_id": o.user_id,
                    "created_at": submitted - timedelta(hours=2),
                    # An AES-GCM ciphertext's shape: 12-byte nonce + sealed price + 16-byte tag.
                    "price_ciphertext": randbytes(40),
                    "bid_hash": f"{getrandbits(256):064x}",
                    "submitted_by_id": o.user_id,
                    "submitted_at": submitted,
                }

    copy_rows(conn, Bid, fixed, bids())
