"""The one ingest engine: read -> parse -> validate -> register and cross-table rules ->
plausibility -> store, for one delivery and for a bulk upload of many provider-quarters alike.

A delivery is a batch of one with an expected provider and quarter (`pipelines.ingest`): every
finding belongs to it, rows of another provider or quarter are errors, a 7-digit AGB code is
padded to the expected one. A bulk upload (`pipelines.bulk`) has no expected provider-quarter:

- every finding is assigned to the provider-quarter of the row it points at; rows whose AGB code
  or quarter could not be read form one rejected group of their own (provider and quarter None);
  a finding about a file or its header (missing column, unreadable file) applies to every
  provider-quarter in that file.

Then, for both, per provider-quarter (one result each, `GroupResult`):
- the provider register, and the cross-table rule (care forms of offer and results must occur in
  the population of the same upload, or in the stored population);
- plausibility warnings for those without errors (`pipelines.plausibility`);
- each one without errors is stored as its own delivery by the one writer
  (`pipelines.load.store_deliveries`: rows, versions, original files by SHA-256, receipt, audit
  event, KPI summaries); each rejected one is audited (`audit.append_rejected_deliveries`). All of
  it in one transaction per call.

A software fault while checking a file (an exception in read, parse or validate) is reported as
`file_internal_error` on every provider-quarter of the upload, and nothing is stored.
"""

from __future__ import annotations

import gc
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import polars as pl

from impactmonitor.audit import append_rejected_deliveries
from impactmonitor.kpis import SUMMARY_LOCK
from impactmonitor.providers import registered_among
from impactmonitor.quarters import parse_quarter
from impactmonitor.storage import Database
from pipelines.findings import Finding, error, sort_key
from pipelines.limits import Limits
from pipelines.load import (
    ACCEPTED_SCHEMA,
    IDENTITY,
    AcceptedTable,
    Receipt,
    StoredDeliveries,
    latest_clients_by_care_form,
    store_deliveries,
)
from pipelines.parse import parse_table, restore_written_values
from pipelines.plausibility import plausibility_findings
from pipelines.read import ROW, RawTable, decode, normalise_header, read_upload, sha256
from pipelines.validate import cross_table_findings, validate_table
from schemas.tables import is_agb

GroupKey = tuple[str | None, str | None]
UNATTRIBUTED: GroupKey = (None, None)
ReceivedAt = datetime | Callable[[str, str], datetime] | None
Progress = Callable[[str, float], None]
OPEN_AHEAD_MAX_BYTES = 1024 * 1024  # a delivery this small is checked while the file opens
logger = logging.getLogger(__name__)


@dataclass
class Upload:
    name: str
    content: bytes
    _sha256: str | None = field(default=None, init=False, repr=False, compare=False)

    def sha256(self) -> str:
        """The content's SHA-256, computed once (a bulk file is tens of megabytes: ~0.1 s)."""
        if self._sha256 is None:
            self._sha256 = sha256(self.content)
        return self._sha256


@dataclass(slots=True)
class GroupResult:
    """The outcome for one provider-quarter of an upload."""

    provider_agb: str | None
    quarter: str | None
    accepted: bool
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows in this upload
    stored: StoredDeliveries | None = field(default=None, repr=False)  # set when stored

    @property
    def key(self) -> GroupKey:
        return (self.provider_agb, self.quarter)

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
class Part:
    """One table of one file, parsed and validated, with its rows' provider-quarters."""

    raw: RawTable
    typed: pl.DataFrame
    content: bytes  # the file's bytes, to attribute rows that read could not split
    counts: pl.DataFrame | None = None  # provider_agb, quarter, len: rows per complete key

    @property
    def key(self) -> tuple[str, str]:
        return (self.raw.file_name, self.raw.table)


