"""The DuckDB store: schema, short-lived connections with retry on the file lock, transactions.

Design (see README, "Concurrency"): DuckDB lets one process at a time open a database file. The
app and the command lines therefore never keep a connection open: each unit of work connects
(≈ 8 ms), does its reads or its one write transaction, and closes. A process that finds the file
locked by another process retries with a short back-off until `lock_timeout` runs out. Within a
process, writes are serialised by a lock and every thread gets its own cursor.

Everything is append-only: deliveries, register entries, norms and decisions are new rows; the
"current" state is a view over the latest rows. Uniqueness and versioning are enforced by the
pipeline (not by constraints), so the same schema runs on DuckLake.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from schemas.tables import TABLES

SCHEMA_VERSION = 1
DEFAULT_DB_ENV = "IMPACTMONITOR_DB"
DEFAULT_DB_PATH = "data/impactmonitor.duckdb"

# Every unit of work ends with a checkpoint of the tables it touched (on close). In DuckDB's
# default file format (v0.10 storage, 256 KiB blocks) that rewrites far more bytes than one
# delivery adds; new files use the current format with 64 KiB blocks (measured on one delivery:
# commit 13 -> 5 ms, close 45 -> 20 ms; scans at national scale unchanged). Both options only
# matter when a file is created: existing files keep the format they were written in.
CONNECT_CONFIG = {"storage_compatibility_version": "latest", "default_block_size": "65536"}

# Column types of the stored tables, derived from the data contract (schemas/tables.py) so that
# a column is declared once. provider_agb and quarter are part of every table's own DDL below.
_SQL_TYPES = {"code": "VARCHAR", "count": "INTEGER", "decimal": "DOUBLE"}
DATA_TABLE_COLUMNS: dict[str, dict[str, str]] = {
    name: {column.name: _SQL_TYPES[column.kind] for column in spec.columns
           if column.kind in _SQL_TYPES}
    for name, spec in TABLES.items()
}
OFFER_COLUMNS = DATA_TABLE_COLUMNS["offer"]
RESULTS_COLUMNS = DATA_TABLE_COLUMNS["results"]


def _data_table_ddl(table: str, columns: dict[str, str]) -> str:
    body = ",\n    ".join(f"{name} {sql_type}" for name, sql_type in columns.items())
    return f"""
CREATE TABLE IF NOT EXISTS {table}_rows (
    delivery_id VARCHAR NOT NULL,
    provider_agb VARCHAR NOT NULL,
    quarter VARCHAR NOT NULL,
    {body}
);
CREATE OR REPLACE VIEW {table} AS
    SELECT r.* EXCLUDE (delivery_id)
    FROM {table}_rows r
    JOIN latest_table_versions v
      ON v.delivery_id = r.delivery_id AND v.table_name = '{table}';
"""


SCHEMA_SQL = (
    """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR);

-- Provider register: every load or edit appends; the view shows the latest entry per AGB.
CREATE TABLE IF NOT EXISTS provider_register (
    provider_agb VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    lot VARCHAR,
    contract_start DATE,
    contract_end DATE,
    registered_at TIMESTAMP NOT NULL,
    registered_by VARCHAR NOT NULL
);
CREATE OR REPLACE VIEW providers AS
    SELECT * EXCLUDE (rn) FROM (
        SELECT *, row_number() OVER (
            PARTITION BY provider_agb ORDER BY registered_at DESC) AS rn
        FROM provider_register)
    WHERE rn = 1;

-- One row per accepted upload: the receipt.
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id VARCHAR NOT NULL,
    provider_agb VARCHAR NOT NULL,
    quarter VARCHAR NOT NULL,
    received_at TIMESTAMP NOT NULL,
    received_by VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    files JSON,
    warnings JSON
);

-- One row per accepted table in an upload: the version of that provider-quarter-table.
CREATE TABLE IF NOT EXISTS table_versions (
    delivery_id VARCHAR NOT NULL,
    provider_agb VARCHAR NOT NULL,
    quarter VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    file_name VARCHAR,
    file_sha256 VARCHAR,
    row_count INTEGER NOT NULL,
    accepted_at TIMESTAMP NOT NULL
);
CREATE OR REPLACE VIEW latest_table_versions AS
    SELECT * EXCLUDE (rn) FROM (
        SELECT *, row_number() OVER (
            PARTITION BY provider_agb, quarter, table_name ORDER BY version DESC) AS rn
        FROM table_versions)
    WHERE rn = 1;

-- The files of an accepted upload exactly as received, with their hash (audit).
CREATE TABLE IF NOT EXISTS delivery_files (
    delivery_id VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    content BLOB NOT NULL
);

