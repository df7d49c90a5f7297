"""DuckLake set-up and upkeep from the command line (SPEC section 8).

    python -m pipelines.lake init --db 'ducklake:postgres:<conninfo>' --data-path DIR_OR_S3_URL
    python -m pipelines.lake maintain --db 'ducklake:postgres:<conninfo>' [--keep-days 90]
    python -m pipelines.lake copy --from FILE.duckdb --to 'ducklake:postgres:<conninfo>'

`init` creates the catalog, stores the data path in it and applies the schema; after that the
one setting (`IMPACTMONITOR_DB` or `--db`) is all any process needs. `maintain` is the nightly
job: it flushes inlined rows, merges small Parquet files, expires snapshots older than
`--keep-days` (never one an escalation decision refers to) and deletes files no snapshot needs.
`copy` moves an existing region from a DuckDB file into an empty lake, all or nothing, and checks
the row counts. Each takes `--lang nl|en` for its help and messages. Exit 0 done, 1 failed (with a
message), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from impactmonitor.i18n import text
from impactmonitor.storage import is_lake
from pipelines.cli import Parser, add_lang_option, known_language, language_of


def _lake_setting(lang: str) -> Callable[[str], str]:
    """The argument type of a lake setting, its error in `lang`."""

    def lake_setting(value: str) -> str:
        if not is_lake(value):
            raise argparse.ArgumentTypeError(text("cli_lake_setting", lang))
        return value

    return lake_setting


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    lang = known_language(lang)
    parser = Parser(
        prog="python -m pipelines.lake", description=text("cli_description_lake", lang), lang=lang
    )
    setting = _lake_setting(lang)
    setting_help = text("cli_help_lake_db", lang)
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help=text("cli_help_lake_init", lang), lang=lang)
    init.add_argument("--db", required=True, type=setting, help=setting_help)
    init.add_argument("--data-path", required=True, help=text("cli_help_lake_data_path", lang))
    maintain = commands.add_parser("maintain", help=text("cli_help_lake_maintain", lang), lang=lang)
    maintain.add_argument("--db", required=True, type=setting, help=setting_help)
    maintain.add_argument(
        "--keep-days", type=float, default=90.0, help=text("cli_help_lake_keep_days", lang)
    )
    copy = commands.add_parser("copy", help=text("cli_help_lake_copy", lang), lang=lang)
    copy.add_argument("--from", dest="source", required=True, help=text("cli_help_db", lang))
    copy.add_argument("--to", dest="target", required=True, type=setting, help=setting_help)
    for command in (init, maintain, copy):
        add_lang_option(command)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(language_of(argv))
    args = parser.parse_args(argv)
    lang = args.lang

    from impactmonitor import lake

    try:
        if args.command == "init":
            lake.create_lake(args.db, args.data_path)
            print(text("cli_lake_ready", lang, version=lake.schema_version(args.db)))
        elif args.command == "maintain":
            done = lake.maintain(args.db, args.keep_days)
            summary = ", ".join(f"{k} {v}" for k, v in done.items())
            print(text("cli_lake_maintained", lang, done=summary))
        else:
            counts = lake.copy_file_to_lake(args.source, args.target)
            for table, (rows, _) in counts.items():
                print(text("cli_lake_table_rows", lang, table=table, rows=rows))
            print(text("cli_lake_copied", lang, count=len(counts)))
    except (lake.LakeNotInitialized, ValueError) as problem:
        print(text("cli_lake_failed", lang, problem=problem), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
