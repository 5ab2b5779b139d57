import pytest

pytestmark = pytest.mark.django_db


def test_home_page_is_chinese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "政府购买服务" in html


def test_home_page_in_english_after_switching_language(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Government Purchase of Social Services" in html


def test_an_english_browser_still_gets_chinese_until_the_visitor_switches(client):
    """Chinese first: Accept-Language is not consulted; the language switch (cookie) is."""
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html
    client.cookies["django_language"] = "en"
    assert '<html lang="en">' in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()


def test_a_signed_in_user_without_a_choice_gets_their_saved_language(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(language="en"))
    assert '<html lang="en">' in client.get("/").content.decode()
    client.cookies["django_language"] = "zh-hans"  # a choice made in this browser wins
    assert '<html lang="zh-hans">' in client.get("/").content.decode()
