"""Portal scenario: the national dataset, the public list, a tender page and search under load.

PostgreSQL only (``DATABASE_URL``); skipped with a message on SQLite. The dataset is
``tests.bench.dataset`` (1,000,000 tenders, 2,000,000 bids, 50,000 organisations, COPY-loaded once
into ``<name>_national_bench`` and reused). gunicorn (``BENCH_PORTAL_WORKERS``, default 4 sync
workers) serves the site and the bare baseline views (``tests.bench.wsgi``). For the list and the
tender page, and for their bare counterparts (``/bench-bare/tenders/`` lists the same 20 newest
tenders; ``/bench-bare/tenders/<id>/`` shows the same tenders by id):

* throughput: ``wrk`` closed loop, ``BENCH_CONNECTIONS`` (default 16) connections for
  ``BENCH_CLOSED_SECONDS`` (default 5) each: ``list_rps``, ``list_bare_rps``, ``list_ratio`` =
  page / bare (and the same for ``detail``). At a fixed offered rate both could meet it and the
  ratio would say nothing; at saturation it says what the page costs beside the least Django can do.
* ``detail_warm_rps``/``detail_warm_ratio``: the tender page again once each of those tenders was
  asked for once, so its public parts come from the cache (``procurement.fragments``); the first
  figures draw most pages afresh (2,000 tenders, a few thousand requests), as for tenders nobody
  read lately.
* latency: an open loop at a fixed ``BENCH_PORTAL_RATE`` (default 100/s) for ``BENCH_PORTAL_SECONDS``
  (default 15) per page (the list also by category), counted from each request's scheduled start;
  ``BENCH_PORTAL_PAGES`` (default ``list,detail,search``) chooses these phases.

The anonymous public page cache (``accounts.pagecache``) is off here (``PUBLIC_PAGE_CACHE_SECONDS=0``)
so the figures are what rendering the pages costs; ``BENCH_PORTAL_PAGE_CACHE=1`` leaves it on. The
``cached`` scenario measures the pages with it.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from typing import Any
from urllib.parse import quote

from tests.bench import dataset, scenario, serve

RATE = float(os.environ.get("BENCH_PORTAL_RATE", "100"))
SECONDS = float(os.environ.get("BENCH_PORTAL_SECONDS", "15"))
WORKERS = int(os.environ.get("BENCH_PORTAL_WORKERS", "4"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
CLOSED_SECONDS = float(os.environ.get("BENCH_CLOSED_SECONDS", "5"))
# Open-loop phases to run (``BENCH_PORTAL_PAGES=list,detail`` leaves out search, which can take
# minutes with the database backend on a million tenders); a phase left out prints no figure.
PAGES = [p for p in os.environ.get("BENCH_PORTAL_PAGES", "list,detail,search").split(",") if p]
SEARCH_WORDS = ["养老", "康复", "儿童", "社区矫正", "家庭", "心理", "禁毒", "救助", "台山", "长者饭堂"]


def _log(message: str) -> None:
    serve.log("portal", message)


def _load(url: str) -> float:
    """COPY the national dataset (``tests.bench.dataset``); returns the seconds it took."""
    return dataset.load(url)


@dataset.derived
def _after_load(conn: Any) -> None:
    """The COPY bypasses the signals that keep the database search table: fill it as
    ``manage.py search_index --rebuild`` does (one INSERT … SELECT in date order, the GIN index, then
    VACUUM ANALYZE), before the dataset's marker is written."""
    info = conn.info
    url = f"postgres://{info.user}@{info.host}:{info.port}/{info.dbname}"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "search_index", "--rebuild", "--kind", "tender"],
        cwd=dataset.ROOT,
        env=serve.site_env(url),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    _log(f"search table filled in {time.perf_counter() - started:.0f} s")


