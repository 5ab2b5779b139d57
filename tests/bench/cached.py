"""cached: anonymous public pages under ``wrk``, as many requests per second as the site serves.

PostgreSQL only (the national dataset of ``tests.bench.dataset``); needs ``wrk`` (``.ci/system-deps
bench``). The same gunicorn as the portal scenario (``BENCH_PORTAL_WORKERS``, default 4) serves the
home page ``/``, the public tender list and one tender page to anonymous visitors (no cookie);
``wrk`` keeps ``BENCH_CACHED_CONNECTIONS`` (default 32) connections busy for
``BENCH_CACHED_SECONDS`` (default 5) per page. It measures whatever the site does for anonymous
visitors (server-side caching or none). Prints ``home_rps``, ``list_rps``, ``detail_rps`` and
``rps``, the lowest of the three (target ≥ 1,000).
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.bench import dataset, scenario, serve

WORKERS = int(os.environ.get("BENCH_PORTAL_WORKERS", "4"))
CONNECTIONS = int(os.environ.get("BENCH_CACHED_CONNECTIONS", "32"))
SECONDS = float(os.environ.get("BENCH_CACHED_SECONDS", "5"))


@scenario("cached", own_database=True)
def run() -> dict[str, float | int]:
    url = dataset.database_url()
    if url is None or not serve.wrk_available():
        print("bench cached: skipped (needs PostgreSQL and wrk: .ci/system-deps bench)", file=sys.stderr)
        return {"skipped": 1}
    env = serve.site_env(url)
    dataset.ensure(url, env)
    with dataset.connect(url) as conn:
        tender_id = conn.execute(
            "SELECT id FROM procurement_tender WHERE status <> 'draft' AND published_at IS NOT NULL "
            "ORDER BY published_at DESC, id DESC LIMIT 1"
        ).fetchone()[0]
    pages = {"home": "/", "list": "/procurement/tenders/", "detail": f"/procurement/tenders/{tender_id}/"}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=dataset.ROOT,
        env=env,
        check=True,
    )
    figures: dict[str, float | int] = {}
    errors = 0
    with serve.gunicorn(env, workers=WORKERS) as port:
        serve.warm(port, list(pages.values()), WORKERS * 2)
        serve.log("cached", f"load average {serve.load_average()}")
        for name, path in pages.items():
            result = serve.wrk_closed_loop(port, [path], seconds=SECONDS, connections=CONNECTIONS)
            serve.log("cached", f"{path}: {serve.kwargs_line(result)}")
            figures[f"{name}_rps"] = result["rps"]
            errors += int(result["errors"])
        serve.log("cached", f"load average {serve.load_average()}")
    return {**figures, "rps": min(float(v) for v in figures.values()), "errors": errors}
