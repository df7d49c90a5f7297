"""KPIs (SPEC section 4): the DuckDB queries that compute the KPI definitions.

The definitions (one `Kpi` entry per KPI in `KPIS`) live in `impactmonitor.definitions.kpis`
and are re-exported here; the queries below are generated from those entries, so a definition
is written once.

Computation: always over the latest accepted version of each provider-quarter-table (the views
`population`, `offer`, `results`), in one DuckDB query per source table: numerators and
denominators are *summed* over the group first, then divided (never an average of ratios).

Dimensions (`DIMENSIONS`): provider_agb, category, lot (from the provider register's current
entry), municipality_code, care_form, quarter; any combination can be a grouping. Only the
population table has a municipality, so grouping or filtering by municipality yields only the
KPIs with `by_municipality=True` (the ambulant/bed ratio); results and offer KPIs are left out
rather than shown unsplit. `ambulant_bed_ratio` compares care forms with each other and is left
out of a grouping by care form.

Access: every function takes the `User` and applies `access.scope_filter(user)` itself
(`access.population_filter` for the population table), so a provider user only ever gets rows
computed from its own AGB codes (aggregates included), and a municipality user only population
rows of its own municipalities (results and offer KPIs come out empty for it), split or filtered
per provider only when at least `access.MIN_PROVIDERS_SHOWN` providers are in the result.

Public API (all return polars DataFrames):

- `kpi_values(db, user, group_by, *, quarters, provider_agbs, categories, lots, municipalities,
  care_forms, kpis)` -> group columns + kpi, numerator, denominator, value
- `kpi_table(db, user, quarter, *, category, lot, provider_agb, care_form, municipality, kpis)`
  -> one row per provider and KPI for `quarter`: value, status with its norm, previous quarter's
  value and the delta (the categories page and the report command line)
- `kpi_history(db, user, provider_agb, *, kpis, care_form, quarters)` -> one row per quarter and
  KPI for one provider: value, status, the norm lines in effect, SPC centre/limits/signals
- `aggregate_kpis(db, user, quarters, by, **filters)` -> KPIs per category / region / municipality
  etc. with status (category norms when grouped by category)
- `kpi_definitions(lang)` -> the definitions as a table (help page, documentation)
- `provider_quarters(db, user)` -> quarters with data the user may see, newest first

Speed: the queries read materialised summaries of the latest versions (see "materialised
summaries" below): `refresh_summaries(con, provider_agb, quarter)` keeps them current inside a
load's transaction, `sync_summaries(con)` catches up after loads that did not call it, and
`summary_connection(db)` (used by every read here) syncs first when needed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import polars as pl

from impactmonitor import norms, spc
from impactmonitor.access import User, population_filter, provider_figures_allowed, scope_filter
from impactmonitor.definitions.kpis import (
    DIMENSIONS,
    KPI_BY_KEY,
    KPI_KEYS,
    KPIS,
    Direction,
    Kpi,
    Source,
    Unit,
    applicable_kpis,
    kpi,
    kpi_definitions,
    sql_list,
)
from impactmonitor.formatting import DELTA_FORMS
from impactmonitor.quarters import previous
from impactmonitor.schema import SUMMARY_COLUMNS as _SUMMARY_COLUMNS
from impactmonitor.schema import SUMMARY_KEYS as _SUMMARY_KEYS
from impactmonitor.storage import Database

# The definitions are importable from here as before (pages, reports and tests use both).
__all__ = [
    "DIMENSIONS",
    "KPIS",
    "KPI_BY_KEY",
    "KPI_KEYS",
    "Direction",
    "Kpi",
    "Source",
    "Unit",
    "applicable_kpis",
    "kpi",
    "kpi_definitions",
    "sql_list",
    "SUMMARY_LOCK",
    "aggregate_kpis",
    "kpi_history",
    "kpi_table",
    "kpi_values",
    "provider_quarters",
    "refresh_provider_quarters",
    "refresh_summaries",
    "summaries_fresh",
    "summary_connection",
    "sync_summaries",
]
# Dimensions that come from the provider register rather than from the delivered table.
_REGISTER_DIMENSIONS = ("category", "lot")

# ---- materialised summaries ----------------------------------------------------------------------
# The views `population`/`offer`/`results` pick the latest version per provider-quarter-table with
# a window over all of `table_versions` and a join to millions of rows: too slow at national scale
# (SPEC section 8: one quarter's KPI table for 3,000 providers within 300 ms). The summaries below
# hold the same latest versions, the population summed over age groups, with the same column
# names, so KPI SQL reads them instead. They are a derived cache, never the source of truth:
#
# - `refresh_summaries(con, provider_agb, quarter)` rebuilds one provider-quarter; the load calls
#   it inside the delivery's transaction, so a reader never sees new data without its summary;
# - `summary_applied` lists every table version already reflected (append-only). When its count
#   differs from `table_versions` (a load that did not call the refresh, e.g. a bulk load, or a
#   database older than the summaries), the next read brings the stale provider-quarters up to
#   date first (`sync_summaries`), in its own write transaction.


def refresh_provider_quarters(
    con: duckdb.DuckDBPyConnection, stale: pl.DataFrame, tables: Sequence[str] | None = None
) -> None:
    """Rebuild the summaries of the provider-quarters in `stale` (provider_agb, quarter) from
    the latest version of `tables` (default all three), inside the caller's transaction: the
    bulk load calls it for every provider-quarter it stored (`refresh_summaries` is the same for
    one provider-quarter, with plain parameters)."""
    if not stale.height:
        return
    tables = list(_SUMMARY_COLUMNS) if tables is None else list(tables)
    con.register("stale_summaries", stale.select("provider_agb", "quarter").to_arrow())
    try:
        for table, columns in _SUMMARY_COLUMNS.items():
            if table not in tables:
                continue
            keys = ", ".join(_SUMMARY_KEYS[table])
            values = ", ".join(expression for _, expression in columns.values())
            group = f"GROUP BY r.provider_agb, r.quarter, {keys}" if table == "population" else ""
            con.execute(
                f"DELETE FROM {table}_summary t WHERE EXISTS (SELECT 1 FROM stale_summaries s "
                f"WHERE s.provider_agb = t.provider_agb AND s.quarter = t.quarter)"
            )
            con.execute(
                f"""
                INSERT INTO {table}_summary
                SELECT r.provider_agb, r.quarter, {keys}, {values}
                FROM {table}_rows r
                JOIN (SELECT delivery_id FROM (
                          -- latest version of the stale provider-quarters only (not the view:
                          -- its window runs over every version in the database)
                          SELECT v.delivery_id, row_number() OVER (
                              PARTITION BY v.provider_agb, v.quarter ORDER BY v.version DESC
                          ) AS rn
                          FROM table_versions v
                          JOIN stale_summaries s ON s.provider_agb = v.provider_agb
                                                AND s.quarter = v.quarter
                          WHERE v.table_name = '{table}')
                      WHERE rn = 1) latest USING (delivery_id)
                {group}
                ORDER BY r.quarter, r.provider_agb  -- one quarter's rows sit together (zone maps)
                """
            )
        con.execute(
            f"""
            INSERT INTO summary_applied
            SELECT v.delivery_id, v.table_name FROM table_versions v
            JOIN stale_summaries s ON s.provider_agb = v.provider_agb AND s.quarter = v.quarter
            ANTI JOIN summary_applied a
                ON a.delivery_id = v.delivery_id AND a.table_name = v.table_name
            WHERE v.table_name IN ({sql_list(tables)})
            """
        )
    finally:
        con.unregister("stale_summaries")


# Every unit of work that rebuilds summaries deletes from the summary tables; on DuckLake two such
# deletes in one table conflict whatever rows they touch, and the later one would be run again.
# They take this lock instead, so they take turns without wasted work.
SUMMARY_LOCK = "kpi-summaries"


def refresh_summaries(
    con: duckdb.DuckDBPyConnection,
    provider_agb: str,
    quarter: str,
    delivered: Mapping[str, str] | None = None,
) -> None:
    """Bring the summaries of one provider-quarter up to date, inside the caller's transaction.

    Call it in the same transaction that stores a new table version (pipelines.load), after the
    rows and the `table_versions` entries are inserted. `delivered` maps each table of that new
    version to its delivery id: only those tables are rebuilt (the others were current before,
    or their versions are not yet in `summary_applied` and the next read syncs them). Without it,
    all three tables are rebuilt from their latest version.
    """
    # The same as `refresh_provider_quarters` for one provider-quarter, with plain parameters
    # so that DuckDB can skip row groups (this runs inside every single delivery's load).
    key = [provider_agb, quarter]
    for table, columns in _SUMMARY_COLUMNS.items():
        if delivered is not None and table not in delivered:
            continue
        keys = ", ".join(_SUMMARY_KEYS[table])
        values = ", ".join(expression for _, expression in columns.values())
        group = f"GROUP BY {keys}" if table == "population" else ""
        if delivered is not None:
            version, params = "?", [delivered[table]]
        else:
            version = (
                f"(SELECT delivery_id FROM table_versions WHERE provider_agb = ? AND "
                f"quarter = ? AND table_name = '{table}' ORDER BY version DESC LIMIT 1)"
            )
            params = key
        con.execute(f"DELETE FROM {table}_summary WHERE provider_agb = ? AND quarter = ?", key)
        con.execute(
            f"""
            INSERT INTO {table}_summary
            SELECT ?, ?, {keys}, {values} FROM {table}_rows
            WHERE provider_agb = ? AND quarter = ? AND delivery_id = {version}
            {group}
            """,
            key * 2 + params,
        )
    if delivered is not None:
        con.execute(
            "INSERT INTO summary_applied VALUES " + ", ".join(["(?, ?)"] * len(delivered)),
            [value for table, delivery_id in delivered.items() for value in (delivery_id, table)],
        )
        return
    con.execute(
        """
        INSERT INTO summary_applied
        SELECT v.delivery_id, v.table_name FROM table_versions v
        WHERE v.provider_agb = ? AND v.quarter = ? AND NOT EXISTS (
            SELECT 1 FROM summary_applied a
            WHERE a.delivery_id = v.delivery_id AND a.table_name = v.table_name)
        """,
        key,
    )


def summaries_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT (SELECT count(*) FROM table_versions) = (SELECT count(*) FROM summary_applied)"
    ).fetchone()
    return bool(row and row[0])


def sync_summaries(con: duckdb.DuckDBPyConnection) -> int:
    """Refresh every provider-quarter with a table version not yet in the summaries.

    Inside the caller's transaction; returns the number of provider-quarters refreshed.
    """
    stale = con.execute(
        """
        SELECT DISTINCT v.provider_agb, v.quarter FROM table_versions v
        ANTI JOIN summary_applied a
            ON a.delivery_id = v.delivery_id AND a.table_name = v.table_name
        """
    ).pl()
    refresh_provider_quarters(con, stale)
    return stale.height


@contextmanager
def summary_connection(db: Database) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read connection on which the summaries are up to date (synced first when stale)."""
    with db.connection() as con:
        if summaries_fresh(con):
            yield con
            return

    def sync(con: duckdb.DuckDBPyConnection) -> None:
        if not summaries_fresh(con):  # another thread or process may have synced meanwhile
            sync_summaries(con)

    db.write(sync, locks=[SUMMARY_LOCK])
    with db.connection() as con:
        yield con


