"""The mirror report never shows an aggregate over fewer than 3 other providers."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from conftest import register_providers
from delivery_files import valid_frames
from kpi_data import P1, clients, register, results_row, store

from impactmonitor.access import AccessDenied, User
from impactmonitor.mirror import (
    MIN_OTHER_PROVIDERS,
    comparison_text,
    mirror_report,
    rank_text,
    rules_text,
)
from impactmonitor.storage import Database
from pipelines.ingest import Upload, ingest
from pipelines.load import AcceptedTable, store_delivery

QUARTER = "2025Q2"
OWN = "10000001"


def _register(db: Database, agbs_by_category: dict[str, list[str]]) -> None:
    rows = [
        (agb, f"Aanbieder {agb}", category)
        for category, agbs in agbs_by_category.items()
        for agb in agbs
    ]
    register_providers(
        db,
        pl.DataFrame(
            {
                "provider_agb": [r[0] for r in rows],
                "name": [r[1] for r in rows],
                "category": [r[2] for r in rows],
                "lot": [None] * len(rows),
                "contract_start": [date(2022, 1, 1)] * len(rows),
                "contract_end": [None] * len(rows),
            },
            schema={
                "provider_agb": pl.String,
                "name": pl.String,
                "category": pl.String,
                "lot": pl.String,
                "contract_start": pl.Date,
                "contract_end": pl.Date,
            },
        ),
    )


def _deliver(db: Database, agb: str, goals: int) -> None:
    """A valid delivery for `agb` whose results have `goals` goals achieved per care form."""
    frames = valid_frames(agb, QUARTER)
    frames["results"] = frames["results"].with_columns(
        pl.min_horizontal(pl.lit(goals), pl.col("trajectories_ended")).alias("goals_achieved")
    )
    with db.transaction() as con:
        store_delivery(
            con,
            agb,
            QUARTER,
            [AcceptedTable(t, f, f"{t}.csv", "sha") for t, f in frames.items()],
            actor="test",
            source="test",
            warnings=[],
        )


@pytest.mark.parametrize(("others_in_category", "category_shown"), [(2, False), (3, True)])
def test_category_aggregate_needs_three_other_providers(
    empty_db, others_in_category, category_shown
) -> None:
    others = [f"2000000{i}" for i in range(others_in_category)]
    region_only = ["30000001", "30000002", "30000003"]
    _register(empty_db, {"B": [OWN, *others], "C": region_only})
    for agb in [OWN, *others, *region_only]:
        _deliver(empty_db, agb, goals=5)
    user = User("p", "provider", frozenset({OWN}))
    report = mirror_report(empty_db, user, OWN, [QUARTER])
    goal = report.filter(pl.col("kpi") == "goal_achievement").row(0, named=True)
    assert goal["category_providers"] == others_in_category
    assert goal["category_suppressed"] is (not category_shown)
    assert (goal["category_value"] is not None) is category_shown
    # The region (all others, own excluded) always has at least three here.
    assert goal["region_providers"] == others_in_category + len(region_only)
    assert goal["region_suppressed"] is False
    assert MIN_OTHER_PROVIDERS == 3


def test_comparison_is_sum_over_others_then_divide(empty_db) -> None:
    others = ["20000001", "20000002", "20000003"]
    _register(empty_db, {"B": [OWN, *others]})
    for agb, goals in zip([OWN, *others], [0, 1, 2, 3], strict=True):
        _deliver(empty_db, agb, goals)
    report = mirror_report(empty_db, User("cm", "contract_manager"), OWN, [QUARTER])
    goal = report.filter(pl.col("kpi") == "goal_achievement").row(0, named=True)
    per_provider = empty_db.query(
        "SELECT provider_agb, sum(goals_achieved)::BIGINT g, sum(trajectories_ended)::BIGINT n "
        "FROM results "
        "GROUP BY ALL ORDER BY provider_agb"
    )
    others_rows = per_provider.filter(pl.col("provider_agb") != OWN)
    expected = others_rows["g"].sum() / others_rows["n"].sum()
    assert goal["category_value"] == pytest.approx(expected)
    assert goal["value"] == pytest.approx(0.0)  # own value excludes nobody else


def test_provider_cannot_ask_for_another_providers_mirror(empty_db) -> None:
    _register(empty_db, {"B": [OWN, "20000001"]})
    with pytest.raises(AccessDenied):
        mirror_report(empty_db, User("p", "provider", frozenset({OWN})), "20000001")


def test_ingest_path_also_feeds_the_mirror(registered_db) -> None:
    """A delivery accepted through the real ingest shows up as the provider's own value."""
    from delivery_files import AGB_A, frame_csv

    uploads = [Upload(f"{t}.csv", frame_csv(f, t)) for t, f in valid_frames().items()]
    assert ingest(registered_db, AGB_A, QUARTER, uploads, actor="t").accepted
    report = mirror_report(registered_db, User("p", "provider", frozenset({AGB_A})), AGB_A)
    assert report.filter(pl.col("kpi") == "goal_achievement")["value"][0] is not None


