"""The regional target: indexes, target path, projection, statements, contributions."""

from __future__ import annotations

import math
from dataclasses import replace

import polars as pl
import pytest
from kpi_data import MANAGER, P1, P2, clients, provider_user, register, store

from impactmonitor import target
from impactmonitor.quarters import quarter_range
from impactmonitor.storage import Database
from impactmonitor.target import TargetConfig

CONFIG = TargetConfig()  # 2022 baseline, 0.70 / 1.30 in 2025Q4, 6 quarters, 75%
LATER = quarter_range("2023Q1", "2024Q2")  # k = 1..6 quarters after the baseline year


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """2022: short residential 160 (P1, Rotterdam) + 40 (P2, Brielle) = 200 per quarter,
    foster care 80 (P1) + family homes 20 (P2) = 100.
    k quarters later: P1 short 160 - 5k (index 1 - 0.025k, exactly the target path),
    P2 short 40 (in Voorne aan Zee, Brielle's successor); P1 foster 80 + 2k (index 1 + 0.02k)."""
    database = Database(tmp_path_factory.mktemp("target") / "target.duckdb")
    database.ensure_schema()
    register(database, {P1: "A", P2: "B"})
    for k, quarter in enumerate(quarter_range("2022Q1", "2024Q2")):
        k = max(k - 3, 0)  # 2022Q1..Q4 -> 0
        p2_municipality = "GM0501" if quarter < "2023Q1" else "GM1992"
        store(
            database,
            P1,
            quarter,
            population=[
                clients("residential_short", 160 - 5 * k),
                clients("foster_care", 80 + 2 * k),
                clients("ambulant", 300),
            ],
        )
        store(
            database,
            P2,
            quarter,
            population=[
                clients("residential_short", 40, p2_municipality),
                clients("family_home", 20, p2_municipality),
            ],
        )
    return database


def test_index_against_the_2022_average(db: Database) -> None:
    series = target.index_series(db, MANAGER)
    short = series.filter(pl.col("index") == "short_residential")
    assert short["baseline_clients"].unique().to_list() == [200.0]
    # 2024Q2 = k 6: (160 - 30 + 40) / 200 = 0.85
    assert short.filter(pl.col("quarter") == "2024Q2")["value"][0] == pytest.approx(0.85)
    foster = series.filter(pl.col("index") == "foster_family")
    assert foster.filter(pl.col("quarter") == "2024Q2")["value"][0] == pytest.approx(1.12)


@pytest.mark.parametrize(
    ("quarter", "follow_up", "expected"),
    [
        ("2022Q1", False, 1.0),
        ("2022Q4", False, 1.0),  # the path leaves 1.0 after the baseline year
        ("2024Q2", False, 0.85),  # 6 of 12 quarters: 1 - 0.30 * 6/12
        ("2025Q4", False, 0.70),
        ("2026Q2", False, 0.70),  # the target holds afterwards
        ("2026Q4", True, 0.65),  # follow-up 0.60 in 2027Q4: 0.70 - 0.10 * 4/8
        ("2028Q1", True, 0.60),
    ],
)
def test_target_path(quarter: str, follow_up: bool, expected: float) -> None:
    config = (
        replace(
            CONFIG,
            follow_up_quarter="2027Q4",
            follow_up_targets={"short_residential": 0.60, "foster_family": 1.45},
        )
        if follow_up
        else CONFIG
    )
    assert target.target_path(quarter, "short_residential", config) == pytest.approx(expected)


def test_least_squares_worked_example() -> None:
    # (0,1), (1,3), (2,2): x̄ = 1, ȳ = 2, Sxx = 2, Sxy = (-1)(-1) + 0 + (1)(0) = 1
    assert target.least_squares([(0, 1), (1, 3), (2, 2)]) == pytest.approx((1.5, 0.5))
    assert target.least_squares([(0, 1)]) is None


@pytest.mark.parametrize(
    ("index", "changes", "status", "projected"),
    [
        # short: exactly on the path, the 6-quarter line lands on 0.70 in 2025Q4 (k = 12)
        ("short_residential", {}, "on_track", 0.70),
        # foster: 1 + 0.02 * 12 = 1.24, i.e. 0.24 / 0.30 = 80% of the required change
        ("foster_family", {}, "at_risk", 1.24),
        ("foster_family", {"at_risk_share": 0.85}, "off_track", 1.24),
        (
            "foster_family",
            {"targets": {"short_residential": 0.7, "foster_family": 1.24}},
            "on_track",
            1.24,
        ),
    ],
)
def test_projection_statement(
    db: Database, index: str, changes: dict, status: str, projected: float
) -> None:
    assessment = target.target_assessment(db, MANAGER, replace(CONFIG, **changes), lang="en")
    row = assessment.filter(pl.col("index") == index).row(0, named=True)
    assert row["status"] == status
    assert row["projected"] == pytest.approx(projected)
    assert "least-squares" in row["statement"] and "2023Q1–2024Q2" in row["statement"]


