"""A live bench server and the load generators the scenarios share.

* ``gunicorn(...)``: a context manager that starts gunicorn on a free port with the bench WSGI entry
  (``tests.bench.wsgi``: the site plus the bare baseline views) and always stops it, also when the
  scenario fails (its own process group, killed if it does not stop within 30 s).
* ``wrk_closed_loop(...)``: maximum throughput, ``connections`` concurrent keep-alive connections
  each sending its next request as soon as the previous answer arrives (``wrk``, written in C, so
  the load generator costs little CPU beside the server on a small machine).
* ``open_loop(...)``: latency at a fixed offered rate, counted from each request's scheduled start
  (no coordinated omission).
* ``closed_loop_once(...)``: each request of a list sent exactly once by ``connections`` workers (the
  bid burst and the bare inserts: a supplier can submit only once, so the count, not a duration,
  bounds the phase).
"""

from __future__ import annotations

import base64
import http.client
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
WSGI = "tests.bench.wsgi:application"
SETTINGS = "tests.bench.settings"
# Production mode (DEBUG off) needs its secrets from the environment: throwaway ones for this run.
SECRETS = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "GOVBUY_MASTER_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
}


def site_env(database_url: str) -> dict[str, str]:
    """The environment of a production-like server (DEBUG off) on ``database_url``."""
    env = {**SECRETS, **os.environ}
    env.update(
        DATABASE_URL=database_url,
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE=SETTINGS,
    )
    env.pop("ELASTICSEARCH_URL", None)  # the database search backend is what the bench measures
    return with_broker(env)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within {seconds:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn and its workers (the process group this module started)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def with_broker(env: dict[str, str]) -> dict[str, str]:
    """``env`` as production runs it: tasks go through Redis to a Celery worker instead of running
    eagerly inside the request, when Redis is at hand (``REDIS_URL`` of the run, or
    ``BENCH_BROKER_URL``; ``BENCH_CELERY_WORKER=0`` keeps the tasks eager). The broker is a Redis
    database of its own (``REDIS_URL``'s number + 1), emptied by the worker's start-up below."""
    if os.environ.get("BENCH_CELERY_WORKER", "1") == "0":
        return env
    broker = os.environ.get("BENCH_BROKER_URL") or _next_redis_db(os.environ.get("REDIS_URL", ""))
    if not broker:
        return env
    return {**env, "CELERY_BROKER_URL": broker, "CELERY_TASK_ALWAYS_EAGER": "false"}


def _next_redis_db(url: str) -> str:
    match = re.fullmatch(r"(redis://[^/]+)(?:/(\d+))?", url)
    if not match:
        return ""
    return f"{match.group(1)}/{(int(match.group(2) or 0) + 1) % 16}"


@contextmanager
def celery_worker(env: dict[str, str], *, concurrency: int = 1) -> Iterator[bool]:
    """A Celery worker on ``env``'s broker for the block (yields whether one runs: none when the
    tasks are eager). It purges the bench broker's queue first, waits until the worker is ready
    and always stops it (its own process group)."""
    if not env.get("CELERY_BROKER_URL") or env.get("CELERY_TASK_ALWAYS_EAGER", "").lower() == "true":
        yield False
        return
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    subprocess.run([*celery, "purge", "-f"], cwd=ROOT, env=env, capture_output=True, check=False)
    with tempfile.NamedTemporaryFile("w+", prefix="govbuy-bench-worker-", suffix=".log") as log_file:
        process = subprocess.Popen(
            [*celery, "worker", "-l", "info", "--concurrency", str(concurrency), "--without-gossip",
             "--without-mingle", "-n", f"bench-{os.getpid()}@%h"],
            cwd=ROOT, env=env, start_new_session=True, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while "ready." not in Path(log_file.name).read_text(errors="replace"):
                if process.poll() is not None or time.monotonic() > deadline:
                    output = Path(log_file.name).read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"the Celery worker did not start:\n{output}")
                time.sleep(0.3)
            print(f"  bench: Celery worker ready on {env['CELERY_BROKER_URL']}", file=sys.stderr, flush=True)
            yield True
        finally:
            stop(process)


@contextmanager
def gunicorn(
    env: dict[str, str], *, workers: int, threads: int = 1, wsgi: str = WSGI, port: int = 0
) -> Iterator[int]:
    """Serve ``wsgi`` on ``port`` (0: a free one) for the block, with a Celery worker beside it when
    ``env`` has a broker (``with_broker``); yields the port. Both stopped whatever happens."""
    with celery_worker(env), _gunicorn(env, workers=workers, threads=threads, wsgi=wsgi, port=port) as served:
        yield served


@contextmanager
def _gunicorn(env: dict[str, str], *, workers: int, threads: int, wsgi: str, port: int) -> Iterator[int]:
    port = port or free_port()
    command = [sys.executable, "-m", "gunicorn", wsgi, "-b", f"127.0.0.1:{port}", "-w", str(workers)]
    if threads > 1:
        command += ["--threads", str(threads)]
    process = subprocess.Popen(
        [*command, "--log-level", "warning"], cwd=ROOT, env=env, start_new_session=True
    )
    try:
        wait_ready(port, process)
        yield port
    finally:
        stop(process)


def get(port: int, path: str, *, timeout: float = 60) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept-Language": "zh-hans"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def warm(port: int, paths: list[str], times: int) -> None:
    """Every worker's first request pays for imports and caches: not part of any figure."""
    for path in paths:
        for _ in range(times):
            status = get(port, path)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")


# --- wrk (closed loop, throughput) ------------------------------------------------------------------


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


_LUA = """
wrk.headers["Accept-Language"] = "zh-hans"
local paths = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _duration_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk_closed_loop(
    port: int, paths: list[str], *, seconds: float, connections: int, threads: int = 2
) -> dict[str, float]:
    """``wrk`` with ``connections`` connections cycling through ``paths``: requests/s and latency."""
    if not wrk_available():
        raise RuntimeError("wrk is not installed: .ci/system-deps bench")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_LUA % ", ".join(_lua_string(p) for p in paths))
    try:
        out = subprocess.run(
            [
                "wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                "--timeout", "30s", "--latency", "-s", script.name, f"http://127.0.0.1:{port}",
            ],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(int(g) for g in sock.groups()) if sock else 0)
    percentiles = dict(re.findall(r"^\s*(50|75|90|99)%\s+([\d.]+[a-z]+)\s*$", out, re.MULTILINE))
    good = max(0, requests - errors)
    return {
        # Only the answers that succeeded count as throughput.
        "rps": rps * good / requests if requests else 0.0,
        "p50_ms": _duration_ms(percentiles["50"]) if "50" in percentiles else float("nan"),
        "p99_ms": _duration_ms(percentiles["99"]) if "99" in percentiles else float("nan"),
        "errors": errors,
    }


# --- Python load generators -------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * p) - 1)]


def open_loop(port: int, paths: list[str], *, rate: float, seconds: float) -> dict[str, float]:
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
    return {
        "rps": (len(latencies) - errors[0]) / (finished - start),
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "errors": errors[0],
    }


@dataclass
class Request:
    method: str
    path: str
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Answer:
    index: int
    status: int
    location: str
    ms: float


def closed_loop_once(port: int, requests: list[Request], *, connections: int) -> tuple[list[Answer], float]:
    """Send every request once, ``connections`` at a time, each as soon as a worker is free.

    Returns the answers (status 0: no answer) and the seconds from the first send to the last answer.
    """
    work: queue.Queue[int] = queue.Queue()
    for i in range(len(requests)):
        work.put(i)
    answers: list[Answer] = []
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            try:
                i = work.get_nowait()
            except queue.Empty:
                break
            r = requests[i]
            started = time.perf_counter()
            try:
                conn.request(r.method, r.path, body=r.body or None, headers=r.headers)
                response = conn.getresponse()
                response.read()
                answer = Answer(i, response.status, response.getheader("Location") or "", 0.0)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                answer = Answer(i, 0, "", 0.0)
            answer.ms = (time.perf_counter() - started) * 1000
            with lock:
                answers.append(answer)
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(min(connections, len(requests)))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers, max(time.perf_counter() - started, 1e-6)


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def log(scenario: str, message: str) -> None:
    print(f"  {scenario}: {message}", file=sys.stderr, flush=True)


def kwargs_line(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())
