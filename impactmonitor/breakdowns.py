"""The delivered figures of one provider-quarter, broken down (provider page, reports).

All reads go through `access.scope_filter`: a provider user gets empty frames for other AGBs.
"""

from __future__ import annotations

from typing import Literal

import duckdb
import polars as pl

from impactmonitor.access import User, scope_filter
from impactmonitor.storage import Database

PopulationDimension = Literal["municipality_code", "care_form", "age_group"]
POPULATION_DIMENSIONS: tuple[PopulationDimension, ...] = (
    "municipality_code",
    "care_form",
    "age_group",
)


def _population(
    con: duckdb.DuckDBPyConnection,
    user: User,
    provider_agb: str,
    quarter: str,
    by: PopulationDimension,
) -> pl.DataFrame:
    if by not in POPULATION_DIMENSIONS:
        raise ValueError(by)
    scope, params = scope_filter(user)
    return con.execute(
        f"""
        SELECT {by}, sum(clients_start) AS clients_start, sum(inflow) AS inflow,
               sum(outflow) AS outflow, sum(clients_end) AS clients_end
        FROM population
        WHERE provider_agb = ? AND quarter = ? AND {scope}
        GROUP BY {by} ORDER BY clients_end DESC
        """,
        [provider_agb, quarter, *params],
    ).pl()


def _delivered(
    con: duckdb.DuckDBPyConnection,
    user: User,
    table: Literal["offer", "results"],
    provider_agb: str,
    quarter: str,
) -> pl.DataFrame:
    if table not in ("offer", "results"):
        raise ValueError(table)
    scope, params = scope_filter(user)
    return con.execute(
        f"SELECT * EXCLUDE (provider_agb, quarter) FROM {table} "
        f"WHERE provider_agb = ? AND quarter = ? AND {scope} ORDER BY care_form",
        [provider_agb, quarter, *params],
    ).pl()


def population_breakdown(
    db: Database, user: User, provider_agb: str, quarter: str, by: PopulationDimension
) -> pl.DataFrame:
    """Clients (start, inflow, outflow, end) of one provider-quarter per municipality, care form
    or age group."""
    with db.connection() as con:
        return _population(con, user, provider_agb, quarter, by)


def delivered_table(
    db: Database, user: User, table: Literal["offer", "results"], provider_agb: str, quarter: str
) -> pl.DataFrame:
    """The latest accepted offer or results rows of one provider-quarter."""
    with db.connection() as con:
        return _delivered(con, user, table, provider_agb, quarter)


def provider_breakdowns(
    db: Database, user: User, provider_agb: str, quarter: str
) -> dict[str, pl.DataFrame]:
    """Everything the provider page shows of one provider-quarter, over one connection:
    population per municipality / care form / age group, offer and results."""
    with db.connection() as con:
        frames: dict[str, pl.DataFrame] = {
            by: _population(con, user, provider_agb, quarter, by) for by in POPULATION_DIMENSIONS
        }
        for table in ("offer", "results"):
            frames[table] = _delivered(con, user, table, provider_agb, quarter)
        return frames
