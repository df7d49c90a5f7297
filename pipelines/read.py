"""Read: bytes -> tables of text cells, with the spreadsheet row number of every row.

Decides the format by content (not by file name), decodes text (UTF-8 with or without BOM, else
Windows-1252), detects the separator, and keeps every cell as text: parsing is the next stage.
Row numbers are the ones the user sees in Excel: the header is row 1 in a file that starts with
its header; a workbook sheet with empty rows above the header keeps Excel's own numbering.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import AnyStr, Literal

import polars as pl

from pipelines.findings import Finding, error, warning
from pipelines.limits import MB, Limits
from pipelines.workbook import SheetShape, workbook_shape
from schemas.tables import TABLES, table_for_sheet

SourceStyle = Literal["csv_semicolon", "csv_comma", "xlsx"]
ROW = "_row"  # column holding the spreadsheet row number (header = 1)

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Control characters no spreadsheet writes into a CSV (tab, CR and LF excepted).
_CONTROL_BYTES = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20)) + b"\x7f"
_BINARY_BYTES = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20))
_UTF8_BOM = "\ufeff".encode()
_BLANK = re.compile(rb"[ \t\r\n]*")  # fullmatch stops at the first other byte: no copy
_SEP_DIRECTIVE = re.compile(r"^sep=(.)\s*$", re.IGNORECASE)  # Excel's `sep=;` first line

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
    header: list[str]  # header cells as written, one per column of `cells` (ROW excluded)
    cells: pl.DataFrame  # one String column per normalised header name, plus ROW
    style: SourceStyle
    header_row: int = 1  # spreadsheet row of the header (after `sep=` or empty rows: later)


def column_letter(index: int) -> str:
    """Excel's name of the column at 0-based `index`: A, B, ..., Z, AA, ..."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def unnamed_column(index: int) -> str:
    """The name given to a column that has values but no header: `(H)`."""
    return f"({column_letter(index)})"


