"""Shared fixtures: databases on real DuckDB files, a provider register, delivery files.

Use
- ``empty_db``      for anything that needs the schema but no data (a fresh file in tmp_path);
- ``registered_db`` when a delivery must be accepted: empty_db plus providers 01234567 (A) and
                    87654321 (B) in the register (see ``REGISTER``);
- ``delivery_dir``  for a folder with a valid three-CSV delivery of 01234567 / 2025Q2 in Dutch
                    Excel style (build other variants with ``delivery_files.write_delivery``);
- ``run_cli``       to run ``python -m <module>`` in a subprocess (exit code, stdout, stderr);
- ``dump_db``       to compare a whole database before/after (every table, every row);
                    after a rejection ``assert_only_rejections_audited(db, before)``.

Helpers that build files (``valid_cells``, ``with_cell``, ``csv_bytes``, ``xlsx_bytes``, ...) live
in ``tests/delivery_files.py``; import them with ``from delivery_files import ...``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    schema={
        "provider_agb": pl.String,
        "name": pl.String,
        "category": pl.String,
        "lot": pl.String,
        "contract_start": pl.Date,
        "contract_end": pl.Date,
    },
)


def register_providers(
    db: Database, entries: pl.DataFrame = REGISTER, at: datetime | None = None
) -> None:
    """Add register entries (default: ``REGISTER``) to `db` in one transaction."""
    with db.transaction() as con:
        append_register_entries(con, entries, actor="test", at=at)


# ---- backends: a DuckDB file (default) or DuckLake ---------------------------------------------
# A test module marked `pytestmark = pytest.mark.both_backends` runs each of its tests that uses a
# database fixture twice: on a DuckDB file and on DuckLake (PostgreSQL catalog + Parquet files).


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if (
        metafunc.definition.get_closest_marker("both_backends")
        and "backend" in metafunc.fixturenames
    ):
        file_only = metafunc.definition.get_closest_marker("file_only") is not None
        metafunc.parametrize("backend", ["file"] if file_only else ["file", "lake"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """ "file" or "lake": the backend the database fixtures build (see both_backends)."""
    return getattr(request, "param", "file")


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throw-away PostgreSQL cluster on a free 127.0.0.1 port (tests/lake_support.py)."""
    from lake_support import PostgresCluster, postgres_bin

    if postgres_bin() is None:
        pytest.skip(
            "PostgreSQL server binaries missing (Debian package postgresql): "
            "make test installs them"
        )
    cluster = PostgresCluster()
    yield cluster
    cluster.stop()


class LakeTemplates:
    """Catalog databases to clone lakes from: "empty" (schema only) and "sample" (the region)."""

    def __init__(self, cluster, folder: Path, sample_file: Callable[[], Path]) -> None:
        self.cluster, self.folder, self._sample_file = cluster, folder, sample_file
        self._made: dict[str, tuple[str, Path]] = {}

    def _template(self, kind: str) -> tuple[str, Path]:
        from lake_support import lake_location, release_lake

        from impactmonitor.lake import copy_file_to_lake, create_lake

        if kind not in self._made:
            name = self.cluster.new_database()
            location = lake_location(self.cluster, name)
            data_path = self.folder / f"{kind}-data"
            create_lake(location, str(data_path))
            if kind == "sample":
                copy_file_to_lake(str(self._sample_file()), location)
            release_lake(location)  # a template must have no open connections
            self._made[kind] = (name, data_path)
        return self._made[kind]

    def new_lake(self, kind: str, data_path: Path | None = None) -> str:
        """A new lake cloned from template `kind`. It shares the template's data folder (the
        template's own Parquet files are in it; new files get unique names), unless
        `data_path` is given: then only for a template that wrote no files. Never run
        maintenance on a clone: cleaning up could delete files the template's clones share."""
        from lake_support import lake_location, set_data_path

        template, _ = self._template(kind)
        name = self.cluster.new_database(template)
        if data_path is not None:
            set_data_path(self.cluster, name, data_path)
        return lake_location(self.cluster, name)


@pytest.fixture(scope="session")
def lake_templates(postgres_cluster, tmp_path_factory, request) -> LakeTemplates:
    return LakeTemplates(
        postgres_cluster,
        tmp_path_factory.mktemp("lakes"),
        lambda: request.getfixturevalue("sample_region_file"),
    )


