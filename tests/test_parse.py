"""Parse: one cell at a time, table-driven — input text, file style -> value or error code.

Each case changes one cell of a valid table (spreadsheet row 2) and writes the file as that
program would; the parsed value or the error code must be exactly as the data contract says.
"""

from __future__ import annotations

import pytest
from delivery_files import AGB_A, csv_bytes, valid_cells, with_cell, xlsx_bytes

from pipelines.findings import Finding
from pipelines.parse import parse_table
from pipelines.read import ROW, read_upload

SEMI = "excel_nl"
COMMA = "libreoffice_comma"
UTF8 = "excel_utf8"


def parse_cell(
    table: str, column: str, text: str, style: str = SEMI, expected_agb: str | None = AGB_A
) -> tuple[object, list[Finding]]:
    """(parsed value of the changed cell, findings about that cell)."""
    dutch = style in ("excel_nl", "excel_utf8")
    rows = with_cell(valid_cells(table, style="excel_nl" if dutch else "plain"), 0, column, text)
    tables, read_findings = read_upload(f"{table}.csv", csv_bytes(rows, table, style))
    assert read_findings == []
    typed, findings = parse_table(tables[0], expected_agb=expected_agb)
    cell = [f for f in findings if f.row == 2 and f.column == column]
    return typed.filter(typed[ROW] == 2)[column][0], cell


@pytest.mark.parametrize(
    ("text", "style", "value", "code"),
    [
        ("12", SEMI, 12, None),
        (" 12 ", SEMI, 12, None),
        ("\u00a012\u00a0", SEMI, 12, None),
        ("0012", SEMI, 12, None),
        ("1.234", SEMI, 1234, None),  # Dutch thousands separator
        ("12.345.678", SEMI, 12345678, None),
        ("1.234", UTF8, 1234, None),
        ("1.234", COMMA, None, "cell_decimal_in_count"),  # not a thousands dot in a , file
        ("1.23", SEMI, None, "cell_decimal_in_count"),
        ("2,5", SEMI, None, "cell_decimal_in_count"),
        ("2.5", COMMA, None, "cell_decimal_in_count"),
        ("12,0", SEMI, None, "cell_decimal_in_count"),
        ("-3", SEMI, -3, None),  # parsed; the negative value is a validation error
        ("veel", SEMI, None, "cell_not_whole_number"),
        ("12 cliënten", SEMI, None, "cell_not_whole_number"),
        ("1 234", SEMI, None, "cell_not_whole_number"),
        ("12%", SEMI, None, "cell_not_whole_number"),
        ("99999999999", SEMI, None, "cell_not_whole_number"),  # beyond INTEGER
        ("", SEMI, None, "cell_missing"),
        ("   ", SEMI, None, "cell_missing"),
        ("=A1+B1", SEMI, None, "cell_formula"),
        ("@SUM(A1)", SEMI, None, "cell_formula"),
        ("+A1", SEMI, None, "cell_formula"),
        ("-A1", SEMI, None, "cell_formula"),
    ],
    ids=repr,
)
def test_count_cells(text: str, style: str, value: object, code: str | None) -> None:
    parsed, findings = parse_cell("population", "inflow", text, style)
    assert parsed == value
    assert [f.code for f in findings] == ([code] if code else [])
    if code:
        assert findings[0].value == text and findings[0].row == 2


@pytest.mark.parametrize(
    ("text", "style", "value", "code"),
    [
        ("12,5", SEMI, 12.5, None),
        ("12.5", SEMI, 12.5, None),  # LibreOffice / English Excel write points in ; files
        ("12", SEMI, 12.0, None),
        ("1.234", SEMI, 1234.0, None),  # reads both ways: the Dutch way wins
        ("1.234,5", SEMI, 1234.5, None),
        ("0,25", UTF8, 0.25, None),
        ("12.5", COMMA, 12.5, None),
        ("12,5", COMMA, 12.5, None),  # quoted in a , file
        ("1,234", COMMA, None, "cell_not_decimal"),  # thousands or decimal? never a guess
        ("1.234,5.6", SEMI, None, "cell_not_decimal"),
        ("twaalf", SEMI, None, "cell_not_decimal"),
        ("nan", SEMI, None, "cell_not_decimal"),
        ("inf", SEMI, None, "cell_not_decimal"),
        ("", SEMI, None, "cell_missing"),
        ("=1/3", SEMI, None, "cell_formula"),
    ],
    ids=repr,
)
def test_fte_care_cells(text: str, style: str, value: object, code: str | None) -> None:
    parsed, findings = parse_cell("offer", "fte_care", text, style)
    assert parsed == value
    assert [f.code for f in findings] == ([code] if code else [])


@pytest.mark.parametrize(
    ("text", "value", "code"),
    [
        ("2025Q2", "2025Q2", None),
        ("2025-Q2", "2025Q2", None),
        ("Q2 2025", "2025Q2", None),
        ("2025 Q2", "2025Q2", None),
        ("2025q2", "2025Q2", None),
        ("q2-2025", "2025Q2", None),
        ("\u00a02025Q2 ", "2025Q2", None),
        ("2025Q5", None, "cell_bad_quarter"),
        ("2025-2", None, "cell_bad_quarter"),
        ("Q2-25", None, "cell_bad_quarter"),
        ("1999Q2", None, "cell_bad_quarter"),
        ("tweede kwartaal", None, "cell_bad_quarter"),
        ("", None, "cell_missing"),
        ("=2025", None, "cell_formula"),
    ],
    ids=repr,
)
def test_quarter_cells(text: str, value: str | None, code: str | None) -> None:
    parsed, findings = parse_cell("offer", "quarter", text)
    assert parsed == value
    assert [f.code for f in findings] == ([code] if code else [])


