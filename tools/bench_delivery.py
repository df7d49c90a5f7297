"""The typical delivery of the benchmarks: its rows, and figure (b), one delivery timed.

Shared by `tools.bench` (figure (b)) and `tools.bench_lake` (the same delivery on a lake), and
by the fast-path tests; apart from both so that neither benchmark imports the other.
"""

from __future__ import annotations

import statistics
import time
from datetime import date

import polars as pl

from impactmonitor.providers import REGISTER_SCHEMA, append_register_entries
from impactmonitor.quarters import previous
from impactmonitor.storage import Database
from pipelines.ingest import Upload, ingest
from schemas.reference import AGE_GROUPS, CARE_FORMS
from tools.sample_files import csv_bytes
from tools.sample_region import MUNICIPALITY_WEIGHTS, PREDECESSORS

BENCH_AGB = "01234567"
BENCH_QUARTER = "2022Q2"  # 15 municipalities valid: 15 × 7 × 4 = 420 population rows


def typical_delivery(
    quarter: str, continues: pl.DataFrame | None = None
) -> dict[str, pl.DataFrame]:
    """Every municipality × care form × age group of the region, plus offer and results.

    With `continues` (the previous quarter's population), each row starts with the clients the
    previous quarter ended with, as in a real delivery; without it, the starting numbers do not
    follow on, so a delivery after one like it gets a continuity warning on most rows.
    """
    codes = [c for c in MUNICIPALITY_WEIGHTS if c != "GM1992"] + list(PREDECESSORS)
    keys = pl.DataFrame(
        [(code, form, age) for code in codes for form in CARE_FORMS for age in AGE_GROUPS],
        schema=["municipality_code", "care_form", "age_group"],
        orient="row",
    ).with_row_index("i")
    population = keys.select(
        pl.lit(BENCH_AGB).alias("provider_agb"),
        pl.lit(quarter).alias("quarter"),
        "municipality_code",
        "care_form",
        "age_group",
        (pl.col("i") % 40 + 5).cast(pl.Int64).alias("clients_start"),
        (pl.col("i") % 7).cast(pl.Int64).alias("inflow"),
        (pl.col("i") % 5).cast(pl.Int64).alias("outflow"),
    )
    if continues is not None:
        population = population.with_columns(continues["clients_end"].alias("clients_start"))
    population = population.with_columns(
        (pl.col("clients_start") + pl.col("inflow") - pl.col("outflow")).alias("clients_end")
    )
    forms = pl.DataFrame({"care_form": list(CARE_FORMS)})
    ambulant = pl.col("care_form").is_in(["ambulant", "day_care"])
    stay = pl.col("care_form").is_in(
        ["foster_care", "family_home", "residential_short", "residential_long", "crisis"]
    )
    offer = forms.select(
        pl.lit(BENCH_AGB).alias("provider_agb"),
        pl.lit(quarter).alias("quarter"),
        "care_form",
        pl.when(ambulant).then(0).otherwise(120).cast(pl.Int64).alias("places"),
        pl.lit(12.5).alias("fte_care"),
        pl.lit(1234).cast(pl.Int64).alias("clients_waiting"),
    )
    results = forms.select(
        pl.lit(BENCH_AGB).alias("provider_agb"),
        pl.lit(quarter).alias("quarter"),
        "care_form",
        *(
            pl.lit(v).cast(pl.Int64).alias(k)
            for k, v in (
                ("trajectories_ended", 60),
                ("ended_as_planned", 45),
                ("goals_achieved", 44),
                ("dropouts", 5),
                ("satisfaction_respondents", 30),
                ("satisfaction_positive", 26),
                ("intake_wait_n", 40),
                ("intake_wait_days_sum", 1040),
                ("intake_wait_over_norm", 8),
                ("treatment_wait_n", 30),
                ("treatment_wait_days_sum", 1050),
                ("treatment_wait_over_norm", 6),
            )
        ),
        pl.when(stay).then(60).otherwise(0).cast(pl.Int64).alias("stay_n"),
        pl.when(stay).then(7200).otherwise(0).cast(pl.Int64).alias("stay_days_sum"),
    )
    return {"population": population, "offer": offer, "results": results}


def register_providers(db: Database, agbs: list[str], category: str, names: list[str]) -> None:
    """Benchmark providers in the register, contracted since 2021 (not part of a measurement)."""
    entries = pl.DataFrame(
        {
            "provider_agb": agbs,
            "name": names,
            "category": [category] * len(agbs),
            "lot": [None] * len(agbs),
            "contract_start": [date(2021, 1, 1)] * len(agbs),
            "contract_end": [None] * len(agbs),
        },
        schema=REGISTER_SCHEMA,
    )
    with db.transaction() as con:
        append_register_entries(con, entries, actor="bench")


def bench_single(db: Database, runs: int) -> dict[str, float]:
    """(b): a delivery that continues the stored previous quarter (the typical case), and the
    same rows without that continuity (a continuity warning on 360 of its 420 population rows),
    on an empty database."""
    register_providers(db, [BENCH_AGB], "A", ["Benchmark"])

    def uploads(frames: dict[str, pl.DataFrame]) -> list[Upload]:
        return [
            Upload(f"{table}.csv", csv_bytes(frame, table, "excel_nl_cp1252"))
            for table, frame in frames.items()
        ]

    # The previous quarter is stored, so plausibility compares against real rows.
    before = typical_delivery(previous(BENCH_QUARTER))
    first = ingest(db, BENCH_AGB, previous(BENCH_QUARTER), uploads(before), actor="bench")
    if not first.accepted:
        raise RuntimeError(f"benchmark delivery rejected: {first.errors[:3]}")
    typical = typical_delivery(BENCH_QUARTER, continues=before["population"])
    figures: dict[str, float] = {"rows": sum(frame.height for frame in typical.values())}
    for name, frames in (("", typical), ("warnings_", typical_delivery(BENCH_QUARTER))):
        files = uploads(frames)
        ingest(db, BENCH_AGB, BENCH_QUARTER, files, actor="bench")  # warm-up
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            outcome = ingest(db, BENCH_AGB, BENCH_QUARTER, files, actor="bench")
            times.append(time.perf_counter() - started)
            if not outcome.accepted:
                raise RuntimeError("benchmark delivery rejected")
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        figures |= {
            f"{name}median_ms": statistics.median(times) * 1000,
            f"{name}p95_ms": p95 * 1000,
            f"{name}warnings": len(outcome.warnings),
        }
    return figures
