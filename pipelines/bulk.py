"""Bulk ingest: many provider-quarters at once, one result per provider-quarter.

    python -m pipelines.bulk --db PATH [--report-json PATH] [--max-errors N] FILE...

Each file holds one table (population, offer or results; CSV, or a workbook with those sheets)
for any number of providers and quarters. The files go through the same read, parse and validate
code as a single delivery (`pipelines.ingest`), without an expected AGB code or quarter. Then:

- every finding is assigned to the provider-quarter of the row it points at; rows whose AGB code or
  quarter could not be read form one rejected group of their own (provider and quarter None);
  a finding about a file or its header (missing column, unreadable file) applies to every
  provider-quarter in that file;
- per provider-quarter: the provider register and the cross-table rule (care forms of offer and
  results must occur in the population of the same bulk upload, or in the stored population);
- each provider-quarter without errors is stored as its own delivery by the one writer of the
  single path too (`pipelines.load.store_deliveries`): its own delivery id, a new version per
  provider-quarter-table, its rows, a receipt row in `deliveries`, an audit event, its original
  files (the content once per SHA-256) and its KPI summaries, with one statement per kind of row
  for all provider-quarters together. A rejected provider-quarter writes nothing; the others are
  stored. Everything is written in one transaction per call.

A software fault while checking a file (an exception in read, parse or validate) is reported as
`file_internal_error` on every provider-quarter of the upload, and nothing is stored.

Differences from a single delivery, on purpose:
- plausibility warnings (`pipelines.plausibility`) are not computed: they compare one provider
  with its previous quarter row by row, which the bulk path (history loads, the national
  benchmark set) does not need; file-level warnings (e.g. a missing sheet) are kept;
- a 7-digit AGB code is an error (there is no delivery AGB code to pad it to);
- the upload size limit of the app does not apply, and the row limit is far higher
  (`[bulk]` in `impactmonitor/defaults.toml`, see `pipelines.limits`).

Exit codes: 0 every provider-quarter accepted, 1 any rejected, 2 usage error, 3 database busy
(nothing stored; try again later), as `pipelines.ingest`.
"""

from __future__ import annotations

import argparse
import gc
import getpass
import json
import logging
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import polars as pl

from impactmonitor.i18n import text
from impactmonitor.kpis import SUMMARY_LOCK
from impactmonitor.providers import registered_agbs
from impactmonitor.quarters import parse_quarter
from impactmonitor.storage import Database, DatabaseBusy
from pipelines.findings import Finding, error, sort_key
from pipelines.ingest import (
    EXIT_ACCEPTED,
    EXIT_BUSY,
    EXIT_CODES,
    EXIT_REJECTED,
    EXIT_USAGE,
    Upload,
    busy_report,
    database_failure,
    format_findings,
    uploads_from_arguments,
    write_report,
)
from pipelines.limits import Limits
from pipelines.load import (
    ACCEPTED_SCHEMA,
    IDENTITY,
    AcceptedTable,
    Receipt,
    StoredDeliveries,
    store_deliveries,
)
from pipelines.parse import parse_table, restore_written_values
from pipelines.read import ROW, RawTable, decode, normalise_header, read_upload
from pipelines.validate import cross_table_findings, validate_table

GroupKey = tuple[str | None, str | None]
UNATTRIBUTED: GroupKey = (None, None)
ReceivedAt = datetime | Callable[[str, str], datetime] | None
logger = logging.getLogger(__name__)


@dataclass(slots=True)
class GroupResult:
    """The outcome for one provider-quarter of a bulk upload."""

    provider_agb: str | None
    quarter: str | None
    accepted: bool
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows in this upload
    stored: StoredDeliveries | None = field(default=None, repr=False)  # set when stored

    @property
    def receipt(self) -> Receipt | None:
        if self.stored is None or self.provider_agb is None or self.quarter is None:
            return None
        return self.stored.receipt(self.provider_agb, self.quarter)

    @property
    def delivery_id(self) -> str | None:
        receipt = self.receipt
        return receipt.delivery_id if receipt else None

    def report(self, lang: str = "nl") -> dict:
        return {
            "provider_agb": self.provider_agb,
            "quarter": self.quarter,
            "accepted": self.accepted,
            "errors": [f.as_dict(lang) for f in self.errors],
            "warnings": [f.as_dict(lang) for f in self.warnings],
            "receipt": self.receipt.as_dict() if self.receipt else None,
        }


