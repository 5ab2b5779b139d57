"""Signal → task (after commit) → bulk actions, with the Elasticsearch backend pointed at nothing:
the client's bulk helper is replaced by a recorder (third-party code, not ours), so what would be
sent is asserted exactly."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from portal.search import es
from portal.tasks import index_task
from procurement.models import TenderStatus
from procurement.services.tenders import tender_cancel
from tests.portal.search_data import (
    SECRET_BIDDER,
    SECRET_PRICE,
    UNANNOUNCED_PRICE,
    UNPUBLISHED_REPORT,
    build,
)
from tests.procurement.factories import department_purchaser, make_draft, make_published

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"  # nothing listens there
    actions: list[dict[str, Any]] = []

    def streaming_bulk(client: Any, batch: Any, **kwargs: Any) -> Any:
        for action in batch:
            actions.append(action)
            yield True, {action["_op_type"]: {"_id": action["_id"], "status": 200}}

    monkeypatch.setattr(es.helpers, "streaming_bulk", streaming_bulk)
    return actions


def test_publishing_a_tender_indexes_it_after_commit(
    sent: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    purchaser = department_purchaser()
    draft = make_draft(purchaser)
    assert sent == []  # drafts are never sent
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        from procurement.services.tenders import tender_publish

        tender = tender_publish(tender=draft, by=purchaser)
    assert sent == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(sent) == 1
    action = sent[0]
    assert action["_op_type"] == "index"
    assert action["_index"] == "govbuy-tender"
    assert action["_id"] == f"tender-{tender.pk}"
    source = action["_source"]
    assert source["title"] == tender.title
    assert source["kind"] == "tender"
    assert source["status"] == "tender:published"
    assert source["category"] == [str(tender.category_id)]
    assert source["department"] == str(tender.department_id)
    assert source["amount"] == 800000.0
    assert source["year"] == tender.published_at.year or source["year"] == tender.published_at.year + 1
    assert source["url"] == f"/procurement/tenders/{tender.pk}/"
    assert set(source) <= set(es.index_body("tender")["mappings"]["properties"])


def test_cancelling_reindexes_with_the_new_status(
    sent: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    purchaser = department_purchaser()
    tender = make_published(purchaser)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tender_cancel(tender=tender, by=purchaser, reason="预算调整")
    assert [a["_source"]["status"] for a in sent] == [f"tender:{TenderStatus.CANCELLED}"]


def test_task_removes_what_is_not_public_and_is_idempotent(sent: list[dict[str, Any]]) -> None:
    record = build()
    assert index_task("procurement.tender", record.draft.pk) == 1
    assert sent == [{"_op_type": "delete", "_index": "govbuy-tender", "_id": f"tender-{record.draft.pk}"}]
    sent.clear()
    index_task("procurement.award", record.award.pk)
    index_task("procurement.award", record.award.pk)
    assert sent[0] == sent[1]
    source = sent[0]["_source"]
    assert source["organisation"] == "江门市阳光社会工作服务中心"
    assert source["amount"] == 650000.0  # the winning price, announced


def test_no_action_carries_sealed_bid_content(sent: list[dict[str, Any]]) -> None:
    record = build()
    from procurement.models import Award

    unannounced = Award.objects.exclude(pk=record.award.pk).get()
    actions = [
        *es.object_actions("procurement.tender", record.tender_2026.pk),
        *es.object_actions("procurement.tender", record.awarded.pk),
        *es.object_actions("procurement.award", record.award.pk),
        *es.object_actions("procurement.award", unannounced.pk),
        *es.object_actions("procurement.contract", record.contract.pk),
        *es.object_actions("vendors.directoryversion", record.entry.version_id),
        *[es.index_action(r) for kind in es.KINDS for r in es.all_records(kind)],
    ]
    text = repr(actions)
    assert SECRET_BIDDER not in text
    assert SECRET_PRICE not in text
    assert "777777.77" not in text
    assert UNANNOUNCED_PRICE not in text
    assert UNPUBLISHED_REPORT not in text
    assert "服务对象满意度高" in text  # the published evaluation's report is public
    assert "654321" not in text
    assert {"_op_type": "delete", "_index": "govbuy-award", "_id": f"award-{unannounced.pk}"} in actions


def test_directory_version_indexes_its_organisations_once_each(sent: list[dict[str, Any]]) -> None:
    record = build()
    actions = es.object_actions("vendors.directoryversion", record.entry.version_id)
    assert [a["_id"] for a in actions] == [f"organisation-{record.entry.organisation_id}"]
    source = actions[0]["_source"]
    assert source["version"] == 1
    assert sorted(source["category"]) == sorted([str(record.elderly.pk), str(record.disability.pk)])
    assert source["url"] == f"/directory/organisations/{record.entry.organisation.credit_code}/"


def test_database_backend_rebuilds_its_table(settings: Any) -> None:
    settings.SEARCH_BACKEND = "database"
    build()
    out = StringIO()
    call_command("search_index", "--rebuild", "--kind", "tender", stdout=out)
    assert "tender: 4 rows" in out.getvalue()
    assert index_task("procurement.tender", 10**9) == 0  # no such tender: nothing to remove
