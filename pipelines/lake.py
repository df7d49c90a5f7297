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

from impactmonitor.i18n import DEFAULT_LANGUAGE, text
from impactmonitor.storage import is_lake

CLI_LANG = DEFAULT_LANGUAGE  # the command's messages (it has no --lang)


def _lake_setting(value: str) -> str:
    if not is_lake(value):
        raise argparse.ArgumentTypeError(text("cli_lake_setting", CLI_LANG))
    return value


def build_parser() -> argparse.ArgumentParser:
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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)

    from impactmonitor import lake

    try:
        if args.command == "init":
            lake.create_lake(args.db, args.data_path)
            print(text("cli_lake_ready", CLI_LANG, version=lake.schema_version(args.db)))
        elif args.command == "maintain":
            done = lake.maintain(args.db, args.keep_days)
            summary = ", ".join(f"{k} {v}" for k, v in done.items())
            print(text("cli_lake_maintained", CLI_LANG, done=summary))
        else:
            counts = lake.copy_file_to_lake(args.source, args.target)
            for table, (rows, _) in counts.items():
                print(text("cli_lake_table_rows", CLI_LANG, table=table, rows=rows))
            print(text("cli_lake_copied", CLI_LANG, count=len(counts)))
    except (lake.LakeNotInitialized, ValueError) as problem:
        print(text("cli_lake_failed", CLI_LANG, problem=problem), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
