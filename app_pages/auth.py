"""The app's identity interface: who is logged in, log in, log out, session timeout.

`authenticated_user()` is called by app.py at the start of every script run: it checks the
session against the database (`impactmonitor.sessions.session_user`: ended by a logout here or
elsewhere, expired, account deactivated or changed) and ends it in this browser when it is no
longer valid. Pages then read `current_user()`. Logging out and logging in clear the whole
session state, so nothing of one user (an upload's error list, a built report, filters) is left
for the next user of the same browser tab.

The local provider checks bcrypt hashes in the database (`impactmonitor.users`); setting
IMPACTMONITOR_AUTH=oidc switches to Streamlit's `st.login` (an OIDC identity provider configured
in .streamlit/secrets.toml), whose e-mail address is looked up in the same user table for role
and provider codes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import streamlit as st

from app_pages.context import database, t
from impactmonitor.access import USER_COLUMNS, User, user_from_record
from impactmonitor.sessions import (
    COOKIE_NAME,
    Session,
    end_all_sessions,
    end_session,
    parse_token,
    renewed,
    session_user,
    start_session,
)
from impactmonitor.users import AccountLocked, authenticate

SESSION_TIMEOUT_SECONDS = int(os.environ.get("IMPACTMONITOR_SESSION_TIMEOUT", str(30 * 60)))
_USER_KEY = "auth_user"
_SESSION_KEY = "auth_session"
_SEEN_KEY = "auth_last_seen"
_COOKIE_SET_KEY = "auth_cookie_set_at"
_NOTICE_KEY = "auth_notice"  # a message for the login form, kept across the clearing
_COOKIE_PENDING_KEY = "auth_cookie_pending"  # (token, max_age) to send with the next run
# Session-state keys kept when a user logs out or in: settings of the browser, never data.
KEPT_KEYS: tuple[str, ...] = (_NOTICE_KEY, _COOKIE_PENDING_KEY)
# Query parameters kept likewise (the language); filters such as ?provider= are dropped.
KEPT_QUERY_PARAMS: tuple[str, ...] = ("lang",)
# The session cookie is renewed at most this often while the user is active.
COOKIE_RENEW_SECONDS = 300


def auth_mode() -> str:
    return os.environ.get("IMPACTMONITOR_AUTH", "local")


def _user_agent() -> str:
    return st.context.headers.get("User-Agent", "") or ""


def current_user() -> User | None:
    """The logged-in user, as checked by `authenticated_user()` at the start of this run."""
    if auth_mode() == "oidc":
        return _oidc_user()
    return st.session_state.get(_USER_KEY)


def current_session() -> Session | None:
    """The session of the logged-in user (for checks outside a script run, e.g. downloads)."""
    return st.session_state.get(_SESSION_KEY)


def session_check() -> Callable[[], bool]:
    """A check, usable outside a script run (when a download is clicked), that this browser's
    session is still valid in the database."""
    if auth_mode() == "oidc":
        return lambda: True  # Streamlit's own login cookie; no local session to check
    db, session, agent = database(), current_session(), _user_agent()
    return lambda: session_user(db, session, agent) is not None


def authenticated_user() -> User | None:
    """The logged-in user after checking the session in the database; None when there is none
    (never logged in, timed out, or ended elsewhere: then this browser's state is cleared)."""
    if auth_mode() == "oidc":
        return _oidc_user()
    _send_pending_cookie()
    user: User | None = st.session_state.get(_USER_KEY)
    session: Session | None = st.session_state.get(_SESSION_KEY)
    if user is not None:
        if time.time() - st.session_state.get(_SEEN_KEY, 0.0) > SESSION_TIMEOUT_SECONDS:
            _end(session, notice="login_timed_out", reason="timeout")
            _send_pending_cookie()  # this run goes on to the login form: clear it now
            return None
        checked = session_user(database(), session, _user_agent())
        if checked is None or _rights(checked) != _rights(user):
            # Ended elsewhere, expired, account deactivated or changed: end it here too.
            _end(
                session if checked is not None else None,
                notice="login_session_ended",
                reason="account_changed",
            )
            _send_pending_cookie()
            return None
        user = checked
    else:
        # A page reload starts a new Streamlit session: the signed cookie restores the login.
        session = parse_token(st.context.cookies.get(COOKIE_NAME))
        user = session_user(database(), session, _user_agent())
        if user is None:
            return None
        st.session_state[_SESSION_KEY] = session
        st.session_state[_COOKIE_SET_KEY] = time.time()
    st.session_state[_USER_KEY] = user
    st.session_state[_SEEN_KEY] = time.time()
    if time.time() - st.session_state.get(_COOKIE_SET_KEY, 0.0) > COOKIE_RENEW_SECONDS:
        # Only a session that passed the check above is renewed (same id and start, so a later
        # logout ends the renewed token as well).
        session = renewed(session, SESSION_TIMEOUT_SECONDS)
        st.session_state[_SESSION_KEY] = session
        st.session_state[_COOKIE_SET_KEY] = time.time()
        _set_session_cookie(session.token)
    return user


def _clear_session_cookie() -> None:
    """Clear the cookie with the next run's output: this run ends in st.rerun(), which would
    drop anything it rendered."""
    st.session_state[_COOKIE_PENDING_KEY] = ("", 0)


def _send_pending_cookie() -> None:
    pending = st.session_state.pop(_COOKIE_PENDING_KEY, None)
    if pending is not None:
        _set_session_cookie(*pending)


def _rights(user: User) -> tuple:
    """What a user may see: a change of any of it ends the session."""
    return user.role, user.provider_agbs, user.municipality_codes


def _set_session_cookie(token: str, max_age: int = SESSION_TIMEOUT_SECONDS) -> None:
    """Have the server set (or with max_age 0 clear) the session cookie in the browser.

    A script run cannot send HTTP headers: the token goes to the cookie endpoint of
    `server.py` under a one-time code (`app_pages/web.py`), which a 1-pixel frame loads; the
    response sets the cookie `HttpOnly`, `SameSite=Strict` (and `Secure` over HTTPS), so no
    script in the page can read it.
    """
    from app_pages.web import SESSION_PATH, grant

    st.iframe(f"{SESSION_PATH}?grant={grant(token, max_age)}", height=1)


def clear_browser_state(notice: str | None = None, url: bool = True) -> None:
    """Forget everything this browser session holds: all session state (widget values, an
    upload's outcome, built reports) and, with `url`, the filters in the URL; the language
    stays. `notice` is shown on the login form."""
    kept = {key: st.session_state[key] for key in KEPT_KEYS if key in st.session_state}
    st.session_state.clear()
    st.session_state.update(kept)
    if notice is not None:
        st.session_state[_NOTICE_KEY] = notice
    if url:
        params = {key: st.query_params[key] for key in KEPT_QUERY_PARAMS if key in st.query_params}
        st.query_params.clear()
        st.query_params.update(params)


def _end(session: Session | None, notice: str | None = None, reason: str = "logout") -> None:
    """End `session` in the database (when given) and clear this browser's state."""
    if session is not None:
        end_session(database(), session, reason=reason)
    clear_browser_state(notice)
    _clear_session_cookie()


def logout() -> None:
    """Log out in this browser: this session ends, the user's other sessions go on."""
    if auth_mode() == "oidc":
        st.logout()
    _end(current_session())


def logout_everywhere() -> None:
    """End every session of the logged-in user, in this browser and everywhere else."""
    user = current_user()
    if user is not None:
        end_all_sessions(database(), user.username, user.username)
    _end(None)


def login_form() -> None:
    """The login page (local accounts)."""
    if auth_mode() == "oidc":
        st.button(t("login_button"), on_click=st.login)
        return
    st.title(t("app_name"))
    notice = st.session_state.pop(_NOTICE_KEY, None)
    if notice:
        st.warning(t(notice))
    with st.form("login"):
        username = st.text_input(t("login_username"))
        password = st.text_input(t("login_password"), type="password")
        submitted = st.form_submit_button(t("login_button"))
    if submitted:
        try:
            user = authenticate(database(), username, password)
        except AccountLocked as locked:
            st.error(t("login_locked", until=locked.until.strftime("%H:%M")))
            return
        if user is None:
            st.error(t("login_failed"))
            return
        # A fresh start: nothing of an earlier user of this tab survives the login (the URL
        # stays: it may be a link to the page the user wants).
        clear_browser_state(url=False)
        st.session_state[_USER_KEY] = user
        st.session_state[_SESSION_KEY] = start_session(
            user.username, SESSION_TIMEOUT_SECONDS, _user_agent()
        )
        st.session_state[_SEEN_KEY] = time.time()
        st.rerun()  # the next run sets the session cookie (no _COOKIE_SET_KEY yet)


def _oidc_user() -> User | None:
    if not getattr(st.user, "is_logged_in", False):
        return None
    record = database().query(
        f"SELECT {USER_COLUMNS} FROM users WHERE username = ? AND active",
        [st.user.get("email", "")],
    )
    if record.height == 0:
        return None
    return user_from_record(record.row(0, named=True))
