"""Reading the audit log (uploads, logins, decisions, norm/register/user changes, exports)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import duckdb
import polars as pl

from impactmonitor.access import User, require
from impactmonitor.storage import Database, append_audit, next_ids

PAGE_SIZE = 100


def _audit_filter(
    action: str | None,
    actor: str | None,
    provider_agb: str | None,
    since: date | None,
    until: date | None,
) -> tuple[str, list[object]]:
    conditions: list[str] = ["TRUE"]
    params: list[object] = []
    for column, value in (("action", action), ("actor", actor), ("provider_agb", provider_agb)):
        if value:
            conditions.append(f"{column} = ?")
            params.append(value)
    if since:
        conditions.append("occurred_at >= ?")
        params.append(datetime.combine(since, time.min))
    if until:
        conditions.append("occurred_at < ?")
        params.append(datetime.combine(until + timedelta(days=1), time.min))
    return " AND ".join(conditions), params


def audit_events(
    db: Database,
    user: User,
    action: str | None = None,
    limit: int = PAGE_SIZE,
    *,
    actor: str | None = None,
    provider_agb: str | None = None,
    since: date | None = None,
    until: date | None = None,
    offset: int = 0,
) -> pl.DataFrame:
    """One page of audit events, newest first, filtered by action, actor (user), provider and
    the days `since`..`until` (both included). Only management and administrators may read
    them."""
    require(user, "read_audit_log")
    where, params = _audit_filter(action, actor, provider_agb, since, until)
    return db.query(
        f"SELECT event_id, occurred_at, actor, action, provider_agb, quarter, details "
        f"FROM audit_log WHERE {where} ORDER BY event_id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )


def audit_count(
    db: Database,
    user: User,
    action: str | None = None,
    *,
    actor: str | None = None,
    provider_agb: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> int:
    """How many events match the filters of `audit_events` (for the page count)."""
    require(user, "read_audit_log")
    where, params = _audit_filter(action, actor, provider_agb, since, until)
    return int(db.query(f"SELECT count(*) AS n FROM audit_log WHERE {where}", params)["n"][0])


def audit_actions(db: Database, user: User) -> list[str]:
    require(user, "read_audit_log")
    return db.query("SELECT DISTINCT action FROM audit_log ORDER BY action")["action"].to_list()


def audit_actors(db: Database, user: User) -> list[str]:
    """Everyone who appears in the audit log (user names), for the filter."""
    require(user, "read_audit_log")
    return db.query("SELECT DISTINCT actor FROM audit_log ORDER BY actor")["actor"].to_list()


# Why sessions ended (impactmonitor.sessions.revoke_in), in words in the audit log.
SESSION_REASONS = ("logout", "logout_everywhere", "timeout", "account_changed")


def event_details(action: str, details: str | None, lang: str = "nl") -> str:
    """An event's details as a sentence instead of JSON: what was delivered, decided, changed
    or downloaded. Unknown shapes fall back to "key: value" pairs; never raw JSON."""
    from impactmonitor.display import table_label
    from impactmonitor.i18n import TEXTS, text

    if not details:
        return ""
    try:
        data = json.loads(details)
    except ValueError:
        data = details
    if not isinstance(data, dict):
        if action == "register_changed":
            return text("audit_detail_register", lang, count=data)
        return str(data)
    if action == "delivery_accepted":
        tables = ", ".join(
            text(
                "audit_detail_table",
                lang,
                table=table_label(t.get("table"), lang),
                version=t.get("version", "–"),
                rows=t.get("rows", "–"),
            )
            for t in data.get("tables", [])
        )
        return text(
            "audit_detail_delivery", lang, delivery_id=data.get("delivery_id", "–"), tables=tables
        )
    if action == "delivery_rejected":
        files = ", ".join(f.get("name", "?") for f in data.get("files", []))
        return text("audit_detail_rejected", lang, files=files, errors=data.get("errors", 0))
    if action == "escalation_decision":
        return text(
            "audit_detail_decision",
            lang,
            from_step=data.get("from_step", "–"),
            to_step=data.get("to_step", "–"),
            reason=data.get("reason", ""),
        )
    if action == "norm_changed":
        return text(
            "audit_detail_norm",
            lang,
            kpi=_kpi_name(data.get("kpi"), lang),
            valid_from=data.get("valid_from", "–"),
            reason=data.get("reason", ""),
        )
    if action == "export":
        return text("audit_detail_export", lang, what=data.get("what", "–"))
    if action == "user_changed":
        return text("audit_detail_user", lang, username=data.get("username", "–"))
    if action in ("logout", "logout_everywhere"):
        reason = data.get("reason")
        reason_text = text(f"audit_reason_{reason}", lang) if reason in SESSION_REASONS else ""
        if action == "logout":
            return reason_text if reason not in (None, "logout") else ""
        return text(
            "audit_detail_sessions_ended",
            lang,
            username=data.get("username", "–"),
            reason=reason_text,
        )
    if action == "agreement_recorded":
        state = data.get("state", "active")
        return text(
            "audit_detail_agreement",
            lang,
            title=data.get("title", "–"),
            version=data.get("version", "–"),
            state=text(f"agreement_state_{state}", lang)
            if f"agreement_state_{state}" in TEXTS
            else state,
        )
    if action in ("explanation_posted", "reply_posted"):
        from impactmonitor.explanations import subject_name

        subject = data.get("subject")
        if subject is not None:  # (no subject: no name, as for an unknown one)
            with contextlib.suppress(KeyError, ValueError):
                subject = subject_name(subject, lang)
        return text("audit_detail_explanation", lang, subject=subject or "–")
    return "; ".join(f"{key}: {value}" for key, value in data.items())


def _kpi_name(key: str | None, lang: str) -> str:
    from impactmonitor.kpis import KPI_BY_KEY

    return KPI_BY_KEY[key].name(lang) if key in KPI_BY_KEY else str(key or "–")


def record_export(
    db: Database,
    user: User,
    what: str,
    provider_agb: str | None = None,
    quarter: str | None = None,
    kind: str = "table",
) -> None:
    """Audit one download: `what` (the file name), `kind` (table, report, error_list,
    error_file, receipt), for which provider and quarter."""
    with db.transaction() as con:
        append_audit(
            con,
            user.username,
            "export",
            provider_agb,
            quarter,
            json.dumps({"what": what, "kind": kind}, ensure_ascii=False),
            at=datetime.now(),
        )


class SessionEnded(PermissionError):
    """The session ended before the user clicked the download: nothing is made."""


def audited_download(
    db: Database,
    user: User,
    what: str,
    build: Callable[[], bytes],
    still_valid: Callable[[], bool],
    *,
    kind: str = "table",
    provider_agb: str | None = None,
    quarter: str | None = None,
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


def append_rejected_deliveries(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    rejected: list[tuple[str | None, str | None, int]],
    files: list[tuple[str, str, int]],
    source: str,
) -> None:
    """Audit rejected deliveries inside the ingest's transaction, one event per provider-quarter
    (provider_agb, quarter, error count; None for rows whose provider or quarter could not be
    read): who tried what (file name, SHA-256, size), through which path (app, cli, bulk), with
    how many errors. One statement for the whole batch (a bulk upload may reject thousands).

    The delivery itself writes nothing; only this audit event records that it was tried.
    """
    if not rejected:
        return
    listed = [{"name": n, "sha256": h, "bytes": b} for n, h, b in files]
    events = pl.DataFrame(
        {
            "event_id": next_ids(con, "audit_event_seq", len(rejected)),
            "provider_agb": [agb for agb, _, _ in rejected],
            "quarter": [quarter for _, quarter, _ in rejected],
            "details": [
                json.dumps(
                    {"files": listed, "errors": errors, "source": source}, ensure_ascii=False
                )
                for _, _, errors in rejected
            ],
        },
        schema={
            "event_id": pl.Int64,
            "provider_agb": pl.String,
            "quarter": pl.String,
            "details": pl.String,
        },
    )
    con.register("rejected_events", events.to_arrow())
    try:
        con.execute(
            "INSERT INTO audit_log (event_id, occurred_at, actor, action, provider_agb, "
            "quarter, details) SELECT event_id, current_localtimestamp(), ?, "
            "'delivery_rejected', provider_agb, quarter, details FROM rejected_events "
            "ORDER BY event_id",
            [actor],
        )
    finally:
        con.unregister("rejected_events")


def record_rejected_upload(
    db: Database,
    user: User,
    provider_agb: str,
    quarter: str,
    files: list[tuple[str, str, int]],
    error_count: int,
) -> None:
    """Audit an upload the app refused before the ingest could read it (a file type it does
    not read, such as .xls or .numbers): the same event as every other rejection."""
    with db.transaction() as con:
        append_rejected_deliveries(
            con, user.username, [(provider_agb, quarter, error_count)], files, "app"
        )
