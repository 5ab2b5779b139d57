"""Rescinded awards in the public API: not presented as current awards.

``/api/v1/awards/`` lists the awards that stand (announced or contracted), as the statistics and the
search index count them; a rescinded award's announcement still answers at its own address, with
status "rescinded", when and why.
"""

from __future__ import annotations

import pytest
from django.test import Client

from procurement.models import Award, AwardStatus
from tests.procurement import award_setup

pytestmark = pytest.mark.django_db


def test_a_rescinded_award_leaves_the_list_and_its_detail_says_rescinded() -> None:
    _ev, award = award_setup.announced()
    client = Client()
    listed = client.get("/api/v1/awards/").json()
    assert [a["id"] for a in listed["results"]] == [award.pk]
    assert listed["results"][0]["rescinded_at"] is None

    award = Award.objects.get(pk=award.pk)
    award.rescind(reason="质疑成立")
    award.save()

    assert client.get("/api/v1/awards/").json()["results"] == []
    detail = client.get(f"/api/v1/awards/{award.pk}/").json()
    assert detail["status"] == AwardStatus.RESCINDED
    assert detail["rescinded_at"]
    assert detail["rescind_reason"] == "质疑成立"
    # Nobody can challenge an award that no longer stands.
    assert client.post(f"/api/v1/awards/{award.pk}/challenges/", {}).status_code in (401, 403, 404)