def _lake_db(request: pytest.FixtureRequest, kind: str, data_path: Path | None) -> Database:
    from lake_support import release_lake

    location = request.getfixturevalue("lake_templates").new_lake(kind, data_path)
    request.addfinalizer(lambda: release_lake(location))
    return Database(location)


@pytest.fixture
def empty_db(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Database:
    """A Database on a fresh file in tmp_path (or a fresh lake), with the schema and no rows."""
    if backend == "lake":
        db = _lake_db(request, "empty", None)
    else:
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

    def run(
        module: str, *args: object, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", module, *(str(a) for a in args)],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env or cli_env(),
            timeout=timeout,
        )

    return run


_HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("SELECT 1").fetchall()
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


@contextmanager
def database_held(path: str | Path, seconds: float) -> Iterator[subprocess.Popen]:
    """Another process holding the DuckDB file open (read-write) for `seconds`, or until the
    block ends: the file lock the app and the command lines must wait for, or report as busy."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        yield holder
    finally:
        holder.kill()
        holder.wait(timeout=30)


def database_dump(db: Database) -> dict[str, list[tuple]]:
    """Every row of every base table, sorted: equal dumps mean an unchanged database."""
    with db.connection() as con:
        tables = [
            row[0]
            for row in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE NOT internal "
                "AND database_name = current_database() ORDER BY table_name"
            ).fetchall()
        ]
        dump = {}
        for table in tables:
            rows = con.execute(f'SELECT * FROM "{table}"').fetchall()
            dump[table] = sorted(rows, key=repr)
        sequences = con.execute(
            "SELECT sequence_name, last_value FROM duckdb_sequences()"
        ).fetchall()
        dump["__sequences__"] = sorted(sequences, key=repr)
    return dump


@pytest.fixture
def dump_db() -> Callable[[Database], dict[str, list[tuple]]]:
    """``dump_db(db)`` -> {table: sorted rows} for all tables (and sequence states)."""
    return database_dump


def assert_only_rejections_audited(
    db: Database, before: dict[str, list[tuple]], attempts: int = 1
) -> None:
    """`db` equals the dump `before` except for `attempts` new `delivery_rejected` audit events:
    a rejected delivery writes nothing but the record that it was tried (issue 13 item 14)."""
    after = database_dump(db)
    new_events = [row for row in after["audit_log"] if row not in before["audit_log"]]
    assert [row[3] for row in new_events] == ["delivery_rejected"] * attempts
    assert len(after["audit_log"]) == len(before["audit_log"]) + attempts
    ignored = ("audit_log", "__sequences__")
    assert {k: v for k, v in after.items() if k not in ignored} == {
        k: v for k, v in before.items() if k not in ignored
    }


@pytest.fixture(scope="session", autouse=True)
def _shared_browser_stopped() -> Iterator[None]:
    """browser_support starts one Chromium per test process on first use: ended with the
    session (a process that ran no browser test never imports it)."""
    yield
    support = sys.modules.get("browser_support")
    if support is not None:
        support.stop_browser()


@pytest.fixture(scope="session")
def sample_region_file(tmp_path_factory) -> Path:
    """The sample region, this process's own copy (read it via ``sample_db``). It is built once
    per test run: the xdist workers of a run share one build (~15 s) behind a file lock."""
    import fcntl
    import shutil

    from tools.sample import load_region, write_region_files

    run_root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_root = run_root.parent  # (the workers' base folders share this run's folder)
    build = run_root / "sample_region_build"
    with open(run_root / "sample_region_build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (build / "done").exists():
            shutil.rmtree(build, ignore_errors=True)  # (a build interrupted half-way)
            write_region_files(build / "files")
            load_region(Database(build / "region.duckdb"), build / "files", echo=False)
            (build / "done").touch()
    own = tmp_path_factory.mktemp("sample_region") / "region.duckdb"
    shutil.copyfile(build / "region.duckdb", own)
    return own


@pytest.fixture
def sample_db(
    sample_region_file: Path, tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> Database:
    """A private copy of the full sample-region database (40 providers, 2022Q1..2026Q3,
    demo escalation history); use it when a test needs realistic data and may write to it."""
    import shutil

    if backend == "lake":
        return _lake_db(request, "sample", None)
    target = tmp_path / "sample.duckdb"
    shutil.copyfile(sample_region_file, target)
    return Database(target)
