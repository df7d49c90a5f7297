"""Read: bytes -> tables of text cells, with the spreadsheet row number of every row.

Decides the format by content (not by file name), decodes text (UTF-8 with or without BOM, else
Windows-1252), detects the separator, and keeps every cell as text: parsing is the next stage.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from typing import Literal

import polars as pl

from pipelines.findings import Finding, error, warning
from schemas.tables import TABLES, table_for_sheet

SourceStyle = Literal["csv_semicolon", "csv_comma", "xlsx"]
ROW = "_row"  # column holding the spreadsheet row number (header = 1)

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

FILE_NAME_HINTS = {
    "population": "population",
    "populatie": "population",
    "offer": "offer",
    "aanbod": "offer",
    "results": "results",
    "resultaten": "results",
}


@dataclass
class RawTable:
    """One table of text cells as it came out of a file."""

    file_name: str
    file_sha256: str
    table: str
    header: list[str]  # header cells as written
    cells: pl.DataFrame  # one String column per normalised header name, plus ROW
    style: SourceStyle


def normalise_header(cell: str | None) -> str:
    return (cell or "").replace("\ufeff", "").replace("\u00a0", " ").strip().lower()


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def read_upload(file_name: str, content: bytes) -> tuple[list[RawTable], list[Finding]]:
    """All tables in one uploaded file, or the findings that say why it cannot be read."""
    digest = sha256(content)
    if not content.strip(b" \t\r\n\x00"):
        return [], [error("file_empty", file=file_name)]
    if content.startswith(ZIP_MAGIC):
        return _read_xlsx(file_name, content, digest)
    if content.startswith(OLE_MAGIC):
        return [], [error("file_xls_old", file=file_name)]
    if b"\x00" in content:
        return [], [error("file_nul_bytes", file=file_name)]
    text = decode(content)
    if text is None:
        return [], [error("file_encoding", file=file_name)]
    if _CONTROL_CHARS.search(text):
        return [], [error("file_binary", file=file_name)]
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        return [], [error("file_xlsx_is_text", file=file_name)]
    return _read_csv_text(file_name, text, digest)


def decode(content: bytes) -> str | None:
    """UTF-8 (with or without BOM) first, then Windows-1252; None when neither fits."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


# ---- CSV ----------------------------------------------------------------------------------------


def detect_separator(header_line: str) -> str:
    """`;` or `,`: the one that splits the header into more fields (Dutch Excel writes `;`)."""
    return ";" if header_line.count(";") >= header_line.count(",") and ";" in header_line else ","


def recognise_table(columns: list[str], file_name: str) -> str | None:
    """Which table a CSV holds: by its header, with the file name as tie-breaker."""
    present = set(columns)
    scores = {
        name: len(present & set(spec.column_names)) - len(present - set(spec.column_names)) * 0.5
        for name, spec in TABLES.items()
    }
    best = max(scores.values())
    candidates = [name for name, score in scores.items() if score == best]
    # A header that shares only the identity columns (provider_agb, quarter) says nothing.
    specific = {name: len(present & (set(spec.column_names) - {"provider_agb", "quarter"}))
                for name, spec in TABLES.items()}
    candidates = [name for name in candidates if specific[name] > 0]
    if len(candidates) == 1:
        return candidates[0]
    stem = re.split(r"[^a-z]+", file_name.lower())
    hinted = {FILE_NAME_HINTS[word] for word in stem if word in FILE_NAME_HINTS}
    if len(hinted) == 1:
        return hinted.pop()
    return None


def _split_lines(text: str) -> list[str]:
    lines = text.split("\n")
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    while lines and not lines[-1].strip():
        lines.pop()  # empty trailing lines are ignored
    return lines


def _read_csv_text(
    file_name: str, text: str, digest: str
) -> tuple[list[RawTable], list[Finding]]:
    lines = _split_lines(text)
    if not lines:
        return [], [error("file_empty", file=file_name)]
    separator = detect_separator(lines[0])
    style: SourceStyle = "csv_semicolon" if separator == ";" else "csv_comma"
    if '"' in text:
        parsed = _rows_with_csv_module(file_name, text, separator)
        if isinstance(parsed, Finding):
            return [], [parsed]
        header, numbered_rows = parsed
    else:
        header = lines[0].split(separator)
        numbered_rows = None
    columns = [normalise_header(cell) for cell in header]
    table = recognise_table(columns, file_name)
    if table is None:
        return [], [error("file_unknown_table", file=file_name, row=1)]

    findings: list[Finding] = []
    width = len(columns)
    if numbered_rows is None:
        cells = _cells_fast(lines[1:], separator, width)
    else:
        cells = _cells_from_rows(numbered_rows, width)
    ragged = cells.filter(pl.col("_fields") != width)
    for row, found in ragged.select(ROW, "_fields").iter_rows():
        findings.append(
            error("row_ragged", file=file_name, table=table, row=row,
                  fields={"found": found, "expected": width})
        )
    cells = _drop_empty_rows(cells.filter(pl.col("_fields") == width).drop("_fields"))
    if cells.height == 0 and not ragged.height:
        return [], [error("file_header_only", file=file_name, table=table)]
    cells = _name_columns(cells, columns)
    return [RawTable(file_name, digest, table, header, cells, style)], findings