@pytest.mark.parametrize(
    ("text", "expected_agb", "value", "codes"),
    [
        ("01234567", AGB_A, "01234567", []),
        ("87654321", AGB_A, "87654321", []),  # well-formed; validate says "other provider"
        ("1234567", AGB_A, "01234567", ["warn_agb_padded"]),  # Excel dropped the zero
        # padding does not give the delivery's AGB, or no delivery AGB is known: no guess, but
        # the message names the lost zero
        ("8765432", AGB_A, None, ["cell_agb_lost_zero"]),
        ("1234567", None, None, ["cell_agb_lost_zero"]),
        ("123456789", AGB_A, None, ["cell_bad_agb"]),
        ("0123456", AGB_A, None, ["cell_agb_lost_zero"]),
        ("0123-4567", AGB_A, None, ["cell_bad_agb"]),
        ("AGB01234", AGB_A, None, ["cell_bad_agb"]),
        ("", AGB_A, None, ["cell_missing"]),
        ("=01234567", AGB_A, None, ["cell_formula"]),
    ],
    ids=repr,
)
def test_agb_cells(
    text: str, expected_agb: str | None, value: str | None, codes: list[str]
) -> None:
    parsed, findings = parse_cell("offer", "provider_agb", text, expected_agb=expected_agb)
    assert parsed == value
    assert [f.code for f in findings] == codes
    assert all(f.is_error == (c != "warn_agb_padded") for f, c in zip(findings, codes, strict=True))


@pytest.mark.parametrize(
    ("column", "text", "value", "code"),
    [
        ("municipality_code", "gm0599", "GM0599", None),
        ("municipality_code", " GM0599 ", "GM0599", None),
        ("care_form", "Ambulant", "ambulant", None),
        ("age_group", "6_11", "6_11", None),
        ("care_form", "", None, "cell_missing"),
        ("care_form", '=HYPERLINK("x")', None, "cell_formula"),
    ],
    ids=repr,
)
def test_code_cells(column: str, text: str, value: str | None, code: str | None) -> None:
    parsed, findings = parse_cell("population", column, text)
    assert parsed == value
    assert [f.code for f in findings] == ([code] if code else [])


def test_xlsx_number_cells() -> None:
    """Excel stores numbers as numbers: 12.0 is a whole count, 12.5 is not, fte keeps decimals."""
    header = ["provider_agb", "quarter", "care_form", "places", "fte_care", "clients_waiting"]
    grid = [
        header,
        ["01234567", "2025Q2", "ambulant", 0.0, 12.5, 7],
        ["01234567", "2025Q2", "crisis", 2.5, 1e-7, 1234],
        [1234567, "2025Q2", "day_care", 0, 3, 1],
    ]
    tables, _ = read_upload("o.xlsx", xlsx_bytes({"offer": grid}))
    typed, findings = parse_table(tables[0], expected_agb=AGB_A)
    assert typed["places"].to_list() == [0, None, 0]
    assert typed["fte_care"].to_list() == [12.5, 1e-7, 3.0]
    assert typed["clients_waiting"].to_list() == [7, 1234, 1]
    assert typed["provider_agb"].to_list() == [AGB_A] * 3
    assert [(f.code, f.row, f.column) for f in findings] == [
        ("cell_decimal_in_count", 3, "places"),
        ("warn_agb_padded", 4, "provider_agb"),
    ]


def test_header_problems_are_reported_once_with_row_1() -> None:
    header = ["provider_agb", "quarter", "care_form", "places", "places", "fte", "clients_waiting"]
    content = csv_bytes([["01234567", "2025Q2", "ambulant", "0", "0", "1", "2"]], header)
    tables, _ = read_upload("offer.csv", content)
    _, findings = parse_table(tables[0], AGB_A)
    assert sorted((f.code, f.row, f.column) for f in findings) == [
        ("header_duplicate_column", 1, "places"),
        ("header_missing_column", 1, "fte_care"),
        ("header_unknown_column", 1, "fte"),
    ]


def test_a_nameless_column_with_values_is_unknown_an_empty_one_is_ignored() -> None:
    header = [
        "provider_agb",
        "quarter",
        "care_form",
        "places",
        "fte_care",
        "clients_waiting",
        "",
        "",
    ]
    rows = [["01234567", "2025Q2", "ambulant", "0", "1", "2", "", "x"]]
    tables, _ = read_upload("offer.csv", csv_bytes(rows, header))
    assert tables[0].header == [*header[:6], ""]  # the empty column 7 is dropped
    _, findings = parse_table(tables[0], AGB_A)
    assert [(f.code, f.column, f.row) for f in findings] == [("header_unnamed_column", "(H)", 1)]
    assert findings[0].message() == (
        "Kolom H heeft geen naam in de kopregel maar bevat wel waarden. Geef de kolom de naam "
        "uit het sjabloon of maak de kolom leeg."
    )


@pytest.mark.parametrize(
    ("index", "letter"), [(0, "A"), (7, "H"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters(index: int, letter: str) -> None:
    from pipelines.read import column_letter

    assert column_letter(index) == letter


def test_header_findings_point_at_the_header_row_as_written() -> None:
    """After Excel's `sep=;` line the header is on row 2, and so are its findings."""
    content = b"sep=;\r\n" + csv_bytes(
        valid_cells("offer"),
        ["provider_agb", "quarter", "care_form", "places", "fte", "clients_waiting"],
    )
    tables, _ = read_upload("offer.csv", content)
    _, findings = parse_table(tables[0], AGB_A)
    assert sorted((f.code, f.row) for f in findings) == [
        ("header_missing_column", 2),
        ("header_unknown_column", 2),
    ]
