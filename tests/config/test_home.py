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
