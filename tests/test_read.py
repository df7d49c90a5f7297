"""Read + the whole check on real files: every fixture as Excel and LibreOffice write them.

Valid fixtures must be accepted with exactly the values of the delivery; broken fixtures must be
rejected with the expected message code (file-level problems) and never raise.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from conftest import assert_only_rejections_audited
from delivery_files import (
    AGB_A,
    FIXTURES,
    QUARTER,
    csv_bytes,
    header_of,
    table_csv,
    valid_cells,
    valid_frames,
    xlsx_bytes,
)

from impactmonitor.storage import Database
from pipelines.ingest import Upload, ingest
from pipelines.read import ROW, read_upload

VALID_SETS = {
    "excel_nl": sorted((FIXTURES / "excel_nl").glob("*.csv")),
    "excel_utf8": sorted((FIXTURES / "excel_utf8").glob("*.csv")),
    "libreoffice_comma": sorted((FIXTURES / "libreoffice_comma").glob("*.csv")),
    "libreoffice_semicolon": sorted((FIXTURES / "libreoffice_semicolon").glob("*.csv")),
    "excel.xlsx": [FIXTURES / "excel.xlsx"],
    "excel_dutch_sheets.xlsx": [FIXTURES / "excel_dutch_sheets.xlsx"],
    "libreoffice.xlsx": [FIXTURES / "libreoffice.xlsx"],
}

# broken fixture -> the error codes it must produce (at least these; nothing else for file-level)
BROKEN = {
    "empty.csv": {"file_empty"},
    "header_only.csv": {"file_header_only"},
    "missing_column.csv": {"header_missing_column"},
    "extra_column.csv": {"header_unknown_column"},
    "wrong_types.csv": {
        "cell_not_whole_number",
        "cell_decimal_in_count",
        "value_negative",
        "rule_clients_balance",
    },
    "ragged_rows.csv": {"row_ragged"},
    "broken_quotes.csv": {"csv_broken_quotes"},
    "binary_garbage.csv": {"file_binary"},
    "really_csv.xlsx": {"file_xlsx_is_text"},
    "nul_bytes.csv": {"file_nul_bytes"},
    "formulas.csv": {"cell_formula", "value_unknown_age_group"},
    "many_errors.csv": {"value_negative", "rule_clients_balance", "value_unknown_age_group"},
    "unicode_text.csv": {"file_utf16"},
    "tab_separated.csv": {"file_tab_separated"},
    "no_known_sheets.xlsx": {"sheet_none_recognised"},
    "truncated.xlsx": {"file_xlsx_broken"},
    "delivery.ods": {"file_ods"},
    "old_excel.xls": {"file_xls_old"},
    "municipality_merged.csv": {"value_municipality_merged"},
    "accents_cp1252.csv": {"value_unknown_care_form"},
    "other_provider_quarter.csv": {"row_other_provider", "row_other_quarter"},
    "duplicate_key.csv": {"row_duplicate_key"},
}


def _ingest_files(db: Database, paths: list[Path], agb: str = AGB_A, quarter: str = QUARTER):
    return ingest(db, agb, quarter, [Upload(p.name, p.read_bytes()) for p in paths], actor="test")


def _stored(db: Database, table: str) -> pl.DataFrame:
    frame = db.query(f"SELECT * FROM {table}")
    return frame.sort(frame.columns)


def _expected(table: str) -> pl.DataFrame:
    frame = valid_frames()[table]
    return frame.sort(frame.columns)


def test_every_broken_fixture_is_listed() -> None:
    """A new broken fixture needs an expectation here (and a line in fixtures/README.md)."""
    on_disk = {p.name for p in (FIXTURES / "broken").iterdir()}
    assert on_disk == set(BROKEN)
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in on_disk)


@pytest.mark.parametrize("name", sorted(VALID_SETS))
def test_valid_fixture_is_stored_exactly(registered_db: Database, name: str) -> None:
    outcome = _ingest_files(registered_db, VALID_SETS[name])
    assert outcome.accepted, [f.message() for f in outcome.errors]
    for table in ("population", "offer", "results"):
        assert _stored(registered_db, table).equals(_expected(table)), table
    codes = {w.code for w in outcome.warnings}
    assert codes <= {"warn_agb_padded"}
    # Only the workbook with the AGB as a number cell lost its leading zero.
    assert ("warn_agb_padded" in codes) == (name == "excel_dutch_sheets.xlsx")


def test_seven_digit_agb_from_excel_is_padded_with_warning(registered_db: Database) -> None:
    outcome = _ingest_files(registered_db, [FIXTURES / "excel_nl_agb7" / "population.csv"])
    assert outcome.accepted
    assert [(w.code, w.row, w.value) for w in outcome.warnings] == [
        ("warn_agb_padded", 2, "1234567")
    ]
    assert "01234567" in outcome.warnings[0].message()
    assert set(_stored(registered_db, "population")["provider_agb"]) == {AGB_A}


def test_seven_digit_agb_of_another_provider_is_an_error(registered_db: Database) -> None:
    """Padding 8765432 gives 08765432, which is not the delivery's AGB: an error, no guess."""
    rows = [dict(r, provider_agb="8765432") for r in valid_cells("population")]
    outcome = ingest(
        registered_db,
        AGB_A,
        QUARTER,
        [Upload("population.csv", csv_bytes(rows, "population"))],
        actor="t",
    )
    assert not outcome.accepted
    assert {e.code for e in outcome.errors} == {"cell_agb_lost_zero"}
    assert len(outcome.errors) == len(rows)
    assert "08765432" in outcome.errors[0].message()  # what it would be, said, not guessed


