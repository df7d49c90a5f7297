"""The sample generator: deterministic files, the region's shape and story, the broken files."""

from __future__ import annotations

import os
import re
import time
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from impactmonitor.quarters import quarter_end
from impactmonitor.storage import Database
from pipelines.ingest import Upload, ingest
from pipelines.read import read_upload
from pipelines.register import load_register
from tools.sample import load_region, write_region_files
from tools.sample import main as sample_main

REPO_SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
GENERATED = ("README.md", "region", "deliveries", "broken", "templates")


def all_files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for name in GENERATED
        for path in ([root / name] if (root / name).is_file() else (root / name).rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def region_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample region's files, generated once for this module (no database)."""
    out = tmp_path_factory.mktemp("sample")
    write_region_files(out)
    return out


@pytest.fixture(scope="module")
def region_db(region_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Database:
    """A database with the whole sample region loaded through the pipeline (≈ 10 s, once)."""
    db = Database(tmp_path_factory.mktemp("region") / "region.duckdb")
    started = time.perf_counter()
    summary = load_region(db, region_files, echo=False)
    print(f"\nregion load: {time.perf_counter() - started:.1f} s, {summary}")
    return db


def rows(db: Database, sql: str, params: list | None = None) -> list[tuple]:
    with db.connection() as con:
        return con.execute(sql, params or []).fetchall()


# ---- files --------------------------------------------------------------------------------------


def test_regenerating_gives_byte_identical_files(region_files: Path, tmp_path: Path) -> None:
    write_region_files(tmp_path)
    first, second = all_files(region_files), all_files(tmp_path)
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_the_committed_sample_data_is_current(region_files: Path) -> None:
    generated, committed = all_files(region_files), all_files(REPO_SAMPLE)
    stale = sorted(
        name
        for name in generated.keys() | committed.keys()
        if generated.get(name) != committed.get(name)
    )
    assert stale == [], (
        "sample_data/ differs from the generator; regenerate with "
        "`python -m tools.sample --db /tmp/x.duckdb --out sample_data "
        "--files-only`"
    )


def test_sample_data_stays_small() -> None:
    total = sum(len(content) for content in all_files(REPO_SAMPLE).values())
    assert total < 3_000_000


def test_register_has_6_a_20_b_14_c_providers_with_8_digit_codes(region_files: Path) -> None:
    register = pl.read_csv(
        region_files / "region" / "providers.csv", schema_overrides={"provider_agb": pl.String}
    )
    counts = dict(register.group_by("category").len().iter_rows())
    assert counts == {"A": 6, "B": 20, "C": 14}
    assert register["provider_agb"].str.contains(r"^\d{8}$").all()
    assert register["provider_agb"].str.starts_with("0").sum() >= 5
    assert register["provider_agb"].n_unique() == 40
    assert register.filter(pl.col("category") == "B")["lot"].n_unique() == 5
    assert register.filter(pl.col("category") != "B")["lot"].is_null().all()


def test_municipalities_honour_the_2023_merger(region_files: Path) -> None:
    population = pl.read_csv(
        region_files / "region" / "population.csv", schema_overrides={"provider_agb": pl.String}
    )
    per_quarter = (
        population.group_by("quarter")
        .agg(pl.col("municipality_code").unique().sort())
        .sort("quarter")
    )
    merged = {"GM0501", "GM0530", "GM0614"}
    for quarter, codes in per_quarter.iter_rows():
        if quarter <= "2022Q4":
            assert merged <= set(codes) and "GM1992" not in codes and len(codes) == 15
        else:
            assert not merged & set(codes) and "GM1992" in codes and len(codes) == 13


def test_deliveries_come_in_the_formats_providers_use(region_files: Path) -> None:
    folder = region_files / "deliveries"
    contents = {path.name: path.read_bytes() for path in folder.iterdir()}
    csvs = {name: data for name, data in contents.items() if name.endswith(".csv")}
    dutch = [d for n, d in csvs.items() if n.endswith("_populatie.csv")]
    assert any(d.startswith(b"\xef\xbb\xbf") for d in dutch)  # Excel CSV UTF-8
    assert any(not d.startswith(b"\xef\xbb\xbf") for d in dutch)  # Excel CSV (Windows-1252)
    assert all(b";" in d.split(b"\r\n")[0] for d in dutch)
    assert any(re.search(rb";\d{1,3}\.\d{3}(;|\r\n)", d) for d in csvs.values())  # 1.234
    assert any(re.search(rb";\d+,\d+;", d) for n, d in csvs.items() if "aanbod" in n)  # 12,5
    libre = [d for n, d in csvs.items() if n.endswith("_population.csv")]
    assert libre and all(b"\r\n" not in d and b"," in d.split(b"\n")[0] for d in libre)
    sheets = set()
    for name, data in contents.items():
        if name.endswith(".xlsx"):
            tables, findings = read_upload(name, data)
            assert not [f for f in findings if f.is_error]
            sheets.add(tuple(sorted(t.table for t in tables)))
    assert ("offer", "population", "results") in sheets


def test_templates_hold_only_the_header_of_each_table(region_files: Path) -> None:
    folder = region_files / "templates"
    for table in ("population", "offer", "results"):
        content = (folder / f"{table}.csv").read_bytes()
        assert content.startswith(b"\xef\xbb\xbf") and content.endswith(b"\r\n")
        assert content.count(b"\r\n") == 1 and b";" in content
        tables, findings = read_upload(f"{table}.csv", content)
        assert [(f.code, f.table) for f in findings] == [("file_header_only", table)]
    tables, findings = read_upload(
        "delivery_template.xlsx", (folder / "delivery_template.xlsx").read_bytes()
    )
    assert sorted((f.code, f.table) for f in findings) == [
        ("file_header_only", "offer"),
        ("file_header_only", "population"),
        ("file_header_only", "results"),
    ]


# ---- the loaded region --------------------------------------------------------------------------


def test_every_provider_has_deliveries(region_db: Database) -> None:
    providers = rows(region_db, "SELECT count(*) FROM providers")[0][0]
    delivered = rows(region_db, "SELECT count(DISTINCT provider_agb) FROM deliveries")[0][0]
    assert providers == delivered == 40
    # 2022Q1..2026Q3: 19 quarters; missing ones and late contracts make it a little less.
    assert 700 <= rows(region_db, "SELECT count(*) FROM deliveries")[0][0] <= 760


def clients_index(db: Database, care_forms: tuple[str, ...]) -> dict[str, float]:
    """Clients (start + inflow) per quarter against the 2022 average, as SPEC section 4."""
    placeholders = ", ".join("?" for _ in care_forms)
    series = dict(
        rows(
            db,
            f"""
        SELECT quarter, sum(clients_start + inflow) FROM population
        WHERE care_form IN ({placeholders}) GROUP BY quarter""",
            list(care_forms),
        )
    )
    baseline = sum(v for q, v in series.items() if q.startswith("2022")) / 4
    return {q: v / baseline - 1 for q, v in series.items()}


def test_short_residential_falls_towards_but_not_to_minus_30_percent(region_db: Database) -> None:
    index = clients_index(region_db, ("residential_short",))
    assert -0.30 < index["2025Q4"] < -0.20
    assert index["2024Q4"] > index["2025Q4"]


def test_foster_care_and_family_homes_rise_about_30_percent(region_db: Database) -> None:
    index = clients_index(region_db, ("foster_care", "family_home"))
    assert 0.24 <= index["2025Q4"] <= 0.36


def test_population_is_continuous_between_quarters(region_db: Database) -> None:
    broken = rows(
        region_db,
        """
        SELECT count(*) FROM population a JOIN population b
          ON a.provider_agb = b.provider_agb AND a.municipality_code = b.municipality_code
         AND a.care_form = b.care_form AND a.age_group = b.age_group
         AND b.quarter = CASE WHEN a.quarter[6] = '1'
                              THEN (CAST(a.quarter[1:4] AS INTEGER) - 1) || 'Q4'
                              ELSE a.quarter[1:5] || (CAST(a.quarter[6] AS INTEGER) - 1) END
        WHERE a.clients_start <> b.clients_end""",
    )
    assert broken == [(0,)]


def test_some_providers_deteriorate_into_red_for_two_quarters(region_db: Database) -> None:
    red = rows(
        region_db,
        """
        WITH k AS (
            SELECT provider_agb, quarter, sum(trajectories_ended) AS n,
                   sum(goals_achieved) / sum(trajectories_ended) AS goal,
                   sum(dropouts) / sum(trajectories_ended) AS dropout
            FROM results GROUP BY ALL HAVING sum(trajectories_ended) >= 10),
        flagged AS (
            SELECT *, lag(quarter) OVER (PARTITION BY provider_agb ORDER BY quarter) AS before,
                      lag(goal) OVER (PARTITION BY provider_agb ORDER BY quarter) AS goal_before
            FROM k)
        SELECT DISTINCT provider_agb FROM flagged
        WHERE quarter >= '2025Q3' AND goal < 0.6 AND goal_before < 0.6 AND dropout > 0.15""",
    )
    assert 2 <= len(red) <= 3
    healthy = rows(
        region_db,
        """
        SELECT median(g) FROM (SELECT sum(goals_achieved) / sum(trajectories_ended) AS g
                               FROM results GROUP BY provider_agb, quarter
                               HAVING sum(trajectories_ended) >= 10)""",
    )[0][0]
    assert 0.70 <= healthy <= 0.80


def test_a_few_deliveries_are_late_missing_or_incomplete(region_db: Database) -> None:
    received = rows(region_db, "SELECT provider_agb, quarter, received_at FROM deliveries")
    late = [(agb, q) for agb, q, at in received if at.date() > quarter_end(q) + timedelta(days=30)]
    assert 3 <= len(late) <= 10
    assert any(q >= "2026Q1" for _, q in late)
    incomplete = rows(
        region_db,
        """
        SELECT provider_agb, quarter FROM latest_table_versions GROUP BY ALL
        HAVING count(DISTINCT table_name) < 3""",
    )
    assert 1 <= len(incomplete) <= 3
    per_quarter = dict(
        rows(
            region_db,
            "SELECT quarter, count(*) FROM deliveries WHERE quarter >= '2025Q1' GROUP BY quarter",
        )
    )
    assert min(per_quarter.values()) < max(per_quarter.values())  # a quarter is missing


# ---- broken files -------------------------------------------------------------------------------


def broken_table() -> list[tuple[str, str, str, str, int]]:
    """(file, provider, quarter, error code, min. errors) from broken/README.md."""
    pattern = re.compile(
        r"^\| `([^`]+)` \| .* \| (\d{8}) \| (\d{4}Q[1-4]) \| `([a-z0-9_]+)` "
        r"\| (\d+) \|$"
    )
    table = []
    for line in (REPO_SAMPLE / "broken" / "README.md").read_text(encoding="utf-8").splitlines():
        match = pattern.match(line)
        if match:
            name, agb, quarter, code, minimum = match.groups()
            table.append((name, agb, quarter, code, int(minimum)))
    return table


BROKEN = broken_table()


def test_the_demo_shows_the_quarterly_cycle(region_db: Database) -> None:
    """Agreements with every kind of progress, a missed one proposing the next step, and
    explanations with and without a reply (tools/sample_loop.py)."""
    from datetime import date

    from impactmonitor.access import SYSTEM_USER
    from impactmonitor.agreements import agreement_history, agreement_progress
    from impactmonitor.escalation import escalation_board
    from impactmonitor.explanations import explanation_threads
    from tools.sample_loop import seed_demo_loop

    progress = agreement_progress(region_db, SYSTEM_USER, quarter="2026Q3")
    assert sorted(progress.select("name", "title", "status").rows()) == [
        ("Behandelcentrum De Oever", "Gemiddelde ligduur onder 140 dagen", "missed"),
        ("Jeugdzorg Nieuwe Maas", "Afbouw bedden kortdurend verblijf", "at_risk"),
        ("Jeugdzorg Nieuwe Maas", "Bijdrage aan minder kortdurend verblijf", "on_track"),
        ("Jeugdzorg Nieuwe Maas", "Uitval onder 8%", "achieved"),
        ("Stichting De Havenkring", "Doelrealisatie terug naar 65%", "missed"),
        ("Stichting De Havenkring", "Uitval onder 12%", "off_track"),
        ("Stichting De Havenkring", "Wachtlijst terug naar 100 cliënten", "at_risk"),
    ]
    plan = progress.filter(pl.col("name") == "Stichting De Havenkring")
    assert plan["decision_id"].n_unique() == 1 and plan["decision_id"][0] is not None
    assert agreement_history(region_db, SYSTEM_USER).height == 8  # the beds were revised once
    board = escalation_board(region_db, SYSTEM_USER, as_of=date(2026, 12, 2))
    havenkring = board.filter(pl.col("name") == "Stichting De Havenkring").row(0, named=True)
    assert (havenkring["step"], havenkring["proposed_step"]) == (2, 3)
    assert "agreement_missed" in havenkring["rules"]
    threads = explanation_threads(region_db, SYSTEM_USER)
    assert threads.height == 4 and threads["awaiting_reply"].sum() == 2
    assert seed_demo_loop(region_db) == 0  # only once


def test_the_broken_readme_lists_every_broken_file() -> None:
    listed = {name for name, *_ in BROKEN}
    present = {p.name for p in (REPO_SAMPLE / "broken").iterdir() if p.name != "README.md"}
    assert listed == present
    assert len(listed) >= 23


@pytest.fixture(scope="module")
def register_only_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """The sample register and nothing else: a broken file must fail on its own mistake."""
    db = Database(tmp_path_factory.mktemp("broken") / "register.duckdb")
    written, errors = load_register(
        db, (REPO_SAMPLE / "region" / "providers.csv").read_bytes(), actor="test"
    )
    assert written == 40 and not errors
    return db


@pytest.mark.parametrize(
    ("name", "agb", "quarter", "code", "minimum"), BROKEN, ids=[row[0] for row in BROKEN]
)
def test_each_broken_file_is_rejected_with_its_error(
    register_only_db: Database,
    name: str,
    agb: str,
    quarter: str,
    code: str,
    minimum: int,
) -> None:
    content = (REPO_SAMPLE / "broken" / name).read_bytes()
    outcome = ingest(register_only_db, agb, quarter, [Upload(name, content)], actor="test")

    assert not outcome.accepted
    assert code in {f.code for f in outcome.errors}, [f.code for f in outcome.errors]
    assert len(outcome.errors) >= minimum
    assert rows(register_only_db, "SELECT count(*) FROM deliveries") == [(0,)]


# ---- command line -------------------------------------------------------------------------------


def test_the_generator_keeps_a_database_with_other_deliveries(
    registered_db: Database,
    delivery_dir: Path,
    tmp_path: Path,
) -> None:
    files = [Upload(p.name, p.read_bytes()) for p in sorted(delivery_dir.iterdir())]
    assert ingest(registered_db, "01234567", "2025Q2", files, actor="test").accepted

    code = sample_main(["--db", registered_db.path, "--out", str(tmp_path / "out")])

    assert code == 2
    assert rows(registered_db, "SELECT count(*) FROM deliveries") == [(1,)]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("until", ["2022Q4", "2026-13", "last"])
def test_an_unusable_until_is_a_usage_error(tmp_path: Path, until: str) -> None:
    with pytest.raises(SystemExit) as exited:
        sample_main(["--db", str(tmp_path / "x.duckdb"), "--until", until, "--files-only"])
    assert exited.value.code == 2


def test_an_earlier_until_gives_a_shorter_region(tmp_path: Path) -> None:
    assert (
        sample_main(
            [
                "--db",
                str(tmp_path / "x.duckdb"),
                "--out",
                str(tmp_path),
                "--until",
                "2024Q4",
                "--files-only",
            ]
        )
        == 0
    )
    quarters = pl.read_csv(
        tmp_path / "region" / "population.csv", schema_overrides={"provider_agb": pl.String}
    )["quarter"].unique()
    assert quarters.max() == "2024Q3"
    assert all(
        name.split("_")[1].startswith("2024Q4")
        for name in os.listdir(tmp_path / "deliveries")
        if name != "README.md"
    )


@pytest.mark.parametrize("existing_mode", [None, 0o644])
def test_demo_accounts_file_is_readable_by_its_owner_only(
    registered_db: Database, existing_mode: int | None, capsys
) -> None:
    """data/demo-accounts.txt holds every demo password: mode 0600, also over an older file."""
    from tools.sample import _run_hooks

    target = Path(registered_db.path).parent / "demo-accounts.txt"
    if existing_mode is not None:
        target.write_text("old\n")
        target.chmod(existing_mode)
    _run_hooks(registered_db, echo=True)
    assert target.stat().st_mode & 0o777 == 0o600
    assert "beheerder" in target.read_text() and "old" not in target.read_text()
    assert "beheerder" in capsys.readouterr().out
