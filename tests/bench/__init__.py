"""Benchmarks: ``python -m tests.bench [scenario ...]`` (``make bench``).

Each scenario is a function registered with ``@scenario("name")`` in a module listed in
``SCENARIO_MODULES``; it returns plain numbers and the runner prints exactly one line per scenario,
``bench <name>: key=value key=value ...``, so runs can be compared by machine. Scenarios run on a
throwaway database (Django's test-database machinery: a temporary SQLite file, or ``test_<name>``
on the PostgreSQL server ``DATABASE_URL`` points at), never on the developer's data; scenarios
registered with ``own_database=True`` manage a database of their own (``tests.bench.dataset``).
"""

from __future__ import annotations

from collections.abc import Callable

Scenario = Callable[[], dict[str, float | int]]
SCENARIOS: dict[str, Scenario] = {}
# Scenarios that bring their own database (a live server on the national dataset, pgbench's own):
# the runner makes the throwaway test database only when a scenario it runs needs it.
OWN_DATABASE: set[str] = set()

# Later issues add their modules here (e.g. "tests.bench.bidding").
SCENARIO_MODULES = [
    "tests.bench.directory",
    "tests.bench.bid_rush",
    "tests.bench.pdf",
    "tests.bench.export",
    "tests.bench.portal",
    "tests.bench.opening",
    "tests.bench.scoring",
    "tests.bench.cached",
    "tests.bench.pgbench",
]


def scenario(name: str, *, own_database: bool = False) -> Callable[[Scenario], Scenario]:
    def register(function: Scenario) -> Scenario:
        SCENARIOS[name] = function
        if own_database:
            OWN_DATABASE.add(name)
        return function

    return register


def format_line(name: str, values: dict[str, float | int]) -> str:
    def plain(value: float | int) -> str:
        if isinstance(value, int):
            return str(value)
        return f"{value:.2f}"

    return f"bench {name}: " + " ".join(f"{key}={plain(value)}" for key, value in values.items())