def test_workbook_with_one_sheet_is_a_partial_delivery(registered_db: Database) -> None:
    outcome = _ingest_files(registered_db, [FIXTURES / "excel_population_only.xlsx"])
    assert outcome.accepted
    assert sorted((w.code, w.table) for w in outcome.warnings) == [
        ("sheet_missing", "offer"),
        ("sheet_missing", "results"),
    ]
    assert _stored(registered_db, "population").height == 18
    assert _stored(registered_db, "offer").height == 0


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_fixture_is_rejected_with_its_message(
    registered_db: Database, dump_db, name: str
) -> None:
    before = dump_db(registered_db)
    outcome = _ingest_files(registered_db, [FIXTURES / "broken" / name])
    assert not outcome.accepted
    codes = {e.code for e in outcome.errors}
    assert BROKEN[name] <= codes, codes
    assert "file_internal_error" not in codes
    for finding in outcome.errors:
        assert finding.file == name
        for lang in ("nl", "en"):
            message = finding.message(lang)
            assert message and "{" not in message and "None" not in message
    assert_only_rejections_audited(registered_db, before)


def test_many_errors_are_all_reported(registered_db: Database) -> None:
    outcome = _ingest_files(registered_db, [FIXTURES / "broken" / "many_errors.csv"])
    rows = {e.row for e in outcome.errors}
    assert len(rows) == 504 and min(rows) == 2 and max(rows) == 505
    assert len(outcome.errors) == 3 * 504


def test_cp1252_accents_are_read_correctly(registered_db: Database) -> None:
    outcome = _ingest_files(registered_db, [FIXTURES / "broken" / "accents_cp1252.csv"])
    assert [(e.row, e.column, e.value) for e in outcome.errors] == [
        (2, "care_form", "cliëntbegeleiding é")
    ]


def test_ragged_and_quote_errors_name_their_rows(registered_db: Database) -> None:
    ragged = _ingest_files(registered_db, [FIXTURES / "broken" / "ragged_rows.csv"])
    assert sorted((e.row, e.fields["found"]) for e in ragged.errors if e.code == "row_ragged") == [
        (4, 10),
        (6, 8),
    ]
    quotes = _ingest_files(registered_db, [FIXTURES / "broken" / "broken_quotes.csv"])
    assert [(e.code, e.row) for e in quotes.errors] == [("csv_broken_quotes", 3)]


