"""Shared Streamlit helpers for the pages: database handle, language, texts, number formats.

UI only: no KPI arithmetic and no security filtering here (that is the domain layer's job).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import NoReturn

import polars as pl
import streamlit as st

from app_pages.auth import current_user, session_check
from app_pages.context import database as database  # re-exported: pages import it from here
from app_pages.context import database_at
from app_pages.context import keep_language_in_url as keep_language_in_url
from app_pages.context import language as language
from app_pages.context import t as t
from impactmonitor import formatting
from impactmonitor.access import visible_pages
from impactmonitor.display import MISSING
from impactmonitor.i18n import text as _text
from impactmonitor.storage import local_commits
from pipelines.findings import Finding, bounded

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


def _css_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def widget_texts() -> None:
    """Streamlit's own widget texts in the UI language where Streamlit has no setting for them.

    The file uploader's button ("Upload") and its instructions ("50MB per file • CSV, XLSX")
    are English in Streamlit 1.67; the translation table's texts are shown in their place. The
    button keeps its own text at size 0, because its accessible name must not be empty (CSS
    cannot set an aria-label); "Upload" is also a Dutch word. The instructions are hidden.
    """
    button = "[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p"
    instructions = "[data-testid='stFileUploaderDropzoneInstructions'] span"
    st.html(
        "<style>"
        f"{button} {{font-size: 0;}}"
        f"{button}::after {{content: {_css_text(t('uploader_button'))}; font-size: 0.875rem;}}"
        f"{instructions} {{visibility: hidden; font-size: 0;}}"
        f"{instructions}::after {{content: {_css_text(t('uploader_instructions'))};"
        " visibility: visible; font-size: 0.875rem;}"
        "</style>"
    )


def number(value: float | int | None, decimals: int = 0) -> str:
    """Dutch number format (1.234,5) in the Dutch UI, English (1,234.5) otherwise."""
    return formatting.number(value, decimals, language())


# ---- cached data-layer calls ---------------------------------------------------------------------
# Queries are cached per data version: every accepted delivery, decision, norm or register change
# appends an audit event and so changes the version, and nothing else can change the results.


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_call(
    module: str, name: str, db_path: str, version: int, args: tuple, kwargs: tuple
) -> object:
    import importlib

    function = getattr(importlib.import_module(module), name)
    return function(database_at(db_path), *args, **dict(kwargs))


RUN_VERSION_KEY = "data_version_of_run"  # ((db path, local commits), version); see data_version


def data_version() -> int:
    """The data version, read once per script run: reading it opens the database (20–60 ms on
    the sample region) and a page asks for it at every cached call. A commit of this process
    during the run (the page stored something) makes it read again; a change by another
    process shows from the next run on (`start_run` forgets the version)."""
    db = database()
    seen = (db.path, local_commits())
    remembered = st.session_state.get(RUN_VERSION_KEY)
    if remembered is not None and remembered[0] == seen:
        return remembered[1]
    version = db.data_version()
    st.session_state[RUN_VERSION_KEY] = (seen, version)
    return version


def start_run() -> None:
    """Called by app.py first in every run: this run reads the data version afresh."""
    st.session_state.pop(RUN_VERSION_KEY, None)


AS_OF_KEY = "as_of_decision"  # (snapshot id, decision description) while looking back


def cached(function, *args: object, **kwargs: object) -> object:
    """`function(db, *args, **kwargs)`, cached until the data version changes.

    The user is one of the arguments, so one user's cached result is never served to another.
    While the user looks back at a decision (DuckLake), reads see the lake at its snapshot.
    """
    db = database()
    path, version = db.path, None
    looking_back = st.session_state.get(AS_OF_KEY)
    if looking_back is not None and db.keeps_snapshots:
        view = db.as_of(looking_back[0])
        path, version = view.path, looking_back[0]
    return _cached_call(
        function.__module__,
        function.__qualname__,
        path,
        version if version is not None else data_version(),
        args,
        tuple(sorted(kwargs.items())),
    )


# ---- colours and status display (colour-blind safe: Okabe-Ito) -----------------------------------
STATUS_ICONS = formatting.STATUS_ICONS
status_key = formatting.status_key
# Light tints of the status colours (impactmonitor.figures.STATUS_COLORS) for table cells.
STATUS_TINTS = {"green": "#CDEBE0", "amber": "#F8E3B5", "red": "#F5CDB8", "n<10": "#E8E8E8"}


def status_label(status: str | None) -> str:
    return formatting.status_label(status, language())


# ---- filters kept in the URL ---------------------------------------------------------------------
FILTER_KEYS = ("quarter", "category", "municipality", "care_form", "lot")


def url_filter(
    name: str,
    options: list,
    label: str,
    format_func=str,
    allow_all: bool = True,
    container=None,
    default: object = None,
) -> object:
    """A select box whose value lives in the URL (`?name=value`), so a link reproduces the view."""
    container = container or st
    choices = ([None] if allow_all else []) + list(options)
    current = st.query_params.get(name, default)
    index = choices.index(current) if current in choices else 0
    value = container.selectbox(
        label,
        choices,
        index=index,
        key=f"filter_{name}",
        format_func=lambda v: t("filter_all") if v is None else format_func(v),
    )
    if value is None:
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = value
    return value


def filter_value_text(name: str, value: object) -> str:
    """A filter's value in words: a municipality's name, a care form, a status."""
    from impactmonitor import display

    lang = language()
    if name == "municipality":
        return display.municipality_label(str(value), lang)
    if name == "care_form":
        return display.care_form_label(str(value), lang)
    if name == "status":
        return display.delivery_status_label(str(value), lang)
    return str(value)


def filters_description(filters: dict[str, object]) -> str:
    """The active filters in words, written above every table, chart and export."""
    parts = [
        f"{t('filter_' + name)}: {filter_value_text(name, value)}"
        for name, value in filters.items()
        if value is not None
    ]
    return t("filters_active", filters="; ".join(parts)) if parts else t("filters_none")


def open_provider(provider_agb: str, **filters: object) -> None:
    """Go to the provider page of `provider_agb`, with the filters that still apply there.

    Only for users who may see that page; the provider page checks access itself again.
    """
    user = current_user()
    if user is None or "provider" not in visible_pages(user):
        return
    params = {
        "provider": provider_agb,
        "lang": language(),
        **{name: str(value) for name, value in filters.items() if value is not None},
    }
    st.switch_page("app_pages/provider.py", query_params=params)


def may_open_provider() -> bool:
    user = current_user()
    return user is not None and "provider" in visible_pages(user)


def format_kpi(value: float | None, unit: str) -> str:
    return formatting.format_kpi(value, unit, language())


def format_delta(delta: float | None, unit: str) -> str:
    return formatting.format_delta(delta, unit, language())


# st.metric colours and points by its own reading of the text (a leading "-" is down, "±0" is
# up); the change's colour follows the KPI's direction and a change that reads as ±0 is neutral.
_METRIC_COLOURS = {"better": "green", "worse": "red", "same": "gray"}


def metric_delta(delta: float | None, unit: str, direction: str) -> dict[str, str | None]:
    """The delta arguments of `st.metric` for a change of a KPI: its text with unit and minus
    sign, green when better, red when worse, grey without arrow when it reads as ±0."""
    judged = formatting.delta_direction(delta, unit, direction)
    if judged is None:
        return {"delta": None}
    return {
        "delta": format_delta(delta, unit),
        "delta_color": _METRIC_COLOURS[judged],
        "delta_arrow": "off" if judged == "same" else "up" if delta > 0 else "down",
    }


def download_button(
    label: str,
    build,
    file_name: str,
    mime: str,
    key: str,
    *,
    kind: str = "table",
    provider_agb: str | None = None,
    quarter: str | None = None,
    container=None,
) -> None:
    """A download whose file is made only when the user clicks (`build()`, without Streamlit
    calls): the session is checked and the download audited at that moment
    (`impactmonitor.audit.audited_download`). Every download of data goes through here."""
    from impactmonitor.audit import audited_download

    data = audited_download(
        database(),
        current_user(),
        file_name,
        build,
        session_check(),
        kind=kind,
        provider_agb=provider_agb,
        quarter=quarter,
    )
    (container or st).download_button(
        label, data, file_name=file_name, mime=mime, key=key, on_click="ignore"
    )


def export_buttons(
    frame,
    name: str,
    filters_text: str,
    key: str,
    *,
    columns: Sequence[str] | None = None,
    units: Mapping[str, str] | None = None,
    provider_agb: str | None = None,
    quarter: str | None = None,
    extra_sheets: Mapping[str, object] | None = None,
) -> None:
    """CSV and XLSX downloads of a table as on screen: the same columns, words and headers (in
    the UI language), numbers as numbers, with the filters and the data version above it.

    `extra_sheets` (XLSX only) adds sheets after the first, e.g. the long data behind a wide
    table: {sheet name: frame}. The data version is a fingerprint of the rows exported
    (`content_version`): it depends on nothing else. The files are made and audited when
    clicked (`download_button`).
    """
    from impactmonitor.display import export_sheet
    from impactmonitor.exports import content_version, csv_bytes, xlsx_bytes

    lang = language()
    header, rows, formats = export_sheet(frame, lang, units, columns)
    sheets = {name[:31]: (header, rows, formats)}
    for sheet_name, sheet_frame in (extra_sheets or {}).items():
        sheets[sheet_name[:31]] = export_sheet(sheet_frame, lang)

    def preamble() -> list[str]:
        version = content_version(*((sheet[0], sheet[1]) for sheet in sheets.values()))
        return [filters_text, _text("export_data_version", lang, version=version)]

    left, right = st.columns(2)
    download_button(
        t("export_csv"),
        lambda: csv_bytes(header, rows, preamble(), lang),
        f"{name}.csv",
        "text/csv",
        f"{key}_csv",
        provider_agb=provider_agb,
        quarter=quarter,
        container=left,
    )
    download_button(
        t("export_xlsx"),
        lambda: xlsx_bytes(sheets, preamble(), lang),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{key}_xlsx",
        provider_agb=provider_agb,
        quarter=quarter,
        container=right,
    )


def pdf_download(
    label_key: str,
    build,
    file_name: str,
    key: str,
    provider_agb: str | None = None,
    quarter: str | None = None,
    mime: str = "application/pdf",
    ready_key: str = "report_ready",
) -> None:
    """A button that builds a PDF (or with `mime` another file; showing progress) and then
    offers it for download (made and audited when clicked, `download_button`)."""
    state_key = f"{key}_pdf"
    if st.button(t(label_key), key=f"{key}_build"):
        with st.status(t("report_generating"), expanded=False) as status:
            st.session_state[state_key] = build()
            status.update(label=t(ready_key), state="complete")
    if state_key in st.session_state:
        made = st.session_state[state_key]
        download_button(
            t(ready_key),
            lambda: made,
            file_name,
            mime,
            f"{key}_download",
            kind="report",
            provider_agb=provider_agb,
            quarter=quarter,
        )


def styled_table(
    frame,
    *,
    columns: Sequence[str] | None = None,
    units: Mapping[str, str] | None = None,
    tints: Mapping[str, Sequence[str | None]] | None = None,
    cell_texts: Mapping[str, Sequence[str]] | None = None,
):
    """(pandas Styler, header per data column): the table as users read it.

    Cells keep their values (so sorting stays numeric and by date) and show the text of
    `impactmonitor.display` (1.234,5 / 72,0% / 13-08-2026, codes in words, "–" for nothing).
    `tints` colours cells: {data column: a CSS colour or None per row}; `cell_texts` replaces
    the shown text of whole columns: {data column: a text per row} (value, icon and change).
    """
    from functools import partial

    from impactmonitor.display import cell_text, column_kinds, headers, in_words, row_kind

    lang = language()
    words = in_words(frame, lang, columns)
    kinds = column_kinds(words, units)
    data_columns = list(kinds)
    labels = dict(zip(data_columns, headers(data_columns, lang), strict=True))
    units_by_row = words["_unit"].to_list() if "_unit" in words.columns else [None] * words.height
    shown = words.select(data_columns).to_pandas().rename(columns=labels)
    styler = shown.style
    for column, label in labels.items():
        kind = kinds[column]
        if kind in ("kpi", "delta"):  # the unit is the row's: one display function per cell
            position = shown.columns.get_loc(label)
            by_unit = {
                unit: partial(cell_text, kind=row_kind(kind, unit), lang=lang)
                for unit in set(units_by_row)
            }
            for row, unit in enumerate(units_by_row):
                styler._display_funcs[(row, position)] = by_unit[unit]
        else:
            styler = styler.format(partial(cell_text, kind=kind, lang=lang), subset=[label])
    for column, texts in (cell_texts or {}).items():
        if column in labels:
            position = shown.columns.get_loc(labels[column])
            for row, shown_text in enumerate(texts):
                # One display function per cell; Styler.format per cell costs ~6 ms each.
                styler._display_funcs[(row, position)] = lambda _, x=shown_text: x
    for column, colours in (tints or {}).items():
        if column in labels:
            css = [f"background-color: {c}" if c else "" for c in colours]
            styler = styler.apply(lambda _, css=css: css, axis=0, subset=[labels[column]])
    return styler, labels


def data_table(
    frame,
    name: str,
    filters_text: str,
    key: str,
    *,
    columns: Sequence[str] | None = None,
    units: Mapping[str, str] | None = None,
    provider_agb: str | None = None,
    quarter: str | None = None,
    export: bool = True,
    pinned: Sequence[str] = (),
    column_config: Mapping[str, object] | None = None,
    tints: Mapping[str, Sequence[str | None]] | None = None,
    cell_texts: Mapping[str, Sequence[str]] | None = None,
    select: bool = False,
    **dataframe_options,
):
    """A table as users read it (`styled_table`) with CSV/XLSX export of the same view.

    `pinned` data columns stay in view while scrolling sideways; `column_config` is keyed by
    data column. With `select=True` a click on a row selects it; the selected row's position
    is returned (None when nothing is selected).
    """
    styler, labels = styled_table(
        frame, columns=columns, units=units, tints=tints, cell_texts=cell_texts
    )
    config = {labels[c]: st.column_config.Column(pinned=True) for c in pinned if c in labels}
    config.update({labels.get(c, c): value for c, value in (column_config or {}).items()})
    options = dict(dataframe_options)
    if select:
        options.update(on_select="rerun", selection_mode="single-row")
    event = st.dataframe(
        styler,
        hide_index=True,
        width="stretch",
        key=f"{key}_table",
        column_config=config or None,
        placeholder=MISSING,
        **options,
    )
    if export and frame.height:
        export_buttons(
            frame,
            name,
            filters_text,
            key=key,
            columns=columns,
            units=units,
            provider_agb=provider_agb,
            quarter=quarter,
        )
    if select:
        rows = event.selection.rows if event is not None else []
        return rows[0] if rows else None
    return None


def provider_picker(providers, container=None) -> tuple[str, dict[str, str]]:
    """The provider chosen in the URL (`?provider=`), among those the user may see.

    A code in the URL that is not among them is dropped with a neutral message: the page never
    says whether that code exists. Returns (AGB code, labels by AGB code).
    """
    labels = {
        agb: f"{name} ({agb})" for agb, name in providers.select("provider_agb", "name").iter_rows()
    }
    if st.query_params.get("provider") not in (None, *labels):
        st.warning(t("provider_not_available"))
        st.query_params.pop("provider", None)
    chosen = url_filter(
        "provider",
        list(labels),
        t("filter_provider"),
        format_func=labels.get,
        allow_all=False,
        container=container,
    )
    return chosen, labels


def findings_table(findings: Sequence[Finding]) -> pl.DataFrame:
    """Errors or warnings as the user reads them: Dutch table names and column headers."""
    rows = [
        {**f.as_dict(language()), "table": t(f"table_{f.table}") if f.table else ""}
        for f in findings
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "file": pl.String,
            "table": pl.String,
            "row": pl.Int64,
            "column": pl.String,
            "value": pl.String,
            "message": pl.String,
        },
    )
    # A header starts with a capital; the same words inside a sentence ("rij 3") do not.
    return frame.rename({c: finding_header(c) for c in frame.columns})


def finding_header(column: str) -> str:
    return t(f"col_{column}").capitalize()


def show_findings(findings: list[Finding]) -> None:
    """A table of findings whose messages can be read in full (a wide, wrapping column), bounded
    like the command line's report (`findings.bounded`): the complete list is in the downloads.
    Deliveries' and the register's findings are shown with it."""
    shown = bounded(findings)
    if len(shown) < len(findings):
        st.caption(
            t(
                "upload_findings_bounded",
                shown=number(len(shown) - sum(f.code == "report_more_of_kind" for f in shown)),
                count=number(len(findings)),
            )
        )
    st.dataframe(
        findings_table(shown),
        hide_index=True,
        width="stretch",
        placeholder="–",
        row_height=60,
        column_config={finding_header("message"): st.column_config.TextColumn(width="large")},
    )
