"""Signed session tokens: valid, tampered, expired, after logout, deactivated account."""

from __future__ import annotations

import time

import pytest

from impactmonitor.access import User
from impactmonitor.sessions import issue_token, record_logout, user_for_token
from impactmonitor.users import save_user


@pytest.fixture
def session_db(empty_db, monkeypatch, tmp_path):
    """A database with one provider user; the signing key in a temporary file."""
    monkeypatch.delenv("IMPACTMONITOR_SECRET_KEY", raising=False)
    monkeypatch.setenv("IMPACTMONITOR_SECRET_FILE", str(tmp_path / "key"))
    save_user(empty_db, "pieter", "provider", "pw", ("01234567",), "Pieter")
    return empty_db


def test_valid_token_gives_the_user(session_db) -> None:
    token = issue_token("pieter", 600)
    assert user_for_token(session_db, token) == User("pieter", "provider",
                                                     frozenset({"01234567"}), "Pieter")


@pytest.mark.parametrize("mutate", [
    lambda tok: tok.replace("pieter", "admin", 1),
    lambda tok: tok[:-1] + ("0" if tok[-1] != "0" else "1"),
    lambda tok: "garbage",
    lambda tok: "",
    lambda tok: None,
])
def test_tampered_tokens_are_refused(session_db, mutate) -> None:
    assert user_for_token(session_db, mutate(issue_token("pieter", 600))) is None


def test_expired_token_is_refused(session_db) -> None:
    token = issue_token("pieter", 60, now=time.time() - 120)
    assert user_for_token(session_db, token) is None


def test_logout_revokes_earlier_tokens(session_db) -> None:
    token = issue_token("pieter", 600, now=time.time() - 5)
    record_logout(session_db, "pieter")
    assert user_for_token(session_db, token) is None


def test_deactivated_account_token_is_refused(session_db) -> None:
    token = issue_token("pieter", 600)
    save_user(session_db, "pieter", "provider", None, ("01234567",), active=False)
    assert user_for_token(session_db, token) is None


def test_key_file_is_private(session_db, tmp_path) -> None:
    issue_token("pieter", 600)
    assert (tmp_path / "key").stat().st_mode & 0o077 == 0
