"""Shared Streamlit helpers for the pages: database handle, language, texts, number formats.

UI only: no KPI arithmetic and no security filtering here (that is the domain layer's job).
"""

from __future__ import annotations

import streamlit as st

from impactmonitor.i18n import DEFAULT_LANGUAGE, LANGUAGES
from impactmonitor.i18n import text as _text
from impactmonitor.storage import Database, default_db_path


@st.cache_resource
def _database(path: str) -> Database:
    return Database(path)


def database() -> Database:
    """The app's database (one `Database` per path; it opens short connections per query)."""
    return _database(default_db_path())


def language() -> str:
    lang = st.query_params.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **fields: object) -> str:
    """A user text in the current language."""
    return _text(key, language(), **fields)


def number(value: float | int | None, decimals: int = 0) -> str:
    """Dutch number format (1.234,5) in the Dutch UI, English (1,234.5) otherwise."""
    if value is None:
        return "–"
    formatted = f"{value:,.{decimals}f}"
    if language() == "nl":
        formatted = formatted.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return formatted