# ---- the ratio KPI sums over the whole group; both disclosure rules; the rank ------------------


def _population(agb: str, ambulant: int, bed: int) -> list[dict]:
    rows = []
    if ambulant:
        rows.append(clients("ambulant", ambulant))
    if bed:
        rows.append(clients("residential_short", bed))
    return rows


def _ratio_row(db: Database, own: str, populations: dict[str, tuple[int, int]]) -> dict:
    register(db, {agb: "B" for agb in populations})
    for agb, (ambulant, bed) in populations.items():
        store(db, agb, QUARTER, population=_population(agb, ambulant, bed))
    report = mirror_report(db, User("cm", "contract_manager"), own, [QUARTER])
    return report.filter(pl.col("kpi") == "ambulant_bed_ratio").row(0, named=True)


def test_ratio_comparison_keeps_the_ambulant_clients_of_providers_without_beds(empty_db) -> None:
    """Others: 40/10, 30/0, 20/0, 10/10 -> (40+30+20+10) / (10+0+0+10) = 100/20 = 5.0 (the old
    aggregation dropped the providers without bed clients: 50/20 = 2.5)."""
    row = _ratio_row(
        empty_db,
        P1,
        {
            P1: (10, 10),
            "20000001": (40, 10),
            "20000002": (30, 0),
            "20000003": (20, 0),
            "20000004": (10, 10),
        },
    )
    assert row["category_value"] == pytest.approx(5.0)
    assert (row["category_numerator"], row["category_denominator"]) == (100, 20)
    assert row["category_providers"] == 4  # every other provider with data counts
    assert row["category_suppression"] is None


def test_three_providers_with_data_count_even_without_beds(empty_db) -> None:
    # Two others have beds, the third only ambulant clients: still three with data.
    row = _ratio_row(
        empty_db,
        P1,
        {P1: (10, 10), "20000001": (40, 10), "20000002": (30, 0), "20000003": (20, 10)},
    )
    assert row["category_providers"] == 3 and row["category_value"] == pytest.approx(90 / 20)


@pytest.mark.parametrize(
    ("others", "suppression"),
    [
        # bed clients of the others (ambulant 10 each): the largest share of the denominator
        ([81, 10, 9], "dominant"),  # 81 of 100 > 80%
        ([80, 10, 10], None),  # exactly 80%: shown ("more than" 80% is suppressed)
        ([50, 30, 20], None),
        ([95, 5], "few_providers"),  # two others: the count rule comes first
    ],
)
def test_dominant_provider_suppresses_the_comparison(empty_db, others, suppression) -> None:
    populations = {P1: (10, 10)}
    populations.update({f"2000000{i}": (10, bed) for i, bed in enumerate(others)})
    row = _ratio_row(empty_db, P1, populations)
    assert row["category_suppression"] == suppression
    assert row["category_suppressed"] is (suppression is not None)
    assert (row["category_value"] is None) is (suppression is not None)
    assert (row["category_numerator"] is None) is (suppression is not None)


def test_dominance_of_a_count_kpi_uses_its_total(empty_db) -> None:
    """The waiting list's denominator counts quarters (1 each): dominance is judged on the
    numerator, the clients waiting (90 of 100 here)."""
    waiting = {P1: 5, "20000001": 90, "20000002": 5, "20000003": 5}
    register(empty_db, {agb: "B" for agb in waiting})
    for agb, count in waiting.items():
        store(
            empty_db,
            agb,
            QUARTER,
            population=[clients("ambulant", 10)],
            offer=[{"care_form": "ambulant", "clients_waiting": count}],
        )
    report = mirror_report(empty_db, User("cm", "contract_manager"), P1, [QUARTER])
    row = report.filter(pl.col("kpi") == "waiting_list").row(0, named=True)
    assert row["category_suppression"] == "dominant" and row["category_value"] is None


