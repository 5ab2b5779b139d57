"""Backup and restore round-trip a seeded site (``backup_site`` / ``restore_site``, docs/deployment.md).

The demo site is seeded once for the module into the test database (plus one issued PDF), backed up,
and restored by the commands run as separate processes into a fresh database and a fresh media
folder. The restored site is then checked independently of the command's own checks: the audit chain
verifies with the same head, every table has the same rows, every media file is byte for byte the
same and every stored document's file still has the hash its record names. A backup with one changed
byte is refused before anything is restored.

PostgreSQL only (``pg_dump``/``pg_restore``); the SQLite path of the commands is exercised by hand.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.test import override_settings

from accounts.audit import audit_verify_chain
from accounts.backup import MANIFEST, MEDIA, audit_head, table_counts
from config.celery import app as celery_app

pytestmark = [
    pytest.mark.django_db,  # also tells pytest-django to set the test database up
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, database: str, media: Path) -> subprocess.CompletedProcess[str]:
    """``manage.py`` in its own process, on another database and media folder, as an operator runs it."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}",
        "MEDIA_ROOT": str(media),
    }
    env.pop("CELERY_BROKER_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def _admin_sql(sql: str) -> None:
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


class Site:
    def __init__(self, backup: Path, media: Path, counts: dict[str, int], head: str, files: dict[str, str]):
        self.backup, self.media, self.counts, self.head, self.files = backup, media, counts, head, files


@pytest.fixture(scope="module")
def seeded(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[Site]:
    """Seed once for the module (slow), issue one PDF, back up with the command. At the end, empty the
    test database again as a transactional test would."""
    media = tmp_path_factory.mktemp("source-media")
    backup = tmp_path_factory.mktemp("backup") / "site"
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=str(media),
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
    ):
        try:
            _migration_rows()  # a transactional test before this module may have flushed them
            call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
            _issue_a_document()
            call_command("backup_site", str(backup), stdout=open(os.devnull, "w"))  # noqa: SIM115
            yield Site(backup, media, table_counts(), audit_head(), _tree(media))
        finally:
            celery_app.conf.task_always_eager = eager
            # As after a transactional test (tests/conftest.py): empty, then the data migrations' rows.
            call_command("flush", interactive=False, verbosity=0)
            _migration_rows()


def _migration_rows() -> None:
    for module, function in (
        ("vendors.migrations.0004_seed_service_categories", "seed"),
        ("evaluation.migrations.0002_standard_template", "create"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)


def _issue_a_document() -> None:
    """The demo issues no PDF of its own: ask for one audit extract (rendered in-process)."""
    from accounts.documents import document_request
    from accounts.models import Department, GeneratedDocument, User

    supervisor = User.objects.filter(role="supervisor").first()
    department = Department.objects.order_by("pk").first()
    document = document_request(kind="accounts.audit_extract", obj=department, by=supervisor)
    assert GeneratedDocument.objects.get(pk=document.pk).status == GeneratedDocument.Status.READY


@pytest.fixture
def fresh(seeded: Site, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A new, empty database and an empty media folder to restore into."""
    name = f"{connection.settings_dict['NAME']}_restore"
    _admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
    _admin_sql(f'CREATE DATABASE "{name}"')
    yield name, tmp_path / "restored-media"
    _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _restored_rows(database: str) -> dict[str, int]:
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=database
    ) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def _stored_documents(database: str) -> list[tuple[str, str, str]]:
    """(table, file name, recorded SHA-256) of every row whose model has a ``file`` and a ``sha256``."""
    db = connection.settings_dict
    found = []
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=database
    ) as conn:
        for model in apps.get_models():
            fields = {f.name: f for f in model._meta.get_fields()}
            if not (isinstance(fields.get("file"), models.FileField) and "sha256" in fields):
                continue
            table = model._meta.db_table
            rows = conn.execute(
                f"SELECT file, sha256 FROM \"{table}\" WHERE file <> '' AND sha256 <> ''"  # noqa: S608
            ).fetchall()
            found += [(table, name, digest) for name, digest in rows]
    return found


def test_backup_and_restore_round_trip_the_seeded_site(seeded: Site, fresh: tuple[str, Path]) -> None:
    database, media = fresh
    manifest = (seeded.backup / MANIFEST).read_text()
    assert seeded.head.split(":")[1] in manifest
    assert seeded.counts["accounts_auditentry"] > 50  # the demo really is in the backup
    assert sum(seeded.counts.values()) > 1000

    restored = _manage("restore_site", str(seeded.backup), database=database, media=media)
    assert restored.returncode == 0, restored.stderr
    assert "audit chain intact" in restored.stdout

    # Independently of the command's own checks: the chain, the head, the rows, the files.
    verified = _manage("audit_verify", "--expect", seeded.head, database=database, media=media)
    assert verified.returncode == 0, verified.stderr
    assert f"head {seeded.head}" in verified.stdout
    assert _restored_rows(database) == seeded.counts
    assert _tree(media) == seeded.files
    documents = _stored_documents(database)
    tables = {table for table, _name, _digest in documents}
    assert "accounts_generateddocument" in tables  # the issued PDF
    assert "vendors_applicationdocument" in tables or len(tables) > 1, tables  # and uploads
    for table, name, digest in documents:
        assert hashlib.sha256((media / name).read_bytes()).hexdigest() == digest, (table, name)
    # The source is untouched and still intact.
    assert audit_verify_chain()[1] is None


@pytest.mark.parametrize("part", ["database", "media"])
def test_a_tampered_backup_is_refused_before_anything_is_restored(
    seeded: Site, tmp_path: Path, settings: Any, part: str
) -> None:
    copy = tmp_path / "tampered"
    shutil.copytree(seeded.backup, copy)
    name = MEDIA if part == "media" else "database.dump"
    data = bytearray((copy / name).read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit of one byte
    (copy / name).write_bytes(bytes(data))
    settings.MEDIA_ROOT = str(tmp_path / "restored-media")

    # The refusal comes before the target is even looked at: here the target is the (non-empty) test
    # database itself, which would be refused later anyway, and which must come out untouched.
    with pytest.raises(CommandError, match=f"The backup is damaged or was altered: {name} has SHA-256"):
        call_command("restore_site", str(copy))
    assert table_counts() == seeded.counts
    assert not (tmp_path / "restored-media").exists()


def test_restore_refuses_a_database_that_is_not_empty(seeded: Site, tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "restored-media")
    with pytest.raises(CommandError, match="The target database is not empty"):
        call_command("restore_site", str(seeded.backup))
    assert table_counts() == seeded.counts
