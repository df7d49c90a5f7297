"""AppTest: login, logout, lockout message, navigation by role."""

from __future__ import annotations

import pytest
from app_support import app_as, page_path

from impactmonitor.access import User
from impactmonitor.sessions import end_all_sessions
from impactmonitor.storage import Database
from impactmonitor.users import MAX_FAILURES, save_user


@pytest.fixture
def login_db(tmp_path, monkeypatch):
    """A database with one account per role (password `pw-<role>`) and one provider."""
    monkeypatch.setattr("impactmonitor.users.BCRYPT_ROUNDS", 4)
    db = Database(tmp_path / "login.duckdb")
    with db.transaction() as con:
        con.execute(
            "INSERT INTO provider_register VALUES ('01234567', 'Zorg A', 'A', NULL, "
            "NULL, NULL, now(), 'test')"
        )
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


def test_the_language_chosen_on_the_login_page_stays_after_logging_in(
    login_db, monkeypatch
) -> None:
    at = app_as(None, login_db.path, monkeypatch).run()
    at.radio[0].set_value("en").run()
    assert at.button[0].label == "Log in"
    at.query_params.clear()  # the login's rerun may drop the URL's parameters
    _login(at, "contract_manager", "pw-contract_manager")
    assert not at.exception
    assert at.title[0].value == "Overview"


def _logged_in(login_db, monkeypatch, role: str = "provider"):
    return _login(app_as(None, login_db.path, monkeypatch).run(), role, f"pw-{role}")


def _shows_login_form(at) -> bool:
    return [ti.label for ti in at.text_input] == ["Gebruikersnaam", "Wachtwoord"]


def test_login_clears_what_an_earlier_user_of_the_tab_left(login_db, monkeypatch) -> None:
    at = app_as(None, login_db.path, monkeypatch).run()
    at.session_state["upload_outcome"] = "rows of someone else"
    _login(at, "provider", "pw-provider")
    assert not at.exception and "upload_outcome" not in at.session_state


@pytest.mark.parametrize(
    "end_elsewhere",
    [
        pytest.param(
            lambda db: end_all_sessions(db, "provider", "provider"), id="logout-everywhere"
        ),
        pytest.param(
            lambda db: save_user(
                db, "provider", "provider", None, ("01234567",), active=False, actor="admin"
            ),
            id="deactivated",
        ),
        pytest.param(
            lambda db: save_user(db, "provider", "contract_manager", None, actor="admin"),
            id="role-changed",
        ),
    ],
)
def test_a_session_ended_elsewhere_ends_at_the_next_run(
    login_db, monkeypatch, end_elsewhere
) -> None:
    at = _logged_in(login_db, monkeypatch)
    at.session_state["upload_outcome"] = "the provider's rows"
    end_elsewhere(login_db)
    at.run()
    assert not at.exception
    assert _shows_login_form(at)
    assert "beëindigd" in at.warning[0].value
    assert "auth_user" not in at.session_state and "upload_outcome" not in at.session_state


def test_log_out_everywhere_ends_the_other_browsers_session(login_db, monkeypatch) -> None:
    here = _logged_in(login_db, monkeypatch)
    elsewhere = _logged_in(login_db, monkeypatch)
    next(b for b in here.button if b.label == "Overal uitloggen").click().run()
    assert _shows_login_form(here)
    elsewhere.run()
    assert _shows_login_form(elsewhere)


def test_logout_here_keeps_the_other_browsers_session(login_db, monkeypatch) -> None:
    here = _logged_in(login_db, monkeypatch)
    elsewhere = _logged_in(login_db, monkeypatch)
    next(b for b in here.button if b.label == "Uitloggen").click().run()
    assert _shows_login_form(here)
    elsewhere.run()
    assert not _shows_login_form(elsewhere) and not elsewhere.exception


def test_an_administrator_ends_a_users_sessions_on_the_admin_page(login_db, monkeypatch) -> None:
    provider = _logged_in(login_db, monkeypatch)
    admin = _logged_in(login_db, monkeypatch, "admin")
    admin.switch_page(page_path("admin")).run()
    admin.selectbox(key="admin_end_sessions_user").select("provider")  # in a form: no run
    next(
        b
        for b in admin.button
        if b.label == "Overal uitloggen" and b.form_id == "admin_end_sessions_form"
    ).click().run()
    assert not admin.exception
    assert [s.value for s in admin.success] == ["Alle sessies van provider zijn beëindigd."]
    provider.run()
    assert _shows_login_form(provider)
    admin.run()
    assert not _shows_login_form(admin)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nl", "Niet opgeslagen: een aanbieder-account heeft minstens één AGB-code nodig"),
        ("en", "a provider user needs at least one AGB code"),
    ],
)
def test_the_admin_page_says_why_an_account_is_not_saved_in_the_users_language(
    login_db, monkeypatch, lang: str, expected: str
) -> None:
    admin = _logged_in(login_db, monkeypatch, "admin")
    admin.query_params["lang"] = lang
    admin.switch_page(page_path("admin")).run()
    admin.text_input(key="admin_username").input("nieuwe_aanbieder")  # in a form: no run
    admin.text_input(key="admin_password").input("geheim-genoeg")
    admin.selectbox(key="admin_role").select("provider")
    next(b for b in admin.button if b.form_id == "admin_user_form").click().run()
    assert not admin.exception
    errors = [e.value for e in admin.error]
    assert len(errors) == 1 and expected in errors[0], errors
    assert (
        login_db.scalar("SELECT count(*) FROM user_accounts WHERE username = 'nieuwe_aanbieder'")
        == 0
    )
