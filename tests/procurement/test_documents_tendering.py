"""The tendering stage's official documents: each kind rendered through the real pipeline (request,
Celery render on commit, stored with its SHA-256), its text read back with pypdf; and who may have
each kind, before the opening, after it, and once the evaluation report is in."""

from __future__ import annotations

import hashlib
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from accounts.documents import document_kind, document_request
from accounts.exceptions import NotAllowed
from accounts.models import GeneratedDocument, Role
from procurement.models import Bid
from tests.conftest import _verified
from tests.factories import DepartmentFactory, UserFactory
from tests.procurement.bidding import fast_passwords, make_bidder  # noqa: F401 (fixture)
from tests.procurement.documents_flow import (
    DISQUALIFY_REASON,
    TENDER_FILE,
    Flow,
    evaluated,
    flat,
    opened,
    pdf_bytes,
    pdf_text,
    request_and_render,
    reviewed,
    supervisor_of,
    with_bids,
)

pytestmark = pytest.mark.django_db
CHINA = ZoneInfo("Asia/Shanghai")

TENDER_KINDS = [
    "procurement.tender_announcement",
    "procurement.tender_document",
    "procurement.opening_record",
    "procurement.qualification_results",
    "procurement.evaluation_report",
]
ALL_KINDS = [*TENDER_KINDS, "procurement.bid_receipt"]


def _render(kind: str, obj: Any, by: Any, capture: Any) -> tuple[GeneratedDocument, str]:
    document = request_and_render(kind, obj, by, capture)
    assert document.status == GeneratedDocument.Status.READY, document.error
    content = pdf_bytes(document)
    assert document.sha256 == hashlib.sha256(content).hexdigest()  # stored hash is the file's
    assert document.size == len(content)
    text = pdf_text(content)
    assert document.verify_code in text
    assert f"第 1 页 共 {document.pages} 页" in text
    return document, text


@pytest.fixture
def flow(db: Any) -> Flow:
    return with_bids()


# --- each kind: the text of the PDF ------------------------------------------------------------------


def test_tender_announcement(flow: Flow, django_capture_on_commit_callbacks: Any) -> None:
    reader = _verified(UserFactory(role=Role.SUPPLIER))
    document, text = _render(
        "procurement.tender_announcement", flow.tender, reader, django_capture_on_commit_callbacks
    )
    ref = flow.tender.reference
    assert document.reference == f"{ref}-GG"
    assert f"{ref}-GG" in text
    assert "长者饭堂运营服务招标公告" in text
    assert "江门市民政局" in text  # issuing department
    assert "1,000,000.00" in text
    assert "20,000.00" in text
    assert "公开招标" in text
    assert "服务方案" in text
    assert "项目团队" in text
    assert "具有三年以上助餐服务经验" in text  # a project-specific condition
    assert flow.tender.bid_deadline is not None
    local_deadline = flow.tender.bid_deadline.astimezone(CHINA)
    assert local_deadline.strftime("%Y-%m-%d %H:%M") in text  # dates in Asia/Shanghai
    assert "0750-3500000" in text


def test_tender_document(flow: Flow, django_capture_on_commit_callbacks: Any) -> None:
    reader = _verified(UserFactory(role=Role.SUPPLIER))
    document, text = _render(
        "procurement.tender_document", flow.tender, reader, django_capture_on_commit_callbacks
    )
    assert document.reference == f"{flow.tender.reference}-ZB"
    assert "长者饭堂运营服务招标文件" in text
    # Criteria with weights, the price weight and the total.
    for expected in ["服务方案", "方案完整可行", "40.00", "项目团队", "30.00", "100.00"]:
        assert expected in text, expected
    # Eligibility conditions: the statutory ones, the directory rule, the tender's own.
    assert "政府采购法" in text
    assert "配备持证社工不少于2名" in text
    assert "目录" in text
    # The documents list with each file's SHA-256.
    assert "招标文件正文" in text
    assert hashlib.sha256(TENDER_FILE).hexdigest() in flat(text)


