"""Load: accepted tables become a new version of their provider-quarter-table, in one transaction.

Nothing is updated in place: a redelivery appends rows under a new delivery id and version, and the
`population`/`offer`/`results` views show the latest version. A crash before COMMIT leaves no trace
(DuckDB's write-ahead log replays committed transactions only).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from impactmonitor.kpis import refresh_summaries
from impactmonitor.schema import DATA_TABLE_COLUMNS
from impactmonitor.storage import append_audit
from pipelines.findings import Finding

ROW_GROUP_ROWS = 122_880  # DuckDB's row group size
PAUSE_ENV = "IMPACTMONITOR_TEST_PAUSE_IN_LOAD"
PAUSE_MARKER_ENV = "IMPACTMONITOR_TEST_PAUSE_MARKER"


@dataclass
class AcceptedTable:
    table: str
    frame: pl.DataFrame  # typed rows (without the row-number column)
    file_name: str
    file_sha256: str


@dataclass
class Receipt:
    delivery_id: str
    provider_agb: str
    quarter: str
    received_at: datetime
    received_by: str
    source: str
    tables: list[dict] = field(default_factory=list)  # table, version, file, sha256, rows
    warnings: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["received_at"] = self.received_at.isoformat(timespec="seconds")
        return data


def new_delivery_id() -> str:
    return uuid.uuid4().hex[:16]


def store_delivery(
    con: duckdb.DuckDBPyConnection,
    provider_agb: str,
    quarter: str,
    tables: list[AcceptedTable],
    actor: str,
    source: str,
    warnings: list[Finding],
    received_at: datetime | None = None,
    lang: str = "nl",
    original_files: list[tuple[str, bytes]] | None = None,
) -> Receipt:
    """Write one accepted delivery inside the caller's transaction and return its receipt.

    `original_files` (name, bytes) are kept as uploaded, with their SHA-256, for audit.
    """
    received_at = received_at or datetime.now().replace(microsecond=0)
    receipt = Receipt(
        delivery_id=new_delivery_id(),
        provider_agb=provider_agb,
        quarter=quarter,
        received_at=received_at,
        received_by=actor,
        source=source,
        warnings=[w.as_dict(lang) for w in warnings],
    )
    # One statement per kind of row, not one per table or file: a delivery's load runs ~20
    # statements inside the transaction and each costs about a millisecond.
    latest = dict(con.execute(
        "SELECT table_name, max(version) FROM table_versions "
        "WHERE provider_agb = ? AND quarter = ? GROUP BY table_name",
        [provider_agb, quarter],
    ).fetchall())
    versions = [(accepted, latest.get(accepted.table, 0) + 1) for accepted in tables]
    _insert_values(con, "table_versions", [
        (receipt.delivery_id, provider_agb, quarter, accepted.table, version,
         accepted.file_name, accepted.file_sha256, accepted.frame.height, received_at)
        for accepted, version in versions
    ])
    for accepted, version in versions:
        insert_rows(con, accepted.table, accepted.frame.with_columns(
            pl.lit(receipt.delivery_id).alias("delivery_id")))
        receipt.tables.append({
            "table": accepted.table, "version": version, "file": accepted.file_name,
            "sha256": accepted.file_sha256, "rows": accepted.frame.height,
        })
        _test_pause_in_load()
    _insert_values(con, "delivery_files", [
        (receipt.delivery_id, name, hashlib.sha256(content).hexdigest(), len(content), content)
        for name, content in original_files or []
    ])
    # The KPI summaries follow the new version in the same transaction (see impactmonitor.kpis).
    refresh_summaries(con, provider_agb, quarter,
                      {accepted.table: receipt.delivery_id for accepted in tables})
    con.execute(
        "INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [receipt.delivery_id, provider_agb, quarter, received_at, actor, source,
         json.dumps(receipt.tables), json.dumps(receipt.warnings, ensure_ascii=False)],
    )
    append_audit(con, actor, "delivery_accepted", provider_agb, quarter,
                 json.dumps({"delivery_id": receipt.delivery_id, "tables": receipt.tables}),
                 at=received_at)
    return receipt


def _insert_values(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Append rows of parameters to `table` in one INSERT."""
    if not rows:
        return
    placeholders = "(" + ", ".join("?" * len(rows[0])) + ")"
    con.execute(f"INSERT INTO {table} VALUES " + ", ".join([placeholders] * len(rows)),
                [value for row in rows for value in row])


def _test_pause_in_load() -> None:
    """Test hook: sleep inside the open transaction so a test can kill the process mid-load.

    Active only when IMPACTMONITOR_TEST_PAUSE_IN_LOAD (seconds) is set; when
    IMPACTMONITOR_TEST_PAUSE_MARKER names a file, it is created first to say "rows are inserted,
    nothing is committed yet". Never set in production.
    """
    seconds = os.environ.get(PAUSE_ENV)
    if not seconds:
        return
    marker = os.environ.get(PAUSE_MARKER_ENV)
    if marker:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(float(seconds))


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append typed rows (with delivery_id, provider_agb, quarter) to `<table>_rows`."""
    columns = ["delivery_id", "provider_agb", "quarter", *DATA_TABLE_COLUMNS[table]]
    column_list = ", ".join(columns)
    rows = frame.select(columns).to_arrow()
    if rows.num_rows > ROW_GROUP_ROWS:
        # DuckDB scans one Arrow batch per thread: in batches of a row group the insert runs on
        # every core, still in this order (insertion order is preserved), instead of one.
        rows = pa.Table.from_batches(rows.to_batches(max_chunksize=ROW_GROUP_ROWS), rows.schema)
    con.register("incoming_rows", rows)
    try:
        con.execute(
            f"INSERT INTO {table}_rows ({column_list}) SELECT {column_list} FROM incoming_rows"
        )
    finally:
        con.unregister("incoming_rows")
