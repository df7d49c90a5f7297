"""AppTest: login, logout, lockout message, navigation by role."""

from __future__ import annotations

import pytest
from app_support import app_as, page_path

from impactmonitor.access import User
from impactmonitor.storage import Database
from impactmonitor.users import MAX_FAILURES, save_user


@pytest.fixture
def login_db(tmp_path, monkeypatch):
    """A database with one account per role (password `pw-<role>`) and one provider."""
    monkeypatch.setattr("impactmonitor.users.BCRYPT_ROUNDS", 4)
    db = Database(tmp_path / "login.duckdb")
    with db.transaction() as con:
        con.execute("INSERT INTO provider_register VALUES ('01234567', 'Zorg A', 'A', NULL, "
                    "NULL, NULL, now(), 'test')")
    for role in ("provider", "contract_manager", "management", "admin"):
        save_user(db, role, role, f"pw-{role}", ("01234567",) if role == "provider" else ())
    return db


def _login(at, username: str, password: str):
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at


def test_logged_out_user_sees_only_the_login_form(login_db, monkeypatch) -> None:
    at = app_as(None, login_db.path, monkeypatch).run()
    assert not at.exception
    assert [ti.label for ti in at.text_input] == ["Gebruikersnaam", "Wachtwoord"]
    assert not at.dataframe


def test_wrong_password_shows_a_message(login_db, monkeypatch) -> None:
    at = _login(app_as(None, login_db.path, monkeypatch).run(), "provider", "fout")
    assert [e.value for e in at.error] == ["Gebruikersnaam of wachtwoord klopt niet."]


def test_lockout_message_after_repeated_failures(login_db, monkeypatch) -> None:
    at = app_as(None, login_db.path, monkeypatch).run()
    for _ in range(MAX_FAILURES):
        _login(at, "provider", "fout")
    _login(at, "provider", "pw-provider")
    assert "geblokkeerd" in at.error[0].value


def test_login_and_logout(login_db, monkeypatch) -> None:
    at = _login(app_as(None, login_db.path, monkeypatch).run(), "provider", "pw-provider")
    assert not at.exception
    assert at.session_state["auth_user"].role == "provider"
    logout = next(b for b in at.button if b.label == "Uitloggen")
    logout.click().run()
    assert [ti.label for ti in at.text_input] == ["Gebruikersnaam", "Wachtwoord"]


@pytest.mark.parametrize(
    ("role", "allowed_page", "forbidden_page"),
    [
        ("provider", "upload", "admin"),
        ("admin", "admin", "upload_nonexistent"),
    ],
)
def test_navigation_by_role(login_db, monkeypatch, role, allowed_page, forbidden_page) -> None:
    user = User(role, role, frozenset({"01234567"}) if role == "provider" else frozenset())
    at = app_as(user, login_db.path, monkeypatch).run()
    assert not at.exception
    at.switch_page(page_path(allowed_page)).run()
    assert not at.exception
    with pytest.raises(ValueError):
        at.switch_page(page_path(forbidden_page))


def test_the_language_chosen_on_the_login_page_stays_after_logging_in(login_db,
                                                                      monkeypatch) -> None:
    at = app_as(None, login_db.path, monkeypatch).run()
    at.radio[0].set_value("en").run()
    assert at.button[0].label == "Log in"
    at.query_params.clear()  # the login's rerun may drop the URL's parameters
    _login(at, "contract_manager", "pw-contract_manager")
    assert not at.exception
    assert at.title[0].value == "Overview"
