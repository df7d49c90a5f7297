"""Plausibility: warnings (never blocking) against the provider's previous quarter (SPEC 3)."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import polars as pl

from impactmonitor.config import setting
from impactmonitor.quarters import previous, quarter_end, quarter_start
from pipelines.findings import Finding, warning
from pipelines.read import ROW


def latest_rows(
    con: duckdb.DuckDBPyConnection, table: str, provider_agb: str, quarter: str
) -> pl.DataFrame:
    """The latest accepted version of one provider-quarter-table (empty when none).

    Looks the version up directly instead of through the `population`/... views, which rank
    every stored version (slow on a national-scale store; this runs a few times per ingest).
    """
    return con.execute(
        f"""
        SELECT * EXCLUDE (delivery_id) FROM {table}_rows
        WHERE provider_agb = $agb AND quarter = $quarter AND delivery_id = (
            SELECT delivery_id FROM table_versions
            WHERE provider_agb = $agb AND quarter = $quarter AND table_name = $table
            ORDER BY version DESC LIMIT 1)
        """,
        {"agb": provider_agb, "quarter": quarter, "table": table},
    ).pl()


def plausibility_findings(
    con: duckdb.DuckDBPyConnection,
    provider_agb: str,
    quarter: str,
    delivered: dict[str, pl.DataFrame],
    file_names: dict[str, str],
) -> list[Finding]:
    """Warnings for the delivered tables; tables not in this upload come from the store."""
    previous_quarter = previous(quarter)

    def current(table: str) -> pl.DataFrame:
        if table in delivered:
            return delivered[table]
        return latest_rows(con, table, provider_agb, quarter)

    before = {
        t: latest_rows(con, t, provider_agb, previous_quarter) for t in ("population", "offer")
    }
    findings: list[Finding] = []
    population = current("population")
    if "population" in delivered and before["population"].height:
        findings += _clients_change(
            population, before["population"], previous_quarter, file_names["population"]
        )
        findings += _continuity(
            population, before["population"], previous_quarter, file_names["population"]
        )
    if "offer" in delivered and before["offer"].height and before["population"].height:
        findings += _places_without_clients(
            delivered["offer"],
            before["offer"],
            population,
            before["population"],
            file_names["offer"],
        )
    findings += magnitude_findings(quarter, delivered, current, file_names)
    if "results" in delivered or "population" in delivered:
        results = current("results")
        outflow = int(population["outflow"].sum() or 0) if population.height else 0
        if results.height and int(results["trajectories_ended"].sum() or 0) == 0 and outflow > 0:
            findings.append(
                warning(
                    "warn_zero_results",
                    file=file_names.get("results"),
                    table="results",
                    fields={"outflow": outflow},
                )
            )
    return findings


def _clients_by_care_form(population: pl.DataFrame) -> pl.DataFrame:
    return population.group_by("care_form").agg(
        (pl.col("clients_start") + pl.col("inflow")).sum().alias("clients")
    )


def _clients_change(
    now: pl.DataFrame, before: pl.DataFrame, previous_quarter: str, file_name: str
) -> list[Finding]:
    share = setting("plausibility", "clients_change_share")
    minimum = setting("plausibility", "min_clients")
    joined = (
        _clients_by_care_form(now)
        .join(_clients_by_care_form(before), on="care_form", suffix="_before")
        .filter(
            (pl.col("clients_before") >= minimum)
            & (
                (pl.col("clients") - pl.col("clients_before")).abs()
                > share * pl.col("clients_before")
            )
        )
    )
    return [
        warning(
            "warn_clients_change",
            file=file_name,
            table="population",
            column="care_form",
            value=care_form,
            fields={
                "care_form": care_form,
                "previous": previous_quarter,
                "before": b,
                "after": a,
                "change": f"{(a - b) / b:+.0%}",
            },
        )
        for care_form, a, b in joined.select("care_form", "clients", "clients_before").iter_rows()
    ]


def _continuity(
    now: pl.DataFrame, before: pl.DataFrame, previous_quarter: str, file_name: str
) -> list[Finding]:
    key = ["municipality_code", "care_form", "age_group"]
    joined = now.join(before.select(*key, "clients_end"), on=key, suffix="_before").filter(
        pl.col("clients_start") != pl.col("clients_end_before")
    )
    return [
        warning(
            "warn_continuity",
            file=file_name,
            table="population",
            row=record.get(ROW),
            column="clients_start",
            value=str(record["clients_start"]),
            fields={
                "previous": previous_quarter,
                "before": record["clients_end_before"],
                "after": record["clients_start"],
                "key": " / ".join(str(record[k]) for k in key),
            },
        )
        for record in joined.iter_rows(named=True)
    ]


def _places_without_clients(
    offer: pl.DataFrame,
    offer_before: pl.DataFrame,
    population: pl.DataFrame,
    population_before: pl.DataFrame,
    file_name: str,
) -> list[Finding]:
    clients = (
        _clients_by_care_form(population)
        .join(_clients_by_care_form(population_before), on="care_form", suffix="_before")
        .filter(pl.col("clients") == pl.col("clients_before"))
    )
    joined = offer.join(
        offer_before.select("care_form", "places"), on="care_form", suffix="_before"
    ).filter(
        (pl.col("places") != pl.col("places_before"))
        & pl.col("care_form").is_in(clients["care_form"].to_list())
    )
    return [
        warning(
            "warn_places_without_clients",
            file=file_name,
            table="offer",
            row=record.get(ROW),
            column="places",
            value=str(record["places"]),
            fields={
                "care_form": record["care_form"],
                "before": record["places_before"],
                "after": record["places"],
            },
        )
        for record in joined.iter_rows(named=True)
    ]


def magnitude_findings(
    quarter: str,
    delivered: dict[str, pl.DataFrame],
    current: Callable[[str], pl.DataFrame],
    file_names: dict[str, str],
) -> list[Finding]:
    """Magnitudes no provider-quarter can hold (issue 18 item 4), per care form: days per stay,
    FTE per client served, clients served per place. Bounds: `[plausibility]` in defaults.toml.
    """
    days = (quarter_end(quarter) - quarter_start(quarter)).days + 1
    findings: list[Finding] = []
    if "results" in delivered:
        limit = days * int(setting("plausibility", "max_stay_quarters"))
        stays = delivered["results"].filter(
            (pl.col("stay_n") > 0) & (pl.col("stay_days_sum") > limit * pl.col("stay_n"))
        )
        findings += [
            warning(
                "warn_stay_days_implausible",
                file=file_names.get("results"),
                table="results",
                row=record.get(ROW),
                column="stay_days_sum",
                value=str(record["stay_days_sum"]),
                fields={
                    "care_form": record["care_form"],
                    "limit": limit,
                    "per_stay": record["stay_days_sum"] // record["stay_n"],
                },
            )
            for record in stays.iter_rows(named=True)
        ]
    if "offer" not in delivered and "population" not in delivered:
        return findings
    population = current("population")
    if population.height == 0:
        return findings  # (offer without any population: a cross-table error already)
    offer = (
        current("offer")
        .join(_clients_by_care_form(population), on="care_form", how="left")
        .with_columns(pl.col("clients").fill_null(0))
    )
    fte_limit = float(setting("plausibility", "max_fte_per_client"))
    place_limit = days * int(setting("plausibility", "max_clients_per_place_day"))
    offer_file = file_names.get("offer")
    for record in offer.iter_rows(named=True):
        fte, clients, places = record["fte_care"], record["clients"], record["places"]
        where = {"file": offer_file, "table": "offer", "row": record.get(ROW)}
        if fte is not None and fte > fte_limit * max(clients, 1):
            findings.append(
                warning(
                    "warn_fte_per_client_implausible",
                    column="fte_care",
                    value=str(fte),
                    fields={
                        "care_form": record["care_form"],
                        "fte": float(fte),
                        "clients": clients,
                        "limit": fte_limit,
                    },
                    **where,
                )
            )
        if places and clients > place_limit * places:
            findings.append(
                warning(
                    "warn_clients_per_place_implausible",
                    column="places",
                    value=str(places),
                    fields={
                        "care_form": record["care_form"],
                        "clients": clients,
                        "places": places,
                        "limit": place_limit,
                    },
                    **where,
                )
            )
    return findings
