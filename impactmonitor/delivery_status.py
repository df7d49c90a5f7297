"""Delivery status per provider-quarter (SPEC sections 4 and 5, "Aanleverstatus").

For every provider and every quarter within its contract period (from `[delivery] first_quarter`,
default 2022Q1, up to the last quarter that has ended on `as_of`):

- `complete`: all three tables (population, offer, results) accepted by the deadline;
- `late`: all three accepted, the last of them after the deadline;
- `incomplete`: one or two tables accepted, the deadline has passed;
- `missing`: nothing accepted, the deadline has passed;
- `pending`: not complete yet, but the deadline has not passed (not overdue yet).

Deadline: `deadline_days` (default 30, `[delivery]` in defaults.toml) days after the quarter's last
day; a table accepted any time on the deadline day is on time. The moment a quarter became
complete is the latest of the *first* acceptance of each table, so a correction delivered later
(herlevering) does not make a timely quarter late.

A quarter is within the contract when it overlaps [contract_start, contract_end] (open ends: no
limit). Category and contract come from the register's current entry.

The statuses and the deadline are definitions (`impactmonitor.definitions.deliveries`),
importable from here.

Public API: `delivery_status(db, user, as_of=None, ...)`, `delivery_status_in(con, user, ...)`,
`delivery_status_grid(db, user, ...)`, `delivery_summary(db, user, ...)`,
`delivery_timeliness(db, user, ...)`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import polars as pl

from impactmonitor.access import User, scope_filter
from impactmonitor.config import setting
from impactmonitor.definitions.deliveries import (
    COMPLETE,
    INCOMPLETE,
    LATE,
    MISSING,
    OVERDUE,
    PENDING,
    STATUSES,
    TABLES,
    deadline,
)
from impactmonitor.quarters import last_complete_quarter, quarter_end, quarter_range, quarter_start
from impactmonitor.storage import Database

# The definitions are importable from here as before (pages, escalation and tests use both).
__all__ = [
    "COMPLETE",
    "INCOMPLETE",
    "LATE",
    "MISSING",
    "OVERDUE",
    "PENDING",
    "STATUSES",
    "TABLES",
    "deadline",
    "delivery_status",
    "delivery_status_grid",
    "delivery_status_in",
    "delivery_summary",
    "delivery_timeliness",
    "summary_from_status",
    "timeliness_from_status",
]


def _calendar(
    as_of: date,
    first_quarter: str | None,
    deadline_days: int | None,
) -> pl.DataFrame:
    first = first_quarter or setting("delivery", "first_quarter")
    last = last_complete_quarter(as_of)
    quarters = quarter_range(first, last) if first <= last else []
    return pl.DataFrame(
        {
            "quarter": quarters,
            "quarter_start": [quarter_start(q) for q in quarters],
            "quarter_end": [quarter_end(q) for q in quarters],
            "deadline": [deadline(q, deadline_days) for q in quarters],
        },
        schema={
            "quarter": pl.String,
            "quarter_start": pl.Date,
            "quarter_end": pl.Date,
            "deadline": pl.Date,
        },
    )


def delivery_status_in(
    con: duckdb.DuckDBPyConnection,
    user: User,
    as_of: date | None = None,
    *,
    provider_agb: str | None = None,
    category: str | None = None,
    quarters: list[str] | None = None,
    first_quarter: str | None = None,
    deadline_days: int | None = None,
) -> pl.DataFrame:
    """`delivery_status` on a connection the caller holds (e.g. the escalation rules' one)."""
    as_of = as_of or date.today()
    calendar = _calendar(as_of, first_quarter, deadline_days)
    if quarters is not None:
        calendar = calendar.filter(pl.col("quarter").is_in(quarters))
    scope, params = scope_filter(user, "p.provider_agb")
    where = [scope]
    if provider_agb is not None:
        where.append("p.provider_agb = ?")
        params.append(provider_agb)
    if category is not None:
        where.append("p.category = ?")
        params.append(category)
    firsts = ", ".join(
        f"min(accepted_at) FILTER (WHERE table_name = '{t}') AS {t}_at" for t in TABLES
    )
    count = " + ".join(f"CAST({t}_at IS NOT NULL AS INTEGER)" for t in TABLES)
    names = ", ".join(f"CASE WHEN {t}_at IS NOT NULL THEN '{t}' END" for t in sorted(TABLES))
    stamps = ", ".join(f"{t}_at" for t in TABLES)
    con.register("status_calendar", calendar.to_arrow())
    try:
        frame = con.execute(
            f"""
            WITH due AS (
                SELECT p.provider_agb, p.name, p.category, c.quarter, c.deadline
                FROM providers p JOIN status_calendar c
                  ON (p.contract_start IS NULL OR c.quarter_end >= p.contract_start)
                 AND (p.contract_end IS NULL OR c.quarter_start <= p.contract_end)
                WHERE {" AND ".join(where)}
            ),
            delivered AS (
                -- the first acceptance of each table: a later correction does not count
                SELECT provider_agb, quarter,
                       {firsts}
                FROM table_versions
                WHERE provider_agb IN (SELECT provider_agb FROM due)
                  AND quarter IN (SELECT quarter FROM status_calendar)
                GROUP BY provider_agb, quarter
            ),
            counted AS (
                SELECT provider_agb, quarter,
                       {count} AS tables,
                       concat_ws(', ', {names}) AS tables_delivered,
                       greatest({stamps}) AS completed_at
                FROM delivered
            )
            SELECT d.provider_agb, d.name, d.category, d.quarter, d.deadline,
                   coalesce(x.tables, 0) AS tables_delivered_count,
                   x.tables_delivered,
                   CASE WHEN x.tables = {len(TABLES)} THEN x.completed_at END AS completed_at,
                   CASE
                     WHEN x.tables = {len(TABLES)}
                          AND x.completed_at < d.deadline + INTERVAL 1 DAY THEN '{COMPLETE}'
                     WHEN x.tables = {len(TABLES)} THEN '{LATE}'
                     WHEN d.deadline >= ? THEN '{PENDING}'
                     WHEN x.tables > 0 THEN '{INCOMPLETE}'
                     ELSE '{MISSING}'
                   END AS status
            FROM due d LEFT JOIN counted x USING (provider_agb, quarter)
            ORDER BY d.provider_agb, d.quarter
            """,
            [*params, as_of],
        ).pl()
    finally:
        con.unregister("status_calendar")
    return frame.with_columns(
        pl.when(pl.col("status") == LATE)
        .then((pl.col("completed_at").dt.date() - pl.col("deadline")).dt.total_days())
        .otherwise(None)
        .alias("days_late"),
    )


def delivery_status(
    db: Database, user: User, as_of: date | None = None, **filters: Any
) -> pl.DataFrame:
    """One row per provider and quarter within its contract.

    Columns: provider_agb, name, category, quarter, deadline, tables_delivered_count,
    tables_delivered ("offer, population, results"), completed_at, status (see module docstring),
    days_late. Filters: provider_agb, category, quarters, first_quarter, deadline_days.
    `as_of` (default today) decides which quarters have ended and which deadlines have passed.
    """
    with db.connection() as con:
        return delivery_status_in(con, user, as_of, **filters)


def delivery_status_grid(
    db: Database, user: User, as_of: date | None = None, **filters: Any
) -> pl.DataFrame:
    """Providers as rows, quarters as columns (newest last), the status in each cell.

    A quarter outside a provider's contract is null.
    """
    status = delivery_status(db, user, as_of, **filters)
    if status.is_empty():
        return status.select("provider_agb", "name", "category")
    grid = status.pivot(
        on="quarter", index=["provider_agb", "name", "category"], values="status", sort_columns=True
    )
    return grid.sort("provider_agb")


def delivery_summary(
    db: Database, user: User, as_of: date | None = None, **filters: Any
) -> pl.DataFrame:
    """Per quarter: how many provider-quarters in each status, and the on-time share.

    on_time_share = complete / (complete + late + incomplete + missing) (pending not counted).
    """
    return summary_from_status(delivery_status(db, user, as_of, **filters))


def summary_from_status(status: pl.DataFrame) -> pl.DataFrame:
    """`delivery_summary` from a `delivery_status` frame the caller already has."""
    counts = (
        status.group_by("quarter")
        .agg(*[(pl.col("status") == s).sum().alias(s) for s in STATUSES])
        .sort("quarter")
    )
    due = pl.col(COMPLETE) + pl.col(LATE) + pl.col(INCOMPLETE) + pl.col(MISSING)
    return counts.with_columns(
        pl.when(due > 0).then(pl.col(COMPLETE) / due).otherwise(None).alias("on_time_share")
    )


def delivery_timeliness(
    db: Database, user: User, as_of: date | None = None, **filters: Any
) -> pl.DataFrame:
    """The delivery-timeliness KPI per provider: quarters due, on time, share on time."""
    return timeliness_from_status(delivery_status(db, user, as_of, **filters))


def timeliness_from_status(status: pl.DataFrame) -> pl.DataFrame:
    """`delivery_timeliness` from a `delivery_status` frame the caller already has."""
    status = status.filter(pl.col("status") != PENDING)
    return (
        status.group_by("provider_agb", "name", "category")
        .agg(
            pl.len().alias("quarters_due"),
            (pl.col("status") == COMPLETE).sum().alias("on_time"),
            (pl.col("status") == LATE).sum().alias("late"),
            pl.col("status").is_in(OVERDUE).sum().alias("overdue"),
        )
        .with_columns(
            (pl.col("on_time") / pl.col("quarters_due")).alias("on_time_share"),
        )
        .sort("provider_agb")
    )
