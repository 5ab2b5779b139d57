"""The contract page offers the actions the state machine allows: signing while a draft, publishing
once signed, terminating once in force, nothing on a void draft."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from procurement.services.contracts import contract_publish, contract_sign
from procurement.services.tenders import tender_cancel
from tests.i18n import in_english
from tests.procurement.award_setup import (
    drafted,
    english,  # noqa: F401 (autouse: messages in English)
    supplier_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_mfa_enrolment(settings: Any) -> None:
    settings.GOVBUY_MFA_REQUIRED_ROLES = []


def page(user: Any, contract: Any) -> str:
    client = in_english()
    client.force_login(user)
    response = client.get(reverse("procurement:contract_detail", args=[contract.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_actions_follow_the_contract_state() -> None:
    ev, award, contract = drafted()
    winner = supplier_of(award.bid.organisation)
    html = page(ev.purchaser, contract)
    assert 'value="sign"' in html
    assert 'value="publish"' not in html
    assert 'value="terminate"' not in html
    assert 'value="amend"' in html
    sha = contract.current_version.sha256
    contract_sign(contract=contract, by=ev.purchaser, confirmed_sha256=sha)
    contract = contract_sign(contract=contract, by=winner, confirmed_sha256=sha)
    html = page(ev.purchaser, contract)
    assert 'value="sign"' not in html
    assert 'value="publish"' in html
    assert 'value="terminate"' in html
    assert 'value="publish"' not in page(winner, contract)  # the supplier does not publish
    contract = contract_publish(contract=contract, by=ev.purchaser)
    html = page(ev.purchaser, contract)
    assert 'value="publish"' not in html
    assert 'value="terminate"' in html


def test_a_void_draft_offers_nothing() -> None:
    ev, award, contract = drafted()
    tender_cancel(tender=ev.tender, by=ev.purchaser, reason="项目取消")
    html = page(ev.purchaser, contract)
    assert "项目取消" in html
    for action in ("sign", "publish", "terminate", "amend"):
        assert f'value="{action}"' not in html
    assert 'value="sign"' not in page(supplier_of(award.bid.organisation), contract)
