"""Norms: green/amber thresholds per KPI, optionally per category, with their history.

Defaults live in the repository (`defaults.toml`, section `[norms]`), valid from the beginning.
Changes made on the admin page are appended to the `norm_changes` table with who, when, why and
the quarter from which they are valid; nothing is overwritten, so a quarter is always judged by
the norm that was valid for it (an old quarter keeps its old norm).

Which norm applies to (KPI, category, quarter):
1. the newest category-specific version valid in that quarter (`valid_from <= quarter`; among
   versions with the same `valid_from`, the one recorded last), unless it is withdrawn;
2. otherwise the newest general version valid in that quarter, unless it is withdrawn;
3. otherwise no norm (status None).
A version with both thresholds empty withdraws the norm (for a category: back to the general one).

Status of a value (`classify`): "n<10" when the denominator is below `min_n` (default 10); else,
for a KPI where higher is better, green when value >= green threshold, amber when >= amber, red
otherwise (lower is better: <= green, <= amber). A value exactly on a threshold gets the better
status. Every status carries the norm it used (thresholds, valid_from, source, a text).

Public API:
- `classify(value, n, direction, green, amber, min_n=True) -> str | None`
- `judge(frame, versions, category_column="category") -> frame + status and norm columns`
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
from impactmonitor.config import defaults
from impactmonitor.quarters import parse_quarter
from impactmonitor.storage import Database, append_audit
from schemas.reference import CATEGORIES

GREEN, AMBER, RED, BELOW_MIN_N = "green", "amber", "red", "n<10"
# Set by the KPI queries where a KPI does not apply at all (kpis.Kpi.applies_when): "n.v.t.".
NOT_APPLICABLE = "n/a"
STATUSES = (GREEN, AMBER, RED, BELOW_MIN_N)
DEFAULT_VALID_FROM = "2000Q1"  # defaults are valid from the beginning of any data
# Float division may land a hair off a threshold that is exact in decimal (e.g. 0.7).
_EPSILON = 1e-9

_VERSION_SCHEMA = {
    "kpi": pl.String,
    "category": pl.String,
    "valid_from": pl.String,
    "green": pl.Float64,
    "amber": pl.Float64,
    "changed_at": pl.Datetime("us"),
    "changed_by": pl.String,
    "reason": pl.String,
    "source": pl.String,
}


def min_n() -> int:
    return int(defaults()["norms"].get("min_n", 10))


def default_norms() -> pl.DataFrame:
    """The repository defaults as norm versions (valid from `DEFAULT_VALID_FROM`)."""
    rows = []
    for key, entry in defaults()["norms"].items():
        if not isinstance(entry, dict):
            continue  # settings such as min_n
        rows.append(
            {"kpi": key, "category": None, "green": entry.get("green"), "amber": entry.get("amber")}
        )
        for category, specific in entry.get("category", {}).items():
            rows.append(
                {
                    "kpi": key,
                    "category": category,
                    "green": specific.get("green"),
                    "amber": specific.get("amber"),
                }
            )
    frame = pl.DataFrame(
        rows,
        schema={"kpi": pl.String, "category": pl.String, "green": pl.Float64, "amber": pl.Float64},
    )
    return frame.with_columns(
        pl.lit(DEFAULT_VALID_FROM).alias("valid_from"),
        pl.lit(None, pl.Datetime("us")).alias("changed_at"),
        pl.lit(None, pl.String).alias("changed_by"),
        pl.lit(None, pl.String).alias("reason"),
        pl.lit("default").alias("source"),
    ).select(list(_VERSION_SCHEMA))


def norm_versions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every norm version: the defaults plus every recorded change (source "changed")."""
    changes = con.execute(
        "SELECT kpi, category, valid_from, green, amber, changed_at, changed_by, reason, "
        "'changed' AS source FROM norm_changes"
    ).pl()
    changes = (
        changes.cast(_VERSION_SCHEMA) if changes.height else pl.DataFrame(schema=_VERSION_SCHEMA)
    )
    return pl.concat([default_norms(), changes])


# ---- judging values ------------------------------------------------------------------------------


def classify(
    value: float | None,
    n: float | None,
    direction: str,
    green: float | None,
    amber: float | None,
    apply_min_n: bool = True,
) -> str | None:
    """The status of one value (see the module docstring). None: no norm or no value."""
    if apply_min_n and (n is None or n < min_n()):
        return BELOW_MIN_N
    if value is None or green is None:
        return None
    amber = green if amber is None else amber
    if direction == "higher":
        if value >= green - _EPSILON:
            return GREEN
        return AMBER if value >= amber - _EPSILON else RED
    if value <= green + _EPSILON:
        return GREEN
    return AMBER if value <= amber + _EPSILON else RED


