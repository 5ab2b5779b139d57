"""Evaluation, award and contract pages: role × action matrices and the flows through the forms."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from procurement.models import Challenge, CommitteeMember, Contract, Score
from tests.factories import UserFactory
from tests.procurement.award_setup import (
    announced,
    declare_all,
    drafted,
    english,  # noqa: F401 (autouse: messages in English)
    evaluated,
    form_committee,
    make_bid,
    make_tender,
    purchaser_of,
    supplier_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_mfa_enrolment(settings: Any) -> None:
    """Experts must enrol a second factor first (tested in accounts); here the pages themselves."""
    settings.GOVBUY_MFA_REQUIRED_ROLES = []


def client_for(user: Any) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def users_for(ev: Any) -> dict[str, Any]:
    from procurement.models import Bid

    winner_org = Bid.objects.get(pk=ev.report.ranking[0]["bid"]).organisation
    return {
        "anonymous": None,
        "purchaser": ev.purchaser,
        "other_purchaser": UserFactory(purchaser=True),
        "supervisor": UserFactory(role=Role.SUPERVISOR, department=ev.tender.department),
        "bidder": supplier_of(winner_org),
        "other_supplier": UserFactory(role=Role.SUPPLIER),
        "expert": ev.committee.members.filter(kind="expert").first().user,
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("purchaser", 200),
        ("other_purchaser", 403),
        ("supervisor", 200),
        ("bidder", 403),
        ("other_supplier", 403),
        ("expert", 403),  # members use their seat page
    ],
)
def test_evaluation_page_role_matrix(who: str, status: int) -> None:
    ev = evaluated()
    response = client_for(users_for(ev)[who]).get(
        reverse("procurement:evaluation_manage", args=[ev.tender.pk])
    )
    assert response.status_code == status
    if status == 200:
        assert ev.report.ranking[0]["organisation"] in response.content.decode()


@pytest.mark.parametrize("who", ["other_purchaser", "supervisor", "bidder", "expert"])
def test_only_the_purchaser_confirms_through_the_page(who: str) -> None:
    ev = evaluated()
    url = reverse("procurement:evaluation_manage", args=[ev.tender.pk])
    response = client_for(users_for(ev)[who]).post(
        url, {"action": "confirm", "bid": ev.report.ranking[0]["bid"]}
    )
    assert response.status_code in (302, 403)
    assert not ev.tender.awards.exists()


def test_purchaser_confirms_and_announces_through_the_page() -> None:
    ev = evaluated()
    c = client_for(ev.purchaser)
    url = reverse("procurement:evaluation_manage", args=[ev.tender.pk])
    c.post(url, {"action": "confirm", "bid": ev.report.ranking[0]["bid"]})
    award = ev.tender.awards.get()
    c.post(url, {"action": "announce", "award": award.pk})
    award.refresh_from_db()
    assert award.status == "announced"
    page = Client().get(reverse("procurement:award_announcement", args=[award.pk]))
    assert page.status_code == 200
    for member in ev.committee.members.all():
        assert str(member.user) in page.content.decode()


def test_member_declares_then_scores_on_the_seat_page() -> None:
    tender = make_tender()
    bid = make_bid(tender, "800000")
    committee = form_committee(tender, purchaser_of(tender))
    member = committee.members.first()
    c = client_for(member.user)
    url = reverse("procurement:seat_detail", args=[member.pk])
    page = c.get(url).content.decode()
    assert bid.organisation.name in page  # named in the declaration
    assert f'name="p_{bid.pk}_' not in page  # but nothing to score yet
    c.post(url, {"action": "declare", "has_conflict": "no", "statement": "无利害关系"})
    declare_all(committee)
    crit = list(tender.criteria.all())
    data = {"action": "save"}
    for cr in crit:
        data[f"p_{bid.pk}_{cr.pk}"] = "20"
        data[f"c_{bid.pk}_{cr.pk}"] = "良好"
    c.post(url, data)
    assert Score.objects.filter(member=member).count() == len(crit)
    # Another user cannot open this seat.
    assert client_for(UserFactory(role=Role.EXPERT)).get(url).status_code == 404


def test_bidder_challenges_through_the_announcement_page() -> None:
    ev, award = announced()
    from procurement.models import Bid

    loser_org = Bid.objects.get(pk=ev.report.ranking[1]["bid"]).organisation
    c = client_for(supplier_of(loser_org))
    page = c.get(reverse("procurement:award_announcement", args=[award.pk])).content.decode()
    assert 'name="grounds"' in page
    c.post(
        reverse("procurement:challenge_create", args=[award.pk]),
        {"organisation": loser_org.pk, "grounds": "评分不公"},
    )
    assert Challenge.objects.get().organisation == loser_org
    outsider = client_for(UserFactory(role=Role.SUPPLIER))
    response = outsider.post(
        reverse("procurement:challenge_create", args=[award.pk]),
        {"organisation": loser_org.pk, "grounds": "x"},
    )
    assert response.status_code == 403
    assert Challenge.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("purchaser", 200),
        ("other_purchaser", 404),
        ("supervisor", 200),
        ("bidder", 200),
        ("other_supplier", 404),
        ("expert", 404),
    ],
)
def test_contract_page_role_matrix(who: str, status: int) -> None:
    ev, _award, contract = drafted()
    response = client_for(users_for(ev)[who]).get(reverse("procurement:contract_detail", args=[contract.pk]))
    assert response.status_code == status
    if status == 200:
        assert contract.current_version.sha256 in response.content.decode()


def test_both_sides_sign_through_the_page() -> None:
    ev, award, contract = drafted()
    url = reverse("procurement:contract_detail", args=[contract.pk])
    sha = contract.current_version.sha256
    client_for(ev.purchaser).post(url, {"action": "sign", "sha256": sha})
    client_for(supplier_of(award.bid.organisation)).post(url, {"action": "sign", "sha256": sha})
    assert Contract.objects.get(pk=contract.pk).status == "signed"


def test_contract_drafted_through_the_form() -> None:
    ev, award = announced()
    response = client_for(ev.purchaser).post(
        reverse("procurement:contract_create", args=[award.pk]),
        {
            "term_start": "2027-01-01",
            "term_end": "2027-12-31",
            "service_content": "长者助餐",
            "milestones": "启动 | 人员到位 | 2027-02-01 | 30\n中期 | 中期报告 | 2027-06-30 | 40\n结项 | 结项报告 | 2027-12-15 | 30%",
        },
    )
    contract = Contract.objects.get()
    assert response.status_code == 302
    assert [i.amount for i in contract.instalments.order_by("order")] == [
        award.price * 30 / 100,
        award.price * 40 / 100,
        award.price * 30 / 100,
    ]


@pytest.mark.parametrize(
    ("who", "status"),
    [("purchaser", 200), ("supervisor", 403), ("bidder", 403), ("expert", 403), ("anonymous", 302)],
)
def test_deadlines_board_role_matrix(who: str, status: int, django_assert_max_num_queries: Any) -> None:
    ev, _award = announced()
    c = client_for(users_for(ev)[who])
    with django_assert_max_num_queries(20):
        response = c.get(reverse("procurement:deadlines_board"))
    assert response.status_code == status
    if status == 200:
        assert ev.tender.reference in response.content.decode()


def test_my_committees_lists_seats() -> None:
    ev = evaluated()
    member: CommitteeMember = ev.committee.members.first()
    response = client_for(member.user).get(reverse("procurement:my_seats"))
    assert ev.tender.reference in response.content.decode()


PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"


def test_challenge_document_is_checked_and_served_only_to_the_parties() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.exceptions import DomainError
    from procurement.models import Bid
    from procurement.services.challenges import challenge_file

    ev, award = announced()
    loser_org = Bid.objects.get(pk=ev.report.ranking[1]["bid"]).organisation
    user = supplier_of(loser_org)
    with pytest.raises(DomainError, match="not an accepted document"):
        challenge_file(
            award=award,
            organisation=loser_org,
            by=user,
            grounds="x",
            document=SimpleUploadedFile("grounds.pdf", b"just text, not a pdf"),
        )
    challenge = challenge_file(
        award=award,
        organisation=loser_org,
        by=user,
        grounds="见附件",
        document=SimpleUploadedFile("证据.pdf", PDF),
    )
    url = reverse("procurement:challenge_document", args=[challenge.pk])
    for who, status in [(user, 200), (ev.purchaser, 200), (UserFactory(role=Role.SUPPLIER), 404)]:
        response = client_for(who).get(url)
        assert response.status_code == status
        if status == 200:
            assert b"".join(response.streaming_content) == PDF


def test_progress_evidence_is_served_only_to_the_contract_parties() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from procurement.services.contracts import contract_sign, progress_report_submit

    ev, award, contract = drafted()
    winner = supplier_of(award.bid.organisation)
    sha = contract.current_version.sha256
    contract_sign(contract=contract, by=winner, confirmed_sha256=sha)
    contract_sign(contract=contract, by=ev.purchaser, confirmed_sha256=sha)
    report = progress_report_submit(
        milestone=contract.milestones.first(),
        by=winner,
        text="已完成",
        evidence=SimpleUploadedFile("签到表.pdf", PDF),
    )
    url = reverse("procurement:progress_evidence", args=[report.pk])
    assert client_for(ev.purchaser).get(url).status_code == 200
    assert client_for(winner).get(url).status_code == 200
    assert client_for(UserFactory(purchaser=True)).get(url).status_code == 404


def test_seat_and_evaluation_pages_do_not_grow_with_the_scores(django_assert_max_num_queries: Any) -> None:
    ev = evaluated()  # 5 members × 3 bids × 2 criteria, report submitted
    leader = ev.committee.members.get(is_leader=True)
    c = client_for(leader.user)
    with django_assert_max_num_queries(30):
        page = c.get(reverse("procurement:seat_detail", args=[leader.pk]))
    assert page.status_code == 200
    names = page.content.decode()
    assert all(str(m.user) in names for m in ev.committee.members.all())
    with django_assert_max_num_queries(30):
        assert (
            client_for(ev.purchaser)
            .get(reverse("procurement:evaluation_manage", args=[ev.tender.pk]))
            .status_code
            == 200
        )