class Groups:
    """Findings and row counts collected per provider-quarter; with an `expected` one (a single
    delivery) everything belongs to it."""

    def __init__(self, expected: tuple[str, str] | None = None) -> None:
        self.expected = expected
        self.findings: dict[GroupKey, list[Finding]] = defaultdict(list)
        self.rows: dict[GroupKey, dict[str, int]] = defaultdict(dict)
        if expected is not None:
            self.rows[expected] = {}

    def add(self, key: GroupKey, finding: Finding) -> None:
        if self.expected is not None:
            key = self.expected
        elif key[0] is None or key[1] is None:
            key = UNATTRIBUTED
        self.findings[key].append(finding)

    def add_to_all(self, finding: Finding) -> None:
        for key in [*self.rows, UNATTRIBUTED]:
            self.add(key, finding)
            if self.expected is not None:
                return

    def copy(self) -> Groups:
        """The same findings in lists of their own (the row counts are shared, never changed)."""
        copied = Groups()
        copied.expected = self.expected
        copied.findings = defaultdict(list, {k: list(v) for k, v in self.findings.items()})
        copied.rows = self.rows
        return copied

    def complete_keys(self) -> list[tuple[str, str]]:
        return [(a, q) for a, q in self.rows if a is not None and q is not None]

    def ordered_keys(self) -> list[GroupKey]:
        if not self.findings:  # rows are counted for complete keys only (see _count_rows)
            return sorted(self.rows)
        keys = set(self.rows) | set(self.findings)
        complete = [k for k in keys if k[0] is not None and k[1] is not None]
        if len(complete) == len(keys) - (UNATTRIBUTED in keys):
            # The usual case, sorted as below without a key function (tens of thousands).
            return sorted(complete) + ([UNATTRIBUTED] if UNATTRIBUTED in keys else [])
        return sorted(keys, key=lambda k: (k[0] is None, k[0] or "", k[1] or ""))


@dataclass
class Checked:
    """An upload after the file checks, before anything that needs the database."""

    uploads: list[Upload]
    parts: list[Part]
    groups: Groups
    unreadable: set[str]  # tables named by an error whose body could not be read or checked

    @property
    def raw_tables(self) -> list[RawTable]:
        return [part.raw for part in self.parts]


@dataclass
class Run:
    """Every provider-quarter's result, and the tables as read (for the error file)."""

    results: list[GroupResult]
    raw_tables: list[RawTable]


def _no_progress(stage: str, fraction: float) -> None:
    return None


def run(
    db: Database,
    uploads: list[Upload],
    actor: str,
    source: str,
    received_at: ReceivedAt = None,
    lang: str = "nl",
    expected: tuple[str, str] | None = None,
    progress: Progress = _no_progress,
) -> Run:
    """Check every provider-quarter in the uploads; store each one that has no errors."""
    # A typical delivery is checked in ~20 ms: the database opens meanwhile (storage.opened_ahead).
    # A big upload takes longer to check and does not hold the file that long.
    small = expected is not None and sum(len(u.content) for u in uploads) <= OPEN_AHEAD_MAX_BYTES
    with _collector_paused(), db.opened_ahead(enabled=small) as ahead:
        checked = check(uploads, expected, progress)
        progress("store", 0.8)

        def unit(con: duckdb.DuckDBPyConnection) -> Run:
            # Run again from here when a DuckLake commit conflicts: start from the file checks.
            results = store(con, checked, actor, source, received_at, lang)
            progress("done" if all(r.accepted for r in results) else "rejected", 1.0)
            return Run(results, checked.raw_tables)

        # Versions are numbered per provider-quarter: one writer of each at a time (see
        # storage); the summaries it rebuilds are shared by all writers (kpis.SUMMARY_LOCK).
        locks = [f"delivery|{agb}|{quarter}" for agb, quarter in checked.groups.complete_keys()]
        return db.write(unit, locks=[*locks, SUMMARY_LOCK], ahead=ahead)


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


# ---- the file checks (no database) --------------------------------------------------------------


