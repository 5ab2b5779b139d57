"""Browser tests: Playwright (Python) driving Debian's Chromium against pytest-django's live server.

Skipped where Chromium or Playwright is missing (``make test`` installs Chromium on Debian through
``.ci/system-deps test``). Screenshots of every step go to ``test-artifacts/journey/`` (CI output).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings

from tests.accounts.totp import totp_code
from tests.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "journey"

try:  # pragma: no cover - depends on the machine
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # pragma: no cover
    sync_playwright = None  # type: ignore[assignment]


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    reason = ""
    if sync_playwright is None:
        reason = "Playwright is not installed"
    elif not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        reason = f"no Chromium at {CHROMIUM} (make test installs Debian's chromium)"
    for item in items:
        if "browser" in item.keywords and reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Django refuses ORM calls from a thread with a running event loop; Playwright's sync API runs
    # one in this thread, so the test's own ORM calls (time travel, assertions) need this switch.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield browser
        browser.close()


def with_totp(user: Any, secret: str) -> Any:
    """Enrol the user's authenticator with a known secret, as a phone app would after set-up."""
    TOTP.activate(user, secret)
    user.totp_secret = secret
    return user


def verified(user: Any) -> Any:
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


class Journey:
    """One browser context per person; numbered screenshots of every step."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.step = 0
        self.pages: dict[str, Page] = {}
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def url(self, path: str) -> str:
        return self.base_url + path

    def shot(self, page: Page, name: str) -> None:
        self.step += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        page.screenshot(path=str(ARTIFACTS / f"{self.step:02d}-{slug}.png"), full_page=True)

    def anonymous(self, key: str = "public", **context: Any) -> Page:
        if key not in self.pages:
            self.pages[key] = self.browser.new_context(locale="zh-CN", **context).new_page()
            self.pages[key].set_default_timeout(20_000)
        return self.pages[key]

    def login(self, user: Any, **context: Any) -> Page:
        """Sign in through the real pages (e-mail, password, and the TOTP code where the role needs it)."""
        key = user.email
        if key in self.pages:
            return self.pages[key]
        page = self.anonymous(key, **context)
        page.goto(self.url("/accounts/login/"))
        page.fill("input[name=login]", user.email)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.locator("form:has(input[name=password]) [type=submit]").first.click()
        secret = getattr(user, "totp_secret", None)
        if secret:
            page.wait_for_selector("input[name=code]")
            for _attempt in range(3):
                # A code typed at the end of its 30-second window may arrive after it: wait for a
                # fresh window when little of this one is left, and try again if it was refused.
                if 30 - time.time() % 30 < 5:
                    time.sleep(30 - time.time() % 30 + 0.5)
                page.fill("input[name=code]", totp_code(secret))
                with page.expect_navigation():
                    page.locator("form:has(input[name=code]) [type=submit]").first.click()
                if "/2fa/" not in page.url:
                    break
                time.sleep(30 - time.time() % 30 + 0.5)
        page.wait_for_url(re.compile(r"^(?!.*/accounts/(login|2fa)/).*$"))
        return page

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report


@pytest.fixture
def journey(request: Any, browser: Browser, live_server: Any) -> Iterator[Journey]:
    j = Journey(browser, live_server.url)
    yield j
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        # Every open window as it was when the step failed: the first thing to look at in CI output.
        for key, page in j.pages.items():
            slug = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
            page.screenshot(path=str(ARTIFACTS / f"failed-{slug}.png"), full_page=True)
    j.close()


def wait_ok(page: Page) -> None:
    """The page shows no form error."""
    expect(page.locator(".errorlist, .error[role=alert]")).to_have_count(0)


def settle(seconds: float = 0.0) -> None:
    time.sleep(seconds)
