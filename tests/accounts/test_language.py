"""The language switch: the page changes at once, and a signed-in user's e-mails follow the choice."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_switching_language_is_kept_on_the_account() -> None:
    user = UserFactory(role=Role.SUPPLIER, language="zh-hans")
    client = Client()
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"}, follow=True)
    assert '<html lang="en">' in response.content.decode()
    user.refresh_from_db()
    assert user.language == "en"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    user.refresh_from_db()
    assert user.language == "zh-hans"


def test_unknown_language_changes_nothing() -> None:
    user = UserFactory(role=Role.SUPPLIER, language="zh-hans")
    client = Client()
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "zh-hans"


def test_anonymous_visitor_switches_too() -> None:
    response = Client().post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert '<html lang="en">' in response.content.decode()
    assert Client().get("/i18n/setlang/").status_code == 405
