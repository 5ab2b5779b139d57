"""The bench's own plumbing: reading wrk's report, percentiles, the line format (no server, no DB)."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from tests import bench
from tests.bench import serve

WRK_REPORT = """Running 5s test @ http://127.0.0.1:8000
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    25.10ms   10.02ms 120.00ms   80.00%
    Req/Sec   320.11     40.12   400.00     70.00%
  Latency Distribution
     50%   23.50ms
     75%   30.00ms
     90%   40.00ms
     99%    1.20s
  3200 requests in 5.00s, 20.00MB read
  Socket errors: connect 0, read 10, write 0, timeout 0
  Non-2xx or 3xx responses: 310
Requests/sec:    640.00
Transfer/sec:      4.00MB
"""


def test_wrk_report_counts_only_successful_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert command[0] == "wrk"
        assert "-c16" in command
        return subprocess.CompletedProcess(command, 0, stdout=WRK_REPORT, stderr="")

    monkeypatch.setattr(serve, "wrk_available", lambda: True)
    monkeypatch.setattr(serve.subprocess, "run", fake_run)
    result = serve.wrk_closed_loop(8000, ["/a", '/b"c'], seconds=5, connections=16)
    assert result["errors"] == 320
    assert result["rps"] == pytest.approx(640 * (3200 - 320) / 3200)
    assert result["p50_ms"] == pytest.approx(23.5)
    assert result["p99_ms"] == pytest.approx(1200)


def test_percentile_and_line_format() -> None:
    assert serve.percentile([float(n) for n in range(1, 101)], 0.95) == 95
    assert (
        bench.format_line("portal", {"list_ratio": 0.5, "errors": 0})
        == "bench portal: list_ratio=0.50 errors=0"
    )


def test_server_env_sends_tasks_to_a_worker_on_a_broker_database_of_its_own(monkeypatch):
    monkeypatch.delenv("BENCH_BROKER_URL", raising=False)
    monkeypatch.delenv("BENCH_CELERY_WORKER", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    env = serve.with_broker({"CELERY_TASK_ALWAYS_EAGER": "true"})
    assert env["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/4"
    assert env["CELERY_TASK_ALWAYS_EAGER"] == "false"
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379")
    assert serve.with_broker({})["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/1"


def test_server_env_stays_eager_without_redis_or_when_asked(monkeypatch):
    monkeypatch.delenv("BENCH_BROKER_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert serve.with_broker({"CELERY_TASK_ALWAYS_EAGER": "true"}) == {"CELERY_TASK_ALWAYS_EAGER": "true"}
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("BENCH_CELERY_WORKER", "0")
    assert "CELERY_BROKER_URL" not in serve.with_broker({})


def test_no_worker_is_started_for_eager_tasks():
    with serve.celery_worker(
        {"CELERY_BROKER_URL": "redis://x/1", "CELERY_TASK_ALWAYS_EAGER": "true"}
    ) as running:
        assert running is False


def test_bid_rush_reads_the_page_cache_generation_under_djangos_own_key() -> None:
    """The driver reads the counter without Django: its key must be the one the site writes."""
    from django.core.cache import cache

    from accounts.pagecache import GENERATION_KEY
    from tests.bench import bid_rush

    assert cache.make_key(GENERATION_KEY) == bid_rush.PAGE_CACHE_GENERATION
