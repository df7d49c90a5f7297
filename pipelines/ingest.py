"""Ingest one delivery: read -> parse -> validate -> plausibility -> load -> receipt.

The app's upload page and the command line both call `ingest`; there is no other path into the
store. Command line (SPEC section 3):

    python -m pipelines.ingest --db PATH --provider AGB --quarter 2025Q2 \
        [--report-json PATH] [--error-file PATH] FILE...

The terminal and the JSON report list at most `[report] max_per_kind` errors of each kind and
`max_total` in all (then "… and 99,000 more of this kind"; `error_count` gives the total);
`--error-file` writes the complete list as a CSV (the app's downloadable error list).

Exit codes (`EXIT_CODES`): 0 accepted, 1 rejected (report printed, nothing stored but the
audit event of the attempt), 2 usage error or a database that cannot be written (a full disk, a
read-only folder: nothing stored, nothing lost), 3 database busy: another process held the file for
longer than the lock timeout, nothing was checked to the end or stored — try again later.
"""

from __future__ import annotations

import argparse
import errno
import getpass
import json
import logging
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from impactmonitor.access import User, require
from impactmonitor.audit import append_rejected_delivery
from impactmonitor.formatting import number
from impactmonitor.i18n import text
from impactmonitor.kpis import SUMMARY_LOCK
from impactmonitor.providers import is_registered
from impactmonitor.quarters import parse_quarter
from impactmonitor.storage import Database, DatabaseBusy, OpenedAhead
from pipelines.errorfile import error_table
from pipelines.findings import Finding, bounded, error, sort_key
from pipelines.limits import Limits
from pipelines.load import AcceptedTable, Receipt, store_delivery
from pipelines.parse import parse_table, restore_written_values
from pipelines.plausibility import latest_rows, plausibility_findings
from pipelines.read import ROW, RawTable, read_upload, sha256
from pipelines.validate import cross_table_findings, validate_table

AGB_PATTERN = re.compile(r"^\d{8}$")
logger = logging.getLogger(__name__)
Progress = Callable[[str, float], None]


@dataclass
class Upload:
    name: str
    content: bytes


@dataclass
class IngestOutcome:
    accepted: bool
    errors: list[Finding]
    warnings: list[Finding]
    receipt: Receipt | None = None
    raw_tables: list[RawTable] = field(default_factory=list)

    def report(self, lang: str = "nl") -> dict:
        """The JSON report of SPEC section 3 (plus the receipt when accepted), its lists bounded
        (`findings.bounded`; the counts are the totals)."""
        return {
            "accepted": self.accepted,
            "error_count": len(self.errors),
            "warning_count": len(self.warnings),
            "errors": [f.as_dict(lang) for f in bounded(self.errors)],
            "warnings": [f.as_dict(lang) for f in bounded(self.warnings)],
            "receipt": self.receipt.as_dict() if self.receipt else None,
        }


def _no_progress(stage: str, fraction: float) -> None:
    return None


def check_delivery_identity(provider_agb: str, quarter: str) -> tuple[str, str]:
    """Canonical (AGB, quarter) of a delivery, or ValueError for a malformed one."""
    canonical = parse_quarter(quarter)
    if canonical is None:
        raise ValueError(f"quarter: {quarter!r}")
    if not AGB_PATTERN.match(provider_agb.strip()):
        raise ValueError(f"provider: {provider_agb!r}")
    return provider_agb.strip(), canonical


def ingest(
    db: Database,
    provider_agb: str,
    quarter: str,
    uploads: list[Upload],
    actor: str,
    source: str = "cli",
    received_at: datetime | None = None,
    lang: str = "nl",
    progress: Progress = _no_progress,
    user: User | None = None,
) -> IngestOutcome:
    """Check a delivery completely; store it as a new version only when it has no errors.

    `user` is the logged-in app user: a provider user may deliver only for its own AGB codes
    (AccessDenied otherwise). Command lines act as the region and pass no user.
    """
    provider_agb, quarter = check_delivery_identity(provider_agb, quarter)
    if user is not None:
        require(user, "upload_delivery", provider_agb)
    # A typical delivery is checked in ~20 ms: the database opens meanwhile (storage.opened_ahead).
    # A big upload takes longer to check and does not hold the file that long.
    small = sum(len(upload.content) for upload in uploads) <= OPEN_AHEAD_MAX_BYTES
    with db.opened_ahead(enabled=small) as ahead:
        return _ingest(
            db, provider_agb, quarter, uploads, actor, source, received_at, lang, progress, ahead
        )


