"""pgbench for reference: what the PostgreSQL server itself does on this machine, in the same run.

PostgreSQL only. ``pgbench -i`` initialises its own database (``<DATABASE_URL name>_pgbench``, scale
``BENCH_PGBENCH_SCALE``, default 10: 1,000,000 accounts), then ``-S`` (select only: one primary-key
read per transaction) and the default TPC-B-like script (five statements, three updates) run for
``BENCH_PGBENCH_SECONDS`` (default 5) each with ``BENCH_PGBENCH_CLIENTS`` (default 8) clients. The
database is dropped afterwards. Prints ``bench pgbench: select_tps=… tpcb_tps=…``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from urllib.parse import urlsplit

from tests.bench import dataset, scenario

SCALE = int(os.environ.get("BENCH_PGBENCH_SCALE", "10"))
SECONDS = int(os.environ.get("BENCH_PGBENCH_SECONDS", "5"))
CLIENTS = int(os.environ.get("BENCH_PGBENCH_CLIENTS", "8"))


def _tps(output: str) -> float:
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    if match is None:
        raise RuntimeError(f"no tps in pgbench's output:\n{output[-2000:]}")
    return float(match.group(1))


@scenario("pgbench", own_database=True)
def run() -> dict[str, float | int]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or shutil.which("pgbench") is None:
        print("bench pgbench: skipped (needs PostgreSQL and its pgbench client)", file=sys.stderr)
        return {"skipped": 1}
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'govbuy'}_pgbench"
    env = {**os.environ, "PGPASSWORD": parts.password or ""}
    common = [
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
    ]
    with dataset.connect(url, dbname="postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        subprocess.run(
            ["pgbench", *common, "-i", "-q", "-s", str(SCALE), name], env=env, check=True, capture_output=True
        )
        load = ["-c", str(CLIENTS), "-j", "2", "-T", str(SECONDS), name]

        def bench(*flags: str) -> float:
            out = subprocess.run(
                ["pgbench", *common, *flags, *load], env=env, check=True, capture_output=True, text=True
            )
            return _tps(out.stdout)

        select_tps = bench("-S")
        tpcb_tps = bench()
    finally:
        with dataset.connect(url, dbname="postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    return {"select_tps": select_tps, "tpcb_tps": tpcb_tps, "clients": CLIENTS, "scale": SCALE}
