"""Run the benchmark scenarios on a throwaway database (see ``tests.bench``)."""

from __future__ import annotations

import importlib
import os
import signal
import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> int:
    # A terminated run unwinds like an interrupted one: scenarios stop their servers in ``finally``.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    workdir = tempfile.mkdtemp(prefix="govbuy-bench-")
    os.environ.setdefault("MEDIA_ROOT", os.path.join(workdir, "media"))

    import django
    from django.conf import settings

    django.setup()
    database = settings.DATABASES["default"]
    test = database.setdefault("TEST", {})
    if database["ENGINE"].endswith("sqlite3"):
        test["NAME"] = os.path.join(workdir, "bench.sqlite3")
    # Tables straight from the models (as ``migrate --run-syncdb``): replaying every migration
    # would take longer than the scenarios. Scenarios seed the reference data they need.
    test["MIGRATE"] = False
    settings.DEBUG = False  # no query log: measure the code, not Django's debug bookkeeping

    from django.db import connection

    from tests import bench

    for module in bench.SCENARIO_MODULES:
        importlib.import_module(module)
    names = argv or list(bench.SCENARIOS)
    unknown = [n for n in names if n not in bench.SCENARIOS]
    if unknown:
        print(
            f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(bench.SCENARIOS)}", file=sys.stderr
        )
        return 2
    original_name = database["NAME"]
    test_database = any(name not in bench.OWN_DATABASE for name in names)
    if test_database:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        for name in names:
            print(bench.format_line(name, bench.SCENARIOS[name]()), flush=True)
    finally:
        if test_database:
            connection.creation.destroy_test_db(original_name, verbosity=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
