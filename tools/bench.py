"""Benchmark figures (issue 3, item 7).

    python -m tools.bench [--rows 1000000] [--db-dir DIR] [--repeat 5] [--runs 30]

(b) one typical delivery (three tables, ≈ 450 rows, Dutch Excel CSV, continuing the stored
    previous quarter) through `pipelines.ingest.ingest` in a warm process: median and p95 over
    `--runs` runs (target ≤ 100 ms); and the same rows when they do not continue the previous
    quarter (a plausibility warning on most rows);
(a) bulk ingest of a population CSV with ≥ `--rows` rows (the national benchmark set), full
    validation included, against DuckDB's own `CREATE TABLE t AS SELECT * FROM read_csv(...)` of
    the same file, in the same run, each on a fresh database file: medians over `--repeat` rounds
    and their ratio (target ≤ 2×);
(c) peak resident memory (after (b), and after (a));
and, when `tools/bench_kpis.py` exists, its `run(db_path)` figures on the national database
(population from (a) plus offer and results loaded through the bulk path).

The single delivery runs first so that its peak memory is not hidden by the bulk run's.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from impactmonitor.providers import append_register_entries
from impactmonitor.storage import Database
from pipelines.bulk import ingest_bulk
from pipelines.ingest import Upload
from tools.bench_delivery import bench_single
from tools.sample_national import providers_for_rows, simulate_national


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024


def _fresh(path: Path) -> Path:
    for suffix in ("", ".wal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def _timed(action: Callable[[], object], cpu: list[float] | None = None) -> float:
    """Wall seconds of `action`; its CPU seconds (all threads) are appended to `cpu`."""
    started, started_cpu = time.perf_counter(), time.process_time()
    action()
    if cpu is not None:
        cpu.append(time.process_time() - started_cpu)
    return time.perf_counter() - started


# ---- (a) bulk against DuckDB read_csv -----------------------------------------------------------


@dataclass
class BulkFigures:
    rows: int
    providers: int
    generated_s: float
    bulk_s: list[float]
    read_csv_s: list[float]
    offer_results_s: float = 0.0
    # CPU seconds of all threads: less sensitive than wall time to other load on the machine.
    bulk_cpu_s: list[float] = field(default_factory=list)
    read_csv_cpu_s: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return statistics.median(self.bulk_s) / statistics.median(self.read_csv_s)

    @property
    def best_ratio(self) -> float:
        """On a shared machine the least disturbed round is the fairest comparison."""
        return min(self.bulk_s) / min(self.read_csv_s)


def bench_bulk(folder: Path, rows: int, repeat: int) -> tuple[BulkFigures, Path]:
    providers = providers_for_rows(rows)
    started = time.perf_counter()
    data = simulate_national(providers)
    data_dir = folder / "national"
    data_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for table, frame in (
        ("population", data.population),
        ("offer", data.offer),
        ("results", data.results),
    ):
        paths[table] = data_dir / f"{table}.csv"
        frame.write_csv(paths[table], line_terminator="\n")
    figures = BulkFigures(data.population.height, providers, time.perf_counter() - started, [], [])
    register = data.register
    del data

    db_path = folder / "national.duckdb"
    reference = folder / "read_csv.duckdb"
    population = paths["population"]

    def run_bulk(db: Database) -> None:
        content = population.read_bytes()
        results = ingest_bulk(db, [Upload("population.csv", content)], actor="bench")
        if not all(r.accepted for r in results):
            raise RuntimeError("benchmark bulk file rejected")

    def run_duckdb() -> None:
        con = duckdb.connect(str(reference))
        try:
            con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(population)])
        finally:
            con.close()

    for _ in range(repeat):
        db = Database(_fresh(db_path))
        with db.transaction() as con:  # the register is not part of the measurement
            append_register_entries(con, register, actor="bench")
        figures.bulk_s.append(_timed(functools.partial(run_bulk, db), figures.bulk_cpu_s))
        _fresh(reference)
        figures.read_csv_s.append(_timed(run_duckdb, figures.read_csv_cpu_s))
    _fresh(reference)
    figures.offer_results_s = _timed(
        lambda: ingest_bulk(
            Database(db_path),
            [Upload(f"{t}.csv", paths[t].read_bytes()) for t in ("offer", "results")],
            actor="bench",
        )
    )
    return figures, db_path


def bench_kpis(db_path: Path) -> dict[str, float] | None:
    try:
        module = importlib.import_module("tools.bench_kpis")
    except ModuleNotFoundError as error:
        if error.name != "tools.bench_kpis":
            raise
        return None
    return module.run(str(db_path))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=1_000_000,
        help="population rows for the bulk benchmark (at least this many)",
    )
    parser.add_argument("--db-dir", default="bench-out", help="folder for files and databases")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of the bulk comparison")
    parser.add_argument("--runs", type=int, default=30, help="runs of the single delivery")
    parser.add_argument("--keep", action="store_true", help="keep the files afterwards")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    folder = Path(args.db_dir)
    folder.mkdir(parents=True, exist_ok=True)

    # Other work on the machine moves every figure: say how busy it was.
    print(f"load average before the run: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    single = bench_single(Database(_fresh(folder / "single.duckdb")), args.runs)
    rss_single = peak_rss_mb()
    print(
        f"(b) one delivery, {single['rows']:.0f} rows (3 tables, Dutch Excel CSV), warm "
        f"process, {args.runs} runs: median {single['median_ms']:.0f} ms, "
        f"p95 {single['p95_ms']:.0f} ms  (target ≤ 100 ms; {single['warnings']:.0f} warnings)"
    )
    print(
        f"    the same rows not continuing the previous quarter "
        f"({single['warnings_warnings']:.0f} warnings): median "
        f"{single['warnings_median_ms']:.0f} ms, p95 {single['warnings_p95_ms']:.0f} ms"
    )
    print(f"(c) peak RSS after (b): {rss_single:.0f} MB")

    bulk, db_path = bench_bulk(folder, args.rows, args.repeat)

    def seconds(values: list[float]) -> str:
        return (
            f"median {statistics.median(values):.2f} s, best {min(values):.2f} s "
            f"[{', '.join(f'{v:.2f}' for v in values)}]"
        )

    print(
        f"(a) bulk ingest of {bulk.rows:,} population rows ({bulk.providers:,} providers × 20 "
        f"quarters; file generated in {bulk.generated_s:.1f} s), full validation and load: "
        f"{seconds(bulk.bulk_s)}"
    )
    print(f"    DuckDB read_csv of the same file into a table: {seconds(bulk.read_csv_s)}")
    print(
        f"    ratio {bulk.ratio:.1f}× on medians, {bulk.best_ratio:.1f}× on best times "
        f"(target ≤ 2×; {args.repeat} rounds, each on fresh database files)"
    )
    print(
        f"    CPU time (all threads): bulk {seconds(bulk.bulk_cpu_s)}, read_csv "
        f"{seconds(bulk.read_csv_cpu_s)}; ratio "
        f"{statistics.median(bulk.bulk_cpu_s) / statistics.median(bulk.read_csv_cpu_s):.1f}×"
    )
    print(
        f"    offer + results of the same set through the bulk path: {bulk.offer_results_s:.1f} s"
    )
    print(f"(c) peak RSS after (a): {peak_rss_mb():.0f} MB")

    kpis = bench_kpis(db_path)
    if kpis is None:
        print("KPI benchmark: tools/bench_kpis.py not present")
    else:
        for name, value in kpis.items():
            print(f"KPI benchmark {name}: {value:.3f}")
    from tools.bench_pages import print_pages

    print_pages(Database(db_path), repeat=3)
    from tools.bench_lake import run as lake_figures

    print("DuckLake beside the file (throw-away PostgreSQL cluster, same machine, same run):")
    for line in lake_figures(folder, db_path, runs=15, deliveries=6):
        print(f"    {line}")
    if not args.keep:
        shutil.rmtree(folder / "national", ignore_errors=True)
        for name in ("single.duckdb", "national.duckdb"):
            _fresh(folder / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
