"""The DuckLake backend, what `storage.Database` runs on for a lake setting: catalog in
PostgreSQL, data in Parquet files (SPEC section 8).

Setting: `ducklake:postgres:<libpq conninfo>`, e.g.
`ducklake:postgres:host=127.0.0.1 port=5432 user=im dbname=impactmonitor`. The data path (a
folder, or an S3 URL through httpfs) is stored in the catalog when the lake is created
(`python -m pipelines.lake init`), so the one setting is all any process needs.

Measured on this stack (duckdb 1.5.5 with the PyPI extension packages): loading the extensions
and attaching costs up to seconds, so each process keeps one DuckDB instance with every lake it
uses attached, and every unit of work gets a cursor of it. What the lake cannot do itself:
- sequences: ids come from PostgreSQL sequences in the schema `impactmonitor` of the catalog
  database (`next_ids`);
- serialising writers of the same provider-quarter: concurrent appends never conflict, so two
  first deliveries would both number their version 1. `locked(keys)` holds a PostgreSQL
  transaction-level advisory lock per key from before the lake transaction starts until after
  it commits; a killed process's lock ends with its connection.
Deleting from the same table or replacing the same view in two transactions does conflict
("Transaction conflict"): `Database.write` runs such a unit again.

Creating, copying into and maintaining a lake (which need a `Database`) are `impactmonitor.lake`.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from impactmonitor import schema
from impactmonitor.config import CONNECTION_SETUP

PREFIX = "ducklake:postgres:"
ID_SCHEMA = "impactmonitor"
# Rows of one insert kept in the catalog instead of a Parquet file of their own (small
# deliveries would otherwise write many tiny files; `pipelines.lake maintain` flushes them).
INLINING_ENV = "IMPACTMONITOR_LAKE_INLINING_ROWS"
DEFAULT_INLINING_ROWS = 0


class LakeNotInitialized(RuntimeError):
    """The catalog database holds no lake yet (run `python -m pipelines.lake init`)."""


def conninfo_of(location: str) -> str:
    if not location.startswith(PREFIX):
        raise ValueError(f"a lake setting starts with {PREFIX!r}: {location!r}")
    return location[len(PREFIX) :].strip()


def quoted(text: str) -> str:
    """A SQL string literal (ATTACH takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"


class _Instance:
    """The process's DuckDB instance with the extensions loaded and the lakes attached."""

    def __init__(self) -> None:
        from duckdb_extensions import import_extension

        self.con = duckdb.connect(":memory:")
        installed = {
            row[0]
            for row in self.con.execute(
                "SELECT extension_name FROM duckdb_extensions() WHERE installed"
            ).fetchall()
        }
        # The extensions come from the PyPI packages built for exactly this DuckDB version;
        # installing copies ~80 MB, so only when this machine lacks them.
        for package, name in (("ducklake", "ducklake"), ("postgres", "postgres_scanner")):
            if name not in installed:
                import_extension(package, con=self.con)
            self.con.execute(f"LOAD {name}")
        self.attached: set[str] = set()
        self.lock = threading.Lock()

    def attach(self, alias: str, statement: str) -> None:
        with self.lock:
            if alias not in self.attached:
                self.con.execute(statement)
                self.attached.add(alias)

    def detach(self, alias: str) -> None:
        with self.lock:
            if alias in self.attached:
                self.con.execute(f"DETACH {alias}")
                self.attached.discard(alias)


_INSTANCE: _Instance | None = None
_INSTANCE_LOCK = threading.Lock()


def instance() -> _Instance:
    global _INSTANCE
    with _INSTANCE_LOCK:
        if _INSTANCE is None:
            _INSTANCE = _Instance()
        return _INSTANCE


# More keys than this in one unit take the lock of all keys instead (see LakeBackend.locked).
MAX_KEY_LOCKS = 500


def _lock_id(key: str) -> int:
    """A signed 64-bit advisory-lock id for a key (the same in every process)."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big", signed=True)


_ALL_KEYS = _lock_id("impactmonitor: every key")


class LakeBackend:
    """DuckLake through one process-wide DuckDB instance; a cursor per unit of work."""

    kind = "lake"

    def __init__(self, location: str, snapshot: int | None = None) -> None:
        self.location = location
        self.conninfo = conninfo_of(location)
        digest = hashlib.sha256(self.conninfo.encode("utf-8")).hexdigest()[:12]
        self.pg_alias = f"pg_{digest}"
        self.snapshot = snapshot
        self.read_only = snapshot is not None
        self.alias = f"lake_{digest}" + (f"_at_{snapshot}" if snapshot is not None else "")
        self._attached = False

    # -- attaching -----------------------------------------------------------------------------
    def _attach_catalog_database(self) -> _Instance:
        lake = instance()
        lake.attach(
            self.pg_alias, f"ATTACH {quoted(self.conninfo)} AS {self.pg_alias} (TYPE postgres)"
        )
        return lake

    def initialized(self) -> bool:
        lake = self._attach_catalog_database()
        cursor = lake.con.cursor()
        try:
            rows = cursor.execute(
                f"SELECT * FROM postgres_query('{self.pg_alias}', "
                "'SELECT 1 FROM information_schema.tables "
                "WHERE table_name = ''ducklake_metadata''')"
            ).fetchall()
        finally:
            cursor.close()
        return bool(rows)

    def _options(self, data_path: str | None = None) -> str:
        options = [
            f"DATA_INLINING_ROW_LIMIT {int(os.environ.get(INLINING_ENV, DEFAULT_INLINING_ROWS))}"
        ]
        if data_path is not None:
            options.append(f"DATA_PATH {quoted(data_path)}")
        if self.snapshot is not None:
            options.append(f"SNAPSHOT_VERSION {int(self.snapshot)}")
        return ", ".join(options)

    def _ensure_attached(self) -> _Instance:
        lake = self._attach_catalog_database()
        if self._attached and self.alias in lake.attached:
            return lake
        if self.alias not in lake.attached:
            # Attaching a catalog without a lake would create one with a default data path.
            if not self.initialized():
                raise LakeNotInitialized(
                    "no lake in this catalog yet: run `python -m pipelines.lake init "
                    f"--db '{self.location}' --data-path DIR`"
                )
            lake.attach(
                self.alias,
                f"ATTACH {quoted('ducklake:postgres:' + self.conninfo)} "
                f"AS {self.alias} ({self._options()})",
            )
        self._attached = True
        return lake

    def create(self, data_path: str) -> None:
        """Create the lake (catalog tables, data path) and the id sequences; idempotent."""
        lake = self._attach_catalog_database()
        if self.alias in lake.attached:
            lake.detach(self.alias)
        lake.attach(
            self.alias,
            f"ATTACH {quoted('ducklake:postgres:' + self.conninfo)} "
            f"AS {self.alias} ({self._options(data_path)})",
        )
        self._attached = True
        cursor = lake.con.cursor()
        try:
            self.create_sequences(cursor)
        finally:
            cursor.close()

    # -- the Backend protocol ------------------------------------------------------------------
    def connect(self) -> duckdb.DuckDBPyConnection:
        lake = self._ensure_attached()
        cursor = lake.con.cursor()
        cursor.execute(f"USE {self.alias}; {CONNECTION_SETUP}")
        return cursor

    def release(self, con: duckdb.DuckDBPyConnection) -> None:
        con.close()

    def is_conflict(self, error: Exception) -> bool:
        return "Transaction conflict" in str(error)

    @contextmanager
    def locked(self, keys: Iterable[str]) -> Iterator[None]:
        keys = list(keys)
        if not keys:
            yield
            return
        lake = self._ensure_attached()
        holder = lake.con.cursor()
        if len(keys) > MAX_KEY_LOCKS:
            # A bulk load of thousands of provider-quarters: PostgreSQL's lock table would
            # overflow, so it takes the one lock that every unit of work shares.
            statement = f"SELECT pg_advisory_xact_lock({_ALL_KEYS})"
        else:
            # Sorted ids, so that two units wanting overlapping keys cannot deadlock.
            ids = ", ".join(str(lock_id) for lock_id in sorted({_lock_id(k) for k in keys}))
            statement = (
                f"SELECT pg_advisory_xact_lock_shared({_ALL_KEYS}) UNION ALL "
                f"(SELECT pg_advisory_xact_lock(k) FROM unnest(ARRAY[{ids}]::bigint[]) "
                "AS k ORDER BY k)"
            )
        try:
            holder.execute("BEGIN TRANSACTION")
            holder.execute(
                f"SELECT count(*) FROM postgres_query('{self.pg_alias}', ?)", [statement]
            ).fetchall()
            yield
        finally:
            try:
                holder.execute("ROLLBACK")  # ends the PostgreSQL transaction: the locks go
            finally:
                holder.close()

    def next_ids(self, con: duckdb.DuckDBPyConnection, sequence: str, count: int) -> list[int]:
        if sequence not in schema.SEQUENCES:
            raise ValueError(f"unknown sequence {sequence!r}")
        rows = con.execute(
            f"SELECT * FROM postgres_query('{self.pg_alias}', "
            f"'SELECT nextval(''{ID_SCHEMA}.{sequence}'') FROM generate_series(1, {int(count)})')"
        ).fetchall()
        return [int(row[0]) for row in rows]

    def create_sequences(self, con: duckdb.DuckDBPyConnection) -> None:
        statements = [f"CREATE SCHEMA IF NOT EXISTS {ID_SCHEMA}"] + [
            f"CREATE SEQUENCE IF NOT EXISTS {ID_SCHEMA}.{sequence}" for sequence in schema.SEQUENCES
        ]
        self._attach_catalog_database()
        con.execute(f"CALL postgres_execute('{self.pg_alias}', ?)", ["; ".join(statements)])

    def data_version(self, con: duckdb.DuckDBPyConnection) -> int:
        return int(self.snapshot_id(con) or 0)

    def snapshot_id(self, con: duckdb.DuckDBPyConnection) -> int | None:
        if self.snapshot is not None:
            return self.snapshot
        row = con.execute(f"SELECT * FROM ducklake_current_snapshot('{self.alias}')").fetchone()
        return int(row[0]) if row else None

    def as_of(self, snapshot_id: int) -> LakeBackend:
        return LakeBackend(self.location, snapshot=int(snapshot_id))

    # -- maintenance ---------------------------------------------------------------------------
    def call(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        """Run a maintenance statement on the lake (its alias is `{lake}` in `sql`)."""
        lake = self._ensure_attached()
        cursor = lake.con.cursor()
        try:
            return cursor.execute(sql.format(lake=self.alias), params or []).fetchall()
        finally:
            cursor.close()
