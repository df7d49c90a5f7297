"""A workbook's sheets and their size, read from its zip parts before the workbook is opened.

The XLSX reader (calamine, through fastexcel) unpacks a sheet completely and holds its cells as
one dense grid from the first to the last cell with a value: a 250 KB zip bomb of repeated cells,
or two cells a million rows apart, costs gigabytes. `workbook_shape` therefore streams every part
of the archive once, counting the unpacked bytes against a budget (and trusting no size the zip
declares), lists the sheets with their visibility from `xl/workbook.xml`, and for the sheets the
caller will read finds the span of rows and columns that hold a value. Only when all of that is
within the limits does `pipelines.read` open the workbook.

No XML parser runs here: the few tags needed are found with regular expressions over the bytes,
so entity tricks cannot expand anything and the work is linear in the unpacked size.
"""

from __future__ import annotations

import html
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

CHUNK = 1024 * 1024
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")
# A row start, or a cell that holds a value (<v> or an inline string; a formula may come first).
# Cells without a value (formatting only) are not part of the grid the reader builds.
_TOKEN = re.compile(
    rb"<(?:\w+:)?row\b([^>]*)>"
    rb"|<(?:\w+:)?c\b([^>]*)>(?:<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>))?"
    rb"<(?:\w+:)?(?:v|is)[\s>]"
)
_ROW_START = re.compile(rb"<(?:\w+:)?row\b")
_CELL_REF = re.compile(rb'\sr="([A-Za-z]{1,3})(\d+)"')
_ROW_REF = re.compile(rb'\sr="(\d+)"')

Problem = Literal["broken", "unpacked_too_large"]


def _attribute(tag: bytes, name: bytes) -> str | None:
    match = re.search(rb"(?:^|\s)(?:\w+:)?" + re.escape(name) + rb'="([^"]*)"', tag)
    return html.unescape(match.group(1).decode("utf-8", "replace")) if match else None


@dataclass
class SheetShape:
    """One sheet as `xl/workbook.xml` lists it, with the span of its cells that hold a value."""

    name: str
    state: str  # "visible", "hidden" or "veryHidden"
    part: str | None  # its zip member, e.g. xl/worksheets/sheet1.xml
    rows: int = 0  # rows from the first to the last row with a value (0: no values)
    columns: int = 0  # the same for columns

    @property
    def hidden(self) -> bool:
        return self.state in ("hidden", "veryHidden")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - ord("A") + 1
    return number


class _Span:
    """Tracks the first and last row and column of the valued cells of one sheet part."""

    def __init__(self) -> None:
        self.row = 0  # current row number
        self.column = 0  # column of the previous cell in this row
        self.first_row = self.last_row = 0
        self.first_column = self.last_column = 0

    def feed(self, data: bytes) -> None:
        for match in _TOKEN.finditer(data):
            row_attributes, cell_attributes = match.group(1), match.group(2)
            if row_attributes is not None:
                ref = _ROW_REF.search(b" " + row_attributes)
                self.row = int(ref.group(1)) if ref else self.row + 1
                self.column = 0
                continue
            ref = _CELL_REF.search(b" " + (cell_attributes or b""))
            if ref:
                self.column = _column_number(ref.group(1))
                self.row = int(ref.group(2)) or self.row
            else:  # a cell without a reference follows the previous one
                self.column += 1
            self.first_row = min(self.first_row or self.row, self.row)
            self.last_row = max(self.last_row, self.row)
            self.first_column = min(self.first_column or self.column, self.column)
            self.last_column = max(self.last_column, self.column)

    @property
    def rows(self) -> int:
        return self.last_row - self.first_row + 1 if self.last_row else 0

    @property
    def columns(self) -> int:
        return self.last_column - self.first_column + 1 if self.last_column else 0


