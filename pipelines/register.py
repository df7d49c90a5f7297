"""Load or update the provider register from a CSV file.

    python -m pipelines.register --db PATH [--lang nl|en] FILE

Columns: provider_agb, name, category, lot, contract_start, contract_end. The whole file is checked
first; with any error nothing is stored (exit 1). Unchanged entries are skipped; changed ones are
appended, so the register keeps its history. Exit 2 on a usage error (missing file, bad option).
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from impactmonitor.i18n import DEFAULT_LANGUAGE, text
from impactmonitor.providers import REGISTER_COLUMNS, REGISTER_SCHEMA, append_register_entries
from impactmonitor.storage import Database, DatabaseBusy
from pipelines.cli import add_db_option, add_lang_option
from pipelines.findings import Finding
from pipelines.read import csv_rows, decode, detect_separator, normalise_header
from schemas.reference import CATEGORIES
from schemas.tables import is_agb, lost_leading_zero

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$")  # Dutch Excel writes 1-1-2023


def _parse_date(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    if _ISO_DATE.match(value):
        return date.fromisoformat(value)
    match = _DUTCH_DATE.match(value)
    if match:
        day, month, year = (int(part) for part in match.groups())
        return date(year, month, day)
    raise ValueError(value)


def _rows(content: bytes) -> tuple[int, list[str], list[tuple[int, list[str]]]] | str:
    """(line of the header, its cells, (line number, cells) of every non-empty row after it), or
    the key of a file-level error. Read as delivery files are read (`pipelines.read`)."""
    if b"\x00" in content:
        return "register_file_unreadable"
    decoded = decode(content)
    if decoded is None or not decoded.strip():
        return "register_file_unreadable"
    lines = decoded.lstrip("\ufeff").splitlines(keepends=True)
    # Excel may lead with empty lines, or lines of separators only.
    blank = next((i for i, line in enumerate(lines) if line.strip(' \t\r\n;,"')), None)
    if blank is None:
        return "register_no_entries"
    read = csv_rows("register", "".join(lines[blank:]), detect_separator(lines[blank]), blank)
    if isinstance(read, Finding):
        return "register_broken_quotes"
    header, rows = read
    return blank + 1, header, rows


def parse_register(
    content: bytes, lang: str = DEFAULT_LANGUAGE
) -> tuple[pl.DataFrame | None, list[str]]:
    """The register entries in a CSV file, or the list of errors (row numbers as in Excel)."""

    def msg(key: str, **fields: object) -> str:
        return text(key, lang, **fields)

    read = _rows(content)
    if isinstance(read, str):
        return None, [msg(read)]
    header_row, header_cells, rows = read
    header = [normalise_header(c) for c in header_cells]
    errors = [
        msg("register_missing_column", row=header_row, column=c)
        for c in REGISTER_COLUMNS
        if c not in header
    ]
    errors += [
        msg("register_unknown_column", row=header_row, column=c)
        for c in header
        if c and c not in REGISTER_COLUMNS
    ]
    errors += [
        msg("register_duplicate_column", row=header_row, column=c)
        for c in sorted({c for c in header if c and header.count(c) > 1})
    ]
    if errors:
        return None, errors
    records = []
    seen: dict[str, int] = {}
    for number, row in rows:
        if len(row) != len(header):
            errors.append(msg("register_ragged", row=number, found=len(row), expected=len(header)))
            continue
        record: dict[str, object] = {
            name: cell.replace("\u00a0", " ").strip()
            for name, cell in zip(header, row, strict=True)
            if name
        }
        agb = str(record["provider_agb"])
        if lost_leading_zero(agb):
            errors.append(msg("register_agb_seven_digits", row=number, value=agb, padded="0" + agb))
        elif not is_agb(agb):
            errors.append(msg("register_bad_agb", row=number, value=agb))
        elif agb in seen:
            errors.append(msg("register_duplicate_agb", row=number, value=agb, other_row=seen[agb]))
        else:
            seen[agb] = number
        if not record["name"]:
            errors.append(msg("register_name_empty", row=number))
        category = str(record["category"]).upper()
        if category not in CATEGORIES:
            errors.append(msg("register_bad_category", row=number, value=record["category"]))
        for column in ("contract_start", "contract_end"):
            try:
                record[column] = _parse_date(str(record[column]))
            except ValueError:
                errors.append(
                    msg("register_bad_date", row=number, column=column, value=record[column])
                )
                record[column] = None
        start, end = record["contract_start"], record["contract_end"]
        if isinstance(start, date) and isinstance(end, date) and end < start:
            errors.append(msg("register_end_before_start", row=number))
        record["category"] = category
        record["lot"] = record["lot"] or None
        records.append(record)
    if errors:
        return None, errors
    if not records:
        return None, [msg("register_no_entries")]
    return pl.DataFrame(records, schema=REGISTER_SCHEMA), []


def load_register(
    db: Database, content: bytes, actor: str, lang: str = DEFAULT_LANGUAGE
) -> tuple[int, list[str]]:
    """(entries written, errors). With errors nothing is written."""
    entries, errors = parse_register(content, lang)
    if entries is None:
        return 0, errors
    with db.transaction() as con:
        return append_register_entries(con, entries, actor), []


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.register", description="Load or update the provider register."
    )
    add_db_option(parser)
    add_lang_option(parser)
    parser.add_argument("file", help="CSV with " + ", ".join(REGISTER_COLUMNS))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    lang = args.lang
    path = Path(args.file)
    if not path.is_file():
        parser.error(text("cli_no_such_file", lang, path=str(path)))
    try:
        content = path.read_bytes()
    except OSError as exc:
        parser.error(
            text(
                "cli_unreadable_file",
                lang,
                path=str(path),
                detail=exc.strerror or type(exc).__name__,
            )
        )
    try:
        written, errors = load_register(
            Database(args.db), content, actor=f"cli:{getpass.getuser()}", lang=lang
        )
    except DatabaseBusy:
        print(text("cli_database_busy", lang), file=sys.stderr)
        return 1
    except (duckdb.Error, OSError) as exc:
        print(
            f"{parser.prog}: {text('cli_database_unusable', lang, path=args.db)} "
            f"({type(exc).__name__})",
            file=sys.stderr,
        )
        return 2
    if errors:
        print(text("admin_register_rejected", lang, count=len(errors)))
        for line in errors:
            print(f"  - {line}")
        return 1
    print(text("admin_register_saved", lang, count=written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
