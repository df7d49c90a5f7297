"""Delivery files as providers' tools write them: Dutch Excel CSV, LibreOffice CSV, XLSX.

Used by the sample generator for the per-provider deliveries, the empty templates and the folder
of broken files. Every writer is deterministic (no timestamps: workbooks get a fixed creation
date, which xlsxwriter also uses for the zip entries), so regenerating gives identical bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import polars as pl
import xlsxwriter

from schemas.reference import AGE_GROUPS, CARE_FORMS
from schemas.tables import TABLES

CsvStyle = Literal["excel_nl_cp1252", "excel_nl_utf8", "libreoffice"]
FIXED_CREATED = datetime(2026, 1, 1, 9, 0, 0)
DUTCH_FILE_NAMES = {"population": "populatie", "offer": "aanbod", "results": "resultaten"}
TEXT_KINDS = ("agb", "quarter", "code")


def dutch_count(value: int) -> str:
    """1234 -> '1.234', as Dutch Excel writes a number with a thousands separator."""
    return f"{value:,}".replace(",", ".")


def dutch_decimal(value: float) -> str:
    """12.5 -> '12,5'; 3.0 -> '3' (Excel does not write a trailing ,0)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def plain_decimal(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def text_rows(frame: pl.DataFrame, table: str, style: CsvStyle) -> list[list[str]]:
    """The cells of a table as a CSV writer of `style` would write them (header first)."""
    spec = TABLES[table]
    dutch = style != "libreoffice"
    rows = [list(spec.column_names)]
    kinds = [spec.kind_of(name) for name in spec.column_names]
    for record in frame.select(spec.column_names).iter_rows():
        cells = []
        for value, kind in zip(record, kinds, strict=True):
            if value is None:
                cells.append("")
            elif kind == "count":
                cells.append(dutch_count(value) if dutch else str(value))
            elif kind == "decimal":
                cells.append(dutch_decimal(value) if dutch else plain_decimal(value))
            else:
                cells.append(str(value))
        rows.append(cells)
    return rows


def csv_from_rows(rows: Sequence[Sequence[str]], style: CsvStyle) -> bytes:
    """Join cells without quoting (the values never need it), in the style's encoding."""
    separator = "," if style == "libreoffice" else ";"
    newline = "\n" if style == "libreoffice" else "\r\n"
    text = newline.join(separator.join(row) for row in rows) + newline
    if style == "excel_nl_cp1252":
        return text.encode("cp1252")
    if style == "excel_nl_utf8":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode("utf-8")


def csv_bytes(frame: pl.DataFrame, table: str, style: CsvStyle) -> bytes:
    return csv_from_rows(text_rows(frame, table, style), style)


def bulk_csv_bytes(frame: pl.DataFrame, table: str) -> bytes:
    """A bulk file (many providers and quarters): LibreOffice style, written by polars."""
    columns = TABLES[table].column_names
    buffer = io.BytesIO()
    frame.select(columns).write_csv(buffer, line_terminator="\n")
    return buffer.getvalue()


def xlsx_bytes(
    tables: dict[str, pl.DataFrame],
    dutch_sheet_names: bool = False,
    sheet_names: dict[str, str] | None = None,
) -> bytes:
    """A workbook with one sheet per table: text columns as text, numbers as numbers."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"created": FIXED_CREATED, "author": "Impactmonitor Jeugdhulp"})
    text_format = workbook.add_format({"num_format": "@"})
    bold = workbook.add_format({"bold": True})
    for table, frame in tables.items():
        spec = TABLES[table]
        name = (sheet_names or {}).get(table) or (spec.dutch_name if dutch_sheet_names else table)
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, spec.column_names, bold)
        for index, column in enumerate(spec.column_names):
            kind = spec.kind_of(column)
            width = max(len(column) + 2, 10)
            sheet.set_column(index, index, width, text_format if kind in TEXT_KINDS else None)
        for row_index, record in enumerate(frame.select(spec.column_names).iter_rows(), start=1):
            for index, value in enumerate(record):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(row_index, index, value)
                else:
                    sheet.write_number(row_index, index, value)
        sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


# ---- templates ----------------------------------------------------------------------------------


def template_files() -> dict[str, bytes]:
    """Empty delivery templates: three CSVs (`;`, UTF-8 with BOM, CRLF) and one workbook."""
    files = {
        f"{table}.csv": csv_from_rows([list(spec.column_names)], "excel_nl_utf8")
        for table, spec in TABLES.items()
    }
    files["delivery_template.xlsx"] = _template_workbook()
    return files


def _template_workbook() -> bytes:
    """Sheets populatie/aanbod/resultaten with the header row; codes as text, pick lists."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties(
        {
            "created": FIXED_CREATED,
            "title": "Aanlevering Impactmonitor Jeugdhulp",
            "author": "Impactmonitor Jeugdhulp",
            "comments": "Eén rij per combinatie; alleen aantallen en sommen, geen percentages.",
        }
    )
    text_format = workbook.add_format({"num_format": "@"})
    count_format = workbook.add_format({"num_format": "0"})
    decimal_format = workbook.add_format({"num_format": "0.0"})
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "num_format": "@"}
    )
    lists = {"care_form": list(CARE_FORMS), "age_group": list(AGE_GROUPS)}
    for spec in TABLES.values():
        sheet = workbook.add_worksheet(spec.dutch_name)
        for index, column in enumerate(spec.column_names):
            kind = spec.kind_of(column)
            cell_format = (
                text_format
                if kind in TEXT_KINDS
                else decimal_format
                if kind == "decimal"
                else count_format
            )
            sheet.set_column(index, index, max(len(column) + 2, 12), cell_format)
            sheet.write_string(0, index, column, header)
            if column in lists:
                sheet.data_validation(
                    1,
                    index,
                    5000,
                    index,
                    {
                        "validate": "list",
                        "source": lists[column],
                        "error_title": "Onbekende code",
                        "error_message": "Kies een waarde uit de lijst: "
                        + ", ".join(lists[column]),
                    },
                )
            elif kind == "count":
                sheet.data_validation(
                    1,
                    index,
                    5000,
                    index,
                    {
                        "validate": "integer",
                        "criteria": ">=",
                        "value": 0,
                        "error_title": "Geen geheel getal",
                        "error_message": "Vul een geheel aantal in (0 of meer), geen decimalen.",
                    },
                )
        sheet.freeze_panes(1, 0)
        sheet.set_row(0, None, header)
    workbook.close()
    return buffer.getvalue()
