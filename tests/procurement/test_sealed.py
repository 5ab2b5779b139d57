"""SEALED MEANS SEALED (DOMAIN.md "Sealed bids and integrity").

A canary goes into a bid's price and into one of its documents. Before the opening time, for the
purchaser, a superuser in the admin site, another supplier, a supervisor, the bidder itself and an
anonymous visitor, every page we can reach (every URL pattern with the ids of this tender, bid and
document filled in, and every admin changelist and change page) is fetched: neither canary appears.
Nor in e-mails, log lines, any text or binary column of any table, or any stored file. After the
opening the price is there, and the hashes verify.
"""

from __future__ import annotations

import io
import logging
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role
from procurement.models import Bid
from procurement.services.bids import bid_add_document, bid_create_draft, bid_submit, bids_mark_reconfirm
from procurement.services.opening import tender_open
from tests.conftest import _verified
from tests.factories import UserFactory
from tests.procurement.bidding import (  # noqa: F401 (fixture)
    PDF,
    fast_passwords,
    make_bidder,
    make_tender,
    pass_deadline,
    purchaser_of,
    submit_bid,
)

pytestmark = pytest.mark.django_db

PRICE = Decimal("987654.32")
PRICE_FORMS = ["987654.32", "987654", "987,654", "987 654", "９８７６５４"]
DOC_CANARY = "CANARY-DOC-5150-纸条"


def _patterns(resolver: Any = None, prefix: str = "") -> list[tuple[str, Any]]:
    """Every URL route in the project as (route text, pattern)."""
    out: list[tuple[str, Any]] = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if "admin" in str(entry.pattern):
                continue  # the admin is crawled through its registry below
            out.extend(_patterns(entry, prefix + str(entry.pattern)))
        elif isinstance(entry, URLPattern):
            out.append((prefix + str(entry.pattern), entry))
    return out


def _fill(route: str, ids: dict[str, int]) -> list[str]:
    """Concrete URLs for a route: ids of our tender, bid and document in every int slot."""
    if route.startswith("^") or "(?P" in route:
        return []  # regex routes (allauth, i18n) take no ids of ours
    slots = re.findall(r"<(?:(\w+):)?(\w+)>", route)
    if not slots:
        return ["/" + route]
    urls = []
    for candidate in ids.values():
        url = route
        for conv, name in slots:
            value = ids.get("document") if "document" in name else candidate
            if conv in ("str", "slug", "uuid", "path", "") and conv != "int":
                value = "x"
            url = re.sub(r"<(?:\w+:)?" + name + ">", str(value if value is not None else 1), url, count=1)
        urls.append("/" + url)
    return urls


def _leaks(text: str) -> list[str]:
    return [c for c in [*PRICE_FORMS, DOC_CANARY] if c in text]


@pytest.fixture
def sealed(caplog: Any) -> dict[str, Any]:
    caplog.set_level(logging.DEBUG)
    tender = make_tender(budget="1000000.00")
    owner, org = make_bidder()
    bid = bid_create_draft(tender=tender, organisation=org, by=owner)
    bid_add_document(
        bid=bid, name="报价说明.pdf", stream=io.BytesIO(PDF + DOC_CANARY.encode() + b"\n%%EOF"), by=owner
    )
    bid = bid_submit(bid=bid, price=PRICE, by=owner)
    other, other_org = make_bidder()
    submit_bid(tender, other, other_org, price="500000.00")
    bids_mark_reconfirm(tender=tender, by=purchaser_of(tender))
    return {"tender": tender, "bid": bid, "owner": owner, "other": other}


def _viewers(sealed: dict[str, Any]) -> dict[str, Any]:
    tender = sealed["tender"]
    return {
        "purchaser": purchaser_of(tender),
        "superuser": _verified(UserFactory(role="", is_superuser=True, is_staff=True)),
        "other_supplier": _verified(sealed["other"]),
        "bidder_itself": _verified(sealed["owner"]),
        "supervisor": _verified(UserFactory(role=Role.SUPERVISOR, department=tender.department)),
        "anonymous": None,
    }


def test_no_page_shows_the_sealed_bid(sealed: dict[str, Any], caplog: Any) -> None:
    bid = sealed["bid"]
    doc = bid.documents.get()
    ids = {
        "tender": sealed["tender"].pk,
        "bid": bid.pk,
        "document": doc.pk,
        "organisation": bid.organisation_id,
    }
    urls = sorted({u for route, _ in _patterns() for u in _fill(route, ids)})
    admin_urls = []
    for model, _admin in admin.site._registry.items():
        meta = model._meta
        admin_urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        first = model._default_manager.order_by("pk").values_list("pk", flat=True)[:3]
        admin_urls += [reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk]) for pk in first]
    admin_urls.append(reverse("admin:index"))
    assert reverse("procurement:bid_detail", args=[bid.pk]) in urls
    assert reverse("admin:procurement_bid_change", args=[bid.pk]) in admin_urls

    fetched = 0
    for role, user in _viewers(sealed).items():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        for url in urls + admin_urls:
            response = client.get(url, {"q": "987654"}) if "search" in url else client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode("utf-8", "replace")
            if "search" in url:
                # A search page repeats the visitor's own query (the box, the facet links): that is
                # the visitor's input, not the bid. What must not appear is a result carrying it.
                text = text.replace('value="987654"', "").replace("q=987654", "")
            assert not _leaks(text), f"{role} sees a canary at {url}"
            fetched += 1
    assert fetched > 100
    for message in mail.outbox:
        assert not _leaks(f"{message.subject}\n{message.body}\n{message.alternatives}")
    assert not _leaks("\n".join(r.getMessage() for r in caplog.records))


def test_the_database_and_storage_hold_only_ciphertext(sealed: dict[str, Any]) -> None:
    canaries = [c.encode() for c in [*PRICE_FORMS, DOC_CANARY]]
    scanned = 0
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (table names from introspection)
            for row in cursor.fetchall():
                for value in row:
                    raw = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
                    assert not any(c in raw for c in canaries), f"canary in table {table}"
                    scanned += 1
    assert scanned > 0
    files = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        assert not any(c in data for c in canaries), path
        assert PDF not in data
    assert Bid.objects.get(pk=sealed["bid"].pk).opened_price is None


def test_after_opening_the_price_appears_and_verifies(sealed: dict[str, Any]) -> None:
    tender = pass_deadline(sealed["tender"])
    purchaser = purchaser_of(tender)
    record = tender_open(tender=tender, by=purchaser)
    assert record.all_hashes_ok
    client = Client()
    client.force_login(purchaser)
    page = client.get(reverse("procurement:opening_record", args=[tender.pk])).content.decode()
    assert "987654.32" in page
    client.force_login(_verified(sealed["other"]))  # a bidder sees the opening record too
    assert "987654.32" in client.get(reverse("procurement:opening_record", args=[tender.pk])).content.decode()
    doc = sealed["bid"].documents.get()
    client.force_login(purchaser)
    response = client.get(reverse("procurement:bid_document", args=[sealed["bid"].pk, doc.pk]))
    assert DOC_CANARY.encode() in response.content
