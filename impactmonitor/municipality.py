"""One municipality's own figures (issue 17): the municipality page and the municipality role.

Only the population table is delivered per municipality, so everything here comes from it:

- the two target indexes against the municipality's *own* 2022 baseline (`target.index_series`
  per municipality: codes merged away count for their successor, so Voorne aan Zee's baseline
  is the 2022 clients of Brielle, Hellevoetsluis and Westvoorne);
- clients per care form and age group per quarter, inflow and outflow;
- the ambulant/bed ratio (`kpis`, the one KPI with `by_municipality=True`);
- the providers that serve it with their share of its clients;
- the region next to it.

Results and offer KPIs (goal achievement, waiting times, places, ...) are delivered per provider,
not per municipality: they are not split here, and `not_by_municipality` names them so the page
can say so.

Access (`impactmonitor.access`): `read_municipality_data` for the chosen code (a municipality
user only for its own), the user's population filter on every row, the split per provider only
when `access.provider_figures_allowed` (at least 3 providers), and the region only as an
aggregate (`read_region_aggregates`) over at least `access.MIN_PROVIDERS_SHOWN` providers.

Public API: `municipality_choices(db, user)`, `municipality_indexes(db, user, code)`,
`municipality_population(db, user, code)`, `municipality_flow(db, user, code)`,
`municipality_ratio(db, user, code)`, `municipality_providers(db, user, code, quarter)`,
`municipality_comparison(db, user, code, quarter)`,
`municipality_provider_population(db, user, code, quarter, care_form=, category=, lot=)`,
`not_by_municipality(lang)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from impactmonitor.access import (
    MIN_PROVIDERS_SHOWN,
    SYSTEM_USER,
    User,
    allowed,
    population_filter,
    provider_figures_allowed,
    require,
)
from impactmonitor.kpis import KPIS, kpi_values, summary_connection
from impactmonitor.storage import Database
from impactmonitor.target import INDEXES, TargetConfig, index_series
from schemas.reference import area_codes, current_codes, current_municipalities

RATIO_KPI = "ambulant_bed_ratio"


def municipality_choices(db: Database, user: User) -> pl.DataFrame:
    """Today's municipalities the user may read: municipality_code, municipality_name."""
    require(user, "read_municipality_data")
    rows = [
        (m.code, m.name)
        for m in current_municipalities()
        if allowed(user, "read_municipality_data", municipality_code=m.code)
    ]
    return pl.DataFrame(
        rows, schema={"municipality_code": pl.String, "municipality_name": pl.String}, orient="row"
    )


def _area(user: User, code: str) -> tuple[str, list[str]]:
    """(today's code, the codes whose rows count for it), after the access check."""
    require(user, "read_municipality_data", municipality_code=code)
    current = current_codes().get(code, code)
    return current, sorted(area_codes([current]))


def _in(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join('?' for _ in values)})"


def municipality_indexes(
    db: Database, user: User, code: str, config: TargetConfig | None = None
) -> pl.DataFrame:
    """Both target indexes of one municipality against its own baseline, next to the region.

    Columns: quarter, index, clients, baseline_clients, value (clients / own baseline),
    region_value (null where fewer than MIN_PROVIDERS_SHOWN providers are in the region).
    """
    current, _ = _area(user, code)
    own = (
        index_series(db, user, ("municipality_code",), config)
        .filter(pl.col("municipality_code") == current)
        .drop("municipality_code")
    )
    region = _region_indexes(db, user, config)
    return own.join(region, on=["quarter", "index"], how="left").sort("index", "quarter")


def _region_indexes(db: Database, user: User, config: TargetConfig | None) -> pl.DataFrame:
    """The region's index per quarter, as an aggregate over enough providers only."""
    require(user, "read_region_aggregates")
    region = index_series(db, SYSTEM_USER, (), config)
    providers = (
        index_series(db, SYSTEM_USER, ("provider_agb",), config)
        .filter(pl.col("clients") > 0)
        .group_by("quarter", "index")
        .agg(pl.len().alias("region_providers"))
    )
    return region.join(providers, on=["quarter", "index"], how="left").select(
        "quarter",
        "index",
        pl.when(pl.col("region_providers").fill_null(0) >= MIN_PROVIDERS_SHOWN)
        .then(pl.col("value"))
        .alias("region_value"),
    )


