"""The app's identity interface: who is logged in, log in, log out, session timeout.

Pages only ever call `current_user()`. The local provider checks bcrypt hashes in the database
(`impactmonitor.users`); setting IMPACTMONITOR_AUTH=oidc switches to Streamlit's `st.login`
(an OIDC identity provider configured in .streamlit/secrets.toml), whose e-mail address is looked
up in the same user table for role and provider codes.
"""

from __future__ import annotations

import os
import time

import streamlit as st

from app_pages.ui import database, t
from impactmonitor.access import User
from impactmonitor.sessions import COOKIE_NAME, issue_token, record_logout, user_for_token
from impactmonitor.users import USER_COLUMNS, AccountLocked, authenticate, user_from_record

SESSION_TIMEOUT_SECONDS = int(os.environ.get("IMPACTMONITOR_SESSION_TIMEOUT", str(30 * 60)))
_USER_KEY = "auth_user"
_SEEN_KEY = "auth_last_seen"
_COOKIE_SET_KEY = "auth_cookie_set_at"
# The session cookie is renewed at most this often while the user is active.
COOKIE_RENEW_SECONDS = 300


def auth_mode() -> str:
    return os.environ.get("IMPACTMONITOR_AUTH", "local")


def current_user() -> User | None:
    """The logged-in user, or None (also after the session timed out)."""
    if auth_mode() == "oidc":
        return _oidc_user()
    user = st.session_state.get(_USER_KEY)
    last_seen = st.session_state.get(_SEEN_KEY, 0.0)
    if user is not None and time.time() - last_seen > SESSION_TIMEOUT_SECONDS:
        logout()
        st.session_state["auth_timed_out"] = True
        return None
    if user is None:
        # A page reload starts a new Streamlit session: the signed cookie restores the login.
        user = user_for_token(database(), st.context.cookies.get(COOKIE_NAME))
        if user is None:
            return None
        st.session_state[_USER_KEY] = user
        st.session_state[_COOKIE_SET_KEY] = time.time()
    st.session_state[_SEEN_KEY] = time.time()
    if time.time() - st.session_state.get(_COOKIE_SET_KEY, 0.0) > COOKIE_RENEW_SECONDS:
        _set_session_cookie(issue_token(user.username, SESSION_TIMEOUT_SECONDS))
    return user


def _set_session_cookie(token: str, max_age: int = SESSION_TIMEOUT_SECONDS) -> None:
    """Set (or with max_age 0 clear) the session cookie in the browser.

    The token holds no secret beyond its signature; it is `SameSite=Strict`.
    """
    st.session_state[_COOKIE_SET_KEY] = time.time()
    st.iframe(
        f"<script>document.cookie = '{COOKIE_NAME}={token}; path=/; max-age={max_age}; "
        "SameSite=Strict';</script>",
        height=1,
    )


def logout() -> None:
    if auth_mode() == "oidc":
        st.logout()
    user = st.session_state.pop(_USER_KEY, None)
    st.session_state.pop(_SEEN_KEY, None)
    if user is not None:
        # Server-side: every token issued so far stops working, whatever the browser keeps.
        record_logout(database(), user.username)
    st.session_state.pop(_COOKIE_SET_KEY, None)


def login_form() -> None:
    """The login page (local accounts)."""
    if auth_mode() == "oidc":
        st.button(t("login_button"), on_click=st.login)
        return
    st.title("Impactmonitor Jeugdhulp")
    if st.session_state.pop("auth_timed_out", False):
        st.warning(t("login_timed_out"))
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
        st.session_state[_USER_KEY] = user
        st.session_state[_SEEN_KEY] = time.time()
        st.session_state.pop(_COOKIE_SET_KEY, None)  # the next run sets the session cookie
        st.rerun()


def _oidc_user() -> User | None:
    if not getattr(st.user, "is_logged_in", False):
        return None
    record = database().query(
        f"SELECT {USER_COLUMNS} FROM users WHERE username = ? AND active",
        [st.user.get("email", "")]
    )
    if record.height == 0:
        return None
    return user_from_record(record.row(0, named=True))
