"""Review finding (low): per-address rate limits on the public pages without an account behind them.

/verify/<code> (code look-up), /verify/ (PDF upload, up to 30 MB each) and the public survey page
(a wrong token is a guess) answer 429 once an address has used up its window; another address is
not affected. The failed-login limit is allauth's (tests/accounts/test_authentication.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.ratelimit import DEFAULT_LIMITS

pytestmark = pytest.mark.django_db

# Small limits, and a window of an hour so the test never straddles two windows.
LIMITS = {"verify_lookup": (3, 3600), "verify_upload": (2, 3600), "survey": (4, 3600)}


@pytest.fixture(autouse=True)
def small_limits(settings: Any) -> None:
    settings.GOVBUY_RATE_LIMITS = LIMITS


def _statuses(client: Client, method: str, url: str, times: int, **extra: Any) -> list[int]:
    call = client.get if method == "GET" else client.post
    out = []
    for _ in range(times):
        data = {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4 nothing")} if method == "POST" else None
        out.append(call(url, data, **extra).status_code)
    return out


@pytest.mark.parametrize(
    ("scope", "method", "url", "allowed_status"),
    [
        ("verify_lookup", "GET", "/verify/GBV-0000-0000-0000", 404),
        ("verify_upload", "POST", "/verify/", 200),
        ("survey", "GET", "/survey/not-a-real-token/", 404),
    ],
)
def test_public_pages_answer_429_after_the_limit(
    scope: str, method: str, url: str, allowed_status: int
) -> None:
    limit = LIMITS[scope][0]
    client = Client(REMOTE_ADDR="203.0.113.7")
    statuses = _statuses(client, method, url, limit + 2)
    assert statuses == [allowed_status] * limit + [429, 429]
    # Another address has its own window.
    other = Client(REMOTE_ADDR="203.0.113.8")
    assert _statuses(other, method, url, 1) == [allowed_status]


def test_the_verify_page_itself_is_not_limited_by_viewing_it() -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert {client.get(reverse("documents:verify")).status_code for _ in range(5)} == {200}


def test_defaults_are_generous_enough_for_people_and_tight_for_scripts() -> None:
    for scope, (limit, period) in DEFAULT_LIMITS.items():
        assert period == 60, scope
        assert 5 <= limit <= 60, scope