def municipality_population(db: Database, user: User, code: str) -> pl.DataFrame:
    """Clients of one municipality per quarter, care form and age group (every provider).

    Columns: quarter, care_form, age_group, clients_start, inflow, outflow, clients_end,
    clients (= clients_start + inflow, as in the KPIs and the indexes).
    """
    _, codes = _area(user, code)
    scope, params = population_filter(user)
    with db.connection() as con:
        return con.execute(
            f"""
            SELECT quarter, care_form, age_group,
                   CAST(sum(clients_start) AS BIGINT) AS clients_start,
                   CAST(sum(inflow) AS BIGINT) AS inflow,
                   CAST(sum(outflow) AS BIGINT) AS outflow,
                   CAST(sum(clients_end) AS BIGINT) AS clients_end,
                   CAST(sum(clients_start + inflow) AS BIGINT) AS clients
            FROM population
            WHERE {_in("municipality_code", codes)} AND {scope}
            GROUP BY quarter, care_form, age_group
            ORDER BY quarter, care_form, age_group
            """,
            [*codes, *params],
        ).pl()


def _flow_sql(where: str) -> str:
    return f"""
        SELECT quarter,
               CAST(sum(clients_start) AS BIGINT) AS clients_start,
               CAST(sum(inflow) AS BIGINT) AS inflow,
               CAST(sum(outflow) AS BIGINT) AS outflow,
               CAST(sum(clients_end) AS BIGINT) AS clients_end,
               CAST(sum(clients_start + inflow) AS BIGINT) AS clients,
               count(DISTINCT provider_agb) FILTER (WHERE clients_start + inflow > 0)
                   AS providers
        FROM population_summary WHERE {where}
        GROUP BY quarter ORDER BY quarter
    """


def municipality_flow(db: Database, user: User, code: str) -> pl.DataFrame:
    """Inflow and outflow of one municipality per quarter, next to the region's.

    Columns: quarter, clients_start, inflow, outflow, clients_end, clients, region_clients,
    region_inflow, region_outflow (region columns null where fewer than MIN_PROVIDERS_SHOWN
    providers deliver).
    """
    _, codes = _area(user, code)
    require(user, "read_region_aggregates")
    scope, params = population_filter(user, "provider_agb", "municipality_code")
    with summary_connection(db) as con:
        own = (
            con.execute(
                _flow_sql(f"{_in('municipality_code', codes)} AND {scope}"), [*codes, *params]
            )
            .pl()
            .drop("providers")
        )
        region = con.execute(_flow_sql("TRUE")).pl()
    enough = pl.col("providers") >= MIN_PROVIDERS_SHOWN
    region = region.select(
        "quarter",
        *(
            pl.when(enough).then(pl.col(name)).alias(f"region_{name}")
            for name in ("clients", "inflow", "outflow")
        ),
    )
    return own.join(region, on="quarter", how="left").sort("quarter")


def municipality_ratio(db: Database, user: User, code: str) -> pl.DataFrame:
    """The ambulant/bed ratio of one municipality per quarter, next to the region's.

    Columns: quarter, numerator (ambulant-type clients), denominator (bed-type clients), value,
    region_value (null where fewer than MIN_PROVIDERS_SHOWN providers have such clients).
    """
    _, codes = _area(user, code)
    require(user, "read_region_aggregates")
    own = kpi_values(db, user, ("quarter",), municipalities=codes, kpis=[RATIO_KPI])
    per_provider = kpi_values(db, SYSTEM_USER, ("provider_agb", "quarter"), kpis=[RATIO_KPI])
    region = per_provider.group_by("quarter").agg(
        pl.col("numerator").sum(),
        pl.col("denominator").sum(),
        (pl.col("numerator") + pl.col("denominator").fill_null(0) > 0).sum().alias("providers"),
    )
    region = region.select(
        "quarter",
        pl.when((pl.col("providers") >= MIN_PROVIDERS_SHOWN) & (pl.col("denominator") > 0))
        .then(pl.col("numerator") / pl.col("denominator"))
        .alias("region_value"),
    )
    return (
        own.select("quarter", "numerator", "denominator", "value")
        .join(region, on="quarter", how="left")
        .sort("quarter")
    )


@dataclass(frozen=True)
class ProviderShares:
    """The providers that serve a municipality (in one quarter, optionally one care form)."""

    table: pl.DataFrame  # provider_agb, name, category, clients, share (empty when suppressed)
    providers: int  # how many providers have clients there
    total_clients: int
    suppressed: bool  # fewer than MIN_PROVIDERS_SHOWN providers for a municipality user


