"""The regional 30% target (SPEC sections 1 and 4): indexes, target path, projection, statement.

The definitions (the indexes, the settings, the target path, the line fit and the on-track rule)
live in `impactmonitor.definitions.target` and are importable from here; this module computes
the indexes from the database and assesses them.

Two indexes per quarter, each the number of clients in the quarter divided by the baseline:

- `short_residential`: clients in `residential_short` (target 0.70: 30% less);
- `foster_family`: clients in `foster_care` + `family_home` (target 1.30: 30% more).

Clients = clients_start + inflow (everyone in care during the quarter, as for the ambulant/bed
ratio). Baseline = the average quarter of the baseline year (default 2022): the clients summed over
the baseline year's quarters with data, divided by the number of those quarters.

Target path: index 1.0 up to the last quarter of the baseline year, then a straight line to the
target in the quarter of the target date (default 2025-12-31 -> 2025Q4); after that the path holds
the target, or, when a follow-up target is configured (`[target.follow_up]`), runs on in a straight
line to the follow-up target at its date.

Projection: least-squares straight line through the index of the last `projection_quarters`
(default 6) quarters with data, extended to the target quarter (or 4 quarters ahead once the target
date has passed and there is no follow-up target), with its uncertainty band: the 95% prediction
interval of the regression, ŷ ± t(0.975; n−2) · s · √(1 + 1/n + (x − x̄)²/Sxx), s² = Σ residual²
/ (n − 2) (no band with fewer than 3 points).

Statement per index:
- before the target quarter has data: on_track when the projection at the target quarter reaches
  the target, at_risk when it covers at least `at_risk_share` (default 75%) of the required change
  (target - 1), off_track otherwise;
- once the target quarter has data: met / near_miss / not_met at the target quarter — a near miss
  when the index falls short of the target by at most `near_miss` (default 0.01, one percentage
  point of the baseline), said with the clients it fell short by (ceil(target × baseline) −
  clients for an increase target) — and how the index moved since (latest quarter); then the
  follow-up target, when the region has set one (`[target.follow_up]`), with the same on-track
  assessment against it, or that none has been set yet.

Contributions: the change of the index against the baseline split over providers or
municipalities: contribution = (clients - own baseline) / regional baseline, so the contributions
add up to index - 1. Municipality codes merged away (Brielle, Hellevoetsluis, Westvoorne) count
for their successor (Voorne aan Zee), so the baseline and today compare the same area.

A provider user only gets indexes over its own rows (no region-wide figures leak); a
municipality user over its own municipalities' rows (of every provider), and contributions per
provider only when at least `access.MIN_PROVIDERS_SHOWN` providers are in them.

Public API: `target_config()`, `index_series(db, user, by=())`,
`target_series(db, user, config=None, lang="nl")`, `target_assessment(db, user, config=None,
lang="nl")`, `target_contributions(db, user, index, by="provider", quarter=None)`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import duckdb
import polars as pl

from impactmonitor.access import (
    User,
    population_filter,
    provider_figures_allowed,
    register_filter,
)
from impactmonitor.definitions.target import (
    INDEX_BY_KEY,
    INDEXES,
    Fit,
    Status,
    TargetConfig,
    _ordinal,
    fit_line,
    projection_status,
    reached,
    target_config,
    target_path,
)
from impactmonitor.definitions.target import (
    TargetIndex as TargetIndex,  # re-exported: the definitions are importable from here
)
from impactmonitor.definitions.target import (
    least_squares as least_squares,
)
from impactmonitor.i18n import text
from impactmonitor.kpis import sql_list, summary_connection
from impactmonitor.quarters import quarter_range, shift
from impactmonitor.storage import Database
from schemas.reference import current_codes, municipalities


def _clients(con: duckdb.DuckDBPyConnection, user: User, by: Sequence[str]) -> pl.DataFrame:
    """Clients per quarter (and `by`) for each index: by..., quarter, index, clients."""
    scope, params = population_filter(user, "s.provider_agb", "s.municipality_code")
    sums = ", ".join(
        f"sum(clients_start + inflow) FILTER (WHERE care_form IN ({sql_list(index.care_forms)}))"
        f' AS "{index.key}"'
        for index in INDEXES
    )
    care_forms = sql_list(sorted({cf for index in INDEXES for cf in index.care_forms}))
    dims = [("p." if name == "category" else "s.") + name for name in by]
    select_dims = "".join(f"{d} AS {name}, " for d, name in zip(dims, by, strict=True))
    group_dims = "".join(f"{d}, " for d in dims)
    wide = con.execute(
        f"""
        SELECT {select_dims}s.quarter, {sums}
        FROM population_summary s JOIN providers p ON p.provider_agb = s.provider_agb
        WHERE {scope} AND s.care_form IN ({care_forms})
        GROUP BY {group_dims}s.quarter
        """,
        params,
    ).pl()
    long = wide.unpivot(
        index=[*by, "quarter"],
        on=[index.key for index in INDEXES],
        variable_name="index",
        value_name="clients",
    )
    long = long.with_columns(pl.col("clients").fill_null(0).cast(pl.Int64))
    if "municipality_code" in by:
        mapping = current_codes()
        long = (
            long.with_columns(pl.col("municipality_code").replace(mapping))
            .group_by([*by, "quarter", "index"])
            .agg(pl.col("clients").sum())
        )
    return long.sort([*by, "index", "quarter"])


def _with_baseline(
    clients: pl.DataFrame,
    by: Sequence[str],
    config: TargetConfig,
) -> pl.DataFrame:
    baseline_quarters = clients.filter(
        pl.col("quarter").str.starts_with(str(config.baseline_year))
    )["quarter"].n_unique()
    if baseline_quarters == 0:
        return clients.with_columns(
            pl.lit(None, pl.Float64).alias("baseline_clients"),
            pl.lit(None, pl.Float64).alias("value"),
        )
    keys = [*by, "index"]
    baseline = (
        clients.filter(pl.col("quarter").str.starts_with(str(config.baseline_year)))
        .group_by(keys)
        .agg((pl.col("clients").sum() / baseline_quarters).alias("baseline_clients"))
    )
    joined = clients.join(baseline, on=keys, how="left", nulls_equal=True).with_columns(
        pl.col("baseline_clients").fill_null(0.0)
    )
    return joined.with_columns(
        pl.when(pl.col("baseline_clients") > 0)
        .then(pl.col("clients") / pl.col("baseline_clients"))
        .otherwise(None)
        .alias("value")
    )


def index_series(
    db: Database, user: User, by: Sequence[str] = (), config: TargetConfig | None = None
) -> pl.DataFrame:
    """Index per quarter (and per `by`: provider_agb, category, municipality_code).

    Columns: by..., quarter, index, clients, baseline_clients, value (clients / baseline).
    """
    config = config or target_config()
    with summary_connection(db) as con:
        clients = _clients(con, user, list(by))
    if "provider_agb" in by and not provider_figures_allowed(
        user, clients["provider_agb"].n_unique()
    ):
        clients = clients.clear()  # a municipality user: one or two providers' figures
    return _with_baseline(clients, list(by), config).sort([*by, "index", "quarter"])


# ---- path, projection, statement -----------------------------------------------------------------


def _number(value: float | None, lang: str, decimals: int = 2) -> str:
    if value is None:
        return "–"
    formatted = f"{value:.{decimals}f}"
    return formatted.replace(".", ",") if lang == "nl" else formatted


def _signed(value: float, lang: str, decimals: int) -> str:
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return f"{sign}{_number(abs(value), lang, decimals)}"


def _percent(change: float, lang: str) -> str:
    return f"{_signed(change * 100, lang, 1)}%"


@dataclass
class Assessment:
    index: str
    status: Status
    statement: str
    method: str
    target: float
    target_quarter: str
    projected: float | None = None
    share_of_required: float | None = None
    value_at_target: float | None = None
    latest_quarter: str | None = None
    latest_value: float | None = None
    change_since_target: float | None = None
    follow_up_status: Status | None = None
    fit_quarters: list[str] = field(default_factory=list)
    fit: Fit | None = None
    projected_low: float | None = None
    projected_high: float | None = None
    shortfall_clients: int | None = None


def _band_text(fit: Fit | None, quarter: str, lang: str) -> str:
    band = fit.band(_ordinal(quarter)) if fit else None
    if band is None:
        return ""
    return text("target_band", lang, low=_number(band[0], lang, 3), high=_number(band[1], lang, 3))


def _shortfall(
    value: float,
    goal: float,
    baseline: float | None,
    clients: int | None,
) -> int | None:
    """Clients the index fell short by: ceil(target × baseline) − clients for an increase
    target, clients − floor(target × baseline) for a decrease target."""
    if baseline is None or clients is None:
        return None
    if goal >= 1:
        return max(math.ceil(goal * baseline - 1e-9) - clients, 0)
    return max(clients - math.floor(goal * baseline + 1e-9), 0)


def _assess(series: pl.DataFrame, index: str, config: TargetConfig, lang: str) -> Assessment:
    observed = series.filter(pl.col("value").is_not_null()).sort("quarter")
    goal = config.targets[index]
    if observed.is_empty():
        return Assessment(
            index, "no_data", text("target_no_data", lang), "", goal, config.target_quarter
        )
    quarters = observed["quarter"].to_list()
    values = observed["value"].to_list()
    latest_quarter, latest_value = quarters[-1], values[-1]
    fit_quarters = quarters[-config.projection_quarters :]
    fit = fit_line(
        [
            (_ordinal(q), v)
            for q, v in zip(fit_quarters, values[-config.projection_quarters :], strict=True)
        ]
    )
    method = text(
        "target_method", lang, n=len(fit_quarters), first=fit_quarters[0], last=fit_quarters[-1]
    )

    def on_track_sentence(
        goal_value: float,
        goal_quarter: str,
        key: str,
    ) -> tuple[Status, str, float | None, float | None]:
        projected = None if fit is None else fit.at(_ordinal(goal_quarter))
        if projected is None:
            return "no_data", text("target_too_few_points", lang), None, None
        status, share = projection_status(projected, goal_value, config.at_risk_share)
        return (
            status,
            text(
                key,
                lang,
                status=text(f"target_status_{status}", lang),
                projected=_number(projected, lang, 3),
                quarter=goal_quarter,
                target=_number(goal_value, lang),
                share=_number(share * 100, lang, 0),
                band=_band_text(fit, goal_quarter, lang),
            ),
            projected,
            share,
        )

    def band_at(quarter: str) -> tuple[float | None, float | None]:
        band = fit.band(_ordinal(quarter)) if fit else None
        return (None, None) if band is None else band

    if latest_quarter < config.target_quarter:
        status, sentence, projected, share = on_track_sentence(
            goal, config.target_quarter, "target_statement_projection"
        )
        low, high = band_at(config.target_quarter)
        return Assessment(
            index,
            status,
            f"{sentence} {method}",
            method,
            goal,
            config.target_quarter,
            projected=projected,
            share_of_required=share,
            latest_quarter=latest_quarter,
            latest_value=latest_value,
            fit_quarters=fit_quarters,
            fit=fit,
            projected_low=low,
            projected_high=high,
        )

    at_target = observed.filter(pl.col("quarter") == config.target_quarter)
    value_at_target = at_target["value"][0] if at_target.height else None
    if value_at_target is None:
        return Assessment(
            index,
            "no_data",
            text("target_no_data_at_target", lang, quarter=config.target_quarter),
            method,
            goal,
            config.target_quarter,
            latest_quarter=latest_quarter,
            latest_value=latest_value,
            fit_quarters=fit_quarters,
            fit=fit,
        )
    shortfall = None
    if reached(value_at_target, goal):
        met: Status = "met"
    else:
        met = "near_miss" if abs(value_at_target - goal) <= config.near_miss + 1e-9 else ("not_met")
        row = at_target.row(0, named=True)
        shortfall = _shortfall(
            value_at_target, goal, row.get("baseline_clients"), row.get("clients")
        )
    change = latest_value - value_at_target
    sentence = text(
        "target_statement_after_near_miss" if met == "near_miss" else "target_statement_after",
        lang,
        status=text(f"target_status_{met}", lang),
        target=_number(goal, lang),
        quarter=config.target_quarter,
        value=_number(value_at_target, lang, 3),
        percent=_percent(value_at_target - 1, lang),
        change=_signed(change, lang, 3),
        latest=_number(latest_value, lang, 3),
        latest_quarter=latest_quarter,
        clients=shortfall if shortfall is not None else "–",
        short_or_over=text(
            f"target_{'client' if shortfall == 1 else 'clients'}_"
            f"{'short' if goal >= 1 else 'over'}",
            lang,
        ),
    )
    follow_status: Status | None = None
    projected = share = None
    low = high = None
    if (
        config.follow_up_quarter
        and config.follow_up_targets
        and latest_quarter < config.follow_up_quarter
    ):
        follow_status, follow_sentence, projected, share = on_track_sentence(
            config.follow_up_targets[index], config.follow_up_quarter, "target_statement_follow_up"
        )
        low, high = band_at(config.follow_up_quarter)
        sentence = f"{sentence} {follow_sentence} {method}"
    elif not (config.follow_up_quarter and config.follow_up_targets):
        sentence = f"{sentence} {text('target_no_follow_up', lang, target=_number(goal, lang))}"
    return Assessment(
        index,
        met,
        sentence,
        method,
        goal,
        config.target_quarter,
        projected=projected,
        share_of_required=share,
        value_at_target=value_at_target,
        latest_quarter=latest_quarter,
        latest_value=latest_value,
        change_since_target=change,
        follow_up_status=follow_status,
        fit_quarters=fit_quarters,
        fit=fit,
        projected_low=low,
        projected_high=high,
        shortfall_clients=shortfall,
    )


def _quarter(value: object) -> str:
    """The min or max of a non-empty quarter column (polars types it as any value)."""
    assert isinstance(value, str)
    return value


def _horizon(latest: str, config: TargetConfig) -> str:
    if latest < config.target_quarter:
        return config.target_quarter
    if config.follow_up_quarter and latest < config.follow_up_quarter:
        return config.follow_up_quarter
    return shift(latest, 4)


def _series_and_assessments(
    db: Database,
    user: User,
    config: TargetConfig | None,
    lang: str,
    until: str | None = None,
) -> tuple[pl.DataFrame, list[Assessment]]:
    config = config or target_config()
    regional = index_series(db, user, (), config)
    if until is not None:  # as it stood at the end of `until` (a report about that quarter)
        regional = regional.filter(pl.col("quarter") <= until)
    parts, assessments = [], []
    for index in INDEXES:
        series = regional.filter(pl.col("index") == index.key)
        assessment = _assess(series, index.key, config, lang)
        assessments.append(assessment)
        if series.is_empty():
            continue
        first = _quarter(series["quarter"].min())
        last = _horizon(assessment.latest_quarter or _quarter(series["quarter"].max()), config)
        frame = pl.DataFrame({"quarter": quarter_range(first, last)}).join(
            series.drop("index"), on="quarter", how="left"
        )
        fit = assessment.fit
        fit_start = assessment.fit_quarters[0] if assessment.fit_quarters else None
        # The trend line and its band over its fit window and ahead.
        on_line = [
            fit is not None and fit_start is not None and q >= fit_start for q in frame["quarter"]
        ]
        bands = [
            fit.band(_ordinal(q)) if fit is not None and shown else None
            for q, shown in zip(frame["quarter"], on_line, strict=True)
        ]
        frame = frame.with_columns(
            pl.lit(index.key).alias("index"),
            pl.Series(
                "target_path",
                [target_path(q, index.key, config) for q in frame["quarter"]],
                dtype=pl.Float64,
            ),
            pl.Series(
                "projection",
                [
                    fit.at(_ordinal(q)) if fit is not None and shown else None
                    for q, shown in zip(frame["quarter"], on_line, strict=True)
                ],
                dtype=pl.Float64,
            ),
            pl.Series("projection_low", [b[0] if b else None for b in bands], dtype=pl.Float64),
            pl.Series("projection_high", [b[1] if b else None for b in bands], dtype=pl.Float64),
            pl.lit(assessment.status).alias("status"),
            pl.lit(assessment.statement).alias("statement"),
        )
        parts.append(frame)
    columns = [
        "quarter",
        "index",
        "clients",
        "baseline_clients",
        "value",
        "target_path",
        "projection",
        "projection_low",
        "projection_high",
        "status",
        "statement",
    ]
    if not parts:
        return pl.DataFrame(
            schema={
                c: pl.Float64
                if c
                in (
                    "baseline_clients",
                    "value",
                    "target_path",
                    "projection",
                    "projection_low",
                    "projection_high",
                )
                else pl.Int64
                if c == "clients"
                else pl.String
                for c in columns
            }
        ), assessments
    return pl.concat([p.select(columns) for p in parts]), assessments


def target_series(
    db: Database, user: User, config: TargetConfig | None = None, lang: str = "nl"
) -> pl.DataFrame:
    """The regional target series, one row per index and quarter (incl. future quarters).

    Columns: quarter, index, clients, baseline_clients, value (null for future quarters),
    target_path, projection (the trend line over its fit window and ahead), projection_low and
    projection_high (its 95% prediction interval), status, statement.
    """
    return _series_and_assessments(db, user, config, lang)[0]


def target_assessment(
    db: Database, user: User, config: TargetConfig | None = None, lang: str = "nl"
) -> pl.DataFrame:
    """One row per index: status, statement, method and the figures behind them."""
    return _assessment_frame(_series_and_assessments(db, user, config, lang)[1], lang)


def target_overview(
    db: Database,
    user: User,
    config: TargetConfig | None = None,
    lang: str = "nl",
    until: str | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(`target_series`, `target_assessment`) computed once, for the overview page; with
    `until` as they stood with the data up to that quarter (the board report)."""
    series, assessments = _series_and_assessments(db, user, config, lang, until)
    return series, _assessment_frame(assessments, lang)