CREATE SEQUENCE IF NOT EXISTS audit_event_seq;
CREATE TABLE IF NOT EXISTS audit_log (
    event_id BIGINT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    provider_agb VARCHAR,
    quarter VARCHAR,
    details JSON
);
"""
    + "".join(_data_table_ddl(name, cols) for name, cols in DATA_TABLE_COLUMNS.items())
)

# Extra DDL registered by other domain modules (norms, escalation, users), run by `ensure_schema`.
_EXTRA_SCHEMA: list[str] = []
# Domain modules that register tables; imported by `ensure_schema` so that every database gets the
# whole schema whatever the caller happened to import.
SCHEMA_MODULES = (
    "impactmonitor.users",
    "impactmonitor.norms",
    "impactmonitor.escalation",
    "impactmonitor.kpis",
    "impactmonitor.agreements",
    "impactmonitor.explanations",
)


def register_schema(sql: str) -> None:
    """Let a domain module add its own tables and views to the schema (idempotent DDL)."""
    if sql not in _EXTRA_SCHEMA:
        _EXTRA_SCHEMA.append(sql)


class DatabaseBusy(RuntimeError):
    """Another process held the database file for longer than the lock timeout."""


def _is_lock_error(error: Exception) -> bool:
    """Errors that go away when we try again a moment later.

    "Could not set lock" / "Conflicting lock": another process holds the file. "Unique file
    handle conflict": another thread of this process is just closing the last connection to it.
    """
    message = str(error)
    return ("Could not set lock" in message or "Conflicting lock" in message
            or "Unique file handle conflict" in message)


def _import_schema_modules() -> None:
    import importlib

    for name in SCHEMA_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:  # a missing dependency inside the module is a real error
                raise


def default_db_path() -> str:
    return os.environ.get(DEFAULT_DB_ENV, DEFAULT_DB_PATH)


class Database:
    """A DuckDB file opened per unit of work. Safe to share between threads."""

    def __init__(self, path: str | Path, lock_timeout: float = 60.0) -> None:
        self.path = str(path)
        self.lock_timeout = lock_timeout
        self._write_lock = threading.RLock()
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._schema_applied = -1  # how many of _EXTRA_SCHEMA this file has received

    # -- connections ---------------------------------------------------------------------------
    def _connect(self) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.01
        while True:
            try:
                return duckdb.connect(self.path, config=CONNECT_CONFIG)
            except duckdb.Error as error:  # IOException for the lock
                if not _is_lock_error(error) or time.monotonic() > deadline:
                    if _is_lock_error(error):
                        raise DatabaseBusy(str(error)) from error
                    raise
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 1.6, 0.25)

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for reads; closed (and the file lock released) when the block ends."""
        self.ensure_schema()
        con = self._connect()
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def opened_ahead(self, enabled: bool = True) -> Iterator[OpenedAhead | None]:
        """Start opening the file for a coming `transaction(ahead)` while the caller works on.

        Opening costs ~10 ms (DuckDB builds its catalog) and releases the GIL, so an ingest can
        check its files meanwhile. The file is locked from then on: use it only for work of a
        few tens of milliseconds. A connection the block did not use is closed at its end.
        """
        ahead = OpenedAhead(self) if enabled else None
        try:
            yield ahead
        finally:
            if ahead is not None:
                ahead.discard()

    @contextmanager
    def transaction(self, ahead: OpenedAhead | None = None
                    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction: everything in the block is stored, or nothing is."""
        self.ensure_schema()
        with self._write_lock:
            con = ahead.take() if ahead is not None else self._connect()
            try:
                con.execute("BEGIN TRANSACTION")
                try:
                    yield con
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
            finally:
                con.close()

    # -- schema --------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        if self._schema_applied == len(_EXTRA_SCHEMA) and self._schema_applied >= 0:
            return
        _import_schema_modules()
        with self._write_lock:
            if self._schema_applied == len(_EXTRA_SCHEMA):
                return
            con = self._connect()
            try:
                con.execute(SCHEMA_SQL)
                for sql in _EXTRA_SCHEMA:
                    con.execute(sql)
                present = con.execute("SELECT count(*) FROM meta WHERE key='schema'").fetchone()
                if present and present[0] == 0:
                    con.execute("INSERT INTO meta VALUES ('schema', ?)", [str(SCHEMA_VERSION)])
            finally:
                con.close()
            self._schema_applied = len(_EXTRA_SCHEMA)

    # -- helpers -------------------------------------------------------------------------------
    def query(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> pl.DataFrame:
        """Run a read query and return its result as a polars DataFrame."""
        with self.connection() as con:
            return con.execute(sql, params or []).pl()

    def scalar(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> Any:
        with self.connection() as con:
            row = con.execute(sql, params or []).fetchone()
            return row[0] if row else None

    def data_version(self) -> int:
        """Changes with every accepted delivery, decision, norm or register change."""
        return int(self.scalar("SELECT coalesce(max(event_id), 0) FROM audit_log"))


# Opens connections for `Database.opened_ahead`; more than one in case of simultaneous uploads.
_OPENER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="impactmonitor-open")


class OpenedAhead:
    """A connection that a background thread is opening, taken by one transaction."""

    def __init__(self, db: Database) -> None:
        self._future: Future[duckdb.DuckDBPyConnection] = _OPENER.submit(self._open, db)
        self._taken = False

    @staticmethod
    def _open(db: Database) -> duckdb.DuckDBPyConnection:
        db.ensure_schema()
        return db._connect()

    def take(self) -> duckdb.DuckDBPyConnection:
        """The connection (waiting for it); errors of the opening are raised here."""
        if self._taken:
            raise RuntimeError("a connection opened ahead serves one transaction")
        self._taken = True
        return self._future.result()

    def discard(self) -> None:
        """Close the connection if no transaction took it (now, or once it is open)."""
        if self._taken:
            return
        self._taken = True

        def close(future: Future[duckdb.DuckDBPyConnection]) -> None:
            if future.exception() is None:
                future.result().close()

        self._future.add_done_callback(close)


def append_audit(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    provider_agb: str | None = None,
    quarter: str | None = None,
    details: str | None = None,
    at: Any = None,
) -> None:
    """Append one audit event inside the caller's transaction."""
    con.execute(
        "INSERT INTO audit_log VALUES (nextval('audit_event_seq'), "
        "coalesce(?, current_localtimestamp()), ?, ?, ?, ?, ?)",
        [at, actor, action, provider_agb, quarter, details],
    )
