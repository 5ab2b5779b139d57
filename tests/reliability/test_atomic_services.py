"""A database error in the middle of a service leaves nothing half-written.

No mock of our code: the test installs a real PostgreSQL trigger that raises on one particular INSERT
(an audit entry or a notification that a service writes *after* its first writes), calls the real
service, and checks that everything is as before: every row of every table (a fingerprint of each
table's contents), the files in the media store, and the side effects that run after commit
(e-mails, Celery tasks). Then the trigger is dropped and the same call succeeds, which proves the
failure really was in the middle of the service and that the checks see a change when there is one.

PostgreSQL only (the trigger is PL/pgSQL); the transactions are real (``transactional_db``).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from celery.signals import task_prerun
from django.conf import settings
from django.core import mail
from django.db import DatabaseError, connection
from django.utils import timezone

from accounts.models import AuditEntry, Notification
from procurement.models import (
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    Contract,
    ContractStatus,
    Instalment,
    InstalmentStatus,
    Tender,
    TenderStatus,
)
from procurement.services.awards import award_announce, award_confirm
from procurement.services.bids import bid_add_document, bid_create_draft, bid_submit, tender_close_bidding
from procurement.services.contracts import (
    contract_sign,
    payment_record,
    progress_report_review,
    progress_report_submit,
)
from tests.factories import MembershipFactory
from tests.procurement import award_setup, bidding
from vendors.models import DirectoryVersion
from vendors.services.directory import entry_suspend, version_publish

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

AUDIT = AuditEntry._meta.db_table
NOTIFICATION = Notification._meta.db_table


@dataclass
class Case:
    call: Callable[[], Any]
    table: str  # the INSERT into this table fails ...
    when: str  # ... when this condition on NEW holds (SQL)
    succeeded: Callable[[], bool]  # after the call without the trigger: the service's change is there


# --- the services, each set up to the moment before the call ----------------------------------------


def bid_submit_case() -> Case:
    tender = bidding.make_tender()
    user, org = bidding.make_bidder()
    bid = bid_create_draft(tender=tender, organisation=org, by=user)
    bid_add_document(bid=bid, name="技术方案.pdf", stream=io.BytesIO(bidding.PDF), by=user)
    return Case(
        call=lambda: bid_submit(bid=Bid.objects.get(pk=bid.pk), price="480000.00", by=user),
        table=AUDIT,
        when="NEW.action = 'bid.submit'",  # after the bid's update and its receipt
        succeeded=lambda: Bid.objects.get(pk=bid.pk).status == BidStatus.SUBMITTED,
    )


def bid_add_document_case() -> Case:
    tender = bidding.make_tender()
    user, org = bidding.make_bidder()
    bid = bid_create_draft(tender=tender, organisation=org, by=user)
    return Case(
        call=lambda: bid_add_document(
            bid=Bid.objects.get(pk=bid.pk), name="技术方案.pdf", stream=io.BytesIO(bidding.PDF), by=user
        ),
        table=AUDIT,
        when="NEW.action = 'bid.add_document'",  # after the sealed file is stored and its row written
        succeeded=lambda: Bid.objects.get(pk=bid.pk).documents.count() == 1,
    )


def tender_document_add_case() -> Case:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from procurement.services.tenders import tender_document_add

    tender = bidding.make_tender(status=TenderStatus.DRAFT)
    purchaser = bidding.purchaser_of(tender)
    return Case(
        call=lambda: tender_document_add(
            tender=tender,
            by=purchaser,
            title="招标文件",
            file=SimpleUploadedFile("招标文件.pdf", bidding.PDF),
        ),
        table=AUDIT,
        when="NEW.action = 'tender.document_add'",  # after the file is stored and its row written
        succeeded=lambda: Tender.objects.get(pk=tender.pk).documents.count() == 1,
    )


def close_bidding_case() -> Case:
    tender = bidding.make_tender()
    for _ in range(2):
        user, org = bidding.make_bidder()
        bidding.submit_bid(tender, user, org)
    tender = bidding.pass_deadline(tender)
    return Case(
        call=lambda: tender_close_bidding(tender=tender),
        table=NOTIFICATION,
        when="NEW.kind = 'tender.bidding_closed'",  # after the tender's update and its audit entry
        succeeded=lambda: Tender.objects.get(pk=tender.pk).status == TenderStatus.BIDDING_CLOSED,
    )


def award_confirm_case() -> Case:
    ev = award_setup.evaluated()
    first = Bid.objects.get(pk=ev.report.ranking[0]["bid"])
    return Case(
        call=lambda: award_confirm(tender=ev.tender, bid=first, by=ev.purchaser),
        table=AUDIT,
        when="NEW.action = 'tender.award'",  # after the award row and the tender's update
        succeeded=lambda: Tender.objects.get(pk=ev.tender.pk).status == TenderStatus.AWARDED,
    )


def award_announce_case() -> Case:
    ev = award_setup.evaluated()
    first = Bid.objects.get(pk=ev.report.ranking[0]["bid"])
    award = award_confirm(tender=ev.tender, bid=first, by=ev.purchaser)
    return Case(
        call=lambda: award_announce(award=award, by=ev.purchaser),
        table=NOTIFICATION,
        # The losers' notices: after the award's update, its audit entry and the winner's notice
        # (whose e-mail is already scheduled for after the commit).
        when="NEW.kind = 'tender.award_result' AND NEW.message LIKE 'Tender %% was awarded%%'",
        succeeded=lambda: Award.objects.get(pk=award.pk).status == AwardStatus.ANNOUNCED,
    )


def contract_sign_case() -> Case:
    ev, award, contract = award_setup.drafted()
    sha = contract.current_version.sha256
    contract_sign(contract=contract, by=award_setup.supplier_of(award.bid.organisation), confirmed_sha256=sha)
    return Case(
        call=lambda: contract_sign(
            contract=Contract.objects.get(pk=contract.pk), by=ev.purchaser, confirmed_sha256=sha
        ),
        table=AUDIT,
        # The second signature: after its own audit entry and the award's and tender's updates.
        when="NEW.action = 'tender.sign_contract'",
        succeeded=lambda: Contract.objects.get(pk=contract.pk).status == ContractStatus.SIGNED,
    )


def payment_record_case() -> Case:
    ev, award, contract = award_setup.drafted()
    sha = contract.current_version.sha256
    winner = award_setup.supplier_of(award.bid.organisation)
    contract_sign(contract=contract, by=winner, confirmed_sha256=sha)
    contract = contract_sign(contract=contract, by=ev.purchaser, confirmed_sha256=sha)
    first = contract.milestones.order_by("order").first()
    report = progress_report_submit(milestone=first, by=winner, text="人员已到位，方案已报备")
    progress_report_review(report=report, by=ev.purchaser, accept=True, comment="通过")
    instalment = Instalment.objects.get(milestone=first)
    assert instalment.status == InstalmentStatus.DUE
    return Case(
        call=lambda: payment_record(
            instalment=instalment, by=ev.purchaser, amount=instalment.amount, paid_on=timezone.localdate()
        ),
        table=AUDIT,
        when="NEW.action = 'payment.record'",  # after the payment row and the instalment's update
        succeeded=lambda: Instalment.objects.get(pk=instalment.pk).status == InstalmentStatus.PAID,
    )


def directory_publish_case() -> Case:
    from tests.conftest import _verified
    from tests.factories import DepartmentFactory, UserFactory

    admin = _verified(UserFactory(role="directory_admin", department=DepartmentFactory()))
    _user, org = bidding.make_bidder()
    MembershipFactory(organisation=org)
    entry_suspend(organisation=org, reason="限期整改", by=admin)
    draft = DirectoryVersion.objects.drafts().get()
    return Case(
        call=lambda: version_publish(version=draft, by=admin),
        table=NOTIFICATION,
        # The staff's notices: after the version's update and its audit entry.
        when="NEW.kind = 'directory.entry_suspended'",
        succeeded=lambda: DirectoryVersion.objects.get(pk=draft.pk).is_published,
    )


CASES = {
    "bid_submit": bid_submit_case,
    "bid_add_document": bid_add_document_case,
    "tender_document_add": tender_document_add_case,
    "tender_close_bidding": close_bidding_case,
    "award_confirm": award_confirm_case,
    "award_announce": award_announce_case,
    "contract_sign": contract_sign_case,
    "payment_record": payment_record_case,
    "directory_version_publish": directory_publish_case,
}


# --- what "nothing changed" means -----------------------------------------------------------------


def database_fingerprint() -> dict[str, tuple[int, str]]:
    """Every table: its row count and a hash of all its rows (order-independent)."""
    tables = sorted(connection.introspection.table_names())
    result = {}
    with connection.cursor() as cursor:
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') "  # noqa: S608
                f"FROM {quoted} t"
            )
            count, digest = cursor.fetchone()
            result[table] = (count, digest)
    return result


def media_files() -> dict[str, str]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def tasks_run() -> Iterator[list[str]]:
    """Celery tasks that actually ran (in tests they run in-process, at commit)."""
    names: list[str] = []

    def on_prerun(sender: Any = None, **kwargs: Any) -> None:
        names.append(sender.name)

    task_prerun.connect(on_prerun, weak=False)
    yield names
    task_prerun.disconnect(on_prerun)


@pytest.fixture
def failing_insert() -> Iterator[Callable[[str, str], None]]:
    installed: list[str] = []

    def install(table: str, when: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE OR REPLACE FUNCTION reliability_fail() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN RAISE EXCEPTION 'reliability test: injected failure on %', TG_TABLE_NAME; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER reliability_fail BEFORE INSERT ON {connection.ops.quote_name(table)} "
                f"FOR EACH ROW WHEN ({when.replace('%%', '%')}) EXECUTE FUNCTION reliability_fail()"
            )
        installed.append(table)

    yield install
    drop()
    installed.clear()


def drop() -> None:
    with connection.cursor() as cursor:
        for table in (AUDIT, NOTIFICATION):
            cursor.execute(f"DROP TRIGGER IF EXISTS reliability_fail ON {connection.ops.quote_name(table)}")
        cursor.execute("DROP FUNCTION IF EXISTS reliability_fail()")


@pytest.mark.parametrize("service", list(CASES))
def test_a_database_error_mid_service_leaves_nothing_half_written(
    transactional_db: Any, settings: Any, tasks_run: list[str], failing_insert: Any, service: str
) -> None:
    case = CASES[service]()
    mail.outbox.clear()
    tasks_run.clear()
    before_rows, before_files = database_fingerprint(), media_files()

    failing_insert(case.table, case.when)
    statements: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql.split(None, 1)[0].upper())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record), pytest.raises(DatabaseError, match="injected failure"):
        case.call()
    # The failure came in the middle: the service had already written something in its transaction.
    assert {"INSERT", "UPDATE"} & set(statements[:-1]), statements

    assert database_fingerprint() == before_rows
    assert media_files() == before_files
    assert mail.outbox == []
    assert tasks_run == []

    # Without the trigger the same call goes through, and the checks above see its effects.
    drop()
    case.call()
    assert case.succeeded()
    assert database_fingerprint() != before_rows


def test_the_fingerprint_sees_a_changed_row(transactional_db: Any) -> None:
    """The comparison above is not vacuous: one changed value changes the fingerprint."""
    tender = bidding.make_tender()
    before = database_fingerprint()
    Tender.objects.filter(pk=tender.pk).update(budget=Decimal("999999.99"), bid_deadline=timezone.now())
    assert database_fingerprint() != before
    Tender.objects.filter(pk=tender.pk).update(budget=tender.budget, bid_deadline=tender.bid_deadline)
    assert database_fingerprint() == before