# ---- the query -----------------------------------------------------------------------------------


def _condition(column: str, values: Sequence[str] | None, params: list[Any]) -> str:
    if values is None:
        return "TRUE"
    values = list(values)
    if not values:
        return "FALSE"
    params.extend(values)
    return f"{column} IN ({', '.join('?' for _ in values)})"


def _source_sql(
    source: Source,
    selected: list[Kpi],
    group_by: Sequence[str],
    filters: dict[str, Any],
    user: User,
    params: list[Any],
) -> tuple[str, str]:
    """One aggregate query over `source`, unpivoted to (group..., kpi, numerator, denominator)."""

    def column(name: str) -> str:
        return f"p.{name}" if name in _REGISTER_DIMENSIONS else f"s.{name}"

    group_columns = ", ".join(f"{column(name)} AS {name}" for name in group_by)
    # Each distinct aggregate is computed once (KPIs share denominators and row counts).
    aliases: dict[str, str] = {}

    def alias(expression: str) -> str:
        return aliases.setdefault(expression, f"a{len(aliases)}")

    parts = {}
    for k in selected:
        applies = f"care_form IN ({sql_list(k.care_forms)})" if k.care_forms else "TRUE"
        denominator = f"CAST(coalesce({k.denominator}, 0) AS BIGINT)"
        if k.applies_when:
            # Kept for every group with rows (so it can read "n.v.t."); no denominator where
            # the KPI does not apply.
            applies = "TRUE"
            denominator = f"CASE WHEN coalesce({k.applies_when}, 0) > 0 THEN {denominator} END"
        parts[k.key] = (
            alias(f"CAST(coalesce({k.numerator}, 0) AS BIGINT)"),
            alias(denominator),
            alias(f"count(*) FILTER (WHERE {applies})"),
        )
    aggregates = [f"{expression} AS {name}" for expression, name in aliases.items()]
    scope, scope_params = (
        population_filter(user, "s.provider_agb", "s.municipality_code")
        if source == "population"
        else scope_filter(user, "s.provider_agb")
    )
    params.extend(scope_params)
    where = [scope]
    where.append(_condition("s.quarter", filters.get("quarters"), params))
    where.append(_condition("s.provider_agb", filters.get("provider_agbs"), params))
    where.append(_condition("p.category", filters.get("categories"), params))
    where.append(_condition("p.lot", filters.get("lots"), params))
    where.append(_condition("s.care_form", filters.get("care_forms"), params))
    if source == "population":
        where.append(_condition("s.municipality_code", filters.get("municipalities"), params))
    select_groups = f"{group_columns}, " if group_by else ""
    group_clause = f"GROUP BY {', '.join(column(name) for name in group_by)}" if group_by else ""
    # The register is joined only when a register dimension is grouped or filtered on (every
    # delivered provider is registered: the ingest refuses unknown AGB codes).
    needs_register = (
        any(name in _REGISTER_DIMENSIONS for name in group_by)
        or filters.get("categories") is not None
        or filters.get("lots") is not None
    )
    register = "JOIN providers p ON p.provider_agb = s.provider_agb" if needs_register else ""
    aggregate = f"""
        SELECT {select_groups}{", ".join(aggregates)}
        FROM {source}_summary s {register}
        WHERE {" AND ".join(where)}
        {group_clause}"""
    names = "".join(f"{name}, " for name in group_by)
    branches = []
    for k in selected:
        numerator, denominator, rows = parts[k.key]
        keep = f"{rows} > 0"
        if "care_form" in group_by and k.care_forms:
            keep += f" AND care_form IN ({sql_list(k.care_forms)})"
        branches.append(
            f"SELECT {names}'{k.key}' AS kpi, {numerator} AS numerator, "
            f"{denominator} AS denominator FROM agg_{source} WHERE {keep}"
        )
    return f"agg_{source} AS ({aggregate})", " UNION ALL ".join(branches)