@dataclass
class _Part:
    """One table of one file, parsed and validated, with its rows' provider-quarters."""

    raw: RawTable
    typed: pl.DataFrame
    content: bytes  # the file's bytes, to attribute rows that read could not split
    counts: pl.DataFrame | None = None  # provider_agb, quarter, len: rows per complete key

    @property
    def key(self) -> tuple[str, str]:
        return (self.raw.file_name, self.raw.table)


class _Groups:
    """Findings and row counts collected per provider-quarter."""

    def __init__(self) -> None:
        self.findings: dict[GroupKey, list[Finding]] = defaultdict(list)
        self.rows: dict[GroupKey, dict[str, int]] = defaultdict(dict)

    def add(self, key: GroupKey, finding: Finding) -> None:
        if key[0] is None or key[1] is None:
            key = UNATTRIBUTED
        self.findings[key].append(finding)

    def copy(self) -> _Groups:
        """The same findings in lists of their own (the row counts are shared, never changed)."""
        copied = _Groups()
        copied.findings = defaultdict(list, {k: list(v) for k, v in self.findings.items()})
        copied.rows = self.rows
        return copied

    def ordered_keys(self) -> list[GroupKey]:
        if not self.findings:  # rows are counted for complete keys only (see _count_rows)
            return sorted(self.rows)
        keys = set(self.rows) | set(self.findings)
        complete = [k for k in keys if k[0] is not None and k[1] is not None]
        if len(complete) == len(keys) - (UNATTRIBUTED in keys):
            # The usual case, sorted as below without a key function (tens of thousands).
            return sorted(complete) + ([UNATTRIBUTED] if UNATTRIBUTED in keys else [])
        return sorted(keys, key=lambda k: (k[0] is None, k[0] or "", k[1] or ""))


def ingest_bulk(
    db: Database,
    uploads: list[Upload],
    actor: str,
    source: str = "bulk",
    received_at: ReceivedAt = None,
    lang: str = "nl",
) -> list[GroupResult]:
    """Check every provider-quarter in the files; store each one that has no errors.

    `received_at` is one time for all deliveries, or a function (agb, quarter) -> datetime (the
    sample generator backdates deliveries with it); None means now.
    """
    with _collector_paused():
        return _ingest_bulk(db, uploads, actor, source, received_at, lang)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while tens of thousands of small result objects
    are built (one per provider-quarter): its repeated full scans would double that work. The
    objects form no cycles; everything is freed normally afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _ingest_bulk(
    db: Database,
    uploads: list[Upload],
    actor: str,
    source: str,
    received_at: ReceivedAt,
    lang: str,
) -> list[GroupResult]:
    groups = _Groups()
    parts: list[_Part] = []
    loose: list[Finding] = []  # findings of files that yielded no table at all
    internal: list[Finding] = []  # software faults: nothing of this upload may be stored
    limits = Limits.for_bulk()
    for upload in uploads:
        try:
            tables, read_findings = read_upload(upload.name, upload.content, limits)
        except Exception as exc:  # a reader bug is reported, never a traceback or partial load
            internal.append(_internal_error(upload.name, None, exc))
            continue
        file_parts = []
        findings = list(read_findings)
        for raw in tables:
            try:
                typed, parse_findings = parse_table(raw, expected_agb=None)
                rule_findings = validate_table(typed, raw.table, raw.file_name)
                restore_written_values(raw, rule_findings)  # as pipelines.ingest does
                findings += parse_findings + rule_findings
            except Exception as exc:  # as above; the file's groups cannot be told apart
                internal.append(_internal_error(raw.file_name, raw.table, exc))
                continue
            part = _Part(raw, typed, upload.content)
            file_parts.append(part)
            _count_rows(groups, part)
        parts += file_parts
        if not file_parts:
            loose += findings
        else:
            _assign_findings(groups, file_parts, findings)
    if not uploads:
        loose.append(error("file_no_tables"))
    for finding in loose:
        groups.add(UNATTRIBUTED, finding)
    for finding in internal:
        for key in [*groups.rows, UNATTRIBUTED]:
            groups.add(key, finding)
    _duplicate_table_findings(groups, parts)

    stamp = datetime.now().replace(microsecond=0)
    checked = groups

    def store(con: duckdb.DuckDBPyConnection) -> list[GroupResult]:
        # Run again from here when a DuckLake commit conflicts: start from the file checks.
        groups = checked.copy()
        known = registered_agbs(con)
        for key in groups.rows:
            if key[0] not in known:
                groups.add(key, error("provider_unknown", value=key[0]))
        _cross_table(con, groups, parts)
        results = _results(groups)
        accepted = [r for r in results if r.accepted]
        if accepted:
            _store(con, accepted, parts, uploads, actor, source, received_at, stamp, lang)
        return results

    # Versions are numbered per provider-quarter: one writer of each at a time (see storage).
    # The summaries it rebuilds are shared by all writers (kpis.SUMMARY_LOCK).
    return db.write(
        store,
        locks=[
            *(
                f"delivery|{agb}|{quarter}"
                for agb, quarter in groups.rows
                if agb is not None and quarter is not None
            ),
            SUMMARY_LOCK,
        ],
    )


