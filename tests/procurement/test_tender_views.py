"""Tender pages: the role × action matrix for every purchaser and supplier action (403 or sign-in and
nothing changed for the wrong role), the public portal for everyone, and bounded query counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, Role
from procurement.models import Clarification, Tender, TenderDocument, TenderStatus
from procurement.services.tenders import clarification_answer
from tests.factories import MembershipFactory, UserFactory
from tests.procurement.factories import PDF, department_purchaser, force_state, make_draft, make_published

pytestmark = pytest.mark.django_db

ROLES = ["owner", "other_purchaser", "supplier", "anonymous"]


@pytest.fixture
def owner() -> Any:
    return department_purchaser()


def _user(role: str, owner: Any) -> Any:
    if role == "owner":
        return owner
    if role == "other_purchaser":
        return department_purchaser()
    if role == "supplier":
        return MembershipFactory(is_admin=True).user
    return None


def _form_post(tender: Tender) -> dict[str, Any]:
    deadline = timezone.localtime(timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    return {
        "title": "改后的标题",
        "description": "",
        "category": tender.category_id,
        "method": "public_tender",
        "budget": "500000.00",
        "deposit": "0",
        "admitted_kinds": ["social_organisation"],
        "qualification_conditions": "",
        "price_weight": "30",
        "contract_term_months": "12",
        "recurring_reason": "",
        "documents_available_until": deadline,
        "clarification_deadline": "",
        "bid_deadline": deadline,
        "opening_at": deadline,
        "criteria-TOTAL_FORMS": "1",
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "30",
        "criteria-0-name": "服务方案",
        "criteria-0-max_points": "70",
        "criteria-0-description": "",
    }


@dataclass
class Action:
    setup: Callable[[Any], Tender]
    method: str
    url: Callable[[Tender], str]
    data: Callable[[Tender], dict[str, Any]]
    changed: Callable[[Tender], bool]  # did the action happen?
    allowed: frozenset[str] = frozenset({"owner"})


def _published(owner: Any) -> Tender:
    return make_published(owner)


def _status(tender: Tender) -> str:
    return Tender.objects.get(pk=tender.pk).status


PURCHASER_ACTIONS: dict[str, Action] = {
    "create": Action(
        lambda o: make_draft(o),
        "post",
        lambda t: reverse("procurement:tender_create"),
        _form_post,
        lambda t: Tender.objects.filter(title="改后的标题").exists(),
        # Any purchaser drafts, always for their own department.
        frozenset({"owner", "other_purchaser"}),
    ),
    "edit": Action(
        lambda o: make_draft(o),
        "post",
        lambda t: reverse("procurement:tender_edit", args=[t.pk]),
        _form_post,
        lambda t: Tender.objects.get(pk=t.pk).title == "改后的标题",
    ),
    "view_edit_form": Action(
        lambda o: make_draft(o),
        "get",
        lambda t: reverse("procurement:tender_edit", args=[t.pk]),
        lambda t: {},
        lambda t: True,
    ),
    "view_draft": Action(
        lambda o: make_draft(o),
        "get",
        lambda t: reverse("procurement:tender_detail", args=[t.pk]),
        lambda t: {},
        lambda t: True,
    ),
    "publish": Action(
        lambda o: make_draft(o),
        "post",
        lambda t: reverse("procurement:tender_publish", args=[t.pk]),
        lambda t: {},
        lambda t: _status(t) == TenderStatus.PUBLISHED,
    ),
    "cancel": Action(
        _published,
        "post",
        lambda t: reverse("procurement:tender_cancel", args=[t.pk]),
        lambda t: {"reason": "资金调整"},
        lambda t: _status(t) == TenderStatus.CANCELLED,
    ),
    "view_cancel_form": Action(
        _published,
        "get",
        lambda t: reverse("procurement:tender_cancel", args=[t.pk]),
        lambda t: {},
        lambda t: True,
    ),
    "retender": Action(
        lambda o: force_state(make_published(o), TenderStatus.FAILED),
        "post",
        lambda t: reverse("procurement:tender_retender", args=[t.pk]),
        lambda t: {},
        lambda t: Tender.objects.filter(retender_of=t).exists(),
    ),
    "upload_document": Action(
        lambda o: make_draft(o),
        "post",
        lambda t: reverse("procurement:tender_document_upload", args=[t.pk]),
        lambda t: {"title": "附件", "file": SimpleUploadedFile("a.pdf", PDF, "application/pdf")},
        lambda t: TenderDocument.objects.filter(tender=t).count() == 2,
    ),
    "remove_document": Action(
        lambda o: make_draft(o),
        "post",
        lambda t: reverse("procurement:tender_document_remove", args=[t.pk, t.documents.get().pk]),
        lambda t: {},
        lambda t: not TenderDocument.objects.filter(tender=t).exists(),
    ),
    "answer_clarification": Action(
        _published,
        "post",
        lambda t: reverse("procurement:clarification_manage", args=[t.pk]),
        lambda t: {"answer": "澄清内容"},
        lambda t: Clarification.objects.filter(tender=t, answer="澄清内容").exists(),
    ),
    "view_questions": Action(
        _published,
        "get",
        lambda t: reverse("procurement:clarification_manage", args=[t.pk]),
        lambda t: {},
        lambda t: True,
    ),
    "amend": Action(
        _published,
        "post",
        lambda t: reverse("procurement:amendment_create", args=[t.pk]),
        lambda t: {"summary": "更正", "text": "更正内容", "affects_bids": "on"},
        lambda t: t.amendments.exists(),
    ),
    "view_amend_form": Action(
        _published,
        "get",
        lambda t: reverse("procurement:amendment_create", args=[t.pk]),
        lambda t: {},
        lambda t: True,
    ),
    "my_tenders": Action(
        lambda o: make_draft(o),
        "get",
        lambda t: reverse("procurement:my_tenders"),
        lambda t: {},
        lambda t: True,
        frozenset({"owner", "other_purchaser"}),
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(PURCHASER_ACTIONS))
def test_purchaser_action_matrix(client: Client, owner: Any, role: str, name: str) -> None:
    action = PURCHASER_ACTIONS[name]
    tender = action.setup(owner)
    user = _user(role, owner)
    if user is not None:
        client.force_login(user)
    audit_before = AuditEntry.objects.count()
    status_before = _status(tender)
    response = getattr(client, action.method)(action.url(tender), action.data(tender))
    if role in action.allowed:
        assert response.status_code in (200, 302), response.content[:500]
        if action.method == "post":
            assert action.changed(tender), name
            assert AuditEntry.objects.count() > audit_before
        else:
            assert response.status_code == 200
        if name == "my_tenders":
            assert (tender.reference in response.content.decode()) is (role == "owner")
        if name == "create":
            created = Tender.objects.get(title="改后的标题")
            assert created.department_id == user.department_id
        return
    if role == "anonymous":
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
    else:
        assert response.status_code == 403
    if action.method == "post":
        assert not action.changed(tender)
    assert _status(tender) == status_before
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize("role", ROLES)
def test_ask_question_matrix(client: Client, owner: Any, role: str) -> None:
    tender = make_published(owner)
    user = _user(role, owner)
    if user is not None:
        client.force_login(user)
    response = client.post(
        reverse("procurement:clarification_ask", args=[tender.pk]), {"question": "可以联合投标吗？"}
    )
    asked = Clarification.objects.filter(tender=tender).exists()
    if role == "supplier":
        assert response.status_code == 302
        assert asked
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert not asked


@pytest.mark.parametrize("role", ROLES)
def test_public_pages_for_everyone(client: Client, owner: Any, role: str) -> None:
    tender = make_published(owner)
    from procurement.services.tenders import amendment_publish

    amendment_publish(tender=tender, by=owner, summary="更正公告一", text="更正内容")
    user = _user(role, owner)
    if user is not None:
        client.force_login(user)
    document = tender.documents.get()
    for url in [
        reverse("procurement:tender_list"),
        reverse("procurement:tender_detail", args=[tender.pk]),
        reverse("procurement:tender_notice", args=[tender.pk]),
        reverse("procurement:amendment_detail", args=[tender.pk, 1]),
        reverse("home"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert tender.reference in response.content.decode(), url
    download = client.get(reverse("procurement:tender_document", args=[tender.pk, document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_a_draft_and_its_documents_are_not_public(client: Client, owner: Any) -> None:
    tender = make_draft(owner)
    document = tender.documents.get()
    client.force_login(MembershipFactory().user)
    assert client.get(reverse("procurement:tender_detail", args=[tender.pk])).status_code == 403
    assert (
        client.get(reverse("procurement:tender_document", args=[tender.pk, document.pk])).status_code == 403
    )
    assert tender.reference not in client.get(reverse("procurement:tender_list")).content.decode()


def test_the_asker_is_hidden_from_other_suppliers(client: Client, owner: Any) -> None:
    tender = make_published(owner)
    asker = MembershipFactory(is_admin=True)
    from procurement.services.tenders import clarification_ask

    question = clarification_ask(
        tender=tender, by=asker.user, organisation=asker.organisation, question="场地由谁提供？"
    )
    clarification_answer(tender=tender, by=owner, answer="由采购人提供。", clarification=question)
    client.force_login(MembershipFactory().user)
    page = client.get(reverse("procurement:tender_detail", args=[tender.pk])).content.decode()
    assert "场地由谁提供？" in page
    assert "由采购人提供。" in page
    assert asker.organisation.name not in page
    assert asker.user.email not in page
    client.force_login(owner)
    manage = client.get(reverse("procurement:clarification_manage", args=[tender.pk])).content.decode()
    assert asker.organisation.name in manage


def test_publish_form_shows_compliance_errors_on_fields(client: Client, owner: Any) -> None:
    tender = make_draft(owner)
    client.force_login(owner)
    data = _form_post(tender) | {"deposit": "400000", "publish": "1"}
    response = client.post(reverse("procurement:tender_edit", args=[tender.pk]), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "deposit" in form.errors
    assert _status(tender) == TenderStatus.DRAFT


def test_amendment_form_refuses_a_late_change_without_a_new_deadline(client: Client, owner: Any) -> None:
    tender = force_state(
        make_published(owner), TenderStatus.PUBLISHED, bid_deadline=timezone.now() + timedelta(days=5)
    )
    client.force_login(owner)
    response = client.post(
        reverse("procurement:amendment_create", args=[tender.pk]),
        {"summary": "更正", "text": "更正内容", "affects_bids": "on"},
    )
    assert response.status_code == 200
    assert "new_bid_deadline" in response.context["form"].errors
    assert not tender.amendments.exists()


def test_list_filters(client: Client, owner: Any) -> None:
    consultation = make_published(owner, method="competitive_consultation", title="磋商项目")
    tender = make_published(owner, title="公开招标项目")
    page = client.get(
        reverse("procurement:tender_list"), {"method": "competitive_consultation"}
    ).content.decode()
    assert consultation.reference in page
    assert tender.reference not in page


def test_list_rows_show_labels_links_and_china_time_from_one_query(
    client: Client, owner: Any, django_assert_num_queries: Any
) -> None:
    from datetime import UTC, datetime

    from procurement.models import Tender

    tender = make_published(owner, method="competitive_consultation", title="磋商项目")
    Tender.objects.filter(pk=tender.pk).update(bid_deadline=datetime(2027, 3, 1, 1, 30, tzinfo=UTC))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("procurement:tender_list"), {"q": "磋商"}).content.decode()
    assert f'<a href="{tender.get_absolute_url()}">磋商项目</a>' in page
    assert "Competitive consultation" in page  # the method's label, in the reader's language
    assert '<time datetime="2027-03-01T09:30:00+08:00">2027-03-01 09:30</time>' in page
    # the filters come from the cache after the first page: the list itself is one query
    client.cookies["sessionid"] = "none"  # past the page cache
    client.get(reverse("procurement:tender_list"))
    with django_assert_num_queries(1):
        client.get(reverse("procurement:tender_list"), {"category": tender.category_id})


def test_list_pages_by_keyset_newest_first(client: Client, owner: Any) -> None:
    from procurement.selectors.tenders import TenderFilters, tender_public_page

    tenders = [make_published(owner) for _ in range(5)]
    first = tender_public_page(TenderFilters(), page_size=2)
    assert [t.pk for t in first.items] == [tenders[4].pk, tenders[3].pk]
    second = tender_public_page(TenderFilters(), cursor=first.next_cursor, page_size=2)
    assert [t.pk for t in second.items] == [tenders[2].pk, tenders[1].pk]
    third = tender_public_page(TenderFilters(), cursor=second.next_cursor, page_size=2)
    assert [t.pk for t in third.items] == [tenders[0].pk]
    assert third.next_cursor == ""


def test_list_query_count_is_bounded(client: Client, owner: Any, django_assert_max_num_queries: Any) -> None:
    for _ in range(25):
        make_published(owner)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("procurement:tender_list"))
    assert response.status_code == 200
    assert len(response.context["page"].items) == 20


def _detail_queries(client: Client, tender: Tender, django_assert_max_num_queries: Any, limit: int) -> None:
    with django_assert_max_num_queries(limit):
        assert client.get(reverse("procurement:tender_detail", args=[tender.pk])).status_code == 200


def test_detail_query_count_does_not_grow_with_documents_and_clarifications(
    client: Client, owner: Any, django_assert_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = make_published(owner)
    big = make_draft(owner, documents=8)
    from procurement.services.tenders import tender_publish

    big = tender_publish(tender=big, by=owner)
    for i in range(8):
        clarification_answer(tender=big, by=owner, answer=f"澄清 {i}")
    supplier = MembershipFactory().user
    client.force_login(supplier)
    counts = []
    for tender in (small, big):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("procurement:tender_detail", args=[tender.pk])).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 20


def test_purchaser_navigation(client: Client, owner: Any) -> None:
    client.force_login(owner)
    page = client.get(reverse("home")).content.decode()
    assert reverse("procurement:my_tenders") in page
    assert reverse("procurement:tender_create") in page
    client.logout()
    page = client.get(reverse("home")).content.decode()
    assert reverse("procurement:tender_list") in page
    assert reverse("procurement:tender_create") not in page


def test_supplier_follows_categories(client: Client) -> None:
    from procurement.models import CategorySubscription
    from vendors.models import ServiceCategory

    supplier = UserFactory(role=Role.SUPPLIER)
    category = ServiceCategory.objects.first()
    assert category is not None
    client.force_login(supplier)
    client.post(reverse("procurement:subscriptions"), {"category": [category.pk]})
    assert CategorySubscription.objects.filter(user=supplier, category=category).exists()
    client.force_login(department_purchaser())
    assert client.get(reverse("procurement:subscriptions")).status_code == 403


def test_owner_sees_a_warning_for_a_deadline_in_an_unknown_year(client: Client, owner: Any) -> None:
    from procurement import calendar

    unknown = max(calendar.package_years()) + 1
    tender = make_draft(owner)
    late = timezone.datetime(unknown, 3, 1, 10, 0, tzinfo=timezone.get_current_timezone())
    Tender.objects.filter(pk=tender.pk).update(bid_deadline=late, opening_at=late)
    client.force_login(owner)
    response = client.get(reverse("procurement:tender_detail", args=[tender.pk]))
    assert any(str(unknown) in w for w in response.context["calendar_warnings"])
    assert str(unknown) in response.content.decode()


def test_a_document_that_is_not_a_document_is_refused(client: Client, owner: Any) -> None:
    tender = make_draft(owner)
    client.force_login(owner)
    fake = SimpleUploadedFile("招标文件.pdf", b"MZ\x90\x00 this is a program", "application/pdf")
    client.post(reverse("procurement:tender_document_upload", args=[tender.pk]), {"title": "x", "file": fake})
    assert TenderDocument.objects.filter(tender=tender).count() == 1


def test_refused_publish_of_a_new_draft_keeps_one_draft(client: Client, owner: Any) -> None:
    from tests.procurement.factories import service_category

    client.force_login(owner)
    probe = Tender(category=service_category())
    response = client.post(reverse("procurement:tender_create"), _form_post(probe) | {"publish": "1"})
    assert response.status_code == 200  # no documents yet: saved, not published
    created = Tender.objects.get(title="改后的标题")
    assert created.status == TenderStatus.DRAFT
    assert "__all__" in response.context["form"].errors or response.context["form"].non_field_errors()
    assert reverse("procurement:tender_edit", args=[created.pk]) in response.content.decode()


def test_saving_the_page_shown_after_a_refused_publish_keeps_the_criteria(client: Client, owner: Any) -> None:
    """The re-shown page posts its rows as new rows; they must be saved, not dropped as unchanged."""
    from tests.procurement.factories import service_category

    client.force_login(owner)
    refused = client.post(
        reverse("procurement:tender_create"),
        _form_post(Tender(category=service_category())) | {"publish": "1"},
    )
    created = Tender.objects.get(title="改后的标题")
    saved = [(c.name, c.max_points) for c in created.criteria.order_by("order")]
    assert saved
    formset = refused.context["formset"]
    again = _form_post(created) | {
        "criteria-TOTAL_FORMS": formset.total_form_count(),
        "criteria-INITIAL_FORMS": formset.initial_form_count(),
        "save": "1",
    }
    client.post(reverse("procurement:tender_edit", args=[created.pk]), again)
    assert [(c.name, c.max_points) for c in created.criteria.order_by("order")] == saved


def test_a_failed_tender_and_its_re_tender_link_to_each_other(client: Client, owner: Any) -> None:
    from procurement.services.tenders import tender_retender

    failed = force_state(make_published(owner), TenderStatus.FAILED)
    copy = tender_retender(tender=failed, by=owner)
    client.force_login(owner)
    page = client.get(failed.get_absolute_url()).content.decode()
    assert f'<a href="{copy.get_absolute_url()}">{copy.reference}</a>' in page
    page = client.get(copy.get_absolute_url()).content.decode()
    assert f'<a href="{failed.get_absolute_url()}">{failed.reference}</a>' in page


def test_documents_an_amendment_brought_link_to_it_without_a_query_per_document(
    client: Client, owner: Any
) -> None:
    from django.core.files.base import ContentFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from procurement.services.tenders import amendment_publish

    plain = make_published(owner)
    amended = make_published(owner)
    amendment_publish(
        tender=amended,
        by=owner,
        summary="更正公告一",
        text="更正内容",
        documents=[(f"补充文件{i}", ContentFile(PDF, name=f"补充{i}.pdf"), None) for i in range(3)],
    )
    counts = []
    for tender in (plain, amended):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("procurement:tender_detail", args=[tender.pk]))
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    page = response.content.decode()
    link = reverse("procurement:amendment_detail", args=[amended.pk, 1])
    assert page.count(f'href="{link}"') >= 3  # each of the three new documents names its amendment
    assert counts[0] == counts[1]


def _selected(page: str, name: str) -> list[str]:
    """The values selected in the filter ``<select name=…>`` of a list page."""
    import re

    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None, name
    return re.findall(r'<option value="([^"]*)" selected>', select.group(1))


def test_list_filters_drawn_once_still_show_each_visitors_choice_language_and_new_categories(
    client: Client, owner: Any
) -> None:
    from vendors.models import ServiceCategory

    make_published(owner)
    client.cookies["sessionid"] = "none"  # past the whole-page cache: the fragment is what is tested
    url = reverse("procurement:tender_list")
    category = ServiceCategory.objects.filter(is_active=True).first()
    assert category is not None
    assert _selected(client.get(url).content.decode(), "category") == [""]
    assert _selected(client.get(url, {"category": category.pk}).content.decode(), "category") == [
        str(category.pk)
    ]
    assert _selected(client.get(url).content.decode(), "category") == [""]  # not the filtered page's
    invalid = client.get(url, {"deadline_from": "not a date"}).content.decode()
    assert 'class="field has-error"' in invalid
    assert "has-error" not in client.get(url).content.decode()
    # Another language draws its own filters.
    assert "selected>Any</option>" not in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "selected>Any</option>" in client.get(url).content.decode()
    # A category added later is offered at once (the choices' generation is part of the key).
    added = ServiceCategory.objects.create(code="NEW-FILTER", name="新增服务类别")
    assert f'<option value="{added.pk}">' in client.get(url).content.decode()
