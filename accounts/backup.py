"""Backing up and restoring a whole site: the database and the media files, with a manifest.

``python manage.py backup_site DIR`` writes into a new directory:

- ``database.dump``: PostgreSQL's custom format (``pg_dump -Fc``), or ``database.sqlite3`` made with
  SQLite's online backup API (consistent while the site runs);
- ``media.tar.gz``: every file under ``MEDIA_ROOT`` (uploads, sealed bid documents, issued PDFs);
- ``manifest.json``: the SHA-256 and size of each part, the row count of every table and the audit
  chain's head (``SEQ:HASH``) at the time of the backup.

``python manage.py restore_site DIR`` checks every part against the manifest *before* touching
anything (a changed byte is refused), restores into an empty database and an empty ``MEDIA_ROOT``,
and then checks the result: the audit chain verifies, its head is the manifest's, and every table
has the row count the manifest recorded. See docs/deployment.md, "Backup and restore".

This is the portable, self-checking backup for small installations, for moving a site and for the
restore drill; a large production site keeps its WAL archiving and bucket replication
(docs/deployment.md, Backups) and can use these commands for the monthly restore test.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection, transaction

FORMAT = "govbuy-site-backup/1"
MANIFEST = "manifest.json"
MEDIA = "media.tar.gz"
DUMP = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """The backup cannot be made or restored; the message says why, for the operator."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def table_counts() -> dict[str, int]:
    """Rows in every table of the database (Django's and everything else in it)."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def audit_head() -> str:
    from accounts.models import AuditEntry

    head = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
    return f"{head.seq}:{head.hash}" if head else ""


def _media_root() -> Path:
    if not isinstance(default_storage, FileSystemStorage):
        raise BackupError(
            "Files are in object storage, not under MEDIA_ROOT: back the bucket up with its own "
            "versioning and replication, and run this command with --no-media."
        )
    return Path(settings.MEDIA_ROOT)


def _pg_env_and_args() -> tuple[dict[str, str], list[str]]:
    db = connection.settings_dict
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return env, args


def _run(command: list[str], env: dict[str, str]) -> None:
    # S603: a fixed program (pg_dump / pg_restore) with arguments from settings, no shell.
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")


def _part(directory: Path, name: str) -> dict[str, Any]:
    path = directory / name
    return {"file": name, "sha256": sha256_file(path), "size": path.stat().st_size}


def _pg_dump(dump: Path) -> tuple[dict[str, int], str]:
    """pg_dump from a snapshot this transaction exports: the row counts and the audit head in the
    manifest are exactly those of the dump, even while the site keeps writing."""
    env, args = _pg_env_and_args()
    name = str(connection.settings_dict["NAME"])
    if connection.in_atomic_block:
        raise BackupError("backup_site must not run inside a transaction.")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        counts, head = table_counts(), audit_head()
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                *args,
                "--file",
                str(dump),
                name,
            ],
            env,
        )
    return counts, head


def _sqlite_copy(dump: Path) -> tuple[dict[str, int], str]:
    """SQLite's online backup API; the counts and the head are read from the copy itself."""
    connection.ensure_connection()
    target = sqlite3.connect(dump)
    try:
        connection.connection.backup(target)
        tables = [
            row[0]
            for row in target.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = {t: target.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608
        row = target.execute("SELECT seq, hash FROM accounts_auditentry ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        target.close()
    return counts, f"{row[0]}:{row[1]}" if row else ""


# --- backup ---------------------------------------------------------------------------------------


def backup_site(directory: Path, *, media: bool = True) -> dict[str, Any]:
    """Write the backup into ``directory`` (new or empty) and return its manifest."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: back up into a new directory.")
    directory.mkdir(parents=True, exist_ok=True)
    vendor = connection.vendor
    if vendor not in DUMP:
        raise BackupError(f"Backing up a {vendor} database is not supported.")
    dump = directory / DUMP[vendor]
    if vendor == "postgresql":
        counts, head = _pg_dump(dump)
    else:
        counts, head = _sqlite_copy(dump)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "vendor": vendor,
        "database": _part(directory, dump.name),
        "tables": counts,
        "audit_head": head,
        "media": None,
    }
    if media:
        root = _media_root()
        files = 0
        with tarfile.open(directory / MEDIA, "w:gz") as tar:
            if root.exists():
                for path in sorted(root.rglob("*")):
                    if path.is_file():
                        tar.add(path, arcname=str(path.relative_to(root)), recursive=False)
                        files += 1
        manifest["media"] = {**_part(directory, MEDIA), "files": files}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return manifest


# --- restore --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Restored:
    tables: int
    rows: int
    media_files: int
    audit_entries: int
    audit_head: str


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest, with every part it names checked against its SHA-256 and size."""
    directory = Path(directory)
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{directory} has no {MANIFEST}: not a GovBuy backup.") from None
    except ValueError as exc:
        raise BackupError(f"{MANIFEST} is damaged: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r} (expected {FORMAT}).")
    for part in (manifest["database"], manifest.get("media")):
        if part is None:
            continue
        path = directory / Path(part["file"]).name
        if not path.exists():
            raise BackupError(f"The backup is incomplete: {path.name} is missing.")
        actual = sha256_file(path)
        if actual != part["sha256"] or path.stat().st_size != part["size"]:
            raise BackupError(
                f"The backup is damaged or was altered: {path.name} has SHA-256 {actual}, the manifest "
                f"says {part['sha256']}. Nothing was restored."
            )
    return manifest


def _database_is_empty() -> bool:
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def restore_site(directory: Path, *, media: bool = True) -> Restored:
    """Restore the backup in ``directory`` into the (empty) database and MEDIA_ROOT of the settings,
    then check the audit chain and the row counts against the manifest."""
    from accounts.audit import audit_verify_chain

    directory = Path(directory)
    manifest = read_manifest(directory)
    vendor = connection.vendor
    if manifest["vendor"] != vendor:
        raise BackupError(f"This is a {manifest['vendor']} backup; the target database is {vendor}.")
    if not _database_is_empty():
        raise BackupError(
            "The target database is not empty: restore into a new database (createdb), never over a live one."
        )
    root: Path | None = None
    if media and manifest.get("media"):
        root = _media_root()
        if root.exists() and any(root.iterdir()):
            raise BackupError(f"MEDIA_ROOT ({root}) is not empty: restore into an empty directory.")

    dump = directory / Path(manifest["database"]["file"]).name
    if vendor == "postgresql":
        env, args = _pg_env_and_args()
        name = str(connection.settings_dict["NAME"])
        connection.close()
        _run(
            [
                "pg_restore",
                "--exit-on-error",
                "--no-owner",
                "--no-privileges",
                *args,
                "--dbname",
                name,
                str(dump),
            ],
            env,
        )
    else:
        connection.ensure_connection()
        source = sqlite3.connect(dump)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        connection.close()

    files = 0
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(directory / MEDIA, "r:gz") as tar:
            members = tar.getmembers()
            tar.extractall(root, filter="data")  # no absolute paths, no "..", no links out
            files = sum(1 for m in members if m.isfile())
        if files != manifest["media"]["files"]:
            raise BackupError(
                f"Restored {files} media files; the manifest lists {manifest['media']['files']}."
            )

    checked, broken = audit_verify_chain()
    if broken is not None:
        raise BackupError(f"The restored audit chain is broken at seq={broken.seq}: {broken.reason}.")
    head = audit_head()
    if head != manifest["audit_head"]:
        raise BackupError(
            f"The restored audit head is {head!r}; the backup recorded {manifest['audit_head']!r}."
        )
    counts = table_counts()
    different = {
        table: (expected, counts.get(table))
        for table, expected in manifest["tables"].items()
        if counts.get(table) != expected
    }
    if different:
        raise BackupError(f"Row counts differ from the backup's (table: expected, restored): {different}")
    return Restored(
        tables=len(counts),
        rows=sum(counts.values()),
        media_files=files,
        audit_entries=checked,
        audit_head=head,
    )


def remove_partial(directory: Path) -> None:
    """After a failed backup: remove what was written (the directory was new or empty)."""
    shutil.rmtree(directory, ignore_errors=True)
