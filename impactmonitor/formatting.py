"""How numbers read for users: Dutch format (1.234,5) in Dutch, English (1,234.5) otherwise.

Used by the pages (through app_pages.ui) and by the PDF reports, so both show the same text.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from impactmonitor.i18n import text

STATUS_ICONS = {"green": "✔", "amber": "!", "red": "✖", "n<10": "·", "n/a": "∅", "none": "–"}


def number(value: float | int | None, decimals: int = 0, lang: str = "nl") -> str:
    if value is None or value != value:
        return "–"
    formatted = f"{value:,.{decimals}f}"
    if lang == "nl":
        formatted = formatted.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return formatted


def format_kpi(value: float | None, unit: str, lang: str = "nl") -> str:
    """A KPI value: 72,0% / 23,4 d / 3,21 / 12."""
    if value is None or value != value:
        return "–"
    if unit == "share":
        return number(value * 100, 1, lang) + "%"
    if unit == "days":
        return number(value, 1, lang) + " " + text("unit_days", lang)
    if unit == "ratio":
        return number(value, 2, lang)
    return number(value, 0, lang)


# How a change is shown per KPI unit: (scale, decimals, unit text key). A share changes in
# percentage points, days in days, the waiting list (a count) in clients; a ratio has no unit.
DELTA_FORMS = {
    "share": (100, 1, "unit_points"),
    "days": (1, 1, "unit_delta_days"),
    "ratio": (1, 2, None),
    "count": (1, 0, "unit_delta_clients"),
}
MINUS = "\u2212"  # a real minus sign (−), not the hyphen


def _delta_form(unit: str) -> tuple[int, int, str | None]:
    return DELTA_FORMS.get(unit, (1, 0, None))


def delta_rounded(delta: float, unit: str) -> float:
    """|delta| in the shown unit, rounded half up to the shown decimals (1,25 → 1,3): the
    number users read. Zero means the change reads as ±0 (neutral)."""
    scale, decimals, _ = _delta_form(unit)
    factor = 10**decimals
    return math.floor(abs(delta) * scale * factor + 0.5) / factor


def delta_direction(delta: float | None, unit: str, direction: str) -> str | None:
    """ "better", "worse" or "same" (a change that reads as ±0); None without a change."""
    if delta is None or delta != delta:
        return None
    if delta_rounded(delta, unit) == 0:
        return "same"
    return "better" if (delta > 0) == (direction == "higher") else "worse"


def format_delta(delta: float | None, unit: str, lang: str = "nl") -> str:
    """A change against the previous quarter with its unit and a real minus sign:
    +1,2 %-punt / −3,5 dagen / +4 cliënten / −0,12 (ratio) / ±0,0 %-punt."""
    if delta is None or delta != delta:
        return ""
    _, decimals, unit_key = _delta_form(unit)
    shown = delta_rounded(delta, unit)
    sign = "±" if shown == 0 else "+" if delta > 0 else MINUS
    suffix = f" {text(unit_key, lang)}" if unit_key else ""
    return f"{sign}{number(shown, decimals, lang)}{suffix}"


def status_key(status: str | None) -> str:
    return status if status in STATUS_ICONS else "none"


def status_label(status: str | None, lang: str = "nl") -> str:
    """A status as icon plus word, so it never depends on colour alone."""
    key = status_key(status)
    return f"{STATUS_ICONS[key]} {text('status_' + key, lang)}"


def format_norm(
    green: float | None, amber: float | None, direction: str, unit: str, lang: str = "nl"
) -> str:
    """The norm a status was judged by: 'groen ≥ 70,0%, oranje ≥ 60,0%'."""
    if green is None or green != green:
        return text("status_none", lang)
    sign = "≥" if direction == "higher" else "≤"
    parts = [f"{text('status_green', lang)} {sign} {format_kpi(green, unit, lang)}"]
    if amber is not None and amber == amber:
        parts.append(f"{text('status_amber', lang)} {sign} {format_kpi(amber, unit, lang)}")
    return ", ".join(parts)


# ---- dates, times, yes/no ------------------------------------------------------------------------
def date_text(value: date | datetime | None, lang: str = "nl") -> str:
    """13-08-2026 (and 13-08-2026 14:05 for a time) in Dutch; 13 Aug 2026 (14:05) in English."""
    if value is None:
        return "–"
    if lang == "nl":
        day = f"{value.day:02d}-{value.month:02d}-{value.year}"
    else:
        day = f"{value.day} {text(f'month_short_{value.month}', lang)} {value.year}"
    if isinstance(value, datetime):
        return f"{day} {value.hour:02d}:{value.minute:02d}"
    return day


def yes_no(value: bool | None, lang: str = "nl") -> str:
    if value is None:
        return "–"
    return text("word_yes" if value else "word_no", lang)