def _kpi_values(
    con: duckdb.DuckDBPyConnection,
    user: User,
    group_by: Sequence[str] = ("provider_agb", "quarter"),
    *,
    quarters: Sequence[str] | None = None,
    provider_agbs: Sequence[str] | None = None,
    categories: Sequence[str] | None = None,
    lots: Sequence[str] | None = None,
    municipalities: Sequence[str] | None = None,
    care_forms: Sequence[str] | None = None,
    kpis: Sequence[str] | None = None,
) -> pl.DataFrame:
    group_by = list(group_by)
    for name in group_by:
        if name not in DIMENSIONS:
            raise ValueError(f"unknown dimension {name!r}; known: {', '.join(DIMENSIONS)}")
    selected = applicable_kpis(group_by, municipalities is not None, kpis)
    filters = {
        "quarters": quarters,
        "provider_agbs": provider_agbs,
        "categories": categories,
        "lots": lots,
        "municipalities": municipalities,
        "care_forms": care_forms,
    }
    params: list[Any] = []
    ctes, branches = [], []
    for source in ("results", "offer", "population"):
        of_source = [k for k in selected if k.source == source]
        if not of_source:
            continue
        cte, branch = _source_sql(source, of_source, group_by, filters, user, params)
        ctes.append(cte)
        branches.append(branch)
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        **{name: pl.String for name in group_by},
        "kpi": pl.String,
        "numerator": pl.Int64,
        "denominator": pl.Int64,
        "value": pl.Float64,
    }
    if not branches:
        return pl.DataFrame(schema=schema)
    order = ", ".join([*group_by, "kpi_order"])
    kpi_order = " ".join(f"WHEN '{k.key}' THEN {i}" for i, k in enumerate(KPIS))
    sql = f"""
        WITH {", ".join(ctes)}
        SELECT * EXCLUDE (kpi_order) FROM (
            SELECT *, numerator / nullif(denominator, 0) AS value,
                   CASE kpi {kpi_order} END AS kpi_order
            FROM ({" UNION ALL ".join(branches)}))
        ORDER BY {order}
    """
    frame = con.execute(sql, params).pl()
    if not provider_figures_allowed(user, _providers_shown(frame, provider_agbs)):
        return pl.DataFrame(schema=schema)  # a municipality user: one or two providers' figures
    # polars types the keys of cast's mapping as str | selector | dtype, and Mapping's keys are
    # invariant: a dict[str, dtype], which cast accepts, never matches.
    if frame.height:
        return frame.cast(schema)  # type: ignore[arg-type]
    return pl.DataFrame(schema=schema)


