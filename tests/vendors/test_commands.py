"""directory_import and directory_check: exit codes and output."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import OrganisationFactory, valid_credit_code
from tests.vendors.factories import china, entry_spec, published_version
from tests.vendors.test_import_export import C1, C2, csv_bytes, row
from vendors.models import DirectoryEntry, DirectoryVersion

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[int, str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_import_success_prints_a_summary(tmp_path):
    path = tmp_path / "目录.csv"
    path.write_bytes(csv_bytes([row(), row(code=C2, name="B")]))
    code, out, _err = run("directory_import", str(path), "--publish", "--note", "第一批")
    assert code == 0
    assert "added=2 changed=0 unchanged=0 version=1 published" in out
    assert DirectoryVersion.objects.get().is_published


def test_import_failure_exits_1_lists_rows_and_changes_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([row(), row(code=C1[:17]), row(code=C2, cats="不存在")]))
    code, out, err = run("directory_import", str(path), "--publish")
    assert code == 1
    assert out == ""
    assert "3" in err
    assert "统一社会信用代码" in err
    assert "服务类别" in err
    assert "不存在" in err
    assert not DirectoryVersion.objects.exists()
    assert not DirectoryEntry.objects.exists()


def test_import_of_a_missing_file_exits_2(tmp_path):
    assert run("directory_import", str(tmp_path / "nothing.csv"))[0] == 2


@pytest.fixture
def directory():
    org = OrganisationFactory(credit_code=C1, name="江门市启明社会工作服务中心")
    published_version([entry_spec(org, "YL")], at=china(2026, 1, 5))
    published_version(
        [entry_spec(org, "YL", status=DirectoryEntry.Status.REVOKED, reason="严重违法")], at=china(2026, 6, 1)
    )
    return org


def test_check_eligible_exits_0(directory):
    code, out, _ = run("directory_check", C1.lower(), "--category", "养老服务", "--on", "2026-03-01")
    assert code == 0
    assert out.startswith("eligible:")
    assert "in_force" in out
    assert "version: 1" in out


def test_check_not_eligible_exits_1(directory):
    code, out, _ = run("directory_check", C1, "--category", "yl", "--on", "2026-07-01")
    assert code == 1
    assert out.startswith("not eligible:")
    assert "revoked" in out
    assert "严重违法" in out
    assert "version: 2" in out
    code, out, _ = run("directory_check", valid_credit_code(77), "--category", "YL", "--on", "2026-07-01")
    assert (code, "not_in_directory" in out) == (1, True)


@pytest.mark.parametrize(
    "args",
    [
        [C1[:17] + ("0" if C1[17] != "0" else "1"), "--category", "YL"],
        [C1[:10], "--category", "YL"],
        [C1, "--category", "月球服务"],
        [C1, "--category", "YL", "--on", "2026-13-01"],
    ],
)
def test_check_bad_input_exits_2(directory, args):
    assert run("directory_check", *args)[0] == 2


def test_real_process_exit_codes(tmp_path):
    """The exit codes a shell sees (the commands run in a fresh process on a migrated database)."""
    db = tmp_path / "cli.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    python = sys.executable

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [python, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    assert cli("migrate", "--noinput").returncode == 0
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([row(start=date.today().isoformat(), end="2099-12-31")]))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([row(rating="9A")]))
    failed = cli("directory_import", str(bad))
    assert failed.returncode == 1
    assert "评估等级" in failed.stderr
    done = cli("directory_import", str(good), "--publish")
    assert done.returncode == 0, done.stderr
    assert cli("directory_check", C1, "--category", "YL").returncode == 0
    assert cli("directory_check", C1, "--category", "XF").returncode == 1
    assert cli("directory_check", "not-a-code", "--category", "YL").returncode == 2
