"""CSRF: every route refuses a POST without the token (``Client(enforce_csrf_checks=True)``), for an
anonymous visitor and a signed-in user alike; nothing is changed. Routes exempt from CSRF are listed
with their reason: the API's token-authenticated calls (DRF exempts them only when no session cookie
authenticates them) and a visitor's request for a public document (no session, so no authority to
borrow; the cached public pages carry no token, accounts/pagecache.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import AuditEntry, Role
from tests.conftest import _verified
from tests.factories import DepartmentFactory, UserFactory
from tests.security.routes import all_routes, fill
from tests.security.world import World

pytestmark = pytest.mark.django_db

# Anonymous API calls are not session-authenticated: DRF answers 401/403 before any CSRF question.
CSRF_EXEMPT_ANONYMOUS = ("api:", "ocds:", "api-schema", "api-docs", "api-reference")
# A visitor without a session may ask for a public document without a token; the bogus form here
# names no document kind, so the answer is the same 404 as any unknown document.
CSRF_EXEMPT_VISITOR = ("documents:request",)


def test_every_post_without_the_token_is_refused() -> None:
    user = _verified(
        UserFactory(role=Role.PURCHASER, department=DepartmentFactory(), is_department_admin=True)
    )
    world = World(objects={"notification": type("N", (), {"pk": 1})()})
    for key in ("org_a", "evaluation", "bid_a", "award", "contract", "committee_member", "sealed_tender"):
        world.objects[key] = type("O", (), {"pk": 1, "credit_code": "91440700MA00000000"})()
    world.objects["doc_a"] = world.objects["indicator"] = world.objects["bid_a"]
    world.objects["awarded_tender"] = world.objects["sealed_tender"]
    before = AuditEntry.objects.count()
    problems = []
    for signed_in in (False, True):
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        if signed_in:
            client.force_login(user)
        for route in all_routes():
            url = fill(route, world)
            response = client.post(url, {"x": "1"})
            anonymous_api = not signed_in and route.name.startswith(CSRF_EXEMPT_ANONYMOUS)
            expected: Any = {401, 403, 404, 405} if anonymous_api else {403}
            if not signed_in and route.name in CSRF_EXEMPT_VISITOR:
                expected = {404}
            if response.status_code not in expected:
                problems.append(f"POST {url} ({route.name}) signed_in={signed_in}: {response.status_code}")
    assert not problems, "\n".join(problems)
    assert AuditEntry.objects.count() == before