def _status_expression(threshold: int) -> pl.Expr:
    value, green = pl.col("value"), pl.col("norm_green")
    amber = pl.coalesce(pl.col("norm_amber"), green)
    higher = pl.col("direction") == "higher"
    below = pl.col("min_n") & (
        pl.col("denominator").is_null() | (pl.col("denominator") < threshold)
    )
    return (
        pl.when(below)
        .then(pl.lit(BELOW_MIN_N))
        .when(value.is_null() | green.is_null())
        .then(pl.lit(None, pl.String))
        .when(higher & (value >= green - _EPSILON))
        .then(pl.lit(GREEN))
        .when(higher & (value >= amber - _EPSILON))
        .then(pl.lit(AMBER))
        .when(higher)
        .then(pl.lit(RED))
        .when(value <= green + _EPSILON)
        .then(pl.lit(GREEN))
        .when(value <= amber + _EPSILON)
        .then(pl.lit(AMBER))
        .otherwise(pl.lit(RED))
    )


def _latest(candidates: pl.DataFrame) -> pl.DataFrame:
    return candidates.sort("valid_from", "changed_at", nulls_last=False).group_by("_key").last()


def _resolve(keys: pl.DataFrame, versions: pl.DataFrame) -> pl.DataFrame:
    """The norm in effect for each distinct (kpi, quarter, _category) in `keys`."""
    keys = keys.with_row_index("_key")
    candidates = keys.join(versions, on="kpi", how="inner").filter(
        pl.col("valid_from") <= pl.col("quarter")
    )
    specific = _latest(candidates.filter(pl.col("category") == pl.col("_category")))
    specific = specific.filter(pl.col("green").is_not_null() | pl.col("amber").is_not_null())
    general = _latest(candidates.filter(pl.col("category").is_null()))
    general = general.filter(~pl.col("_key").is_in(specific["_key"].implode()))
    chosen = (
        pl.concat([specific, general])
        .filter(pl.col("green").is_not_null() | pl.col("amber").is_not_null())
        .select(
            "_key",
            pl.col("green").alias("norm_green"),
            pl.col("amber").alias("norm_amber"),
            pl.col("valid_from").alias("norm_valid_from"),
            pl.col("category").alias("norm_category"),
            pl.when(pl.col("source") == "default")
            .then(pl.lit("default"))
            .otherwise(
                pl.format(
                    "changed {} by {}",
                    pl.col("changed_at").dt.strftime("%Y-%m-%d"),
                    pl.col("changed_by"),
                )
            )
            .alias("norm_source"),
        )
    )
    return keys.join(chosen, on="_key", how="left").drop("_key")


def judge(
    frame: pl.DataFrame, versions: pl.DataFrame, category_column: str = "category"
) -> pl.DataFrame:
    """Add the norm in effect and the status to each row of `frame`.

    `frame` needs kpi, quarter, value, denominator, direction ("higher"/"lower"), min_n (bool)
    and the category column (null = judge by the general norm). Adds norm_green, norm_amber,
    norm_valid_from, norm_source ("default" or "changed <date> by <who>"), norm (one line of
    text, e.g. "green >= 0.7, amber >= 0.6 (default)") and status.
    """
    frame = frame.with_columns(pl.col(category_column).alias("_category"))
    # Resolve once per distinct (kpi, quarter, category), then join: frames have thousands of
    # rows but only a few dozen distinct keys.
    norms = _resolve(frame.select("kpi", "quarter", "_category").unique(), versions)
    judged = frame.join(
        norms,
        on=["kpi", "quarter", "_category"],
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    sign = pl.when(pl.col("direction") == "higher").then(pl.lit(">=")).otherwise(pl.lit("<="))
    text = pl.format(
        "green {} {}, amber {} {} ({}{})",
        sign,
        pl.col("norm_green"),
        sign,
        pl.coalesce(pl.col("norm_amber"), pl.col("norm_green")),
        pl.col("norm_source"),
        pl.when(pl.col("norm_category").is_not_null())
        .then(pl.format(", category {}", pl.col("norm_category")))
        .otherwise(pl.lit("")),
    )
    return judged.with_columns(
        pl.when(pl.col("norm_green").is_null())
        .then(pl.lit(None, pl.String))
        .otherwise(text)
        .alias("norm"),
        _status_expression(min_n()).alias("status"),
    ).drop("_category", "norm_category")


# ---- reading and changing norms ------------------------------------------------------------------


def norms_in_effect(db: Database, quarter: str) -> pl.DataFrame:
    """The norm per KPI and category (None = general) valid in `quarter` (admin page)."""
    from impactmonitor.kpis import KPIS  # kpis imports this module

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
    from impactmonitor.kpis import kpi as kpi_definition  # kpis imports this module

    require(user, "edit_norms")
    definition = kpi_definition(kpi)
    quarter = parse_quarter(valid_from)
    if quarter is None:
        raise ValueError(f"valid_from is not a quarter: {valid_from!r}")
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    if (green is None) != (amber is None):
        raise ValueError("give both thresholds, or neither to withdraw the norm")
    if green is not None and amber is not None:
        if definition.direction == "higher" and amber > green:
            raise ValueError("higher is better: the amber threshold cannot be above green")
        if definition.direction == "lower" and amber < green:
            raise ValueError("lower is better: the amber threshold cannot be below green")
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