def test_bid_receipt(flow: Flow, django_capture_on_commit_callbacks: Any) -> None:
    bid = Bid.objects.select_related("receipt", "organisation").get(pk=flow.bids[0].pk)
    document, text = _render(
        "procurement.bid_receipt", bid, flow.bidders[0], django_capture_on_commit_callbacks
    )
    receipt = bid.receipt
    assert document.reference == receipt.number
    assert receipt.number.startswith(flow.tender.reference)
    assert "投标回执" in text
    assert bid.organisation.name in text
    flat_text = flat(text)
    assert receipt.bid_hash in flat_text
    assert all(d["sha256"] in flat_text for d in receipt.documents)
    assert all(d["name"] in text for d in receipt.documents)
    received = receipt.issued_at.astimezone(CHINA)
    assert received.strftime("%Y-%m-%d %H:%M:%S") in text  # server time, to the second
    for form in ["480000", "480,000"]:
        assert form not in text  # the price stays sealed, even on the bidder's own receipt
    # The record of the document names the bid by its opaque id, not the bidder.
    assert bid.organisation.name not in document.object_repr + document.title


def test_opening_record(flow: Flow, django_capture_on_commit_callbacks: Any) -> None:
    opened(flow)
    document, text = _render(
        "procurement.opening_record", flow.tender, flow.purchaser, django_capture_on_commit_callbacks
    )
    assert document.reference == f"{flow.tender.reference}-KB"
    assert "开标记录" in text
    flat_text = flat(text)
    for bid, price in zip(flow.bids, ["480,000.00", "520,000.00", "600,000.00", "450,000.00"], strict=True):
        assert bid.organisation.name in flat_text
        assert price in text
        assert bid.bid_hash in flat_text
        assert all(d.sha256 in flat_text for d in bid.documents.all())
    assert "全部哈希值校验一致" in text


def test_qualification_results(flow: Flow, django_capture_on_commit_callbacks: Any) -> None:
    reviewed(opened(flow))
    document, text = _render(
        "procurement.qualification_results", flow.tender, flow.purchaser, django_capture_on_commit_callbacks
    )
    assert document.reference == f"{flow.tender.reference}-ZS"
    assert "资格审查结果" in text
    assert text.count("不通过") >= 1
    assert "通过" in text
    assert DISQUALIFY_REASON in flat(text)
    assert "3 家通过" in text
    assert "1 家不通过" in text
    version = flow.bids[0].eligibility_version
    assert version
    assert f"第 {version} 版" in text  # the directory version used
    for bid in flow.bids:
        assert bid.organisation.name in flat(text)


def test_evaluation_report(flow: Flow, django_capture_on_commit_callbacks: Any) -> None:
    evaluated(reviewed(opened(flow)))
    report = flow.tender.evaluation_reports.get()
    document, text = _render(
        "procurement.evaluation_report", flow.tender, flow.purchaser, django_capture_on_commit_callbacks
    )
    assert document.reference == f"{flow.tender.reference}-PB-1"
    assert "评标报告" in text
    flat_text = flat(text)
    for member in report.results["members"]:
        assert flat(member["name"]) in flat_text  # every member, by name
    for line in report.ranking:
        assert flat(line["organisation"]) in flat_text
        assert line["price_score"] in text
        assert line["total"] in text
    assert "36.50" in text
    assert "26.00" in text
    assert "480,000.00" in text  # a price
    assert "评标委员会一致推荐排名第一的投标人。" in flat_text
    first = report.ranking[0]
    assert first["rank"] == 1


def test_same_data_is_the_same_document(flow: Flow, django_capture_on_commit_callbacks: Any) -> None:
    reader = _verified(UserFactory(role=Role.SUPPLIER))
    other = _verified(UserFactory(role=Role.PURCHASER, department=DepartmentFactory()))
    first = request_and_render(
        "procurement.tender_document", flow.tender, reader, django_capture_on_commit_callbacks
    )
    again = request_and_render(
        "procurement.tender_document", flow.tender, other, django_capture_on_commit_callbacks
    )
    assert again.pk == first.pk
    assert again.sha256 == first.sha256
    assert again.attempts == 1


# --- who may have each kind -------------------------------------------------------------------------


def _people(flow: Flow) -> dict[str, Any]:
    unrelated_user, _org = make_bidder()
    people = {
        "bidder": flow.bidders[0],
        "other_bidder": flow.bidders[1],
        "unrelated_supplier": _verified(unrelated_user),
        "purchaser": flow.purchaser,
        "other_purchaser": _verified(UserFactory(role=Role.PURCHASER, department=DepartmentFactory())),
        "supervisor": supervisor_of(flow.tender),
        "superuser": _verified(UserFactory(role="", is_superuser=True, is_staff=True)),
    }
    if flow.committee is not None:
        people["committee_member"] = flow.committee.members.exclude(is_leader=True).first().user
    return people


def _may(flow: Flow, people: dict[str, Any]) -> dict[tuple[str, str], bool]:
    bid = flow.bids[0]
    out = {}
    for role, user in people.items():
        for kind in ALL_KINDS:
            obj = bid if kind == "procurement.bid_receipt" else flow.tender
            out[(role, kind)] = bool(document_kind(kind).can_view(user, obj))
    return out


