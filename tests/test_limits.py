"""Hostile and huge shapes are refused before the body is read (issue 18 item 1, issue 13 item 3).

A wide CSV, a CSV with too many rows, a workbook that unpacks to too much (a zip bomb, a lying
zip header), too many sheets, or a sheet whose cells span too many rows or columns: each gives
one clear error that names its table, and the XLSX reader is never opened on such a workbook.
Also here: hidden sheets (item 6) and number cells read exactly (item 5).
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import replace

import polars as pl
import pytest
import xlsxwriter
from delivery_files import AGB_A, QUARTER, csv_bytes, header_of, valid_cells, valid_frames

from impactmonitor.storage import Database
from pipelines.ingest import Upload, ingest
from pipelines.limits import Limits
from pipelines.read import read_upload

DELIVERY = Limits.for_delivery()


def _population_csv(extra_columns: int = 0, extra_rows: int = 0, empty_lines: int = 0) -> bytes:
    header = header_of("population") + [f"extra_{i}" for i in range(extra_columns)]
    rows = [
        [row[c] for c in header_of("population")] + ["1"] * extra_columns
        for row in valid_cells("population")
    ]
    rows += [rows[0]] * extra_rows
    content = csv_bytes(rows, header)
    return content + b";;;;;;;;\r\n" * empty_lines


def _workbook(sheets: dict[str, list[list[object]]], hidden: dict[str, str] | None = None) -> bytes:
    """A workbook as Excel writes it; `hidden`: sheet -> "hidden" / "very_hidden"."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, grid in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
        if (hidden or {}).get(name) == "hidden":
            sheet.hide()
        elif (hidden or {}).get(name) == "very_hidden":
            sheet.very_hidden()
    book.close()
    return buffer.getvalue()


def _grid(table: str) -> list[list[object]]:
    frame = valid_frames()[table]
    return [frame.columns, *[list(row) for row in frame.rows()]]


@pytest.fixture
def no_xlsx_reader(monkeypatch):
    """Fail the test when the XLSX reader is opened: limits must be checked before it."""
    import fastexcel

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was opened although it is over a limit")

    monkeypatch.setattr(fastexcel, "read_excel", refuse)


# ---- CSV ----------------------------------------------------------------------------------------


def test_a_csv_with_sixteen_thousand_columns_gets_one_error_naming_its_table() -> None:
    """Before: one error per unknown column (16,000) after a read that grew with the square of
    the width (90 s for this file with the database held)."""
    tables, findings = read_upload("populatie.csv", _population_csv(extra_columns=16_000))
    assert tables == []
    assert [(f.code, f.table, f.row) for f in findings] == [
        ("file_too_many_columns", "population", 1)
    ]
    message = findings[0].message("nl")
    assert "16.009 kolommen" in message and "hoogstens 50" in message
    assert "16,009 columns" in findings[0].message("en")


def test_a_csv_at_the_column_limit_is_read_and_its_unknown_columns_are_named_once() -> None:
    extra = DELIVERY.max_columns - len(header_of("population"))
    tables, findings = read_upload("populatie.csv", _population_csv(extra_columns=extra))
    assert tables and tables[0].cells.width == DELIVERY.max_columns + 1  # (plus the row number)
    from pipelines.parse import parse_table

    _, parse_findings = parse_table(tables[0], expected_agb=AGB_A)
    unknown = [f for f in parse_findings if f.code == "header_unknown_column"]
    assert len(unknown) == extra and len({f.column for f in unknown}) == extra
    assert len(parse_findings) == extra  # per column, never per cell


def test_a_csv_with_too_many_rows_is_refused_before_it_is_split() -> None:
    limits = replace(DELIVERY, max_rows=1000)
    tables, findings = read_upload("populatie.csv", _population_csv(extra_rows=1000), limits)
    assert tables == []
    assert [(f.code, f.table) for f in findings] == [("file_too_many_rows", "population")]
    assert "1.018 rijen" in findings[0].message("nl")
    assert "hoogstens 1.000" in findings[0].message("nl")


