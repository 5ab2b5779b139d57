"""Benchmarks: ``python -m tests.bench [scenario ...]`` (``make bench``).

Each scenario is a function registered with ``@scenario("name")`` in a module listed in
``SCENARIO_MODULES``; it returns plain numbers and the runner prints exactly one line per scenario,
``bench <name>: key=value key=value ...``, so runs can be compared by machine. Scenarios run on a
throwaway database (Django's test-database machinery: a temporary SQLite file, or ``test_<name>``
on the PostgreSQL server ``DATABASE_URL`` points at), never on the developer's data.
"""

from __future__ import annotations

from collections.abc import Callable

Scenario = Callable[[], dict[str, float | int]]
SCENARIOS: dict[str, Scenario] = {}

# Later issues add their modules here (e.g. "tests.bench.bidding").
SCENARIO_MODULES = [
    "tests.bench.directory",
    "tests.bench.bid_rush",
    "tests.bench.pdf",
    "tests.bench.export",
    "tests.bench.portal",
    "tests.bench.opening",
    "tests.bench.scoring",
]


def scenario(name: str) -> Callable[[Scenario], Scenario]:
    def register(function: Scenario) -> Scenario:
        SCENARIOS[name] = function
        return function

    return register


def format_line(name: str, values: dict[str, float | int]) -> str:
    def plain(value: float | int) -> str:
        if isinstance(value, int):
            return str(value)
        return f"{value:.2f}"

    return f"bench {name}: " + " ".join(f"{key}={plain(value)}" for key, value in values.items())
