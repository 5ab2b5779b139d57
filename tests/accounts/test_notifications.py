"""Notifications: inbox in the reader's language, e-mail per preference in the recipient's
language, digests, at-most-once sending, and nobody sees or marks another user's notifications."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse

from accounts.models import EmailMode, Notification, NotificationPreference
from accounts.notifications import (
    DOCUMENT_FAILED_MESSAGE,
    notification_email_send,
    notification_preferences_set,
    notify,
    unread_count,
)
from accounts.tasks import send_daily_digests, send_notification_email
from tests.factories import PASSWORD, UserFactory

KIND = "document.failed"
ZH_TEXT = "未能生成"  # part of the Chinese translation of DOCUMENT_FAILED_MESSAGE
EN_TEXT = "could not be produced"


def _notify(users: list[Any], title: str = "测试文书", **kwargs: Any) -> None:
    notify(
        recipients=users,
        kind=kwargs.pop("kind", KIND),
        message=DOCUMENT_FAILED_MESSAGE,
        params={"title": title},
        url="/inbox/",
        **kwargs,
    )


@pytest.fixture
def zh_user(db: Any) -> Any:
    return UserFactory(language="zh-hans")


@pytest.fixture
def en_user(db: Any) -> Any:
    return UserFactory(language="en")


def test_email_follows_each_recipients_language(
    zh_user: Any, en_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _notify([zh_user, en_user], title="年度服务合同")
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {zh_user.email, en_user.email}
    zh, en = by_address[zh_user.email], by_address[en_user.email]
    assert ZH_TEXT in zh.subject
    assert "年度服务合同" in zh.body
    assert EN_TEXT not in zh.body
    assert EN_TEXT in en.subject
    assert "年度服务合同" in en.body
    assert ZH_TEXT not in en.body
    assert all(n.sent_at is not None for n in Notification.objects.all())


def test_message_is_stored_untranslated_with_its_params(zh_user: Any) -> None:
    _notify([zh_user], title="T-1")
    n = Notification.objects.get()
    assert n.message == DOCUMENT_FAILED_MESSAGE
    assert n.params == {"title": "T-1"}


def test_no_email_when_the_kind_is_switched_off(
    zh_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    notification_preferences_set(user=zh_user, modes={KIND: EmailMode.OFF}, by=zh_user)
    with django_capture_on_commit_callbacks(execute=True):
        _notify([zh_user])
    assert mail.outbox == []
    assert Notification.objects.get().email_mode == EmailMode.OFF
    assert unread_count(zh_user) == 1  # still in the inbox


def test_digest_collects_instead_of_sending_and_sends_once(
    zh_user: Any, en_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    notification_preferences_set(user=zh_user, modes={KIND: EmailMode.DIGEST}, by=zh_user)
    with django_capture_on_commit_callbacks(execute=True):
        _notify([zh_user], title="第一份")
        _notify([zh_user], title="第二份")
        _notify([en_user], title="immediate")  # en_user keeps the default: immediately
    assert [m.to for m in mail.outbox] == [[en_user.email]]

    mail.outbox.clear()
    assert send_daily_digests.delay().get() == 1
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == [zh_user.email]
    assert "第一份" in digest.body
    assert "第二份" in digest.body
    assert "2" in digest.subject

    send_daily_digests.delay()
    assert len(mail.outbox) == 1  # nothing left to send


def test_sending_is_idempotent(zh_user: Any) -> None:
    _notify([zh_user])  # no on_commit execution: nothing sent yet
    n = Notification.objects.get()
    assert n.sent_at is None
    send_notification_email.delay(n.pk)
    send_notification_email.delay(n.pk)
    assert notification_email_send(n.pk) is False
    assert len(mail.outbox) == 1


class FlakyBackend(EmailBackend):
    """An SMTP server that refuses the first connection."""

    calls = 0

    def send_messages(self, messages: Any) -> int:
        FlakyBackend.calls += 1
        if FlakyBackend.calls == 1:
            raise ConnectionRefusedError("SMTP server not reachable")
        return super().send_messages(messages)


def test_a_failed_send_is_retried_and_sent_once(zh_user: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.calls = 0
    _notify([zh_user])
    n = Notification.objects.get()
    # apply(throw=False): run eagerly the way a worker does, retrying instead of raising.
    send_notification_email.apply(args=[n.pk], throw=False)
    assert FlakyBackend.calls == 2
    assert len(mail.outbox) == 1
    n.refresh_from_db()
    assert n.sent_at is not None


def test_inactive_and_duplicate_recipients_are_skipped(zh_user: Any) -> None:
    gone = UserFactory(is_active=False)
    _notify([zh_user, zh_user, gone, None])
    assert list(Notification.objects.values_list("recipient", flat=True)) == [zh_user.pk]


def test_a_message_with_a_missing_parameter_fails_at_the_caller(zh_user: Any) -> None:
    with pytest.raises(KeyError):
        notify(recipients=[zh_user], kind=KIND, message=DOCUMENT_FAILED_MESSAGE, params={})


# --- the inbox --------------------------------------------------------------------------------------


def _login(client: Any, user: Any, language: str = "zh-hans") -> None:
    assert client.login(email=user.email, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


@pytest.mark.parametrize(
    ("language", "expected", "absent"), [("zh-hans", ZH_TEXT, EN_TEXT), ("en", EN_TEXT, ZH_TEXT)]
)
def test_inbox_shows_the_message_in_the_readers_language(
    client: Any, zh_user: Any, language: str, expected: str, absent: str
) -> None:
    _notify([zh_user], title="服务合同")
    _login(client, zh_user, language)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert expected in page
    assert absent not in page
    assert "服务合同" in page


def test_header_shows_unread_count(client: Any, zh_user: Any) -> None:
    _notify([zh_user])
    _notify([zh_user])
    _login(client, zh_user)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'id="unread-count"' in page
    assert "</span>2</span>" in page


def test_mark_read_in_place_with_htmx(client: Any, zh_user: Any) -> None:
    _notify([zh_user])
    _notify([zh_user])
    first = Notification.objects.order_by("pk").first()
    _login(client, zh_user)
    response = client.post(reverse("notifications:mark_read", args=[first.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{first.pk}"' in body
    assert "unread" not in body.split("\n")[0]
    assert 'hx-swap-oob="true"' in body
    assert "</span>1</span>" in body
    first.refresh_from_db()
    assert first.read_at is not None


def test_mark_all_read(client: Any, zh_user: Any, en_user: Any) -> None:
    _notify([zh_user, en_user])
    _notify([zh_user])
    _login(client, zh_user)
    response = client.post(reverse("notifications:mark_all_read"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "</span>0</span>" in response.content.decode()
    assert unread_count(zh_user) == 0
    assert unread_count(en_user) == 1  # someone else's stay unread


def test_another_users_notification_is_neither_visible_nor_markable(
    client: Any, zh_user: Any, en_user: Any
) -> None:
    _notify([en_user], title="别人的秘密")
    theirs = Notification.objects.get()
    _login(client, zh_user)
    assert "别人的秘密" not in client.get(reverse("notifications:inbox")).content.decode()
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_open_marks_read_and_follows_the_link(client: Any, zh_user: Any) -> None:
    _notify([zh_user])
    n = Notification.objects.get()
    _login(client, zh_user)
    response = client.post(reverse("notifications:open", args=[n.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/inbox/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_inbox_requires_sign_in(client: Any) -> None:
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("count", [3, 40])
def test_inbox_query_count_does_not_grow(
    client: Any, zh_user: Any, count: int, django_assert_max_num_queries: Any
) -> None:
    for i in range(count):
        _notify([zh_user], title=f"文书{i}")
    _login(client, zh_user)
    # session, user, page count, header unread count, the page of notifications (+1 slack)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200


# --- preferences ------------------------------------------------------------------------------------


def test_preferences_page_saves_choices(client: Any, zh_user: Any) -> None:
    _login(client, zh_user)
    page = client.get(reverse("notifications:preferences"))
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data["tender.published"] = EmailMode.DIGEST
    data[KIND] = EmailMode.OFF
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    assert dict(NotificationPreference.objects.filter(user=zh_user).values_list("kind", "email_mode")) == {
        "tender.published": EmailMode.DIGEST,
        KIND: EmailMode.OFF,
    }


def test_preferences_ignore_unknown_kinds_and_modes(zh_user: Any) -> None:
    notification_preferences_set(
        user=zh_user, modes={"no.such.kind": EmailMode.OFF, KIND: "sometimes"}, by=zh_user
    )
    assert not NotificationPreference.objects.exists()


def test_daily_digest_is_scheduled_with_a_real_task() -> None:
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["accounts.daily_notification_digest"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