def test_empty_lines_excel_writes_do_not_count_as_rows() -> None:
    limits = replace(DELIVERY, max_rows=1000)
    tables, findings = read_upload("populatie.csv", _population_csv(empty_lines=5000), limits)
    assert [f for f in findings if f.is_error] == []
    assert tables[0].cells.height == 18


def test_the_default_row_limit_is_far_above_what_a_population_can_hold() -> None:
    from schemas.reference import AGE_GROUPS, CARE_FORMS, municipalities

    most = len(municipalities()) * len(CARE_FORMS) * len(AGE_GROUPS)
    assert DELIVERY.max_rows > 2 * most
    assert DELIVERY.max_columns > 2 * max(
        len(header_of(t)) for t in ("population", "offer", "results")
    )
    assert Limits.for_bulk().max_rows >= 10_000_000 and Limits.for_bulk().max_bytes is None


# ---- XLSX ---------------------------------------------------------------------------------------


def test_a_sheet_spanning_too_many_rows_is_refused_before_the_workbook_is_opened(
    no_xlsx_reader,
) -> None:
    grid = _grid("population")
    grid += [[]] * 3000 + [[AGB_A]]  # a stray value 3,000 rows further down
    content = _workbook({"population": grid, "offer": _grid("offer")})
    tables, findings = read_upload("d.xlsx", content, replace(DELIVERY, max_rows=1000))
    assert tables == []
    assert [(f.code, f.table) for f in findings] == [("file_too_many_rows", "population")]
    assert "3.019 rijen" in findings[0].message("nl")


def test_a_sheet_spanning_too_many_columns_is_refused_before_the_workbook_is_opened(
    no_xlsx_reader,
) -> None:
    grid = _grid("offer")
    grid[1] = grid[1] + [None] * 16_000 + ["x"]  # a value in column 16,007 (Excel: WQE)
    tables, findings = read_upload("d.xlsx", _workbook({"offer": grid}))
    assert [(f.code, f.table) for f in findings] == [("file_too_many_columns", "offer")]


def test_a_zip_bomb_is_refused_on_its_unpacked_size(no_xlsx_reader) -> None:
    """A sheet of repeated cells that unpacks to many times its size (as in the red-team pass,
    where 252 KB took the server from 377 to 790 MB)."""
    rows = [[AGB_A, QUARTER, "GM0599", "ambulant", "6_11", 1, 1, 1, 1]] * 30_000
    content = _workbook({"population": [header_of("population"), *rows]})
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sum(m.file_size for m in archive.infolist()) > 5 * len(content)
    limits = replace(DELIVERY, max_unpacked_bytes=1024 * 1024)
    tables, findings = read_upload("bomb.xlsx", content, limits)
    assert [f.code for f in findings] == ["file_unpacked_too_large"]
    assert "1 MB" in findings[0].message("nl")


def _lying(content: bytes, member: str, declared: int) -> bytes:
    """The archive with `member`'s declared unpacked size set to `declared` (local header and
    central directory): a zip header that lies about how much it unpacks to."""
    data = bytearray(content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        info = archive.getinfo(member)
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    central = data.find(b"PK\x01\x02" + data[info.header_offset + 4 : info.header_offset + 6])
    while central >= 0:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46 : central + 46 + name_length]) == member.encode():
            struct.pack_into("<I", data, central + 24, declared)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def test_a_zip_header_that_lies_about_the_unpacked_size_is_not_believed(no_xlsx_reader) -> None:
    rows = [[AGB_A, QUARTER, "GM0599", "ambulant", "6_11", 1, 1, 1, 1]] * 30_000
    content = _lying(
        _workbook({"population": [header_of("population"), *rows]}),
        "xl/worksheets/sheet1.xml",
        1000,
    )
    limits = replace(DELIVERY, max_unpacked_bytes=1024 * 1024)
    tables, findings = read_upload("bomb.xlsx", content, limits)
    assert [f.code for f in findings] == ["file_unpacked_too_large"]


