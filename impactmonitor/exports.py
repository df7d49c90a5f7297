"""Export helpers shared by every download: formula neutralisation and Dutch-Excel CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def content_version(*parts: object) -> str:
    """A short fingerprint of exactly the data an export shows (header and rows, or frames).

    Printed as its "data version": the same data gives the same version, any change in it gives
    another, and nothing outside it (other providers' deliveries, logins) changes it.
    """
    import hashlib

    digest = hashlib.sha256()
    for part in parts:
        if hasattr(part, "iter_rows") and hasattr(part, "columns"):  # a polars DataFrame
            part = (list(part.columns), [list(row) for row in part.iter_rows()])
        digest.update(repr(part).encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()[:12]


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
        writer.writerow(
            ["" if cell is None else neutralise(_dutch_number(_plain(cell))) for cell in row]
        )
    return buffer.getvalue().encode("utf-8-sig")


def _dutch_number(value: object) -> object:
    if isinstance(value, float):
        return f"{value:.6g}".replace(".", ",") if value == value else ""
    return value


def frame_rows(frame) -> tuple[list[str], list[list[object]]]:
    """Header and rows of a polars DataFrame, for the writers above and below."""
    return list(frame.columns), [list(row) for row in frame.iter_rows()]


def xlsx_bytes(sheets: dict[str, tuple[Sequence[str], Iterable[Sequence[object]]]],
               preamble: Sequence[str] = ()) -> bytes:
    """An XLSX workbook: a header block (filters, data version) above each sheet's table.

    Text cells are written as text (never as formulas) and neutralised as in CSV exports.
    """
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#E6E6E6"})
    note = workbook.add_format({"italic": True, "font_color": "#555555"})
    for sheet_name, (header, rows) in sheets.items():
        sheet = workbook.add_worksheet(sheet_name[:31])
        row_index = 0
        for line in preamble:
            sheet.write_string(row_index, 0, str(neutralise(line)), note)
            row_index += 1
        if preamble:
            row_index += 1
        for column, name in enumerate(header):
            sheet.write_string(row_index, column, str(neutralise(name)), bold)
        for row in rows:
            row_index += 1
            for column, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, int | float):
                    sheet.write_string(row_index, column, str(neutralise(_plain(value))))
                else:
                    sheet.write_number(row_index, column, value)
        sheet.set_column(0, max(len(header) - 1, 0), 16)
    workbook.close()
    return buffer.getvalue()


def _plain(value: object) -> object:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value
