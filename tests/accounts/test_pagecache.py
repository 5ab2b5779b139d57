"""The anonymous page cache (accounts/pagecache.py): who gets a cached page, what it holds, and that
any change to public data makes it stale."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from procurement.models import Tender
from tests.factories import UserFactory
from tests.procurement.factories import department_purchaser, force_state, make_published

pytestmark = pytest.mark.django_db

LIST = "/procurement/tenders/"


@pytest.fixture
def tender() -> Tender:
    return make_published(department_purchaser(), title="长者饭堂运营服务项目")


def test_an_anonymous_visitor_gets_the_second_view_from_the_cache_without_a_query(
    client: Client, tender: Tender, django_assert_num_queries: Any
) -> None:
    first = client.get(LIST)
    assert first.status_code == 200
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(LIST)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "长者饭堂运营服务项目" in second.content.decode()
    assert second["Content-Type"] == first["Content-Type"]
    assert second["X-Frame-Options"] == "DENY"


def test_a_cached_page_carries_no_csrf_token_and_sets_no_cookie(client: Client, tender: Tender) -> None:
    for path in (LIST, tender.get_absolute_url(), "/"):
        response = client.get(path)
        body = response.content.decode()
        assert response.get("X-Page-Cache") == "miss", (path, response.status_code, response.cookies)
        assert "csrfmiddlewaretoken" not in body
        assert "X-CSRFToken" not in body
        assert not response.cookies
        # the language switch of a cached page is a GET form to the cookie-only switch
        assert f'action="{reverse("language_switch")}" method="get"' in body


def test_a_change_to_public_data_makes_the_cached_pages_stale(client: Client, tender: Tender) -> None:
    client.get(LIST)
    purchaser = department_purchaser()
    make_published(purchaser, title="居家养老上门服务项目")
    response = client.get(LIST)
    assert response["X-Page-Cache"] == "miss"
    assert "居家养老上门服务项目" in response.content.decode()

    client.get(tender.get_absolute_url())
    force_state(tender, "cancelled", cancel_reason="预算调整")
    response = client.get(tender.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"


def test_each_language_has_its_own_entry(client: Client, tender: Tender) -> None:
    chinese = client.get(LIST)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(LIST)
    assert english["X-Page-Cache"] == "miss"
    assert english["Content-Language"] == "en"
    assert chinese["Content-Language"] == "zh-hans"
    assert english.content != chinese.content
    assert client.get(LIST)["X-Page-Cache"] == "hit"


def test_a_signed_in_user_never_gets_a_cached_page(client: Client, tender: Tender) -> None:
    client.get(LIST)
    assert client.get(LIST)["X-Page-Cache"] == "hit"
    user = UserFactory(role=Role.SUPPLIER, full_name="王小明")
    client.force_login(user)
    response = client.get(LIST)
    assert "X-Page-Cache" not in response
    body = response.content.decode()
    assert "王小明" in body
    assert "csrfmiddlewaretoken" in body  # the signed-in page has its own token and the POST switch
    assert reverse("language_switch") not in body


def test_a_visitor_with_a_pending_message_gets_a_fresh_page(client: Client, tender: Tender) -> None:
    client.get(LIST)
    client.cookies["messages"] = "anything"
    assert "X-Page-Cache" not in client.get(LIST)


def test_only_decorated_successful_pages_are_stored(client: Client) -> None:
    assert "X-Page-Cache" not in client.get(reverse("account_login"))
    missing = client.get("/procurement/tenders/999999/")
    assert missing.status_code == 404
    assert "X-Page-Cache" not in missing
    assert client.get("/procurement/tenders/999999/").status_code == 404


def test_a_draft_is_not_cached_for_anyone(client: Client) -> None:
    purchaser = department_purchaser()
    from tests.procurement.factories import make_draft

    draft = make_draft(purchaser)
    anonymous = client.get(draft.get_absolute_url())
    assert anonymous.status_code == 302
    client.force_login(purchaser)
    assert client.get(draft.get_absolute_url()).status_code == 200
    client.logout()
    assert client.get(draft.get_absolute_url()).status_code == 302


def test_the_cache_can_be_switched_off(client: Client, tender: Tender, settings: Any) -> None:
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    client.get(LIST)
    response = client.get(LIST)
    assert "X-Page-Cache" not in response
    assert "csrfmiddlewaretoken" in response.content.decode()


def test_the_language_switch_sets_only_the_cookie_and_stays_on_the_site(client: Client) -> None:
    response = client.get(reverse("language_switch"), {"language": "en", "next": LIST})
    assert response.status_code == 302
    assert response["Location"] == LIST
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert client.get(LIST)["Content-Language"] == "en"

    away = client.get(reverse("language_switch"), {"language": "en", "next": "https://evil.example/"})
    assert away["Location"] == "/"
    unknown = client.get(reverse("language_switch"), {"language": "xx", "next": LIST})
    assert settings.LANGUAGE_COOKIE_NAME not in unknown.cookies
    assert client.post(reverse("language_switch"), {"language": "en"}).status_code == 405


def test_a_visitor_requests_a_public_document_from_a_cached_page_without_a_token(tender: Tender) -> None:
    from accounts.models import GeneratedDocument

    visitor = Client(enforce_csrf_checks=True)
    visitor.get(LIST)  # the cached pages set no CSRF cookie either
    form = {
        "kind": "procurement.tender_announcement",
        "object_type": "procurement.tender",
        "object_id": tender.pk,
    }
    response = visitor.post(reverse("documents:request"), form)
    assert response.status_code == 302
    assert GeneratedDocument.objects.filter(kind="procurement.tender_announcement").count() == 1

    # a signed-in user's request still needs the token
    member = Client(enforce_csrf_checks=True)
    member.force_login(UserFactory(role=Role.SUPPLIER))
    assert member.post(reverse("documents:request"), form).status_code == 403


def test_a_sealed_bid_keeps_the_cached_pages_and_its_opening_makes_them_stale(client: Client) -> None:
    """Before the opening nothing of a bid is public: a bid rush must not empty the page cache
    (every submission writes a bid, a receipt and a sealed audit entry). The opening must."""
    import io

    from procurement.services.bids import bid_add_document, bid_remove_document, bid_replace
    from procurement.services.opening import tender_open
    from tests.procurement.bidding import make_bidder, make_tender, pass_deadline, purchaser_of, submit_bid
    from tests.procurement.factories import PDF

    tender = make_tender()
    user, organisation = make_bidder(cat=tender.category)
    pages = [LIST, tender.get_absolute_url(), "/"]
    for path in pages:
        assert client.get(path)["X-Page-Cache"] == "miss"
    generation = pagecache_generation()
    bid = submit_bid(tender, user, organisation)
    extra = bid_add_document(
        bid=bid_replace(bid=bid, by=user), name="补充.pdf", stream=io.BytesIO(PDF), by=user
    )
    bid_remove_document(document=extra, by=user)
    assert pagecache_generation() == generation
    for path in pages:
        assert client.get(path)["X-Page-Cache"] == "hit", path

    tender = pass_deadline(tender)
    tender_open(tender=tender, by=purchaser_of(tender))
    assert pagecache_generation() != generation
    assert client.get(tender.get_absolute_url())["X-Page-Cache"] == "miss"


def pagecache_generation() -> int:
    from accounts.pagecache import generation

    return generation()
