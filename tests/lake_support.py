"""DuckLake test helpers: the throw-away PostgreSQL cluster (tools/postgres.py), lakes made
from templates, and releasing a test's lake.

Every test gets a lake of its own: a new catalog database cloned from a template (`CREATE
DATABASE ... TEMPLATE`, ~0.1 s) instead of creating and migrating a lake (seconds).
"""

from __future__ import annotations

from pathlib import Path

from tools.postgres import PostgresCluster, lake_location, postgres_bin

__all__ = ["PostgresCluster", "lake_location", "postgres_bin", "release_lake", "set_data_path"]


def set_data_path(cluster: PostgresCluster, dbname: str, data_path: Path) -> None:
    """Point a cloned catalog at a data folder of its own."""
    data_path.mkdir(parents=True, exist_ok=True)
    value = str(data_path).rstrip("/") + "/"
    cluster.psql(f"UPDATE ducklake_metadata SET value = '{value}' WHERE key = 'data_path'", dbname)


def release_lake(location: str) -> None:
    """Detach a test's lake from this process's DuckDB instance (its catalog connections go)."""
    from impactmonitor import lake_backend

    backend = lake_backend.LakeBackend(location)
    if lake_backend._INSTANCE is not None:
        for alias in [
            a
            for a in lake_backend._INSTANCE.attached
            if a.startswith(backend.alias) or a == backend.pg_alias
        ]:
            lake_backend._INSTANCE.detach(alias)
