"""The downloadable error files: original rows + error column, UTF-8 with BOM, `;`, safe."""

from __future__ import annotations

import csv
import io

import polars as pl
from delivery_files import AGB_A, FIXTURES, QUARTER, csv_bytes, valid_cells, with_cell

from impactmonitor.storage import Database
from pipelines.errorfile import error_file, error_table
from pipelines.ingest import Upload, ingest


def _rejected(db: Database, name: str, content: bytes, lang: str = "nl"):
    outcome = ingest(db, AGB_A, QUARTER, [Upload(name, content)], actor="t", lang=lang)
    assert not outcome.accepted
    return outcome


def _read_back(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_error_file_has_original_rows_and_an_error_column(registered_db: Database) -> None:
    rows = with_cell(
        valid_cells("population", style="excel_nl", thousands=True), 1, "clients_end", "=1+1"
    )
    rows = with_cell(rows, 3, "care_form", "cliëntzorg")
    outcome = _rejected(registered_db, "population.csv", csv_bytes(rows, "population"))
    raw = outcome.raw_tables[0]
    content = error_file(raw, outcome.errors + outcome.warnings)
    lines = _read_back(content)
    assert lines[0] == [*raw.header, "fouten"]
    assert len(lines) == 1 + len(rows)  # no file-level findings: one line per data row
    data = lines[1:]
    # Original text, not parsed values: the thousands dot and the cp1252 text survive.
    assert data[1][:5] == ["01234567", "2025Q2", "GM0599", "ambulant", "12_17"]
    assert data[1][5] == "1.234"
    assert data[3][3] == "cliëntzorg" and "zorgvorm" in data[3][-1].lower()
    # The formula-like value is neutralised and its message is on its own row.
    assert data[1][8] == "'=1+1"
    assert data[1][-1].startswith("clients_end: De cel bevat een formule")
    assert [i for i, line in enumerate(data) if line[-1]] == [1, 3]

    frame = pl.read_csv(io.BytesIO(content), separator=";", infer_schema=False)
    assert frame.columns == [*raw.header, "fouten"]
    assert frame.height == len(rows)


def test_error_file_lists_header_file_and_unreadable_rows_first(registered_db: Database) -> None:
    content = (FIXTURES / "broken" / "ragged_rows.csv").read_bytes()
    outcome = _rejected(registered_db, "ragged_rows.csv", content, lang="en")
    raw = outcome.raw_tables[0]
    lines = _read_back(error_file(raw, outcome.errors, "en"))
    assert lines[0][-1] == "errors"
    first = lines[1]
    assert all(cell == "" for cell in first[:-1])
    assert "row 4:" in first[-1] and "row 6:" in first[-1]
    assert len(lines) == 2 + raw.cells.height  # the ragged rows are not in the cells


def test_missing_column_and_unknown_provider_in_the_error_file(empty_db: Database) -> None:
    header = [c for c in valid_cells("offer")[0] if c != "fte_care"]
    content = csv_bytes(valid_cells("offer", style="excel_nl"), header)
    outcome = _rejected(empty_db, "aanbod.csv", content)
    codes = {e.code for e in outcome.errors}
    assert {"header_missing_column", "provider_unknown"} <= codes
    top = _read_back(error_file(outcome.raw_tables[0], outcome.errors))[1][-1]
    assert "rij 1: fte_care: De kolom fte_care ontbreekt" in top
    assert "staat niet in het aanbiedersregister" in top


def test_error_table_reads_back(registered_db: Database) -> None:
    outcome = _rejected(
        registered_db, "many_errors.csv", (FIXTURES / "broken" / "many_errors.csv").read_bytes()
    )
    content = error_table(outcome.errors)
    frame = pl.read_csv(io.BytesIO(content), separator=";", infer_schema=False)
    assert frame.columns == ["bestand", "tabel", "rij", "kolom", "waarde", "melding"]
    assert frame.height == len(outcome.errors) == 1512
    assert frame["waarde"].str.starts_with("-").sum() == 0  # "-1" is neutralised to "'-1"
    assert (frame["waarde"] == "'-1").sum() == 2 * 504  # negative + balance per row
    assert set(frame["tabel"]) == {"populatie"}
