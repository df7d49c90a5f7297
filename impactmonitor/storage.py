"""The store: one `Database` API over two backends, a DuckDB file or DuckLake.

The storage location is one setting (`IMPACTMONITOR_DB`, or `--db` on every command line):
- a file path (the default, `data/impactmonitor.duckdb`): one embedded DuckDB file;
- `ducklake:postgres:<libpq conninfo>`: DuckLake with its catalog in PostgreSQL and its data in
  Parquet files under the data path stored in the catalog (`python -m pipelines.lake init`).

File backend (see README, "Concurrency"): DuckDB lets one process at a time open a file. The app
and the command lines never keep a connection open: each unit of work connects (≈ 8 ms), does its
reads or its one write transaction, and closes. A process that finds the file locked by another
process retries with a short back-off until `lock_timeout` runs out (`DatabaseBusy`). Within a
process, writes are serialised by a lock and every thread gets its own connection.

DuckLake backend (`impactmonitor.lake`): one DuckDB instance per process holds the lake attached
(attaching costs far too much to do per unit of work); each unit of work gets its own cursor.
Several processes write at once: a transaction that conflicts with another one's commit is run
again (`Database.write`), versions are claimed under a PostgreSQL lock, ids come from PostgreSQL.

Everything is append-only: deliveries, register entries, norms and decisions are new rows; the
"current" state is a view over the latest rows. Uniqueness and versioning are enforced by the
code (not by constraints), so the same schema (`impactmonitor.schema`) runs on both backends.
"""

from __future__ import annotations

import errno
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Protocol, TypeVar

import duckdb
import polars as pl

from impactmonitor import schema
from impactmonitor.config import CONNECTION_SETUP
from impactmonitor.i18n import DEFAULT_LANGUAGE, text

DEFAULT_DB_ENV = "IMPACTMONITOR_DB"
DEFAULT_DB_PATH = "data/impactmonitor.duckdb"
LAKE_PREFIX = "ducklake:"
# How long a process waits for another one to release the file before giving up (seconds).
LOCK_TIMEOUT_ENV = "IMPACTMONITOR_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 60.0

# Every unit of work ends with a checkpoint of the tables it touched (on close). In DuckDB's
# default file format (v0.10 storage, 256 KiB blocks) that rewrites far more bytes than one
# delivery adds; new files use the current format with 64 KiB blocks (measured on one delivery:
# commit 13 -> 5 ms, close 45 -> 20 ms; scans at national scale unchanged). Both options only
# matter when a file is created: existing files keep the format they were written in.
CONNECT_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "storage_compatibility_version": "latest",
    "default_block_size": "65536",
}

# Conflicting transactions on DuckLake are run again this often, with a growing random pause.
WRITE_ATTEMPTS = 12

T = TypeVar("T")


class DatabaseBusy(RuntimeError):
    """Another process held the database for longer than the lock timeout."""


class TransactionConflict(RuntimeError):
    """Another process committed a conflicting change first; running the unit again helps."""


class Backend(Protocol):
    """What a storage backend provides to `Database` (see FileBackend and lake.LakeBackend)."""

    kind: str
    read_only: bool

    def connect(self) -> duckdb.DuckDBPyConnection: ...
    def release(self, con: duckdb.DuckDBPyConnection) -> None: ...
    def is_conflict(self, error: Exception) -> bool: ...
    def locked(self, keys: Iterable[str]) -> AbstractContextManager[None]: ...
    def next_ids(self, con: duckdb.DuckDBPyConnection, sequence: str, count: int) -> list[int]: ...
    def create_sequences(self, con: duckdb.DuckDBPyConnection) -> None: ...
    def data_version(self, con: duckdb.DuckDBPyConnection) -> int: ...
    def snapshot_id(self, con: duckdb.DuckDBPyConnection) -> int | None: ...
    def as_of(self, snapshot_id: int) -> Backend: ...


def is_lake(location: str | Path) -> bool:
    return str(location).startswith(LAKE_PREFIX)


# `<lake setting>@snapshot:<id>` names a read-only view of a lake as it was at a snapshot.
SNAPSHOT_SUFFIX = "@snapshot:"


def default_db_path() -> str:
    return os.environ.get(DEFAULT_DB_ENV, DEFAULT_DB_PATH)


def missing_database(location: str | Path, lang: str = DEFAULT_LANGUAGE) -> str | None:
    """Why there is no database to read at `location`, in `lang` (None when there is one)."""
    if is_lake(location):
        from impactmonitor.lake_backend import LakeBackend

        if not LakeBackend(str(location)).initialized():
            return text("storage_no_lake", lang, location=location)
        return None
    if not Path(location).is_file():
        return text("storage_database_not_found", lang, location=location)
    return None


