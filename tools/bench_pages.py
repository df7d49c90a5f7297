"""Page data timings: the domain calls each app page makes on its first render, uncached.

The pages cache every call on the data version, so a page's first render after a change costs
the sum of its calls below; later renders cost a cache look-up. Run on the national-scale
database (`python -m tools.sample --scale national`):

    python -m tools.bench_pages --db PATH [--repeat 5]

Prints per page the median (over `repeat` runs, after one warm-up run) of the summed server
time, and the slowest call.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

from impactmonitor import breakdowns, deliveries, delivery_status, escalation, kpis, target
from impactmonitor.access import User
from impactmonitor.mirror import mirror_report, mirror_window
from impactmonitor.quarters import previous, shift
from impactmonitor.storage import Database
from pipelines.cli import add_db_option

MANAGER = User("bench", "contract_manager")

Call = tuple[str, Callable[[], object]]


def page_calls(db: Database) -> dict[str, list[Call]]:
    """The calls each page makes, with the parameters of a typical first view."""
    quarters = kpis.provider_quarters(db, MANAGER)
    quarter = quarters[0]
    agb = db.scalar("SELECT min(provider_agb) FROM providers WHERE category = 'A'")
    provider = User("bench-provider", "provider", frozenset({agb}))
    window = tuple(shift(quarter, -i) for i in range(7, -1, -1))
    return {
        "overview": [
            ("provider_quarters", lambda: kpis.provider_quarters(db, MANAGER)),
            (
                "headline",
                lambda: kpis.aggregate_kpis(db, MANAGER, (previous(quarter), quarter), by=()),
            ),
            ("target_overview", lambda: target.target_overview(db, MANAGER)),
            (
                "contributions provider",
                lambda: target.target_contributions(
                    db, MANAGER, "short_residential", by="provider"
                ),
            ),
            (
                "contributions municipality",
                lambda: target.target_contributions(
                    db, MANAGER, "short_residential", by="municipality"
                ),
            ),
        ],
        "categories": [
            ("provider_choices", lambda: deliveries.provider_choices(db, MANAGER)),
            ("kpi_table", lambda: kpis.kpi_table(db, MANAGER, quarter)),
            (
                "sparklines",
                lambda: kpis.kpi_values(
                    db,
                    MANAGER,
                    ("provider_agb", "quarter"),
                    quarters=window,
                    kpis=("goal_achievement",),
                ),
            ),
            (
                "category totals",
                lambda: kpis.aggregate_kpis(db, MANAGER, (quarter,), by=("category",)),
            ),
            ("region totals", lambda: kpis.aggregate_kpis(db, MANAGER, (quarter,), by=())),
        ],
        "provider": [
            ("provider_choices", lambda: deliveries.provider_choices(db, MANAGER)),
            ("decision_history", lambda: escalation.decision_history(db, MANAGER, agb)),
            ("kpi_history", lambda: kpis.kpi_history(db, MANAGER, agb)),
            ("breakdowns", lambda: breakdowns.provider_breakdowns(db, MANAGER, agb, quarter)),
            ("delivery_history", lambda: deliveries.delivery_history(db, MANAGER, agb)),
        ],
        "escalation": [
            (
                "board + reviews",
                lambda: escalation.reviews_due_from_board(escalation.escalation_board(db, MANAGER)),
            ),
            ("decision_history", lambda: escalation.decision_history(db, MANAGER)),
        ],
        "delivery_status": [
            (
                "status + summary",
                lambda: delivery_status.summary_from_status(
                    delivery_status.delivery_status(db, MANAGER)
                ),
            ),
        ],
        "mirror (provider user)": [
            ("provider_choices", lambda: deliveries.provider_choices(db, provider)),
            ("provider_quarters", lambda: kpis.provider_quarters(db, provider)),
            ("mirror table", lambda: mirror_report(db, provider, agb, (quarter,))),
            (
                "mirror trend",
                lambda: mirror_report(
                    db, provider, agb, mirror_window(quarter), ("goal_achievement",)
                ),
            ),
            ("kpi_table own", lambda: kpis.kpi_table(db, provider, quarter, provider_agb=agb)),
        ],
        "upload (provider user)": [
            ("provider_choices", lambda: deliveries.provider_choices(db, provider)),
            ("delivery_history", lambda: deliveries.delivery_history(db, provider, agb)),
        ],
    }


def time_pages(db: Database, repeat: int = 5) -> dict[str, tuple[float, str, float]]:
    """page -> (median total ms, slowest call, its median ms)."""
    results = {}
    for page, calls in page_calls(db).items():
        for _, call in calls:  # warm-up: imports, first connection, summaries in sync
            call()
        per_call: dict[str, list[float]] = {name: [] for name, _ in calls}
        totals = []
        for _ in range(repeat):
            total = 0.0
            for name, call in calls:
                started = time.perf_counter()
                call()
                elapsed = (time.perf_counter() - started) * 1000
                per_call[name].append(elapsed)
                total += elapsed
            totals.append(total)
        slowest = max(per_call, key=lambda name: statistics.median(per_call[name]))
        results[page] = (statistics.median(totals), slowest, statistics.median(per_call[slowest]))
    return results


def print_pages(db: Database, repeat: int = 5) -> None:
    providers = db.scalar("SELECT count(*) FROM providers")
    print(
        f"Page data, first render, uncached ({providers} providers), median of {repeat} "
        "(target ≤ 300 ms per page):"
    )
    for page, (total, slowest, slowest_ms) in time_pages(db, repeat).items():
        verdict = "ok" if total <= 300 else "over 300 ms"
        print(f"  {page:<24} {total:7.0f} ms  ({verdict}; slowest: {slowest} {slowest_ms:.0f} ms)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_pages")
    add_db_option(parser)
    parser.add_argument("--repeat", type=int, default=5)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    print_pages(Database(args.db), args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