def _cells_fast(lines: list[str], separator: str, width: int) -> pl.DataFrame:
    """Split quote-free lines into cells, vectorised (the bulk path reads 1M rows this way)."""
    frame = pl.DataFrame({"line": pl.Series(lines, dtype=pl.String)}).with_row_index(ROW, offset=2)
    frame = frame.with_columns(pl.col(ROW).cast(pl.Int64)).filter(
        pl.col("line").str.strip_chars() != ""
    )
    frame = frame.with_columns(
        (pl.col("line").str.count_matches(separator, literal=True) + 1).alias("_fields")
    )
    split = pl.col("line").str.split_exact(separator, max(width - 1, 0))
    fields = [split.struct.field(f"field_{i}").alias(f"c{i}") for i in range(width)]
    return frame.select(ROW, "_fields", *fields)


def _rows_with_csv_module(
    file_name: str, text: str, separator: str
) -> tuple[list[str], list[tuple[int, list[str]]]] | Finding:
    """Quoted files go through the csv module, which knows quoting and reports broken quotes."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    previous_line = 0
    try:
        for record in reader:
            first_line = previous_line + 1
            previous_line = reader.line_num
            if header is None:
                header = record
                continue
            if not record or all(not cell.strip() for cell in record):
                continue
            if reader.line_num != first_line or any("\n" in cell for cell in record):
                # A value spanning lines is almost always an unclosed quote in these files.
                return error("csv_broken_quotes", file=file_name, row=first_line)
            rows.append((first_line, record))
    except csv.Error:
        return error("csv_broken_quotes", file=file_name, row=previous_line + 1)
    return header or [], rows


def _cells_from_rows(rows: list[tuple[int, list[str]]], width: int) -> pl.DataFrame:
    data: dict[str, list] = {ROW: [r for r, _ in rows], "_fields": [len(c) for _, c in rows]}
    for i in range(width):
        data[f"c{i}"] = [cells[i] if i < len(cells) else None for _, cells in rows]
    schema = {ROW: pl.Int64, "_fields": pl.Int64} | {f"c{i}": pl.String for i in range(width)}
    return pl.DataFrame(data, schema=schema)


def _drop_empty_rows(cells: pl.DataFrame) -> pl.DataFrame:
    """Rows whose cells are all empty (`;;;;` as Excel writes them, blank lines) are ignored."""
    value_columns = [c for c in cells.columns if c != ROW]
    if not value_columns:
        return cells
    return cells.filter(~pl.all_horizontal(
        pl.col(c).fill_null("").str.strip_chars(" \t\u00a0") == "" for c in value_columns
    ))


def _name_columns(cells: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Give the cell columns their header names; unnamed empty trailing columns are dropped."""
    renames: dict[str, str] = {}
    drop: list[str] = []
    for i, name in enumerate(columns):
        if not name and cells[f"c{i}"].fill_null("").str.strip_chars().eq("").all():
            drop.append(f"c{i}")
            continue
        target = name or f"(kolom {i + 1})"
        while target in renames.values():
            target += "'"  # duplicates keep a distinct name; validate reports them
        renames[f"c{i}"] = target
    return cells.drop(drop).rename(renames)


# ---- XLSX ---------------------------------------------------------------------------------------


def _read_xlsx(file_name: str, content: bytes, digest: str) -> tuple[list[RawTable], list[Finding]]:
    import fastexcel

    try:
        workbook = fastexcel.read_excel(content)
    except Exception as exc:  # a zip that is not a workbook, or a damaged one
        return [], [error("file_xlsx_broken", file=file_name, fields={"detail": type(exc).__name__})]
    tables: list[RawTable] = []
    findings: list[Finding] = []
    seen: set[str] = set()
    for sheet_name in workbook.sheet_names:
        table = table_for_sheet(sheet_name)
        if table is None:
            findings.append(warning("warn_extra_sheet", file=file_name, value=sheet_name))
            continue
        if table in seen:
            findings.append(error("file_duplicate_table", file=file_name, table=table,
                                  fields={"other_file": file_name}))
            continue
        seen.add(table)
        try:
            sheet = workbook.load_sheet(sheet_name, header_row=None, dtypes="string")
            grid = sheet.to_polars()
        except Exception as exc:
            findings.append(error("file_xlsx_broken", file=file_name, table=table,
                                  fields={"detail": type(exc).__name__}))
            continue
        raw = _table_from_grid(file_name, digest, table, grid)
        if isinstance(raw, Finding):
            findings.append(raw)
        else:
            tables.append(raw)
    if not seen:
        findings.append(error("sheet_none_recognised", file=file_name))
    else:
        for name, spec in TABLES.items():
            if name not in seen:
                # A table may be delivered on its own: a missing sheet is worth saying, not fatal.
                findings.append(warning("sheet_missing", file=file_name, table=name,
                                        fields={"dutch_name": spec.dutch_name}))
    return tables, findings


def _table_from_grid(file_name: str, digest: str, table: str, grid: pl.DataFrame) -> RawTable | Finding:
    if grid.height == 0:
        return error("file_empty", file=file_name, table=table)
    grid = grid.select(pl.all().cast(pl.String))
    header = [cell or "" for cell in grid.row(0)]
    columns = [normalise_header(cell) for cell in header]
    width = len(columns)
    body = grid.slice(1).with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    body.columns = [ROW] + [f"c{i}" for i in range(width)]
    body = _drop_empty_rows(body)
    if body.height == 0:
        return error("file_header_only", file=file_name, table=table)
    cells = _name_columns(body, columns)
    return RawTable(file_name, digest, table, header, cells, "xlsx")
