"""KPI benchmark (issue 4, "Speed"): warm timings on a national-scale database.

    python -m tools.bench_kpis --db PATH [--runs 7]

Build the database first with `python -m tools.sample --db PATH --scale national`
(≈ 3,000 providers × 20 quarters). `run(db_path)` returns, in milliseconds (medians over the
warm runs, each through the public API exactly as a page calls it, with its own short
connection):

- `kpi_table_ms`: `kpis.kpi_table` for the latest quarter, all providers (target ≤ 300 ms);
- `target_series_ms`: `target.target_series`, the regional series (target ≤ 300 ms);
- `kpi_history_ms`, `category_kpis_ms`, `escalation_board_ms`, `delivery_status_ms`: the other
  page queries, for information;

plus `summary_sync_ms`: the one-off build of the KPI summaries on the first read after a load
that did not refresh them (0 when they were already up to date), and `providers`/`quarters`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date

from impactmonitor import escalation, kpis, target
from impactmonitor.access import SYSTEM_USER
from impactmonitor.delivery_status import delivery_status
from impactmonitor.storage import Database
from pipelines.cli import add_db_option


def _median_ms(action: Callable[[], object], runs: int) -> float:
    action()  # warm: imports, OS file cache, summaries
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def run(db_path: str, runs: int = 7) -> dict[str, float]:
    """Warm timings (ms) of the KPI table and the target series, see the module docstring."""
    db = Database(db_path)
    started = time.perf_counter()
    with kpis.summary_connection(db):
        pass
    sync_ms = (time.perf_counter() - started) * 1000
    quarter = db.scalar("SELECT max(quarter) FROM results_summary")
    providers = db.scalar("SELECT count(DISTINCT provider_agb) FROM results_summary")
    quarters = db.scalar("SELECT count(DISTINCT quarter) FROM results_summary")
    some_provider = db.scalar("SELECT min(provider_agb) FROM results_summary")
    as_of = date.today()
    return {
        "kpi_table_ms": _median_ms(lambda: kpis.kpi_table(db, SYSTEM_USER, quarter), runs),
        "target_series_ms": _median_ms(lambda: target.target_series(db, SYSTEM_USER), runs),
        "kpi_history_ms": _median_ms(
            lambda: kpis.kpi_history(db, SYSTEM_USER, some_provider), runs
        ),
        "category_kpis_ms": _median_ms(
            lambda: kpis.aggregate_kpis(db, SYSTEM_USER, [quarter], by=("category",)), runs
        ),
        "escalation_board_ms": _median_ms(
            lambda: escalation.escalation_board(db, SYSTEM_USER, as_of=as_of), max(runs // 2, 1)
        ),
        "delivery_status_ms": _median_ms(
            lambda: delivery_status(db, SYSTEM_USER, as_of), max(runs // 2, 1)
        ),
        "summary_sync_ms": sync_ms,
        "providers": float(providers or 0),
        "quarters": float(quarters or 0),
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench_kpis",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_db_option(parser, help="national-scale DuckDB database")
    parser.add_argument("--runs", type=int, default=7, help="warm runs per query (median)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    figures = run(args.db, args.runs)
    for name, value in figures.items():
        print(f"{name}: {value:.1f}")
    ok = figures["kpi_table_ms"] <= 300 and figures["target_series_ms"] <= 300
    print("within 300 ms: " + ("yes" if ok else "NO"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
