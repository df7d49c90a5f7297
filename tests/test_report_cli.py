"""`python -m pipelines.report kpis|target`: options, columns, values, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from kpi_data import P1, P2, clients, register, results_row, store

from impactmonitor.storage import Database
from pipelines import report
from pipelines.report import KPI_COLUMNS, TARGET_COLUMNS


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """P1 (A) and P2 (B) in 2022Q1..2022Q4 and 2025Q2; P1 2025Q2 goal achievement 37 / 55."""
    path = tmp_path_factory.mktemp("report") / "report.duckdb"
    db = Database(path)
    db.ensure_schema()
    register(db, {P1: "A", P2: "B"})
    for quarter in ("2022Q1", "2022Q2", "2022Q3", "2022Q4", "2025Q2"):
        short = 100 if quarter < "2025" else 80
        store(
            db,
            P1,
            quarter,
            population=[clients("residential_short", short), clients("foster_care", 50)],
            results=[results_row("ambulant", trajectories_ended=55, goals_achieved=37, dropouts=3)],
        )
        store(
            db,
            P2,
            quarter,
            population=[clients("ambulant", 20)],
            results=[results_row("ambulant", trajectories_ended=8, goals_achieved=8)],
        )
    return path


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str]:
    code = report.main([str(a) for a in args])
    return code, capsys.readouterr().out


def test_kpis_csv_columns_and_values(db_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, out = run(capsys, "kpis", "--db", db_path, "--quarter", "2025Q2")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert (
        tuple(rows[0])
        == KPI_COLUMNS
        == (
            "provider_agb",
            "category",
            "quarter",
            "kpi",
            "numerator",
            "denominator",
            "value",
            "status",
            "norm",
        )
    )
    goal = next(r for r in rows if r["provider_agb"] == P1 and r["kpi"] == "goal_achievement")
    assert (goal["category"], goal["quarter"], goal["numerator"], goal["denominator"]) == (
        "A",
        "2025Q2",
        "37",
        "55",
    )
    assert float(goal["value"]) == pytest.approx(37 / 55)
    assert goal["status"] == "amber"  # 67.3%: at least 60, below 70
    assert goal["norm"] == "green >= 0.7, amber >= 0.6 (default)"
    small = next(r for r in rows if r["provider_agb"] == P2 and r["kpi"] == "goal_achievement")
    assert small["status"] == "n<10"  # 8 trajectories
    assert {r["quarter"] for r in rows} == {"2025Q2"}


def test_kpis_json_with_filters(db_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, out = run(
        capsys,
        "kpis",
        "--db",
        db_path,
        "--quarter",
        "2025-Q2",
        "--provider",
        P2,
        "--format",
        "json",
    )
    assert code == 0
    rows = json.loads(out)
    assert {r["provider_agb"] for r in rows} == {P2}
    assert {r["quarter"] for r in rows} == {"2025Q2"}
    assert set(rows[0]) == set(KPI_COLUMNS)


def test_kpis_all_quarters_of_a_category(db_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, out = run(capsys, "kpis", "--db", db_path, "--category", "B")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and {r["provider_agb"] for r in rows} == {P2}
    assert {r["quarter"] for r in rows} == {"2022Q1", "2022Q2", "2022Q3", "2022Q4", "2025Q2"}


def test_target_series(db_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, out = run(capsys, "target", "--db", db_path)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and tuple(rows[0]) == TARGET_COLUMNS
    short = {r["quarter"]: r for r in rows if r["index"] == "short_residential"}
    # 80 clients against the 2022 average of 100
    assert float(short["2025Q2"]["value"]) == pytest.approx(0.8)
    assert float(short["2025Q2"]["target_path"]) == pytest.approx(0.75)
    assert short["2025Q4"]["value"] == ""  # future quarter: path and projection only
    assert short["2025Q4"]["statement"]


@pytest.mark.parametrize(
    "args",
    [
        ["kpis", "--quarter", "2025Q5"],
        ["kpis", "--provider", "1234"],
        ["kpis", "--category", "D"],
        ["kpis", "--lang", "en"],
        ["kpis", "--format", "xml"],
        ["target", "--quarter", "2025Q2"],
        ["summary"],
    ],
)
def test_usage_errors_exit_2(db_path: Path, args: list[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        report.main([args[0], "--db", str(db_path), *args[1:]])
    assert raised.value.code == 2


def test_missing_database_is_a_usage_error(tmp_path: Path, run_cli) -> None:
    result = run_cli("pipelines.report", "kpis", "--db", tmp_path / "nope.duckdb")
    assert result.returncode == 2
    assert not (tmp_path / "nope.duckdb").exists()


def test_command_line_runs_as_a_module(db_path: Path, run_cli) -> None:
    result = run_cli(
        "pipelines.report",
        "kpis",
        "--db",
        db_path,
        "--quarter",
        "2025Q2",
        "--provider",
        P1,
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    assert {row["kpi"] for row in json.loads(result.stdout)} >= {"goal_achievement", "dropout"}


# ---- report agreements (issue 16) ---------------------------------------------------------------


@pytest.fixture
def agreements_db(db_path: Path, tmp_path: Path) -> Path:
    """A copy of the module's database with two agreements: P1 goal achievement ≥ 70% by
    2025Q2 (37 / 55 = 67.3% then: missed), P2 at most 25 clients by 2025Q4 (20: on track)."""
    import shutil

    from kpi_data import MANAGER

    from impactmonitor.agreements import record_agreement

    path = tmp_path / "agreements.duckdb"
    shutil.copyfile(db_path, path)
    db = Database(path)
    record_agreement(
        db,
        MANAGER,
        P1,
        title="Doelrealisatie omhoog",
        measure_kind="kpi",
        measure="goal_achievement",
        target_value=0.70,
        start_quarter="2025Q1",
        deadline_quarter="2025Q2",
    )
    record_agreement(
        db,
        MANAGER,
        P2,
        title="Niet meer dan 25 cliënten",
        measure_kind="count",
        measure="clients",
        target_value=25,
        start_quarter="2025Q1",
        deadline_quarter="2025Q4",
    )
    return path


def test_agreements_csv(agreements_db: Path, capsys: pytest.CaptureFixture) -> None:
    code, out = run(capsys, "agreements", "--db", agreements_db, "--quarter", "2025Q2")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert (
        tuple(rows[0])
        == report.AGREEMENT_COLUMNS
        == (
            "provider_agb",
            "name",
            "agreement_id",
            "title",
            "measure",
            "care_form",
            "direction",
            "target",
            "start",
            "deadline",
            "latest_quarter",
            "latest_value",
            "status",
        )
    )
    by_provider = {r["provider_agb"]: r for r in rows}
    first = by_provider[P1]
    assert (
        first["measure"],
        first["direction"],
        first["deadline"],
        first["latest_quarter"],
        first["status"],
    ) == ("kpi:goal_achievement", "higher", "2025Q2", "2025Q2", "missed")
    assert float(first["latest_value"]) == pytest.approx(37 / 55)
    assert float(first["target"]) == 0.70
    second = by_provider[P2]
    assert (second["measure"], second["latest_value"], second["status"]) == (
        "count:clients",
        "20.0",
        "on_track",
    )


def test_agreements_json_for_one_provider(agreements_db: Path, run_cli) -> None:
    result = run_cli(
        "pipelines.report",
        "agreements",
        "--db",
        agreements_db,
        "--provider",
        P2,
        "--quarter",
        "2025Q2",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["provider_agb"], r["title"], r["status"]) for r in rows] == [
        (P2, "Niet meer dan 25 cliënten", "on_track")
    ]


@pytest.mark.parametrize(
    "args", [["--provider", "123"], ["--quarter", "2025Q9"], ["--category", "A"]]
)
def test_agreements_usage_errors_exit_2(agreements_db: Path, args: list[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        report.main(["agreements", "--db", str(agreements_db), *args])
    assert raised.value.code == 2