def _providers_shown(frame: pl.DataFrame, provider_agbs: Sequence[str] | None) -> int:
    """How many providers' own figures a result shows (a large number when it shows none)."""
    if "provider_agb" in frame.columns:
        return frame["provider_agb"].n_unique()
    if provider_agbs is not None:
        return len(set(provider_agbs))
    return 1 << 30  # an aggregate over every provider in the user's scope


def kpi_values(
    db: Database, user: User, group_by: Sequence[str] = ("provider_agb", "quarter"), **filters: Any
) -> pl.DataFrame:
    """KPI numerator, denominator and value per group (long format: one row per group and KPI).

    `group_by`: any of `DIMENSIONS` (empty = one row per KPI for everything the user may see).
    Filters (None = no filter): quarters, provider_agbs, categories, lots, municipalities,
    care_forms, kpis (keys). Groups without rows for a KPI's care forms are left out.
    """
    with summary_connection(db) as con:
        return _kpi_values(con, user, group_by, **filters)


# ---- status, delta, history ----------------------------------------------------------------------


def _with_definitions(frame: pl.DataFrame) -> pl.DataFrame:
    info = pl.DataFrame(
        {
            "kpi": [k.key for k in KPIS],
            "direction": [k.direction for k in KPIS],
            "unit": [k.unit for k in KPIS],
            "min_n": [k.min_n for k in KPIS],
        }
    )
    return frame.join(info, on="kpi", how="left")


