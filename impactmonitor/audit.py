"""Reading the audit log (uploads, logins, decisions, norm/register/user changes, exports)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

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
                  quarter: str | None = None, kind: str = "table") -> None:
    """Audit one download: `what` (the file name), `kind` (table, report, error_list,
    error_file, receipt), for which provider and quarter."""
    with db.transaction() as con:
        append_audit(con, user.username, "export", provider_agb, quarter,
                     json.dumps({"what": what, "kind": kind}, ensure_ascii=False),
                     at=datetime.now())


class SessionEnded(PermissionError):
    """The session ended before the user clicked the download: nothing is made."""


def audited_download(db: Database, user: User, what: str, build: Callable[[], bytes],
                     still_valid: Callable[[], bool], *, kind: str = "table",
                     provider_agb: str | None = None, quarter: str | None = None
                     ) -> Callable[[], bytes]:
    """The data of a download, made when the user clicks it (not when the page is shown).

    At the click the session must still be valid (`still_valid`, e.g. not logged out in
    another tab), then the file is built and the download audited: the record is made when the
    file is, so no file leaves without one.
    """

    def make() -> bytes:
        if not still_valid():
            raise SessionEnded(what)
        content = build()
        record_export(db, user, what, provider_agb, quarter, kind)
        return content

    return make


def record_rejected_upload(db: Database, user: User, provider_agb: str, quarter: str,
                           files: list[tuple[str, str, int]], error_count: int) -> None:
    """Audit an upload that was rejected in the app: who tried what (name, SHA-256, size).

    The delivery itself writes nothing; only this audit event records that it was tried.
    """
    details = {"files": [{"name": n, "sha256": h, "bytes": b} for n, h, b in files],
               "errors": error_count}
    with db.transaction() as con:
        append_audit(con, user.username, "delivery_rejected", provider_agb, quarter,
                     json.dumps(details, ensure_ascii=False))
