"""A throw-away PostgreSQL cluster (for the DuckLake tests and benchmarks), and lakes in it.

The cluster runs Debian's PostgreSQL binaries on a free 127.0.0.1 port as a non-root user (as
root: the `postgres` system user through `runuser`), in a temporary folder removed by `stop()`.
Not for production: fsync is off and every local connection is trusted.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "im"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL server binaries (Debian: /usr/lib/postgresql/N/bin)."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name)
    )
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_cluster_owner(command: list[str]) -> list[str]:
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class PostgresCluster:
    """initdb + pg_ctl start on a free port; `stop()` removes everything."""

    def __init__(self) -> None:
        binaries = postgres_bin()
        if binaries is None:
            raise RuntimeError("PostgreSQL server binaries not found (Debian package postgresql)")
        self.bin = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="impactmonitor-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self.port = free_port()
        data = self.folder / "data"
        subprocess.run(
            _as_cluster_owner(
                [
                    str(self.bin / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    USER,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
        )
        subprocess.run(
            _as_cluster_owner(
                [
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(self.folder / "log"),
                    "-w",
                    "-o",
                    f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                    "-c max_connections=200",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        self._names = itertools.count(1)
        self._templates: dict[str, str] = {}

    def conninfo(self, dbname: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={USER} dbname={dbname}"

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        result = subprocess.run(
            [
                str(self.bin / "psql"),
                "-X",
                "-q",
                "-t",
                "-A",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                USER,
                "-d",
                dbname,
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout

    def new_database(self, template: str | None = None) -> str:
        name = f"lake_{os.getpid()}_{next(self._names)}"
        clause = f" TEMPLATE {template}" if template else ""
        for attempt in range(20):  # a template in use by a closing connection: wait a moment
            try:
                self.psql(f"CREATE DATABASE {name}{clause}")
                return name
            except subprocess.CalledProcessError as error:
                if "being accessed by other users" not in (error.stderr or "") or attempt == 19:
                    raise
                time.sleep(0.1)
        raise AssertionError("unreachable")

    def stop(self) -> None:
        subprocess.run(
            _as_cluster_owner(
                [
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.folder / "data"),
                    "-m",
                    "immediate",
                    "stop",
                ]
            ),
            capture_output=True,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def lake_location(cluster: PostgresCluster, dbname: str) -> str:
    return "ducklake:postgres:" + cluster.conninfo(dbname)