OPEN_AHEAD_MAX_BYTES = 1024 * 1024


def _ingest(
    db: Database,
    provider_agb: str,
    quarter: str,
    uploads: list[Upload],
    actor: str,
    source: str,
    received_at: datetime | None,
    lang: str,
    progress: Progress,
    ahead: OpenedAhead | None,
) -> IngestOutcome:
    findings: list[Finding] = []
    raw_tables: list[RawTable] = []
    limits = Limits.for_delivery()

    progress("read", 0.0)
    for upload in uploads:
        try:
            tables, read_findings = read_upload(upload.name, upload.content, limits)
        except Exception as exc:  # a reader bug must not become a traceback for the provider
            findings.append(_internal_error(upload.name, None, exc))
            continue
        findings += read_findings
        for raw in tables:
            earlier = next((t for t in raw_tables if t.table == raw.table), None)
            if earlier is not None:
                findings.append(
                    error(
                        "file_duplicate_table",
                        file=raw.file_name,
                        table=raw.table,
                        fields={"other_file": earlier.file_name},
                    )
                )
            else:
                raw_tables.append(raw)
    if not uploads:
        findings.append(error("file_no_tables"))

    typed: dict[str, pl.DataFrame] = {}
    for index, raw in enumerate(raw_tables):
        progress(f"check {raw.table}", 0.2 + 0.5 * index / max(len(raw_tables), 1))
        try:
            frame, parse_findings = parse_table(raw, expected_agb=provider_agb)
            findings += parse_findings
            rule_findings = validate_table(frame, raw.table, raw.file_name, provider_agb, quarter)
            restore_written_values(raw, rule_findings)
            findings += rule_findings
        except Exception as exc:  # see above: reported as an error, never a partial load
            findings.append(_internal_error(raw.file_name, raw.table, exc))
            continue
        typed[raw.table] = frame

    progress("store", 0.8)
    checked = findings
    # Tables whose file was recognised (the error names it) but whose body could not be read or
    # checked (issue 13 item 13).
    unreadable = {f.table for f in findings if f.is_error and f.table} - set(typed)

    def store(con: duckdb.DuckDBPyConnection) -> IngestOutcome:
        # Run again from here when a DuckLake commit conflicts: start from the file checks.
        findings = list(checked)
        if not is_registered(con, provider_agb):
            findings.append(error("provider_unknown", value=provider_agb))
        # A population that was delivered but could not be read is not missing: the offer's and
        # results' care forms are not checked against an earlier version (or none).
        if ("offer" in typed or "results" in typed) and "population" not in unreadable:
            population = typed.get("population")
            if population is None:
                population = latest_rows(con, "population", provider_agb, quarter)
            care_forms = set(population["care_form"].drop_nulls().to_list())
            for raw in raw_tables:
                if raw.table in ("offer", "results") and raw.table in typed:
                    cross = cross_table_findings(
                        typed[raw.table], raw.table, raw.file_name, care_forms
                    )
                    restore_written_values(raw, cross)
                    findings += cross
        errors = sorted((f for f in findings if f.is_error), key=sort_key)
        warnings = [f for f in findings if not f.is_error]
        if errors:
            _audit_rejection(con, actor, provider_agb, quarter, uploads, len(errors), source)
            progress("rejected", 1.0)
            return IngestOutcome(False, errors, warnings, None, raw_tables)
        file_names = {raw.table: raw.file_name for raw in raw_tables}
        warnings += plausibility_findings(con, provider_agb, quarter, typed, file_names)
        warnings.sort(key=sort_key)
        accepted = [
            AcceptedTable(raw.table, typed[raw.table].drop(ROW), raw.file_name, raw.file_sha256)
            for raw in raw_tables
        ]
        if not accepted:  # e.g. a workbook with only unknown sheets is an error above
            _audit_rejection(con, actor, provider_agb, quarter, uploads, 1, source)
            return IngestOutcome(False, [error("file_no_tables")], warnings, None, raw_tables)
        receipt = store_delivery(
            con,
            provider_agb,
            quarter,
            accepted,
            actor,
            source,
            warnings,
            received_at=received_at,
            lang=lang,
            original_files=[(u.name, u.content) for u in uploads],
        )
        progress("done", 1.0)
        return IngestOutcome(True, [], warnings, receipt, raw_tables)

    # Versions are numbered per provider-quarter: one writer of it at a time (see storage); the
    # summaries it rebuilds are shared by all (kpis.SUMMARY_LOCK).
    return db.write(store, locks=[f"delivery|{provider_agb}|{quarter}", SUMMARY_LOCK], ahead=ahead)


