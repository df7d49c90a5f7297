"""Load or update the provider register from a CSV file.

    python -m pipelines.register --db PATH [--actor NAME] [--lang nl|en] FILE

Columns: provider_agb, name, category, lot, contract_start, contract_end (`schemas.tables.REGISTER`:
read, parsed and validated by the code that reads delivery tables, with the same messages). The
whole file is checked first; with any error nothing is stored (exit 1). Unchanged entries are
skipped; changed ones are appended, so the register keeps its history. Exit 2 on a usage error
(missing file, bad option, no usable database), 3 when another process held the database too
long.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys

import polars as pl

from impactmonitor.i18n import text
from impactmonitor.providers import REGISTER_COLUMNS, append_register_entries
from impactmonitor.storage import Database
from pipelines.cli import (
    EXIT_ACCEPTED,
    EXIT_REJECTED,
    Parser,
    actor_of,
    add_common_options,
    add_db_option,
    format_findings,
    known_language,
    language_of,
    on_database,
    read_file_arguments,
)
from pipelines.findings import Finding, sort_key
from pipelines.parse import parse_table, restore_written_values
from pipelines.read import ROW, read_upload
from pipelines.validate import validate_table
from schemas.tables import REGISTER

DEFAULT_FILE_NAME = "aanbieders.csv"


def parse_register(
    content: bytes, file_name: str = DEFAULT_FILE_NAME
) -> tuple[pl.DataFrame | None, list[Finding]]:
    """The register entries in a CSV file, or the findings that say what is wrong (rows numbered
    as in Excel). Read, parsed and validated as a delivery table is (`schemas.tables.REGISTER`)."""
    tables, findings = read_upload(file_name, content, table=REGISTER.name)
    if not tables:
        return None, findings
    raw = tables[0]
    typed, parse_findings = parse_table(raw)
    rule_findings = validate_table(typed, raw.table, raw.file_name)
    restore_written_values(raw, rule_findings)
    findings = sorted(findings + parse_findings + rule_findings, key=sort_key)
    if any(f.is_error for f in findings):
        return None, findings
    return typed.drop(ROW).select(REGISTER_COLUMNS), findings


def register_csv(entries: list[dict[str, str]]) -> bytes:
    """Entries (column -> text) as a register file, as Dutch Excel writes one (`;`, UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(REGISTER_COLUMNS)
    writer.writerows([entry.get(column, "") for column in REGISTER_COLUMNS] for entry in entries)
    return out.getvalue().encode("utf-8")


def load_register(
    db: Database, content: bytes, actor: str, file_name: str = DEFAULT_FILE_NAME
) -> tuple[int, list[Finding]]:
    """(entries written, findings). With an error nothing is written."""
    entries, findings = parse_register(content, file_name)
    if entries is None:
        return 0, findings
    with db.transaction() as con:
        return append_register_entries(con, entries, actor), findings


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    lang = known_language(lang)
    parser = Parser(
        prog="python -m pipelines.register",
        description=text("cli_description_register", lang),
        epilog=text("cli_exit_codes_register", lang),
        lang=lang,
    )
    add_db_option(parser)
    add_common_options(parser)
    parser.add_argument(
        "file", help=text("cli_help_register_file", lang, columns=", ".join(REGISTER_COLUMNS))
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(language_of(argv))
    args = parser.parse_args(argv)
    lang = args.lang
    (upload,) = read_file_arguments(parser, [args.file], lang)
    outcome = on_database(
        parser,
        args,
        lambda db: load_register(db, upload.content, actor=actor_of(args), file_name=upload.name),
        busy=None,
    )
    if isinstance(outcome, int):
        return outcome
    written, findings = outcome
    errors = [f for f in findings if f.is_error]
    if errors:
        print(text("admin_register_rejected", lang, count=len(errors)))
        print("\n".join(format_findings(errors, lang)))
        return EXIT_REJECTED
    print(text("admin_register_saved", lang, count=written))
    return EXIT_ACCEPTED


if __name__ == "__main__":
    sys.exit(main())
