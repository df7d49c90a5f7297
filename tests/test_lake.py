"""DuckLake (PostgreSQL catalog + Parquet): what only the lake does, and several writers at once.

The storage, ingest, KPI, escalation and isolation tests run on both backends already
(`pytest.mark.both_backends`); here: concurrent writer processes, time travel to a decision's
snapshot, maintenance, copying a file region into a lake, and the command line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from conftest import REPO, cli_env, register_providers
from delivery_files import valid_frames, write_delivery

from impactmonitor.access import User
from impactmonitor.storage import Database

MANAGEMENT = User("m", "management", frozenset(), "Management")
PROVIDERS = [f"{n:08d}" for n in (20000001, 20000002, 20000003)]
QUARTERS = ["2025Q1", "2025Q2"]


def _register(db: Database, agbs: list[str]) -> None:
    register_providers(
        db,
        pl.DataFrame(
            {
                "provider_agb": agbs,
                "name": [f"Aanbieder {a}" for a in agbs],
                "category": ["B"] * len(agbs),
                "lot": [None] * len(agbs),
                "contract_start": [date(2022, 1, 1)] * len(agbs),
                "contract_end": [None] * len(agbs),
            },
            schema={
                "provider_agb": pl.String,
                "name": pl.String,
                "category": pl.String,
                "lot": pl.String,
                "contract_start": pl.Date,
                "contract_end": pl.Date,
            },
        ),
    )


@pytest.fixture
def own_lake(lake_templates, tmp_path: Path, request) -> Database:
    """A lake created from nothing with a data folder of its own (safe for maintenance)."""
    from lake_support import lake_location, release_lake

    from impactmonitor.lake import create_lake

    cluster = lake_templates.cluster
    location = lake_location(cluster, cluster.new_database())
    create_lake(location, str(tmp_path / "lake-data"))
    request.addfinalizer(lambda: release_lake(location))
    return Database(location)


@pytest.fixture
def lake_db(lake_templates, request) -> Database:
    """A lake cloned from the empty template (schema, no rows)."""
    from lake_support import release_lake

    location = lake_templates.new_lake("empty")
    request.addfinalizer(lambda: release_lake(location))
    return Database(location)


# ---- several writers and readers at once ---------------------------------------------------

WRITER = """
import json, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from impactmonitor.storage import Database
from pipelines.ingest import Upload, ingest
db = Database(sys.argv[1])
done = []
for item in json.loads(sys.argv[2]):
    uploads = [Upload(p.name, p.read_bytes()) for p in sorted(Path(item["folder"]).iterdir())]
    outcome = ingest(db, item["agb"], item["quarter"], uploads, actor="writer")
    assert outcome.accepted, [e.message() for e in outcome.errors]
    done.append(outcome.receipt.delivery_id)
print(json.dumps(done))
"""

READER = """
import sys, time
from impactmonitor.access import User
from impactmonitor.kpis import kpi_table
from impactmonitor.storage import Database
db = Database(sys.argv[1])
user = User("m", "management", frozenset(), "")
errors, reads, until = 0, 0, time.monotonic() + float(sys.argv[2])
while time.monotonic() < until:
    try:
        db.data_version()
        kpi_table(db, user, "2025Q2")
        reads += 1
    except Exception as error:
        errors += 1
        print("reader error:", type(error).__name__, error, file=sys.stderr)