def _audit_rejection(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    provider_agb: str,
    quarter: str,
    uploads: list[Upload],
    error_count: int,
    source: str,
) -> None:
    """Every rejection is audited here, for the app and the command line alike: the attempt is
    the one thing a rejected delivery writes."""
    append_rejected_delivery(
        con,
        actor,
        provider_agb,
        quarter,
        [(u.name, sha256(u.content), len(u.content)) for u in uploads],
        error_count,
        source,
    )


def storage_problem(exc: BaseException) -> str | None:
    """The message key for a write the disk refused — full, or a read-only database folder —
    or None for any other failure. DuckDB reports both as an IOException (or a failed commit)
    carrying the system's text; Python as an OSError with its errno."""
    code = exc.errno if isinstance(exc, OSError) else None
    detail = str(exc)
    if code == errno.ENOSPC or "No space left on device" in detail:
        return "storage_disk_full"
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or any(
        sign in detail for sign in ("Read-only file system", "Permission denied")
    ):
        return "storage_read_only"
    return None


def _internal_error(file_name: str, table: str | None, exc: Exception) -> Finding:
    logger.error("ingest: unexpected %s while reading %s: %s", type(exc).__name__, file_name, exc)
    return error(
        "file_internal_error", file=file_name, table=table, fields={"detail": type(exc).__name__}
    )


# ---- command line -------------------------------------------------------------------------------


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


def write_report(path: str | None, report: object) -> None:
    if path:
        Path(path).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.ingest",
        description="Check and store one quarterly delivery (population, offer, results).",
        epilog=EXIT_CODES,
    )
    parser.add_argument("--db", required=True, help="DuckDB database file")
    parser.add_argument("--provider", required=True, help="AGB code of the provider (8 digits)")
    parser.add_argument("--quarter", required=True, help="quarter, e.g. 2025Q2")
    parser.add_argument("--report-json", help="write the report as JSON to this path")
    parser.add_argument(
        "--error-file",
        help="write the complete list of errors and warnings "
        "to this CSV file (the terminal and the JSON report are bounded)",
    )
    parser.add_argument("--actor", default=None, help="who delivers (default: the OS user)")
    parser.add_argument("--lang", choices=("nl", "en"), default="nl")
    parser.add_argument("files", nargs="+", help="CSV files or one XLSX workbook")
    return parser


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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on an unknown option or a missing argument
    lang = args.lang
    try:
        provider_agb, quarter = check_delivery_identity(args.provider, args.quarter)
    except ValueError as exc:
        parser.error(text("cli_bad_identity", lang, detail=str(exc)))
    uploads = uploads_from_arguments(parser, args)
    actor = args.actor or f"cli:{getpass.getuser()}"
    try:
        outcome = ingest(
            Database(args.db), provider_agb, quarter, uploads, actor=actor, source="cli", lang=lang
        )
    except DatabaseBusy:
        print(text("cli_database_busy", lang), file=sys.stderr)
        write_report(args.report_json, busy_report(lang))
        return EXIT_BUSY
    except (duckdb.Error, OSError) as exc:  # --db is not a DuckDB file, or not writable
        print(database_failure(parser.prog, args.db, exc, lang), file=sys.stderr)
        return EXIT_USAGE
    if outcome.accepted and outcome.receipt:
        print(text("cli_accepted", lang, delivery_id=outcome.receipt.delivery_id))
        for table in outcome.receipt.tables:
            print(
                "  "
                + text(
                    "cli_table_stored",
                    lang,
                    table=text(f"table_{table['table']}", lang),
                    version=table["version"],
                    rows=table["rows"],
                    sha256=table["sha256"][:12],
                )
            )
    else:
        print(text("cli_rejected", lang, count=number(len(outcome.errors), lang=lang)))
        print("\n".join(format_findings(bounded(outcome.errors), lang)))
    if outcome.warnings:
        print(f"{text('severity_warning', lang)}:")
        print("\n".join(format_findings(bounded(outcome.warnings), lang)))
    if args.error_file:
        everything = outcome.errors + outcome.warnings
        Path(args.error_file).write_bytes(error_table(everything, lang))
        print(
            text(
                "cli_error_file_written",
                lang,
                count=number(len(everything), lang=lang),
                path=args.error_file,
            )
        )
    write_report(args.report_json, outcome.report(lang))
    return EXIT_ACCEPTED if outcome.accepted else EXIT_REJECTED


if __name__ == "__main__":
    sys.exit(main())
