"""`python -m pipelines.register`: all or nothing, idempotent reloads, history of changes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from app_support import app_as, page_path, shown_frames, texts

from impactmonitor.access import User
from impactmonitor.storage import Database
from pipelines.register import parse_register, register_csv

REGISTER = "pipelines.register"
HEADER = "provider_agb;name;category;lot;contract_start;contract_end"
GOOD = [
    "01234567;Jeugdzorg Rijnmond;A;;1-1-2022;",
    "87654321;Gezinshuis De Maas;B;perceel 2;2023-01-01;31-12-2026",
    "22223333;Crisisdienst Zuid;C;;2024-01-01;",
]


def _csv(lines: list[str], header: str = HEADER, encoding: str = "cp1252") -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode(encoding)


def _load(run_cli, db: Database, tmp_path: Path, content: bytes, *extra: str):
    path = tmp_path / "register.csv"
    path.write_bytes(content)
    return run_cli(REGISTER, "--db", db.path, *extra, path)


def test_load_reload_and_change(run_cli, empty_db: Database, tmp_path: Path) -> None:
    first = _load(run_cli, empty_db, tmp_path, _csv(GOOD))
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Opgeslagen: 3 nieuwe of gewijzigde aanbieder(s)." in first.stdout
    providers = empty_db.query("SELECT * FROM providers ORDER BY provider_agb")
    assert providers["provider_agb"].to_list() == ["01234567", "22223333", "87654321"]
    assert str(providers["contract_start"][0]) == "2022-01-01"
    assert str(providers["contract_end"][2]) == "2026-12-31"
    assert providers["lot"].to_list() == [None, None, "perceel 2"]

    again = _load(run_cli, empty_db, tmp_path, _csv(GOOD))
    assert again.returncode == 0 and "Opgeslagen: 0 nieuwe" in again.stdout
    assert empty_db.scalar("SELECT count(*) FROM provider_register") == 3

    changed = [GOOD[0], GOOD[1].replace(";B;", ";A;"), GOOD[2]]
    third = _load(run_cli, empty_db, tmp_path, _csv(changed), "--lang", "en")
    assert third.returncode == 0 and "Saved: 1 new or changed provider(s)." in third.stdout
    history = empty_db.query(
        "SELECT category FROM provider_register WHERE provider_agb = '87654321' "
        "ORDER BY registered_at"
    )
    assert history["category"].to_list() == ["B", "A"]  # the old entry is kept
    assert empty_db.scalar("SELECT category FROM providers WHERE provider_agb = '87654321'") == "A"


# (case, rows, (code, row, column) of the finding expected among the errors). The register is
# read, parsed and validated as a delivery table is: the findings and messages are the same kinds.
BAD_REGISTERS = [
    ("bad AGB", [GOOD[0], "8765432X;Naam;B;;;"], ("cell_bad_agb", 3, "provider_agb")),
    ("seven-digit AGB", ["1234567;Naam;A;;;"], ("cell_agb_lost_zero", 2, "provider_agb")),
    ("duplicate AGB", [GOOD[0], GOOD[0]], ("row_duplicate_provider", 3, "provider_agb")),
    ("empty name", ["01234567;;A;;;"], ("cell_empty", 2, "name")),
    ("formula as name", ["01234567;=HYPERLINK(1);A;;;"], ("cell_formula", 2, "name")),
    ("bad category", ["01234567;Naam;D;;;"], ("value_unknown_category", 2, "category")),
    ("bad date", ["01234567;Naam;A;;31-02-2023;"], ("cell_bad_date", 2, "contract_start")),
    (
        "end before start",
        ["01234567;Naam;A;;2024-01-01;2023-01-01"],
        ("rule_contract_end_after_start", 2, "contract_end"),
    ),
    ("ragged row", ["01234567;Naam;A;;"], ("row_ragged", 2, None)),
    ("only header", [], ("file_header_only", 1, None)),
]


def _where(findings) -> list[tuple]:
    return [(f.code, f.row, f.column) for f in findings if f.is_error]


@pytest.mark.parametrize(
    ("case", "lines", "expected"), BAD_REGISTERS, ids=[c[0] for c in BAD_REGISTERS]
)
def test_bad_register_rows_write_nothing(
    run_cli,
    registered_db: Database,
    dump_db,
    tmp_path: Path,
    case: str,
    lines: list[str],
    expected: tuple,
) -> None:
    if case in ("bad AGB", "duplicate AGB"):  # two of them through the real command line
        before = dump_db(registered_db)
        result = _load(run_cli, registered_db, tmp_path, _csv([*GOOD[1:], *lines]))
        assert result.returncode == 1
        assert "Register afgewezen" in result.stdout and "Traceback" not in result.stderr
        assert dump_db(registered_db) == before
    entries, findings = parse_register(_csv(lines))
    assert entries is None
    assert expected in _where(findings), _where(findings)
    for lang in ("nl", "en"):
        assert all(f.message(lang) and "{" not in f.message(lang) for f in findings)


def test_register_messages_say_what_to_do() -> None:
    """The register's own cases in plain words: the padded AGB code, the other row."""
    _, findings = parse_register(_csv(["1234567;Naam;A;;;", GOOD[1], GOOD[1]]))
    messages = {f.code: f.message("nl") for f in findings}
    assert messages["cell_agb_lost_zero"] == (
        "Deze AGB-code heeft 7 cijfers; bedoelt u 01234567? Zet de kolom in Excel op 'Tekst' "
        "zodat de voorloopnul blijft staan."
    )
    assert messages["row_duplicate_provider"] == (
        "AGB-code 87654321 staat ook op rij 3. Elke aanbieder staat één keer in het register."
    )


