"""The audit trail: append-only, hash-chained, verified by ``manage.py audit_verify``.

Tampering is done with raw SQL, as an attacker with database access would: the model refuses it.
"""

from __future__ import annotations

import itertools
import threading
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections

from accounts.audit import audit_record, audit_verify_chain
from accounts.models import AuditEntry, User
from accounts.models.audit import GENESIS_HASH, AuditImmutableError
from tests.factories import DepartmentFactory, UserFactory

TABLE = AuditEntry._meta.db_table


def _verify() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def _sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def chain(db: Any) -> list[AuditEntry]:
    actor = UserFactory(email="auditor@example.test")
    dept = DepartmentFactory(code="JMMZ", name="江门市民政局")
    return [
        audit_record(actor=actor, action=f"test.step{i}", obj=dept, summary={"step": i, "名称": "民政"})
        for i in range(1, 6)
    ]


def test_intact_chain_verifies_with_exit_code_0(chain: list[AuditEntry]) -> None:
    code, out, err = _verify()
    assert code == 0
    assert "audit chain intact: 5 entries" in out
    assert err == ""


def test_empty_trail_is_intact(db: Any) -> None:
    assert _verify()[0] == 0


def test_entries_link_to_their_predecessor(chain: list[AuditEntry]) -> None:
    stored = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in stored] == [1, 2, 3, 4, 5]
    assert stored[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(stored):
        assert after.prev_hash == before.hash
    # What was stored (after the JSON round trip through the database) still hashes the same.
    assert all(e.compute_hash() == e.hash for e in stored)
    assert stored[0].actor_label == "auditor@example.test"
    assert stored[0].object_type == "accounts.department"
    assert stored[0].summary == {"step": 1, "名称": "民政"}


def test_edited_entry_is_named(chain: list[AuditEntry]) -> None:
    _sql(f"UPDATE {TABLE} SET action = %s WHERE seq = %s", ["test.harmless", 3])  # noqa: S608
    code, _out, err = _verify()
    assert code == 1
    assert f"broken at entry seq=3 (id={chain[2].pk})" in err
    assert "edited" in err
    assert "2 entries before it are intact" in err


def test_edited_summary_is_named(chain: list[AuditEntry]) -> None:
    _sql(f"UPDATE {TABLE} SET summary = %s WHERE seq = %s", ['{"step": 99}', 2])  # noqa: S608
    code, _out, err = _verify()
    assert code == 1
    assert f"seq=2 (id={chain[1].pk})" in err


def test_deleted_entry_is_named(chain: list[AuditEntry]) -> None:
    _sql(f"DELETE FROM {TABLE} WHERE seq = %s", [2])  # noqa: S608
    code, _out, err = _verify()
    assert code == 1
    # The first entry that no longer follows its predecessor is the one after the gap.
    assert f"broken at entry seq=3 (id={chain[2].pk})" in err
    assert "missing" in err


def test_deleted_entry_with_renumbered_sequence_is_named(chain: list[AuditEntry]) -> None:
    """Closing the gap in the sequence numbers does not hide the deletion: the links no longer match."""
    _sql(f"DELETE FROM {TABLE} WHERE seq = %s", [2])  # noqa: S608
    for seq in (3, 4, 5):
        _sql(f"UPDATE {TABLE} SET seq = %s WHERE seq = %s", [seq - 1, seq])  # noqa: S608
    code, _out, err = _verify()
    assert code == 1
    assert f"broken at entry seq=2 (id={chain[2].pk})" in err


def test_reordered_entries_are_named(chain: list[AuditEntry]) -> None:
    # Swap the positions of entries 3 and 4 (through a free number: seq is unique).
    _sql(f"UPDATE {TABLE} SET seq = %s WHERE seq = %s", [1000, 3])  # noqa: S608
    _sql(f"UPDATE {TABLE} SET seq = %s WHERE seq = %s", [3, 4])  # noqa: S608
    _sql(f"UPDATE {TABLE} SET seq = %s WHERE seq = %s", [4, 1000])  # noqa: S608
    code, _out, err = _verify()
    assert code == 1
    assert f"broken at entry seq=3 (id={chain[3].pk})" in err


def test_audit_verify_exit_codes_from_the_command_line(chain: list[AuditEntry]) -> None:
    """``manage.py audit_verify`` as an operator runs it: exit status 1, message on stderr."""
    checked, broken = audit_verify_chain()
    assert (checked, broken) == (5, None)
    _sql(f"UPDATE {TABLE} SET object_repr = %s WHERE seq = %s", ["someone else", 5])  # noqa: S608
    checked, broken = audit_verify_chain()
    assert checked == 4
    assert broken is not None
    assert (broken.seq, broken.entry_id) == (5, chain[4].pk)


def test_model_refuses_update_and_delete(chain: list[AuditEntry]) -> None:
    entry = AuditEntry.objects.get(seq=2)
    entry.action = "test.changed"
    with pytest.raises(AuditImmutableError):
        entry.save()
    with pytest.raises(AuditImmutableError):
        entry.delete()
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.filter(seq=2).update(action="test.changed")
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.bulk_update([entry], ["action"])
    assert AuditEntry.objects.count() == 5
    assert AuditEntry.objects.get(seq=2).action == "test.step2"
    assert _verify()[0] == 0


def test_an_actor_with_audit_entries_cannot_be_deleted(chain: list[AuditEntry]) -> None:
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        User.objects.get(email="auditor@example.test").delete()


def test_admin_is_read_only(client: Any, chain: list[AuditEntry]) -> None:
    admin = UserFactory(role="", is_staff=True, is_superuser=True)
    client.force_login(admin)
    entry = chain[1]
    assert client.get("/admin/accounts/auditentry/").status_code == 200
    page = client.get(f"/admin/accounts/auditentry/{entry.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get("/admin/accounts/auditentry/add/").status_code == 403
    assert client.post(f"/admin/accounts/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"/admin/accounts/auditentry/{entry.pk}/change/", {"action": "test.changed"})
    client.post(
        "/admin/accounts/auditentry/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert AuditEntry.objects.count() == 5
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.step2"
    assert _verify()[0] == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_one_unbroken_chain() -> None:
    """20 writers appending at once (own connections, own transactions) on PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")
    writers = 20
    actor = UserFactory(email="writer@example.test")
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            audit_record(actor=actor, action="test.concurrent", summary={"writer": n})
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    entries = list(AuditEntry.objects.order_by("seq"))
    assert len(entries) == writers
    assert [e.seq for e in entries] == list(range(1, writers + 1))
    assert len({e.prev_hash for e in entries}) == writers  # no two claim the same predecessor
    assert sorted(e.summary["writer"] for e in entries) == list(range(writers))
    assert audit_verify_chain() == (writers, None)


def _verify_expecting(*heads: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit_verify", *[f"--expect={h}" for h in heads], stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_verify_prints_the_head_to_keep_outside(chain: list[AuditEntry]) -> None:
    code, out, _err = _verify()
    assert code == 0
    assert f"head 5:{chain[4].hash}" in out
    assert _verify_expecting(f"5:{chain[4].hash}", f"3:{chain[2].hash}")[0] == 0


def test_removing_the_newest_entries_is_caught_against_a_recorded_head(chain: list[AuditEntry]) -> None:
    head = f"5:{chain[4].hash}"
    _sql(f"DELETE FROM {TABLE} WHERE seq >= %s", [4])  # noqa: S608
    assert _verify()[0] == 0  # the shorter chain is consistent in itself ...
    code, _out, err = _verify_expecting(head)
    assert code == 1  # ... but not with what was recorded outside the database
    assert "no entry seq=5" in err
    assert "removed" in err


def test_a_rewritten_chain_is_caught_against_a_recorded_head(chain: list[AuditEntry]) -> None:
    """An attacker edits entry 2 and recomputes every later hash and link: consistent, yet caught."""
    head = f"5:{chain[4].hash}"
    entries = list(AuditEntry.objects.order_by("seq"))
    prev = entries[0].hash
    for entry in entries[1:]:
        entry.prev_hash = prev
        if entry.seq == 2:
            entry.action = "test.forged"
        entry.hash = entry.compute_hash()
        _sql(
            f"UPDATE {TABLE} SET action = %s, prev_hash = %s, hash = %s WHERE seq = %s",  # noqa: S608
            [entry.action, "x" * 60 + str(entry.seq), "y" * 60 + str(entry.seq), entry.seq],
        )
        prev = entry.hash
    for entry in entries[1:]:  # unique columns: write the final values in a second pass
        _sql(
            f"UPDATE {TABLE} SET prev_hash = %s, hash = %s WHERE seq = %s",  # noqa: S608
            [entry.prev_hash, entry.hash, entry.seq],
        )
    assert _verify()[0] == 0
    code, _out, err = _verify_expecting(head)
    assert code == 1
    assert f"seq=5 (id={chain[4].pk}) differs" in err


def test_malformed_expectation_is_refused(chain: list[AuditEntry]) -> None:
    code, _out, err = _verify_expecting("five:abc")
    assert code == 1
    assert "SEQ:HASH" in err


@pytest.mark.django_db
def test_a_batch_of_entries_continues_the_chain(django_assert_max_num_queries: Any) -> None:
    """``audit_record_many`` appends entries chained exactly as one-by-one appends, in a fixed
    number of queries (the opening records one entry per bid)."""
    from django.db.models.signals import post_save

    from accounts.audit import audit_record_many

    actor = UserFactory()
    first = audit_record(actor=actor, action="test.single", obj=actor, summary={"n": 0})
    items = [("test.batch", actor, {"n": n}) for n in range(1, 41)]
    saved: list[int] = []

    def receiver(sender: Any, instance: AuditEntry, created: bool, **kwargs: Any) -> None:
        saved.append(instance.seq)

    post_save.connect(receiver, sender=AuditEntry, dispatch_uid="test-audit-batch")
    try:
        with django_assert_max_num_queries(8):
            batch = audit_record_many(actor=actor, items=items)
    finally:
        post_save.disconnect(dispatch_uid="test-audit-batch", sender=AuditEntry)
    assert saved == [e.seq for e in batch]  # post_save per entry, as save() sends (the page cache)
    assert [e.seq for e in batch] == list(range(first.seq + 1, first.seq + 41))
    assert batch[0].prev_hash == first.hash
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(batch))
    stored = AuditEntry.objects.get(seq=batch[-1].seq)
    assert stored.hash == stored.compute_hash() == batch[-1].hash
    assert stored.summary == {"n": 40}
    assert stored.actor_id == actor.pk
    assert audit_verify_chain() == (41, None)
    assert audit_record_many(actor=actor, items=[]) == []