print()
print(reads, errors)
"""


def test_four_writers_and_two_readers_store_every_delivery_exactly_once(
    lake_db: Database, tmp_path: Path
) -> None:
    """4 processes × 6 deliveries: every provider-quarter (3 providers × 2 quarters) delivered
    by each process once, so first deliveries and redeliveries of the same provider-quarters
    run at the same time; 2 readers query meanwhile."""
    _register(lake_db, PROVIDERS)
    folders = {}
    for agb in PROVIDERS:
        for quarter in QUARTERS:
            folder = tmp_path / f"{agb}-{quarter}"
            write_delivery(folder, "excel_nl", frames=valid_frames(agb=agb, quarter=quarter))
            folders[agb, quarter] = str(folder)
    keys = list(folders)
    writers = []
    for index in range(4):
        order = keys[index:] + keys[:index]  # every process starts with another pq
        items = [{"agb": a, "quarter": q, "folder": folders[a, q]} for a, q in order]
        writers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    WRITER.format(tests=str(REPO / "tests")),
                    lake_db.path,
                    json.dumps(items),
                ],
                cwd=REPO,
                env=cli_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, lake_db.path, "20"],
            cwd=REPO,
            env=cli_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    delivered: list[str] = []
    for process in writers:
        out, err = process.communicate(timeout=900)
        assert process.returncode == 0, err[-3000:]
        delivered += json.loads(out.strip().splitlines()[-1])
    for process in readers:
        out, err = process.communicate(timeout=900)
        assert process.returncode == 0, err[-3000:]
        reads, errors = map(int, out.strip().splitlines()[-1].split()[-2:])
        assert (reads > 0, errors) == (True, 0), err[-3000:]

    assert len(delivered) == len(set(delivered)) == 24
    stored = lake_db.query("SELECT delivery_id FROM deliveries")["delivery_id"].to_list()
    assert sorted(stored) == sorted(delivered)
    versions = lake_db.query(
        "SELECT provider_agb, quarter, table_name, list(version ORDER BY version) AS v "
        "FROM table_versions GROUP BY ALL"
    )
    assert versions.height == 3 * 2 * 3
    assert set(map(tuple, versions["v"].to_list())) == {(1, 2, 3, 4)}  # unique, gap-free
    ids = lake_db.query("SELECT event_id FROM audit_log")["event_id"].to_list()
    assert len(ids) == len(set(ids))

    from impactmonitor import kpis

    with kpis.summary_connection(lake_db) as con:
        incremental = {
            t: sorted(con.execute(f"SELECT * FROM {t}_summary").fetchall())
            for t in ("population", "offer", "results")
        }

    def rebuild(con) -> dict:
        for table in ("population_summary", "offer_summary", "results_summary", "summary_applied"):
            con.execute(f"DELETE FROM {table}")
        kpis.sync_summaries(con)
        return {
            t: sorted(con.execute(f"SELECT * FROM {t}_summary").fetchall())
            for t in ("population", "offer", "results")
        }

    assert lake_db.write(rebuild) == incremental


# ---- time travel and maintenance -------------------------------------------------------------


def _deliver(db: Database, folder: Path, agb: str, quarter: str, **frame_changes) -> None:
    from pipelines.ingest import Upload, ingest

    frames = valid_frames(agb=agb, quarter=quarter)
    for table, change in frame_changes.items():
        frames[table] = change(frames[table])
    write_delivery(folder, "excel_nl", frames=frames)
    uploads = [Upload(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
    outcome = ingest(db, agb, quarter, uploads, actor="test")
    assert outcome.accepted, [e.message() for e in outcome.errors]


def _goals(db: Database, agb: str) -> float:
    from impactmonitor.kpis import kpi_table

    table = kpi_table(db, MANAGEMENT, "2025Q2", provider_agb=agb)
    return table.filter(pl.col("kpi") == "goal_achievement")["value"][0]


def test_a_decision_keeps_the_data_it_was_based_on_readable_after_maintenance(
    own_lake: Database, tmp_path: Path
) -> None:
    from impactmonitor import escalation
    from impactmonitor.lake import maintain

    agb = PROVIDERS[0]
    _register(own_lake, [agb])
    _deliver(own_lake, tmp_path / "v1", agb, "2025Q2")
    manager = User("cm", "contract_manager", frozenset(), "Accounthouder")
    before = _goals(own_lake, agb)
    escalation.record_decision(
        own_lake,
        manager,
        agb,
        1,
        "signaal besproken",
        review_date=date(2025, 12, 31),
        quarter="2025Q2",
        decided_at=datetime(2025, 8, 1, 10, 0),
    )
    decision = escalation.decision_history(own_lake, manager, agb).row(0, named=True)
    assert decision["snapshot_id"] is not None

    # A redelivery with fewer goals achieved; then several small writes (tiny files).
    _deliver(
        own_lake,
        tmp_path / "v2",
        agb,
        "2025Q2",
        results=lambda f: f.with_columns(pl.col("goals_achieved") // 2),
    )
    for n in range(3):
        _deliver(own_lake, tmp_path / f"w{n}", agb, "2025Q1")
    now = _goals(own_lake, agb)
    assert now < before

    done = maintain(own_lake.path, keep_days=0)
    assert done["snapshots_expired"] > 0
    assert done["snapshots_kept_for_decisions"] == 1
    assert done["data_files_after"] < done["data_files_before"]
    # The dashboard as it was when the decision was taken, and as it is now.
    assert _goals(own_lake.as_of(decision["snapshot_id"]), agb) == before
    assert _goals(own_lake, agb) == now
    with pytest.raises(PermissionError), own_lake.as_of(decision["snapshot_id"]).transaction():
        pass


# ---- moving a region over, and the command line ----------------------------------------------


def test_copy_moves_the_sample_region_into_a_lake_with_the_same_figures(
    sample_region_file: Path, own_lake: Database, tmp_path: Path, run_cli
) -> None:
    import shutil

    source = tmp_path / "region.duckdb"
    shutil.copyfile(sample_region_file, source)
    result = run_cli("pipelines.lake", "copy", "--from", source, "--to", own_lake.path)
    assert result.returncode == 0, result.stderr
    assert "aantallen gecontroleerd" in result.stdout
    file_db = Database(source)
    for table in (
        "deliveries",
        "table_versions",
        "population_rows",
        "audit_log",
        "escalation_decisions",
        "user_accounts",
    ):
        sql = f"SELECT count(*) FROM {table}"
        assert own_lake.scalar(sql) == file_db.scalar(sql) > 0, table

    from impactmonitor.kpis import kpi_table

    columns = ["provider_agb", "kpi", "numerator", "denominator", "value", "status"]
    on_file = kpi_table(file_db, MANAGEMENT, "2026Q2").select(columns).sort(columns[:2])
    on_lake = kpi_table(own_lake, MANAGEMENT, "2026Q2").select(columns).sort(columns[:2])
    assert on_lake.equals(on_file)
    # New ids continue after the copied ones.
    highest = file_db.scalar("SELECT max(event_id) FROM audit_log")
    from impactmonitor.storage import append_audit

    with own_lake.transaction() as con:
        append_audit(con, "test", "after_copy")
    assert own_lake.scalar("SELECT event_id FROM audit_log WHERE action = 'after_copy'") > highest

    again = run_cli("pipelines.lake", "copy", "--from", source, "--to", own_lake.path)
    assert again.returncode == 1 and "holds data already" in again.stderr


def test_init_creates_a_lake_that_every_command_then_opens_with_the_one_setting(
    lake_templates, tmp_path: Path, run_cli
) -> None:
    from lake_support import lake_location

    cluster = lake_templates.cluster
    location = lake_location(cluster, cluster.new_database())
    # Before init: a clear message, not a new lake with a default data path.
    refused = run_cli("pipelines.report", "kpis", "--db", location, "--quarter", "2025Q2")
    assert refused.returncode != 0 and "pipelines.lake init" in refused.stderr
    assert "Traceback" not in refused.stderr
    created = run_cli("pipelines.lake", "init", "--db", location, "--data-path", tmp_path / "data")
    assert created.returncode == 0, created.stderr
    register = tmp_path / "register.csv"
    register.write_text(
        "provider_agb,name,category,lot,contract_start,contract_end\n"
        f"{PROVIDERS[0]},Zorg A,A,,2022-01-01,\n",
        encoding="utf-8",
    )
    assert run_cli("pipelines.register", "--db", location, register).returncode == 0
    folder = tmp_path / "delivery"
    paths = write_delivery(folder, "excel_nl", frames=valid_frames(agb=PROVIDERS[0]))
    ingested = run_cli(
        "pipelines.ingest",
        "--db",
        location,
        "--provider",
        PROVIDERS[0],
        "--quarter",
        "2025Q2",
        *paths,
    )
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    report = run_cli(
        "pipelines.report", "kpis", "--db", location, "--quarter", "2025Q2", "--format", "json"
    )
    assert report.returncode == 0, report.stderr
    assert {row["provider_agb"] for row in json.loads(report.stdout)} == {PROVIDERS[0]}
    assert any(p.suffix == ".parquet" for p in (tmp_path / "data").rglob("*"))
    usage = run_cli("pipelines.lake", "init", "--db", tmp_path / "x.duckdb", "--data-path", "d")
    assert usage.returncode == 2


# ---- the app: looking back at a decision -------------------------------------------------------


def test_the_escalation_history_opens_the_dashboard_as_it_was_at_a_decision(
    lake_templates, tmp_path: Path, monkeypatch, request
) -> None:
    from app_support import app_as, page_path, texts
    from lake_support import release_lake

    from impactmonitor import escalation

    location = lake_templates.new_lake("sample")
    request.addfinalizer(lambda: release_lake(location))
    db = Database(location)
    manager = User("accounthouder", "contract_manager", frozenset(), "Accounthouder")
    agb = db.scalar("SELECT min(provider_agb) FROM providers WHERE category = 'B'")
    escalation.record_decision(
        db, manager, agb, 1, "signaal besproken", review_date=date(2026, 12, 31), quarter="2026Q3"
    )
    snapshot = db.scalar(
        "SELECT snapshot_id FROM escalation_decisions WHERE snapshot_id IS NOT NULL"
    )
    later = db.scalar("SELECT count(*) FROM deliveries WHERE provider_agb = ?", [agb])
    _deliver(db, tmp_path / "later", agb, "2026Q3")  # a redelivery after the decision
    assert db.scalar("SELECT count(*) FROM deliveries WHERE provider_agb = ?", [agb]) == later + 1
    assert (
        db.as_of(snapshot).scalar("SELECT count(*) FROM deliveries WHERE provider_agb = ?", [agb])
        == later
    )

    at = app_as(manager, location, monkeypatch).run()
    at.switch_page(page_path("escalation")).run()
    assert not at.exception
    at.selectbox(key="escalation_as_of").select(
        db.scalar("SELECT decision_id FROM escalation_decisions WHERE snapshot_id = ?", [snapshot])
    )
    at.button(key="escalation_as_of_show").click().run()
    assert not at.exception
    shown = texts(at)
    assert "zoals het was bij het besluit" in shown
    assert at.query_params["provider"] in (agb, [agb])
    at.button(key="as_of_back").click().run()
    assert "zoals het was bij het besluit" not in texts(at)


def test_on_a_file_the_history_says_looking_back_needs_the_lake(sample_db, monkeypatch) -> None:
    from app_support import app_as, page_path, texts

    manager = User("accounthouder", "contract_manager", frozenset(), "Accounthouder")
    at = app_as(manager, sample_db.path, monkeypatch).run()
    at.switch_page(page_path("escalation")).run()
    assert not at.exception
    assert "alleen met de DuckLake-opslag" in texts(at)
