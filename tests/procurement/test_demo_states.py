"""seed_demo carries projects through every state of evaluation, award, challenge and contract
(issue 5), all through the services."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from procurement.models import (
    Award,
    Challenge,
    Committee,
    Complaint,
    Contract,
    Milestone,
    Payment,
    Tender,
)

pytestmark = pytest.mark.django_db


def test_seed_demo_reaches_every_state(settings: Any) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    statuses = set(Tender.objects.values_list("status", flat=True))
    assert {"under_evaluation", "awarded", "contracted"} <= statuses
    # Under evaluation: a committee scoring, some members submitted.
    scoring = Committee.objects.filter(status="scoring", tender__status="under_evaluation").first()
    assert scoring is not None
    assert scoring.members.filter(status="submitted").exists()
    # Awarded and announced, in the challenge period.
    today = timezone.localdate()
    assert Award.objects.filter(status="announced", challenge_until__gte=today).exists()
    # Challenged: pending (signing suspended); dismissed then a complaint awaiting its decision;
    # upheld with re-evaluation: the award rescinded and the committee reconvened.
    assert Challenge.objects.filter(status="pending").exists()
    assert Complaint.objects.filter(status="filed", challenge__status="dismissed").exists()
    upheld = Challenge.objects.get(status="upheld_reevaluation")
    assert Award.objects.get(pk=upheld.award_id).status == "rescinded"
    assert Committee.objects.filter(tender=upheld.tender, round=2, status="forming").exists()
    # Contracted with milestones and payments.
    running = Contract.objects.filter(
        status="published", milestones__status="submitted", instalments__payments__isnull=False
    ).distinct()
    assert running.exists()
    contract = running.first()
    assert Milestone.objects.filter(contract=contract, status="accepted").exists()
    assert Payment.objects.filter(instalment__contract=contract).exists()
