"""Export helpers shared by every download: formula neutralisation and Dutch-Excel CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def dutch_csv(header: Sequence[str], rows: Iterable[Sequence[object]],
              preamble: Sequence[str] = ()) -> bytes:
    """UTF-8 with BOM, `;` separated, formulas neutralised: opens correctly in Dutch Excel.

    `preamble` lines (filters, data version) are written first as `# ...` comment lines.
    """
    buffer = io.StringIO(newline="")
    for line in preamble:
        buffer.write(f"# {line}\r\n")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow(["" if cell is None else neutralise(_dutch_number(cell)) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def _dutch_number(value: object) -> object:
    if isinstance(value, float):
        return f"{value:.6g}".replace(".", ",") if value == value else ""
    return value
