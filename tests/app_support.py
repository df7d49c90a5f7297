"""Helpers for Streamlit AppTest runs of the real app on a real database file."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from impactmonitor.access import User
from impactmonitor.storage import Database

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60


def app_as(
    user: User | None, db_path: Path | str, monkeypatch, query: dict | None = None
) -> AppTest:
    """An AppTest of app.py on `db_path`, logged in as `user` (None = logged out).

    Clears Streamlit's caches first: they outlive AppTest instances within one process.
    """
    monkeypatch.setenv("IMPACTMONITOR_DB", str(db_path))
    monkeypatch.setenv("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", "full")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if user is not None:
        log_in_state(at, user, Database(db_path))
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at


def log_in_state(at: AppTest, user: User, db: Database) -> None:
    """Put `user` in `at` as logged in: an account in `db` with the user's role and codes (made
    when missing) and a session started now, as the login form does. The app checks both on
    every run, so a user that is not in the database would be logged out at once."""
    from impactmonitor.sessions import start_session
    from impactmonitor.users import save_user

    current = db.query(
        "SELECT role, provider_agbs, municipality_codes FROM users WHERE username = ?",
        [user.username],
    )
    rights = (user.role, user.provider_agbs, user.municipality_codes)
    if (
        current.height == 0
        or (
            current["role"][0],
            frozenset(current["provider_agbs"].to_list()[0] or []),
            frozenset(current["municipality_codes"].to_list()[0] or []),
        )
        != rights
    ):
        save_user(
            db,
            user.username,
            user.role,
            secrets.token_urlsafe(12),
            tuple(sorted(user.provider_agbs)),
            user.display_name,
            municipality_codes=tuple(sorted(user.municipality_codes)),
        )
        time.sleep(0.002)  # a session starts after the change that ended the older ones
    at.session_state["auth_user"] = user
    at.session_state["auth_session"] = start_session(user.username, 1800, "")
    at.session_state["auth_last_seen"] = time.time()


def page_path(name: str) -> str:
    return str(Path(APP).parent / "app_pages" / f"{name}.py")


def texts(at: AppTest) -> str:
    """Everything readable on the page, for assertions about what is (not) shown."""
    parts: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "success",
        "warning",
        "error",
        "text",
    ):
        parts += [str(element.value) for element in getattr(at, kind)]
    for frame in shown_frames(at):
        parts.append(frame.to_string())
    for table in at.table:
        parts.append(str(table.value))
    for metric in at.metric:
        parts.append(f"{metric.label} {metric.value}")
    return "\n".join(parts)


def shown_frames(at: AppTest) -> list:
    """The tables as the browser shows them: a Styler's display texts where there are any."""
    from streamlit import dataframe_util

    frames = []
    for frame in at.dataframe:
        display = frame.proto.arrow_data.styler.display_values
        frames.append(
            dataframe_util.convert_arrow_bytes_to_pandas_df(display) if display else frame.value
        )
    return frames
