"""Quarters: parsing the forms providers write, canonical form `2025Q2`, calendar arithmetic."""

from __future__ import annotations

import re
from datetime import date, timedelta

_PATTERNS = (
    re.compile(r"^(?P<year>\d{4})\s*[-/ ]?\s*[Qq](?P<q>[1-4])$"),  # 2025Q2, 2025-Q2, 2025 Q2
    re.compile(r"^[Qq](?P<q>[1-4])\s*[-/ ]?\s*(?P<year>\d{4})$"),  # Q2 2025, Q2-2025
)

# The same patterns as one polars/DuckDB-compatible regex pair, for vectorised parsing.
YEAR_FIRST_REGEX = r"^(\d{4})\s*[-/ ]?\s*[Qq]([1-4])$"
QUARTER_FIRST_REGEX = r"^[Qq]([1-4])\s*[-/ ]?\s*(\d{4})$"


def parse_quarter(text: str | None) -> str | None:
    """Canonical `YYYYQn` for any accepted spelling, or None when it is not a quarter."""
    if text is None:
        return None
    cleaned = text.replace("\u00a0", " ").strip()
    for pattern in _PATTERNS:
        match = pattern.match(cleaned)
        if match:
            year = int(match.group("year"))
            if 2000 <= year <= 2099:
                return f"{year}Q{match.group('q')}"
    return None


def split(quarter: str) -> tuple[int, int]:
    return int(quarter[:4]), int(quarter[5])


def quarter_start(quarter: str) -> date:
    year, q = split(quarter)
    return date(year, 3 * (q - 1) + 1, 1)


def quarter_end(quarter: str) -> date:
    """Last day of the quarter: the day on which reference data must be valid."""
    year, q = split(quarter)
    if q == 4:
        return date(year, 12, 31)
    return date(year, 3 * q + 1, 1) - timedelta(days=1)


def shift(quarter: str, quarters: int) -> str:
    year, q = split(quarter)
    index = year * 4 + (q - 1) + quarters
    return f"{index // 4}Q{index % 4 + 1}"


def previous(quarter: str) -> str:
    return shift(quarter, -1)


def quarter_range(first: str, last: str) -> list[str]:
    """All quarters from first to last inclusive."""
    result = []
    current = first
    while current <= last:
        result.append(current)
        current = shift(current, 1)
    return result


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def last_complete_quarter(today: date) -> str:
    return previous(quarter_of(today))
