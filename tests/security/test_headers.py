"""Security headers with the production settings (a subprocess: settings are read at start-up).

The production environment of tests/config/test_settings.py, with the database, cache and search
swapped for local ones so a request can be served: HSTS, nosniff, Referrer-Policy, X-Frame-Options
DENY, COOP, an HTTP request redirected to HTTPS, and the session and CSRF cookies Secure/HttpOnly.
``manage.py check --deploy`` clean: tests/config/test_settings.py::test_check_deploy_with_production_environment_is_clean.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.config.test_settings import PRODUCTION_ENV, _run

SERVE = r"""
import json, django
django.setup()
from django.conf import settings
# The hashed-name manifest exists only after collectstatic (a deployment step); the headers do not
# depend on it, so serve static names plainly here.
settings.STORAGES = {**settings.STORAGES,
                     "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
from django.test import Client
client = Client(HTTP_HOST="govbuy.example.org")
page = client.get("/verify/", secure=True)
plain = client.get("/verify/")
cookies = {k: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"]), "samesite": m["samesite"]}
           for r in (page,) for k, m in r.cookies.items()}
print(json.dumps({"status": page.status_code, "headers": dict(page.headers), "plain": plain.status_code,
                  "plain_location": plain.get("Location", ""), "cookies": cookies}))
"""


def test_production_responses_carry_the_security_headers(tmp_path: Path) -> None:
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "memory://",
        "ELASTICSEARCH_URL": "",
    }
    result = _run(["-c", SERVE], env)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    headers = {k.lower(): v for k, v in out["headers"].items()}
    assert out["status"] == 200
    assert "max-age=31536000" in headers["strict-transport-security"]
    assert "includeSubDomains" in headers["strict-transport-security"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert out["plain"] == 301
    assert out["plain_location"].startswith("https://govbuy.example.org/")
    assert out["cookies"], "a form page sets the CSRF cookie"
    for name, flags in out["cookies"].items():
        assert flags["secure"], name
        assert flags["samesite"] in ("Lax", "Strict"), name
    if "sessionid" in out["cookies"]:
        assert out["cookies"]["sessionid"]["httponly"]
