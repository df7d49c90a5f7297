"""A delivery with 150,000 errors gives a bounded report (issue 18 item 2).

The terminal, `--report-json` and the upload page list at most `[report] max_per_kind` errors of
each kind and `max_total` in all, then "… en nog 49.900 van deze soort"; the complete list is
only in the downloadable error files (`--error-file` on the command line). Before: 25 MB of
terminal output and a 39 MB JSON report for this file (350,000 errors: 1.2 GB RSS, 18 s).
"""

from __future__ import annotations

import json

import pytest
from app_support import app_as, page_path
from delivery_files import AGB_A, QUARTER, header_of

from impactmonitor.access import User
from impactmonitor.config import setting
from pipelines.errorfile import error_file, error_table
from pipelines.findings import Finding, bounded, error

ROWS = 50_000  # the row limit of one table: 2 bad cells + a duplicate key per row


def _many_errors_csv(rows: int = ROWS) -> bytes:
    header = header_of("population")
    row = {
        "provider_agb": AGB_A,
        "quarter": QUARTER,
        "municipality_code": "GM0599",
        "care_form": "ambulant",
        "age_group": "6_11",
        "clients_start": "-1",
        "inflow": "x",
        "outflow": "1",
        "clients_end": "2",
    }
    line = ";".join(row[c] for c in header)
    return ("\r\n".join([";".join(header), *[line] * rows]) + "\r\n").encode()


@pytest.fixture(scope="module")
def many_errors_csv() -> bytes:
    return _many_errors_csv()


def _cell(row: int, column: str, code: str = "value_negative") -> Finding:
    return error(code, file="p.csv", table="population", row=row, column=column, value="-1")


BOUNDS = {
    "below the bounds: unchanged": (
        [_cell(r, "inflow") for r in range(2, 5)],
        5,
        10,
        [("inflow", r) for r in range(2, 5)],
        {},
    ),
    "one kind cut at per_kind": (
        [_cell(r, "inflow") for r in range(2, 10)],
        3,
        10,
        [("inflow", 2), ("inflow", 3), ("inflow", 4)],
        {"inflow": 5},
    ),
    "two kinds, each cut": (
        [_cell(r, c) for r in range(2, 8) for c in ("inflow", "outflow")],
        2,
        10,
        [("inflow", 2), ("outflow", 2), ("inflow", 3), ("outflow", 3)],
        {"inflow": 4, "outflow": 4},
    ),
    "the total cuts too": (
        [_cell(r, c) for r in range(2, 8) for c in ("inflow", "outflow")],
        5,
        3,
        [("inflow", 2), ("outflow", 2), ("inflow", 3)],
        {"inflow": 4, "outflow": 5},
    ),
}


@pytest.mark.parametrize(
    ("findings", "per_kind", "total", "shown", "more"), BOUNDS.values(), ids=BOUNDS.keys()
)
def test_bounded_keeps_the_first_of_each_kind_and_counts_the_rest(
    findings, per_kind, total, shown, more
) -> None:
    result = bounded(findings, per_kind, total)
    listed = [f for f in result if f.code != "report_more_of_kind"]
    assert [(f.column, f.row) for f in listed] == shown
    summaries = {f.column: f for f in result if f.code == "report_more_of_kind"}
    assert {column: f.fields["count"] for column, f in summaries.items()} == more
    for column, summary in summaries.items():
        first_left_out = next(f for f in findings if f.column == column and f not in listed)
        assert summary.message("nl") == (
            f"… en nog {more[column]} van deze soort, zoals: {first_left_out.message('nl')} "
            "De volledige lijst staat in het foutenbestand."
        )
        assert summary.is_error and summary.table == "population"


def test_the_command_line_report_of_150000_errors_is_bounded_and_the_error_file_complete(
    registered_db, run_cli, tmp_path, many_errors_csv
) -> None:
    delivery = tmp_path / "populatie.csv"
    delivery.write_bytes(many_errors_csv)
    report, complete = tmp_path / "report.json", tmp_path / "fouten.csv"
    result = run_cli(
        "pipelines.ingest",
        "--db",
        registered_db.path,
        "--provider",
        AGB_A,
        "--quarter",
        QUARTER,
        "--report-json",
        report,
        "--error-file",
        complete,
        delivery,
    )
    assert result.returncode == 1, result.stderr
    assert "150.000 fout(en)" in result.stdout
    cap = int(setting("report", "max_per_kind"))
    more = f"… en nog {ROWS - cap:,} van deze soort".replace(",", ".")
    # one line per shown error, one per kind cut short (3 kinds), the header and the file line
    assert len(result.stdout.splitlines()) == 3 * cap + 3 + 2
    assert result.stdout.count(more) == 3
    assert len(result.stdout) < 200_000  # before: 25 MB
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["error_count"] == 150_000 and data["accepted"] is False
    assert len(data["errors"]) == 3 * cap + 3
    assert sum(more in e["message"] for e in data["errors"]) == 3
    assert report.stat().st_size < 300_000  # before: 39 MB
    lines = complete.read_bytes().decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 150_000  # the header, then every error
    assert registered_db.scalar("SELECT count(*) FROM table_versions") == 0


def test_the_upload_page_shows_a_bounded_table_of_150000_errors(
    registered_db, monkeypatch, many_errors_csv
) -> None:
    user = User("aanbieder", "provider", frozenset({AGB_A}))
    at = app_as(user, registered_db.path, monkeypatch).run(timeout=120)
    at.switch_page(page_path("upload")).run(timeout=120)
    at.selectbox(key="upload_quarter").select(QUARTER).run(timeout=120)
    at.file_uploader(key="upload_files_0").upload("populatie.csv", many_errors_csv, "text/csv").run(
        timeout=120
    )
    at.button(key="upload_submit").click().run(timeout=300)
    assert not at.exception
    assert "150.000" in at.error[0].value
    cap = int(setting("report", "max_per_kind"))
    table = at.dataframe[0].value
    assert len(table) == 3 * cap + 3
    messages = list(table["Melding"])
    assert sum("en nog 49.900 van deze soort" in m for m in messages) == 3
    assert any(f"eerste {3 * cap} van 150.000" in c.value for c in at.caption)
    # The downloads hold everything: the error list and the file with the error column.
    outcome = at.session_state["upload_outcome"]
    assert len(outcome.errors) == 150_000
    assert len(error_table(outcome.errors).decode("utf-8-sig").splitlines()) == 1 + 150_000
    rows = error_file(outcome.raw_tables[0], outcome.errors).decode("utf-8-sig").splitlines()
    assert len(rows) == 1 + ROWS
    assert all(row.count("|") == 2 for row in rows[1:])  # 3 messages per delivered row