def _internal_error(file_name: str, table: str | None, exc: Exception) -> Finding:
    logger.error("bulk: unexpected %s while reading %s: %s", type(exc).__name__, file_name, exc)
    return error(
        "file_internal_error", file=file_name, table=table, fields={"detail": type(exc).__name__}
    )


# ---- grouping ---------------------------------------------------------------------------------


def _count_rows(groups: _Groups, part: _Part) -> None:
    # Sorted here (cheap in polars) so that sorting the keys later finds them in order.
    counts = part.counts = (
        part.typed.select(IDENTITY).drop_nulls().group_by(IDENTITY).len().sort(IDENTITY)
    )
    table, rows_of = part.raw.table, groups.rows
    for agb, quarter, rows in counts.iter_rows():
        tables = rows_of[(agb, quarter)]
        if table in tables:
            continue  # the same table in a second file: reported by _duplicate_table_findings
        tables[table] = rows


def _assign_findings(groups: _Groups, parts: list[_Part], findings: list[Finding]) -> None:
    """Each finding to the provider-quarter of its row; file and header findings to all."""
    by_part: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    file_wide: list[Finding] = []
    part_keys = {p.key for p in parts}
    for finding in findings:
        key = (finding.file or "", finding.table or "")
        if key in part_keys and finding.row is not None and finding.row > 1:
            by_part[key].append(finding)
        else:
            file_wide.append(finding)
    for part in parts:
        part_findings = by_part.get(part.key, [])
        if part_findings:
            _assign_row_findings(groups, part, part_findings)
    keys_of: dict[tuple[str, str], list[GroupKey]] = {}
    for finding in file_wide:
        targets = [p for p in parts if finding.table in (None, p.raw.table)]
        keys = {k for p in targets for k in keys_of.setdefault(p.key, _part_keys(p))}
        if not keys:
            groups.add(UNATTRIBUTED, finding)
        for key in keys:
            groups.add(key, finding)


def _part_keys(part: _Part) -> list[GroupKey]:
    return [
        (agb, quarter)
        for agb, quarter in part.typed.select(IDENTITY).unique().iter_rows()
        if agb is not None and quarter is not None
    ]


def _assign_row_findings(groups: _Groups, part: _Part, findings: list[Finding]) -> None:
    located = pl.DataFrame(
        {"_i": range(len(findings)), ROW: [f.row for f in findings]},
        schema={"_i": pl.Int64, ROW: pl.Int64},
    ).join(part.typed.select(ROW, *IDENTITY), on=ROW, how="left")
    unplaced: list[Finding] = []
    for index, agb, quarter in located.select("_i", *IDENTITY).iter_rows():
        finding = findings[index]
        if agb is None and quarter is None and finding.code == "row_ragged":
            unplaced.append(finding)  # read dropped the row: find its identity in the text
        else:
            groups.add((agb, quarter), finding)
    if unplaced:
        identities = _identities_from_lines(part, [f.row for f in unplaced if f.row])
        for finding in unplaced:
            groups.add(identities.get(finding.row or 0, UNATTRIBUTED), finding)


def _identities_from_lines(part: _Part, rows: list[int]) -> dict[int, GroupKey]:
    """(AGB, quarter) of rows that read could not split into the right number of cells.

    Without this, a ragged row would be left out of its provider-quarter, which would then be
    stored without it: a silent partial load.
    """
    text_content = decode(part.content) if part.raw.style != "xlsx" else None
    if text_content is None:
        return {}
    if "\n" not in text_content:
        text_content = text_content.replace("\r", "\n")
    lines = [line.rstrip("\r") for line in text_content.split("\n")]
    header_index = next((i for i, line in enumerate(lines) if "provider_agb" in line.lower()), None)
    if header_index is None:
        return {}
    separator = ";" if lines[header_index].count(";") > lines[header_index].count(",") else ","
    header = [normalise_header(cell) for cell in lines[header_index].split(separator)]
    if "provider_agb" not in header or "quarter" not in header:
        return {}
    agb_at, quarter_at = header.index("provider_agb"), header.index("quarter")
    identities: dict[int, GroupKey] = {}
    for row in rows:
        if not 0 < row <= len(lines):
            continue
        cells = [cell.strip().strip('"') for cell in lines[row - 1].split(separator)]
        agb = cells[agb_at] if agb_at < len(cells) else ""
        quarter = parse_quarter(cells[quarter_at]) if quarter_at < len(cells) else None
        if len(agb) == 8 and agb.isdigit() and quarter:
            identities[row] = (agb, quarter)
    return identities


