"""Fixtures for the whole suite. Tests run on SQLite by default and on PostgreSQL + Redis in CI."""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.utils import translation
from pytest_django.plugin import blocking_manager_key

from accounts.models import Role, User
from config.celery import app as celery_app
from tests.factories import PASSWORD, DepartmentFactory, MembershipFactory, UserFactory


def pytest_configure(config: Any) -> None:
    """Parallel workers (pytest -n) each get their own Redis broker database, as they get their own
    cache: a test's real worker (tests/reliability, tests/accounts/test_worker.py) must not take
    another worker's messages (14 is the first worker's, as in .ci/run)."""
    from django.conf import settings

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("CELERY_BROKER_URL", "")
    if worker and url.startswith("redis://"):
        db = (14, 6, 5, 4, 3, 2, 1, 0)[int(worker.removeprefix("gw") or 0) % 8]
        url = re.sub(r"/\d+$", f"/{db}", url)
        os.environ["CELERY_BROKER_URL"] = url
        settings.CELERY_BROKER_URL = url
        celery_app.conf.broker_url = url


@pytest.fixture(autouse=True)
def _isolation(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Each test: its own media folder, local e-mail outbox, empty cache, Celery run in-process."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # PBKDF2's deliberate slowness is for attackers, not for a suite that creates hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    default_cache = settings.CACHES["default"]
    if worker and default_cache["BACKEND"].endswith("RedisCache"):
        # Parallel workers (pytest -n) each get their own Redis database: a worker clearing the cache
        # must not wipe another's counters (login limits, rate limits). 14 is the test broker's.
        db = (15, 13, 12, 11, 10, 9, 8, 7)[int(worker.removeprefix("gw") or 0) % 8]
        location = re.sub(r"/\d+$", f"/{db}", default_cache["LOCATION"])
        settings.CACHES = {**settings.CACHES, "default": {**default_cache, "LOCATION": location}}
    cache.clear()
    # A request through LocaleMiddleware leaves its language active in the thread: start every test
    # in the default language so no test depends on which ran before it.
    translation.activate(settings.LANGUAGE_CODE)
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager
    translation.activate(settings.LANGUAGE_CODE)
    cache.clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


def _verified(user: User) -> User:
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


@pytest.fixture
def department(db: Any) -> Any:
    return DepartmentFactory(code="JMMZ", name="江门市民政局")


@pytest.fixture
def purchaser(department: Any) -> User:
    return _verified(UserFactory(role=Role.PURCHASER, department=department, is_department_admin=True))


@pytest.fixture
def supplier(db: Any) -> User:
    return _verified(UserFactory(role=Role.SUPPLIER))


@pytest.fixture
def supplier_membership(supplier: User) -> Any:
    return MembershipFactory(user=supplier, is_admin=True)


@pytest.fixture
def directory_admin(department: Any) -> User:
    return _verified(UserFactory(role=Role.DIRECTORY_ADMIN, department=department))


@pytest.fixture
def verified_user() -> Any:
    return _verified


_SKIPPED_AT_SETUP = pytest.StashKey[bool]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "setup" and report.skipped:
        item.stash[_SKIPPED_AT_SETUP] = True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: Any, nextitem: Any) -> Iterator[None]:
    """A transactional test (live server, ``transaction=True``) ends by flushing every table, the
    rows the data migrations wrote included (service categories, the standard indicator template).
    Write them again once the flush is done, so whichever test runs next on this worker (any order,
    any ``pytest -n`` distribution) finds the database as migrations left it."""
    yield
    marker = item.get_closest_marker("django_db")
    transactional = bool(
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        or (marker is not None and marker.kwargs.get("transaction"))
    )
    # The last test of a worker (nextitem None) has already taken the session's test database down
    # with it: nothing follows that could need the rows.
    # A test skipped before it started (skipif: no PostgreSQL, no broker) set no fixture up, maybe not
    # even the database: nothing was flushed. (``item.funcargs`` cannot tell: it is empty after teardown.)
    ran = not item.stash.get(_SKIPPED_AT_SETUP, False)
    if not transactional or not ran or nextitem is None or blocking_manager_key not in item.config.stash:
        return
    from django.apps import apps as django_apps

    with item.config.stash[blocking_manager_key].unblock():
        for module, function in (
            ("vendors.migrations.0004_seed_service_categories", "seed"),
            ("evaluation.migrations.0002_standard_template", "create"),
        ):
            getattr(importlib.import_module(module), function)(django_apps, None)