def test_csv_recognised_by_header_whatever_its_name(registered_db: Database) -> None:
    uploads = [
        Upload(f"upload{i}.csv", (FIXTURES / "excel_nl" / f"{table}.csv").read_bytes())
        for i, table in enumerate(("results", "population", "offer"), start=1)
    ]
    outcome = ingest(registered_db, AGB_A, QUARTER, uploads, actor="t")
    assert outcome.accepted
    assert sorted(t["table"] for t in outcome.receipt.tables) == ["offer", "population", "results"]


def test_same_table_twice_is_an_error(registered_db: Database) -> None:
    content = table_csv("population")
    outcome = ingest(
        registered_db,
        AGB_A,
        QUARTER,
        [Upload("a.csv", content), Upload("b.csv", content)],
        actor="t",
    )
    assert [(e.code, e.file) for e in outcome.errors] == [("file_duplicate_table", "b.csv")]
    assert "a.csv" in outcome.errors[0].message()


@pytest.mark.parametrize(
    ("description", "transform"),
    [
        ("upper case header", lambda h: h.upper()),
        ("non-breaking spaces around names", lambda h: h.replace(";", "\u00a0;\u00a0")),
        ("spaces and mixed case", lambda h: h.replace("care_form", " Care_Form ")),
    ],
)
def test_header_names_are_matched_loosely(description: str, transform) -> None:
    content = table_csv("offer").decode("cp1252")
    header, rest = content.split("\r\n", 1)
    tables, findings = read_upload("o.csv", (transform(header) + "\r\n" + rest).encode("cp1252"))
    assert findings == []
    assert tables[0].table == "offer"
    assert list(tables[0].cells.columns) == [ROW, *header_of("offer")]


@pytest.mark.parametrize(
    "tail", ["\r\n\r\n\r\n", ";;;;;\r\n;;;;;\r\n", "\r\n   \r\n", ""], ids=repr
)
def test_empty_trailing_lines_are_ignored(tail: str) -> None:
    content = table_csv("offer").decode("cp1252") + tail
    tables, findings = read_upload("offer.csv", content.encode("cp1252"))
    assert findings == [] and tables[0].cells.height == 3
    assert tables[0].cells[ROW].to_list() == [2, 3, 4]


def test_excel_sep_directive_and_mac_line_ends() -> None:
    content = "sep=;\r\n" + table_csv("offer").decode("cp1252")
    tables, findings = read_upload("x.csv", content.encode("cp1252"))
    assert findings == [] and tables[0].cells[ROW].to_list() == [3, 4, 5]  # header on row 2
    mac = table_csv("offer").replace(b"\r\n", b"\r")
    tables, findings = read_upload("x.csv", mac)
    assert findings == [] and tables[0].cells.height == 3


def test_unrecognisable_table_is_an_error() -> None:
    tables, findings = read_upload("data.csv", b"kolom1;kolom2\r\n1;2\r\n")
    assert tables == [] and [(f.code, f.row) for f in findings] == [("file_unknown_table", 1)]


def test_file_name_breaks_a_tie_between_tables() -> None:
    """offer and results share their identity columns and care_form: the name decides."""
    content = b"provider_agb;quarter;care_form\r\n01234567;2025Q2;ambulant\r\n"
    assert read_upload("x.csv", content)[0] == []
    tables, _ = read_upload("aanbod_2025Q2.csv", content)
    assert tables[0].table == "offer"


def test_xlsx_rows_are_numbered_as_in_excel(registered_db: Database) -> None:
    """Empty rows above the header keep Excel's numbering (header on row 3 -> data from 4)."""
    frame = valid_frames()["population"]
    grid = [[None], [None], frame.columns, *[list(r) for r in frame.rows()]]
    tables, findings = read_upload("p.xlsx", xlsx_bytes({"population": grid}))
    assert [f.code for f in findings] == ["sheet_missing", "sheet_missing"]
    assert tables[0].cells[ROW].to_list() == list(range(4, 22))
    grid[5][3] = "bogus"  # spreadsheet row 6
    outcome = ingest(
        registered_db,
        AGB_A,
        QUARTER,
        [Upload("p.xlsx", xlsx_bytes({"population": grid}))],
        actor="t",
    )
    assert [(e.code, e.row) for e in outcome.errors] == [("value_unknown_care_form", 6)]


