"""Schemathesis against the live test server: every GET operation of /api/schema/, anonymously and
as a signed-in supplier, with a bounded number of generated examples. No server error, no status
code the schema does not document, no response that breaks its schema."""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.api.tokens import api_token_create
from tests.procurement.bidding import make_bidder, submit_bid
from tests.procurement.factories import make_published

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = 10


def check_operation(operation: Any, base_url: str, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

    run()


@pytest.mark.django_db(transaction=True)
def test_api_conforms_to_its_schema(live_server: Any, settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "write": None},
    }
    tender = make_published()
    supplier, organisation = make_bidder()
    submit_bid(tender, supplier, organisation)
    _token, raw = api_token_create(by=supplier, name="schemathesis")

    started = time.monotonic()
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")
    operations = [r.ok() for r in schema.get_all_operations()]
    gets = [op for op in operations if op.method.upper() == "GET"]
    assert len(gets) >= 20

    for operation in gets:
        for headers in ({}, {"Authorization": f"Bearer {raw}"}):
            check_operation(operation, live_server.url, headers)
    assert time.monotonic() - started < 120
