"""How a data table reads for users: codes in words, numbers and dates in the UI language.

One place for every table the app shows (`app_pages.ui.data_table`), every CSV/XLSX export and
the PDF tables, so a screen and its export say the same thing:

- `in_words(frame, lang)`: code columns become words (care forms, age groups, municipality
  names with their code, roles, table names, statuses, audit events, sources, yes/no, KPI
  names...). Numbers, dates and times stay typed.
- `column_kinds(frame, units)`: how each column is shown — a whole number, a decimal, a share
  (a fraction shown as a percentage), days, a ratio, an index, a date or a time. From the
  column's name (`COLUMN_KINDS`) or else its type; "kpi" columns take the unit of the row's KPI.
- `cell_text(value, kind, lang)`: one cell as users read it (1.234 / 72,0% / 13-08-2026 14:05;
  English: 1,234 / 72.0% / 13 Aug 2026 14:05). A missing value reads "–", never None or nan.
- `export_sheet(frame, lang, units)`: header in the UI language, typed rows and a number format
  per cell, for `impactmonitor.exports`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

import polars as pl

from impactmonitor.formatting import (
    date_text,
    format_delta,
    format_kpi,
    format_norm,
    number,
    status_label,
    yes_no,
)
from impactmonitor.i18n import TEXTS, column_label, text

MISSING = "–"

# Number kinds: how a value is written and which export format (impactmonitor.exports.FORMATS).
NUMBER_KINDS = {
    "count": "count",
    "decimal1": "decimal1",
    "decimal2": "decimal2",
    "index": "decimal3",
    "share": "share",
    "days": "decimal1",
    "ratio": "decimal2",
}
# Columns whose numbers take the unit of the row's KPI ("kpi" kind) or the unit a page passes.
KPI_VALUE_COLUMNS = (
    "value",
    "norm_green",
    "norm_amber",
    "spc_centre",
    "spc_lcl",
    "spc_ucl",
    "category_value",
    "region_value",
    "previous_value",
    "green",
    "amber",
    "latest_value",
)
COLUMN_KINDS: dict[str, str] = {
    **dict.fromkeys(KPI_VALUE_COLUMNS, "kpi"),
    "delta": "delta",
    "fte_care": "decimal1",
    "on_time_share": "share",
    "share_of_change": "share",
    "baseline_clients": "decimal1",
    "change": "decimal1",
    "contribution": "index",
    "target_path": "index",
    "projection": "index",
    # code columns: written in words by `in_words`
    "care_form": "words",
    "age_group": "words",
    "municipality_code": "words",
    "role": "words",
    "table_name": "words",
    "table": "words",
    "tables_delivered": "words",
    "status": "words",
    "action": "words",
    "source": "words",
    "direction": "words",
    "spc_signal": "words",
    "kpi": "words",
    "norm_source": "words",
    "index": "words",
    "previous_status": "words",
    "follow_up_status": "words",
    "delta_direction": "words",
    "unit": "words",
    "category_suppression": "words",
    "region_suppression": "words",
}
# Texts that stay as they are, although their column holds codes elsewhere.
_QUARTER_COLUMNS = ("quarter", "norm_valid_from", "valid_from", "latest_quarter")

# Delivery statuses (impactmonitor.delivery_status) with glyphs that Debian's fonts have.
DELIVERY_ICONS = {"complete": "✔", "late": "◷", "incomplete": "◐", "missing": "✖", "pending": "…"}
KPI_STATUSES = ("green", "amber", "red", "n<10", "n/a")


def delivery_status_label(status: str | None, lang: str = "nl") -> str:
    if status not in DELIVERY_ICONS:
        return MISSING
    return f"{DELIVERY_ICONS[status]} {text('delivery_' + status, lang)}"


def audit_action_label(action: str | None, lang: str = "nl") -> str:
    """An audit event in words ('Aanlevering geaccepteerd'); an unknown one as it is."""
    if action is None:
        return MISSING
    key = f"audit_event_{action}"
    return text(key, lang) if key in TEXTS else action


def _code_label(prefix: str, code: str | None, lang: str) -> str:
    """A code in words (text `<prefix><code>`); an unknown code as it is, None as "–"."""
    if code is None:
        return MISSING
    key = f"{prefix}{code}"
    return text(key, lang) if key in TEXTS else code


def care_form_label(code: str | None, lang: str = "nl") -> str:
    return _code_label("care_form_", code, lang)


def category_label(code: str | None, lang: str = "nl") -> str:
    """'A — systeemaanbieders': a provider category in words."""
    return _code_label("category_", code, lang)


def age_group_label(code: str | None, lang: str = "nl") -> str:
    return _code_label("age_group_", code, lang)


def municipality_label(code: str | None, lang: str = "nl") -> str:
    """'Rotterdam (GM0599)': the name users know, the code the data uses."""
    from schemas.reference import municipalities

    if code is None:
        return MISSING
    known = municipalities().get(code)
    return f"{known.name} ({code})" if known else code


def table_label(code: str | None, lang: str = "nl") -> str:
    if code is None:
        return MISSING
    key = f"table_{code}"
    return text(key, lang) if key in TEXTS else code


def _kpi_name(code: str | None, lang: str) -> str:
    from impactmonitor.kpis import KPI_BY_KEY

    if code is None:
        return MISSING
    return KPI_BY_KEY[code].name(lang) if code in KPI_BY_KEY else code


def _status_words(code: str | None, lang: str) -> str:
    if code in DELIVERY_ICONS:
        return delivery_status_label(code, lang)
    if code is None or code in KPI_STATUSES:
        return status_label(code, lang)
    key = f"target_status_{code}"
    return text(key, lang) if key in TEXTS else code


def _code_words(column: str, value: str | None, lang: str) -> str | None:
    """One code in words; None stays None (shown as "–")."""
    if value is None:
        return None
    if column == "care_form":
        return care_form_label(value, lang)
    if column == "age_group":
        return age_group_label(value, lang)
    if column == "municipality_code":
        return municipality_label(value, lang)
    if column == "role":
        key = f"role_{value}"
        return text(key, lang) if key in TEXTS else value
    if column in ("table_name", "table"):
        return table_label(value, lang)
    if column == "tables_delivered":
        return ", ".join(
            table_label(part.strip(), lang) for part in value.split(",") if part.strip()
        )
    if column in ("status", "previous_status", "follow_up_status"):
        return _status_words(value, lang)
    if column == "action":
        return audit_action_label(value, lang)
    if column == "norm_source" and value.startswith("changed "):
        # norms.judge writes "changed <yyyy-mm-dd> by <who>"
        when, _, who = value.removeprefix("changed ").partition(" by ")
        with contextlib.suppress(ValueError):
            when = date_text(date.fromisoformat(when), lang)
        return text("norm_source_changed", lang, date=when, who=who)
    if column in ("source", "direction", "spc_signal", "norm_source", "delta_direction", "unit"):
        key = f"unit_name_{value}" if column == "unit" else f"{column}_{value}"
        return text(key, lang) if key in TEXTS else value
    if column in ("category_suppression", "region_suppression"):
        key = f"mirror_suppressed_{value}"
        return text(key, lang, minimum=3, share=80) if key in TEXTS else value
    if column == "kpi":
        return _kpi_name(value, lang)
    if column == "index":
        from impactmonitor.target import INDEXES

        return next((i.name(lang) for i in INDEXES if i.key == value), value)
    return value


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def in_words(
    frame: pl.DataFrame, lang: str = "nl", columns: Sequence[str] | None = None
) -> pl.DataFrame:
    """The frame with its code columns in words, decimals as floats, lists joined; then only
    `columns` (all when None), in that order.

    The unit of each row's KPI (its `unit` column, or from its `kpi` code) is kept in a hidden
    `_unit` column, so numbers can still be formatted per KPI afterwards (see `column_kinds`);
    a `norm` column is written anew from the norm values in the language.
    """
    extra = []
    if "unit" in frame.columns:
        extra.append(pl.col("unit").alias("_unit"))
    elif "kpi" in frame.columns:
        from impactmonitor.kpis import KPI_BY_KEY

        units = {k: d.unit for k, d in KPI_BY_KEY.items()}
        extra.append(
            pl.col("kpi").replace_strict(units, default=None, return_dtype=pl.String).alias("_unit")
        )
    if extra:
        frame = frame.with_columns(extra)
    if "norm" in frame.columns and {"norm_green", "norm_amber", "direction", "_unit"} <= set(
        frame.columns
    ):
        frame = frame.with_columns(
            pl.Series(
                "norm",
                [
                    None
                    if r["norm_green"] is None
                    else format_norm(
                        r["norm_green"], r["norm_amber"], r["direction"], r["_unit"], lang
                    )
                    for r in frame.select(
                        "norm_green", "norm_amber", "direction", "_unit"
                    ).iter_rows(named=True)
                ],
                dtype=pl.String,
            )
        )
    if columns is not None:
        frame = frame.select(*columns, *(["_unit"] if "_unit" in frame.columns else []))
    if "municipality_code" in frame.columns and "municipality_name" in frame.columns:
        frame = frame.drop("municipality_name")  # the code column reads "name (code)"
    changes: list[pl.Expr | pl.Series] = []
    for name, dtype in frame.schema.items():
        if name == "_unit":
            continue
        if isinstance(dtype, pl.Decimal):
            scale = getattr(dtype, "scale", 0) or 0
            changes.append(pl.col(name).cast(pl.Int64 if scale == 0 else pl.Float64))
        elif isinstance(dtype, pl.List) and not dtype.inner.is_numeric():
            # lists of numbers stay lists (sparklines); lists of texts read as one text
            changes.append(pl.col(name).cast(pl.List(pl.String)).list.join(" · ").replace("", None))
        elif dtype == pl.String and COLUMN_KINDS.get(name) == "words":
            changes.append(
                pl.Series(name, [_code_words(name, v, lang) for v in frame[name]], dtype=pl.String)
            )
        elif dtype == pl.Boolean:
            changes.append(
                pl.Series(
                    name,
                    [None if v is None else yes_no(v, lang) for v in frame[name]],
                    dtype=pl.String,
                )
            )
    return frame.with_columns(changes) if changes else frame


def column_kinds(frame: pl.DataFrame, units: Mapping[str, str] | None = None) -> dict[str, str]:
    """How each column of an `in_words` frame is shown: a number kind, "kpi" (the row's unit),
    "delta", "date", "datetime" or "text". `units` fixes the unit of the "kpi" columns when the
    frame has no `kpi` column (one KPI's series): e.g. {"value": "share"}."""
    kinds: dict[str, str] = {}
    for name, dtype in frame.schema.items():
        if name == "_unit":
            continue
        kind = (units or {}).get(name) or COLUMN_KINDS.get(name)
        if kind == "kpi" and "_unit" not in frame.columns:
            kind = "decimal2"
        if not dtype.is_numeric() and kind in (*NUMBER_KINDS, "kpi", "delta"):
            kind = None
        if kind in (None, "words"):
            if dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
                kind = "datetime"
            elif dtype == pl.Date:
                kind = "date"
            elif dtype.is_integer():
                kind = "count"
            elif dtype.is_float():
                kind = "decimal1"
            else:
                kind = "text"
        kinds[name] = kind
    return kinds


def cell_text(value: object, kind: str, lang: str = "nl") -> str:
    """One cell as users read it; `kind` as in `column_kinds`, or a KPI unit."""
    value = _plain(value)
    if value is None or (isinstance(value, float) and value != value) or str(value) == "NaT":
        return MISSING
    if kind == "date" and isinstance(value, datetime):
        return date_text(value.date(), lang)
    if kind in ("datetime", "date") and isinstance(value, date):
        return date_text(value, lang)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if kind.startswith("delta_"):
        return format_delta(value, kind.removeprefix("delta_"), lang) or MISSING
    if kind == "share":
        return format_kpi(value, "share", lang)
    if kind == "days":
        return format_kpi(value, "days", lang)
    if kind in ("ratio", "decimal2"):
        return number(value, 2, lang)
    if kind == "index":
        return number(value, 3, lang)
    if kind == "decimal1":
        return number(value, 1, lang)
    if kind == "count":
        return number(value, 0, lang)
    return number(value, 0 if isinstance(value, int) else 1, lang)


def row_kind(kind: str, unit: str | None) -> str:
    """The kind of one cell: a "kpi" or "delta" column takes the row's KPI unit."""
    if kind == "kpi":
        return unit or "decimal2"
    if kind == "delta":
        return f"delta_{unit or 'count'}"
    return kind


def export_format(kind: str) -> str | None:
    if kind.startswith("delta_"):  # a change in percentage points reads as a percentage
        kind = kind.removeprefix("delta_")
    return NUMBER_KINDS.get(kind)


def headers(columns: Sequence[str], lang: str = "nl") -> list[str]:
    """The header users read per data column; two columns never share one."""
    from impactmonitor.kpis import KPI_BY_KEY

    labels = [
        KPI_BY_KEY[c].name(lang) if c in KPI_BY_KEY else column_label(c, lang) for c in columns
    ]
    seen: dict[str, int] = {}
    for position, label in enumerate(labels):
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            labels[position] = f"{label} ({seen[label]})"
    return labels


def export_sheet(
    frame: pl.DataFrame,
    lang: str = "nl",
    units: Mapping[str, str] | None = None,
    columns: Sequence[str] | None = None,
) -> tuple[list[str], list[list[object]], list[list[str | None]]]:
    """(header, rows, formats) of a table for `impactmonitor.exports`: the same words and
    headers as on screen, numbers and dates typed, a number format per cell."""
    words = in_words(frame, lang, columns)
    kinds = column_kinds(words, units)
    columns = list(kinds)
    unit_of_row = words["_unit"].to_list() if "_unit" in words.columns else [None] * words.height
    rows: list[list[object]] = []
    formats: list[list[str | None]] = []
    for record, unit in zip(words.select(columns).iter_rows(), unit_of_row, strict=True):
        rows.append([_plain(v) for v in record])
        formats.append([export_format(row_kind(kinds[c], unit)) for c in columns])
    return headers(columns, lang), rows, formats


def texts_frame(
    frame: pl.DataFrame,
    lang: str = "nl",
    units: Mapping[str, str] | None = None,
    columns: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The table as users read it: every cell a text, headers in the UI language (PDFs)."""
    words = in_words(frame, lang, columns)
    kinds = column_kinds(words, units)
    unit_of_row = words["_unit"].to_list() if "_unit" in words.columns else [None] * words.height
    data = {
        label: [
            cell_text(v, row_kind(kinds[c], u), lang)
            for v, u in zip(words[c].to_list(), unit_of_row, strict=True)
        ]
        for c, label in zip(kinds, headers(list(kinds), lang), strict=True)
    }
    return pl.DataFrame(data, schema=dict.fromkeys(data, pl.String))