def _paths(url: str) -> dict[str, list[str]]:
    rng = random.Random(7)
    with dataset.connect(url) as conn:
        low, high = conn.execute("SELECT min(id), max(id) FROM procurement_tender").fetchone()
        ids = [rng.randint(low, high) for _ in range(2000)]
        categories = [
            r[0] for r in conn.execute("SELECT id FROM vendors_servicecategory ORDER BY id").fetchall()
        ]
    # The list as people open it: the first page, unfiltered and by category. Deeper pages (the
    # ?after= keyset links) are an index range scan like the first (docs/performance.md).
    pages = ["/procurement/tenders/"] * 4 + [f"/procurement/tenders/?category={c}" for c in categories]
    return {
        "list": pages,
        "detail": [f"/procurement/tenders/{pk}/" for pk in ids],
        "search": [f"/search/?q={quote(word)}" for word in SEARCH_WORDS],
        # Throughput against the baselines: the same rows on both sides.
        "list_page": ["/procurement/tenders/"],
        "list_bare": ["/bench-bare/tenders/"],
        "detail_bare": [f"/bench-bare/tenders/{pk}/" for pk in ids],
    }


def ratio(page: float, bare: float) -> float:
    return page / bare if bare > 0 else float("nan")


@scenario("portal", own_database=True)
def run() -> dict[str, float | int]:
    url = dataset.database_url()
    if url is None:
        print("bench portal: skipped (needs PostgreSQL: set DATABASE_URL=postgres://...)", file=sys.stderr)
        return {"skipped": 1}
    if not serve.wrk_available():
        print("bench portal: skipped (needs wrk: .ci/system-deps bench)", file=sys.stderr)
        return {"skipped": 1}
    env = serve.site_env(url)
    if os.environ.get("BENCH_PORTAL_PAGE_CACHE") != "1":
        # What rendering a page costs: the anonymous page cache would answer every repeated address
        # from memory (that is the ``cached`` scenario's figure).
        env["PUBLIC_PAGE_CACHE_SECONDS"] = "0"
    dataset.ensure(url, env)
    paths = _paths(url)
    # DEBUG off serves static files through the manifest, as in production: collect them first.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=dataset.ROOT,
        env=env,
        check=True,
    )
    results: dict[str, dict[str, float]] = {}
    with serve.gunicorn(env, workers=WORKERS) as port:
        serve.warm(
            port, [paths[k][0] for k in ("list", "detail", "search", "list_bare", "detail_bare")], WORKERS * 2
        )
        _log(f"load average {serve.load_average()}")
        for page, bare in (("list_page", "list_bare"), ("detail", "detail_bare")):
            for name in (page, bare):
                results[f"{name}_closed"] = serve.wrk_closed_loop(
                    port, paths[name], seconds=CLOSED_SECONDS, connections=CONNECTIONS
                )
                _log(
                    f"{name} closed loop, {CONNECTIONS} connections: {serve.kwargs_line(results[f'{name}_closed'])}"
                )
        # The tender page once more after each of its 2,000 tenders was asked for once: its public
        # parts come from the cache (procurement.fragments), as for a tender people are reading.
        serve.warm(port, paths["detail"], 1)
        results["detail_warm_closed"] = serve.wrk_closed_loop(
            port, paths["detail"], seconds=CLOSED_SECONDS, connections=CONNECTIONS
        )
        _log(f"detail (parts kept) closed loop: {serve.kwargs_line(results['detail_warm_closed'])}")
        for name in PAGES:
            results[name] = serve.open_loop(port, paths[name], rate=RATE, seconds=SECONDS)
            _log(f"{name} at {RATE:.0f}/s: {serve.kwargs_line(results[name])}")
        _log(f"load average {serve.load_average()}")
    list_rps, list_bare = results["list_page_closed"]["rps"], results["list_bare_closed"]["rps"]
    detail_rps, detail_bare = results["detail_closed"]["rps"], results["detail_bare_closed"]["rps"]
    figures = {
        "list_rps": list_rps,
        "list_bare_rps": list_bare,
        "list_ratio": ratio(list_rps, list_bare),
        "list_p95_ms": results["list"]["p95_ms"] if "list" in results else None,
        "detail_rps": detail_rps,
        "detail_bare_rps": detail_bare,
        "detail_ratio": ratio(detail_rps, detail_bare),
        "detail_warm_rps": results["detail_warm_closed"]["rps"],
        "detail_warm_ratio": ratio(results["detail_warm_closed"]["rps"], detail_bare),
        "detail_p95_ms": results["detail"]["p95_ms"] if "detail" in results else None,
        "search_p95_ms": results["search"]["p95_ms"] if "search" in results else None,
    }
    return {key: value for key, value in figures.items() if value is not None}