PUBLIC = {"procurement.tender_announcement", "procurement.tender_document"}


def _expected(allowed: dict[str, set[str]], people: dict[str, Any]) -> dict[tuple[str, str], bool]:
    return {
        (role, kind): kind in PUBLIC or role in allowed.get(kind, set())
        for role in people
        for kind in ALL_KINDS
    }


def test_who_may_before_the_opening(flow: Flow) -> None:
    """Before the opening nobody but the bidder gets the bid receipt, and NOBODY the opening record,
    the qualification results or the evaluation report."""
    people = _people(flow)
    assert _may(flow, people) == _expected({"procurement.bid_receipt": {"bidder"}}, people)
    for role, user in people.items():
        for kind in [
            "procurement.opening_record",
            "procurement.qualification_results",
            "procurement.evaluation_report",
        ]:
            with pytest.raises(NotAllowed):
                document_request(kind=kind, obj=flow.tender, by=user)
        if role != "bidder":
            with pytest.raises(NotAllowed):
                document_request(kind="procurement.bid_receipt", obj=flow.bids[0], by=user)
    assert not GeneratedDocument.objects.exists()


def test_who_may_after_the_opening(flow: Flow) -> None:
    reviewed(opened(flow))
    people = _people(flow)
    assert _may(flow, people) == _expected(
        {
            "procurement.bid_receipt": {"bidder"},
            "procurement.opening_record": {"bidder", "other_bidder", "purchaser", "supervisor"},
            "procurement.qualification_results": {"purchaser", "supervisor"},
            # no report yet: nobody
        },
        people,
    )


def test_who_may_once_the_report_is_in(flow: Flow) -> None:
    evaluated(reviewed(opened(flow)))
    people = _people(flow)
    assert _may(flow, people) == _expected(
        {
            "procurement.bid_receipt": {"bidder"},
            "procurement.opening_record": {"bidder", "other_bidder", "purchaser", "supervisor"},
            "procurement.qualification_results": {"purchaser", "supervisor"},
            "procurement.evaluation_report": {"purchaser", "supervisor", "committee_member"},
        },
        people,
    )


def test_a_draft_tender_has_no_public_documents(flow: Flow) -> None:
    from procurement.models import Tender

    Tender.objects.filter(pk=flow.tender.pk).update(status="draft", published_at=None)
    draft = Tender.objects.get(pk=flow.tender.pk)
    for kind in PUBLIC:
        assert not document_kind(kind).can_view(flow.purchaser, draft)


@pytest.mark.parametrize(
    ("kind", "target"),
    [
        ("procurement.bid_receipt", "bid"),
        ("procurement.opening_record", "tender"),
        ("procurement.evaluation_report", "tender"),
    ],
)
def test_the_request_page_refuses_before_the_opening(flow: Flow, kind: str, target: str) -> None:
    """Through the document button's endpoint: the purchaser gets nothing, and no document is made."""
    obj = flow.bids[0] if target == "bid" else flow.tender
    client = Client()
    client.force_login(flow.purchaser)
    response = client.post(
        reverse("documents:request"),
        {"kind": kind, "object_type": obj._meta.label_lower, "object_id": obj.pk},
    )
    assert response.status_code in (403, 404)
    assert not GeneratedDocument.objects.exists()


def test_the_bidder_gets_its_receipt_through_the_button(
    flow: Flow, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(flow.bidders[0])
    page = client.get(reverse("procurement:bid_receipt", args=[flow.bids[0].pk])).content.decode()
    assert 'value="procurement.bid_receipt"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("documents:request"),
            {
                "kind": "procurement.bid_receipt",
                "object_type": "procurement.bid",
                "object_id": flow.bids[0].pk,
            },
        )
    assert response.status_code == 302
    document = GeneratedDocument.objects.get(kind="procurement.bid_receipt")
    assert document.status == GeneratedDocument.Status.READY
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 200


def test_builders_read_in_a_few_queries(flow: Flow, django_assert_max_num_queries: Any) -> None:
    """Builders run in the request: a bounded number of queries, whatever the number of bids."""
    from accounts.documents import document_build

    evaluated(reviewed(opened(flow)))
    for kind in TENDER_KINDS:
        with django_assert_max_num_queries(6):
            document_build(kind=kind, obj=flow.tender)
    with django_assert_max_num_queries(3):
        document_build(kind="procurement.bid_receipt", obj=flow.bids[0])
