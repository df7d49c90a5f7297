"""`python -m pipelines.register`: all or nothing, idempotent reloads, history of changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from impactmonitor.storage import Database
from pipelines.register import parse_register

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


BAD_REGISTERS = [
    ("bad AGB", [GOOD[0], "8765432X;Naam;B;;;"], "Rij 3: provider_agb '8765432X' is geen"),
    ("seven-digit AGB", ["1234567;Naam;A;;;"], "bedoelt u 01234567?"),
    ("duplicate AGB", [GOOD[0], GOOD[0]], "Rij 3: provider_agb 01234567 staat ook op rij 2."),
    ("empty name", ["01234567;;A;;;"], "Rij 2: de naam (name) is leeg."),
    ("bad category", ["01234567;Naam;D;;;"], "Rij 2: category 'D' moet A, B of C zijn."),
    ("bad date", ["01234567;Naam;A;;31-02-2023;"], "contract_start '31-02-2023' is geen datum"),
    (
        "end before start",
        ["01234567;Naam;A;;2024-01-01;2023-01-01"],
        "Rij 2: contract_end ligt vóór contract_start.",
    ),
    ("ragged row", ["01234567;Naam;A;;"], "Rij 2: 5 velden, de kopregel heeft er 6."),
    ("only header", [], "Het bestand bevat geen aanbieders."),
]


@pytest.mark.parametrize(
    ("case", "lines", "message"), BAD_REGISTERS, ids=[c[0] for c in BAD_REGISTERS]
)
def test_bad_register_rows_write_nothing(
    run_cli,
    registered_db: Database,
    dump_db,
    tmp_path: Path,
    case: str,
    lines: list[str],
    message: str,
) -> None:
    if case in ("bad AGB", "duplicate AGB"):  # two of them through the real command line
        before = dump_db(registered_db)
        result = _load(run_cli, registered_db, tmp_path, _csv([*GOOD[1:], *lines]))
        assert result.returncode == 1
        assert "Register afgewezen" in result.stdout and "Traceback" not in result.stderr
        assert dump_db(registered_db) == before
    entries, errors = parse_register(_csv(lines))
    assert entries is None
    assert any(message in e for e in errors), errors


@pytest.mark.parametrize(
    ("case", "content", "message"),
    [
        ("empty file", b"", "leeg of niet te lezen"),
        ("binary", b"\x00\x01\x02PK\x00" * 50, "leeg of niet te lezen"),
        (
            "missing column",
            _csv(["01234567;Naam;A;;"], header=HEADER.rsplit(";", 1)[0]),
            "Rij 1: de kolom contract_end ontbreekt.",
        ),
        (
            "unknown column",
            _csv(["01234567;Naam;A;;;;x"], header=HEADER + ";opmerking"),
            "Rij 1: onbekende kolom opmerking.",
        ),
        ("broken quotes", _csv(['01234567;"Naam;A;;;']), "aanhalingsteken"),
        ("separators only", b";;;;;\r\n;;;;;\r\n", "geen aanbieders"),
    ],
)
def test_bad_register_files(case: str, content: bytes, message: str) -> None:
    entries, errors = parse_register(content)
    assert entries is None and any(message in e for e in errors), errors
    assert all(e and "{" not in e for e in parse_register(content, "en")[1])


def test_register_as_excel_and_libreoffice_write_it() -> None:
    excel = _csv(["01234567;Zorg & Welzijn Café;A;;1-1-2022;"])  # cp1252, `;`, Dutch dates
    libreoffice = (
        '"provider_agb","name","category","lot","contract_start","contract_end"\n'
        '"01234567","Zorg, Welzijn en Cliënt","a","","2022-01-01",""\n'
    ).encode()
    for content, name in ((excel, "Zorg & Welzijn Café"), (libreoffice, "Zorg, Welzijn en Cliënt")):
        entries, errors = parse_register(content)
        assert errors == []
        assert entries.row(0, named=True)["name"] == name
        assert entries["category"].to_list() == ["A"]


def test_register_after_empty_lines_names_rows_as_excel_numbers_them() -> None:
    content = b"\r\n;;;;;\r\n" + _csv(["01234567;Naam;A;;1-1-2022;", "1234567;Naam;A;;;"])
    entries, errors = parse_register(content)
    assert entries is None
    assert len(errors) == 1 and errors[0].startswith("Rij 5:"), errors
    good, no_errors = parse_register(b"\r\n;;;;;\r\n" + _csv(GOOD))
    assert no_errors == [] and good["provider_agb"].to_list() == [g[:8] for g in GOOD]


def test_register_usage_errors(run_cli, empty_db: Database) -> None:
    result = run_cli(REGISTER, "--db", empty_db.path, "no-such-file.csv")
    assert result.returncode == 2 and "usage:" in result.stderr
    assert "Traceback" not in result.stderr