def _judged(
    con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, category_column: str | None = "category"
) -> pl.DataFrame:
    """Add status and norm columns (norms.judge) to a frame with kpi, quarter, value, ..."""
    frame = _with_definitions(frame)
    if category_column is None or category_column not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("_norm_category"))
    else:
        frame = frame.with_columns(pl.col(category_column).alias("_norm_category"))
    judged = norms.judge(frame, norms.norm_versions(con), category_column="_norm_category")
    # No denominator at all: the KPI does not apply to this group (Kpi.applies_when).
    conditional = [k.key for k in KPIS if k.applies_when]
    return judged.with_columns(
        pl.when(pl.col("kpi").is_in(conditional) & pl.col("denominator").is_null())
        .then(pl.lit(norms.NOT_APPLICABLE))
        .otherwise(pl.col("status"))
        .alias("status"),
    ).drop("_norm_category")


def _providers(con: duckdb.DuckDBPyConnection, user: User) -> pl.DataFrame:
    scope, params = scope_filter(user)
    return con.execute(
        f"SELECT provider_agb, name, category, lot FROM providers WHERE {scope}", params
    ).pl()


def _reads_as_zero(delta: pl.Expr) -> pl.Expr:
    """The change reads as ±0 once rounded as shown (formatting.delta_rounded, per unit)."""
    factors = {unit: scale * 10**decimals for unit, (scale, decimals, _) in DELTA_FORMS.items()}
    factor = pl.col("unit").replace_strict(factors, default=1, return_dtype=pl.Float64)
    return (delta.abs() * factor + 0.5).floor() == 0