# ---- the file backend ----------------------------------------------------------------------------


def _is_lock_error(error: Exception) -> bool:
    """Errors that go away when we try again a moment later.

    "Could not set lock" / "Conflicting lock": another process holds the file. "Unique file
    handle conflict": another thread of this process is just closing the last connection to it.
    """
    message = str(error)
    return (
        "Could not set lock" in message
        or "Conflicting lock" in message
        or "Unique file handle conflict" in message
    )


class FileBackend:
    """One DuckDB file, opened per unit of work."""

    kind = "file"
    read_only = False

    def __init__(self, path: str, lock_timeout: float) -> None:
        self.path = path
        self.lock_timeout = lock_timeout
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)

    def connect(self) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.01
        while True:
            try:
                con = duckdb.connect(self.path, config=CONNECT_CONFIG)
            except duckdb.Error as error:  # IOException for the lock
                if not _is_lock_error(error) or time.monotonic() > deadline:
                    if _is_lock_error(error):
                        raise DatabaseBusy(str(error)) from error
                    raise
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 1.6, 0.25)
                continue
            con.execute(CONNECTION_SETUP)
            return con

    def release(self, con: duckdb.DuckDBPyConnection) -> None:
        con.close()

    def is_conflict(self, error: Exception) -> bool:
        return False  # one writer at a time: the file lock and the process's write lock

    def locked(self, keys: Iterable[str]) -> AbstractContextManager[None]:
        return nullcontext()  # the same: nobody else can write meanwhile

    def next_ids(self, con: duckdb.DuckDBPyConnection, sequence: str, count: int) -> list[int]:
        return _sequence_values(con, sequence, count)

    def create_sequences(self, con: duckdb.DuckDBPyConnection) -> None:
        for sequence in schema.SEQUENCES:
            con.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence}")

    def data_version(self, con: duckdb.DuckDBPyConnection) -> int:
        row = con.execute("SELECT coalesce(max(event_id), 0) FROM audit_log").fetchone()
        return int(row[0]) if row else 0

    def snapshot_id(self, con: duckdb.DuckDBPyConnection) -> int | None:
        return None  # a file keeps no snapshots of the past

    def as_of(self, snapshot_id: int) -> Backend:
        raise NotImplementedError("a DuckDB file keeps no snapshots; use DuckLake for this")


# ---- the Database API ----------------------------------------------------------------------------

# The backend of each open connection, for helpers that only get the connection (next_ids).
_BACKEND_OF: dict[int, Backend] = {}

# Commits of this process, through any Database: what was read stays true while this number is
# unchanged and no other process wrote (the app reads the data version once per run with it).
_local_commits = 0
_local_commits_lock = threading.Lock()


def local_commits() -> int:
    """How many write transactions this process has committed so far."""
    return _local_commits


def _count_local_commit() -> None:
    global _local_commits
    with _local_commits_lock:
        _local_commits += 1


