"""The DuckLake backend: catalog in PostgreSQL, data in Parquet files (SPEC section 8).

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
from impactmonitor.storage import CONNECTION_SETUP, one_row

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


def _quoted(text: str) -> str:
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
            self.pg_alias, f"ATTACH {_quoted(self.conninfo)} AS {self.pg_alias} (TYPE postgres)"
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
            options.append(f"DATA_PATH {_quoted(data_path)}")
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
                f"ATTACH {_quoted('ducklake:postgres:' + self.conninfo)} "
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
            f"ATTACH {_quoted('ducklake:postgres:' + self.conninfo)} "
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


# ---- creating, copying and maintaining a lake ----------------------------------------------------


def create_lake(location: str, data_path: str) -> None:
    """Create the lake behind `location` with its data under `data_path`, and its schema.

    Idempotent: on an existing lake it only applies migrations the lake lacks (the data path
    stays the one stored in the catalog).
    """
    from impactmonitor.storage import Database

    backend = LakeBackend(location)
    if not backend.initialized():
        if "://" not in data_path:  # a local or shared folder (an S3 URL needs no folder)
            os.makedirs(data_path, exist_ok=True)
            data_path = os.path.abspath(data_path)
        backend.create(data_path.rstrip("/") + "/")
    Database(location, backend=backend).ensure_schema()


# Base tables a copy moves over (schema_migrations is the target's own).
def _copied_tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() "
            "WHERE database_name = ? AND schema_name = 'main' "
            "AND table_name <> 'schema_migrations' ORDER BY table_name",
            [database],
        ).fetchall()
    ]


def copy_file_to_lake(source_path: str, location: str) -> dict[str, tuple[int, int]]:
    """Copy every row of a DuckDB file into an empty lake, in one transaction.

    Returns {table: (rows in the file, rows in the lake)}; raises when the lake already holds
    data or a count differs after the copy (then nothing is kept). The lake's id sequences
    continue after the file's highest ids.
    """
    from impactmonitor.storage import Database

    Database(source_path).ensure_schema()  # the file at the lake's schema version
    target = Database(location)
    target.ensure_schema()
    backend = target.backend
    assert isinstance(backend, LakeBackend)
    lake = backend._ensure_attached()
    source_alias = "copy_source_" + hashlib.sha256(source_path.encode()).hexdigest()[:8]
    lake.attach(source_alias, f"ATTACH {_quoted(source_path)} AS {source_alias} (READ_ONLY)")
    try:
        con = lake.con.cursor()
        try:
            con.execute(f"USE {backend.alias}")
            tables = _copied_tables(con, source_alias)
            lake_tables = set(_copied_tables(con, backend.alias))
            missing = [t for t in tables if t not in lake_tables]
            if missing:
                raise ValueError(f"the lake lacks tables of the file: {', '.join(missing)}")
            occupied = [
                t
                for t in tables
                if t != "meta"
                and one_row(con.execute(f"SELECT count(*) FROM {backend.alias}.{t}"))[0]
            ]
            if occupied:
                raise ValueError(f"the lake holds data already: {', '.join(occupied)}")
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(f"DELETE FROM {backend.alias}.meta")
                for table in tables:
                    columns = ", ".join(
                        f'"{row[0]}"'
                        for row in con.execute(
                            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? "
                            "AND table_name = ? ORDER BY column_index",
                            [source_alias, table],
                        ).fetchall()
                    )
                    con.execute(
                        f"INSERT INTO {backend.alias}.{table} ({columns}) "
                        f"SELECT {columns} FROM {source_alias}.{table}"
                    )
                counts = {
                    table: (
                        one_row(con.execute(f"SELECT count(*) FROM {source_alias}.{table}"))[0],
                        one_row(con.execute(f"SELECT count(*) FROM {backend.alias}.{table}"))[0],
                    )
                    for table in tables
                }
                wrong = {t: c for t, c in counts.items() if c[0] != c[1]}
                if wrong:
                    raise ValueError(f"row counts differ after the copy: {wrong}")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            for sequence, table, column in (
                ("audit_event_seq", "audit_log", "event_id"),
                ("escalation_decision_seq", "escalation_decisions", "seq"),
            ):
                highest = one_row(
                    con.execute(f"SELECT coalesce(max({column}), 0) FROM {source_alias}.{table}")
                )[0]
                if highest:
                    con.execute(
                        f"SELECT * FROM postgres_query('{backend.pg_alias}', "
                        f"'SELECT setval(''{ID_SCHEMA}.{sequence}'', {int(highest)})')"
                    ).fetchall()
        finally:
            con.close()
    finally:
        lake.detach(source_alias)
    return counts


def maintain(location: str, keep_days: float, now: Any = None) -> dict[str, int]:
    """Nightly maintenance: flush inlined rows, merge small files, expire old snapshots (never
    one an escalation decision refers to, never the current one), delete unreferenced files.

    Returns counts of what was done (files merged are not reported by DuckLake: the number of
    data files before and after is).
    """
    from impactmonitor.storage import Database

    db = Database(location)
    db.ensure_schema()
    backend = db.backend
    assert isinstance(backend, LakeBackend)

    def data_files() -> int:
        return int(
            backend.call(
                "SELECT count(*) FROM __ducklake_metadata_{lake}."
                "ducklake_data_file WHERE end_snapshot IS NULL"
            )[0][0]
        )

    files_before = data_files()
    backend.call("SELECT count(*) FROM ducklake_flush_inlined_data('{lake}')")
    backend.call("SELECT count(*) FROM ducklake_merge_adjacent_files('{lake}')")
    kept = {
        row[0]
        for row in backend.call(
            "SELECT DISTINCT snapshot_id FROM {lake}.escalation_decisions "
            "WHERE snapshot_id IS NOT NULL"
        )
    }
    current = backend.call("SELECT * FROM ducklake_current_snapshot('{lake}')")[0][0]
    expire = [
        row[0]
        for row in backend.call(
            "SELECT snapshot_id FROM ducklake_snapshots('{lake}') "
            "WHERE snapshot_time < coalesce(?::TIMESTAMPTZ, now()) - to_seconds(?) "
            "ORDER BY snapshot_id",
            [now, keep_days * 86400],
        )
        if row[0] not in kept and row[0] != current
    ]
    # Counted in SQL: the functions return time-zone timestamps, which Python would need pytz for.
    if expire:
        backend.call(
            "SELECT count(*) FROM ducklake_expire_snapshots('{lake}', versions => ?)", [expire]
        )
    cleaned = backend.call(
        "SELECT count(*) FROM ducklake_cleanup_old_files('{lake}', cleanup_all => true)"
    )[0][0]
    return {
        "data_files_before": files_before,
        "data_files_after": data_files(),
        "snapshots_expired": len(expire),
        "snapshots_kept_for_decisions": len(kept),
        "files_deleted": int(cleaned),
    }


def schema_version(location: str) -> int:
    from impactmonitor.storage import Database

    return Database(location).schema_version()
