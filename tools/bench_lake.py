"""Lake figures beside the file's, in the same run (`make bench` prints them).

    python -m tools.bench_lake [--national FILE.duckdb] [--runs 15] [--db-dir DIR]

Starts a throw-away PostgreSQL cluster (tools/postgres.py), then measures on DuckLake and on a
DuckDB file:
- one typical delivery end to end in a warm process (median, p95);
- the KPI table for the latest quarter at national scale (when `--national` names the national
  benchmark file: it is copied into a lake first);
- concurrent ingest throughput: 4 writer processes × `--deliveries` deliveries of different
  provider-quarters, deliveries per second over the whole run (the file's writers take turns
  on the file lock; the lake's write at once).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

from impactmonitor.storage import Database
from tools.bench_delivery import bench_single, register_providers, typical_delivery

REPO = Path(__file__).resolve().parent.parent
WRITERS = 4

_WRITER = """
import json, sys, time
from pathlib import Path
from impactmonitor.storage import Database
from pipelines.ingest import Upload, ingest
db = Database(sys.argv[1])
items = json.loads(sys.argv[2])
db.ensure_schema()
print("ready", flush=True)
sys.stdin.readline()  # all writers start together
started = time.perf_counter()
for item in items:
    uploads = [Upload(p.name, p.read_bytes()) for p in sorted(Path(item["folder"]).iterdir())]
    outcome = ingest(db, item["agb"], item["quarter"], uploads, actor="bench")
    if not outcome.accepted:
        raise SystemExit(f"rejected: {[e.message for e in outcome.errors][:5]}")
print(time.perf_counter() - started)
"""


def _throughput(location: str, folder: Path, deliveries: int) -> float:
    """Deliveries per second with WRITERS processes writing at once."""
    from tools.sample_files import csv_bytes

    agbs = [f"{30000000 + n:08d}" for n in range(WRITERS)]
    register_providers(Database(location), agbs, "B", [f"Bench {a}" for a in agbs])
    # The typical delivery has the municipality codes from before the 2023 merger: its quarters
    # lie in 2021-2022 (the bench providers' contracts start in 2021).
    if deliveries > 8:
        raise ValueError("at most 8 deliveries per writer (2021Q1-2022Q4)")
    quarters = [f"{2021 + q // 4}Q{q % 4 + 1}" for q in range(deliveries)]
    plans = []
    for agb in agbs:  # one provider per writer, its own quarters: no two writers share a key
        items = []
        for quarter in quarters:
            target = folder / f"{agb}-{quarter}"
            target.mkdir(parents=True, exist_ok=True)
            for table, frame in typical_delivery(quarter).items():
                frame = frame.with_columns(pl.lit(agb).alias("provider_agb"))
                (target / f"{table}.csv").write_bytes(csv_bytes(frame, table, "excel_nl_cp1252"))
            items.append({"agb": agb, "quarter": quarter, "folder": str(target)})
        plans.append(items)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, location, json.dumps(items)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=REPO,
        )
        for items in plans
    ]
    for writer in writers:
        assert writer.stdout is not None
        said = []  # anything a writer prints before it is ready (warnings) is kept for the error
        while (line := writer.stdout.readline()) and line.strip() != "ready":
            said.append(line)
        if not line:
            raise RuntimeError(f"benchmark writer did not start: {''.join(said)[-2000:]}")
    started = time.perf_counter()
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        out, _ = writer.communicate(timeout=1800)
        if writer.returncode != 0:
            raise RuntimeError(f"benchmark writer failed: {out}")
    return WRITERS * deliveries / (time.perf_counter() - started)


def run(folder: Path, national: Path | None, runs: int, deliveries: int) -> list[str]:
    from impactmonitor.lake import copy_file_to_lake, create_lake
    from tools.postgres import PostgresCluster, lake_location, postgres_bin

    if postgres_bin() is None:
        return ["lake figures: skipped (no PostgreSQL server binaries; Debian's postgresql)"]
    lines = []
    cluster = PostgresCluster()
    try:

        def new_lake(name: str) -> str:
            location = lake_location(cluster, cluster.new_database())
            create_lake(location, str(folder / f"lake-{name}"))
            return location

        def new_file(name: str) -> str:
            path = folder / f"lake-bench-{name}.duckdb"
            path.unlink(missing_ok=True)
            return str(path)

        for label, location in (("file", new_file("single")), ("lake", new_lake("single"))):
            figures = bench_single(Database(location), runs)
            lines.append(
                f"one delivery on the {label}: median {figures['median_ms']:.0f} ms, "
                f"p95 {figures['p95_ms']:.0f} ms ({runs} runs)"
            )
        if national is not None and national.exists():
            from tools.bench_kpis import run as kpi_run

            location = new_lake("national")
            started = time.perf_counter()
            copy_file_to_lake(str(national), location)
            copied = time.perf_counter() - started
            on_file = kpi_run(str(national), runs=5)
            on_lake = kpi_run(location, runs=5)
            lines.append(f"national set copied into a lake in {copied:.1f} s")
            for name in ("kpi_table_ms", "target_series_ms", "escalation_board_ms"):
                lines.append(f"{name}: file {on_file[name]:.0f} ms, lake {on_lake[name]:.0f} ms")
        for label, location in (("file", new_file("writers")), ("lake", new_lake("writers"))):
            rate = _throughput(location, folder / f"writers-{label}", deliveries)
            lines.append(
                f"{WRITERS} writers × {deliveries} deliveries on the {label}: "
                f"{rate:.1f} deliveries/s"
            )
    finally:
        cluster.stop()
        for path in folder.glob("lake-*"):
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()
        for path in folder.glob("writers-*"):
            shutil.rmtree(path, ignore_errors=True)
    return lines


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench_lake",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--national", type=Path, help="national benchmark DuckDB file")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--deliveries", type=int, default=6, help="deliveries per writer")
    parser.add_argument("--db-dir", type=Path, default=Path("bench-out"))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.db_dir.mkdir(parents=True, exist_ok=True)
    print(f"load average before the run: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    for line in run(args.db_dir, args.national, args.runs, args.deliveries):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