def _duplicate_table_findings(groups: _Groups, parts: list[_Part]) -> None:
    """A provider-quarter's table may come from one file only."""
    tables = [p.raw.table for p in parts]
    seen: dict[tuple[GroupKey, str], str] = {}
    for part in parts:
        if tables.count(part.raw.table) < 2:
            continue  # the usual case: one file per table, nothing to compare
        for key in _part_keys(part):
            first = seen.setdefault((key, part.raw.table), part.raw.file_name)
            if first != part.raw.file_name:
                groups.add(
                    key,
                    error(
                        "file_duplicate_table",
                        file=part.raw.file_name,
                        table=part.raw.table,
                        fields={"other_file": first},
                    ),
                )


def _cross_table(con: duckdb.DuckDBPyConnection, groups: _Groups, parts: list[_Part]) -> None:
    """Care forms of offer/results must occur in the provider-quarter's population."""
    dependent = [p for p in parts if p.raw.table in ("offer", "results")]
    if not dependent:
        return
    populations = [
        p.typed.select(*IDENTITY, "care_form") for p in parts if p.raw.table == "population"
    ]
    delivered = (
        pl.concat(populations).drop_nulls().unique()
        if populations
        else pl.DataFrame(
            schema={"provider_agb": pl.String, "quarter": pl.String, "care_form": pl.String}
        )
    )
    with_population = {key for key, tables in groups.rows.items() if "population" in tables}
    need = pl.DataFrame(
        [
            key
            for key, tables in groups.rows.items()
            if key not in with_population and ("offer" in tables or "results" in tables)
        ],
        schema={"provider_agb": pl.String, "quarter": pl.String},
        orient="row",
    )
    stored = _stored_care_forms(con, need)
    care_forms = pl.concat([delivered, stored]).unique()
    for part in dependent:
        candidates = part.typed.filter(pl.col("care_form").is_not_null()).join(
            care_forms, on=[*IDENTITY, "care_form"], how="anti"
        )
        if candidates.height == 0:
            continue
        # The anti-join left exactly the rows whose care form is missing from their
        # provider-quarter's population; with an empty set, the shared rule reports each of them.
        found = cross_table_findings(candidates, part.raw.table, part.raw.file_name, set())
        restore_written_values(part.raw, found)
        identity = dict(
            zip(candidates[ROW].to_list(), candidates.select(IDENTITY).iter_rows(), strict=True)
        )
        for finding in found:
            groups.add(identity[finding.row], finding)


def _stored_care_forms(con: duckdb.DuckDBPyConnection, need: pl.DataFrame) -> pl.DataFrame:
    empty = pl.DataFrame(
        schema={"provider_agb": pl.String, "quarter": pl.String, "care_form": pl.String}
    )
    if need.height == 0:
        return empty
    con.register("bulk_need", need.to_arrow())
    try:
        return con.execute(
            "SELECT DISTINCT p.provider_agb, p.quarter, p.care_form FROM population p "
            "JOIN bulk_need n USING (provider_agb, quarter)"
        ).pl()
    finally:
        con.unregister("bulk_need")


def _results(groups: _Groups) -> list[GroupResult]:
    results = []
    findings_of, rows_of = groups.findings, groups.rows
    append = results.append  # (tens of thousands of groups)
    for key in groups.ordered_keys():
        findings = findings_of.get(key)
        rows = rows_of.get(key) or {}
        if findings:
            errors = sorted((f for f in findings if f.is_error), key=sort_key)
            warnings = sorted((f for f in findings if not f.is_error), key=sort_key)
        else:
            errors, warnings = [], []
        accepted = not errors and key[0] is not None and bool(rows)
        append(GroupResult(key[0], key[1], accepted, errors, warnings, rows))
    return results


# ---- storing ----------------------------------------------------------------------------------


