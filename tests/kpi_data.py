"""Small hand-made deliveries for the KPI, norm, target, delivery-status and escalation tests.

`store(db, agb, quarter, population=[...], offer=[...], results=[...])` writes one accepted
delivery exactly as the pipeline's load step does (`pipelines.load.store_delivery`: rows in the
`*_rows` tables, a version in `table_versions`, a receipt and an audit event), with only the
columns a test cares about; every other count defaults to 0. `register(db, {agb: category})`
puts providers in the register. Import as ``from kpi_data import ...`` (conftest puts this folder
on sys.path).
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from impactmonitor.access import User
from impactmonitor.providers import append_register_entries
from impactmonitor.schema import DATA_TABLE_COLUMNS
from impactmonitor.storage import Database
from pipelines.load import AcceptedTable, store_delivery

P1, P2, P3 = "10000001", "10000002", "10000003"
MANAGER = User("manager", "contract_manager")
MANAGEMENT = User("boss", "management")
ADMIN = User("admin", "admin")


def provider_user(*agbs: str) -> User:
    return User("provider", "provider", frozenset(agbs))


def register(
    db: Database,
    categories: dict[str, str],
    contracts: dict[str, tuple[date | None, date | None]] | None = None,
) -> None:
    """Register providers {agb: category} (contract from 2022-01-01, open-ended by default)."""
    contracts = contracts or {}
    rows = []
    for agb, category in categories.items():
        start, end = contracts.get(agb, (date(2022, 1, 1), None))
        rows.append(
            {
                "provider_agb": agb,
                "name": f"Aanbieder {agb}",
                "category": category,
                "lot": None,
                "contract_start": start,
                "contract_end": end,
            }
        )
    frame = pl.DataFrame(
        rows,
        schema={
            "provider_agb": pl.String,
            "name": pl.String,
            "category": pl.String,
            "lot": pl.String,
            "contract_start": pl.Date,
            "contract_end": pl.Date,
        },
    )
    with db.transaction() as con:
        append_register_entries(con, frame, actor="test", at=datetime(2022, 1, 1))


def _frame(table: str, agb: str, quarter: str, rows: list[dict]) -> pl.DataFrame:
    columns = DATA_TABLE_COLUMNS[table]
    full = []
    for row in rows:
        record = {"provider_agb": agb, "quarter": quarter}
        for name, sql_type in columns.items():
            if sql_type == "VARCHAR":
                record[name] = row.get(name)
            else:
                record[name] = row.get(name, 0)
        if table == "population":
            record.setdefault("age_group", "6_11")
            record["age_group"] = record["age_group"] or "6_11"
            record["municipality_code"] = record["municipality_code"] or "GM0599"
            record["clients_end"] = record["clients_start"] + record["inflow"] - record["outflow"]
        full.append(record)
    schema = {"provider_agb": pl.String, "quarter": pl.String}
    schema.update(
        {
            name: (pl.String if t == "VARCHAR" else pl.Float64 if t == "DOUBLE" else pl.Int64)
            for name, t in columns.items()
        }
    )
    return pl.DataFrame(full, schema=schema)


def store(
    db: Database,
    agb: str,
    quarter: str,
    *,
    population: list[dict] | None = None,
    offer: list[dict] | None = None,
    results: list[dict] | None = None,
    received_at: datetime | None = None,
) -> str:
    """Store one accepted delivery with the given tables; returns its delivery id."""
    tables = []
    for table, rows in (("population", population), ("offer", offer), ("results", results)):
        if rows is not None:
            tables.append(
                AcceptedTable(table, _frame(table, agb, quarter, rows), f"{table}.csv", "0" * 64)
            )
    with db.transaction() as con:
        receipt = store_delivery(
            con,
            agb,
            quarter,
            tables,
            actor="test",
            source="test",
            warnings=[],
            received_at=received_at,
        )
    return receipt.delivery_id


def results_row(care_form: str = "ambulant", **counts: int) -> dict:
    return {"care_form": care_form, **counts}


def clients(
    care_form: str, count: int, municipality: str = "GM0599", age_group: str = "6_11"
) -> dict:
    """A population row with `count` clients in care (clients_start + inflow = count)."""
    return {
        "municipality_code": municipality,
        "care_form": care_form,
        "age_group": age_group,
        "clients_start": count,
        "inflow": 0,
        "outflow": 0,
    }