def normalise_header(cell: str | None) -> str:
    return (cell or "").replace("\ufeff", "").replace("\u00a0", " ").strip().lower()


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def read_upload(
    file_name: str, content: bytes, limits: Limits | None = None, table: str | None = None
) -> tuple[list[RawTable], list[Finding]]:
    """All tables in one uploaded file, or the findings that say why it cannot be read.

    `limits` (default: one delivery's, `Limits.for_delivery`) bound the file's size and shape;
    they are checked before the body is read. A file whose header names its table but whose
    body cannot be read gets findings that name that table. `table`: the one table the file must
    hold, a CSV file (the register); by default the delivery table(s) the file holds are
    recognised by header or sheet name.
    """
    limits = limits or Limits.for_delivery()
    if limits.max_bytes is not None and len(content) > limits.max_bytes:
        return [], [
            error("file_too_large", file=file_name, fields={"limit_mb": limits.max_bytes // MB})
        ]
    # The hash of a big file is computed beside the checks below (hashlib releases the GIL).
    hashing = _HASHER.submit(sha256, content) if len(content) >= PARALLEL_HASH_BYTES else None
    digest = hashing.result if hashing else lambda: sha256(content)
    if _BLANK.fullmatch(content):
        return [], [error("file_empty", file=file_name)]
    if content.startswith(ZIP_MAGIC):
        if table is not None:
            return [], [error("file_csv_only", file=file_name, table=table)]
        return _read_xlsx(file_name, content, digest, limits)
    if content.startswith(OLE_MAGIC):
        return [], [error("file_xls_old", file=file_name)]
    if content.startswith(UTF16_BOMS) or _looks_utf16(content):
        return [], [error("file_utf16", file=file_name)]
    if _looks_binary(content):
        return [], [error("file_binary", file=file_name)]
    if _line_count(content) > limits.max_rows:  # (a cheap bound first: most files pass it)
        rows = _data_lines(content)
        if rows > limits.max_rows:
            return [], [
                error(
                    "file_too_many_rows",
                    file=file_name,
                    table=header_table(file_name, content),
                    fields={"count": rows, "limit": limits.max_rows},
                )
            ]
    nul = content.find(b"\x00")
    if nul >= 0:
        return [], [
            error(
                "file_nul_bytes",
                file=file_name,
                table=header_table(file_name, content),
                row=content.count(b"\n", 0, nul) + 1,
            )
        ]
    decoded = decode_with_encoding(content)
    if decoded is None:
        return [], [error("file_encoding", file=file_name, table=header_table(file_name, content))]
    text, encoding = decoded
    if len(content.translate(None, _CONTROL_BYTES)) != len(content):
        return [], [error("file_binary", file=file_name, table=header_table(file_name, content))]
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        return [], [error("file_xlsx_is_text", file=file_name)]
    # polars reads UTF-8 bytes: hand it the file itself rather than encode the text again.
    return _read_csv_text(
        file_name, text, digest(), content if encoding == "utf-8-sig" else None, limits, table
    )


def _line_count(content: bytes) -> int:
    newline = b"\n" if b"\n" in content else b"\r"  # (old Mac files end lines with CR only)
    return content.count(newline)


def _data_lines(content: bytes) -> int:
    """Lines after the header that hold anything but separators and spaces (only counted for a
    file with more lines than the limit: Excel writes `;;;;` for formatted empty rows)."""
    if b"\n" not in content:
        content = content.replace(b"\r", b"\n")
    lines = content.count(b"\n") + (0 if content.endswith(b"\n") else 1)
    empty = len(_EMPTY_LINE.findall(content)) - (1 if content.endswith(b"\n") else 0)
    return max(lines - empty - 1, 0)


_EMPTY_LINE = re.compile(rb"^[ \t;,\"]*\r?$", re.MULTILINE)
HEADER_PROBE_BYTES = 64 * 1024


def header_table(file_name: str, content: bytes) -> str | None:
    """The table a CSV's header names, read from its first bytes alone.

    For a file whose body cannot be read (a NUL byte, a broken quote, bytes of no encoding):
    the error still names its table, and the other tables' checks know it was delivered.
    """
    head = content[:HEADER_PROBE_BYTES].replace(b"\x00", b"")
    text = head.decode("utf-8-sig", errors="replace")
    found = _header_position(text)
    if found is None:
        return None
    _, start, directive = found
    end = text.find("\n", start)
    line = text[start : end if end >= 0 else len(text)].rstrip("\r").lstrip("\ufeff")
    separator = directive if directive in (";", ",") else detect_separator(line)
    try:
        cells = next(csv.reader([line], delimiter=separator), [])
    except csv.Error:
        cells = line.split(separator)
    return recognise_table([normalise_header(cell) for cell in cells], file_name)


PARALLEL_HASH_BYTES = 4 * 1024 * 1024
_HASHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="impactmonitor-sha256")


def decode_with_encoding(content: bytes) -> tuple[str, str] | None:
    """The text of `content` and the encoding read: UTF-8 (with or without BOM) first, then
    Windows-1252; None when neither fits."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


def decode(content: bytes) -> str | None:
    decoded = decode_with_encoding(content)
    return decoded[0] if decoded else None


def _looks_utf16(content: bytes) -> bool:
    """UTF-16 without BOM: every other byte of the first line is NUL (Excel's 'Unicode text')."""
    head = content[:400]
    return len(head) >= 8 and head[1::2].count(0) > 0.9 * len(head[1::2])


def _looks_binary(content: bytes) -> bool:
    """More than 1% control bytes in the first 8 KB: an image, PDF, archive or executable."""
    head = content[:8192]
    controls = sum(head.count(bytes([b])) for b in _BINARY_BYTES)
    return controls > max(len(head) // 100, 2)


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
    specific = {
        name: len(present & (set(spec.column_names) - {"provider_agb", "quarter"}))
        for name, spec in TABLES.items()
    }
    candidates = [name for name in candidates if specific[name] > 0]
    if len(candidates) == 1:
        return candidates[0]
    stem = re.split(r"[^a-z]+", file_name.lower())
    hinted = {FILE_NAME_HINTS[word] for word in stem if word in FILE_NAME_HINTS}
    if len(hinted) == 1:
        return hinted.pop()
    return None


def _header_position(text: str) -> tuple[int, int, str | None] | None:
    """(header line number, offset where the header line starts, `sep=` directive) or None.

    Lines before the header may be blank, separators only (empty rows as Excel writes them) or
    Excel's `sep=;` directive. Only these first lines
    are looked at in Python; the body is split by polars.
    """
    position, line_number, directive = 0, 0, None
    while position < len(text):
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        line = text[position:end].rstrip("\r").lstrip("\ufeff")
        line_number += 1
        match = _SEP_DIRECTIVE.match(line)
        if match and directive is None:
            directive = match.group(1)
        elif line.strip(' \t;,"'):  # (Excel writes an empty row above the header as ;;;;)
            return line_number, position, directive
        position = end + 1
    return None


def _read_csv_text(
    file_name: str,
    text: str,
    digest: str,
    utf8: bytes | None = None,
    limits: Limits | None = None,
    expected_table: str | None = None,
) -> tuple[list[RawTable], list[Finding]]:
    """`utf8`: the file's bytes when `text` is their UTF-8 decoding (with or without BOM);
    `expected_table`: the table the file holds (else recognised by its header)."""
    limits = limits or Limits.for_delivery()
    if "\n" not in text and "\r" in text:  # old Mac line ends (Excel 'CSV (Macintosh)')
        text, utf8 = text.replace("\r", "\n"), None
    found = _header_position(text)
    if found is None:
        return [], [error("file_empty", file=file_name)]
    header_row, header_start, directive = found
    header_end = text.find("\n", header_start)
    header_end = len(text) if header_end < 0 else header_end
    header_line = text[header_start:header_end].rstrip("\r").lstrip("\ufeff")
    separator = directive if directive in (";", ",") else detect_separator(header_line)
    if directive is None and "\t" in header_line and not {";", ","} & set(header_line):
        return [], [error("file_tab_separated", file=file_name, row=header_row)]
    style: SourceStyle = "csv_semicolon" if separator == ";" else "csv_comma"
    # An absurd width is refused on the header line alone, before the body is split.
    width = header_line.count(separator) + 1
    if width > limits.max_columns:
        return [], [
            error(
                "file_too_many_columns",
                file=file_name,
                row=header_row,
                table=recognise_table(
                    [normalise_header(cell) for cell in header_line.split(separator)], file_name
                ),
                fields={"count": width, "limit": limits.max_columns},
            )
        ]
    numbered_rows: list[tuple[int, list[str]]] | None = None
    if '"' in text:
        parsed = csv_rows(file_name, text[header_start:], separator, header_row - 1)
        if isinstance(parsed, Finding):
            if parsed.row != header_row:  # the header itself is fine: name its table
                parsed.table = header_table(file_name, text[:HEADER_PROBE_BYTES].encode())
            return [], [parsed]
        header, numbered_rows = parsed
    else:
        header = header_line.split(separator)
    columns = [normalise_header(cell) for cell in header]
    table = expected_table or recognise_table(columns, file_name)
    if table is None:
        return [], [error("file_unknown_table", file=file_name, row=header_row)]

    findings: list[Finding] = []
    width = len(columns)
    if numbered_rows is None:
        cells = _cells_fast(text, header_end + 1, separator, width, header_row + 1, utf8)
    else:
        cells = _cells_from_rows(numbered_rows, width)
    regular = cells.select((pl.col("_fields") == width).all()).item()
    ragged = cells.clear() if regular else cells.filter(pl.col("_fields") != width)
    for row, field_count in ragged.select(ROW, "_fields").iter_rows():
        findings.append(
            error(
                "row_ragged",
                file=file_name,
                table=table,
                row=row,
                fields={"found": field_count, "expected": width, "separator": separator},
            )
        )
    if not regular:  # (a filter copies every cell: only when there is something to drop)
        cells = cells.filter(pl.col("_fields") == width)
    cells = _drop_empty_rows(cells.drop("_fields"))
    if cells.height == 0 and not ragged.height:
        return [], [error("file_header_only", file=file_name, table=table, row=header_row)]
    kept_header, cells = _name_columns(cells, columns, header)
    return [RawTable(file_name, digest, table, kept_header, cells, style, header_row)], findings


def _cells_fast(
    text: str, start: int, separator: str, width: int, first_row: int, utf8: bytes | None = None
) -> pl.DataFrame:
    """Split the quote-free lines from offset `start` on into cells, vectorised (the bulk path
    reads 1M rows this way). Blank lines (also trailing ones) are dropped; the others keep their
    line number. `utf8`: the file's bytes, when `text` is their UTF-8 decoding.
    """
    regular = _cells_regular(text, start, separator, width, utf8)
    if regular is not None:
        return regular.select(
            (pl.int_range(pl.len(), dtype=pl.Int64) + first_row).alias(ROW),
            pl.lit(width, dtype=pl.UInt32).alias("_fields"),
            # (null counts are known without a scan: fill only the columns that have any)
            *(
                pl.col(name).fill_null("") if regular[name].null_count() else pl.col(name)
                for name in regular.columns
            ),
        )
    lines = pl.Series("line", [text[start:]], dtype=pl.String).str.split("\n").explode()
    frame = pl.DataFrame({"line": lines.str.strip_suffix("\r")}).with_row_index(
        ROW, offset=first_row
    )
    frame = frame.with_columns(pl.col(ROW).cast(pl.Int64)).filter(
        pl.col("line").str.strip_chars() != ""
    )
    frame = frame.with_columns(
        (pl.col("line").str.count_matches(separator, literal=True) + 1).alias("_fields")
    )
    # One split, unnested: a `struct.field` per column would split every line once per column.
    split = (
        pl.col("line")
        .str.split_exact(separator, max(width - 1, 0))
        .struct.rename_fields([f"c{i}" for i in range(width)])
    )
    return frame.select(ROW, "_fields", split.alias("_cells")).unnest("_cells")


FAST_READ_MIN_LINES = 20_000  # below this the line splitting below is as fast


def _cells_regular(
    text: str, start: int, separator: str, width: int, utf8: bytes | None
) -> pl.DataFrame | None:
    """The cells `c0`… of a big body (from offset `start`) where every line has exactly
    `width` fields (no blank line, no `\\r`), read by polars' CSV reader; None for any other body.

    The separator count proves the shape: polars refuses a line with too many fields, so
    `lines × (width − 1)` separators leave exactly `width − 1` on every line. The reader gives an
    empty field as null; without short lines that can only be an empty cell (made "" by the
    caller).
    """
    source: bytes
    lines: int | None
    if utf8 is not None:
        # The same body in the file's own bytes (a BOM, if any, sits before the header).
        bom_length = len(_UTF8_BOM) if utf8.startswith(_UTF8_BOM) else 0
        offset = bom_length + len(text[:start].encode("utf-8"))
        lines = _even_lines(utf8, offset, width, b"\n", separator.encode(), b"\r", _UTF8_BOM)
        if lines is None:
            return None
        source, skip = utf8, text.count("\n", 0, start)
    else:
        lines = _even_lines(text, start, width, "\n", separator, "\r", "\ufeff")
        if lines is None:
            return None  # before encoding: the fallback path needs no bytes
        source, skip = text[start:].encode("utf-8"), 0
    names = [f"c{i}" for i in range(width)]
    try:
        cells = pl.read_csv(
            source,
            has_header=False,
            separator=separator,
            quote_char=None,
            infer_schema=False,
            new_columns=names,
            skip_lines=skip,
            truncate_ragged_lines=False,
        )
    except pl.exceptions.PolarsError:
        return None
    if cells.height != lines or cells.width != width:
        return None
    return cells


def _even_lines(
    body: AnyStr, offset: int, width: int, newline: AnyStr, sep: AnyStr, cr: AnyStr, bom: AnyStr
) -> int | None:
    """The number of lines of `body` from `offset` when the separator count proves that each
    has `width` fields (and the body is big enough, without `\\r` or BOM); else None."""
    size = len(body) - offset
    lines = body.count(newline, offset) + (0 if body.endswith(newline) else 1)
    if (
        lines < FAST_READ_MIN_LINES
        or width < 2
        or body.find(cr, offset) >= 0
        or body.startswith(bom, offset)
        or size <= 0
        or body.count(sep, offset) != lines * (width - 1)
    ):
        return None
    return lines


def csv_rows(
    file_name: str, text: str, separator: str, skip: int
) -> tuple[list[str], list[tuple[int, list[str]]]] | Finding:
    """Header and numbered non-empty rows by the csv module, which knows quoting and reports
    broken quotes. Quoted delivery files come here, and the provider register.

    `text` starts at the header line, which is line `skip + 1` of the file.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    previous_line = 0
    try:
        for record in reader:
            first_line = previous_line + 1
            previous_line = reader.line_num
            if header is None:
                if reader.line_num != first_line:
                    return error("csv_broken_quotes", file=file_name, row=skip + first_line)
                header = record
                continue
            if not record or all(not cell.strip() for cell in record):
                continue
            if reader.line_num != first_line or any("\n" in cell for cell in record):
                # A value spanning lines is almost always an unclosed quote in these files.
                return error("csv_broken_quotes", file=file_name, row=skip + first_line)
            rows.append((skip + first_line, record))
    except csv.Error:
        return error("csv_broken_quotes", file=file_name, row=skip + previous_line + 1)
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

    def empty(column: str) -> pl.Expr:
        return pl.col(column).fill_null("").str.strip_chars(" \t\u00a0") == ""

    # An empty row has an empty first cell; most files have none, so look at that column first.
    if not cells.select(empty(value_columns[0]).any()).item():
        return cells
    return cells.filter(~pl.all_horizontal(empty(c) for c in value_columns))


def _name_columns(
    cells: pl.DataFrame, columns: list[str], header: list[str]
) -> tuple[list[str], pl.DataFrame]:
    """Give the cell columns their header names; unnamed empty columns are dropped.

    Returns the header cells as written for the columns that are kept, and the renamed cells.
    """
    renames: dict[str, str] = {}
    taken: set[str] = set()
    kept_header: list[str] = []
    drop: list[str] = []
    for i, name in enumerate(columns):
        if not name and cells[f"c{i}"].fill_null("").str.strip_chars().eq("").all():
            drop.append(f"c{i}")
            continue
        target = name or unnamed_column(i)  # a nameless column with values: reported
        while target in taken:
            target += "'"  # duplicates keep a distinct name; parse reports them
        renames[f"c{i}"] = target
        taken.add(target)
        kept_header.append((header[i] if i < len(header) else "") or "")
    return kept_header, cells.drop(drop).rename(renames)


# ---- XLSX ---------------------------------------------------------------------------------------


def _zip_kind(content: bytes) -> str:
    """'xlsx', 'ods', 'zip' (an archive that is no workbook) or 'broken'."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "broken"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if "content.xml" in names and "mimetype" in names:
        return "ods"
    return "zip"


def _shape_findings(file_name: str, sheets: list[SheetShape], limits: Limits) -> list[Finding]:
    """Errors that forbid opening the workbook: too many sheets, a table sheet too big."""
    if len(sheets) > limits.max_sheets:
        return [
            error(
                "file_too_many_sheets",
                file=file_name,
                fields={"count": len(sheets), "limit": limits.max_sheets},
            )
        ]
    findings = []
    for sheet in sheets:
        table = table_for_sheet(sheet.name)
        if table is None:
            continue
        if sheet.rows - 1 > limits.max_rows:  # (the span counts the header row)
            findings.append(
                error(
                    "file_too_many_rows",
                    file=file_name,
                    table=table,
                    fields={"count": sheet.rows - 1, "limit": limits.max_rows},
                )
            )
        if sheet.columns > limits.max_columns:
            findings.append(
                error(
                    "file_too_many_columns",
                    file=file_name,
                    table=table,
                    fields={"count": sheet.columns, "limit": limits.max_columns},
                )
            )
    return findings


def _read_xlsx(
    file_name: str, content: bytes, digest: Callable[[], str], limits: Limits
) -> tuple[list[RawTable], list[Finding]]:
    import fastexcel

    kind = _zip_kind(content)
    if kind == "ods":
        return [], [error("file_ods", file=file_name)]
    if kind == "zip":
        return [], [error("file_zip_not_xlsx", file=file_name)]
    # Sizes first, from the zip itself: the reader below holds whole sheets in memory.
    shapes, problem = workbook_shape(
        content, limits.max_unpacked_bytes, lambda name: table_for_sheet(name) is not None
    )
    if problem == "unpacked_too_large":
        return [], [
            error(
                "file_unpacked_too_large",
                file=file_name,
                fields={"limit_mb": limits.max_unpacked_bytes // MB},
            )
        ]
    if problem == "broken":
        return [], [error("file_xlsx_broken", file=file_name)]
    too_big = _shape_findings(file_name, shapes, limits)
    if too_big:
        return [], too_big
    try:
        workbook = fastexcel.read_excel(content)
        sheet_names = list(workbook.sheet_names)
    except Exception:  # a damaged workbook: calamine raises its own error types
        return [], [error("file_xlsx_broken", file=file_name)]
    hidden = {shape.name for shape in shapes if shape.hidden}
    tables: list[RawTable] = []
    findings: list[Finding] = []
    seen: set[str] = set()
    for sheet_name in sheet_names:
        table = table_for_sheet(sheet_name)
        if table is None:
            findings.append(warning("warn_extra_sheet", file=file_name, value=sheet_name))
            continue
        if table in seen:
            findings.append(
                error(
                    "file_duplicate_table",
                    file=file_name,
                    table=table,
                    fields={"other_file": file_name},
                )
            )
            continue
        seen.add(table)
        if sheet_name in hidden:
            # The provider cannot see what it would deliver: never read it silently.
            findings.append(error("sheet_hidden", file=file_name, table=table, value=sheet_name))
            continue
        try:
            grid = _sheet_grid(workbook, sheet_name)
        except Exception:
            findings.append(error("file_xlsx_broken", file=file_name, table=table))
            continue
        raw = _table_from_grid(file_name, digest(), table, grid)
        if isinstance(raw, Finding):
            findings.append(raw)
        else:
            tables.append(raw)
    if not seen:
        findings.append(
            error(
                "sheet_none_recognised", file=file_name, fields={"sheets": ", ".join(sheet_names)}
            )
        )
    else:
        for name, spec in TABLES.items():
            if name not in seen:
                # A table may be delivered on its own: a missing sheet is worth saying, not fatal.
                findings.append(
                    warning(
                        "sheet_missing",
                        file=file_name,
                        table=name,
                        fields={"sheet": name, "dutch_name": spec.dutch_name},
                    )
                )
    return tables, findings


_NUMBER_TEXT = r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$"


def _sheet_grid(workbook, sheet_name: str) -> pl.DataFrame:
    """The sheet as text cells, numbers written exactly.

    Read as text, the reader writes a number cell with about ten significant digits (2.9999999999
    becomes "3"). So the sheet is also read as numbers, and a number cell whose text reads as
    another number than the cell holds gets the number's exact text (shortest round trip). Text
    cells (an AGB code "01234567") and dates keep their text: their text is no rounded number.
    """
    # skip_rows=0 keeps leading empty rows, so row numbers are Excel's own.
    text = workbook.load_sheet(
        sheet_name, header_row=None, dtypes="string", skip_rows=0
    ).to_polars()
    numbers = workbook.load_sheet(
        sheet_name, header_row=None, dtypes="float", skip_rows=0
    ).to_polars()
    if numbers.shape != text.shape:
        return text
    numbers.columns = text.columns
    return text.select(
        pl.when(
            pl.col(name).str.contains(_NUMBER_TEXT)
            & numbers[name].is_not_null()
            & (pl.col(name).cast(pl.Float64, strict=False) != numbers[name])
        )
        .then(numbers[name].cast(pl.String))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text.columns
    )


def _table_from_grid(
    file_name: str, digest: str, table: str, grid: pl.DataFrame
) -> RawTable | Finding:
    if grid.height == 0 or grid.width == 0:
        return error("file_empty", file=file_name, table=table)
    grid = grid.select(pl.all().cast(pl.String))
    width = grid.width
    grid.columns = [f"c{i}" for i in range(width)]
    grid = grid.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    non_empty = _drop_empty_rows(grid)
    if non_empty.height == 0:
        return error("file_empty", file=file_name, table=table)
    header_row = non_empty[ROW][0]
    header = ["" if cell is None else cell for cell in non_empty.row(0)[1:]]
    columns = [normalise_header(cell) for cell in header]
    body = non_empty.slice(1)
    if body.height == 0:
        return error("file_header_only", file=file_name, table=table, row=header_row)
    kept_header, cells = _name_columns(body, columns, header)
    return RawTable(file_name, digest, table, kept_header, cells, "xlsx", header_row)
