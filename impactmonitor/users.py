"""Local user accounts: bcrypt-hashed passwords, roles, provider and municipality codes, lockout,
demo users.

Accounts are append-only like everything else: a change (password, role, codes, deactivation)
appends a row, the `users` view shows the latest per username. Logins and failures go to the audit
log, which also drives the lockout (too many failures in a window locks the account for a while).
This module is the *local* identity provider behind `app_pages/auth.py`; an OIDC provider can
replace it there without touching the rest of the app.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import bcrypt

from impactmonitor.access import ROLES, USER_COLUMNS, User, require, user_from_record
from impactmonitor.i18n import UserError
from impactmonitor.sessions import end_all_sessions, revoke_in
from impactmonitor.storage import Database, append_audit
from schemas.reference import current_codes, current_municipalities

MAX_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
# Cost factor of bcrypt; tests lower it through the environment to stay fast.
BCRYPT_ROUNDS = int(os.environ.get("IMPACTMONITOR_BCRYPT_ROUNDS", "12"))


class AccountLocked(Exception):
    """Too many failed logins: the account is locked until `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until.isoformat())
        self.until = until


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    provider_agbs: tuple[str, ...]
    municipality_codes: tuple[str, ...] = ()


class AccountProblem(UserError):
    """Why an account cannot be saved."""


def check_municipality_codes(role: str, codes: tuple[str, ...]) -> None:
    """AccountProblem unless a municipality account has codes of today's municipalities (and
    only a municipality account has any)."""
    if role != "municipality":
        if codes:
            raise AccountProblem("account_codes_only_municipality")
        return
    if not codes:
        raise AccountProblem("account_municipality_needs_codes")
    current = {m.code for m in current_municipalities()}
    for code in codes:
        if code not in current:
            successor = current_codes().get(code)
            if successor and successor != code:
                raise AccountProblem("account_municipality_merged", code=code, successor=successor)
            raise AccountProblem("account_municipality_not_in_region", code=code)


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_ROUNDS)).decode("ascii")


def save_user(
    db: Database,
    username: str,
    role: str,
    password: str | None = None,
    provider_agbs: tuple[str, ...] = (),
    display_name: str = "",
    active: bool = True,
    actor: str = "system",
    municipality_codes: tuple[str, ...] = (),
) -> None:
    """Create or change an account (a new row; the previous one stays as history)."""
    if not username.strip():
        raise AccountProblem("account_needs_username")
    if role not in ROLES:
        raise AccountProblem("account_unknown_role", role=role)
    if role == "provider" and not provider_agbs:
        raise AccountProblem("account_provider_needs_agb")
    check_municipality_codes(role, tuple(municipality_codes))
    with db.transaction() as con:
        current = con.execute(
            "SELECT password_hash, role, provider_agbs, active, municipality_codes FROM users "
            "WHERE username = ?",
            [username],
        ).fetchone()
        if password is not None:
            password_hash = hash_password(password)
        elif current is not None:
            password_hash = current[0]
        else:
            raise AccountProblem("account_needs_password")
        con.execute(
            "INSERT INTO user_accounts (username, display_name, role, provider_agbs, "
            "password_hash, active, changed_at, changed_by, municipality_codes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                username,
                display_name or username,
                role,
                list(provider_agbs),
                password_hash,
                active,
                datetime.now(),
                actor,
                sorted(municipality_codes),
            ],
        )
        append_audit(con, actor, "user_changed", details=json.dumps({"username": username}))
        # What the account may see or who may use it changed: its open sessions end, so that
        # no browser keeps the old rights (checked on every script run, sessions.session_user).
        if current is not None and (
            password is not None
            or current[1] != role
            or sorted(current[2] or []) != sorted(provider_agbs)
            or current[3] != active
            or sorted(current[4] or []) != sorted(municipality_codes)
        ):
            revoke_in(con, username, None, actor, "account_changed")


def end_user_sessions(db: Database, admin: User, username: str) -> None:
    """An administrator logs a user out everywhere (e.g. after a lost laptop)."""
    require(admin, "manage_users")
    end_all_sessions(db, username, admin.username)


def _failures_since_last_success(con, username: str) -> tuple[int, datetime | None]:
    row = con.execute(
        """
        WITH last_success AS (
            SELECT coalesce(max(occurred_at), TIMESTAMP '1970-01-01') AS at FROM audit_log
            WHERE action = 'login_success' AND actor = $user)
        SELECT count(*) AS failures, max(occurred_at) AS last_failure FROM audit_log, last_success
        WHERE action = 'login_failure' AND actor = $user
          AND occurred_at > last_success.at AND occurred_at > $since
        """,
        {"user": username, "since": datetime.now() - LOCKOUT_WINDOW},
    ).fetchone()
    return int(row[0]), row[1]


def authenticate(db: Database, username: str, password: str) -> User | None:
    """The user for these credentials, None when wrong; AccountLocked after repeated failures.

    Every attempt is audited. An unknown username costs the same bcrypt work as a known one.
    The password is checked first; then one transaction counts the earlier failures and records
    this attempt, so simultaneous attempts are counted one after the other and the attempt after
    the MAX_FAILURES-th failure is refused however they are timed.
    """
    username = username.strip()
    record = db.query(
        f"SELECT {USER_COLUMNS}, password_hash, active FROM users WHERE username = ?",
        [username],
    )
    stored_hash = record["password_hash"][0] if record.height else _dummy_hash()
    ok = bcrypt.checkpw(password.encode("utf-8"), stored_hash.encode("ascii"))
    ok = ok and record.height == 1 and bool(record["active"][0])
    actor = username or "(leeg)"

    def count_and_record(con) -> tuple[bool, datetime | None]:
        failures, last_failure = _failures_since_last_success(con, actor)
        locked = failures >= MAX_FAILURES and last_failure is not None
        action = "login_refused_locked" if locked else "login_success" if ok else "login_failure"
        append_audit(con, actor, action)
        return locked, last_failure

    # On a file the write transactions of all processes take turns; on DuckLake, attempts for
    # the same name on different servers take turns under the lock of that name.
    locked, last_failure = db.write(count_and_record, locks=[f"login|{actor}"])
    if locked:
        assert last_failure is not None  # locked only after a failure (count_and_record)
        raise AccountLocked(last_failure + LOCKOUT_WINDOW)
    if not ok:
        return None
    return user_from_record(record.row(0, named=True))


def manage_user(
    db: Database,
    admin: User,
    username: str,
    role: str,
    password: str | None,
    provider_agbs: tuple[str, ...] = (),
    display_name: str = "",
    active: bool = True,
    municipality_codes: tuple[str, ...] = (),
) -> None:
    """Create or change an account from the app: administrators only."""
    require(admin, "manage_users")
    save_user(
        db,
        username,
        role,
        password,
        provider_agbs,
        display_name,
        active,
        actor=admin.username,
        municipality_codes=municipality_codes,
    )


def user_list(db: Database, admin: User):
    """All accounts (never their hashes): administrators only."""
    require(admin, "manage_users")
    return db.query(
        "SELECT username, display_name, role, provider_agbs, municipality_codes, active, "
        "changed_at, changed_by FROM users ORDER BY username"
    )


# The municipality demo account: Voorne aan Zee, so that the 2023 merger shows (its 2022
# baseline is the clients of Brielle, Hellevoetsluis and Westvoorne).
DEMO_MUNICIPALITIES = ("GM1992",)


def seed_demo_users(db: Database) -> list[DemoAccount]:
    """One demo account per role (the provider user bound to the first A provider, the
    municipality user to `DEMO_MUNICIPALITIES`).

    Passwords are random, printed by the sample step and written to data/demo-accounts.txt
    (ignored by git), never stored in the repository.
    """
    first_a = db.scalar("SELECT min(provider_agb) FROM providers WHERE category = 'A'")
    plan = [
        ("aanbieder", "provider", (first_a,) if first_a else ()),
        ("accounthouder", "contract_manager", ()),
        ("management", "management", ()),
        ("beheerder", "admin", ()),
        ("gemeente", "municipality", ()),
    ]
    accounts = []
    for username, role, agbs in plan:
        if role == "provider" and not agbs:
            continue
        codes = DEMO_MUNICIPALITIES if role == "municipality" else ()
        password = secrets.token_urlsafe(9)
        save_user(
            db,
            username,
            role,
            password,
            agbs,
            display_name=username.capitalize(),
            municipality_codes=codes,
        )
        accounts.append(DemoAccount(username, password, role, agbs, codes))
    return accounts


_DUMMY_HASHES: dict[int, str] = {}


def _dummy_hash() -> str:
    """A hash to check unknown usernames against, at the cost real hashes get (no timing leak)."""
    rounds = BCRYPT_ROUNDS
    if rounds not in _DUMMY_HASHES:
        _DUMMY_HASHES[rounds] = hash_password(secrets.token_urlsafe(16))
    return _DUMMY_HASHES[rounds]
