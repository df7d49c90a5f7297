"""The mirror report (spiegelrapport): a provider's own KPIs next to its category and the region.

Other providers appear only as aggregates, and an aggregate is shown only when at least
`MIN_OTHER_PROVIDERS` *other* providers contribute to it (a denominator above zero for that KPI
and quarter); otherwise it is suppressed with the reason, so that no single provider's values can
be derived. The comparison groups exclude the provider itself. Aggregation is sums first, then
divide, from the per-provider sums that `kpis.kpi_values` computes in DuckDB.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from impactmonitor.access import SYSTEM_USER, User, require
from impactmonitor.kpis import KPI_KEYS, kpi_values
from impactmonitor.storage import Database

MIN_OTHER_PROVIDERS = 3
# Quarters shown in a mirror report: the chosen quarter and the ones before it.
WINDOW_QUARTERS = 8


def mirror_window(quarter: str) -> tuple[str, ...]:
    """The quarters of a mirror report ending at `quarter`."""
    from impactmonitor.quarters import shift

    return tuple(shift(quarter, -i) for i in range(WINDOW_QUARTERS - 1, -1, -1))


def _comparison(per_provider: pl.DataFrame, level: str) -> pl.DataFrame:
    contributing = pl.col("denominator").fill_null(0) > 0
    grouped = per_provider.group_by("quarter", "kpi").agg(
        pl.col("numerator").filter(contributing).sum().alias("numerator"),
        pl.col("denominator").filter(contributing).sum().alias("denominator"),
        pl.col("provider_agb").filter(contributing).n_unique().alias("providers"),
    )
    enough = pl.col("providers") >= MIN_OTHER_PROVIDERS
    return grouped.select(
        "quarter", "kpi",
        pl.when(enough).then(pl.col("numerator") / pl.col("denominator")).alias(f"{level}_value"),
        pl.col("providers").alias(f"{level}_providers"),
        (~enough).alias(f"{level}_suppressed"),
    )


def mirror_report(db: Database, user: User, provider_agb: str,
                  quarters: Sequence[str] | None = None,
                  kpis: Sequence[str] | None = None) -> pl.DataFrame:
    """Per quarter and KPI: own value and status, category value and region value (others only).

    Columns: quarter, kpi, value, numerator, denominator, category, category_value,
    category_providers, category_suppressed, region_value, region_providers, region_suppressed.
    `quarters` and `kpis` (keys) limit the report (None = all). Refused (AccessDenied) for a
    provider user asking about another provider.
    """
    require(user, "read_provider_data", provider_agb)
    category = db.scalar("SELECT category FROM providers WHERE provider_agb = ?", [provider_agb])
    own = kpi_values(db, user, ("provider_agb", "quarter"), provider_agbs=[provider_agb],
                     quarters=quarters, kpis=kpis)
    # The comparison needs other providers' sums: computed as the region, exposed only as
    # aggregates over at least MIN_OTHER_PROVIDERS others.
    everyone = kpi_values(db, SYSTEM_USER, ("provider_agb", "category", "quarter"),
                          quarters=quarters, kpis=kpis)
    others = everyone.filter(pl.col("provider_agb") != provider_agb)
    category_part = _comparison(others.filter(pl.col("category") == category), "category")
    region_part = _comparison(others, "region")
    order = pl.DataFrame({"kpi": list(KPI_KEYS), "_order": list(range(len(KPI_KEYS)))})
    return (
        own.select("quarter", "kpi", "numerator", "denominator", "value")
        .join(category_part, on=["quarter", "kpi"], how="left")
        .join(region_part, on=["quarter", "kpi"], how="left")
        .with_columns(pl.lit(category).alias("category"))
        .join(order, on="kpi", how="left")
        .sort("quarter", "_order")
        .drop("_order")
    )
