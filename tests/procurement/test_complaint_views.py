"""Complaint (投诉) pages: role × action for recording a complaint and its decision, and the
challenge with its outcome shown on the challenge, award and evaluation pages.

The setup (an announced award, a dismissed challenge) is costly, so each matrix builds it once and
walks the roles; for every refused role the page answers 403 (or the login redirect) and nothing
changes.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, Role
from procurement.models import Bid, Challenge, Complaint
from procurement.services.challenges import challenge_file, challenge_reply, complaint_record
from tests.factories import DepartmentFactory, MembershipFactory, UserFactory
from tests.i18n import in_english
from tests.procurement.award_setup import (
    announced,
    english,  # noqa: F401 (autouse: messages in English)
    supplier_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_mfa_enrolment(settings: Any) -> None:
    settings.GOVBUY_MFA_REQUIRED_ROLES = []


def client_for(user: Any) -> Client:
    c = in_english()
    if user is not None:
        c.force_login(user)
    return c


def answered_challenge() -> tuple[Any, Challenge, dict[str, Any]]:
    ev, award = announced()
    challenger_org = Bid.objects.get(pk=ev.report.ranking[1]["bid"]).organisation
    third_org = Bid.objects.get(pk=ev.report.ranking[2]["bid"]).organisation
    challenger = supplier_of(challenger_org)
    challenge = challenge_file(award=award, organisation=challenger_org, by=challenger, grounds="评分畸高")
    challenge = challenge_reply(challenge=challenge, by=ev.purchaser, outcome="dismissed", reply="不成立")
    users = {
        "anonymous": None,
        "challenger": challenger,
        "challenger_colleague": MembershipFactory(organisation=challenger_org).user,
        "other_bidder": supplier_of(third_org),
        "winner": supplier_of(award.bid.organisation),
        "purchaser": ev.purchaser,
        "other_purchaser": UserFactory(purchaser=True),
        "supervisor": UserFactory(role=Role.SUPERVISOR, department=DepartmentFactory()),
        "expert": ev.committee.members.filter(kind="expert").first().user,
    }
    return ev, challenge, users


def test_recording_a_complaint_role_matrix() -> None:
    _ev, challenge, users = answered_challenge()
    url = reverse("procurement:challenge_detail", args=[challenge.pk])
    allowed = {"challenger", "challenger_colleague"}
    readers = allowed | {"purchaser", "supervisor"}
    for who, user in users.items():
        client = client_for(user)
        page = client.get(url)
        if user is None:
            assert page.status_code == 302, who
        elif who in readers:
            assert page.status_code == 200, who
            assert ("Record the complaint" in page.content.decode()) == (who in allowed), who
        else:
            assert page.status_code == 403, who
        if who in allowed:
            continue
        before = AuditEntry.objects.count()
        response = client.post(
            url, {"action": "complaint", "authority": "江门市财政局", "grounds": "不服答复"}
        )
        assert response.status_code == (302 if user is None else 403), who
        if user is None:
            assert "/login" in response["Location"] or "accounts" in response["Location"]
        assert not Complaint.objects.exists(), who
        assert AuditEntry.objects.count() == before, who
    # The challenger's staff record it: shown with its status on the challenge page.
    client = client_for(users["challenger"])
    response = client.post(url, {"action": "complaint", "authority": "江门市财政局", "grounds": "不服答复"})
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.recorded_by == users["challenger"]
    assert complaint.authority == "江门市财政局"
    page = client.get(url).content.decode()
    assert "江门市财政局" in page
    assert "Filed with the finance department" in page


def test_deciding_a_complaint_role_matrix_and_the_outcome_shown_everywhere() -> None:
    ev, challenge, users = answered_challenge()
    complaint = complaint_record(
        challenge=challenge, by=users["challenger"], authority="江门市财政局", grounds="不服答复"
    )
    url = reverse("procurement:challenge_detail", args=[challenge.pk])
    data = {
        "action": "decide",
        "complaint": complaint.pk,
        "outcome": "rejected",
        "decision": "投诉缺乏事实依据",
    }
    deciders = {"purchaser", "supervisor"}
    for who, user in users.items():
        if who in deciders:
            continue
        before = AuditEntry.objects.count()
        response = client_for(user).post(url, data)
        assert response.status_code == (302 if user is None else 403), who
        complaint.refresh_from_db()
        assert complaint.status == "filed", who
        assert complaint.outcome == "", who
        assert AuditEntry.objects.count() == before, who
    # A supervisor records it (the purchaser could too: checked below on a second complaint).
    response = client_for(users["supervisor"]).post(url, data)
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.outcome == "rejected"
    assert complaint.decision == "投诉缺乏事实依据"
    assert AuditEntry.objects.filter(action="complaint.decide", object_id=str(complaint.pk)).exists()
    # Recorded once: a second decision is refused with a message, nothing changes.
    client_for(users["purchaser"]).post(url, {**data, "outcome": "upheld", "decision": "改判"})
    complaint.refresh_from_db()
    assert complaint.outcome == "rejected"

    second = complaint_record(
        challenge=challenge, by=users["challenger"], authority="广东省财政厅", grounds="再投诉"
    )
    client_for(users["purchaser"]).post(url, {**data, "complaint": second.pk, "outcome": "withdrawn"})
    second.refresh_from_db()
    assert second.outcome == "withdrawn"

    # The challenge with its outcome and the complaint's outcome, on the three pages.
    challenge_page = client_for(users["challenger"]).get(url).content.decode()
    assert "Dismissed" in challenge_page
    assert "Rejected" in challenge_page
    assert "投诉缺乏事实依据" in challenge_page
    award_page = client_for(users["challenger"]).get(
        reverse("procurement:award_announcement", args=[challenge.award_id])
    )
    assert url in award_page.content.decode()
    assert "Rejected" in award_page.content.decode()
    # The public and the other bidders see the announcement without the challenge.
    public = (
        Client().get(reverse("procurement:award_announcement", args=[challenge.award_id])).content.decode()
    )
    assert url not in public
    other = client_for(users["other_bidder"]).get(
        reverse("procurement:award_announcement", args=[challenge.award_id])
    )
    assert url not in other.content.decode()
    manage = client_for(users["purchaser"]).get(reverse("procurement:evaluation_manage", args=[ev.tender.pk]))
    assert url in manage.content.decode()
    assert "Withdrawn" in manage.content.decode()


def test_a_complaint_before_the_reply_is_refused_with_a_message() -> None:
    ev, award = announced()
    org = Bid.objects.get(pk=ev.report.ranking[1]["bid"]).organisation
    challenger = supplier_of(org)
    challenge = challenge_file(award=award, organisation=org, by=challenger, grounds="评分畸高")
    url = reverse("procurement:challenge_detail", args=[challenge.pk])
    page = client_for(challenger).get(url).content.decode()
    assert "Record the complaint" not in page
    response = client_for(challenger).post(
        url, {"action": "complaint", "authority": "江门市财政局", "grounds": "x"}, follow=True
    )
    assert "A complaint follows the reply to the challenge." in response.content.decode()
    assert not Complaint.objects.exists()
