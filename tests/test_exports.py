"""Exports Excel can compute with: CSV and XLSX read back with real readers (csv, polars,
openpyxl), checking cell types — numbers stay numbers, only text cells get the formula guard,
percentages are numbers with a % format, dates are dates, headers in the UI language."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl
import polars as pl
import pytest

from impactmonitor.access import User
from impactmonitor.display import export_sheet, texts_frame
from impactmonitor.exports import csv_bytes, dutch_csv, neutralise, xlsx_bytes
from impactmonitor.kpis import kpi_table

QUARTER = "2026Q3"
PREAMBLE = ["Filters: Kwartaal: 2026Q3; Categorie: A", "Dataversie 12"]


@pytest.mark.parametrize(
    "value",
    [
        "=SUM(A1)",
        "+31 6",
        "-1+2",
        "@cmd",
        "\tx",
        "\rx",
        "\nx",
        " =1+1",
        "  -5",
        "\u00a0=HYPERLINK()",
        "\u3000+1",
        "\uff1dcmd",
    ],
)
def test_text_that_a_spreadsheet_would_run_is_neutralised(value) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize(
    "value", [-5, -0.0111, 3.5, 0, "tekst", "a=b", "e-mail", "–", None, date(2026, 8, 13)]
)
def test_numbers_dates_and_harmless_text_are_left_alone(value) -> None:
    assert neutralise(value) == value


def _csv_rows(content: bytes, separator: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=separator))


def test_csv_writes_numbers_as_numbers_and_guards_only_text() -> None:
    content = dutch_csv(
        ["tekst", "getal", "aantal"], [["-1+2", -0.0111, -5], [" =A1", 1234567.25, 1234567]]
    )
    rows = _csv_rows(content)
    assert rows[1] == ["'-1+2", "-0,0111", "-5"]  # the text is guarded, the numbers are not
    assert rows[2] == ["' =A1", "1234567,25", "1234567"]  # no exponent, no thousands dot
    back = pl.read_csv(io.BytesIO(content), separator=";", decimal_comma=True)
    assert back.schema["getal"] == pl.Float64 and back.schema["aantal"] == pl.Int64
    assert back["getal"].to_list() == [-0.0111, 1234567.25]


def test_csv_header_block_is_quoted_and_neutralised_like_every_cell() -> None:
    preamble = ['Filters: Aanbieder: Zorg; =HYPERLINK("x"); Kwartaal: 2026Q3', "Dataversie 3"]
    content = csv_bytes(["a"], [[1]], preamble)
    rows = _csv_rows(content)
    # One cell per line although the filters contain ';' — Excel keeps them in column A.
    assert rows[0] == [preamble[0]] and rows[1] == [preamble[1]] and rows[2] == []
    assert content.decode("utf-8-sig").startswith('"Filters: Aanbieder: Zorg; =HYPERLINK(""x"")')
    formula_line = csv_bytes(["a"], [[1]], ["=cmd|' /C calc'!A0"])
    assert _csv_rows(formula_line)[0] == ["'=cmd|' /C calc'!A0"]
    back = pl.read_csv(io.BytesIO(content), separator=";", skip_rows=len(preamble) + 1)
    assert back.schema["a"] == pl.Int64


def test_english_csv_uses_comma_separator_and_decimal_point() -> None:
    content = csv_bytes(["Share", "Day"], [[0.725, date(2026, 8, 13)]], lang="en")
    assert _csv_rows(content, ",")[1] == ["0.725", "13 Aug 2026"]
    dutch = csv_bytes(
        ["Aandeel", "Dag", "Tijd"], [[0.725, date(2026, 8, 13), datetime(2026, 8, 13, 14, 5)]]
    )
    assert _csv_rows(dutch)[1] == ["0,725", "13-08-2026", "13-08-2026 14:05"]


def test_xlsx_cells_are_typed_with_number_and_date_formats() -> None:
    header = ["Tekst", "Aandeel", "Aantal", "Dagen", "Datum", "Tijd"]
    rows = [
        ["=1+1", 0.725, 1234, 28.56, date(2026, 8, 13), datetime(2026, 8, 13, 14, 5)],
        ["gewoon", -0.0111, -5, None, None, None],
    ]
    formats = [[None, "share", "count", "decimal1", None, None]] * 2
    workbook = openpyxl.load_workbook(
        io.BytesIO(xlsx_bytes({"blad": (header, rows, formats)}, PREAMBLE))
    )
    sheet = workbook["blad"]
    assert [sheet.cell(1, 1).value, sheet.cell(2, 1).value] == PREAMBLE
    top = len(PREAMBLE) + 2  # the header row (1-based), after a blank line
    assert [sheet.cell(top, c).value for c in range(1, 7)] == header
    first = [sheet.cell(top + 1, c) for c in range(1, 7)]
    assert first[0].value == "'=1+1" and first[0].data_type == "s"
    assert first[1].value == 0.725 and first[1].data_type == "n"
    assert first[1].number_format == "0.0%"
    assert first[2].value == 1234 and first[2].number_format == "#,##0"
    assert first[3].number_format == "#,##0.0"
    assert first[4].is_date and first[4].value == datetime(2026, 8, 13)
    assert first[4].number_format == "dd-mm-yyyy"
    assert first[5].is_date and first[5].number_format == "dd-mm-yyyy hh:mm"
    second = [sheet.cell(top + 1 + 1, c) for c in range(1, 7)]
    assert second[1].value == -0.0111 and second[1].data_type == "n"  # a number, no apostrophe
    assert second[3].value is None  # nothing is written for a missing value


def test_xlsx_preamble_is_neutralised() -> None:
    workbook = openpyxl.load_workbook(
        io.BytesIO(xlsx_bytes({"s": (["a"], [[1]])}, ["=WEBSERVICE(x)"]))
    )
    assert workbook["s"].cell(1, 1).value == "'=WEBSERVICE(x)"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_kpi_table_export_round_trips_with_headers_in_the_language(sample_db, lang) -> None:
    """The wide KPI table as on the categories page: names pinned first, one column per KPI
    with the KPI's unit; polars reads the KPI columns back as numbers."""
    rows = kpi_table(sample_db, User("cm", "contract_manager"), QUARTER, category="A")
    wide = rows.pivot("kpi", index=["provider_agb", "name", "lot"], values="value").sort("name")
    units = dict(rows.select("kpi", "unit").unique().iter_rows())
    header, cells, formats = export_sheet(wide, lang, units)
    expected = {
        "nl": ["AGB", "Naam", "Perceel", "Doelrealisatie"],
        "en": ["AGB", "Name", "Lot", "Goal achievement"],
    }[lang]
    assert header[:4] == expected
    content = xlsx_bytes({"kpis": (header, cells, formats)}, PREAMBLE, lang)
    back = pl.read_excel(
        io.BytesIO(content), sheet_name="kpis", read_options={"header_row": len(PREAMBLE) + 1}
    )
    assert back.columns == header
    assert back.schema[expected[3]] == pl.Float64
    assert back[expected[3]].to_list() == pytest.approx(
        wide["goal_achievement"].to_list(), nan_ok=True
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content))["kpis"]
    goal = header.index(expected[3]) + 1
    first = sheet.cell(len(PREAMBLE) + 3, goal)
    assert first.data_type == "n" and first.number_format == "0.0%"
    ratio = sheet.cell(
        len(PREAMBLE) + 3,
        header.index({"nl": "Verhouding ambulant/bed", "en": "Ambulant/bed ratio"}[lang]) + 1,
    )
    assert ratio.data_type == "n" and ratio.number_format == "#,##0.00"
    csv_back = pl.read_csv(
        io.BytesIO(csv_bytes(header, cells, PREAMBLE, lang)),
        separator=";" if lang == "nl" else ",",
        skip_rows=len(PREAMBLE) + 1,
        decimal_comma=lang == "nl",
        schema_overrides={header[0]: pl.String},
    )
    assert csv_back.schema[expected[3]] == pl.Float64
    assert csv_back[header[0]].to_list() == wide["provider_agb"].to_list()


def test_codes_are_words_in_exports_and_tables(sample_db) -> None:
    rows = kpi_table(sample_db, User("cm", "contract_manager"), QUARTER, category="A")
    header, cells, _ = export_sheet(rows, "nl", columns=["kpi", "status", "norm", "value"])
    assert header == ["KPI", "Status", "Norm", "Waarde"]
    first = cells[0]
    assert first[0] == "Doelrealisatie" and first[1].endswith(("groen", "oranje", "rood"))
    assert first[2].startswith("groen ≥ 70,0%")
    assert isinstance(first[3], float)
    shown = texts_frame(rows, "en", columns=["kpi", "status", "value"])
    assert shown.columns == ["KPI", "Status", "Value"]
    assert shown["Value"][0].endswith("%") and "." in shown["Value"][0]
