"""The provider's explanation (toelichting) of its figures, and the region's replies.

Per provider, quarter and subject (a KPI key, or `delivery` for the delivery as a whole) a
provider user writes a short explanation ("uitval hoger door cliëntenstop in mei"); contract
managers and management read it next to the value and the signal and can reply. One provider ×
quarter × subject is a **thread**; every message is a new row in `explanation_messages` (never
changed: a correction is a new message), with an audit event.

Isolation: every read applies `access.scope_filter` (a provider user gets only its own
threads); writing needs `write_explanation` for that provider (provider users, own AGB codes
only), replying `reply_explanation` (contract managers, management) — both checked here with
`access.require`, not only in the UI. A reply needs an explanation to reply to.

Public API: `SUBJECT_DELIVERY`, `subjects`, `subject_name`, `post_explanation`, `post_reply`,
`explanations`, `explanation_threads`, `ExplanationError`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime

import polars as pl

from impactmonitor.access import User, require, scope_filter
from impactmonitor.i18n import UserError, text
from impactmonitor.kpis import KPI_KEYS, kpi
from impactmonitor.quarters import parse_quarter
from impactmonitor.storage import Database, append_audit, one_row

SUBJECT_DELIVERY = "delivery"
MAX_BODY = 2000


class ExplanationError(UserError):
    """A message that cannot be posted."""


def subjects() -> list[str]:
    """What an explanation can be about: the delivery as a whole, then every KPI."""
    return [SUBJECT_DELIVERY, *KPI_KEYS]


def subject_name(subject: str, lang: str = "nl") -> str:
    if subject == SUBJECT_DELIVERY:
        return text("explanation_subject_delivery", lang)
    return kpi(subject).name(lang)


def _post(
    db: Database,
    user: User,
    provider_agb: str,
    quarter: str,
    subject: str,
    body: str,
    kind: str,
    posted_at: datetime | None,
) -> str:
    canonical = parse_quarter(quarter)
    if canonical is None:
        raise ExplanationError("explanation_bad_quarter", value=quarter)
    if subject not in subjects():
        raise ExplanationError("explanation_bad_subject", value=subject)
    body = (body or "").strip()
    if not body:
        raise ExplanationError("explanation_empty")
    if len(body) > MAX_BODY:
        raise ExplanationError("explanation_too_long", limit=MAX_BODY)
    posted_at = posted_at or datetime.now()
    message_id = uuid.uuid4().hex[:16]
    with db.transaction() as con:
        if not one_row(
            con.execute("SELECT count(*) FROM providers WHERE provider_agb = ?", [provider_agb])
        )[0]:
            raise ExplanationError("explanation_unknown_provider", agb=provider_agb)
        if (
            kind == "reply"
            and not one_row(
                con.execute(
                    "SELECT count(*) FROM explanation_messages WHERE provider_agb = ? "
                    "AND quarter = ? AND subject = ? AND kind = 'explanation'",
                    [provider_agb, canonical, subject],
                )
            )[0]
        ):
            raise ExplanationError("explanation_no_thread")
        con.execute(
            "INSERT INTO explanation_messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                message_id,
                provider_agb,
                canonical,
                subject,
                kind,
                body,
                posted_at,
                user.username,
                user.role,
            ],
        )
        append_audit(
            con,
            user.username,
            f"{kind}_posted",
            provider_agb,
            canonical,
            json.dumps({"message_id": message_id, "subject": subject}, ensure_ascii=False),
            at=posted_at,
        )
    return message_id


def post_explanation(
    db: Database,
    user: User,
    provider_agb: str,
    quarter: str,
    subject: str,
    body: str,
    posted_at: datetime | None = None,
) -> str:
    """A provider user explains its figures of `quarter` (AccessDenied for another provider,
    ExplanationError for an empty or too long text, an unknown subject or quarter)."""
    require(user, "write_explanation", provider_agb)
    return _post(db, user, provider_agb, quarter, subject, body, "explanation", posted_at)


def post_reply(
    db: Database,
    user: User,
    provider_agb: str,
    quarter: str,
    subject: str,
    body: str,
    posted_at: datetime | None = None,
) -> str:
    """A contract manager (or management) replies in a thread the provider started."""
    require(user, "reply_explanation", provider_agb)
    return _post(db, user, provider_agb, quarter, subject, body, "reply", posted_at)


_MESSAGE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "message_id": pl.String,
    "provider_agb": pl.String,
    "quarter": pl.String,
    "subject": pl.String,
    "kind": pl.String,
    "body": pl.String,
    "posted_at": pl.Datetime("us"),
    "posted_by": pl.String,
    "posted_by_role": pl.String,
}


def explanations(
    db: Database, user: User, provider_agb: str | None = None, quarters: Sequence[str] | None = None
) -> pl.DataFrame:
    """Every message the user may read (oldest first within a thread)."""
    scope, params = scope_filter(user)
    where = [scope]
    if provider_agb is not None:
        where.append("provider_agb = ?")
        params.append(provider_agb)
    if quarters is not None:
        where.append(f"quarter IN ({', '.join('?' for _ in quarters)})" if quarters else "FALSE")
        params.extend(quarters)
    frame = db.query(
        f"SELECT {', '.join(_MESSAGE_SCHEMA)} FROM explanation_messages "
        f"WHERE {' AND '.join(where)} "
        "ORDER BY provider_agb, quarter DESC, subject, posted_at, message_id",
        params,
    )
    # polars types the keys of cast's mapping as str | selector | dtype, and Mapping's keys are
    # invariant: a dict[str, dtype], which cast accepts, never matches.
    if frame.height:
        return frame.cast(_MESSAGE_SCHEMA)  # type: ignore[arg-type]
    return pl.DataFrame(schema=_MESSAGE_SCHEMA)


def explanation_threads(
    db: Database,
    user: User,
    provider_agb: str | None = None,
    quarters: Sequence[str] | None = None,
    lang: str = "nl",
) -> pl.DataFrame:
    """One row per thread: provider_agb, quarter, subject, subject_name, explanation (the
    newest explanation), explained_by, explained_at, reply (the newest reply, if any),
    replied_by, replied_at, messages (count), awaiting_reply (an explanation newer than
    every reply), conversation (every message as "who (date): text", oldest first)."""
    messages = explanations(db, user, provider_agb, quarters)
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "provider_agb": pl.String,
        "quarter": pl.String,
        "subject": pl.String,
        "subject_name": pl.String,
        "explanation": pl.String,
        "explained_by": pl.String,
        "explained_at": pl.Datetime("us"),
        "reply": pl.String,
        "replied_by": pl.String,
        "replied_at": pl.Datetime("us"),
        "messages": pl.Int64,
        "awaiting_reply": pl.Boolean,
        "conversation": pl.List(pl.String),
    }
    rows = []
    for (agb, quarter, subject), thread in messages.group_by(
        "provider_agb", "quarter", "subject", maintain_order=True
    ):
        own = thread.filter(pl.col("kind") == "explanation")
        replies = thread.filter(pl.col("kind") == "reply")
        last_own = own.row(-1, named=True) if own.height else None
        last_reply = replies.row(-1, named=True) if replies.height else None
        rows.append(
            {
                "provider_agb": agb,
                "quarter": quarter,
                "subject": subject,
                "subject_name": subject_name(subject, lang),
                "explanation": last_own["body"] if last_own else None,
                "explained_by": last_own["posted_by"] if last_own else None,
                "explained_at": last_own["posted_at"] if last_own else None,
                "reply": last_reply["body"] if last_reply else None,
                "replied_by": last_reply["posted_by"] if last_reply else None,
                "replied_at": last_reply["posted_at"] if last_reply else None,
                "messages": thread.height,
                "awaiting_reply": bool(
                    last_own
                    and (last_reply is None or last_reply["posted_at"] < last_own["posted_at"])
                ),
                "conversation": [
                    f"{m['posted_by']} ({m['posted_at']:%d-%m-%Y}): {m['body']}"
                    for m in thread.iter_rows(named=True)
                ],
            }
        )
    order = {key: index for index, key in enumerate(subjects())}
    frame = pl.DataFrame(rows, schema=schema)
    return (
        frame.with_columns(pl.col("subject").replace_strict(order, default=99).alias("_order"))
        .sort("provider_agb", "quarter", "_order", descending=[False, True, False])
        .drop("_order")
    )
