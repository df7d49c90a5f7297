"""The delivered figures of one provider-quarter, broken down (provider page, reports).

All reads go through `access.scope_filter`: a provider user gets empty frames for other AGBs.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from impactmonitor.access import User, scope_filter
from impactmonitor.storage import Database

PopulationDimension = Literal["municipality_code", "care_form", "age_group"]


def population_breakdown(db: Database, user: User, provider_agb: str, quarter: str,
                         by: PopulationDimension) -> pl.DataFrame:
    """Clients (start, inflow, outflow, end) of one provider-quarter per municipality, care form
    or age group."""
    if by not in ("municipality_code", "care_form", "age_group"):
        raise ValueError(by)
    scope, params = scope_filter(user)
    return db.query(
        f"""
        SELECT {by}, sum(clients_start) AS clients_start, sum(inflow) AS inflow,
               sum(outflow) AS outflow, sum(clients_end) AS clients_end
        FROM population
        WHERE provider_agb = ? AND quarter = ? AND {scope}
        GROUP BY {by} ORDER BY clients_end DESC
        """,
        [provider_agb, quarter, *params],
    )


def delivered_table(db: Database, user: User, table: Literal["offer", "results"],
                    provider_agb: str, quarter: str) -> pl.DataFrame:
    """The latest accepted offer or results rows of one provider-quarter."""
    if table not in ("offer", "results"):
        raise ValueError(table)
    scope, params = scope_filter(user)
    return db.query(
        f"SELECT * EXCLUDE (provider_agb, quarter) FROM {table} "
        f"WHERE provider_agb = ? AND quarter = ? AND {scope} ORDER BY care_form",
        [provider_agb, quarter, *params],
    )
