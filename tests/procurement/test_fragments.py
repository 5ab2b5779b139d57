"""The tender list's rows and the tender page's public parts kept for every visitor
(procurement.fragments): served again without their queries, fresh after every change that shows
on them, never kept for a draft, renewed again after commit."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from procurement import fragments
from procurement.models import Tender, TenderStatus
from procurement.services.tenders import (
    amendment_publish,
    clarification_answer,
    tender_cancel,
    tender_document_add,
)
from procurement.views.tenders import TENDER_PART_TEMPLATES, tender_parts_key
from tests.factories import MembershipFactory
from tests.procurement.factories import PDF, department_purchaser, make_draft, make_published

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fragments_on(settings: Any) -> None:
    settings.PUBLIC_FRAGMENT_SECONDS = 300
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0  # the whole-page cache would hide what the fragments do


@pytest.fixture(autouse=True)
def _english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def owner() -> Any:
    return department_purchaser()


@pytest.fixture
def supplier_client(client: Client) -> Client:
    client.force_login(MembershipFactory(is_admin=True).user)
    return client


def _main(html: str) -> str:
    """The page's own content (the layout around it carries the visitor's CSRF token)."""
    return html[html.index("<main") : html.index("</main>")]


def _detail(client: Client, tender: Tender) -> str:
    response = client.get(reverse("procurement:tender_detail", args=[tender.pk]))
    assert response.status_code == 200
    return _main(response.content.decode())


def _queries(client: Client, url: str) -> tuple[list[str], str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries], _without_tokens(_main(response.content.decode()))


def _without_tokens(html: str) -> str:
    """The document buttons carry the signed-in visitor's CSRF token, drawn per request."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def _rows(html: str) -> str:
    """The list's table (the filter form names every department too)."""
    return html[html.index('<table class="table">') : html.index("</table>")]


def _kept_parts(tender: Tender) -> list[dict[str, str]]:
    """The tender's kept parts, one dict per language drawn."""
    found = []
    for language, _name in settings.LANGUAGES:
        key = fragments.key_for(tender_parts_key(tender.pk, language), TENDER_PART_TEMPLATES)
        entry = cache.get(key)
        if entry is not None:
            found.append(entry[2])
    return found


def test_tender_page_parts_come_from_the_cache_without_the_lists_queries(
    supplier_client: Client, owner: Any
) -> None:
    tender = make_published(owner)
    clarification_answer(tender=tender, by=owner, answer="服务时间为工作日")
    url = reverse("procurement:tender_detail", args=[tender.pk])
    first_sql, first = _queries(supplier_client, url)
    second_sql, second = _queries(supplier_client, url)
    assert "服务时间为工作日" in second
    assert "招标文件1" in second
    assert "服务方案" in second
    assert second == first
    # the criteria, documents and amendments are not read again; of the clarifications only the
    # visitor's own unanswered questions are
    lists = ("procurement_scoringcriterion", "procurement_tenderdocument", "procurement_amendment")
    assert all(any(table in sql for sql in first_sql) for table in lists)
    assert not any(table in sql for sql in second_sql for table in lists)
    assert len(second_sql) < len(first_sql)


def test_every_change_shown_on_the_tender_page_makes_its_parts_fresh(
    supplier_client: Client, owner: Any
) -> None:
    tender = make_published(owner)
    assert "No clarifications have been published." in _detail(supplier_client, tender)

    clarification_answer(tender=tender, by=owner, answer="澄清：场地由采购人提供")
    assert "澄清：场地由采购人提供" in _detail(supplier_client, tender)

    new_deadline = timezone.now() + timedelta(days=40)
    amendment_publish(
        tender=tender,
        by=owner,
        summary="更正预算说明",
        text="预算说明更正",
        new_bid_deadline=new_deadline,
        documents=[("补充文件", ContentFile(PDF, name="extra.pdf"), None)],
    )
    page = _detail(supplier_client, tender)
    assert "更正预算说明" in page
    assert "补充文件" in page
    shown = timezone.localtime(new_deadline, timezone.get_fixed_timezone(8 * 60)).strftime("%Y-%m-%d %H:%M")
    assert shown in page  # the deadline moved by a bulk update inside the service

    tender.department.name = "改名后的采购单位"
    tender.department.save()
    assert "改名后的采购单位" in _detail(supplier_client, tender)

    tender.category.name_en = "Renamed service category"
    tender.category.save()
    assert "Renamed service category" in _detail(supplier_client, tender)

    tender_cancel(tender=Tender.objects.get(pk=tender.pk), by=owner, reason="资金未落实，终止采购")
    assert "资金未落实，终止采购" in _detail(supplier_client, tender)


def test_a_draft_is_drawn_for_its_purchaser_every_time_and_never_kept(client: Client, owner: Any) -> None:
    tender = make_draft(owner)
    client.force_login(owner)
    page = _detail(client, tender)
    assert reverse("procurement:tender_document_remove", args=[tender.pk, tender.documents.get().pk]) in page
    assert "csrfmiddlewaretoken" in page
    assert _kept_parts(tender) == []
    tender_document_add(tender=tender, by=owner, title="第二份文件", file=ContentFile(PDF, name="b.pdf"))
    assert "第二份文件" in _detail(client, tender)


