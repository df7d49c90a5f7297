"""The mirror report (spiegelrapport): a provider's own KPIs next to its category and the region.

Comparison groups exclude the provider itself. A group's value is sums first, then divide: the
numerators and the denominators of *every* other provider in the group with data for that KPI
and quarter are added up (a provider without bed clients still brings its ambulant clients to
the ambulant/bed ratio), from the per-provider sums that `kpis.kpi_values` computes in DuckDB.

Disclosure control (both rules are explained on the page and in the PDF; settings in
`defaults.toml`, section `[mirror]`): a comparison is suppressed (value null, with the reason)

- `few_providers`: when fewer than `MIN_OTHER_PROVIDERS` (3) other providers have data for the
  KPI in that quarter (a numerator or a denominator above zero);
- `dominant`: when one other provider holds more than `MAX_DOMINANT_SHARE` (80%) of the group's
  volume — its denominator, or for a count KPI (the waiting list) its numerator — because the
  aggregate would then all but give away that provider's value.

Spread: the provider's rank within its category (1 = best, following the KPI's direction) among
the category's providers with a value, and its quartile (1 = best quarter), only where at least
`MIN_OTHER_PROVIDERS` other providers have a value.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from impactmonitor.access import SYSTEM_USER, User, require
from impactmonitor.config import defaults
from impactmonitor.kpis import KPI_KEYS, KPIS, kpi_values
from impactmonitor.storage import Database

_SETTINGS = defaults().get("mirror", {})
MIN_OTHER_PROVIDERS: int = int(_SETTINGS.get("min_other_providers", 3))
MAX_DOMINANT_SHARE: float = float(_SETTINGS.get("max_dominant_share", 0.80))
# Quarters shown in a mirror report: the chosen quarter and the ones before it.
WINDOW_QUARTERS = 8
FEW_PROVIDERS, DOMINANT = "few_providers", "dominant"

_COUNT_KPIS = [k.key for k in KPIS if k.unit == "count"]
_HIGHER_KPIS = [k.key for k in KPIS if k.direction == "higher"]


def mirror_window(quarter: str) -> tuple[str, ...]:
    """The quarters of a mirror report ending at `quarter`."""
    from impactmonitor.quarters import shift

    return tuple(shift(quarter, -i) for i in range(WINDOW_QUARTERS - 1, -1, -1))


def _comparison(
    others: pl.DataFrame, level: str, min_providers: int, max_share: float
) -> pl.DataFrame:
    """Per quarter and KPI: the group's sums, value, provider count and suppression reason."""
    # The volume a provider brings to the comparison (see the module docstring).
    volume = (
        pl.when(pl.col("kpi").is_in(_COUNT_KPIS))
        .then(pl.col("numerator"))
        .otherwise(pl.col("denominator"))
        .fill_null(0)
    )
    has_data = (pl.col("numerator").fill_null(0) != 0) | (pl.col("denominator").fill_null(0) != 0)
    grouped = (
        others.with_columns(volume.alias("_volume"))
        .group_by("quarter", "kpi")
        .agg(
            pl.col("numerator").fill_null(0).sum().alias("_numerator"),
            pl.col("denominator").fill_null(0).sum().alias("_denominator"),
            pl.col("provider_agb").filter(has_data).n_unique().alias("providers"),
            pl.col("_volume").max().alias("_largest"),
            pl.col("_volume").sum().alias("_total"),
        )
    )
    reason = (
        pl.when(pl.col("providers") < min_providers)
        .then(pl.lit(FEW_PROVIDERS))
        .when((pl.col("_total") > 0) & (pl.col("_largest") > max_share * pl.col("_total")))
        .then(pl.lit(DOMINANT))
        .otherwise(pl.lit(None, pl.String))
    )
    return grouped.with_columns(reason.alias("_reason")).select(
        "quarter",
        "kpi",
        pl.when(pl.col("_reason").is_null() & (pl.col("_denominator") > 0))
        .then(pl.col("_numerator") / pl.col("_denominator"))
        .alias(f"{level}_value"),
        pl.when(pl.col("_reason").is_null()).then(pl.col("_numerator")).alias(f"{level}_numerator"),
        pl.when(pl.col("_reason").is_null())
        .then(pl.col("_denominator"))
        .alias(f"{level}_denominator"),
        pl.col("providers").alias(f"{level}_providers"),
        pl.col("_reason").is_not_null().alias(f"{level}_suppressed"),
        pl.col("_reason").alias(f"{level}_suppression"),
    )