@pytest.mark.parametrize(
    ("kpi_key", "own", "others", "rank", "quartile"),
    [
        # goal achievement (higher is better): own 0.9 is the best of 5
        ("goal_achievement", 90, [80, 70, 60, 50], 1, 1),
        ("goal_achievement", 50, [80, 70, 60, 55], 5, 4),
        ("goal_achievement", 70, [80, 70, 60, 50], 2, 2),  # ties share the better rank
        # dropout (lower is better): own 0.05 is the best
        ("dropout", 5, [10, 20, 30], 1, 1),
        ("dropout", 30, [10, 20, 5], 4, 4),
        # two others only: no rank
        ("goal_achievement", 90, [80, 70], None, None),
    ],
)
def test_rank_and_quartile_within_the_category(
    empty_db, kpi_key, own, others, rank, quartile
) -> None:
    column = "goals_achieved" if kpi_key == "goal_achievement" else "dropouts"
    counts = {P1: own, **{f"2000000{i}": v for i, v in enumerate(others)}}
    register(empty_db, {agb: "B" for agb in counts})
    for agb, count in counts.items():
        store(
            empty_db,
            agb,
            QUARTER,
            population=[clients("ambulant", 100)],
            results=[results_row("ambulant", trajectories_ended=100, **{column: count})],
        )
    report = mirror_report(empty_db, User("cm", "contract_manager"), P1, [QUARTER])
    row = report.filter(pl.col("kpi") == kpi_key).row(0, named=True)
    assert (row["category_rank"], row["category_quartile"]) == (rank, quartile)
    assert row["category_ranked"] == (len(counts) if rank else None)


@pytest.mark.parametrize(
    ("suppression", "lang", "expected"),
    [
        ("few_providers", "nl", "niet getoond (< 3 andere aanbieders)"),
        ("dominant", "nl", "niet getoond (één aanbieder > 80%)"),
        ("dominant", "en", "not shown (one provider > 80%)"),
        (None, "nl", "12,50"),
    ],
)
def test_comparison_text_names_the_rule(suppression, lang, expected) -> None:
    assert comparison_text(12.5, suppression, "ratio", lang) == expected


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_page_text_documents_both_rules(lang) -> None:
    rules = rules_text(lang)
    assert "3" in rules and "80%" in rules
    assert ("noemer" if lang == "nl" else "denominator") in rules
    assert rank_text(2, 6, 2, lang) == (
        "2 van 6 (kwartiel 2)" if lang == "nl" else "2 of 6 (quartile 2)"
    )


# ---- the mirror command against sums computed independently from the stored rows -----------------

# Per KPI: (source view, numerator, denominator) written out here by hand, over the latest
# accepted versions (the views), not over the KPI module's summaries or definitions.
BED = "('residential_short', 'residential_long', 'crisis')"
AMBULANT = "('ambulant', 'day_care')"
INDEPENDENT = {
    "goal_achievement": ("results", "goals_achieved", "trajectories_ended", None),
    "ended_as_planned": ("results", "ended_as_planned", "trajectories_ended", None),
    "dropout": ("results", "dropouts", "trajectories_ended", None),
    "satisfaction": ("results", "satisfaction_positive", "satisfaction_respondents", None),
    "intake_wait_days": ("results", "intake_wait_days_sum", "intake_wait_n", None),
    "intake_wait_over_norm": ("results", "intake_wait_over_norm", "intake_wait_n", None),
    "treatment_wait_days": ("results", "treatment_wait_days_sum", "treatment_wait_n", None),
    "treatment_wait_over_norm": ("results", "treatment_wait_over_norm", "treatment_wait_n", None),
    "length_of_stay_days": (
        "results",
        f"CASE WHEN care_form IN {BED} THEN stay_days_sum END",
        f"CASE WHEN care_form IN {BED} THEN stay_n END",
        None,
    ),
    "ambulant_bed_ratio": (
        "population",
        f"CASE WHEN care_form IN {AMBULANT} THEN clients_start + inflow END",
        f"CASE WHEN care_form IN {BED} THEN clients_start + inflow END",
        None,
    ),
    "waiting_list": ("offer", "clients_waiting", "1", None),
}
# A provider without bed-type care has these KPIs as "not applicable": a row without a
# denominator (None), not one left out and not a denominator of 0.
APPLIES = {
    "length_of_stay_days": f"count(*) FILTER (WHERE care_form IN {BED}) > 0",
    "ambulant_bed_ratio": f"coalesce(sum(clients_start + inflow) FILTER (WHERE care_form IN "
    f"{BED}), 0) > 0",
}


def _independent_sums(db: Database) -> dict[tuple[str, str, str], tuple[int, int | None]]:
    """(provider, quarter, kpi) -> (numerator, denominator) straight from the stored rows."""
    sums = {}
    for key, (view, numerator, denominator, care_forms) in INDEPENDENT.items():
        where = f"WHERE care_form IN {care_forms}" if care_forms else ""
        if view == "offer":  # one stock per quarter: the denominator counts the quarter once
            sql = "SELECT provider_agb, quarter, sum(clients_waiting), 1 FROM offer GROUP BY ALL"
        else:
            den = f"coalesce(sum({denominator}), 0)"
            if key in APPLIES:
                den = f"CASE WHEN {APPLIES[key]} THEN {den} END"
            sql = (
                f"SELECT provider_agb, quarter, coalesce(sum({numerator}), 0), "
                f"{den} FROM {view} {where} GROUP BY ALL"
            )
        for agb, quarter, num, den in db.query(sql).iter_rows():
            sums[(agb, quarter, key)] = (int(num), None if den is None else int(den))
    return sums


