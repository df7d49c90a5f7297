"""The one ingest engine (issue 14 item 1): a delivery and a bulk upload are checked, warned,
stored and audited by the same code, so they agree on the same rows."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from conftest import register_providers
from delivery_files import AGB_A, AGB_B, AGB_UNKNOWN, frame_csv, valid_frames

from impactmonitor.storage import Database
from pipelines.bulk import ingest_bulk
from pipelines.ingest import Upload, ingest

Q1, Q2 = "2025Q1", "2025Q2"


def uploads_of(frames: dict[str, pl.DataFrame]) -> list[Upload]:
    return [
        Upload(f"{table}.csv", frame_csv(frame, table, "excel_nl"))  # type: ignore[arg-type]
        for table, frame in frames.items()
    ]


def combined(groups: list[tuple[str, str]]) -> dict[str, pl.DataFrame]:
    per_group = [valid_frames(agb, quarter) for agb, quarter in groups]
    return {table: pl.concat([f[table] for f in per_group]) for table in per_group[0]}


def fresh_db(folder: Path) -> Database:
    db = Database(folder / "engine.duckdb", lock_timeout=30)
    db.ensure_schema()
    register_providers(db, at=datetime(2024, 1, 1, 9, 0))
    return db


def what(findings) -> list[tuple]:
    """A finding without its place in the file (row numbers differ between files)."""
    return sorted((f.code, f.table, f.column, f.value, json.dumps(f.fields)) for f in findings)


def test_bulk_warns_as_single_deliveries_do(tmp_path: Path) -> None:
    """The same quarter warned the same whether it came alone, in a bulk upload after its
    previous quarter was stored, or in one bulk upload together with its previous quarter.
    Before: bulk computed no plausibility warnings at all."""
    single = fresh_db(tmp_path / "single")
    for quarter in (Q1, Q2):
        outcome = ingest(single, AGB_A, quarter, uploads_of(valid_frames(AGB_A, quarter)), "t")
        assert outcome.accepted
    expected = what(outcome.warnings)
    assert {code for code, *_ in expected} >= {"warn_continuity"}

    per_quarter = fresh_db(tmp_path / "per_quarter")
    for quarter in (Q1, Q2):
        (result,) = ingest_bulk(per_quarter, uploads_of(combined([(AGB_A, quarter)])), "t")
    assert result.accepted and what(result.warnings) == expected

    at_once = fresh_db(tmp_path / "at_once")
    results = ingest_bulk(at_once, uploads_of(combined([(AGB_A, Q1), (AGB_A, Q2)])), "t")
    first, second = results
    assert (first.quarter, second.quarter) == (Q1, Q2)
    assert what(first.warnings) == what(
        ingest(
            fresh_db(tmp_path / "q1"), AGB_A, Q1, uploads_of(valid_frames(AGB_A, Q1)), "t"
        ).warnings
    )
    assert what(second.warnings) == expected
    # The warnings are stored with the delivery, as a single delivery's are.
    with at_once.connection() as con:
        (stored,) = con.execute(
            "SELECT warnings FROM deliveries WHERE quarter = ?", [Q2]
        ).fetchone()
    assert len(json.loads(stored)) == len(expected)


def test_bulk_warnings_point_at_rows_of_the_bulk_file(tmp_path: Path) -> None:
    db = fresh_db(tmp_path)
    frames = combined([(AGB_B, Q1), (AGB_A, Q1), (AGB_A, Q2)])
    results = {r.key: r for r in ingest_bulk(db, uploads_of(frames), "t")}
    continuity = [f for f in results[(AGB_A, Q2)].warnings if f.code == "warn_continuity"]
    assert continuity
    population = frames["population"].with_row_index("line", offset=2)  # line 1: the header
    for finding in continuity:
        assert finding.file == "population.csv"
        (row,) = population.filter(pl.col("line") == finding.row).iter_rows(named=True)
        assert (row["provider_agb"], row["quarter"]) == (AGB_A, Q2)
        assert str(row["clients_start"]) == finding.value
    assert not any(f.code == "warn_continuity" for f in results[(AGB_B, Q1)].warnings)


def test_every_rejected_bulk_group_is_audited(tmp_path: Path) -> None:
    """Before: a bulk upload audited nothing it rejected."""
    db = fresh_db(tmp_path)
    frames = combined([(AGB_A, Q1), (AGB_UNKNOWN, Q1), (AGB_UNKNOWN, Q2)])
    results = ingest_bulk(db, uploads_of(frames), "bulk-user")
    assert [r.accepted for r in results] == [True, False, False]
    with db.connection() as con:
        events = con.execute(
            "SELECT actor, action, provider_agb, quarter, details FROM audit_log "
            "WHERE action LIKE 'delivery_%' ORDER BY action, provider_agb, quarter"
        ).fetchall()
    assert [e[1:4] for e in events] == [
        ("delivery_accepted", AGB_A, Q1),
        ("delivery_rejected", AGB_UNKNOWN, Q1),
        ("delivery_rejected", AGB_UNKNOWN, Q2),
    ]
    assert {e[0] for e in events} == {"bulk-user"}
    details = json.loads(events[1][4])
    assert details["source"] == "bulk" and details["errors"] == 1
    assert sorted(f["name"] for f in details["files"]) == [
        "offer.csv",
        "population.csv",
        "results.csv",
    ]


def test_a_delivery_and_a_bulk_of_it_reject_alike(tmp_path: Path) -> None:
    frames = valid_frames(AGB_A, Q1)
    frames["offer"] = frames["offer"].with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit("unknown_form"))
        .otherwise(pl.col("care_form"))
        .alias("care_form")
    )
    frames["results"] = frames["results"].with_columns(pl.lit(-1).alias("stay_n"))
    single = ingest(fresh_db(tmp_path / "single"), AGB_A, Q1, uploads_of(frames), "t")
    (bulk,) = ingest_bulk(fresh_db(tmp_path / "bulk"), uploads_of(frames), "t")
    assert not single.accepted and not bulk.accepted
    assert [(f.code, f.table, f.row, f.column) for f in bulk.errors] == [
        (f.code, f.table, f.row, f.column) for f in single.errors
    ]
    assert len(single.errors) >= 4


# A table delivered without its population is compared with the stored population, which the
# store sums per care form (load.latest_clients_by_care_form) instead of returning its rows.
# Each case: (table, change to its rows, the warning it must give).
ALONE_CASES = {
    "places changed while the clients stayed the same": (
        "offer",
        pl.when(pl.col("care_form") == "foster_care").then(25).otherwise("places").alias("places"),
        "warn_places_without_clients",
    ),
    "one residential place for 132 clients": (
        "offer",
        pl.when(pl.col("care_form") == "residential_short")
        .then(1)
        .otherwise("places")
        .alias("places"),
        "warn_clients_per_place_implausible",
    ),
    "no trajectory ended although clients left": (
        "results",
        pl.col("^(trajectories|ended|goals|dropouts|satisfaction|stay).*$") * 0,
        "warn_zero_results",
    ),
}


@pytest.mark.parametrize(("table", "change", "code"), ALONE_CASES.values(), ids=ALONE_CASES)
def test_a_table_delivered_alone_warns_as_with_its_population(
    tmp_path: Path, table: str, change: pl.Expr, code: str
) -> None:
    """The same warnings whether the changed table came with its population, alone in a later
    delivery (the population read from the store), or alone in a bulk upload of two providers
    (the store's sums looked up for many provider-quarters at once)."""
    changed = {agb: valid_frames(agb, Q2)[table].with_columns(change) for agb in (AGB_A, AGB_B)}
    warned = {}
    for way in ("with population", "alone", "bulk alone"):
        db = fresh_db(tmp_path / way.replace(" ", "_"))
        for agb in (AGB_A, AGB_B):
            for quarter in (Q1, Q2):
                assert ingest(
                    db, agb, quarter, uploads_of(valid_frames(agb, quarter)), "t"
                ).accepted
        if way == "with population":
            frames = {**valid_frames(AGB_A, Q2), table: changed[AGB_A]}
            outcome = ingest(db, AGB_A, Q2, uploads_of(frames), "t")
        elif way == "alone":
            outcome = ingest(db, AGB_A, Q2, uploads_of({table: changed[AGB_A]}), "t")
        else:
            both = pl.concat([changed[AGB_A], changed[AGB_B]])
            results = {r.key: r for r in ingest_bulk(db, uploads_of({table: both}), "t")}
            assert all(r.accepted for r in results.values())
            outcome = results[(AGB_A, Q2)]
            # The other provider's rows are the same: so are its warnings.
            assert what(w for w in results[(AGB_B, Q2)].warnings if w.code == code) == what(
                w for w in outcome.warnings if w.code == code
            )
        assert outcome.accepted
        warned[way] = what(w for w in outcome.warnings if w.code == code)
    assert warned["with population"], f"no {code}"
    assert warned["alone"] == warned["with population"]
    assert warned["bulk alone"] == warned["with population"]
