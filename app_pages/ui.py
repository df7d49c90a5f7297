"""Shared Streamlit helpers for the pages: database handle, language, texts, number formats.

UI only: no KPI arithmetic and no security filtering here (that is the domain layer's job).
"""

from __future__ import annotations

import itertools
from typing import NoReturn

import streamlit as st

from impactmonitor import formatting
from impactmonitor.i18n import DEFAULT_LANGUAGE, LANGUAGES
from impactmonitor.i18n import text as _text
from impactmonitor.storage import Database, default_db_path

# ---- the "run finished" signal ------------------------------------------------------------------
_RUN_NUMBERS = itertools.count(1)
RUN_MARKER_CLASS = "impactmonitor-run"


def mark_run_finished() -> None:
    """An invisible marker, written by app.py as the last element of every run that completes,
    with a number that is new for every run. Browser tests wait for a new number instead of
    guessing how long a run takes on a busy machine."""
    st.html(f'<span class="{RUN_MARKER_CLASS}" data-run="{next(_RUN_NUMBERS)}"></span>')


def stop_page() -> NoReturn:
    """End the page here (instead of `st.stop()`, after which nothing more can be written: the
    run-finished marker is written first)."""
    mark_run_finished()
    st.stop()
    raise AssertionError("st.stop() returned")  # pragma: no cover  (st.stop never returns)


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
    return formatting.number(value, decimals, language())


# ---- cached data-layer calls ---------------------------------------------------------------------
# Queries are cached per data version: every accepted delivery, decision, norm or register change
# appends an audit event and so changes the version, and nothing else can change the results.


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_call(module: str, name: str, db_path: str, version: int, args: tuple,
                 kwargs: tuple) -> object:
    import importlib

    function = getattr(importlib.import_module(module), name)
    return function(_database(db_path), *args, **dict(kwargs))


def data_version() -> int:
    return database().data_version()


def cached(function, *args: object, **kwargs: object) -> object:
    """`function(db, *args, **kwargs)`, cached until the data version changes.

    The user is one of the arguments, so one user's cached result is never served to another.
    """
    db = database()
    return _cached_call(function.__module__, function.__qualname__, db.path, data_version(),
                        args, tuple(sorted(kwargs.items())))


# ---- colours and status display (colour-blind safe: Okabe-Ito) -----------------------------------
STATUS_ICONS = formatting.STATUS_ICONS
status_key = formatting.status_key
# Light tints of the status colours (impactmonitor.figures.STATUS_COLORS) for table cells.
STATUS_TINTS = {"green": "#CDEBE0", "amber": "#F8E3B5", "red": "#F5CDB8", "n<10": "#E8E8E8"}


def status_label(status: str | None) -> str:
    return formatting.status_label(status, language())


# ---- filters kept in the URL ---------------------------------------------------------------------
FILTER_KEYS = ("quarter", "category", "municipality", "care_form", "lot")


def url_filter(name: str, options: list, label: str, format_func=str,
               allow_all: bool = True, container=None, default: object = None) -> object:
    """A select box whose value lives in the URL (`?name=value`), so a link reproduces the view."""
    container = container or st
    choices = ([None] if allow_all else []) + list(options)
    current = st.query_params.get(name, default)
    index = choices.index(current) if current in choices else 0
    value = container.selectbox(
        label, choices, index=index, key=f"filter_{name}",
        format_func=lambda v: t("filter_all") if v is None else format_func(v),
    )
    if value is None:
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = value
    return value


def filters_description(filters: dict[str, object]) -> str:
    """The active filters in words, written above every table, chart and export."""
    parts = [f"{t('filter_' + name)}: {value}" for name, value in filters.items()
             if value is not None]
    return t("filters_active", filters="; ".join(parts)) if parts else t("filters_none")


def format_kpi(value: float | None, unit: str) -> str:
    return formatting.format_kpi(value, unit, language())


def format_delta(delta: float | None, unit: str) -> str:
    return formatting.format_delta(delta, unit, language())


