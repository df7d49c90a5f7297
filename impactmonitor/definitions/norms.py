"""Norm definitions: defaults, the status rule, and which norm applies; nothing executed.

Defaults live in the repository (`defaults.toml`, section `[norms]`), valid from the beginning;
changes are recorded by `impactmonitor.norms` (the database side). Which norm applies to (KPI,
category, quarter), given every version:
1. the newest category-specific version valid in that quarter (`valid_from <= quarter`; among
   versions with the same `valid_from`, the one recorded last), unless it is withdrawn;
2. otherwise the newest general version valid in that quarter, unless it is withdrawn;
3. otherwise no norm (status None).
A version with both thresholds empty withdraws the norm (for a category: back to the general one).

Status of a value (`STATUS_RULE`, one declarative rule): "n<10" when the denominator is below
`min_n` (default 10); else, for a KPI where higher is better, green when value >= green
threshold, amber when >= amber, red otherwise (lower is better: <= green, <= amber). A value
exactly on a threshold gets the better status. Every status carries the norm it used
(thresholds, valid_from, source, a text).

Public API: `STATUS_RULE`, `status_expression(threshold)`, `classify(value, n, direction, green,
amber, apply_min_n=True)`, `judge(frame, versions, category_column="category")`,
`default_norms()`, `min_n()`, `norm_change_problem(direction, valid_from, green, amber, reason)`.

A leaf module: no database, no storage (tests/test_layout.py).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from polars.expr.whenthen import ChainedThen, Then

from impactmonitor.config import defaults
from impactmonitor.quarters import parse_quarter

GREEN, AMBER, RED, BELOW_MIN_N = "green", "amber", "red", "n<10"
# Set by the KPI queries where a KPI does not apply at all (kpis.Kpi.applies_when): "n.v.t.".
NOT_APPLICABLE = "n/a"
STATUSES = (GREEN, AMBER, RED, BELOW_MIN_N)
DEFAULT_VALID_FROM = "2000Q1"  # defaults are valid from the beginning of any data
# Float division may land a hair off a threshold that is exact in decimal (e.g. 0.7).
_EPSILON = 1e-9

_VERSION_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
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


# ---- judging values ------------------------------------------------------------------------------


# The status rule, once, as data: the first row whose condition holds gives the status. Each
# condition is a function of the columns (value, green, amber, higher, below_min_n), so the same
# rows build the polars expression of `judge` (every page, export and report) and, through it,
# `classify` for one value; there is no second copy of the rule to keep equal.
# A value exactly on a threshold gets the better status; float division may land a hair off a
# threshold that is exact in decimal (`_EPSILON`).
StatusCondition = Callable[[pl.Expr, pl.Expr, pl.Expr, pl.Expr, pl.Expr], pl.Expr]
STATUS_RULE: tuple[tuple[str | None, StatusCondition], ...] = (
    (BELOW_MIN_N, lambda value, green, amber, higher, below: below),
    (None, lambda value, green, amber, higher, below: value.is_null() | green.is_null()),
    (GREEN, lambda value, green, amber, higher, below: higher & (value >= green - _EPSILON)),
    (AMBER, lambda value, green, amber, higher, below: higher & (value >= amber - _EPSILON)),
    (RED, lambda value, green, amber, higher, below: higher),
    (GREEN, lambda value, green, amber, higher, below: value <= green + _EPSILON),
    (AMBER, lambda value, green, amber, higher, below: value <= amber + _EPSILON),
    (RED, lambda value, green, amber, higher, below: pl.lit(True)),
)


def status_expression(threshold: int) -> pl.Expr:
    """The status (`STATUS_RULE`) of each row with value, denominator, direction, min_n (bool),
    norm_green and norm_amber (empty amber = the green threshold)."""
    value, green = pl.col("value"), pl.col("norm_green")
    amber = pl.coalesce(pl.col("norm_amber"), green)
    higher = pl.col("direction") == "higher"
    below = pl.col("min_n") & (
        pl.col("denominator").is_null() | (pl.col("denominator") < threshold)
    )
    (status, condition), *rest = STATUS_RULE
    chain: Then | ChainedThen = pl.when(condition(value, green, amber, higher, below)).then(
        pl.lit(status, pl.String)
    )
    for status, condition in rest:
        chain = chain.when(condition(value, green, amber, higher, below)).then(
            pl.lit(status, pl.String)
        )
    return chain.otherwise(pl.lit(None, pl.String))


def classify(
    value: float | None,
    n: float | None,
    direction: str,
    green: float | None,
    amber: float | None,
    apply_min_n: bool = True,
) -> str | None:
    """The status of one value: `status_expression` on a frame of one row (see the module
    docstring). None: no norm or no value."""
    row = pl.DataFrame(
        {
            "value": [value],
            "denominator": [n],
            "direction": [direction],
            "min_n": [apply_min_n],
            "norm_green": [green],
            "norm_amber": [amber],
        },
        schema={
            "value": pl.Float64,
            "denominator": pl.Float64,
            "direction": pl.String,
            "min_n": pl.Boolean,
            "norm_green": pl.Float64,
            "norm_amber": pl.Float64,
        },
    )
    return row.select(status_expression(min_n())).item()


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
        status_expression(min_n()).alias("status"),
    ).drop("_category", "norm_category")


# ---- checking a norm change ----------------------------------------------------------------------


def _amber_beyond_green(direction: str, green: float, amber: float) -> bool:
    """Amber on the better side of green (amber must be the looser threshold)."""
    return amber > green if direction == "higher" else amber < green


def norm_change_problem(
    direction: str,
    valid_from: str,
    green: float | None,
    amber: float | None,
    reason: str | None = None,
) -> str | None:
    """The translation key of what is wrong with a norm change, or None when it can be recorded.

    Checked in this order: `valid_from` a quarter ("cell_bad_quarter"), both thresholds or
    neither ("norms_both_or_none"), amber on the worse side of green ("norms_order_higher" /
    "norms_order_lower"), and, when `reason` is given (the admin form), a reason that is not
    blank ("norms_reason_required"). The admin page shows the text; `norms.set_norm` refuses.
    """
    if parse_quarter(valid_from) is None:
        return "cell_bad_quarter"
    if (green is None) != (amber is None):
        return "norms_both_or_none"
    if green is not None and amber is not None and _amber_beyond_green(direction, green, amber):
        return "norms_order_" + direction
    if reason is not None and not reason.strip():
        return "norms_reason_required"
    return None