def test_series_has_path_projection_and_future_quarters(db: Database) -> None:
    series = target.target_series(db, MANAGER, CONFIG)
    short = series.filter(pl.col("index") == "short_residential")
    assert short["quarter"].to_list() == quarter_range("2022Q1", "2025Q4")
    future = short.filter(pl.col("quarter") > "2024Q2")
    assert future["value"].null_count() == future.height
    assert short.filter(pl.col("quarter") == "2025Q4")["projection"][0] == pytest.approx(0.70)
    assert short.filter(pl.col("quarter") == "2022Q4")["projection"][0] is None
    assert short["target_path"].to_list() == pytest.approx(
        [target.target_path(q, "short_residential", CONFIG) for q in short["quarter"]]
    )
    assert short["statement"].n_unique() == 1


def test_after_the_target_date(db: Database) -> None:
    """Target quarter 2024Q1 (k = 5): short index 0.875, latest (2024Q2) 0.85."""
    config = replace(CONFIG, target_quarter="2024Q1")
    rows = {
        row["index"]: row
        for row in target.target_assessment(db, MANAGER, config, lang="en").iter_rows(named=True)
    }
    short = rows["short_residential"]
    assert short["status"] == "not_met"
    assert short["value_at_target"] == pytest.approx(0.875)
    assert short["change_since_target"] == pytest.approx(-0.025)
    assert "not met" in short["statement"] and "−0.025" in short["statement"]
    met = replace(config, targets={"short_residential": 0.9, "foster_family": 1.1})
    rows = {
        row["index"]: row["status"]
        for row in target.target_assessment(db, MANAGER, met).iter_rows(named=True)
    }
    assert rows == {"short_residential": "met", "foster_family": "met"}


def test_follow_up_target_is_assessed_after_the_first(db: Database) -> None:
    config = replace(
        CONFIG,
        target_quarter="2024Q1",
        follow_up_quarter="2025Q4",
        follow_up_targets={"short_residential": 0.70, "foster_family": 1.30},
    )
    row = (
        target.target_assessment(db, MANAGER, config)
        .filter(pl.col("index") == "short_residential")
        .row(0, named=True)
    )
    assert (row["status"], row["follow_up_status"]) == ("not_met", "on_track")
    assert "Vervolgdoel" in row["statement"]
    series = target.target_series(db, MANAGER, config)
    assert series["quarter"].max() == "2025Q4"


def test_contributions_add_up_to_the_change(db: Database) -> None:
    by_provider = target.target_contributions(db, MANAGER, "short_residential", quarter="2024Q2")
    rows = {row["provider_agb"]: row for row in by_provider.iter_rows(named=True)}
    # P1: 130 now against 160 -> -30 of a regional baseline of 200 = -0.15 index points
    assert rows[P1]["contribution"] == pytest.approx(-0.15)
    assert rows[P1]["share_of_change"] == pytest.approx(1.0)
    assert rows[P2]["contribution"] == pytest.approx(0.0)
    assert by_provider["contribution"].sum() == pytest.approx(0.85 - 1)
    assert by_provider["provider_agb"][0] == P1  # biggest push towards the target first


def test_contributions_per_municipality_follow_the_merger(db: Database) -> None:
    by_municipality = target.target_contributions(
        db, MANAGER, "short_residential", by="municipality", quarter="2024Q2"
    )
    rows = {row["municipality_code"]: row for row in by_municipality.iter_rows(named=True)}
    assert set(rows) == {"GM0599", "GM1992"}  # Brielle's 2022 clients count for Voorne aan Zee
    assert rows["GM1992"]["baseline_clients"] == 40 and rows["GM1992"]["change"] == 0
    assert rows["GM1992"]["municipality_name"] == "Voorne aan Zee"
    assert rows["GM0599"]["contribution"] == pytest.approx(-0.15)


def test_provider_user_sees_only_its_own_index(db: Database) -> None:
    own = target.index_series(db, provider_user(P2))
    assert own.filter(pl.col("index") == "short_residential")["value"].unique().to_list() == [1.0]
    contributions = target.target_contributions(db, provider_user(P2), "short_residential")
    assert contributions["provider_agb"].to_list() == [P2]


def test_no_data_gives_no_statement(empty_db: Database) -> None:
    assessment = target.target_assessment(empty_db, MANAGER)
    assert assessment["status"].to_list() == ["no_data", "no_data"]
    assert target.target_series(empty_db, MANAGER).is_empty()


def test_configuration_from_the_repository() -> None:
    config = target.target_config()
    assert (config.baseline_year, config.target_quarter) == (2022, "2025Q4")
    assert config.targets == {"short_residential": 0.70, "foster_family": 1.30}


# ---- near miss, uncertainty band, follow-up target (issue 11) ---------------------------------