def _kpi_table(
    con: duckdb.DuckDBPyConnection,
    user: User,
    quarter: str,
    *,
    category: str | None = None,
    lot: str | None = None,
    provider_agb: str | None = None,
    care_form: str | None = None,
    municipality: str | None = None,
    kpis: Sequence[str] | None = None,
) -> pl.DataFrame:
    def one(value: str | None) -> list[str] | None:
        return None if value is None else [value]

    prior = previous(quarter)
    registered = _providers(con, user)
    values = _kpi_values(
        con,
        user,
        ("provider_agb", "quarter"),
        quarters=[prior, quarter],
        provider_agbs=one(provider_agb),
        categories=one(category),
        lots=one(lot),
        care_forms=one(care_form),
        municipalities=one(municipality),
        kpis=kpis,
    ).join(registered.select("provider_agb", "category"), on="provider_agb", how="inner")
    judged = _judged(con, values)
    current = judged.filter(pl.col("quarter") == quarter)
    before = judged.filter(pl.col("quarter") == prior).select(
        "provider_agb",
        "kpi",
        pl.col("value").alias("previous_value"),
        pl.col("status").alias("previous_status"),
    )
    table = (
        current.join(before, on=["provider_agb", "kpi"], how="left")
        .with_columns(
            (pl.col("value") - pl.col("previous_value")).alias("delta"),
        )
        .with_columns(
            pl.when(pl.col("delta").is_null())
            .then(None)
            .when(_reads_as_zero(pl.col("delta")))
            .then(pl.lit("same"))
            .when((pl.col("delta") > 0) == (pl.col("direction") == "higher"))
            .then(pl.lit("better"))
            .otherwise(pl.lit("worse"))
            .alias("delta_direction"),
        )
    )
    table = table.join(
        registered.select("provider_agb", "name", "lot"), on="provider_agb", how="left"
    )
    order = pl.DataFrame({"kpi": list(KPI_KEYS), "_order": list(range(len(KPI_KEYS)))})
    columns = [
        "provider_agb",
        "name",
        "category",
        "lot",
        "quarter",
        "kpi",
        "numerator",
        "denominator",
        "value",
        "unit",
        "direction",
        "status",
        "norm_green",
        "norm_amber",
        "norm_valid_from",
        "norm_source",
        "norm",
        "previous_value",
        "previous_status",
        "delta",
        "delta_direction",
    ]
    return table.join(order, on="kpi", how="left").sort("provider_agb", "_order").select(columns)