class Database:
    """The product's database (a file or a lake). Safe to share between threads."""

    def __init__(
        self, path: str | Path, lock_timeout: float | None = None, backend: Backend | None = None
    ) -> None:
        self.path = str(path)
        if lock_timeout is None:  # IMPACTMONITOR_LOCK_TIMEOUT, else 60 s
            lock_timeout = float(os.environ.get(LOCK_TIMEOUT_ENV, DEFAULT_LOCK_TIMEOUT))
        self.lock_timeout = lock_timeout
        if backend is None:
            if is_lake(self.path):
                from impactmonitor.lake_backend import LakeBackend

                location, _, snapshot = self.path.partition(SNAPSHOT_SUFFIX)
                backend = LakeBackend(location, int(snapshot) if snapshot else None)
            else:
                backend = FileBackend(self.path, lock_timeout)
        self.backend = backend
        self._write_lock = threading.RLock()
        self._schema_current = False

    @property
    def kind(self) -> str:
        """ "file" or "lake"."""
        return self.backend.kind

    # -- connections ---------------------------------------------------------------------------
    @contextmanager
    def _raw(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = self.backend.connect()
        _BACKEND_OF[id(con)] = self.backend
        try:
            yield con
        finally:
            _BACKEND_OF.pop(id(con), None)
            self.backend.release(con)

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for reads; closed (and a file's lock released) when the block ends."""
        self.ensure_schema()
        with self._raw() as con:
            yield con

    @contextmanager
    def opened_ahead(
        self, enabled: bool = True, max_hold: float | None = None
    ) -> Iterator[OpenedAhead | None]:
        """Start opening the file for a coming `transaction(ahead)` while the caller works on.

        Opening costs ~10 ms (DuckDB builds its catalog) and releases the GIL, so an ingest can
        check its files meanwhile. The file is locked from then on, so the connection is closed
        again when no transaction has taken it within `max_hold` seconds (default
        `OPEN_AHEAD_MAX_HOLD`): work that turns out slow (a big or hostile file) never keeps
        other processes out; its transaction then opens the file itself. A connection the block
        did not use is closed at its end. A lake is open already: nothing to do ahead.
        """
        hold = OPEN_AHEAD_MAX_HOLD if max_hold is None else max_hold
        ahead = OpenedAhead(self, hold) if enabled and self.kind == "file" else None
        try:
            yield ahead
        finally:
            if ahead is not None:
                ahead.discard()

    @contextmanager
    def transaction(self, ahead: OpenedAhead | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction: everything in the block is stored, or nothing is.

        On DuckLake a commit can meet a conflicting commit of another process: that raises
        `TransactionConflict`; `write()` runs a unit of work again in that case.
        """
        if self.backend.read_only:
            raise PermissionError("this view of the database is read-only")
        self.ensure_schema()
        # One writer per process on a file; on a lake, transactions of one process run side by
        # side like those of different processes.
        guard = self._write_lock if self.kind == "file" else nullcontext()
        with guard:
            if ahead is not None:
                con = ahead.take()
                _BACKEND_OF[id(con)] = self.backend
                raw: AbstractContextManager[duckdb.DuckDBPyConnection] = _adopted(self, con)
            else:
                raw = self._raw()
            with raw as con, self._committed(con):
                yield con

    @contextmanager
    def _committed(self, con: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """BEGIN ... COMMIT around the block (ROLLBACK when it raises)."""
        con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            con.execute("ROLLBACK")
            raise
        try:
            con.execute("COMMIT")
        except duckdb.Error as error:
            if self.backend.is_conflict(error):
                raise TransactionConflict(str(error)) from error
            raise
        _count_local_commit()

    def _again_on_conflict(self, attempt_unit: Callable[[], T]) -> T:
        """`attempt_unit()`, run again (bounded, with back-off) while it meets a conflict."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                return attempt_unit()
            except TransactionConflict:
                if attempt == WRITE_ATTEMPTS - 1:
                    raise
                time.sleep(min(0.02 * 1.7**attempt, 1.0) * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def write(
        self,
        unit: Callable[[duckdb.DuckDBPyConnection], T],
        *,
        locks: Iterable[str] = (),
        ahead: OpenedAhead | None = None,
    ) -> T:
        """Run `unit(con)` in one write transaction and return its result.

        `locks` name what the unit claims (e.g. a provider-quarter whose next version it
        numbers): on DuckLake no other process runs a unit with the same key meanwhile, so
        versions stay unique and gap-free. A unit that meets a conflicting commit is run again
        from the start (bounded, with back-off): it must not have effects outside the database.
        """
        keys = sorted(set(locks))
        opened = [ahead]

        def attempt() -> T:
            ahead, opened[0] = opened[0], None  # a connection opened ahead serves one attempt
            with self.backend.locked(keys), self.transaction(ahead) as con:
                return unit(con)

        return self._again_on_conflict(attempt)

    # -- schema --------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Apply the migrations this database lacks (once per process: then it is current)."""
        if self._schema_current or self.backend.read_only:
            return
        with self._write_lock:
            if self._schema_current:
                return
            with self._raw() as con:
                applied = _applied_version(con)
            if applied < schema.LATEST_VERSION:
                self._migrate()
            self._schema_current = True

    def _migrate(self) -> None:
        with self._raw() as con:
            self.backend.create_sequences(con)
        for migration in schema.MIGRATIONS:

            def attempt(migration: schema.Migration = migration) -> None:
                with self._raw() as con, self._committed(con):
                    con.execute(schema.MIGRATIONS_TABLE_DDL)
                    if _applied_version(con) >= migration.version:
                        return  # another process was first
                    con.execute(migration.sql)
                    con.execute(
                        "INSERT INTO schema_migrations VALUES (?, ?, current_localtimestamp())",
                        [migration.version, migration.description],
                    )

            self._again_on_conflict(attempt)

    def schema_version(self) -> int:
        with self._raw() as con:
            return _applied_version(con)

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
        """Changes with every stored change (a delivery, decision, norm or register change...)."""
        with self.connection() as con:
            return self.backend.data_version(con)

    def snapshot_id(self) -> int | None:
        """The lake's current snapshot (None on a file, which keeps no snapshots)."""
        with self.connection() as con:
            return self.backend.snapshot_id(con)

    def as_of(self, snapshot_id: int) -> Database:
        """A read-only view of the database as it was at `snapshot_id` (DuckLake only)."""
        return Database(
            f"{self.path}{SNAPSHOT_SUFFIX}{int(snapshot_id)}",
            backend=self.backend.as_of(snapshot_id),
        )

    @property
    def keeps_snapshots(self) -> bool:
        return self.kind == "lake"


@contextmanager
def _adopted(db: Database, con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    try:
        yield con
    finally:
        _BACKEND_OF.pop(id(con), None)
        db.backend.release(con)


def _applied_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version of the database behind `con` (0: empty)."""
    tables = {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = current_schema()"
        ).fetchall()
    }
    if "schema_migrations" in tables:
        row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
        return int(row[0]) if row else 0
    return 0


def next_ids(con: duckdb.DuckDBPyConnection, sequence: str, count: int = 1) -> list[int]:
    """`count` new ids from `sequence` (one of schema.SEQUENCES), unique across processes."""
    if count <= 0:
        return []
    backend = _BACKEND_OF.get(id(con))
    if backend is None:  # a connection opened outside Database: a plain DuckDB file
        return _sequence_values(con, sequence, count)
    return backend.next_ids(con, sequence, count)


def _sequence_values(con: duckdb.DuckDBPyConnection, sequence: str, count: int) -> list[int]:
    rows = con.execute("SELECT nextval(?) FROM range(?)", [sequence, count]).fetchall()
    return [row[0] for row in rows]


# Opens connections for `Database.opened_ahead`; more than one in case of simultaneous uploads.
_OPENER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="impactmonitor-open")
# The longest a connection opened ahead holds the file before a transaction takes it (seconds):
# a typical delivery is checked in ~20 ms, far longer only when the file is big or hostile.
OPEN_AHEAD_MAX_HOLD = 0.25


class OpenedAhead:
    """A connection that a background thread is opening, taken by one transaction.

    Closed again when no transaction took it within `max_hold` seconds; `take` then opens a
    new one, but only once the old one is closed: within one process a DuckDB file being closed
    while it is opened again can lose the process's lock on it (POSIX locks belong to the
    process), letting another process in (seen under load: the commit then failed on the
    other process's WAL lock).
    """

    def __init__(self, db: Database, max_hold: float) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._taken = False
        self._released = False
        self._closed = threading.Event()
        self._future: Future[duckdb.DuckDBPyConnection] = _OPENER.submit(self._open, db)
        self._timer = threading.Timer(max_hold, self._release)
        self._timer.daemon = True
        self._timer.start()

    @staticmethod
    def _open(db: Database) -> duckdb.DuckDBPyConnection:
        db.ensure_schema()
        return db.backend.connect()

    def take(self) -> duckdb.DuckDBPyConnection:
        """The connection (waiting for it); errors of the opening are raised here."""
        with self._lock:
            if self._taken:
                raise RuntimeError("a connection opened ahead serves one transaction")
            self._taken = True
            self._timer.cancel()
            released = self._released
        if released:  # held too long without use: given back; open afresh once it is closed
            self._closed.wait()
            return self._db.backend.connect()
        return self._future.result()

    @property
    def released(self) -> bool:
        """Whether the connection was given back because no transaction took it in time."""
        return self._released

    def _release(self) -> None:
        with self._lock:
            if self._taken:
                return
            self._released = True
        self._future.add_done_callback(self._close)

    def _close(self, future: Future[duckdb.DuckDBPyConnection]) -> None:
        try:
            if future.exception() is None:
                future.result().close()
        finally:
            self._closed.set()

    def discard(self) -> None:
        """Close the connection if no transaction took it (now, or once it is open)."""
        with self._lock:
            if self._taken:
                return
            self._taken = True
            self._timer.cancel()
            released = self._released
        if not released:
            self._future.add_done_callback(self._close)


def one_row(cursor: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The row of an executed query that always returns one (an aggregate without GROUP BY)."""
    row = cursor.fetchone()
    if row is None:
        raise LookupError("the query returned no row")
    return row


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
        "INSERT INTO audit_log (event_id, occurred_at, actor, action, provider_agb, quarter, "
        "details) VALUES (?, coalesce(?, current_localtimestamp()), ?, ?, ?, ?, ?)",
        [next_ids(con, "audit_event_seq")[0], at, actor, action, provider_agb, quarter, details],
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