def _ranks(members: pl.DataFrame, provider_agb: str, min_providers: int) -> pl.DataFrame:
    """Rank and quartile of `provider_agb` among the category members with a value."""
    valued = members.filter(pl.col("value").is_not_null())
    # Rank 1 is the best value: highest for "higher is better", lowest otherwise.
    score = (
        pl.when(pl.col("kpi").is_in(_HIGHER_KPIS)).then(-pl.col("value")).otherwise(pl.col("value"))
    )
    ranked = valued.with_columns(
        score.rank("min").over("quarter", "kpi").cast(pl.Int64).alias("_rank"),
        pl.len().over("quarter", "kpi").cast(pl.Int64).alias("_of"),
    ).filter(pl.col("provider_agb") == provider_agb)
    enough = pl.col("_of") - 1 >= min_providers
    return ranked.select(
        "quarter",
        "kpi",
        pl.when(enough).then(pl.col("_rank")).alias("category_rank"),
        pl.when(enough).then(pl.col("_of")).alias("category_ranked"),
        # ceil(4 · rank / ranked): quartile 1 holds the best quarter of the providers.
        pl.when(enough)
        .then((4 * pl.col("_rank") + pl.col("_of") - 1) // pl.col("_of"))
        .alias("category_quartile"),
    )


def mirror_report(
    db: Database,
    user: User,
    provider_agb: str,
    quarters: Sequence[str] | None = None,
    kpis: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Per quarter and KPI: own value, category and region comparison (others only), rank.

    Columns: quarter, kpi, value, numerator, denominator, category, then for `category` and
    `region`: {level}_value, {level}_numerator, {level}_denominator (null when suppressed),
    {level}_providers (others with data), {level}_suppressed (bool), {level}_suppression
    ("few_providers" / "dominant" / null); category_rank, category_ranked (providers ranked,
    own included), category_quartile (null where fewer than MIN_OTHER_PROVIDERS others have a
    value). `quarters` and `kpis` (keys) limit the report (None = all). Refused (AccessDenied)
    for a provider user asking about another provider.
    """
    require(user, "read_provider_data", provider_agb)
    category = db.scalar("SELECT category FROM providers WHERE provider_agb = ?", [provider_agb])
    own = kpi_values(
        db,
        user,
        ("provider_agb", "quarter"),
        provider_agbs=[provider_agb],
        quarters=quarters,
        kpis=kpis,
    )
    # The comparison needs other providers' sums: computed as the region, exposed only as
    # aggregates that pass both disclosure rules, and as the own rank.
    everyone = kpi_values(
        db, SYSTEM_USER, ("provider_agb", "category", "quarter"), quarters=quarters, kpis=kpis
    )
    others = everyone.filter(pl.col("provider_agb") != provider_agb)
    category_part = _comparison(
        others.filter(pl.col("category") == category),
        "category",
        MIN_OTHER_PROVIDERS,
        MAX_DOMINANT_SHARE,
    )
    region_part = _comparison(others, "region", MIN_OTHER_PROVIDERS, MAX_DOMINANT_SHARE)
    ranks = _ranks(
        everyone.filter(pl.col("category") == category), provider_agb, MIN_OTHER_PROVIDERS
    )
    order = pl.DataFrame({"kpi": list(KPI_KEYS), "_order": list(range(len(KPI_KEYS)))})
    return (
        own.select("quarter", "kpi", "numerator", "denominator", "value")
        .join(category_part, on=["quarter", "kpi"], how="left")
        .join(region_part, on=["quarter", "kpi"], how="left")
        .join(ranks, on=["quarter", "kpi"], how="left")
        .with_columns(
            pl.lit(category).alias("category"),
            # A group without any other provider's rows: nobody to compare with.
            *(
                expression
                for level in ("category", "region")
                for expression in (
                    pl.col(f"{level}_providers").fill_null(0),
                    pl.col(f"{level}_suppressed").fill_null(True),
                    pl.when(pl.col(f"{level}_providers").is_null())
                    .then(pl.lit(FEW_PROVIDERS))
                    .otherwise(pl.col(f"{level}_suppression"))
                    .alias(f"{level}_suppression"),
                )
            ),
        )
        .join(order, on="kpi", how="left")
        .sort("quarter", "_order")
        .drop("_order")
    )


# ---- how the comparison reads (page, PDF) ------------------------------------------------------


def rules_text(lang: str = "nl") -> str:
    """The explanation of the comparison and of both disclosure rules."""
    from impactmonitor.i18n import text

    return text(
        "mirror_explanation",
        lang,
        minimum=MIN_OTHER_PROVIDERS,
        share=f"{MAX_DOMINANT_SHARE * 100:.0f}%",
    )


def comparison_text(
    value: float | None, suppression: str | None, unit: str, lang: str = "nl"
) -> str:
    """A category/region value as users read it, or why it is not shown."""
    from impactmonitor.formatting import format_kpi
    from impactmonitor.i18n import text

    if suppression is not None:
        return text(
            f"mirror_suppressed_{suppression}",
            lang,
            minimum=MIN_OTHER_PROVIDERS,
            share=f"{MAX_DOMINANT_SHARE * 100:.0f}%",
        )
    return format_kpi(value, unit, lang)


def rank_text(rank: int | None, ranked: int | None, quartile: int | None, lang: str = "nl") -> str:
    """'2 van 6 (kwartiel 1)', or '–' where no rank is shown."""
    from impactmonitor.i18n import text

    if rank is None or ranked is None or quartile is None:
        return "–"
    return text("mirror_rank_value", lang, rank=rank, ranked=ranked, quartile=quartile)