def kpi_table(db: Database, user: User, quarter: str, **filters: Any) -> pl.DataFrame:
    """One row per provider and KPI for `quarter`, with status, norm, previous value and delta.

    Filters: category, lot, provider_agb, care_form, municipality (single values or None),
    kpis (keys). Columns: provider_agb, name, category, lot, quarter, kpi, numerator,
    denominator, value, unit, direction, status ("green"/"amber"/"red"/"n<10"/"n/a" = not
    applicable/None = no norm),
    norm_green, norm_amber, norm_valid_from, norm_source, norm (text), previous_value,
    previous_status, delta (value - previous value), delta_direction ("better"/"worse"/"same").
    """
    with summary_connection(db) as con:
        return _kpi_table(con, user, quarter, **filters)


def _kpi_history(
    con: duckdb.DuckDBPyConnection,
    user: User,
    provider_agb: str,
    *,
    kpis: Sequence[str] | None = None,
    care_form: str | None = None,
    quarters: Sequence[str] | None = None,
) -> pl.DataFrame:
    values = _kpi_values(
        con,
        user,
        ("provider_agb", "category", "quarter"),
        provider_agbs=[provider_agb],
        care_forms=None if care_form is None else [care_form],
        quarters=quarters,
        kpis=kpis,
    )
    judged = _judged(con, values)
    parts = []
    for key in judged["kpi"].unique(maintain_order=True).to_list():
        series = judged.filter(pl.col("kpi") == key).sort("quarter")
        definition = kpi(key)
        parts.append(
            spc.control_chart(
                series,
                definition.chart,
                definition.direction,
                min_denominator=norms.min_n() if definition.min_n else None,
            )
        )
    if not parts:
        return spc.control_chart(judged, "p")
    order = pl.DataFrame({"kpi": list(KPI_KEYS), "_order": list(range(len(KPI_KEYS)))})
    return (
        pl.concat(parts)
        .join(order, on="kpi", how="left")
        .sort("_order", "quarter")
        .drop("_order", "min_n")
    )


def kpi_history(db: Database, user: User, provider_agb: str, **filters: Any) -> pl.DataFrame:
    """One row per quarter and KPI for one provider (trend charts).

    Columns: provider_agb, category, quarter, kpi, numerator, denominator, value, unit,
    direction, status, norm_green/norm_amber (the norm lines in effect that quarter), norm_*,
    and the control chart (see `spc.control_chart`): spc_centre, spc_lcl, spc_ucl,
    spc_baseline, spc_provisional, spc_rule, spc_signal, spc_side, spc_variation,
    spc_variation_side, spc_assurance.
    Filters: kpis, care_form, quarters. Empty for a provider the user may not read.
    """
    with summary_connection(db) as con:
        return _kpi_history(con, user, provider_agb, **filters)


def aggregate_kpis(
    db: Database,
    user: User,
    quarters: Sequence[str] | None,
    by: Sequence[str] = ("category",),
    **filters: Any,
) -> pl.DataFrame:
    """KPIs over groups of providers (category, region = `by=()`, municipality, care form, ...).

    Always also grouped by quarter. Status uses the category's norm when grouped by category,
    otherwise the general norm. For a provider user the aggregate covers only its own rows
    (category and region comparisons for providers come with the mirror report).
    """
    group_by = [name for name in by if name != "quarter"] + ["quarter"]
    with summary_connection(db) as con:
        values = _kpi_values(con, user, group_by, quarters=quarters, **filters)
        return _judged(con, values, "category" if "category" in group_by else None)


def provider_quarters(db: Database, user: User) -> list[str]:
    """Quarters with accepted data the user may see, newest first (for quarter pickers)."""
    if user.is_municipality:  # it sees population rows of its municipalities only
        scope, params = population_filter(user)
        with summary_connection(db) as con:
            return [
                row[0]
                for row in con.execute(
                    f"SELECT DISTINCT quarter FROM population_summary WHERE {scope} "
                    "ORDER BY quarter DESC",
                    params,
                ).fetchall()
            ]
    scope, params = scope_filter(user)
    frame = db.query(
        f"SELECT DISTINCT quarter FROM latest_table_versions WHERE {scope} ORDER BY quarter DESC",
        params,
    )
    return frame["quarter"].to_list()
