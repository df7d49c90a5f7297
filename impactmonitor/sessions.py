"""Login sessions: signed tokens checked against the database on every use.

A token is `session|username|started|expires|agent|signature`: a random session id, the user,
when the session started and until when this token is valid (epoch milliseconds), a fingerprint
of the browser's user agent, and an HMAC-SHA256 signature. The key comes from
IMPACTMONITOR_SECRET_KEY or, when that is not set, from a random key generated once into
`data/.secret_key` (mode 0600, ignored by git): never from the repository.

`session_user` is the one check, made on every script run of the app (and before a download is
built): the token is refused when its signature is wrong, it has expired, the session is older
than MAX_SESSION_SECONDS, it comes from another browser (user agent), the session was ended
(logout), all sessions of the user were ended (log out everywhere, or an administrator changed
or deactivated the account), or the account is missing or inactive. Renewing a token keeps its
session id and start, so a renewal never outlives an ending of the session.

Endings are rows in `session_revocations` (append-only, like everything here; schema migration
4 in `impactmonitor/schema.py`) and events in the audit log.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from impactmonitor.access import User, user_from_record
from impactmonitor.config import write_private
from impactmonitor.storage import Database, append_audit

SECRET_ENV = "IMPACTMONITOR_SECRET_KEY"
SECRET_FILE_ENV = "IMPACTMONITOR_SECRET_FILE"
COOKIE_NAME = "impactmonitor_session"
# However active the user is, a session ends this long after its login (a stolen token has a
# bounded use; a working day fits in it).
MAX_SESSION_SECONDS = int(os.environ.get("IMPACTMONITOR_SESSION_MAX_AGE", str(10 * 3600)))


def secret_key() -> bytes:
    configured = os.environ.get(SECRET_ENV)
    if configured:
        return configured.encode("utf-8")
    path = Path(os.environ.get(SECRET_FILE_ENV, "data/.secret_key"))
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process created it just now
            write_private(path, secrets.token_hex(32), exclusive=True)
    return path.read_text().strip().encode("utf-8")


def _signature(payload: str) -> str:
    return hmac.new(secret_key(), payload.encode("utf-8"), hashlib.sha256).hexdigest()


def agent_fingerprint(user_agent: str | None) -> str:
    """A short hash of the browser's user agent: a token works only in the browser it was
    issued to (a copied cookie used elsewhere is refused)."""
    return hashlib.sha256((user_agent or "").encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Session:
    session_id: str
    username: str
    started_ms: int
    expires_ms: int
    agent: str

    @property
    def token(self) -> str:
        payload = "|".join(
            [self.session_id, self.username, str(self.started_ms), str(self.expires_ms), self.agent]
        )
        return f"{payload}|{_signature(payload)}"


def _now_ms(now: float | None) -> int:
    return int((now if now is not None else time.time()) * 1000)


def start_session(
    username: str, lifetime_seconds: int, user_agent: str | None = None, now: float | None = None
) -> Session:
    """A new session for `username` (after a successful login), valid `lifetime_seconds`."""
    started = _now_ms(now)
    return Session(
        secrets.token_urlsafe(16),
        username,
        started,
        started + lifetime_seconds * 1000,
        agent_fingerprint(user_agent),
    )


def renewed(session: Session, lifetime_seconds: int, now: float | None = None) -> Session:
    """The same session valid `lifetime_seconds` from now (same id and start: an ending of the
    session or of all the user's sessions applies to the renewed token too)."""
    return Session(
        session.session_id,
        session.username,
        session.started_ms,
        _now_ms(now) + lifetime_seconds * 1000,
        session.agent,
    )


def parse_token(token: str | None) -> Session | None:
    """The session a token describes when its signature is right (nothing checked beyond)."""
    if not token or token.count("|") != 5:
        return None
    session_id, username, started, expires, agent, signature = token.split("|")
    if not hmac.compare_digest(
        signature, _signature("|".join([session_id, username, started, expires, agent]))
    ):
        return None
    if not (started.isdigit() and expires.isdigit()):
        return None
    return Session(session_id, username, int(started), int(expires), agent)


def session_user(
    db: Database,
    session: Session | str | None,
    user_agent: str | None = None,
    now: float | None = None,
) -> User | None:
    """The user of a session that is still valid, read from the database now; else None."""
    if not isinstance(session, Session):
        session = parse_token(session)
    if session is None:
        return None
    now_ms = _now_ms(now)
    if session.expires_ms < now_ms or now_ms - session.started_ms > MAX_SESSION_SECONDS * 1000:
        return None
    if not hmac.compare_digest(session.agent, agent_fingerprint(user_agent)):
        return None
    record = db.query(
        """
        SELECT u.username, u.role, u.provider_agbs, u.display_name, u.municipality_codes,
               u.active,
               EXISTS (SELECT 1 FROM session_revocations r
                       WHERE r.username = u.username
                         AND (r.session_id = $session
                              OR (r.session_id IS NULL AND r.revoked_ms >= $started))
               ) AS revoked
        FROM users u WHERE u.username = $user
        """,
        {"user": session.username, "session": session.session_id, "started": session.started_ms},
    )
    if record.height == 0 or not record["active"][0] or record["revoked"][0]:
        return None
    return user_from_record(record.row(0, named=True))


def revoke_in(con, username: str, session_id: str | None, actor: str, reason: str) -> None:
    """End one session (`session_id`) or every session of `username` so far, inside the
    caller's transaction; audited."""
    at_ms = _now_ms(None)
    con.execute(
        "INSERT INTO session_revocations (username, session_id, revoked_ms, revoked_by, "
        "reason) VALUES (?, ?, ?, ?, ?)",
        [username, session_id, at_ms, actor, reason],
    )
    details = {
        "username": username,
        "reason": reason,
        "at_ms": at_ms,
        "scope": "session" if session_id else "all",
    }
    append_audit(
        con, actor, "logout" if session_id else "logout_everywhere", details=json.dumps(details)
    )


def end_session(
    db: Database, session: Session, actor: str | None = None, reason: str = "logout"
) -> None:
    """This session ends now (logout in this browser); the user's other sessions go on."""
    with db.transaction() as con:
        revoke_in(con, session.username, session.session_id, actor or session.username, reason)


def end_all_sessions(
    db: Database, username: str, actor: str, reason: str = "logout_everywhere"
) -> None:
    """Every session of `username` started until now ends ("log out everywhere")."""
    with db.transaction() as con:
        revoke_in(con, username, None, actor, reason)
