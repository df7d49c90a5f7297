"""DuckLake set-up and upkeep from the command line (SPEC section 8).

    python -m pipelines.lake init --db 'ducklake:postgres:<conninfo>' --data-path DIR_OR_S3_URL
    python -m pipelines.lake maintain --db 'ducklake:postgres:<conninfo>' [--keep-days 90]
    python -m pipelines.lake copy --from FILE.duckdb --to 'ducklake:postgres:<conninfo>'

`init` creates the catalog, stores the data path in it and applies the schema; after that the
one setting (`IMPACTMONITOR_DB` or `--db`) is all any process needs. `maintain` is the nightly
job: it flushes inlined rows, merges small Parquet files, expires snapshots older than
`--keep-days` (never one an escalation decision refers to) and deletes files no snapshot needs.
`copy` moves an existing region from a DuckDB file into an empty lake, all or nothing, and checks
the row counts. Exit 0 done, 1 failed (with a message), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys

from impactmonitor.storage import is_lake


def _lake_setting(value: str) -> str:
    if not is_lake(value):
        raise argparse.ArgumentTypeError(
            "een lake-instelling begint met 'ducklake:postgres:' (bijv. "
            "'ducklake:postgres:host=127.0.0.1 port=5432 user=im dbname=impactmonitor')"
        )
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.lake", description="DuckLake set-up, upkeep and migration."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="create the lake: catalog, data path, schema")
    init.add_argument(
        "--db", required=True, type=_lake_setting, help="ducklake:postgres:<libpq conninfo>"
    )
    init.add_argument(
        "--data-path",
        required=True,
        help="folder (shared by every server) or s3:// URL for the Parquet files",
    )
    maintain = commands.add_parser("maintain", help="nightly compaction and clean-up")
    maintain.add_argument("--db", required=True, type=_lake_setting)
    maintain.add_argument(
        "--keep-days",
        type=float,
        default=90.0,
        help="keep snapshots (time travel) this many days (default 90)",
    )
    copy = commands.add_parser("copy", help="move a region from a DuckDB file into a new lake")
    copy.add_argument("--from", dest="source", required=True, help="DuckDB database file")
    copy.add_argument("--to", dest="target", required=True, type=_lake_setting)
    args = parser.parse_args(argv)

    from impactmonitor import lake

    try:
        if args.command == "init":
            lake.create_lake(args.db, args.data_path)
            print(f"Lake klaar: schema versie {lake.schema_version(args.db)}.")
        elif args.command == "maintain":
            done = lake.maintain(args.db, args.keep_days)
            print("Onderhoud klaar: " + ", ".join(f"{k} {v}" for k, v in done.items()))
        else:
            counts = lake.copy_file_to_lake(args.source, args.target)
            for table, (rows, _) in counts.items():
                print(f"{table}: {rows} rijen")
            print(f"Gekopieerd: {len(counts)} tabellen, aantallen gecontroleerd.")
    except (lake.LakeNotInitialized, ValueError) as problem:
        print(f"Mislukt: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
