"""`python -m pipelines.ingest` as a provider or the region runs it: exit codes, report, JSON.

Every case runs the real command in a subprocess on a real database file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_only_rejections_audited
from delivery_files import AGB_A, AGB_B, AGB_UNKNOWN, FIXTURES, QUARTER, write_delivery

from impactmonitor.storage import Database

pytestmark = pytest.mark.both_backends

INGEST = "pipelines.ingest"
ERROR_KEYS = ["file", "table", "row", "column", "value", "message"]


def _ingest(
    run_cli, db: Database, *files: Path, agb: str = AGB_A, quarter: str = QUARTER, extra: tuple = ()
):
    return run_cli(INGEST, "--db", db.path, "--provider", agb, "--quarter", quarter, *extra, *files)


def _no_traceback(result) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr


def test_accepted_delivery_exits_0_with_json_report(
    run_cli, registered_db: Database, delivery_dir: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    result = _ingest(
        run_cli, registered_db, *sorted(delivery_dir.iterdir()), extra=("--report-json", report)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Aanlevering geaccepteerd" in result.stdout
    data = json.loads(report.read_text(encoding="utf-8"))
    assert set(data) == {
        "accepted",
        "error_count",
        "warning_count",
        "errors",
        "warnings",
        "receipt",
    }
    assert data["accepted"] is True and data["errors"] == [] and data["warnings"] == []
    assert sorted(t["table"] for t in data["receipt"]["tables"]) == [
        "offer",
        "population",
        "results",
    ]
    assert registered_db.scalar("SELECT count(*) FROM population") == 18


def test_rejected_delivery_exits_1_prints_report_and_changes_nothing(
    run_cli, registered_db: Database, dump_db, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    before = dump_db(registered_db)
    bad = FIXTURES / "broken" / "municipality_merged.csv"
    result = _ingest(
        run_cli,
        registered_db,
        bad,
        FIXTURES / "excel_nl" / "offer.csv",
        extra=("--report-json", report),
    )
    assert result.returncode == 1
    assert "Aanlevering afgewezen: 1 fout(en); er is niets opgeslagen." in result.stdout
    assert "municipality_merged.csv [populatie] rij 4 kolom municipality_code" in result.stdout
    assert "gebruik GM1992 (Voorne aan Zee)" in result.stdout
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["accepted"] is False and data["receipt"] is None
    assert [list(e) for e in data["errors"]] == [ERROR_KEYS]
    assert data["errors"][0] == {
        "file": "municipality_merged.csv",
        "table": "population",
        "row": 4,
        "column": "municipality_code",
        "value": "GM0501",
        "message": "GM0501 (Brielle) bestaat sinds 01-01-2023 niet meer; gebruik GM1992 "
        "(Voorne aan Zee).",
    }
    _no_traceback(result)
    assert_only_rejections_audited(registered_db, before)


def test_english_report(run_cli, registered_db: Database, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = _ingest(
        run_cli,
        registered_db,
        FIXTURES / "broken" / "header_only.csv",
        extra=("--lang", "en", "--report-json", report),
    )
    assert result.returncode == 1
    assert "Delivery rejected: 1 error(s); nothing was stored." in result.stdout
    assert json.loads(report.read_text(encoding="utf-8"))["errors"][0]["message"] == (
        "The file has a header line but no data rows. Add the rows."
    )


def test_unregistered_provider_is_a_rejection(
    run_cli, registered_db: Database, dump_db, tmp_path: Path
) -> None:
    folder = tmp_path / "unknown"
    from delivery_files import valid_frames

    write_delivery(folder, "excel_nl", frames=valid_frames(agb=AGB_UNKNOWN))
    report = tmp_path / "report.json"
    before = dump_db(registered_db)
    result = _ingest(
        run_cli,
        registered_db,
        *sorted(folder.iterdir()),
        agb=AGB_UNKNOWN,
        extra=("--report-json", report),
    )
    assert result.returncode == 1
    assert "staat niet in het aanbiedersregister" in result.stdout
    errors = json.loads(report.read_text(encoding="utf-8"))["errors"]
    assert [(e["value"], e["file"]) for e in errors] == [(AGB_UNKNOWN, None)]
    assert_only_rejections_audited(registered_db, before)


POPULATION = FIXTURES / "excel_nl" / "population.csv"
USAGE_ERRORS = {
    "unknown option": ["--provider", AGB_A, "--quarter", QUARTER, "--force", POPULATION],
    "unreadable quarter": ["--provider", AGB_A, "--quarter", "tweede kwartaal", POPULATION],
    "quarter out of range": ["--provider", AGB_A, "--quarter", "2025Q5", POPULATION],
    "seven-digit provider": ["--provider", "1234567", "--quarter", QUARTER, POPULATION],
    "provider with letters": ["--provider", "AGB12345", "--quarter", QUARTER, POPULATION],
    "missing provider": ["--quarter", QUARTER, POPULATION],
    "file does not exist": ["--provider", AGB_A, "--quarter", QUARTER, "missing.csv"],
    "folder instead of file": ["--provider", AGB_A, "--quarter", QUARTER, "tests"],
    "no files": ["--provider", AGB_A, "--quarter", QUARTER],
    "bad --lang": ["--provider", AGB_A, "--quarter", QUARTER, "--lang", "de", POPULATION],
    "report folder missing": [
        "--provider",
        AGB_A,
        "--quarter",
        QUARTER,
        "--report-json",
        "no/such/folder/r.json",
        POPULATION,
    ],
}
# The four the specification names run as real processes; the rest call main() in-process.
SUBPROCESS_USAGE_ERRORS = (
    "unknown option",
    "unreadable quarter",
    "seven-digit provider",
    "file does not exist",
)


# Usage errors are found before the database is opened (argparse, the FILE checks): the same for
# both backends, so the file backend only (a lake per case costs seconds and proves nothing more).
@pytest.mark.file_only
@pytest.mark.parametrize("case", SUBPROCESS_USAGE_ERRORS)
def test_usage_errors_exit_2(run_cli, registered_db: Database, dump_db, case: str) -> None:
    before = dump_db(registered_db)
    result = run_cli(INGEST, "--db", registered_db.path, *USAGE_ERRORS[case])
    assert result.returncode == 2, (case, result.stdout, result.stderr)
    assert "gebruik:" in result.stderr  # argparse in the default language
    _no_traceback(result)
    assert dump_db(registered_db) == before


@pytest.mark.file_only
@pytest.mark.parametrize("case", sorted(set(USAGE_ERRORS) - set(SUBPROCESS_USAGE_ERRORS)))
def test_more_usage_errors_exit_2(registered_db: Database, dump_db, capsys, case: str) -> None:
    from pipelines.ingest import main

    before = dump_db(registered_db)
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", registered_db.path, *(str(a) for a in USAGE_ERRORS[case])])
    assert exit_info.value.code == 2, case
    assert "gebruik:" in capsys.readouterr().err
    assert dump_db(registered_db) == before


def test_database_that_is_not_duckdb_is_a_usage_error(run_cli, tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.duckdb"
    not_a_db.write_text("dit is geen database\n", encoding="utf-8")
    result = run_cli(
        INGEST, "--db", not_a_db, "--provider", AGB_A, "--quarter", QUARTER, FIXTURES / "excel.xlsx"
    )
    assert result.returncode == 2
    assert "kan niet worden geopend" in result.stderr
    _no_traceback(result)


def test_csvs_are_recognised_by_header_not_name(
    run_cli, registered_db: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "anonymous"
    paths = write_delivery(
        folder,
        "libreoffice_comma",
        names={"population": "upload1.csv", "offer": "upload2.csv", "results": "export (3).csv"},
    )
    result = _ingest(run_cli, registered_db, *paths)
    assert result.returncode == 0, result.stdout
    tables = registered_db.query(
        "SELECT table_name, file_name FROM table_versions ORDER BY table_name"
    ).rows()
    assert tables == [
        ("offer", "upload2.csv"),
        ("population", "upload1.csv"),
        ("results", "export (3).csv"),
    ]


@pytest.mark.parametrize("quarter", ["2025-Q2", "Q2 2025"])
def test_quarter_spellings_on_the_command_line(
    run_cli, registered_db: Database, quarter: str
) -> None:
    result = _ingest(run_cli, registered_db, FIXTURES / "excel.xlsx", quarter=quarter)
    assert result.returncode == 0, result.stdout
    assert registered_db.scalar("SELECT DISTINCT quarter FROM table_versions") == "2025Q2"


def test_all_broken_fixtures_exit_1_without_traceback_and_change_nothing(
    run_cli, registered_db: Database, dump_db, tmp_path: Path
) -> None:
    """Every broken fixture in one run: each file is named in the report, no traceback.

    (Each fixture is also ingested on its own, in-process, in test_read.py.)
    """
    before = dump_db(registered_db)
    broken = sorted((FIXTURES / "broken").iterdir())
    report = tmp_path / "report.json"
    result = _ingest(run_cli, registered_db, *broken, extra=("--report-json", report))
    assert result.returncode == 1
    _no_traceback(result)
    assert result.stderr == ""
    errors = json.loads(report.read_text(encoding="utf-8"))["errors"]
    assert all(list(entry) == ERROR_KEYS for entry in errors)
    assert {entry["file"] for entry in errors} == {path.name for path in broken}
    assert not any("software" in entry["message"] for entry in errors)
    assert_only_rejections_audited(registered_db, before)


def test_two_providers_and_a_redelivery(run_cli, registered_db: Database, tmp_path: Path) -> None:
    from delivery_files import valid_frames

    for agb in (AGB_A, AGB_B):
        paths = write_delivery(tmp_path / agb, "excel_utf8", frames=valid_frames(agb=agb))
        assert _ingest(run_cli, registered_db, *paths, agb=agb).returncode == 0
    again = _ingest(run_cli, registered_db, FIXTURES / "libreoffice.xlsx")
    assert again.returncode == 0
    assert "versie 2" in again.stdout
    versions = registered_db.query(
        "SELECT provider_agb, table_name, max(version) AS v FROM table_versions "
        "GROUP BY ALL ORDER BY ALL"
    ).rows()
    assert versions == [(AGB_A, t, 2) for t in ("offer", "population", "results")] + [
        (AGB_B, t, 1) for t in ("offer", "population", "results")
    ]


# ---- a busy database (issue 18 item 3) and audited rejections (issue 13 item 14) -------------


@pytest.mark.file_only  # a file lock held by another process; the lake has none
@pytest.mark.parametrize("module", [INGEST, "pipelines.bulk"])
def test_a_busy_database_exits_3_with_a_report_that_says_so(
    run_cli, registered_db: Database, dump_db, delivery_dir: Path, tmp_path: Path, module: str
) -> None:
    """Before: exit 1 (the code for "rejected") and no --report-json at all."""
    from conftest import cli_env, database_held

    before = dump_db(registered_db)
    with database_held(registered_db.path, 20):
        report = tmp_path / "report.json"
        files = sorted(delivery_dir.iterdir())
        identity = ("--provider", AGB_A, "--quarter", QUARTER) if module == INGEST else ()
        result = run_cli(
            module,
            "--db",
            registered_db.path,
            *identity,
            "--report-json",
            report,
            *files,
            env=cli_env(IMPACTMONITOR_LOCK_TIMEOUT="1"),
        )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "bezet" in result.stderr and "opnieuw" in result.stderr
    assert "afgewezen" not in result.stdout + result.stderr
    _no_traceback(result)
    data = json.loads(report.read_text(encoding="utf-8"))
    entry = data if module == INGEST else data[0]
    assert entry["accepted"] is False and entry["busy"] is True
    assert "bezet" in entry["errors"][0]["message"]
    assert dump_db(registered_db) == before  # nothing stored, and no rejection audited


@pytest.mark.parametrize("module", [INGEST, "pipelines.bulk"])
def test_help_documents_the_exit_codes(run_cli, module: str) -> None:
    dutch, english = run_cli(module, "--help"), run_cli(module, "--help", "--lang", "en")
    assert dutch.returncode == english.returncode == 0
    text = " ".join(dutch.stdout.split())
    assert "1 afgewezen" in text or "1 iets afgewezen" in text
    assert "3 database bezet" in text and "probeer het later opnieuw" in text
    text = " ".join(english.stdout.split())
    assert "1 rejected" in text or "1 any rejected" in text
    assert "3 database busy" in text and "try again later" in text


def test_a_rejection_through_the_command_line_is_audited(
    run_cli, registered_db: Database, dump_db
) -> None:
    """Before: only the app audited rejections; the command line left no trace of them."""
    before = dump_db(registered_db)
    bad = FIXTURES / "broken" / "municipality_merged.csv"
    result = _ingest(run_cli, registered_db, bad, extra=("--actor", "cli:planner"))
    assert result.returncode == 1
    assert_only_rejections_audited(registered_db, before)
    event = registered_db.query(
        "SELECT actor, provider_agb, quarter, details FROM audit_log "
        "WHERE action = 'delivery_rejected'"
    )
    assert event.row(0)[:3] == ("cli:planner", AGB_A, QUARTER)
    details = json.loads(event["details"][0])
    from pipelines.read import sha256

    assert details == {
        "files": [
            {"name": bad.name, "sha256": sha256(bad.read_bytes()), "bytes": bad.stat().st_size}
        ],
        "errors": 1,
        "source": "cli",
    }
