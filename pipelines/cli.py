"""What the command lines share: the options every one of them spells the same (--db, --lang,
--actor), and for the command lines that read files (`pipelines.ingest`, `pipelines.bulk`,
`pipelines.register`) reading FILE arguments, printing findings, the JSON report, exit codes and
the words for a database that cannot be used."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb

from impactmonitor.i18n import DEFAULT_LANGUAGE, LANGUAGES, text
from impactmonitor.storage import Database, DatabaseBusy, storage_problem
from pipelines.engine import Upload
from pipelines.findings import Finding


def add_db_option(parser: argparse.ArgumentParser, help: str = "DuckDB database file") -> None:
    parser.add_argument("--db", required=True, help=help)


def add_lang_option(parser: argparse.ArgumentParser) -> None:
    """--lang: the language of the command's messages and of what it writes."""
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """--actor and --lang, as every ingest command line has them."""
    parser.add_argument("--actor", default=None, help="who delivers (default: the OS user)")
    add_lang_option(parser)


def actor_of(args: argparse.Namespace) -> str:
    return args.actor or f"cli:{getpass.getuser()}"


def format_findings(findings: list[Finding], lang: str) -> list[str]:
    lines = []
    for f in findings:
        where = " ".join(
            part
            for part in (
                f.file or "",
                f"[{text('table_' + f.table, lang)}]" if f.table else "",
                f"{text('col_row', lang)} {f.row}" if f.row else "",
                f"{text('col_column', lang)} {f.column}" if f.column else "",
                f"({text('col_value', lang)} {f.value!r})" if f.value not in (None, "") else "",
            )
            if part
        )
        lines.append(f"  - {where}: {f.message(lang)}" if where else f"  - {f.message(lang)}")
    return lines


EXIT_ACCEPTED, EXIT_REJECTED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3
EXIT_CODES = (
    "exit codes: 0 accepted; 1 rejected (the report says why; nothing stored); 2 usage error; "
    "3 database busy (another process held it too long; nothing stored): try again later"
)


def busy_report(lang: str) -> dict:
    """The --report-json of a delivery that met a busy database: not a rejection."""
    return {
        "accepted": False,
        "busy": True,
        "error_count": 1,
        "warning_count": 0,
        "errors": [
            {
                "file": None,
                "table": None,
                "row": None,
                "column": None,
                "value": None,
                "message": text("cli_database_busy", lang),
            }
        ],
        "warnings": [],
        "receipt": None,
    }


def database_failure(prog: str, path: str, exc: BaseException, lang: str) -> str:
    """What a command line says when the database cannot be used: a full disk or a read-only
    folder in plain words (nothing stored, nothing lost), else that it is no usable DuckDB file.
    Shared by the ingest and bulk CLIs."""
    problem = storage_problem(exc)
    if problem:
        return f"{prog}: {text(problem, lang, path=path)}"
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    return (
        f"{prog}: {text('cli_database_unusable', lang, path=path)} "
        f"({type(exc).__name__}: {first_line})"
    )


Result = TypeVar("Result")


def on_database(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    action: Callable[[Database], Result],
    busy: object,
) -> Result | int:
    """`action` on the --db database, or the exit code when it cannot run there: EXIT_BUSY (with
    `busy` as the --report-json, if the command has one) when another process held the database
    too long, EXIT_USAGE when --db is no DuckDB file or not writable. Nothing is stored in either
    case. Shared by the ingest, bulk and register command lines."""
    lang = args.lang
    try:
        return action(Database(args.db))
    except DatabaseBusy:
        print(text("cli_database_busy", lang), file=sys.stderr)
        write_report(getattr(args, "report_json", None), busy)
        return EXIT_BUSY
    except (duckdb.Error, OSError) as exc:
        print(database_failure(parser.prog, args.db, exc, lang), file=sys.stderr)
        return EXIT_USAGE


def write_report(path: str | None, report: object) -> None:
    if path:
        Path(path).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


def uploads_from_arguments(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> list[Upload]:
    """The FILE arguments read as uploads; a usage error (exit 2) for a missing or unreadable
    file, or a --report-json folder that does not exist. Shared by the ingest and bulk CLIs."""
    lang = args.lang
    paths = [Path(name) for name in args.files]
    for path in paths:
        if not path.is_file():
            parser.error(text("cli_no_such_file", lang, path=str(path)))
    for output in (args.report_json, getattr(args, "error_file", None)):
        if output and not Path(output).resolve().parent.is_dir():
            parser.error(text("cli_no_such_file", lang, path=str(Path(output).parent)))
    try:
        return [Upload(path.name, path.read_bytes()) for path in paths]
    except OSError as exc:
        parser.error(
            text(
                "cli_unreadable_file",
                lang,
                path=str(exc.filename or ""),
                detail=exc.strerror or type(exc).__name__,
            )
        )
