"""Setting up and keeping a DuckLake (SPEC section 8): create it with its schema, copy a DuckDB
file into it, nightly maintenance, its schema version.

The backend itself (one DuckDB instance per process, PostgreSQL ids and per-key locks) is
`impactmonitor.lake_backend`, which `storage.Database` runs on; its names are importable from
here as before.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import duckdb

from impactmonitor.lake_backend import ID_SCHEMA, LakeBackend, LakeNotInitialized, quoted
from impactmonitor.storage import Database, one_row

# The backend's names are importable from here as before (the CLI and tests use both).
__all__ = [
    "LakeBackend",
    "LakeNotInitialized",
    "copy_file_to_lake",
    "create_lake",
    "maintain",
    "schema_version",
]


# ---- creating, copying and maintaining a lake ----------------------------------------------------


def create_lake(location: str, data_path: str) -> None:
    """Create the lake behind `location` with its data under `data_path`, and its schema.

    Idempotent: on an existing lake it only applies migrations the lake lacks (the data path
    stays the one stored in the catalog).
    """
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
    Database(source_path).ensure_schema()  # the file at the lake's schema version
    target = Database(location)
    target.ensure_schema()
    backend = target.backend
    assert isinstance(backend, LakeBackend)
    lake = backend._ensure_attached()
    source_alias = "copy_source_" + hashlib.sha256(source_path.encode()).hexdigest()[:8]
    lake.attach(source_alias, f"ATTACH {quoted(source_path)} AS {source_alias} (READ_ONLY)")
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
    return Database(location).schema_version()
