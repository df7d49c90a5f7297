"""Signed session tokens, so a logged-in user stays logged in across page reloads.

A token is `username|issued|expires|signature` with an HMAC-SHA256 signature. The key comes from
IMPACTMONITOR_SECRET_KEY or, when that is not set, from a random key generated once into
`data/.secret_key` (mode 0600, ignored by git): never from the repository. A token is refused
when its signature is wrong, it has expired, the account is inactive or missing, or the user
logged out after it was issued (logout is recorded in the audit log).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

from impactmonitor.access import User
from impactmonitor.config import write_private
from impactmonitor.storage import Database, append_audit
from impactmonitor.users import user_from_record

SECRET_ENV = "IMPACTMONITOR_SECRET_KEY"
SECRET_FILE_ENV = "IMPACTMONITOR_SECRET_FILE"
COOKIE_NAME = "impactmonitor_session"


def secret_key() -> bytes:
    configured = os.environ.get(SECRET_ENV)
    if configured:
        return configured.encode("utf-8")
    path = Path(os.environ.get(SECRET_FILE_ENV, "data/.secret_key"))
    if not path.exists():
        write_private(path, secrets.token_hex(32), exclusive=True)
    return path.read_text().strip().encode("utf-8")


def _signature(payload: str) -> str:
    return hmac.new(secret_key(), payload.encode("utf-8"), hashlib.sha256).hexdigest()


def issue_token(username: str, lifetime_seconds: int, now: float | None = None) -> str:
    """A token for `username`, valid for `lifetime_seconds` (times in milliseconds inside)."""
    issued = int((now if now is not None else time.time()) * 1000)
    payload = f"{username}|{issued}|{issued + lifetime_seconds * 1000}"
    return f"{payload}|{_signature(payload)}"


def user_for_token(db: Database, token: str | None, now: float | None = None) -> User | None:
    """The user a token stands for, or None when it is not (or no longer) valid."""
    if not token or token.count("|") != 3:
        return None
    username, issued, expires, signature = token.split("|")
    payload = f"{username}|{issued}|{expires}"
    if not hmac.compare_digest(signature, _signature(payload)):
        return None
    now_ms = (now if now is not None else time.time()) * 1000
    if not (issued.isdigit() and expires.isdigit()) or int(expires) < now_ms:
        return None
    record = db.query(
        """
        SELECT u.username, u.role, u.provider_agbs, u.display_name, u.municipality_codes,
               u.active,
               (SELECT max(CAST(details->>'$.at_ms' AS BIGINT)) FROM audit_log
                WHERE actor = u.username AND action = 'logout') AS logged_out
        FROM users u WHERE u.username = ?
        """,
        [username],
    )
    if record.height == 0 or not record["active"][0]:
        return None
    logged_out = record["logged_out"][0]
    if logged_out is not None and logged_out >= int(issued):
        return None
    return user_from_record(record.row(0, named=True))


def record_logout(db: Database, username: str) -> None:
    """Every token issued before now stops working for this user."""
    # The moment is kept as epoch milliseconds, the clock the tokens use (no time zone games).
    with db.transaction() as con:
        append_audit(con, username, "logout", details=f'{{"at_ms": {int(time.time() * 1000)}}}')
