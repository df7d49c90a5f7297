"""Delivery status per provider-quarter: complete, late, incomplete, missing, pending."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from kpi_data import MANAGER, P1, P2, clients, provider_user, register, results_row, store

from impactmonitor import delivery_status as ds
from impactmonitor.storage import Database

AS_OF = date(2025, 11, 15)  # 2025Q3 has ended and its deadline (2025-10-30) has passed
FIRST = "2025Q1"


def deliver(
    db: Database,
    agb: str,
    quarter: str,
    at: datetime,
    tables: tuple[str, ...] = ("population", "offer", "results"),
) -> None:
    store(
        db,
        agb,
        quarter,
        received_at=at,
        population=[clients("ambulant", 10)] if "population" in tables else None,
        offer=[{"care_form": "ambulant"}] if "offer" in tables else None,
        results=[results_row("ambulant")] if "results" in tables else None,
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """P1: contract from 2022, open-ended; P2: contract 2025-04-01 .. 2025-09-30 (Q2, Q3).

    P1 2025Q1 complete on the deadline day (and a correction later), 2025Q2 complete one day
    late, 2025Q3 population only; P2 delivers nothing.
    """
    database = Database(tmp_path_factory.mktemp("status") / "status.duckdb")
    database.ensure_schema()
    register(database, {P1: "A", P2: "C"}, contracts={P2: (date(2025, 4, 1), date(2025, 9, 30))})
    deliver(database, P1, "2025Q1", datetime(2025, 4, 10, 9, 0), ("population", "offer"))
    deliver(database, P1, "2025Q1", datetime(2025, 4, 30, 23, 59), ("results",))
    deliver(database, P1, "2025Q1", datetime(2025, 9, 1, 12, 0), ("results",))  # correction
    deliver(database, P1, "2025Q2", datetime(2025, 7, 31, 8, 0))
    deliver(database, P1, "2025Q3", datetime(2025, 10, 2, 8, 0), ("population",))
    return database


@pytest.mark.parametrize(
    ("agb", "quarter", "as_of", "status"),
    [
        (P1, "2025Q1", AS_OF, "complete"),  # last table on 30 April: the deadline day
        (P1, "2025Q2", AS_OF, "late"),  # 31 July, deadline 30 July
        (P1, "2025Q3", AS_OF, "incomplete"),
        (P1, "2025Q3", date(2025, 10, 30), "pending"),  # deadline day: not overdue yet
        (P1, "2025Q3", date(2025, 10, 31), "incomplete"),
        (P2, "2025Q2", AS_OF, "missing"),
        (P2, "2025Q3", date(2025, 10, 20), "pending"),
        (P2, "2025Q3", AS_OF, "missing"),
    ],
)
def test_status(db: Database, agb: str, quarter: str, as_of: date, status: str) -> None:
    table = ds.delivery_status(db, MANAGER, as_of, first_quarter=FIRST)
    row = table.filter((pl.col("provider_agb") == agb) & (pl.col("quarter") == quarter))
    assert row["status"].to_list() == [status]


def test_only_quarters_within_the_contract_that_have_ended(db: Database) -> None:
    table = ds.delivery_status(db, MANAGER, AS_OF, first_quarter=FIRST)
    assert table.filter(pl.col("provider_agb") == P2)["quarter"].to_list() == ["2025Q2", "2025Q3"]
    assert table.filter(pl.col("provider_agb") == P1)["quarter"].to_list() == [
        "2025Q1",
        "2025Q2",
        "2025Q3",
    ]  # 2025Q4 has not ended on 15 November


def test_late_details(db: Database) -> None:
    table = ds.delivery_status(db, MANAGER, AS_OF, first_quarter=FIRST, provider_agb=P1)
    late = table.filter(pl.col("quarter") == "2025Q2").row(0, named=True)
    assert (late["deadline"], late["days_late"]) == (date(2025, 7, 30), 1)
    assert late["completed_at"] == datetime(2025, 7, 31, 8, 0)
    partial = table.filter(pl.col("quarter") == "2025Q3").row(0, named=True)
    assert (partial["tables_delivered"], partial["completed_at"]) == ("population", None)


def test_deadline_is_configurable(db: Database) -> None:
    table = ds.delivery_status(
        db, MANAGER, AS_OF, first_quarter=FIRST, provider_agb=P1, deadline_days=31
    )
    assert table.filter(pl.col("quarter") == "2025Q2")["status"][0] == "complete"
    assert ds.deadline("2025Q2") == date(2025, 7, 30)


def test_summary_grid_and_timeliness(db: Database) -> None:
    summary = ds.delivery_summary(db, MANAGER, AS_OF, first_quarter=FIRST)
    q2 = summary.filter(pl.col("quarter") == "2025Q2").row(0, named=True)
    assert (q2["complete"], q2["late"], q2["missing"], q2["on_time_share"]) == (0, 1, 1, 0.0)
    q1 = summary.filter(pl.col("quarter") == "2025Q1").row(0, named=True)
    assert (q1["complete"], q1["on_time_share"]) == (1, 1.0)
    grid = ds.delivery_status_grid(db, MANAGER, AS_OF, first_quarter=FIRST)
    assert grid.columns == ["provider_agb", "name", "category", "2025Q1", "2025Q2", "2025Q3"]
    p2 = grid.filter(pl.col("provider_agb") == P2).row(0, named=True)
    assert (p2["2025Q1"], p2["2025Q2"]) == (None, "missing")
    timeliness = ds.delivery_timeliness(db, MANAGER, AS_OF, first_quarter=FIRST)
    p1 = timeliness.filter(pl.col("provider_agb") == P1).row(0, named=True)
    assert (p1["quarters_due"], p1["on_time"], p1["late"], p1["overdue"]) == (3, 1, 1, 1)


def test_provider_user_sees_only_its_own_status(db: Database) -> None:
    table = ds.delivery_status(db, provider_user(P2), AS_OF, first_quarter=FIRST)
    assert set(table["provider_agb"]) == {P2}
    assert ds.delivery_status(db, provider_user(), AS_OF).is_empty()