def _assessment_frame(assessments: list[Assessment], lang: str) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "index": a.index,
                "name": INDEX_BY_KEY[a.index].name(lang),
                "status": a.status,
                "statement": a.statement,
                "method": a.method,
                "target": a.target,
                "target_quarter": a.target_quarter,
                "projected": a.projected,
                "share_of_required": a.share_of_required,
                "value_at_target": a.value_at_target,
                "latest_quarter": a.latest_quarter,
                "latest_value": a.latest_value,
                "change_since_target": a.change_since_target,
                "follow_up_status": a.follow_up_status,
                "projected_low": a.projected_low,
                "projected_high": a.projected_high,
                "shortfall_clients": a.shortfall_clients,
            }
            for a in assessments
        ],
        schema_overrides={
            "projected": pl.Float64,
            "share_of_required": pl.Float64,
            "projected_low": pl.Float64,
            "projected_high": pl.Float64,
            "shortfall_clients": pl.Int64,
            "value_at_target": pl.Float64,
            "latest_value": pl.Float64,
            "change_since_target": pl.Float64,
            "follow_up_status": pl.String,
            "latest_quarter": pl.String,
        },
    )


def target_contributions(
    db: Database,
    user: User,
    index: str,
    by: Literal["provider", "municipality"] = "provider",
    quarter: str | None = None,
    config: TargetConfig | None = None,
) -> pl.DataFrame:
    """Each provider's or municipality's part in the change of `index` against the baseline.

    Columns (by provider): provider_agb, name, category; (by municipality): municipality_code,
    municipality_name; then quarter, baseline_clients, clients, change (clients - baseline),
    contribution (change / regional baseline, in index points; the sum is index - 1),
    share_of_change (change / total change). Sorted with the biggest push towards the target
    first. `quarter` defaults to the latest quarter with data. Per provider it is empty for a
    user who may not see figures of so few providers (`access.provider_figures_allowed`).
    """
    if index not in INDEX_BY_KEY:
        raise ValueError(f"unknown index {index!r}")
    config = config or target_config()
    column = "provider_agb" if by == "provider" else "municipality_code"
    series = index_series(db, user, (column,), config).filter(pl.col("index") == index)
    regional = series.group_by("quarter").agg(pl.col("clients").sum())
    if quarter is None:
        quarter = _quarter(regional["quarter"].max()) if regional.height else None
    baselines = series.group_by(column).agg(pl.col("baseline_clients").first())
    current = series.filter(pl.col("quarter") == pl.lit(quarter, pl.String)).select(
        column, "clients"
    )
    table = baselines.join(current, on=column, how="full", coalesce=True).with_columns(
        pl.col("baseline_clients").fill_null(0.0),
        pl.col("clients").fill_null(0),
        pl.lit(quarter).alias("quarter"),
    )
    regional_baseline = table["baseline_clients"].sum()
    table = table.with_columns((pl.col("clients") - pl.col("baseline_clients")).alias("change"))
    total_change = table["change"].sum()
    table = table.with_columns(
        (pl.col("change") / regional_baseline if regional_baseline else pl.lit(None))
        .cast(pl.Float64)
        .alias("contribution"),
        (pl.col("change") / total_change if total_change else pl.lit(None))
        .cast(pl.Float64)
        .alias("share_of_change"),
    )
    descending = config.targets[index] > 1
    table = table.sort("contribution", descending=descending, nulls_last=True)
    if by == "provider":
        if not provider_figures_allowed(user, table.height):
            table = table.clear()  # the mirror rule: no figures of one or two providers
        scope, params = register_filter(user)
        names = db.query(
            f"SELECT provider_agb, name, category FROM providers WHERE {scope}", params
        )
        table = table.join(names, on="provider_agb", how="left", maintain_order="left")
        keys = ["provider_agb", "name", "category"]
    else:
        known = municipalities()
        table = table.with_columns(
            pl.col("municipality_code")
            .replace_strict(
                {code: m.name for code, m in known.items()}, default=None, return_dtype=pl.String
            )
            .alias("municipality_name")
        )
        keys = ["municipality_code", "municipality_name"]
    return table.select(
        *keys, "quarter", "baseline_clients", "clients", "change", "contribution", "share_of_change"
    )