def _expected_comparison(sums, members: list[str], quarter: str, key: str):
    """(value, providers with data) of a group by the rules, or (None, providers)."""
    rows = [sums[(agb, quarter, key)] for agb in members if (agb, quarter, key) in sums]
    with_data = sum(1 for num, den in rows if num or den)
    numerator = sum(num for num, _ in rows)
    denominator = sum(den or 0 for _, den in rows)
    volumes = [num if key == "waiting_list" else den or 0 for num, den in rows]
    if with_data < 3:
        return None, with_data
    if sum(volumes) and max(volumes) > 0.8 * sum(volumes):
        return None, with_data
    return (numerator / denominator if denominator else None), with_data


def test_mirror_command_equals_independent_sums_for_every_provider_and_kpi(sample_db) -> None:
    from pipelines.report import mirror_rows

    sums = _independent_sums(sample_db)
    register_rows = sample_db.query("SELECT provider_agb, category FROM providers")
    category_of = dict(register_rows.iter_rows())
    checked = 0
    for agb in sorted(category_of):
        rows = mirror_rows(sample_db, agb)
        shown = {(r["quarter"], r["kpi"]): r for r in rows.iter_rows(named=True)}
        # Every provider-quarter-KPI with stored rows of its table is in the report.
        expected_keys = {(q, k) for (a, q, k) in sums if a == agb}
        assert set(shown) == expected_keys, agb
        others = [a for a in category_of if a != agb]
        same_category = [a for a in others if category_of[a] == category_of[agb]]
        for (quarter, key), row in shown.items():
            numerator, denominator = sums[(agb, quarter, key)]
            assert (row["numerator"], row["denominator"]) == (numerator, denominator)
            assert row["value"] == (pytest.approx(numerator / denominator) if denominator else None)
            for level, members in (("category", same_category), ("region", others)):
                value, providers = _expected_comparison(sums, members, quarter, key)
                assert row[f"{level}_providers"] == providers, (agb, quarter, key, level)
                assert row[f"{level}_value"] == (None if value is None else pytest.approx(value)), (
                    agb,
                    quarter,
                    key,
                    level,
                )
            checked += 1
    assert checked > 7000  # 40 providers x ~19 quarters x ~10 KPIs


def test_figures_checked_by_hand_in_the_issue(sample_db) -> None:
    """Issue 11: 02694688 showed category 13,30 / region 7,58 for the ambulant/bed ratio where
    the sums give 16,72 / 12,77; 01521798 showed 0,00 / 8,39 instead of 5,69 / 12,82."""
    from pipelines.report import mirror_rows

    for agb, category, region in (("02694688", 16.72, 12.77), ("01521798", 5.69, 12.82)):
        row = (
            mirror_rows(sample_db, agb, "2026Q3")
            .filter(pl.col("kpi") == "ambulant_bed_ratio")
            .row(0, named=True)
        )
        assert round(row["category_value"], 2) == category
        assert round(row["region_value"], 2) == region


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_mirror_command_prints_the_rows(sample_region_file, run_cli, fmt) -> None:
    import csv
    import io
    import json

    from pipelines.report import MIRROR_COLUMNS, mirror_rows

    done = run_cli(
        "pipelines.report",
        "mirror",
        "--db",
        sample_region_file,
        "--provider",
        "02694688",
        "--quarter",
        "2026Q3",
        "--format",
        fmt,
    )
    assert done.returncode == 0, done.stderr
    if fmt == "json":
        printed = json.loads(done.stdout)
    else:
        printed = list(csv.DictReader(io.StringIO(done.stdout)))
    expected = mirror_rows(Database(sample_region_file), "02694688", "2026Q3").to_dicts()
    assert list(printed[0]) == list(MIRROR_COLUMNS)
    assert len(printed) == len(expected) == 11
    for shown, row in zip(printed, expected, strict=True):
        for column in MIRROR_COLUMNS:
            value = row[column]
            if fmt == "csv":
                assert shown[column] == ("" if value is None else str(value)), column
            else:
                assert shown[column] == value, column


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--provider", "123"], 2),
        (["--provider", "02694688", "--quarter", "kwartaal 3"], 2),
        (["--provider", "99999999"], 1),
        ([], 2),
    ],
)
def test_mirror_command_usage_errors(sample_region_file, run_cli, args, code) -> None:
    done = run_cli("pipelines.report", "mirror", "--db", sample_region_file, *args)
    assert done.returncode == code, done.stderr
