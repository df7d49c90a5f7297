"""Storage of deliveries: versions (redelivery), views on the latest, and crash safety.

The kill tests start a real process that loads into a real database file and SIGKILL it while its
transaction is open (the IMPACTMONITOR_TEST_PAUSE_IN_LOAD hook in pipelines/load.py sleeps inside
the transaction after the rows are inserted), then check that the database holds either the
whole new version or none of it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, cli_env
from delivery_files import AGB_A, AGB_B, FIXTURES, QUARTER, table_csv

from impactmonitor import deliveries
from impactmonitor.access import User
from impactmonitor.storage import Database
from pipelines.ingest import Upload, ingest
from pipelines.load import PAUSE_ENV, PAUSE_MARKER_ENV

pytestmark = pytest.mark.both_backends

TABLES = ("population", "offer", "results")


def _deliver(db: Database, tables=TABLES, agb: str = AGB_A, **changes) -> object:
    uploads = [Upload(f"{t}.csv", table_csv(t, agb=agb)) for t in tables]
    for table, content in changes.items():
        uploads = [u for u in uploads if u.name != f"{table}.csv"]
        uploads.append(Upload(f"{table}.csv", content))
    outcome = ingest(db, agb, QUARTER, uploads, actor="test")
    assert outcome.accepted, [e.message() for e in outcome.errors]
    return outcome


def assert_consistent(db: Database) -> None:
    """Every stored version has exactly its row_count rows; no rows without a version; every
    version has its receipt and audit event."""
    for table in TABLES:
        mismatches = db.query(
            f"""
            SELECT v.delivery_id, v.row_count, count(r.delivery_id) AS stored
            FROM table_versions v LEFT JOIN {table}_rows r USING (delivery_id)
            WHERE v.table_name = ?
            GROUP BY ALL HAVING count(r.delivery_id) <> v.row_count
            """,
            [table],
        )
        assert mismatches.height == 0, (table, mismatches)
        orphans = db.scalar(
            f"SELECT count(*) FROM {table}_rows WHERE delivery_id NOT IN "
            "(SELECT delivery_id FROM table_versions WHERE table_name = ?)",
            [table],
        )
        assert orphans == 0, table
    assert (
        db.scalar(
            "SELECT count(*) FROM (SELECT DISTINCT delivery_id FROM table_versions) v "
            "ANTI JOIN deliveries d USING (delivery_id)"
        )
        == 0
    )
    assert (
        db.scalar(
            "SELECT count(*) FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM audit_log a "
            "WHERE a.action = 'delivery_accepted' AND a.details LIKE '%' || d.delivery_id || '%')"
        )
        == 0
    )


def test_redelivery_is_version_2_and_keeps_version_1(registered_db: Database) -> None:
    first = _deliver(registered_db)
    changed = table_csv("population").replace(b";5;2;1;6\r\n", b";6;2;1;7\r\n", 1)
    second = _deliver(registered_db, tables=("population",), population=changed)
    assert [t["version"] for t in second.receipt.tables] == [2]
    versions = registered_db.query(
        "SELECT table_name, version, delivery_id FROM table_versions ORDER BY ALL"
    ).rows()
    first_id, second_id = first.receipt.delivery_id, second.receipt.delivery_id
    assert sorted((t, v) for t, v, _ in versions) == [
        ("offer", 1),
        ("population", 1),
        ("population", 2),
        ("results", 1),
    ]
    # Version 1 rows are kept; the view shows version 2 for population, version 1 for the rest.
    assert (
        registered_db.scalar(
            "SELECT count(*) FROM population_rows WHERE delivery_id = ?", [first_id]
        )
        == 18
    )
    assert registered_db.scalar("SELECT count(*) FROM population") == 18
    assert (
        registered_db.scalar(
            "SELECT clients_start FROM population WHERE municipality_code = 'GM0599' "
            "AND care_form = 'ambulant' AND age_group = '6_11'"
        )
        == 6
    )
    latest = registered_db.query(
        "SELECT table_name, delivery_id FROM latest_table_versions ORDER BY table_name"
    ).rows()
    assert latest == [("offer", first_id), ("population", second_id), ("results", first_id)]
    assert registered_db.scalar("SELECT count(*) FROM offer") == 3
    events = registered_db.query(
        "SELECT actor, provider_agb, quarter FROM audit_log WHERE action = 'delivery_accepted'"
    )
    assert events.rows() == [("test", AGB_A, QUARTER)] * 2
    assert_consistent(registered_db)


def test_versions_are_per_provider_quarter_table(registered_db: Database) -> None:
    _deliver(registered_db)
    _deliver(registered_db, agb=AGB_B)
    _deliver(registered_db, tables=("offer",))
    rows = registered_db.query(
        "SELECT provider_agb, table_name, max(version) FROM table_versions GROUP BY ALL "
        "ORDER BY ALL"
    ).rows()
    assert rows == [
        (AGB_A, "offer", 2),
        (AGB_A, "population", 1),
        (AGB_A, "results", 1),
        (AGB_B, "offer", 1),
        (AGB_B, "population", 1),
        (AGB_B, "results", 1),
    ]
    assert registered_db.scalar("SELECT count(DISTINCT provider_agb) FROM population") == 2


def test_receipt_records_hash_rows_and_who(registered_db: Database) -> None:
    import hashlib

    content = (FIXTURES / "excel.xlsx").read_bytes()
    outcome = ingest(
        registered_db,
        AGB_A,
        QUARTER,
        [Upload("excel.xlsx", content)],
        actor="aanbieder",
        source="app",
    )
    receipt = outcome.receipt.as_dict()
    assert receipt["received_by"] == "aanbieder" and receipt["source"] == "app"
    assert {t["sha256"] for t in receipt["tables"]} == {hashlib.sha256(content).hexdigest()}
    assert sorted((t["table"], t["rows"]) for t in receipt["tables"]) == [
        ("offer", 3),
        ("population", 18),
        ("results", 3),
    ]
    stored = registered_db.query("SELECT * FROM deliveries")
    assert stored["delivery_id"].to_list() == [receipt["delivery_id"]]


def test_the_original_files_are_kept_as_uploaded_for_their_provider_only(
    registered_db: Database,
) -> None:
    content = (FIXTURES / "excel.xlsx").read_bytes()
    outcome = ingest(registered_db, AGB_A, QUARTER, [Upload("excel.xlsx", content)], actor="t")
    delivery_id = outcome.receipt.delivery_id
    files = deliveries.original_files(registered_db, User("cm", "contract_manager"), delivery_id)
    assert files.select("file_name", "size_bytes", "content").rows() == [
        ("excel.xlsx", len(content), content)
    ]
    own = User("a", "provider", frozenset({AGB_A}))
    assert deliveries.original_files(registered_db, own, delivery_id)["content"].to_list() == [
        content
    ]
    other = User("b", "provider", frozenset({AGB_B}))
    assert deliveries.original_files(registered_db, other, delivery_id).height == 0


@pytest.mark.file_only
def test_original_files_stored_before_compression_stay_readable(
    registered_db: Database,
) -> None:
    """A database of schema 6 held its original files uncompressed and without a size: after
    migration 7 they read back unchanged, next to new (compressed) ones."""
    content = table_csv("population")
    first = _deliver(registered_db, ("population",))
    # Back to schema 6, as that code stored the file (DuckDB commits an ALTER on its own).
    for statement, params in (
        ("UPDATE file_contents SET content = ?", [content]),
        ("ALTER TABLE file_contents DROP COLUMN compression", []),
        ("ALTER TABLE file_contents DROP COLUMN size_bytes", []),
        ("DELETE FROM schema_migrations WHERE version = 7", []),
    ):
        with registered_db.transaction() as con:
            con.execute(statement, params)
    migrated = Database(registered_db.path)
    assert migrated.schema_version() == 6
    second = _deliver(
        migrated, ("population",), population=table_csv("population", agb=AGB_A) + b"\n"
    )
    assert migrated.schema_version() == 7
    assert migrated.query(
        "SELECT compression, size_bytes FROM file_contents ORDER BY compression NULLS FIRST"
    ).rows() == [(None, len(content)), ("zstd", len(content) + 1)]
    staff = User("cm", "contract_manager")
    for outcome, expected in ((first, content), (second, content + b"\n")):
        files = deliveries.original_files(migrated, staff, outcome.receipt.delivery_id)
        assert files["content"].to_list() == [expected]


# ---- crash safety ---------------------------------------------------------------------------

LOADER = """
import sys
import polars as pl
from impactmonitor.storage import Database
from pipelines.load import AcceptedTable, store_delivery

