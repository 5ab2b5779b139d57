"""Settings in both modes, each imported in a fresh interpreter with exactly the environment given.

The same code must give the embedded default with no environment at all and the production setup
with the production variables (STYLE.md: production differs only by environment).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

BASE_DIR = Path(django_settings.BASE_DIR)

PROBE = """
import json
import django
from django.conf import settings
django.setup()
from django.core.cache import caches
from django.core.files.storage import storages
from config.celery import app
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "db_engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "db_host": settings.DATABASES["default"].get("HOST", ""),
    "celery_eager": app.conf.task_always_eager,
    "celery_broker": app.conf.broker_url,
    "cache": type(caches["default"]).__module__ + "." + type(caches["default"]).__name__,
    "search": settings.SEARCH_BACKEND,
    "email": settings.EMAIL_BACKEND,
    "storage": type(storages["default"]).__module__ + "." + type(storages["default"]).__name__,
    "bucket": getattr(storages["default"], "bucket_name", None),
    "secret_key": settings.SECRET_KEY,
    "master_key": settings.GOVBUY_MASTER_KEY,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "language": settings.LANGUAGE_CODE,
}))
"""

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x7Gm2V9qLw4Zr8Tb1Ny6Kc3Hd5Pf0Js-Ua7Ex2Wi9Qo4Rl6Mv1Bz8Yt3Gn5Cs0Dk",
    "GOVBUY_MASTER_KEY": "q1Zk3m5t7v9x1z3B5D7F9H1J3L5N7P9R1T3V5X7Z9bc=",
    "DATABASE_URL": "postgres://govbuy:secret@db.internal:5432/govbuy",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "REDIS_URL": "redis://redis.internal:6379/1",
    "ELASTICSEARCH_URL": "http://es.internal:9200",
    "AWS_STORAGE_BUCKET_NAME": "govbuy-files",
    "AWS_S3_ENDPOINT_URL": "https://oss.example.org",
    "ALLOWED_HOSTS": "govbuy.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://govbuy.example.org",
    "SITE_URL": "https://govbuy.example.org",
}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run with only ``env`` (plus PATH and the settings module): nothing leaks from the test run."""
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": "config.settings"}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=full_env, capture_output=True, text=True, timeout=120
    )


def _probe(env: dict[str, str]) -> dict[str, Any]:
    result = _run(["-c", PROBE], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_empty_environment_gives_the_embedded_default(tmp_path: Path) -> None:
    secrets_file = tmp_path / "local" / "secrets.env"
    first = _probe({"GOVBUY_LOCAL_SECRETS": str(secrets_file)})

    assert first["DEBUG"] is True
    assert first["db_engine"] == "django.db.backends.sqlite3"
    assert first["db_name"] == str(BASE_DIR / "db.sqlite3")
    assert first["celery_eager"] is True
    assert first["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert first["search"] == "database"
    assert first["email"] == "django.core.mail.backends.console.EmailBackend"
    assert first["storage"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert first["language"] == "zh-hans"

    # The secrets were generated into the file, readable by its owner only ...
    assert secrets_file.exists()
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    body = secrets_file.read_text()
    assert f"SECRET_KEY={first['secret_key']}" in body
    assert f"GOVBUY_MASTER_KEY={first['master_key']}" in body
    assert len(first["secret_key"]) >= 50
    # ... and the next start reuses them (sessions and sealed bids survive a restart).
    second = _probe({"GOVBUY_LOCAL_SECRETS": str(secrets_file)})
    assert (second["secret_key"], second["master_key"]) == (first["secret_key"], first["master_key"])
    assert secrets_file.read_text() == body


def test_two_first_starts_at_once_agree_on_the_secrets(tmp_path: Path) -> None:
    """runserver's reloader and a worker may both be the first to start: they must not disagree."""
    secrets_file = tmp_path / "secrets.env"
    env = {
        **os.environ,
        "GOVBUY_LOCAL_SECRETS": str(secrets_file),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    for name in ("DEBUG", "SECRET_KEY", "GOVBUY_MASTER_KEY"):
        env.pop(name, None)
    code = "import django; from django.conf import settings; django.setup(); print(settings.SECRET_KEY)"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    keys = {p.communicate(timeout=120)[0].strip() for p in procs}
    assert len(keys) == 1
    assert f"SECRET_KEY={keys.pop()}" in secrets_file.read_text()


def test_a_start_that_found_no_file_keeps_the_one_another_start_wrote_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race behind the test above, made certain: this start read before the other wrote."""
    from config import local_secrets

    path = tmp_path / "secrets.env"
    first = local_secrets.load_or_create(path)  # the other start, first to write
    real_read = local_secrets._read
    reads: list[Path] = []

    def read_before_the_other_wrote(p: Path) -> dict[str, str]:
        reads.append(p)
        return {} if len(reads) == 1 else real_read(p)

    monkeypatch.setattr(local_secrets, "_read", read_before_the_other_wrote)
    assert local_secrets.load_or_create(path) == first
    assert real_read(path) == first


def test_production_environment_gives_the_production_setup() -> None:
    prod = _probe(PRODUCTION_ENV)

    assert prod["DEBUG"] is False
    assert prod["db_engine"] == "django.db.backends.postgresql"
    assert (prod["db_host"], prod["db_name"]) == ("db.internal", "govbuy")
    assert prod["celery_eager"] is False
    assert prod["celery_broker"] == "redis://redis.internal:6379/0"
    assert prod["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert prod["search"] == "elasticsearch"
    assert prod["storage"] == "storages.backends.s3.S3Storage"
    assert prod["bucket"] == "govbuy-files"
    assert prod["secret_key"] == PRODUCTION_ENV["SECRET_KEY"]
    assert prod["master_key"] == PRODUCTION_ENV["GOVBUY_MASTER_KEY"]
    assert prod["session_cookie_secure"] is True
    assert prod["csrf_cookie_secure"] is True
    assert prod["ssl_redirect"] is True
    assert prod["hsts"] >= 31536000
    assert prod["allowed_hosts"] == ["govbuy.example.org"]


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"DEBUG": "false"}, "SECRET_KEY, GOVBUY_MASTER_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": PRODUCTION_ENV["SECRET_KEY"]}, "GOVBUY_MASTER_KEY"),
        ({"DEBUG": "false", "GOVBUY_MASTER_KEY": PRODUCTION_ENV["GOVBUY_MASTER_KEY"]}, "SECRET_KEY"),
    ],
)
def test_production_without_secrets_refuses_to_start(
    tmp_path: Path, env: dict[str, str], missing: str
) -> None:
    secrets_file = tmp_path / "secrets.env"
    result = _run(["-c", PROBE], {**env, "GOVBUY_LOCAL_SECRETS": str(secrets_file)})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"must come from the environment: {missing}" in result.stderr
    assert not secrets_file.exists()  # production never falls back to generated secrets


def test_a_master_key_of_the_wrong_size_refuses_to_start() -> None:
    result = _run(["-c", PROBE], {**PRODUCTION_ENV, "GOVBUY_MASTER_KEY": "dG9vLXNob3J0"})
    assert result.returncode != 0
    assert "GOVBUY_MASTER_KEY must be url-safe base64 of exactly 32 random bytes" in result.stderr


def test_check_deploy_with_production_environment_is_clean() -> None:
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr
