"""Norms over the database: their history, the norms in effect, recording a change.

The definitions (defaults, the status rule, which norm applies, checking a change) live in
`impactmonitor.definitions.norms` and are importable from here as before. Changes made on the
admin page are appended to the `norm_changes` table with who, when, why and the quarter from
which they are valid; nothing is overwritten, so a quarter is always judged by the norm that was
valid for it (an old quarter keeps its old norm).

Public API (besides the definitions):
- `norm_versions(con) -> DataFrame` (defaults + every change), `norms_in_effect(db, quarter)`
- `norm_history(db) -> DataFrame`, `set_norm(db, user, kpi, green=, amber=, valid_from=, ...)`
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import duckdb
import polars as pl

from impactmonitor.access import User, require
from impactmonitor.definitions.kpis import KPIS
from impactmonitor.definitions.kpis import kpi as kpi_definition
from impactmonitor.definitions.norms import (
    _VERSION_SCHEMA,
    AMBER,
    BELOW_MIN_N,
    DEFAULT_VALID_FROM,
    GREEN,
    NOT_APPLICABLE,
    RED,
    STATUS_RULE,
    STATUSES,
    classify,
    default_norms,
    judge,
    min_n,
    norm_change_problem,
    status_expression,
)
from impactmonitor.quarters import parse_quarter
from impactmonitor.storage import Database, append_audit
from schemas.reference import CATEGORIES

__all__ = [
    "AMBER",
    "BELOW_MIN_N",
    "DEFAULT_VALID_FROM",
    "GREEN",
    "NOT_APPLICABLE",
    "RED",
    "STATUSES",
    "STATUS_RULE",
    "classify",
    "default_norms",
    "judge",
    "min_n",
    "norm_change_problem",
    "norm_history",
    "norm_versions",
    "norms_in_effect",
    "set_norm",
    "status_expression",
]
# Why `set_norm` refuses a change (for the programmer; the admin page shows the translated key).
_REFUSALS = {
    "cell_bad_quarter": "valid_from is not a quarter: {valid_from!r}",
    "norms_both_or_none": "give both thresholds, or neither to withdraw the norm",
    "norms_order_higher": "higher is better: the amber threshold cannot be above green",
    "norms_order_lower": "lower is better: the amber threshold cannot be below green",
}


def norm_versions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every norm version: the defaults plus every recorded change (source "changed")."""
    changes = con.execute(
        "SELECT kpi, category, valid_from, green, amber, changed_at, changed_by, reason, "
        "'changed' AS source FROM norm_changes"
    ).pl()
    # polars types the keys of cast's mapping as str | selector | dtype, and Mapping's keys are
    # invariant: a dict[str, dtype], which cast accepts, never matches.
    changes = (
        changes.cast(_VERSION_SCHEMA)  # type: ignore[arg-type]
        if changes.height
        else pl.DataFrame(schema=_VERSION_SCHEMA)
    )
    return pl.concat([default_norms(), changes])


# ---- reading and changing norms ------------------------------------------------------------------


def norms_in_effect(db: Database, quarter: str) -> pl.DataFrame:
    """The norm per KPI and category (None = general) valid in `quarter` (admin page)."""
    grid = pl.DataFrame(
        [
            {
                "kpi": k.key,
                "category": category,
                "quarter": quarter,
                "value": None,
                "denominator": None,
                "direction": k.direction,
                "min_n": False,
            }
            for k in KPIS
            for category in (None, *CATEGORIES)
        ],
        schema={
            "kpi": pl.String,
            "category": pl.String,
            "quarter": pl.String,
            "value": pl.Float64,
            "denominator": pl.Int64,
            "direction": pl.String,
            "min_n": pl.Boolean,
        },
    )
    with db.connection() as con:
        versions = norm_versions(con)
    return judge(grid, versions).select(
        "kpi",
        "category",
        "direction",
        "norm_green",
        "norm_amber",
        "norm_valid_from",
        "norm_source",
        "norm",
    )


def norm_history(db: Database) -> pl.DataFrame:
    """Every recorded norm change, newest first (the defaults are in `default_norms()`)."""
    return db.query(
        "SELECT change_id, kpi, category, valid_from, green, amber, changed_at, changed_by, "
        "reason FROM norm_changes ORDER BY changed_at DESC, kpi"
    )


def set_norm(
    db: Database,
    user: User,
    kpi: str,
    *,
    green: float | None,
    amber: float | None,
    valid_from: str,
    category: str | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> str:
    """Record a norm change valid from quarter `valid_from` (administrators only; audited).

    green and amber both None withdraws the norm. Raises AccessDenied or ValueError.
    Returns the change id.
    """
    require(user, "edit_norms")
    definition = kpi_definition(kpi)
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    problem = norm_change_problem(definition.direction, valid_from, green, amber)
    if problem is not None:
        raise ValueError(_REFUSALS[problem].format(valid_from=valid_from))
    quarter = parse_quarter(valid_from)
    change_id = uuid.uuid4().hex[:16]
    at = at or datetime.now().replace(microsecond=0)
    with db.transaction() as con:
        con.execute(
            "INSERT INTO norm_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [change_id, kpi, category, quarter, green, amber, at, user.username, reason],
        )
        details: dict[str, Any] = {
            "change_id": change_id,
            "kpi": kpi,
            "category": category,
            "valid_from": quarter,
            "green": green,
            "amber": amber,
            "reason": reason,
        }
        append_audit(
            con,
            user.username,
            "norm_changed",
            None,
            quarter,
            json.dumps(details, ensure_ascii=False),
            at=at,
        )
    return change_id