@pytest.mark.parametrize(
    ("case", "content", "code"),
    [
        ("empty file", b"", "file_empty"),
        ("binary", b"\x00\x01\x02PK\x00" * 50, "file_binary"),
        ("workbook", b"PK\x03\x04" + b"\x00" * 100, "file_csv_only"),
        (
            "missing column",
            _csv(["01234567;Naam;A;;"], header=HEADER.rsplit(";", 1)[0]),
            "header_missing_column",
        ),
        (
            "unknown column",
            _csv(["01234567;Naam;A;;;;x"], header=HEADER + ";opmerking"),
            "header_unknown_column",
        ),
        ("broken quotes", _csv(['01234567;"Naam;A;;;']), "csv_broken_quotes"),
        ("separators only", b";;;;;\r\n;;;;;\r\n", "file_empty"),
    ],
)
def test_bad_register_files(case: str, content: bytes, code: str) -> None:
    entries, findings = parse_register(content)
    assert entries is None and code in {f.code for f in findings}, _where(findings)
    assert all(f.message("en") and "{" not in f.message("en") for f in findings)


def test_register_as_excel_and_libreoffice_write_it() -> None:
    excel = _csv(["01234567;Zorg & Welzijn Café;A;;1-1-2022;"])  # cp1252, `;`, Dutch dates
    libreoffice = (
        '"provider_agb","name","category","lot","contract_start","contract_end"\n'
        '"01234567","Zorg, Welzijn en Cliënt","a","","2022-01-01",""\n'
    ).encode()
    for content, name in ((excel, "Zorg & Welzijn Café"), (libreoffice, "Zorg, Welzijn en Cliënt")):
        entries, findings = parse_register(content)
        assert findings == []
        assert entries.row(0, named=True)["name"] == name
        assert entries["category"].to_list() == ["A"]
        assert str(entries["contract_start"][0]) == "2022-01-01"


def test_register_after_empty_lines_names_rows_as_excel_numbers_them() -> None:
    content = b"\r\n;;;;;\r\n" + _csv(["01234567;Naam;A;;1-1-2022;", "1234567;Naam;A;;;"])
    entries, findings = parse_register(content)
    assert entries is None
    assert _where(findings) == [("cell_agb_lost_zero", 5, "provider_agb")]
    good, no_findings = parse_register(b"\r\n;;;;;\r\n" + _csv(GOOD))
    assert no_findings == [] and good["provider_agb"].to_list() == [g[:8] for g in GOOD]


def test_an_entry_from_the_form_is_read_back_as_typed() -> None:
    """The administrator's form writes one entry as a register file: separators and quotes in a
    name survive."""
    entry = {
        "provider_agb": "01234567",
        "name": 'Zorg; "De Haven"',
        "category": "B",
        "lot": "",
        "contract_start": "2023-01-01",
        "contract_end": "2026-12-31",
    }
    entries, findings = parse_register(register_csv([entry]))
    assert findings == []
    assert entries.row(0, named=True) == {
        "provider_agb": "01234567",
        "name": 'Zorg; "De Haven"',
        "category": "B",
        "lot": None,
        "contract_start": date(2023, 1, 1),
        "contract_end": date(2026, 12, 31),
    }


def test_register_usage_errors(run_cli, empty_db: Database) -> None:
    result = run_cli(REGISTER, "--db", empty_db.path, "no-such-file.csv")
    assert result.returncode == 2 and "gebruik:" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.file_only  # a file lock held by another process; the lake has none
def test_a_busy_database_exits_3_as_the_other_command_lines_do(
    run_cli, registered_db: Database, dump_db, tmp_path: Path
) -> None:
    from conftest import cli_env, database_held

    before = dump_db(registered_db)
    path = tmp_path / "register.csv"
    path.write_bytes(_csv(GOOD))
    with database_held(registered_db.path, 20):
        result = run_cli(
            REGISTER,
            "--db",
            registered_db.path,
            path,
            env=cli_env(IMPACTMONITOR_LOCK_TIMEOUT="1"),
        )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "bezet" in result.stderr and "Traceback" not in result.stderr
    assert dump_db(registered_db) == before


def test_the_admin_page_shows_register_findings_in_the_users_language(
    registered_db: Database, monkeypatch
) -> None:
    at = app_as(User("beheerder", "admin"), registered_db.path, monkeypatch, {"lang": "en"}).run()
    at.switch_page(page_path("admin")).run()
    at.file_uploader(key="admin_register_csv").upload(
        "aanbieders.csv", _csv(["1234567;Naam;A;;;"]), "text/csv"
    ).run()
    at.button(key="admin_register_load").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Register rejected: 1 error(s); nothing was stored."]
    findings = next(f for f in shown_frames(at) if "Message" in f.columns)  # (English headers)
    assert findings["Row"].tolist() == [2] and findings["Column"].tolist() == ["provider_agb"]
    assert "did you mean 01234567?" in findings["Message"][0]
    assert "bedoelt u" not in texts(at)