def test_kept_parts_carry_nothing_of_the_visitor(client: Client, owner: Any) -> None:
    tender = make_published(owner)
    client.force_login(owner)
    owner_page = _detail(client, tender)  # the purchaser draws the parts first
    assert reverse("procurement:my_tenders") in owner_page
    client.logout()
    anonymous = _detail(client, tender)
    assert reverse("procurement:my_tenders") not in anonymous
    assert reverse("procurement:tender_cancel", args=[tender.pk]) not in anonymous
    kept = _kept_parts(tender)
    assert kept  # one per language drawn
    for parts in kept:
        assert "csrfmiddlewaretoken" not in "".join(parts.values())
        assert reverse("procurement:tender_cancel", args=[tender.pk]) not in "".join(parts.values())


def test_list_rows_come_from_the_cache_and_follow_changes(client: Client, owner: Any) -> None:
    first = make_published(owner, title="第一个项目")
    url = reverse("procurement:tender_list")
    client.get(url)
    sql, page = _queries(client, url)
    assert "第一个项目" in page
    assert sql == []  # the rows (and the filters) from the cache: no query at all

    second = make_published(owner, title="第二个项目")
    assert "第二个项目" in client.get(url).content.decode()

    tender_cancel(tender=first, by=owner, reason="终止")
    page = client.get(url, {"status": TenderStatus.CANCELLED}).content.decode()
    assert "第一个项目" in page
    assert "第二个项目" not in page

    assert "新名字的单位" not in _rows(client.get(url).content.decode())  # kept again, then renamed:
    second.department.name = "新名字的单位"
    second.department.save()
    assert "新名字的单位" in _rows(client.get(url).content.decode())


@pytest.mark.django_db(transaction=True)
def test_a_change_is_renewed_again_after_commit(owner: Any) -> None:
    """A page drawn by another request from the data before the commit was kept under the token
    the change made at once: the renewal after commit makes it stale."""
    tender = make_published(owner)
    key = fragments.tender_version_key(tender.pk)
    with transaction.atomic():
        Tender.objects.get(pk=tender.pk).save()
        during, list_during = cache.get(key), cache.get(fragments.LIST_VERSION_KEY)
        assert during is not None
    assert cache.get(key) != during
    assert cache.get(fragments.LIST_VERSION_KEY) != list_during


@pytest.mark.django_db(transaction=True)
def test_a_renewal_dropped_with_a_rolled_back_savepoint_is_registered_again(owner: Any) -> None:
    tender, other = make_published(owner), make_published(owner)
    with transaction.atomic():
        try:
            with transaction.atomic():
                Tender.objects.get(pk=tender.pk).save()  # its renewal is dropped with the savepoint
                raise RuntimeError("roll the savepoint back")
        except RuntimeError:
            pass
        Tender.objects.get(pk=other.pk).save()
        during = cache.get(fragments.tender_version_key(other.pk))
    assert cache.get(fragments.tender_version_key(other.pk)) != during


def test_a_fragment_is_kept_only_under_its_version_stamp_and_templates() -> None:
    made: list[int] = []

    def make() -> str:
        made.append(1)
        return f"drawn {len(made)}"

    templates = ("procurement/includes/tender_rows.html",)
    assert fragments.cached("k", "v", "a", make, templates=templates) == "drawn 1"
    assert fragments.cached("k", "v", "a", make, templates=templates) == "drawn 1"
    assert fragments.cached("k", "v", "b", make, templates=templates) == "drawn 2"  # another stamp
    other = ("procurement/includes/tender_page/head.html",)
    assert fragments.signature(other) != fragments.signature(templates)
    assert fragments.cached("k", "v", "b", make, templates=other) == "drawn 3"  # other templates
    fragments.renew(["v"])
    assert fragments.cached("k", "v", "b", make, templates=other) == "drawn 4"  # a new version
    cache.delete("v")  # the version evicted: made anew, never matching what was kept
    assert fragments.cached("k", "v", "b", make, templates=other) == "drawn 5"


def test_off_draws_every_time(settings: Any) -> None:
    settings.PUBLIC_FRAGMENT_SECONDS = 0
    made: list[int] = []
    for _ in range(2):
        fragments.cached("k", "v", None, lambda: made.append(1), templates=())
    assert len(made) == 2


def test_the_signature_follows_the_code_that_draws(monkeypatch: Any) -> None:
    """A release that changes the drawing code (not only the templates) draws its fragments anew."""
    templates = ("procurement/includes/tender_rows.html",)
    before = fragments.signature(templates)
    monkeypatch.setattr(fragments, "DRAWN_BY", fragments.DRAWN_BY[:-1])
    fragments.signature.cache_clear()
    try:
        assert fragments.signature(templates) != before
    finally:
        monkeypatch.undo()
        fragments.signature.cache_clear()
    assert fragments.signature(templates) == before
