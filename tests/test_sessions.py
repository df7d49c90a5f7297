"""Login sessions: signed tokens, checked against the database on every use.

Valid, tampered, expired, too old, another browser; ended by a logout (only that session), by
"log out everywhere" (all of the user's sessions so far), by an account change or deactivation;
a renewal never outlives an ending.
"""

from __future__ import annotations

import time

import pytest

from impactmonitor.access import AccessDenied, User
from impactmonitor.sessions import (
    MAX_SESSION_SECONDS,
    end_all_sessions,
    end_session,
    parse_token,
    renewed,
    session_user,
    start_session,
)
from impactmonitor.users import end_user_sessions, save_user

PIETER = User("pieter", "provider", frozenset({"01234567"}), "Pieter")
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chrome/140"


@pytest.fixture
def session_db(empty_db, monkeypatch, tmp_path):
    """A database with one provider user; the signing key in a temporary file."""
    monkeypatch.delenv("IMPACTMONITOR_SECRET_KEY", raising=False)
    monkeypatch.setenv("IMPACTMONITOR_SECRET_FILE", str(tmp_path / "key"))
    save_user(empty_db, "pieter", "provider", "pw", ("01234567",), "Pieter")
    time.sleep(0.002)
    return empty_db


def _session(lifetime: int = 600, now: float | None = None):
    return start_session("pieter", lifetime, BROWSER, now=now)


def test_valid_token_gives_the_user(session_db) -> None:
    assert session_user(session_db, _session().token, BROWSER) == PIETER


@pytest.mark.parametrize(
    "mutate",
    [
        lambda tok: tok.replace("pieter", "admin", 1),
        lambda tok: tok[:-1] + ("0" if tok[-1] != "0" else "1"),
        lambda tok: "|".join(tok.split("|")[:2] + ["9" * 13] + tok.split("|")[3:]),
        lambda tok: "garbage",
        lambda tok: "a|b|c|d|e|f",
        lambda tok: "",
        lambda tok: None,
    ],
)
def test_tampered_tokens_are_refused(session_db, mutate) -> None:
    assert session_user(session_db, mutate(_session().token), BROWSER) is None


def test_expired_token_is_refused(session_db) -> None:
    assert session_user(session_db, _session(60, now=time.time() - 120).token, BROWSER) is None


def test_a_session_ends_at_its_maximum_age_however_often_renewed(session_db) -> None:
    old = _session(600, now=time.time() - MAX_SESSION_SECONDS - 60)
    assert session_user(session_db, renewed(old, 600).token, BROWSER) is None


def test_a_token_works_only_in_the_browser_it_was_issued_to(session_db) -> None:
    token = _session().token
    assert session_user(session_db, token, "curl/8.5") is None
    assert session_user(session_db, token, None) is None


def test_logout_ends_that_session_only(session_db) -> None:
    here, elsewhere = _session(), _session()
    end_session(session_db, here)
    assert session_user(session_db, here.token, BROWSER) is None
    assert session_user(session_db, elsewhere.token, BROWSER) == PIETER
    event = session_db.query("SELECT actor, action FROM audit_log WHERE action = 'logout'")
    assert event.rows() == [("pieter", "logout")]


def test_log_out_everywhere_ends_every_session_so_far(session_db) -> None:
    here, elsewhere = _session(), _session()
    end_all_sessions(session_db, "pieter", "pieter")
    assert session_user(session_db, here.token, BROWSER) is None
    assert session_user(session_db, elsewhere.token, BROWSER) is None
    time.sleep(0.002)
    assert session_user(session_db, _session().token, BROWSER) == PIETER  # a new login works


@pytest.mark.parametrize(
    "end",
    [
        lambda db, s: end_session(db, s),
        lambda db, s: end_all_sessions(db, "pieter", "pieter"),
    ],
)
def test_a_renewal_never_outlives_an_ending(session_db, end) -> None:
    """The token renewed after the ending keeps the session id and start: still refused."""
    session = _session()
    end(session_db, session)
    assert session_user(session_db, renewed(session, 600).token, BROWSER) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (dict(active=False), "deactivated"),
        (dict(role="contract_manager", provider_agbs=()), "role changed"),
        (dict(provider_agbs=("01234567", "87654321")), "codes changed"),
        (dict(password="nieuw-wachtwoord"), "password reset"),
    ],
)
def test_an_account_change_ends_its_sessions(session_db, change, reason) -> None:
    session = _session()
    fields = {"role": "provider", "password": None, "provider_agbs": ("01234567",)} | change
    save_user(
        session_db,
        "pieter",
        fields.pop("role"),
        fields.pop("password"),
        fields.pop("provider_agbs"),
        "Pieter",
        **fields,
        actor="beheer",
    )
    assert session_user(session_db, session.token, BROWSER) is None, reason


def test_a_display_name_change_keeps_the_session(session_db) -> None:
    session = _session()
    save_user(session_db, "pieter", "provider", None, ("01234567",), "Pieter de Vries")
    assert session_user(session_db, session.token, BROWSER).display_name == "Pieter de Vries"


def test_unknown_account_is_refused(session_db) -> None:
    assert session_user(session_db, start_session("niemand", 600, BROWSER).token, BROWSER) is None


def test_an_administrator_logs_a_user_out_everywhere(session_db) -> None:
    session = _session()
    with pytest.raises(AccessDenied):
        end_user_sessions(session_db, PIETER, "pieter")
    assert session_user(session_db, session.token, BROWSER) == PIETER
    end_user_sessions(session_db, User("beheer", "admin"), "pieter")
    assert session_user(session_db, session.token, BROWSER) is None
    event = session_db.query(
        "SELECT actor, details->>'$.username' FROM audit_log WHERE action = 'logout_everywhere'"
    )
    assert event.rows() == [("beheer", "pieter")]


def test_parse_token_round_trip(session_db) -> None:
    session = _session()
    assert parse_token(session.token) == session


def test_key_file_is_private(session_db, tmp_path) -> None:
    _session().token  # noqa: B018  (signing creates the key)
    assert (tmp_path / "key").stat().st_mode & 0o077 == 0
