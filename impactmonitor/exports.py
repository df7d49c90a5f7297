"""Export writers shared by every download: formula neutralisation, CSV for Excel, XLSX.

Numbers stay numbers. Only text cells get the formula guard: a text that a spreadsheet would run
as a formula (`=`, `+`, `-`, `@`, also after leading whitespace, or a leading tab/CR/LF) gets a
leading apostrophe. Integers and floats are written as numbers (CSV: the decimal sign of the
language, no thousands separator; XLSX: numeric cells with a number format), dates and times
as dates (CSV: dd-mm-jjjj [uu:mm] in Dutch; XLSX: real date cells with a date format).

Every cell may carry a *format* (see `FORMATS`): "share" is a fraction shown as a percentage
(XLSX `0.0%`), "decimal1"/"decimal2"/"decimal3" fix the decimals shown, "count" a whole number.
The header block above the table (filters, data version) is written cell by cell through the
same writer and guard, so a filter value with `;` or `=` cannot break or run anything.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from impactmonitor.formatting import date_text, yes_no

# A spreadsheet starts a formula at these signs (also the full-width forms some IMEs type).
FORMULA_SIGNS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
CONTROL_PREFIXES = ("\t", "\r", "\n")
# Number formats for XLSX cells (Excel shows them in the reader's locale: 1.234,5 in Dutch).
FORMATS = {
    "count": "#,##0",
    "decimal1": "#,##0.0",
    "decimal2": "#,##0.00",
    "decimal3": "#,##0.000",
    "share": "0.0%",
}
DATE_FORMATS = {"nl": ("dd-mm-yyyy", "dd-mm-yyyy hh:mm"), "en": ("d mmm yyyy", "d mmm yyyy hh:mm")}
CSV_DIALECTS = {"nl": (";", ","), "en": (",", ".")}  # (separator, decimal sign)


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
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe.

    Leading whitespace does not hide a formula (Excel and LibreOffice skip it), so the test is on
    the text without it; anything that is not text (numbers, dates) is returned unchanged.
    """
    if isinstance(value, str) and (
        value.startswith(CONTROL_PREFIXES) or value.lstrip().startswith(FORMULA_SIGNS)
    ):
        return "'" + value
    return value


def _plain(value: object) -> object:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _number_text(value: float | int, decimal_sign: str) -> str:
    """A number as CSV text: every digit kept, never an exponent, the language's decimal sign."""
    if isinstance(value, int):
        return str(value)
    if value != value:
        return ""
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", decimal_sign)


def csv_cell(value: object, lang: str = "nl") -> str:
    """One CSV cell: numbers in the language's notation, dates in words, text guarded."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value, lang)
    if isinstance(value, int | float):
        return _number_text(value, CSV_DIALECTS[lang][1])
    if isinstance(value, date):
        return date_text(value, lang)
    return str(neutralise(str(value)))


def csv_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    preamble: Sequence[str] = (),
    lang: str = "nl",
) -> bytes:
    """CSV for Excel in the UI language: UTF-8 with BOM; Dutch `;` and decimal comma, English `,`
    and decimal point; formulas neutralised in text cells only.

    `preamble` lines (filters, data version) come first, one quoted cell each, then an empty
    line and the table, as in the XLSX export.
    """
    buffer = io.StringIO(newline="")
    separator = CSV_DIALECTS[lang][0]
    quoted = csv.writer(buffer, delimiter=separator, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    for line in preamble:
        quoted.writerow([neutralise(str(line))])
    if preamble:
        buffer.write("\r\n")
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow([neutralise(str(cell)) for cell in header])
    for row in rows:
        writer.writerow([csv_cell(cell, lang) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def dutch_csv(
    header: Sequence[str], rows: Iterable[Sequence[object]], preamble: Sequence[str] = ()
) -> bytes:
    """`csv_bytes` in the Dutch notation (error files, which open in Dutch Excel)."""
    return csv_bytes(header, rows, preamble, "nl")


def frame_rows(frame) -> tuple[list[str], list[list[object]]]:
    """Header and rows of a polars DataFrame, for the writers above and below."""
    return list(frame.columns), [list(row) for row in frame.iter_rows()]


Sheet = (
    tuple[Sequence[str], Iterable[Sequence[object]]]
    | tuple[Sequence[str], Iterable[Sequence[object]], Sequence[Sequence[str | None]]]
)


def xlsx_bytes(sheets: dict[str, Sheet], preamble: Sequence[str] = (), lang: str = "nl") -> bytes:
    """An XLSX workbook: a header block (filters, data version) above each sheet's table.

    A sheet is (header, rows) or (header, rows, formats) with one format name (`FORMATS`) or
    None per cell. Numbers are numeric cells, dates date cells; text cells are written as text
    (never as formulas) and neutralised as in CSV exports.
    """
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    bold = workbook.add_format(
        {"bold": True, "bg_color": "#E6E6E6", "text_wrap": True, "valign": "top"}
    )
    note = workbook.add_format({"italic": True, "font_color": "#555555"})
    number_formats: dict[str | None, Any] = {  # (None: a cell without a number format)
        name: workbook.add_format({"num_format": code}) for name, code in FORMATS.items()
    }
    day_format, time_format = (
        workbook.add_format({"num_format": code}) for code in DATE_FORMATS[lang]
    )
    for sheet_name, sheet_spec in sheets.items():
        header, rows = sheet_spec[0], sheet_spec[1]
        formats = sheet_spec[2] if len(sheet_spec) > 2 else None
        sheet = workbook.add_worksheet(sheet_name[:31])
        row_index = 0
        for line in preamble:
            sheet.write_string(row_index, 0, str(neutralise(str(line))), note)
            row_index += 1
        if preamble:
            row_index += 1
        header_row = row_index
        for column, name in enumerate(header):
            sheet.write_string(row_index, column, str(neutralise(str(name))), bold)
        widths = [max(10, min(40, len(str(name)) + 2)) for name in header]
        for position, row in enumerate(rows):
            row_index += 1
            cell_formats = formats[position] if formats is not None else ()
            for column, raw in enumerate(row):
                value = _plain(raw)
                if value is None or (isinstance(value, float) and value != value):
                    continue
                format_name = cell_formats[column] if column < len(cell_formats) else None
                if isinstance(value, bool) or not isinstance(value, int | float | date):
                    text = str(neutralise(str(value)))
                    sheet.write_string(row_index, column, text)
                    widths[column] = max(widths[column], min(60, len(text) + 2))
                elif isinstance(value, datetime):
                    sheet.write_datetime(row_index, column, value, time_format)
                    widths[column] = max(widths[column], 17)
                elif isinstance(value, date):
                    sheet.write_datetime(
                        row_index, column, datetime(value.year, value.month, value.day), day_format
                    )
                    widths[column] = max(widths[column], 12)
                else:
                    sheet.write_number(row_index, column, value, number_formats.get(format_name))
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        if header:
            sheet.freeze_panes(header_row + 1, 0)
            sheet.autofilter(header_row, 0, max(row_index, header_row), len(header) - 1)
    workbook.close()
    return buffer.getvalue()