def test_xlsx_with_empty_and_header_only_sheets() -> None:
    header_only = xlsx_bytes({"population": [header_of("population")]})
    tables, findings = read_upload("p.xlsx", header_only)
    assert tables == [] and "file_header_only" in {f.code for f in findings}
    empty = xlsx_bytes({"population": []})
    tables, findings = read_upload("p.xlsx", empty)
    assert tables == [] and "file_empty" in {f.code for f in findings}


def test_xlsx_formula_cells_give_their_value_text_formulas_are_errors(
    registered_db: Database,
) -> None:
    """A real formula cell holds its computed value (what the user sees); text that looks like
    a formula (e.g. typed with a leading quote) is refused."""
    frames = valid_frames()
    grids = {t: [f.columns, *[list(r) for r in f.rows()]] for t, f in frames.items()}
    grids["population"][1][8] = ("=F2+G2-H2", grids["population"][1][8])  # a real formula
    grids["offer"][1][3] = "=SUM(1)"  # text
    outcome = ingest(
        registered_db, AGB_A, QUARTER, [Upload("d.xlsx", xlsx_bytes(grids))], actor="t"
    )
    assert [(e.code, e.row, e.column) for e in outcome.errors] == [("cell_formula", 2, "places")]


def test_zip_that_is_not_a_workbook() -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("population.csv", table_csv("population"))
    tables, findings = read_upload("delivery.xlsx", buffer.getvalue())
    assert tables == [] and [f.code for f in findings] == ["file_zip_not_xlsx"]


def test_file_over_the_size_limit_is_refused_before_reading(registered_db: Database) -> None:
    from impactmonitor.config import setting

    limit = setting("delivery", "max_upload_mb") * 1024 * 1024
    outcome = ingest(
        registered_db, AGB_A, QUARTER, [Upload("huge.csv", b"x" * (limit + 1))], actor="t"
    )
    assert [(e.code, e.file) for e in outcome.errors] == [("file_too_large", "huge.csv")]


def test_each_broken_fixture_prints_as_a_report_line(registered_db: Database) -> None:
    """The command line's report formatter handles every finding of every broken fixture."""
    from pipelines.ingest import format_findings

    for path in sorted((FIXTURES / "broken").iterdir()):
        outcome = _ingest_files(registered_db, [path])
        for lang in ("nl", "en"):
            lines = format_findings(outcome.errors + outcome.warnings, lang)
            assert len(lines) == len(outcome.errors) + len(outcome.warnings)
            assert all(
                line.startswith("  - ") and path.name in line
                for line in lines
                if "aanbiedersregister" not in line
            )


def _broken_body(kind: str) -> bytes:
    """A population file whose header is fine and whose body cannot be read."""
    content = csv_bytes(valid_cells("population"), "population")
    header, _, body = content.partition(b"\r\n")
    if kind == "unbalanced quote":
        body = body.replace(b"GM0599", b'"GM0599', 1)
    elif kind == "NUL byte":
        body = body.replace(b"ambulant", b"ambu\x00lant", 1)
    elif kind == "no encoding":
        body = body.replace(b"ambulant", b"ambu\x81\x8dlant", 1)  # (neither UTF-8 nor cp1252)
    return header + b"\r\n" + body


@pytest.mark.parametrize("kind", ["unbalanced quote", "NUL byte", "no encoding"])
def test_an_unreadable_body_is_the_tables_one_error_without_cross_table_errors(
    registered_db: Database, kind: str
) -> None:
    """Issue 13 item 13: the population was delivered (its header says so) but its body cannot
    be read. The read error names the population, and offer/results get no "deliver the
    population first" errors: the population is not missing, it is unreadable."""
    uploads = [Upload("populatie.csv", _broken_body(kind))] + [
        Upload(f"{table}.csv", csv_bytes(valid_cells(table), table))
        for table in ("offer", "results")
    ]
    outcome = ingest(registered_db, AGB_A, QUARTER, uploads, actor="t")
    assert not outcome.accepted
    assert [(e.file, e.table) for e in outcome.errors] == [("populatie.csv", "population")], [
        (e.code, e.table, e.row) for e in outcome.errors
    ]