def municipality_providers(
    db: Database, user: User, code: str, quarter: str, care_form: str | None = None
) -> ProviderShares:
    """The providers with clients of the municipality in `quarter` and their share of them.

    For a municipality user the split is shown only when at least MIN_PROVIDERS_SHOWN providers
    are in it (`access.provider_figures_allowed`); otherwise only the count is returned.
    """
    _, codes = _area(user, code)
    scope, params = population_filter(user, "s.provider_agb", "s.municipality_code")
    care = "s.care_form = ?" if care_form else "TRUE"
    with summary_connection(db) as con:
        table = con.execute(
            f"""
            SELECT s.provider_agb, p.name, p.category,
                   CAST(sum(s.clients_start + s.inflow) AS BIGINT) AS clients
            FROM population_summary s JOIN providers p ON p.provider_agb = s.provider_agb
            WHERE s.quarter = ? AND {_in("s.municipality_code", codes)} AND {care} AND {scope}
            GROUP BY s.provider_agb, p.name, p.category
            HAVING sum(s.clients_start + s.inflow) > 0
            ORDER BY clients DESC, s.provider_agb
            """,
            [quarter, *codes, *([care_form] if care_form else []), *params],
        ).pl()
    total = int(table["clients"].sum()) if table.height else 0
    table = table.with_columns(
        (pl.col("clients") / total if total else pl.lit(None)).cast(pl.Float64).alias("share")
    )
    if not provider_figures_allowed(user, table.height):
        return ProviderShares(table.clear(), table.height, total, True)
    return ProviderShares(table, table.height, total, False)


def municipality_provider_population(
    db: Database,
    user: User,
    code: str,
    quarter: str,
    *,
    care_form: str | None = None,
    category: str | None = None,
    lot: str | None = None,
) -> pl.DataFrame:
    """Each provider's clients of the municipality in `quarter`, per care form (the KPI page's
    municipality filter): what *can* be split by municipality.

    Columns: provider_agb, name, category, lot, care_form, clients_start, inflow, outflow,
    clients_end, clients (= clients_start + inflow). Rows only where the provider has clients
    or flow there; empty for a user who may not see per-provider figures of so few providers.
    """
    _, codes = _area(user, code)
    scope, params = population_filter(user, "s.provider_agb", "s.municipality_code")
    where = ["s.quarter = ?", _in("s.municipality_code", codes), scope]
    values: list[object] = [quarter, *codes, *params]
    for column, value in (("s.care_form", care_form), ("p.category", category), ("p.lot", lot)):
        if value is not None:
            where.append(f"{column} = ?")
            values.append(value)
    with summary_connection(db) as con:
        table = con.execute(
            f"""
            SELECT s.provider_agb, p.name, p.category, p.lot, s.care_form,
                   CAST(sum(s.clients_start) AS BIGINT) AS clients_start,
                   CAST(sum(s.inflow) AS BIGINT) AS inflow,
                   CAST(sum(s.outflow) AS BIGINT) AS outflow,
                   CAST(sum(s.clients_end) AS BIGINT) AS clients_end,
                   CAST(sum(s.clients_start + s.inflow) AS BIGINT) AS clients
            FROM population_summary s JOIN providers p ON p.provider_agb = s.provider_agb
            WHERE {" AND ".join(where)}
            GROUP BY s.provider_agb, p.name, p.category, p.lot, s.care_form
            HAVING sum(s.clients_start + s.inflow + s.outflow) > 0
            ORDER BY p.name, s.provider_agb, s.care_form
            """,
            values,
        ).pl()
    if not provider_figures_allowed(user, table["provider_agb"].n_unique()):
        return table.clear()
    return table


def municipality_comparison(
    db: Database, user: User, code: str, quarter: str, config: TargetConfig | None = None
) -> pl.DataFrame:
    """The municipality next to the region in `quarter`, one row per measure.

    Columns: measure (short_residential, foster_family, ambulant_bed_ratio, clients, inflow,
    outflow), municipality, region (null when suppressed), unit ("index", "ratio", "count").
    """
    indexes = municipality_indexes(db, user, code, config).filter(pl.col("quarter") == quarter)
    ratio = municipality_ratio(db, user, code).filter(pl.col("quarter") == quarter)
    flow = municipality_flow(db, user, code).filter(pl.col("quarter") == quarter)

    def first(frame: pl.DataFrame, column: str) -> float | None:
        return frame[column][0] if frame.height else None

    rows = [
        (
            index.key,
            first(indexes.filter(pl.col("index") == index.key), "value"),
            first(indexes.filter(pl.col("index") == index.key), "region_value"),
            "index",
        )
        for index in INDEXES
    ]
    rows.append((RATIO_KPI, first(ratio, "value"), first(ratio, "region_value"), "ratio"))
    rows += [
        (name, first(flow, name), first(flow, f"region_{name}"), "count")
        for name in ("clients", "inflow", "outflow")
    ]
    return pl.DataFrame(
        rows,
        schema={
            "measure": pl.String,
            "municipality": pl.Float64,
            "region": pl.Float64,
            "unit": pl.String,
        },
        orient="row",
    )


def not_by_municipality(lang: str = "nl") -> list[str]:
    """Names of the KPIs that are not delivered per municipality (results and offer)."""
    return [k.name(lang) for k in KPIS if not k.by_municipality]
