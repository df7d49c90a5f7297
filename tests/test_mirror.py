"""The mirror report never shows an aggregate over fewer than 3 other providers."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from conftest import register_providers
from delivery_files import valid_frames

from impactmonitor.access import AccessDenied, User
from impactmonitor.mirror import MIN_OTHER_PROVIDERS, mirror_report
from impactmonitor.storage import Database
from pipelines.ingest import Upload, ingest
from pipelines.load import AcceptedTable, store_delivery

QUARTER = "2025Q2"
OWN = "10000001"


def _register(db: Database, agbs_by_category: dict[str, list[str]]) -> None:
    rows = [(agb, f"Aanbieder {agb}", category) for category, agbs in agbs_by_category.items()
            for agb in agbs]
    register_providers(db, pl.DataFrame(
        {"provider_agb": [r[0] for r in rows], "name": [r[1] for r in rows],
         "category": [r[2] for r in rows], "lot": [None] * len(rows),
         "contract_start": [date(2022, 1, 1)] * len(rows), "contract_end": [None] * len(rows)},
        schema={"provider_agb": pl.String, "name": pl.String, "category": pl.String,
                "lot": pl.String, "contract_start": pl.Date, "contract_end": pl.Date}))


def _deliver(db: Database, agb: str, goals: int) -> None:
    """A valid delivery for `agb` whose results have `goals` goals achieved per care form."""
    frames = valid_frames(agb, QUARTER)
    frames["results"] = frames["results"].with_columns(
        pl.min_horizontal(pl.lit(goals), pl.col("trajectories_ended")).alias("goals_achieved"))
    with db.transaction() as con:
        store_delivery(con, agb, QUARTER,
                       [AcceptedTable(t, f, f"{t}.csv", "sha") for t, f in frames.items()],
                       actor="test", source="test", warnings=[])


@pytest.mark.parametrize(("others_in_category", "category_shown"), [(2, False), (3, True)])
def test_category_aggregate_needs_three_other_providers(empty_db, others_in_category,
                                                        category_shown) -> None:
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
        "GROUP BY ALL ORDER BY provider_agb")
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
