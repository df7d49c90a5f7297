"""Shared fixtures: databases on real DuckDB files, a provider register, delivery files.

Use
- ``empty_db``      for anything that needs the schema but no data (a fresh file in tmp_path);
- ``registered_db`` when a delivery must be accepted: empty_db plus providers 01234567 (A) and
                    87654321 (B) in the register (see ``REGISTER``);
- ``delivery_dir``  for a folder with a valid three-CSV delivery of 01234567 / 2025Q2 in Dutch
                    Excel style (build other variants with ``delivery_files.write_delivery``);
- ``run_cli``       to run ``python -m <module>`` in a subprocess (exit code, stdout, stderr);
- ``dump_db``       to compare a whole database before/after (every table, every row).

Helpers that build files (``valid_cells``, ``with_cell``, ``csv_bytes``, ``xlsx_bytes``, ...) live
in ``tests/delivery_files.py``; import them with ``from delivery_files import ...``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from delivery_files import AGB_A, AGB_B, write_delivery  # noqa: E402

from impactmonitor.providers import append_register_entries  # noqa: E402
from impactmonitor.storage import Database  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
# Keep bcrypt cheap in every process the tests start (users are created in some tests).
os.environ.setdefault("IMPACTMONITOR_BCRYPT_ROUNDS", "4")

REGISTER = pl.DataFrame(
    {
        "provider_agb": [AGB_A, AGB_B],
        "name": ["Jeugdzorg Rijnmond", "Gezinshuis De Maas"],
        "category": ["A", "B"],
        "lot": [None, "perceel 2"],
        "contract_start": [date(2022, 1, 1), date(2023, 1, 1)],
        "contract_end": [None, date(2026, 12, 31)],
    },
    schema={"provider_agb": pl.String, "name": pl.String, "category": pl.String,
            "lot": pl.String, "contract_start": pl.Date, "contract_end": pl.Date},
)


def register_providers(db: Database, entries: pl.DataFrame = REGISTER,
                       at: datetime | None = None) -> None:
    """Add register entries (default: ``REGISTER``) to `db` in one transaction."""
    with db.transaction() as con:
        append_register_entries(con, entries, actor="test", at=at)


@pytest.fixture
def empty_db(tmp_path: Path) -> Database:
    """A Database on a fresh file in tmp_path, with the whole schema and no rows."""
    db = Database(tmp_path / "test.duckdb", lock_timeout=30)
    db.ensure_schema()
    return db


@pytest.fixture
def registered_db(empty_db: Database) -> Database:
    """empty_db plus the provider register: 01234567 (category A) and 87654321 (category B)."""
    register_providers(empty_db, at=datetime(2024, 1, 1, 9, 0))
    return empty_db


@pytest.fixture
def delivery_dir(tmp_path: Path) -> Path:
    """A folder with population.csv, offer.csv and results.csv: valid, Dutch Excel style."""
    folder = tmp_path / "delivery"
    write_delivery(folder, "excel_nl")
    return folder


def cli_env(**extra: str) -> dict[str, str]:
    """Environment for a subprocess running the repository's modules."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@pytest.fixture
def run_cli() -> Callable[..., subprocess.CompletedProcess]:
    """``run_cli("pipelines.ingest", "--db", path, ...)`` -> CompletedProcess (text output)."""

    def run(module: str, *args: object, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", module, *(str(a) for a in args)],
            capture_output=True, text=True, cwd=REPO, env=env or cli_env(), timeout=timeout,
        )

    return run


def database_dump(db: Database) -> dict[str, list[tuple]]:
    """Every row of every base table, sorted: equal dumps mean an unchanged database."""
    with db.connection() as con:
        tables = [row[0] for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal ORDER BY table_name"
        ).fetchall()]
        dump = {}
        for table in tables:
            rows = con.execute(f'SELECT * FROM "{table}"').fetchall()
            dump[table] = sorted(rows, key=repr)
        sequences = con.execute(
            "SELECT sequence_name, last_value FROM duckdb_sequences()").fetchall()
        dump["__sequences__"] = sorted(sequences, key=repr)
    return dump


@pytest.fixture
def dump_db() -> Callable[[Database], dict[str, list[tuple]]]:
    """``dump_db(db)`` -> {table: sorted rows} for all tables (and sequence states)."""
    return database_dump


@pytest.fixture(scope="session")
def sample_region_file(tmp_path_factory) -> Path:
    """The sample region loaded once per test session (read it via ``sample_db``)."""
    from pipelines.sample import load_region, write_region_files

    folder = tmp_path_factory.mktemp("sample_region")
    write_region_files(folder / "files")
    db = Database(folder / "region.duckdb")
    load_region(db, folder / "files", echo=False)
    return folder / "region.duckdb"


@pytest.fixture
def sample_db(sample_region_file: Path, tmp_path: Path) -> Database:
    """A private copy of the full sample-region database (40 providers, 2022Q1..2026Q3,
    demo escalation history); use it when a test needs realistic data and may write to it."""
    import shutil

    target = tmp_path / "sample.duckdb"
    shutil.copyfile(sample_region_file, target)
    return Database(target)