@pytest.mark.parametrize(
    ("targets", "statuses", "clients"),
    [
        # Target quarter 2024Q1 (k = 5): short index 0.875 (175 of 200), foster 1.10 (110/100).
        # Within 0.01 of the target: nearly met, with the clients it missed by:
        # foster: ceil(1.105 × 100) − 110 = 1 short; short: 175 − floor(0.87 × 200) = 1 too many.
        ({"short_residential": 0.87, "foster_family": 1.105}, ("near_miss", "near_miss"), (1, 1)),
        # 0.015 short: not met (175 − floor(0.86 × 200) = 3; ceil(111.5) − 110 = 2).
        ({"short_residential": 0.86, "foster_family": 1.115}, ("not_met", "not_met"), (3, 2)),
        # exactly on it: met.
        ({"short_residential": 0.875, "foster_family": 1.10}, ("met", "met"), (None, None)),
    ],
)
def test_near_miss_reads_as_one(db: Database, targets, statuses, clients) -> None:
    config = replace(CONFIG, target_quarter="2024Q1", targets=targets)
    rows = {
        row["index"]: row
        for row in target.target_assessment(db, MANAGER, config).iter_rows(named=True)
    }
    assert (rows["short_residential"]["status"], rows["foster_family"]["status"]) == statuses
    assert (
        rows["short_residential"]["shortfall_clients"],
        rows["foster_family"]["shortfall_clients"],
    ) == clients
    if statuses[0] == "near_miss":
        # The target reads with 2 decimals (1,105 -> "1,10"... rounded half-even by format).
        assert "nagenoeg gehaald: 1,100 tegen 1,1" in rows["foster_family"]["statement"]
        assert "≈ 1 cliënt te weinig" in rows["foster_family"]["statement"]
        assert "≈ 1 cliënt te veel" in rows["short_residential"]["statement"]


def test_sample_region_foster_index_is_a_near_miss(sample_db) -> None:
    """Issue 11: 1,297 against 1,30 at 2025Q4 (1173 clients against a baseline of 904,25:
    ceil(1,30 × 904,25) = 1176, 3 short) reads as a near miss, then the follow-up target."""
    rows = {
        row["index"]: row
        for row in target.target_assessment(sample_db, MANAGER).iter_rows(named=True)
    }
    foster = rows["foster_family"]
    assert foster["status"] == "near_miss" and foster["shortfall_clients"] == 3
    assert "nagenoeg gehaald: 1,297 tegen 1,30, ≈ 3 cliënten te weinig" in foster["statement"]
    assert "Vervolgdoel 1,45 in 2027Q4" in foster["statement"]
    assert "95%-onzekerheidsband" in foster["statement"]
    assert rows["short_residential"]["status"] == "not_met"


def test_prediction_band_worked_example() -> None:
    """(0,1), (1,3), (2,2): line 1.5 + 0.5x, residuals −0.5, 1, −0.5, SSR = 1.5, s = √1.5;
    n = 3 -> t(0.975; 1) = 12.706; at x = 3: ŷ = 3, half-width
    12.706 · √1.5 · √(1 + 1/3 + (3 − 1)²/2) = 12.706 · 1.224745 · 1.825742 = 28.412."""
    fit = target.fit_line([(0, 1), (1, 3), (2, 2)])
    low, high = fit.band(3)
    assert fit.at(3) == pytest.approx(3.0)
    assert high - 3.0 == pytest.approx(12.706 * math.sqrt(1.5) * math.sqrt(1 + 1 / 3 + 2), rel=1e-9)
    assert (low + high) / 2 == pytest.approx(3.0)
    assert target.fit_line([(0, 1), (1, 2)]).band(3) is None  # two points: no band


def test_series_carries_the_band(sample_db) -> None:
    series = target.target_series(sample_db, MANAGER)
    ahead = series.filter(pl.col("projection").is_not_null())
    assert ahead.height and (ahead["projection_low"] <= ahead["projection"]).all()
    assert (ahead["projection"] <= ahead["projection_high"]).all()
    # Wider further from the fit window.
    short = ahead.filter(pl.col("index") == "short_residential").sort("quarter")
    widths = (short["projection_high"] - short["projection_low"]).to_list()
    assert widths[-1] > widths[len(widths) // 2]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_without_follow_up_the_statement_says_so(db: Database, lang) -> None:
    config = replace(CONFIG, target_quarter="2024Q1")
    row = target.target_assessment(db, MANAGER, config, lang=lang).row(0, named=True)
    assert ("nog geen vervolgdoel" if lang == "nl" else "No follow-up target") in row["statement"]


def test_follow_up_target_is_stated_with_value_and_date(db: Database) -> None:
    config = replace(
        CONFIG,
        target_quarter="2024Q1",
        follow_up_quarter="2025Q4",
        follow_up_targets={"short_residential": 0.70, "foster_family": 1.30},
    )
    row = (
        target.target_assessment(db, MANAGER, config, lang="en")
        .filter(pl.col("index") == "foster_family")
        .row(0, named=True)
    )
    assert "Follow-up target 1.30 in 2025Q4" in row["statement"]
