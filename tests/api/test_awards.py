"""Public awards and contracts: a rescinded award stays on the record, marked (as on the portal and
in its export), and the ``status`` filter gives only the awards that stand."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from procurement.models import Bid
from procurement.services.awards import award_confirm, award_rescind
from tests.procurement import award_setup

pytestmark = pytest.mark.django_db


@pytest.fixture
def awards(db: Any) -> tuple[Any, Any]:
    _, standing = award_setup.announced()
    ev, rescinded = award_setup.announced()
    award_rescind(award=rescinded, by=ev.purchaser, reason="质疑成立，重新评审")
    return standing, rescinded


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_a_rescinded_award_is_listed_with_its_status(awards: tuple[Any, Any]) -> None:
    standing, rescinded = awards
    rows = {row["id"]: row for row in APIClient().get("/api/v1/awards/").json()["results"]}
    assert set(rows) == {standing.pk, rescinded.pk}
    assert rows[standing.pk]["status"] == "announced"
    assert rows[standing.pk]["rescinded_at"] is None
    assert rows[rescinded.pk]["status"] == "rescinded"
    assert rows[rescinded.pk]["rescinded_at"]
    assert rows[rescinded.pk]["rescind_reason"] == "质疑成立，重新评审"
    detail = APIClient().get(f"/api/v1/awards/{rescinded.pk}/").json()
    assert detail["status"] == "rescinded"


def test_the_status_filter_gives_the_awards_that_stand(awards: tuple[Any, Any]) -> None:
    standing, rescinded = awards
    client = APIClient()
    assert ids(client.get("/api/v1/awards/?status=announced&status=contracted")) == [standing.pk]
    assert ids(client.get("/api/v1/awards/?status=rescinded")) == [rescinded.pk]
    assert ids(client.get("/api/v1/awards/?status=contracted")) == []


@pytest.mark.parametrize(
    "url", ["/api/v1/awards/?status=confirmed", "/api/v1/awards/?status=x", "/api/v1/contracts/?status=draft"]
)
def test_an_unknown_or_unpublished_status_is_a_400(db: Any, url: str) -> None:
    response = APIClient().get(url)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert set(response.json()["error"]["fields"]) == {"status"}


def test_a_confirmed_award_is_not_public_yet(db: Any) -> None:
    ev = award_setup.evaluated()
    first = ev.report.ranking[0]["bid"]
    award = award_confirm(tender=ev.tender, bid=Bid.objects.get(pk=first), by=ev.purchaser)
    assert APIClient().get(f"/api/v1/awards/{award.pk}/").status_code == 404
    assert award.pk not in ids(APIClient().get("/api/v1/awards/"))