db_path, rows = sys.argv[1], int(sys.argv[2])
n = rows
frame = pl.DataFrame({
    "provider_agb": ["01234567"] * n, "quarter": ["2025Q2"] * n,
    "municipality_code": ["GM0599"] * n, "care_form": ["ambulant"] * n,
    "age_group": [str(i) for i in range(n)], "clients_start": list(range(n)),
    "inflow": [1] * n, "outflow": [0] * n, "clients_end": [i + 1 for i in range(n)],
})
db = Database(db_path)
db.ensure_schema()
print("loading", flush=True)
with db.transaction() as con:
    store_delivery(con, "01234567", "2025Q2",
                   [AcceptedTable("population", frame, "big.csv", "0" * 64)],
                   actor="loader", source="test", warnings=[])
print("committed", flush=True)
"""


def _wait_for(path: Path, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"process ended early: {process.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError("the load never reached its pause")
        time.sleep(0.02)


def _start_loader(db: Database, tmp_path: Path, rows: int, pause: float | None):
    marker = tmp_path / "paused"
    marker.unlink(missing_ok=True)
    env = cli_env()
    if pause is not None:
        env.update({PAUSE_ENV: str(pause), PAUSE_MARKER_ENV: str(marker)})
    script = tmp_path / "loader.py"
    script.write_text(LOADER, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, str(script), db.path, str(rows)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    return process, marker


def test_kill_during_large_load_leaves_no_trace(
    registered_db: Database, dump_db, tmp_path: Path
) -> None:
    """200,000 rows inserted (DuckDB writes such appends to the file before COMMIT), then
    SIGKILL while the transaction is open: after recovery the database is as before."""
    _deliver(registered_db)  # version 1 exists and must survive untouched
    before = dump_db(registered_db)
    process, marker = _start_loader(registered_db, tmp_path, 200_000, pause=60)
    _wait_for(marker, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert dump_db(registered_db) == before
    assert_consistent(registered_db)
    assert registered_db.scalar("SELECT max(version) FROM table_versions") == 1
    # The database is usable afterwards: the same load now completes as version 2.
    process, _ = _start_loader(registered_db, tmp_path, 200_000, pause=None)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert (
        registered_db.scalar(
            "SELECT version FROM latest_table_versions WHERE table_name = 'population'"
        )
        == 2
    )
    assert registered_db.scalar("SELECT count(*) FROM population") == 200_000
    assert_consistent(registered_db)


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.35, 0.8])
def test_kill_at_any_moment_gives_all_or_nothing(
    registered_db: Database, tmp_path: Path, delay: float
) -> None:
    """No hook: killed `delay` seconds after a 200,000-row load began (it takes about half a
    second), the new version is either complete (committed) or absent; version 1 is intact."""
    _deliver(registered_db)
    process, _ = _start_loader(registered_db, tmp_path, 200_000, pause=None)
    assert process.stdout.readline().strip() == b"loading"
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert_consistent(registered_db)
    versions = registered_db.query(
        "SELECT version, row_count FROM table_versions WHERE table_name = 'population' "
        "ORDER BY version"
    ).rows()
    assert versions in ([(1, 18)], [(1, 18), (2, 200_000)])
    assert registered_db.scalar("SELECT count(*) FROM population") == versions[-1][1]


def test_kill_during_command_line_ingest(
    registered_db: Database, dump_db, tmp_path: Path, delivery_dir: Path
) -> None:
    """The real command line, killed inside its load transaction, stores nothing."""
    before = dump_db(registered_db)
    marker = tmp_path / "paused"
    env = cli_env(**{PAUSE_ENV: "60", PAUSE_MARKER_ENV: str(marker)})
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelines.ingest",
            "--db",
            registered_db.path,
            "--provider",
            AGB_A,
            "--quarter",
            QUARTER,
            *map(str, sorted(delivery_dir.iterdir())),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _wait_for(marker, process)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert dump_db(registered_db) == before
    assert_consistent(registered_db)


OPENER = "import duckdb, sys; duckdb.connect(sys.argv[1]).close()"


def _file_is_free(db: Database, within: float = 0.0) -> bool:
    """True when another process can open the file (DuckDB refuses at once while it is held)."""
    deadline = time.monotonic() + within
    while True:
        opened = subprocess.run(
            [sys.executable, "-c", OPENER, db.path], capture_output=True, text=True, timeout=60
        )
        if opened.returncode == 0:
            return True
        assert "lock" in opened.stderr.lower(), opened.stderr
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


@pytest.mark.file_only
def test_the_file_is_free_right_after_an_accepted_or_rejected_ingest(
    registered_db: Database,
) -> None:
    """The connection opened while the files are checked (storage.opened_ahead) is closed when
    the ingest returns, whatever its outcome: another process opens the file at once."""
    _deliver(registered_db)
    assert _file_is_free(registered_db)
    rejected = ingest(
        registered_db,
        AGB_A,
        QUARTER,
        [Upload("population.csv", b"provider_agb;quarter\n1;2\n")],
        actor="test",
    )
    assert not rejected.accepted
    assert _file_is_free(registered_db)
    unknown = ingest(
        registered_db,
        "11112222",
        QUARTER,
        [Upload("population.csv", table_csv("population", agb="11112222"))],
        actor="test",
    )
    assert [e.code for e in unknown.errors] == ["provider_unknown"]
    assert _file_is_free(registered_db)


@pytest.mark.file_only
def test_a_connection_opened_ahead_and_not_used_is_closed(registered_db: Database) -> None:
    with registered_db.opened_ahead() as ahead:
        assert ahead is not None
    assert _file_is_free(registered_db, within=10)
    with registered_db.opened_ahead(enabled=False) as ahead:
        assert ahead is None
    with registered_db.opened_ahead() as ahead, registered_db.transaction(ahead) as con:
        assert con.execute("SELECT count(*) FROM providers").fetchone() == (2,)
        with pytest.raises(RuntimeError):
            ahead.take()  # one connection, one transaction
    assert _file_is_free(registered_db)


def test_connections_draw_no_progress_bar(registered_db: Database) -> None:
    """DuckDB draws a progress bar on standard output for slow queries, even into a pipe: it
    would corrupt what the command lines print there (seen in a reader's output on the lake)."""
    with registered_db.connection() as con:
        assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone() == (False,)
    with registered_db.transaction() as con:
        assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone() == (False,)
