"""`python -m pipelines.users`: the first administrator of a new region, from the command line."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO, cli_env

from impactmonitor.storage import Database
from impactmonitor.users import authenticate


def _run(*args: str, stdin: str | None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.users", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=cli_env(),
        timeout=60,
    )


def test_admin_from_stdin_password_can_log_in(tmp_path) -> None:
    db_path = tmp_path / "new.duckdb"
    done = _run("--db", str(db_path), "beheer", "--role", "admin", stdin="geheim-123\n")
    assert done.returncode == 0, done.stderr
    assert "geheim-123" not in done.stdout
    user = authenticate(Database(db_path), "beheer", "geheim-123")
    assert user is not None and user.role == "admin"


def test_provider_account_with_codes(tmp_path) -> None:
    db_path = tmp_path / "new.duckdb"
    assert (
        _run(
            "--db",
            str(db_path),
            "zorg",
            "--role",
            "provider",
            "--agb",
            "01234567",
            stdin="pw-zorg\n",
        ).returncode
        == 0
    )
    user = authenticate(Database(db_path), "zorg", "pw-zorg")
    assert user.provider_agbs == frozenset({"01234567"})


def test_municipality_account_with_codes(tmp_path) -> None:
    db_path = tmp_path / "new.duckdb"
    done = _run(
        "--db",
        str(db_path),
        "wethouder",
        "--role",
        "municipality",
        "--municipality",
        "GM0599",
        "--municipality",
        "GM1992",
        stdin="pw-gemeente\n",
    )
    assert done.returncode == 0, done.stderr
    user = authenticate(Database(db_path), "wethouder", "pw-gemeente")
    assert user.role == "municipality"
    assert user.municipality_codes == frozenset({"GM0599", "GM1992"})


@pytest.mark.parametrize(
    "args",
    [
        ("x", "--role", "baas"),
        ("x", "--role", "provider"),
        ("x", "--role", "provider", "--agb", "123"),
        ("x", "--role", "municipality"),  # no code
        ("x", "--role", "municipality", "--municipality", "GM0501"),  # merged into GM1992
        ("x", "--role", "municipality", "--municipality", "GM9999"),
        ("x", "--role", "admin", "--municipality", "GM0599"),  # codes only for municipality users
    ],
)
def test_usage_errors(tmp_path, args) -> None:
    done = _run("--db", str(tmp_path / "new.duckdb"), *args, stdin="pw\n")
    assert done.returncode == 2 and "Traceback" not in done.stderr
