"""What every page and the identity interface read in a run: the database handle, the UI
language and its texts.

Apart from `ui.py` so that `auth.py` (which needs these) and `ui.py` (which needs the current
user) do not import each other; `ui.py` re-exports them, pages import them from there.
"""

from __future__ import annotations

import streamlit as st

from impactmonitor.i18n import DEFAULT_LANGUAGE, LANGUAGES
from impactmonitor.i18n import text as _text
from impactmonitor.storage import Database, default_db_path


@st.cache_resource
def database_at(path: str) -> Database:
    return Database(path)


def database() -> Database:
    """The app's database (one `Database` per path; it opens short connections per query)."""
    return database_at(default_db_path())


LANGUAGE_KEY = "language"


def language() -> str:
    """The UI language: `?lang=` in the URL when present, else the session's choice.

    The session keeps it when a menu click or the login drops the URL's parameters;
    `keep_language_in_url` writes it back so that a reload keeps it too.
    """
    asked = st.query_params.get("lang")
    if asked in LANGUAGES:
        st.session_state[LANGUAGE_KEY] = asked
        return asked
    chosen = st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def keep_language_in_url() -> None:
    """Put the session's language back into the URL after navigation dropped it."""
    lang = language()
    if st.query_params.get("lang") != lang and (
        lang != DEFAULT_LANGUAGE or "lang" in st.query_params
    ):
        st.query_params["lang"] = lang


def t(key: str, **fields: object) -> str:
    """A user text in the current language."""
    return _text(key, language(), **fields)