def _store(
    con: duckdb.DuckDBPyConnection,
    accepted: list[GroupResult],
    parts: list[_Part],
    uploads: list[Upload],
    actor: str,
    source: str,
    received_at: ReceivedAt,
    stamp: datetime,
    lang: str,
) -> None:
    """Every accepted provider-quarter as its own delivery, through the one writer
    (`pipelines.load.store_deliveries`, as a single delivery is stored)."""
    keys = [(r.provider_agb or "", r.quarter or "") for r in accepted]
    times = (
        [received_at(agb, quarter) for agb, quarter in keys]
        if callable(received_at)
        else [received_at or stamp] * len(keys)
    )
    batch = pl.DataFrame(
        {
            "provider_agb": [agb for agb, _ in keys],
            "quarter": [quarter for _, quarter in keys],
            "received_at": times,
            # Warnings are rare in a bulk upload (file-level ones only): JSON for those alone.
            "warnings": [
                json.dumps([w.as_dict(lang) for w in r.warnings], ensure_ascii=False)
                if r.warnings
                else "[]"
                for r in accepted
            ],
        },
        schema=ACCEPTED_SCHEMA,
    )
    tables = [
        AcceptedTable(p.raw.table, p.typed.drop(ROW), p.raw.file_name, p.raw.file_sha256, p.counts)
        for p in parts
    ]
    stored = store_deliveries(
        con, batch, tables, actor, source, [(u.name, u.content) for u in uploads]
    )
    for result in accepted:
        result.stored = stored


# ---- command line -----------------------------------------------------------------------------


def summary_lines(results: list[GroupResult], lang: str, max_errors: int) -> list[str]:
    """One line per provider-quarter, with the first errors of a rejected one."""
    lines = []
    for result in results:
        provider = result.provider_agb or text("bulk_unattributed", lang)
        quarter = result.quarter or ""
        if result.accepted and result.receipt:
            tables = ", ".join(f"{t['table']} v{t['version']}" for t in result.receipt.tables)
            lines.append(
                text(
                    "bulk_group_accepted",
                    lang,
                    provider=provider,
                    quarter=quarter,
                    tables=tables,
                    rows=sum(result.rows.values()),
                )
            )
        else:
            lines.append(
                text(
                    "bulk_group_rejected",
                    lang,
                    provider=provider,
                    quarter=quarter,
                    count=len(result.errors),
                )
            )
            lines += format_findings(result.errors[:max_errors], lang)
            if len(result.errors) > max_errors:
                lines.append(text("bulk_more_errors", lang, count=len(result.errors) - max_errors))
    return lines


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.bulk",
        description="Check and store many provider-quarters at once (one table per file).",
        epilog=EXIT_CODES.replace("0 accepted; 1 rejected", "0 all accepted; 1 any rejected"),
    )
    parser.add_argument("--db", required=True, help="DuckDB database file")
    parser.add_argument("--report-json", help="write every group's result as JSON to this path")
    parser.add_argument(
        "--max-errors",
        type=int,
        default=3,
        help="errors printed per rejected provider-quarter (default 3)",
    )
    parser.add_argument("--actor", default=None, help="who delivers (default: the OS user)")
    parser.add_argument("--lang", choices=("nl", "en"), default="nl")
    parser.add_argument("files", nargs="+", help="CSV files (one table each) or workbooks")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    lang = args.lang
    uploads = uploads_from_arguments(parser, args)
    actor = args.actor or f"cli:{getpass.getuser()}"
    started = time.perf_counter()
    try:
        results = ingest_bulk(Database(args.db), uploads, actor=actor, lang=lang)
    except DatabaseBusy:
        print(text("cli_database_busy", lang), file=sys.stderr)
        write_report(args.report_json, [busy_report(lang)])
        return EXIT_BUSY
    except (duckdb.Error, OSError) as exc:  # --db is not a DuckDB file, or not writable
        print(database_failure(parser.prog, args.db, exc, lang), file=sys.stderr)
        return EXIT_USAGE
    seconds = time.perf_counter() - started
    print("\n".join(summary_lines(results, lang, args.max_errors)))
    accepted = [r for r in results if r.accepted]
    print(
        text(
            "bulk_summary",
            lang,
            groups=len(results),
            accepted=len(accepted),
            rejected=len(results) - len(accepted),
            rows=sum(sum(r.rows.values()) for r in accepted),
            seconds=f"{seconds:.1f}",
        )
    )
    write_report(args.report_json, [r.report(lang) for r in results])
    return EXIT_ACCEPTED if results and len(accepted) == len(results) else EXIT_REJECTED


if __name__ == "__main__":
    sys.exit(main())
