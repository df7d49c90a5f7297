"""Reading the audit log (uploads, logins, decisions, norm/register/user changes, exports)."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import polars as pl

from impactmonitor.access import User, require
from impactmonitor.storage import Database, append_audit


def audit_events(
    db: Database, user: User, action: str | None = None, limit: int = 500
) -> pl.DataFrame:
    """The newest audit events; only management and administrators may read them."""
    require(user, "read_audit_log")
    where, params = ("WHERE action = ?", [action]) if action else ("", [])
    return db.query(
        f"SELECT event_id, occurred_at, actor, action, provider_agb, quarter, details "
        f"FROM audit_log {where} ORDER BY event_id DESC LIMIT ?",
        [*params, limit],
    )


def audit_actions(db: Database, user: User) -> list[str]:
    require(user, "read_audit_log")
    return db.query("SELECT DISTINCT action FROM audit_log ORDER BY action")["action"].to_list()


def record_export(db: Database, user: User, what: str, provider_agb: str | None = None,
                  quarter: str | None = None) -> None:
    """Audit one export or report download."""
    with db.transaction() as con:
        append_audit(con, user.username, "export", provider_agb, quarter,
                     f'{{"what": "{what}"}}', at=datetime.now())


def append_rejected_delivery(con: duckdb.DuckDBPyConnection, actor: str, provider_agb: str,
                             quarter: str, files: list[tuple[str, str, int]], error_count: int,
                             source: str) -> None:
    """Audit a rejected delivery inside the ingest's transaction: who tried what (file name,
    SHA-256, size), through which path (app, cli), with how many errors.

    The delivery itself writes nothing; only this audit event records that it was tried.
    """
    details = {"files": [{"name": n, "sha256": h, "bytes": b} for n, h, b in files],
               "errors": error_count, "source": source}
    append_audit(con, actor, "delivery_rejected", provider_agb, quarter,
                 json.dumps(details, ensure_ascii=False))