def check(
    uploads: list[Upload],
    expected: tuple[str, str] | None = None,
    progress: Progress = _no_progress,
) -> Checked:
    """Read, parse and validate every file; findings collected per provider-quarter."""
    groups = Groups(expected)
    parts: list[Part] = []
    internal: list[Finding] = []  # software faults: nothing of this upload may be stored
    failed: set[str] = set()  # tables whose body raised
    limits = Limits.for_delivery() if expected is not None else Limits.for_bulk()
    agb, quarter = expected if expected is not None else (None, None)
    progress("read", 0.0)
    for upload in uploads:
        try:
            tables, read_findings = read_upload(upload.name, upload.content, limits)
        except Exception as exc:  # a reader bug is reported, never a traceback or partial load
            internal.append(_internal_error(upload.name, None, exc))
            continue
        if tables:  # the reader hashed the file already (beside its checks)
            upload._sha256 = tables[0].file_sha256
        file_parts = []
        findings = list(read_findings)
        for raw in tables:
            if expected is not None and _duplicate_in_delivery(groups, parts, raw):
                continue
            progress(f"check {raw.table}", 0.2 + 0.5 * len(parts) / max(len(tables), 1))
            try:
                typed, parse_findings = parse_table(raw, expected_agb=agb)
                rule_findings = validate_table(typed, raw.table, raw.file_name, agb, quarter)
                restore_written_values(raw, rule_findings)
                findings += parse_findings + rule_findings
            except Exception as exc:  # as above; the file's groups cannot be told apart
                internal.append(_internal_error(raw.file_name, raw.table, exc))
                failed.add(raw.table)
                continue
            part = Part(raw, typed, upload.content)
            file_parts.append(part)
            _count_rows(groups, part)
        parts += file_parts
        if not file_parts:
            for finding in findings:
                groups.add(UNATTRIBUTED, finding)
        else:
            _assign_findings(groups, file_parts, findings)
    if not uploads:
        groups.add(UNATTRIBUTED, error("file_no_tables"))
    for finding in internal:
        groups.add_to_all(finding)
    if expected is None:
        _duplicate_table_findings(groups, parts)
    read = {part.raw.table for part in parts}
    named = {f.table for fs in groups.findings.values() for f in fs if f.is_error and f.table}
    return Checked(uploads, parts, groups, (named - read) | failed)


def _duplicate_in_delivery(groups: Groups, parts: list[Part], raw: RawTable) -> bool:
    """A delivery's table may come from one file only: the second one is an error."""
    earlier = next((p.raw for p in parts if p.raw.table == raw.table), None)
    if earlier is None:
        return False
    groups.add(
        UNATTRIBUTED,
        error(
            "file_duplicate_table",
            file=raw.file_name,
            table=raw.table,
            fields={"other_file": earlier.file_name},
        ),
    )
    return True


def _internal_error(file_name: str, table: str | None, exc: Exception) -> Finding:
    logger.error("ingest: unexpected %s while reading %s: %s", type(exc).__name__, file_name, exc)
    return error(
        "file_internal_error", file=file_name, table=table, fields={"detail": type(exc).__name__}
    )


def _count_rows(groups: Groups, part: Part) -> None:
    if groups.expected is not None:
        groups.rows[groups.expected].setdefault(part.raw.table, part.typed.height)
        return
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


def _assign_findings(groups: Groups, parts: list[Part], findings: list[Finding]) -> None:
    """Each finding to the provider-quarter of its row; file and header findings to all."""
    if groups.expected is not None:
        for finding in findings:
            groups.add(UNATTRIBUTED, finding)
        return
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
        for group_key in keys:
            groups.add(group_key, finding)


def _part_keys(part: Part) -> list[GroupKey]:
    return [
        (agb, quarter)
        for agb, quarter in part.typed.select(IDENTITY).unique().iter_rows()
        if agb is not None and quarter is not None
    ]


def _assign_row_findings(groups: Groups, part: Part, findings: list[Finding]) -> None:
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


def _identities_from_lines(part: Part, rows: list[int]) -> dict[int, GroupKey]:
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
        if is_agb(agb) and quarter:
            identities[row] = (agb, quarter)
    return identities


def _duplicate_table_findings(groups: Groups, parts: list[Part]) -> None:
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


# ---- the checks that need the store, and storing ------------------------------------------------


