"""Bulk ingest: one result per provider-quarter, rejected groups write nothing, versions."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from conftest import register_providers
from delivery_files import AGB_A, AGB_B, AGB_UNKNOWN, delivery_xlsx, frame_csv, valid_frames

from impactmonitor import deliveries
from impactmonitor.access import User
from impactmonitor.storage import Database
from pipelines.bulk import UNATTRIBUTED, GroupResult, ingest_bulk
from pipelines.ingest import Upload, ingest

Q1, Q2 = "2025Q1", "2025Q2"
STAFF = User("cm", "contract_manager")
GROUPS = [(AGB_A, Q1), (AGB_A, Q2), (AGB_B, Q1), (AGB_B, Q2)]


def bulk_frames(groups: list[tuple[str, str]] = GROUPS) -> dict[str, pl.DataFrame]:
    """The valid test delivery repeated for every (AGB, quarter): one frame per table."""
    per_group = [valid_frames(agb, quarter) for agb, quarter in groups]
    return {
        table: pl.concat([frames[table] for frames in per_group])
        for table in ("population", "offer", "results")
    }


def uploads(frames: dict[str, pl.DataFrame], style: str = "excel_nl") -> list[Upload]:
    return [
        Upload(f"{table}.csv", frame_csv(frame, table, style))  # type: ignore[arg-type]
        for table, frame in frames.items()
    ]


def by_key(results: list[GroupResult]) -> dict[tuple[str | None, str | None], GroupResult]:
    return {(r.provider_agb, r.quarter): r for r in results}


def codes(result: GroupResult) -> set[str]:
    return {f.code for f in result.errors}


def stored(db: Database, sql: str) -> list[tuple]:
    with db.connection() as con:
        return con.execute(sql).fetchall()


@pytest.mark.parametrize("style", ["excel_nl", "libreoffice_comma"])
def test_every_group_is_stored_as_its_own_delivery(registered_db: Database, style: str) -> None:
    results = ingest_bulk(registered_db, uploads(bulk_frames(), style), actor="test")

    assert [(r.provider_agb, r.quarter) for r in results] == sorted(GROUPS)
    assert all(r.accepted and not r.errors for r in results)
    assert len({r.delivery_id for r in results}) == 4
    for result in results:
        assert result.rows == {"population": 18, "offer": 3, "results": 3}
        assert [(t["table"], t["version"]) for t in result.receipt.tables] == [
            ("offer", 1),
            ("population", 1),
            ("results", 1),
        ]
    receipts = stored(
        registered_db,
        "SELECT delivery_id, provider_agb, quarter, files "
        "FROM deliveries ORDER BY provider_agb, quarter",
    )
    assert [(agb, quarter) for _, agb, quarter, _ in receipts] == sorted(GROUPS)
    first = results[0]
    assert receipts[0][0] == first.delivery_id
    assert json.loads(receipts[0][3]) == first.receipt.tables
    assert stored(
        registered_db, "SELECT count(*) FROM audit_log WHERE action = 'delivery_accepted'"
    ) == [(4,)]
    assert stored(registered_db, "SELECT count(*) FROM population") == [(72,)]
    assert stored(registered_db, "SELECT count(DISTINCT delivery_id) FROM population_rows") == [
        (4,)
    ]


def test_bulk_stores_what_a_single_delivery_stores(registered_db: Database, tmp_path: Path) -> None:
    """The same provider-quarter through bulk and through ingest gives the same rows."""
    other = Database(tmp_path / "single.duckdb")
    with registered_db.connection() as con:
        register = con.execute(
            "SELECT * EXCLUDE (registered_at, registered_by) FROM providers"
        ).pl()
    register_providers(other, register)

    ingest_bulk(registered_db, uploads(bulk_frames([(AGB_A, Q2)])), actor="test")
    outcome = ingest(other, AGB_A, Q2, uploads(valid_frames(AGB_A, Q2)), actor="test")
    assert outcome.accepted
    for table in ("population", "offer", "results"):
        sql = f"SELECT * FROM {table} ORDER BY ALL"
        assert stored(registered_db, sql) == stored(other, sql)


def test_a_rejected_group_writes_nothing_and_the_others_are_stored(
    registered_db: Database,
) -> None:
    frames = bulk_frames()
    population = frames["population"].with_row_index("i")
    bad_index = population.filter((pl.col("provider_agb") == AGB_B) & (pl.col("quarter") == Q2))[
        "i"
    ][3]
    frames["population"] = population.with_columns(
        pl.when(pl.col("i") == bad_index)
        .then(pl.col("clients_end") + 5)
        .otherwise(pl.col("clients_end"))
        .alias("clients_end")
    ).drop("i")

    results = by_key(ingest_bulk(registered_db, uploads(frames), actor="test"))

    rejected = results[(AGB_B, Q2)]
    assert not rejected.accepted and rejected.receipt is None
    assert codes(rejected) == {"rule_clients_balance"}
    assert rejected.errors[0].row == bad_index + 2  # spreadsheet row: header is row 1
    assert all(results[key].accepted for key in GROUPS if key != (AGB_B, Q2))
    for table in ("deliveries", "table_versions", "population_rows", "offer_rows", "results_rows"):
        assert stored(
            registered_db,
            f"SELECT count(*) FROM {table} WHERE provider_agb = '{AGB_B}' AND quarter = '{Q2}'",
        ) == [(0,)]
    assert stored(registered_db, "SELECT count(*) FROM deliveries") == [(3,)]


def test_versions_increment_when_the_same_groups_are_loaded_again(
    registered_db: Database,
) -> None:
    ingest_bulk(registered_db, uploads(bulk_frames()), actor="test")
    again = ingest_bulk(registered_db, uploads(bulk_frames([(AGB_A, Q2)])), actor="test")

    assert [t["version"] for t in again[0].receipt.tables] == [2, 2, 2]
    versions = stored(
        registered_db,
        "SELECT provider_agb, quarter, max(version) FROM table_versions GROUP BY ALL ORDER BY ALL",
    )
    assert versions == [(AGB_A, Q1, 1), (AGB_A, Q2, 2), (AGB_B, Q1, 1), (AGB_B, Q2, 1)]
    # The views show the latest version only: no doubled rows.
    assert stored(registered_db, "SELECT count(*) FROM population") == [(72,)]
    assert stored(registered_db, "SELECT count(*) FROM population_rows") == [(90,)]


def test_a_provider_missing_from_the_register_rejects_its_groups(
    registered_db: Database,
) -> None:
    groups = [(AGB_A, Q2), (AGB_UNKNOWN, Q1), (AGB_UNKNOWN, Q2)]
    results = by_key(ingest_bulk(registered_db, uploads(bulk_frames(groups)), actor="test"))

    assert results[(AGB_A, Q2)].accepted
    for quarter in (Q1, Q2):
        result = results[(AGB_UNKNOWN, quarter)]
        assert not result.accepted
        assert codes(result) == {"provider_unknown"}
        assert result.errors[0].value == AGB_UNKNOWN
    assert stored(registered_db, "SELECT DISTINCT provider_agb FROM population_rows") == [(AGB_A,)]


def test_rows_without_a_readable_agb_or_quarter_form_their_own_rejected_group(
    registered_db: Database,
) -> None:
    frames = bulk_frames()
    frames["population"] = (
        frames["population"]
        .with_row_index("i")
        .with_columns(
            pl.when(pl.col("i") == 0)
            .then(pl.lit("2025Q9"))
            .otherwise(pl.col("quarter"))
            .alias("quarter"),
            pl.when(pl.col("i") == 1)
            .then(pl.lit("ABC"))
            .otherwise(pl.col("provider_agb"))
            .alias("provider_agb"),
        )
        .drop("i")
    )

    results = by_key(ingest_bulk(registered_db, uploads(frames), actor="test"))

    loose = results[UNATTRIBUTED]
    assert not loose.accepted
    assert codes(loose) == {"cell_bad_quarter", "cell_bad_agb"}
    assert sorted(f.row for f in loose.errors) == [2, 3]
    assert set(results) == {UNATTRIBUTED, *GROUPS}


def test_a_header_error_rejects_every_group_of_that_file(registered_db: Database) -> None:
    content = frame_csv(bulk_frames()["population"], "population")
    files = [Upload("population.csv", content.replace(b";inflow;", b";instroom;", 1))]

    results = ingest_bulk(registered_db, files, actor="test")

    assert len(results) == 4
    assert all(not r.accepted and "header_missing_column" in codes(r) for r in results)
    assert stored(registered_db, "SELECT count(*) FROM deliveries") == [(0,)]


def test_an_unreadable_file_is_a_rejected_group_without_provider(
    registered_db: Database,
) -> None:
    results = ingest_bulk(registered_db, [Upload("population.csv", b"")], actor="test")

    assert [(r.provider_agb, r.quarter, r.accepted) for r in results] == [(None, None, False)]
    assert codes(results[0]) == {"file_empty"}


def test_a_ragged_row_rejects_the_group_it_belongs_to(registered_db: Database) -> None:
    content = frame_csv(bulk_frames()["population"], "population")
    lines = content.split(b"\r\n")
    index = next(
        i for i, line in enumerate(lines) if line.startswith(AGB_B.encode()) and Q1.encode() in line
    )
    lines[index] += b";99"
    results = by_key(
        ingest_bulk(registered_db, [Upload("population.csv", b"\r\n".join(lines))], actor="test")
    )

    assert codes(results[(AGB_B, Q1)]) == {"row_ragged"}
    assert results[(AGB_B, Q1)].errors[0].row == index + 1
    assert all(results[key].accepted for key in GROUPS if key != (AGB_B, Q1))


def test_offer_and_results_need_population_in_the_upload_or_the_store(
    registered_db: Database,
) -> None:
    ingest_bulk(
        registered_db,
        uploads({"population": bulk_frames([(AGB_A, Q1)])["population"]}),
        actor="test",
    )
    frames = bulk_frames([(AGB_A, Q1), (AGB_B, Q1)])
    results = by_key(
        ingest_bulk(
            registered_db, uploads({t: frames[t] for t in ("offer", "results")}), actor="test"
        )
    )

    assert results[(AGB_A, Q1)].accepted  # population accepted earlier
    assert not results[(AGB_B, Q1)].accepted
    assert codes(results[(AGB_B, Q1)]) == {"cross_population_missing"}


def test_the_same_table_twice_for_a_group_is_an_error(registered_db: Database) -> None:
    frames = bulk_frames([(AGB_A, Q1), (AGB_A, Q2)])
    population = frames["population"]
    files = [
        Upload("population_2025.csv", frame_csv(population, "population")),
        Upload(
            "population_extra.csv",
            frame_csv(population.filter(pl.col("quarter") == Q2), "population"),
        ),
    ]
    results = by_key(ingest_bulk(registered_db, files, actor="test"))

    assert results[(AGB_A, Q1)].accepted
    assert codes(results[(AGB_A, Q2)]) == {"file_duplicate_table"}


def test_received_at_may_be_given_per_provider_quarter(registered_db: Database) -> None:
    def received(agb: str, quarter: str) -> datetime:
        return datetime(2025, 5, 1, 9, 0) if agb == AGB_A else datetime(2025, 6, 30, 12, 0)

    ingest_bulk(registered_db, uploads(bulk_frames()), actor="test", received_at=received)

    assert stored(
        registered_db, "SELECT DISTINCT provider_agb, received_at FROM deliveries ORDER BY 1"
    ) == [(AGB_A, datetime(2025, 5, 1, 9, 0)), (AGB_B, datetime(2025, 6, 30, 12, 0))]
    assert stored(
        registered_db,
        "SELECT DISTINCT provider_agb, occurred_at FROM audit_log "
        "WHERE action = 'delivery_accepted' ORDER BY 1",
    ) == [(AGB_A, datetime(2025, 5, 1, 9, 0)), (AGB_B, datetime(2025, 6, 30, 12, 0))]
    assert stored(
        registered_db,
        f"SELECT DISTINCT accepted_at FROM table_versions WHERE provider_agb = '{AGB_B}'",
    ) == [(datetime(2025, 6, 30, 12, 0),)]


@pytest.mark.parametrize(
    ("broken", "exit_code", "expected"),
    [
        (False, 0, "4 aanbieder-kwartalen: 4 geaccepteerd, 0 afgewezen"),
        (True, 1, "4 aanbieder-kwartalen: 3 geaccepteerd, 1 afgewezen"),
    ],
)
def test_command_line_prints_one_line_per_group_and_a_summary(
    registered_db: Database,
    tmp_path: Path,
    run_cli,
    broken: bool,
    exit_code: int,
    expected: str,
) -> None:
    frames = bulk_frames()
    if broken:
        frames["population"] = frames["population"].with_columns(
            pl.when((pl.col("provider_agb") == AGB_B) & (pl.col("quarter") == Q1))
            .then(pl.col("clients_end") + 1)
            .otherwise(pl.col("clients_end"))
        )
    paths = []
    for upload in uploads(frames):
        path = tmp_path / upload.name
        path.write_bytes(upload.content)
        paths.append(path)
    report = tmp_path / "report.json"

    done = run_cli("pipelines.bulk", "--db", registered_db.path, "--report-json", report, *paths)

    assert done.returncode == exit_code, done.stderr
    assert expected in done.stdout
    group_lines = [line for line in done.stdout.splitlines() if line[:8].isdigit()]
    assert len(group_lines) == 4
    assert sum(": afgewezen" in line for line in group_lines) == (1 if broken else 0)
    entries = json.loads(report.read_text(encoding="utf-8"))
    assert [e["accepted"] for e in entries].count(False) == (1 if broken else 0)


@pytest.mark.parametrize("args", [["--db"], ["--bogus", "x.csv"], ["does-not-exist.csv"]])
def test_command_line_usage_errors_exit_2(tmp_path: Path, run_cli, args: list[str]) -> None:
    done = run_cli(
        "pipelines.bulk", *(["--db", tmp_path / "x.duckdb"] if args[0] != "--db" else []), *args
    )
    assert done.returncode == 2


def test_a_file_that_is_no_database_is_a_usage_error(tmp_path: Path, run_cli) -> None:
    not_a_db = tmp_path / "notes.duckdb"
    not_a_db.write_text("not a database", encoding="utf-8")
    upload = uploads(bulk_frames([(AGB_A, Q1)]))[0]
    (tmp_path / upload.name).write_bytes(upload.content)

    done = run_cli("pipelines.bulk", "--db", not_a_db, tmp_path / upload.name)

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert not_a_db.read_text(encoding="utf-8") == "not a database"


def test_a_workbook_with_three_sheets_works_like_three_files(registered_db: Database) -> None:
    workbook = delivery_xlsx(bulk_frames(), dutch_names=True)
    results = ingest_bulk(registered_db, [Upload("levering.xlsx", workbook)], actor="test")

    assert [(r.provider_agb, r.quarter, r.accepted) for r in results] == [
        (agb, quarter, True) for agb, quarter in sorted(GROUPS)
    ]
    assert stored(registered_db, "SELECT count(*) FROM results") == [(12,)]


# ---- one writer for both paths (issue 14 item 1) ------------------------------------------------


def test_bulk_keeps_each_original_file_once_linked_to_every_delivery(
    registered_db: Database,
) -> None:
    sent = uploads(bulk_frames())
    results = ingest_bulk(registered_db, sent, actor="test")
    digests = {hashlib.sha256(u.content).hexdigest(): u for u in sent}
    # Each content is stored compressed, once, with its size; read back it is the file as sent.
    contents = stored(registered_db, "SELECT sha256, compression, size_bytes FROM file_contents")
    assert sorted(contents) == sorted((sha, "zstd", len(u.content)) for sha, u in digests.items())
    compressed = stored(registered_db, "SELECT sum(octet_length(content)) FROM file_contents")
    assert compressed[0][0] < sum(len(u.content) for u in sent) / 2
    for result in results:
        files = deliveries.original_files(registered_db, STAFF, result.delivery_id)
        assert dict(zip(files["file_name"], files["content"], strict=True)) == {
            u.name: u.content for u in sent
        }
    links = stored(
        registered_db,
        "SELECT delivery_id, file_name, sha256, size_bytes FROM delivery_files ORDER BY ALL",
    )
    assert links == sorted(
        (r.delivery_id, u.name, sha, len(u.content)) for r in results for sha, u in digests.items()
    )
    # Loading the same bytes again adds links (new deliveries), never a second copy.
    again = ingest_bulk(registered_db, sent, actor="test")
    assert all(r.accepted for r in again)
    assert stored(registered_db, "SELECT count(*) FROM file_contents") == [(3,)]
    assert stored(registered_db, "SELECT count(*) FROM delivery_files") == [(24,)]


def test_bulk_and_single_write_the_same_kinds_of_rows(
    registered_db: Database, tmp_path: Path
) -> None:
    """Per table, the bulk path writes what the single path writes for the same delivery (the
    delivery id and times aside): versions, receipts, audit, files and summaries."""
    other = Database(tmp_path / "single.duckdb")
    with registered_db.connection() as con:
        register = con.execute(
            "SELECT * EXCLUDE (registered_at, registered_by) FROM providers"
        ).pl()
    register_providers(other, register)
    sent = uploads(valid_frames(AGB_A, Q2))
    (bulk,) = ingest_bulk(registered_db, sent, actor="test", source="cli")
    single = ingest(other, AGB_A, Q2, sent, actor="test", source="cli")
    assert bulk.accepted and single.accepted
    counts = (
        "SELECT (SELECT count(*) FROM table_versions), (SELECT count(*) FROM deliveries), "
        "(SELECT count(*) FROM audit_log WHERE action = 'delivery_accepted'), "
        "(SELECT count(*) FROM delivery_files), (SELECT count(*) FROM file_contents), "
        "(SELECT count(*) FROM summary_applied), (SELECT count(*) FROM population_summary)"
        ", (SELECT count(*) FROM offer_summary), (SELECT count(*) FROM results_summary)"
    )
    assert stored(registered_db, counts) == stored(other, counts)
    for sql in (
        "SELECT * EXCLUDE (provider_agb, quarter) FROM population_summary ORDER BY ALL",
        "SELECT * FROM offer_summary ORDER BY ALL",
        "SELECT table_name, version, file_name, file_sha256, row_count "
        "FROM table_versions ORDER BY ALL",
    ):
        assert stored(registered_db, sql) == stored(other, sql)
    assert bulk.receipt.tables == single.receipt.tables


def test_bulk_brings_the_kpi_summaries_up_to_date_in_its_own_transaction(
    registered_db: Database,
) -> None:
    from impactmonitor.kpis import summaries_fresh

    ingest_bulk(registered_db, uploads(bulk_frames()), actor="test")
    with registered_db.connection() as con:  # a plain read: no sync has run
        assert summaries_fresh(con)
        assert con.execute(
            "SELECT count(DISTINCT (provider_agb, quarter)) FROM population_summary"
        ).fetchone() == (4,)