def workbook_shape(
    content: bytes, budget: int, measure: Callable[[str], bool]
) -> tuple[list[SheetShape], Problem | None]:
    """The sheets of an XLSX file, and a problem that forbids opening it (or None).

    `budget`: the most bytes all parts may unpack to together. `measure(sheet_name)`: whether
    to find that sheet's span of values (the sheets that will be read).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return [], "broken"
    with archive:
        if sum(member.file_size for member in members) > budget:
            return [], "unpacked_too_large"  # declared sizes already too big: nothing unpacked
        names = {member.filename for member in members}
        try:
            workbook = _unpack(content, archive, "xl/workbook.xml", budget)
            relations = _unpack(content, archive, "xl/_rels/workbook.xml.rels", budget)
        except _TooLarge:
            return [], "unpacked_too_large"
        except (zipfile.BadZipFile, zlib.error, ValueError):
            return [], "broken"
        targets = {}
        for tag in _RELATIONSHIP.findall(relations or b""):
            identifier, target = _attribute(tag, b"Id"), _attribute(tag, b"Target")
            if identifier and target:
                targets[identifier] = (
                    target.lstrip("/") if target.startswith("/") else "xl/" + target
                )
        sheets = []
        for tag in _SHEET.findall(workbook or b""):
            part = targets.get(_attribute(tag, b"id") or "")
            sheets.append(
                SheetShape(
                    _attribute(tag, b"name") or "",
                    _attribute(tag, b"state") or "visible",
                    part if part in names else None,
                )
            )
        spans: dict[str | None, _Span] = {
            sheet.part: _Span() for sheet in sheets if sheet.part and measure(sheet.name)
        }
        unpacked = 0
        for member in members:
            span = spans.get(member.filename)
            try:
                unpacked += _stream(content, member, budget - unpacked, span)
            except _TooLarge:
                return sheets, "unpacked_too_large"
            except (zipfile.BadZipFile, zlib.error, ValueError):
                return sheets, "broken"
        for sheet in sheets:
            span = spans.get(sheet.part)
            if span is not None:
                sheet.rows, sheet.columns = span.rows, span.columns
        return sheets, None


class _TooLarge(Exception):
    pass


def _unpack(content: bytes, archive: zipfile.ZipFile, name: str, budget: int) -> bytes | None:
    """One small part (workbook.xml, its relations) unpacked, or None when it is absent."""
    try:
        member = archive.getinfo(name)
    except KeyError:
        return None
    parts: list[bytes] = []
    _stream(content, member, budget, None, parts)
    return b"".join(parts)


def _chunks(content: bytes, member: zipfile.ZipInfo, budget: int) -> Iterator[bytes]:
    """The unpacked bytes of one member, from its own compressed data, never beyond `budget`.

    Read from the local header on, not through zipfile: zipfile stops at the size the archive
    declares, while another reader would unpack a lying member in full.
    """
    offset = member.header_offset
    header = content[offset : offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("no local header")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_length + extra_length
    data = memoryview(content)[start : start + member.compress_size]
    if member.compress_type == zipfile.ZIP_STORED:
        if len(data) > budget:
            raise _TooLarge
        yield bytes(data)
        return
    if member.compress_type != zipfile.ZIP_DEFLATED:  # Excel and LibreOffice only deflate
        raise zipfile.BadZipFile("unsupported compression")
    inflate = zlib.decompressobj(-zlib.MAX_WBITS)
    total = 0
    for position in range(0, len(data), 64 * 1024):
        pending: bytes | memoryview = data[position : position + 64 * 1024]
        while pending and not inflate.eof:
            chunk = inflate.decompress(pending, CHUNK)
            pending = inflate.unconsumed_tail
            total += len(chunk)
            if total > budget:
                raise _TooLarge
            if chunk:
                yield chunk
        if inflate.eof:
            break
    chunk = inflate.flush()
    if total + len(chunk) > budget:
        raise _TooLarge
    if chunk:
        yield chunk


def _stream(
    content: bytes,
    member: zipfile.ZipInfo,
    budget: int,
    span: _Span | None,
    keep: list[bytes] | None = None,
) -> int:
    """Unpack one member (feeding a sheet's cells to `span`, or keeping the bytes in `keep`);
    returns its unpacked size."""
    total = 0
    carry = b""
    for chunk in _chunks(content, member, budget):
        total += len(chunk)
        if keep is not None:
            keep.append(chunk)
        if span is None:
            continue
        data = carry + chunk
        # Feed whole rows; the part from the last row start on waits for the next chunk.
        cut = max(
            (m.start() for m in _ROW_START.finditer(data, max(0, len(data) - CHUNK))), default=0
        )
        span.feed(data[:cut])
        carry = data[cut:]
    if span is not None:
        span.feed(carry)
    return total