def store(
    con: duckdb.DuckDBPyConnection,
    checked: Checked,
    actor: str,
    source: str,
    received_at: ReceivedAt,
    lang: str,
) -> list[GroupResult]:
    """Inside the caller's transaction: the register and cross-table rules, plausibility, then
    every accepted provider-quarter stored and every rejected one audited."""
    groups = checked.groups.copy()
    keys = groups.complete_keys()
    known = registered_among(con, sorted({agb for agb, _ in keys}))
    for key in keys:
        if key[0] not in known:
            groups.add(key, error("provider_unknown", value=key[0]))
    # A population that was delivered but could not be read is not missing: the offer's and
    # results' care forms are not checked against an earlier version (or none).
    if "population" not in checked.unreadable:
        _cross_table(con, groups, checked.parts)
    results = _results(groups)
    accepted = [r for r in results if r.accepted]
    if accepted:
        # Nothing rejected: the delivered rows are exactly those of the accepted.
        _add_plausibility(con, accepted, checked.parts, exact=len(accepted) == len(results))
        _store(con, accepted, checked, actor, source, received_at, lang)
    rejected = [r for r in results if not r.accepted]
    if rejected:
        files = [(u.name, u.sha256(), len(u.content)) for u in checked.uploads]
        append_rejected_deliveries(
            con,
            actor,
            [(r.provider_agb, r.quarter, max(len(r.errors), 1)) for r in rejected],
            files,
            source,
        )
    return results


def _cross_table(con: duckdb.DuckDBPyConnection, groups: Groups, parts: list[Part]) -> None:
    """Care forms of offer/results must occur in the provider-quarter's population."""
    dependent = [p for p in parts if p.raw.table in ("offer", "results")]
    if not dependent:
        return

    def rows_of(part: Part) -> pl.DataFrame:
        if groups.expected is None:
            return part.typed
        # A delivery's rows of another provider or quarter are errors of their own already:
        # their care forms are compared with the delivery's population all the same.
        agb, quarter = groups.expected
        return part.typed.with_columns(
            pl.lit(agb).alias("provider_agb"), pl.lit(quarter).alias("quarter")
        )

    columns = {"provider_agb": pl.String, "quarter": pl.String, "care_form": pl.String}
    populations = [rows_of(p).select(list(columns)) for p in parts if p.raw.table == "population"]
    delivered = (
        pl.concat(populations).drop_nulls().unique()
        if populations
        else pl.DataFrame(schema=columns)
    )
    need = pl.DataFrame(
        [
            key
            for key, tables in groups.rows.items()
            if "population" not in tables and ("offer" in tables or "results" in tables)
        ],
        schema={"provider_agb": pl.String, "quarter": pl.String},
        orient="row",
    )
    stored = (
        latest_clients_by_care_form(con, need).select(list(columns))
        if need.height
        else pl.DataFrame(schema=columns)
    )
    care_forms = pl.concat([delivered, stored]).unique()
    for part in dependent:
        candidates = (
            rows_of(part)
            .filter(pl.col("care_form").is_not_null())
            .join(care_forms, on=[*IDENTITY, "care_form"], how="anti")
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


def _results(groups: Groups) -> list[GroupResult]:
    results: list[GroupResult] = []
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
        if not errors and not rows and key != UNATTRIBUTED:
            errors = [error("file_no_tables")]  # e.g. a workbook with only unknown sheets
        accepted = not errors and key[0] is not None and bool(rows)
        append(GroupResult(key[0], key[1], accepted, errors, warnings, rows))
    return results


def _add_plausibility(
    con: duckdb.DuckDBPyConnection, accepted: list[GroupResult], parts: list[Part], exact: bool
) -> None:
    keys = pl.DataFrame(
        [r.key for r in accepted],
        schema={"provider_agb": pl.String, "quarter": pl.String},
        orient="row",
    )
    delivered = {p.raw.table: p.typed for p in parts}
    file_names = {p.raw.table: p.raw.file_name for p in parts}
    found = plausibility_findings(con, delivered, file_names, keys, exact)
    if not found:
        return
    for result in accepted:
        agb, quarter = result.key
        if agb is None or quarter is None:  # accepted groups carry their identity; for mypy
            continue
        extra = found.get((agb, quarter))
        if extra:
            result.warnings = sorted(result.warnings + extra, key=sort_key)


def _store(
    con: duckdb.DuckDBPyConnection,
    accepted: list[GroupResult],
    checked: Checked,
    actor: str,
    source: str,
    received_at: ReceivedAt,
    lang: str,
) -> None:
    """Every accepted provider-quarter as its own delivery, through the one writer."""
    keys = [(r.provider_agb or "", r.quarter or "") for r in accepted]
    stamp = datetime.now().replace(microsecond=0)
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
        for p in checked.parts
    ]
    originals = [(u.name, u.sha256(), u.content) for u in checked.uploads]
    stored = store_deliveries(con, batch, tables, actor, source, originals)
    for result in accepted:
        result.stored = stored