def download_button(label: str, build, file_name: str, mime: str, key: str, *,
                    kind: str = "table", provider_agb: str | None = None,
                    quarter: str | None = None, container=None) -> None:
    """A download whose file is made only when the user clicks (`build()`, without Streamlit
    calls): the session is checked and the download audited at that moment
    (`impactmonitor.audit.audited_download`). Every download of data goes through here."""
    from app_pages.auth import current_user, session_check
    from impactmonitor.audit import audited_download

    data = audited_download(database(), current_user(), file_name, build, session_check(),
                            kind=kind, provider_agb=provider_agb, quarter=quarter)
    (container or st).download_button(label, data, file_name=file_name, mime=mime, key=key,
                                      on_click="ignore")


def export_buttons(frame, name: str, filters_text: str, key: str,
                   provider_agb: str | None = None, quarter: str | None = None) -> None:
    """CSV (Dutch Excel) and XLSX downloads of a table, with filters and data version inside.

    The data version is a fingerprint of the rows exported (`content_version`): it depends on
    nothing else. The files are made and audited when clicked (`download_button`).
    """
    from impactmonitor.exports import content_version, dutch_csv, frame_rows, xlsx_bytes

    lang = language()
    header, rows = frame_rows(frame)

    def preamble() -> list[str]:
        return [filters_text, _text("export_data_version", lang,
                                    version=content_version(header, rows))]

    left, right = st.columns(2)
    download_button(t("export_csv"), lambda: dutch_csv(header, rows, preamble()),
                    f"{name}.csv", "text/csv", f"{key}_csv", provider_agb=provider_agb,
                    quarter=quarter, container=left)
    download_button(t("export_xlsx"), lambda: xlsx_bytes({name[:31]: (header, rows)}, preamble()),
                    f"{name}.xlsx",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    f"{key}_xlsx", provider_agb=provider_agb, quarter=quarter, container=right)


def pdf_download(label_key: str, build, file_name: str, key: str,
                 provider_agb: str | None = None, quarter: str | None = None,
                 mime: str = "application/pdf", ready_key: str = "report_ready") -> None:
    """A button that builds a PDF (or with `mime` another file; showing progress) and then
    offers it for download (made and audited when clicked, `download_button`)."""
    state_key = f"{key}_pdf"
    if st.button(t(label_key), key=f"{key}_build"):
        with st.status(t("report_generating"), expanded=False) as status:
            st.session_state[state_key] = build()
            status.update(label=t(ready_key), state="complete")
    if state_key in st.session_state:
        made = st.session_state[state_key]
        download_button(t(ready_key), lambda: made, file_name, mime, f"{key}_download",
                        kind="report", provider_agb=provider_agb, quarter=quarter)


def localized(frame):
    """The frame with its columns renamed to the headers users read (one translation table)."""
    from impactmonitor.i18n import column_label

    lang = language()
    names = {c: column_label(c, lang) for c in frame.columns}
    seen: set[str] = set()
    for column, label in list(names.items()):  # two data columns may share a label
        if label in seen:
            names[column] = f"{label} ({column})"
        seen.add(names[column])
    return frame.rename(names)


def data_table(frame, name: str, filters_text: str, key: str, *,
               provider_agb: str | None = None, quarter: str | None = None,
               export: bool = True, **dataframe_options) -> None:
    """A table as users see it: localized headers, and CSV/XLSX export with the filters."""
    shown = localized(frame)
    st.dataframe(shown, hide_index=True, width="stretch", key=f"{key}_table",
                 **dataframe_options)
    if export and frame.height:
        export_buttons(shown, name, filters_text, key=key, provider_agb=provider_agb,
                       quarter=quarter)


def provider_picker(providers, container=None) -> tuple[str, dict[str, str]]:
    """The provider chosen in the URL (`?provider=`), among those the user may see.

    A code in the URL that is not among them is dropped with a neutral message: the page never
    says whether that code exists. Returns (AGB code, labels by AGB code).
    """
    labels = {agb: f"{name} ({agb})" for agb, name in
              providers.select("provider_agb", "name").iter_rows()}
    if st.query_params.get("provider") not in (None, *labels):
        st.warning(t("provider_not_available"))
        st.query_params.pop("provider", None)
    chosen = url_filter("provider", list(labels), t("filter_provider"), format_func=labels.get,
                        allow_all=False, container=container)
    return chosen, labels