def test_a_workbook_with_too_many_sheets_is_refused(no_xlsx_reader) -> None:
    sheets = {"population": _grid("population")} | {f"Blad{i}": [["x"]] for i in range(25)}
    tables, findings = read_upload("d.xlsx", _workbook(sheets))
    assert [f.code for f in findings] == ["file_too_many_sheets"]
    assert "26 tabbladen" in findings[0].message("nl")


def test_a_normal_workbook_passes_the_limits() -> None:
    content = _workbook({t: _grid(t) for t in ("population", "offer", "results")})
    tables, findings = read_upload("d.xlsx", content)
    assert [f for f in findings if f.is_error] == []
    assert {t.table: t.cells.height for t in tables} == {"population": 18, "offer": 3, "results": 3}


# ---- hidden sheets (issue 18 item 6) ---------------------------------------------------------


@pytest.mark.parametrize("state", ["hidden", "very_hidden"])
def test_a_hidden_table_sheet_is_rejected_with_a_clear_message(
    registered_db: Database, state: str
) -> None:
    """Before: a hidden or very hidden sheet was read as a table without a word."""
    content = _workbook(
        {t: _grid(t) for t in ("population", "offer", "results")}, hidden={"offer": state}
    )
    outcome = ingest(registered_db, AGB_A, QUARTER, [Upload("d.xlsx", content)], actor="t")
    assert not outcome.accepted
    hidden = [f for f in outcome.errors if f.code == "sheet_hidden"]
    assert [(f.table, f.value) for f in hidden] == [("offer", "offer")]
    assert "verborgen" in hidden[0].message("nl") and "Zichtbaar maken" in hidden[0].message("nl")
    assert registered_db.scalar("SELECT count(*) FROM table_versions") == 0


def test_a_hidden_extra_sheet_is_only_mentioned() -> None:
    content = _workbook(
        {"population": _grid("population"), "Notities": [["x"]]}, hidden={"Notities": "hidden"}
    )
    tables, findings = read_upload("d.xlsx", content)
    assert [f for f in findings if f.is_error] == []
    assert "warn_extra_sheet" in {f.code for f in findings}


# ---- numbers read exactly (issue 18 item 5) ----------------------------------------------------


@pytest.mark.parametrize("value", [2.9999999999, 3.0000000001, 2.5])
def test_an_xlsx_count_close_to_a_whole_number_is_rejected_not_rounded(
    registered_db: Database, value: float
) -> None:
    """Before: the reader wrote 2.9999999999 as "3", and 3 clients were stored."""
    grid = _grid("population")
    inflow = grid[0].index("inflow")
    grid[1][inflow] = value
    grid[1][grid[0].index("clients_end")] = None  # (no balance error on top)
    content = _workbook({"population": grid})
    outcome = ingest(registered_db, AGB_A, QUARTER, [Upload("d.xlsx", content)], actor="t")
    assert not outcome.accepted
    cell = [f for f in outcome.errors if f.column == "inflow"]
    assert [(f.code, f.row, f.value) for f in cell] == [("cell_decimal_in_count", 2, repr(value))]
    assert registered_db.scalar("SELECT count(*) FROM population_rows") == 0


def test_xlsx_numbers_keep_every_digit_and_text_cells_keep_their_text() -> None:
    grid = _grid("offer")
    fte = grid[0].index("fte_care")
    grid[1][fte] = 12.3456789012345
    grid[2][grid[0].index("provider_agb")] = AGB_A  # text "01234567": never a number
    tables, findings = read_upload("d.xlsx", _workbook({"offer": grid}))
    cells = tables[0].cells
    assert cells["fte_care"][0] == "12.3456789012345"
    assert cells["provider_agb"].to_list() == [AGB_A] * 3
    assert cells["places"].to_list() == ["0", "20", "12"]
    assert pl.Series(cells["clients_waiting"]).to_list() == ["7", "0", "2"]
