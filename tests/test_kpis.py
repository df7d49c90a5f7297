"""KPIs: hand-computed values, sum-then-divide aggregation, n < 10, scope, summaries."""

from __future__ import annotations

import polars as pl
import pytest
from delivery_files import AGB_A, QUARTER
from kpi_data import MANAGER, P1, P2, P3, clients, provider_user, register, results_row, store

from impactmonitor import kpis
from impactmonitor.access import SYSTEM_USER
from impactmonitor.i18n import LANGUAGES
from impactmonitor.storage import Database
from pipelines.ingest import Upload, ingest

pytestmark = pytest.mark.both_backends


@pytest.fixture
def db(empty_db: Database) -> Database:
    """P1 (A), P2 (B), P3 (C) with results, offer and population in 2025Q1 and 2025Q2."""
    register(empty_db, {P1: "A", P2: "B", P3: "C"})
    # P1 2025Q2: goals 30 + 2 + 5 = 37 of 40 + 6 + 9 = 55 ended.
    store(
        empty_db,
        P1,
        "2025Q2",
        population=[
            clients("ambulant", 30, "GM0599"),
            clients("residential_short", 10, "GM0599"),
            clients("ambulant", 2, "GM0606"),
            clients("residential_short", 20, "GM0606"),
        ],
        offer=[
            {"care_form": "ambulant", "clients_waiting": 7},
            {"care_form": "residential_short", "places": 12, "clients_waiting": 2},
        ],
        results=[
            results_row(
                "ambulant",
                trajectories_ended=40,
                goals_achieved=30,
                dropouts=2,
                intake_wait_n=40,
                intake_wait_days_sum=800,
            ),
            results_row(
                "foster_care", trajectories_ended=6, goals_achieved=2, stay_n=6, stay_days_sum=6000
            ),
            results_row(
                "residential_short",
                trajectories_ended=9,
                goals_achieved=5,
                dropouts=4,
                stay_n=9,
                stay_days_sum=900,
                intake_wait_n=9,
                intake_wait_days_sum=450,
            ),
        ],
    )
    store(
        empty_db,
        P1,
        "2025Q1",
        population=[clients("ambulant", 10), clients("residential_short", 10)],
        offer=[{"care_form": "ambulant", "clients_waiting": 3}],
        results=[results_row("ambulant", trajectories_ended=50, goals_achieved=25)],
    )
    # P2 2025Q2: 9 of 10 (0.9); P3: 10 of 100 (0.1).
    store(
        empty_db,
        P2,
        "2025Q2",
        population=[clients("ambulant", 5)],
        results=[results_row("ambulant", trajectories_ended=10, goals_achieved=9)],
    )
    store(
        empty_db,
        P3,
        "2025Q2",
        population=[clients("ambulant", 5)],
        results=[results_row("ambulant", trajectories_ended=100, goals_achieved=10)],
    )
    return empty_db


def value(frame: pl.DataFrame, kpi: str, **where: str) -> float | None:
    rows = frame.filter(pl.col("kpi") == kpi, *[pl.col(k) == v for k, v in where.items()])
    assert rows.height == 1, (kpi, where, rows)
    return rows["value"][0]


def test_goal_achievement_and_friends_by_hand(db: Database) -> None:
    table = kpis.kpi_values(db, SYSTEM_USER, quarters=["2025Q2"], provider_agbs=[P1])
    assert value(table, "goal_achievement") == pytest.approx(37 / 55)
    # dropout: (2 + 0 + 4) / 55
    assert value(table, "dropout") == pytest.approx(6 / 55)
    # intake wait: (800 + 450) days / (40 + 9) clients
    assert value(table, "intake_wait_days") == pytest.approx(1250 / 49)
    # length of stay over bed-type care only: residential_short 900 / 9; foster care left out
    assert value(table, "length_of_stay_days") == pytest.approx(100.0)
    # ambulant/bed: (30 + 2) ambulant clients / (10 + 20) bed clients
    assert value(table, "ambulant_bed_ratio") == pytest.approx(32 / 30)
    # waiting list: 7 + 2 at the end of the quarter (one quarter: denominator 1)
    assert value(table, "waiting_list") == 9
    row = table.filter(pl.col("kpi") == "goal_achievement").row(0, named=True)
    assert (row["numerator"], row["denominator"]) == (37, 55)


def test_sum_then_divide_differs_from_mean_of_ratios(db: Database) -> None:
    """P2 9/10 = 0.9 and P3 10/100 = 0.1: mean of ratios 0.5, but the B+C aggregate is 19/110."""
    region = kpis.aggregate_kpis(db, MANAGER, ["2025Q2"], by=(), categories=["B", "C"])
    assert value(region, "goal_achievement") == pytest.approx(19 / 110)
    assert value(region, "goal_achievement") != pytest.approx((0.9 + 0.1) / 2)
    # The whole region: (37 + 9 + 10) / (55 + 10 + 100)
    everything = kpis.aggregate_kpis(db, MANAGER, ["2025Q2"], by=())
    assert value(everything, "goal_achievement") == pytest.approx(56 / 165)


def test_aggregation_by_category_and_over_quarters(db: Database) -> None:
    by_category = kpis.aggregate_kpis(db, MANAGER, ["2025Q2"], by=("category",))
    assert value(by_category, "goal_achievement", category="A") == pytest.approx(37 / 55)
    assert value(by_category, "goal_achievement", category="C") == pytest.approx(0.1)
    # Over two quarters for P1: (25 + 37) / (50 + 55), not the mean of 0.5 and 0.673.
    both = kpis.kpi_values(db, MANAGER, ("provider_agb",), provider_agbs=[P1])
    assert value(both, "goal_achievement") == pytest.approx(62 / 105)
    # The waiting list is a stock: over two quarters it is the average per quarter (3 + 9) / 2.
    assert value(both, "waiting_list") == pytest.approx(6.0)


def test_municipality_split_only_for_population_kpis(db: Database) -> None:
    """Results and offer have no municipality: only the ambulant/bed ratio can be split."""
    split = kpis.kpi_values(
        db, MANAGER, ("municipality_code",), quarters=["2025Q2"], provider_agbs=[P1]
    )
    assert set(split["kpi"]) == {"ambulant_bed_ratio"}
    # Rotterdam 30 / 10 = 3.0 and Schiedam 2 / 20 = 0.1; together 32 / 30 (not (3.0 + 0.1) / 2)
    assert value(split, "ambulant_bed_ratio", municipality_code="GM0599") == pytest.approx(3.0)
    assert value(split, "ambulant_bed_ratio", municipality_code="GM0606") == pytest.approx(0.1)
    filtered = kpis.kpi_values(
        db,
        MANAGER,
        ("provider_agb",),
        quarters=["2025Q2"],
        provider_agbs=[P1],
        municipalities=["GM0606"],
    )
    assert set(filtered["kpi"]) == {"ambulant_bed_ratio"}
    assert [k.key for k in kpis.KPIS if k.by_municipality] == ["ambulant_bed_ratio"]


def test_care_form_split(db: Database) -> None:
    split = kpis.kpi_values(db, MANAGER, ("care_form",), quarters=["2025Q2"], provider_agbs=[P1])
    assert "ambulant_bed_ratio" not in set(split["kpi"])
    assert value(split, "goal_achievement", care_form="foster_care") == pytest.approx(2 / 6)
    # Length of stay exists only for bed-type care forms.
    assert set(split.filter(pl.col("kpi") == "length_of_stay_days")["care_form"]) == {
        "residential_short"
    }


@pytest.mark.parametrize(
    ("ended", "goals", "status"),
    [
        (9, 9, "n<10"),  # denominator 9: no status even at 100%
        (10, 7, "green"),  # exactly 70%
        (10, 6, "amber"),  # exactly 60%
        (10, 5, "red"),
        (0, 0, "n<10"),
    ],
)
def test_n_below_10_and_status(empty_db: Database, ended: int, goals: int, status: str) -> None:
    register(empty_db, {P1: "A"})
    store(
        empty_db,
        P1,
        "2025Q2",
        population=[clients("ambulant", 1)],
        results=[results_row("ambulant", trajectories_ended=ended, goals_achieved=goals)],
    )
    table = kpis.kpi_table(empty_db, MANAGER, "2025Q2")
    row = table.filter(pl.col("kpi") == "goal_achievement").row(0, named=True)
    assert row["status"] == status
    assert row["norm"] == "green >= 0.7, amber >= 0.6 (default)"


def test_kpi_table_has_previous_quarter_and_delta(db: Database) -> None:
    table = kpis.kpi_table(db, MANAGER, "2025Q2")
    row = table.filter((pl.col("provider_agb") == P1) & (pl.col("kpi") == "goal_achievement")).row(
        0, named=True
    )
    assert row["previous_value"] == pytest.approx(25 / 50)
    assert row["delta"] == pytest.approx(37 / 55 - 0.5)
    assert row["delta_direction"] == "better"
    assert (row["status"], row["previous_status"]) == ("amber", "red")
    assert (row["category"], row["name"]) == ("A", f"Aanbieder {P1}")
    assert set(table["provider_agb"]) == {P1, P2, P3}
    only_c = kpis.kpi_table(db, MANAGER, "2025Q2", category="C")
    assert set(only_c["provider_agb"]) == {P3}


def test_provider_user_cannot_read_another_providers_kpis(db: Database) -> None:
    own = provider_user(P2)
    table = kpis.kpi_table(db, own, "2025Q2")
    assert set(table["provider_agb"]) == {P2}
    assert kpis.kpi_table(db, own, "2025Q2", provider_agb=P1).is_empty()
    assert kpis.kpi_history(db, own, P1).is_empty()
    assert set(kpis.kpi_values(db, own, quarters=["2025Q2"])["provider_agb"]) == {P2}
    # An "aggregate" for a provider user covers only its own rows: 9 / 10.
    region = kpis.aggregate_kpis(db, own, ["2025Q2"], by=())
    assert value(region, "goal_achievement") == pytest.approx(0.9)
    assert kpis.provider_quarters(db, own) == ["2025Q2"]
    assert kpis.kpi_table(db, provider_user(), "2025Q2").is_empty()


def test_latest_version_counts_and_summaries_stay_in_step(db: Database) -> None:
    store(
        db, P2, "2025Q2", results=[results_row("ambulant", trajectories_ended=20, goals_achieved=5)]
    )
    table = kpis.kpi_values(db, MANAGER, quarters=["2025Q2"], provider_agbs=[P2])
    assert value(table, "goal_achievement") == pytest.approx(5 / 20)
    with db.connection() as con:
        assert kpis.summaries_fresh(con)


def test_refresh_inside_the_load_transaction(db: Database) -> None:
    from kpi_data import _frame

    from pipelines.load import AcceptedTable, store_delivery

    kpis.kpi_values(db, MANAGER)  # brings the summaries up to date
    frame = _frame(
        "results", P3, "2025Q2", [results_row("ambulant", trajectories_ended=10, goals_achieved=10)]
    )
    with db.transaction() as con:
        store_delivery(
            con,
            P3,
            "2025Q2",
            [AcceptedTable("results", frame, "r.csv", "0")],
            actor="test",
            source="test",
            warnings=[],
        )
        # store_delivery refreshes the summaries itself, inside the same transaction.
        assert kpis.summaries_fresh(con)
        stored = con.execute(
            "SELECT goals_achieved FROM results_summary WHERE provider_agb = ?", [P3]
        ).fetchall()
    assert stored == [(10,)]


def test_refresh_and_full_sync_build_the_same_summaries(db: Database) -> None:
    store(
        db,
        P1,
        "2025Q2",
        population=[
            clients("ambulant", 7, age_group="0_5"),
            clients("ambulant", 9, age_group="12_17"),
        ],
    )

    def summaries(con) -> dict[str, list[tuple]]:
        return {
            table: sorted(con.execute(f"SELECT * FROM {table}_summary").fetchall())
            for table in ("population", "offer", "results")
        }

    with db.transaction() as con:
        for agb, quarter in con.execute(
            "SELECT DISTINCT provider_agb, quarter FROM table_versions"
        ).fetchall():
            kpis.refresh_summaries(con, agb, quarter)
        refreshed = summaries(con)
        for table in ("population_summary", "offer_summary", "results_summary", "summary_applied"):
            con.execute(f"DELETE FROM {table}")
        assert kpis.sync_summaries(con) == 4  # provider-quarters
        assert summaries(con) == refreshed
    # The newest population of P1 2025Q2: two age groups summed, 7 + 9 in Rotterdam.
    assert [row for row in refreshed["population"] if row[0] == P1 and row[1] == "2025Q2"] == [
        (P1, "2025Q2", "GM0599", "ambulant", 16, 0, 0, 16)
    ]


def test_single_table_redeliveries_keep_the_summaries_equal_to_a_full_rebuild(
    db: Database,
) -> None:
    """The load rebuilds only the summaries of the tables it delivers; after any sequence of
    whole and single-table (re)deliveries, also over summaries left stale by a load that did not
    refresh them (the bulk path), they equal a rebuild from scratch."""
    from kpi_data import _frame

    from pipelines.load import insert_rows

    def summaries(con) -> dict[str, list[tuple]]:
        return {
            table: sorted(con.execute(f"SELECT * FROM {table}_summary").fetchall())
            for table in ("population", "offer", "results")
        }

    store(
        db,
        P1,
        "2025Q3",
        population=[clients("ambulant", 4), clients("crisis", 2)],
        results=[results_row("ambulant", trajectories_ended=4, goals_achieved=3)],
    )
    store(
        db, P1, "2025Q3", results=[results_row("ambulant", trajectories_ended=5, goals_achieved=1)]
    )
    store(db, P1, "2025Q3", population=[clients("ambulant", 11)])
    # A version stored the way the bulk path stores it: no refresh in its transaction.
    with db.transaction() as con:
        frame = _frame("results", P2, "2025Q3", [results_row("crisis", trajectories_ended=7)])
        con.execute(
            "INSERT INTO table_versions VALUES ('bulk1', ?, '2025Q3', 'results', 99, "
            "'r.csv', '0', 1, now())",
            [P2],
        )
        insert_rows(con, "results", frame.with_columns(pl.lit("bulk1").alias("delivery_id")))
    store(db, P2, "2025Q3", population=[clients("crisis", 3)])
    with db.connection() as con:
        assert not kpis.summaries_fresh(con)  # P2's results version is not summarised yet
    with kpis.summary_connection(db) as con:
        incremental = summaries(con)
    with db.transaction() as con:
        for table in ("population_summary", "offer_summary", "results_summary", "summary_applied"):
            con.execute(f"DELETE FROM {table}")
        kpis.sync_summaries(con)
        assert summaries(con) == incremental
    # The newest versions: P1's population of the third load, its results of the second.
    new = {table: [r for r in rows if r[1] == "2025Q3"] for table, rows in incremental.items()}
    assert [r[:5] for r in new["population"] if r[0] == P1] == [
        (P1, "2025Q3", "GM0599", "ambulant", 11)
    ]
    assert [r[3] for r in new["results"] if r[0] == P1] == [5]
    assert [r[3] for r in new["results"] if r[0] == P2] == [7]


def test_kpis_of_a_delivery_through_the_ingest_pipeline(
    registered_db: Database, delivery_dir
) -> None:
    uploads = [Upload(p.name, p.read_bytes()) for p in sorted(delivery_dir.iterdir())]
    outcome = ingest(registered_db, AGB_A, QUARTER, uploads, actor="test")
    assert outcome.accepted, outcome.errors
    table = kpis.kpi_values(registered_db, SYSTEM_USER, quarters=[QUARTER])
    # results_records(): ended 40 / 6 / 9, goals_achieved = ended - 5 -> 35 + 1 + 4 = 40 of 55
    assert value(table, "goal_achievement") == pytest.approx(40 / 55)
    # dropouts 2 per care form: 6 / 55
    assert value(table, "dropout") == pytest.approx(6 / 55)
    # intake days = ended * 21 for all: 21 days on average
    assert value(table, "intake_wait_days") == pytest.approx(21.0)
    # stay only residential_short counts: 9 * 95 / 9
    assert value(table, "length_of_stay_days") == pytest.approx(95.0)
    # waiting list 7 + 0 + 2
    assert value(table, "waiting_list") == 9


def test_unknown_dimension_and_kpi_are_errors(db: Database) -> None:
    with pytest.raises(ValueError, match="dimension"):
        kpis.kpi_values(db, MANAGER, ("age_group",))
    with pytest.raises(ValueError, match="unknown KPI"):
        kpis.kpi_values(db, MANAGER, kpis=["happiness"])


def test_every_kpi_is_documented_in_both_languages() -> None:
    names = {k.key for k in kpis.KPIS}
    assert {
        "goal_achievement",
        "ended_as_planned",
        "dropout",
        "satisfaction",
        "intake_wait_days",
        "treatment_wait_days",
        "length_of_stay_days",
        "ambulant_bed_ratio",
        "waiting_list",
    } <= names
    definitions = kpis.kpi_definitions("en")
    assert definitions.height == len(kpis.KPIS)
    for definition in kpis.KPIS:
        for lang in LANGUAGES:
            assert definition.name(lang).strip() and definition.explanation(lang).strip()
        assert definition.direction in ("higher", "lower")
        assert definition.chart == ("p" if definition.unit == "share" else "xmr")


def test_kpi_table_delta_direction_reads_like_the_shown_change(sample_db) -> None:
    """A change that reads as ±0 is "same" (neutral), also when it is not exactly zero; the
    table's column and the shown text follow one rule (formatting.delta_direction)."""
    from impactmonitor.formatting import delta_direction

    table = kpis.kpi_table(sample_db, SYSTEM_USER, "2026Q3")
    expected = [
        delta_direction(d, u, r)
        for d, u, r in table.select("delta", "unit", "direction").iter_rows()
    ]
    assert table["delta_direction"].to_list() == expected
    tiny = table.filter((pl.col("delta") != 0) & (pl.col("delta_direction") == "same"))
    assert tiny.height >= 4  # e.g. 48629153 satisfaction −0,03 %-punt


@pytest.mark.parametrize(
    ("agb", "key", "status", "denominator"),
    [
        # 01521798 has ambulant care only (204 clients, no bed-type care): not applicable
        ("01521798", "ambulant_bed_ratio", "n/a", None),
        ("01521798", "length_of_stay_days", "n/a", None),
        # 33830740 has bed-type care, but few: 6 bed clients, 1 ended stay
        ("33830740", "ambulant_bed_ratio", "n<10", 6),
        ("33830740", "length_of_stay_days", "n<10", 1),
        # 02694688: 15 ended stays, and no norm for the length of stay
        ("02694688", "length_of_stay_days", None, 15),
    ],
)
def test_a_kpi_without_its_care_is_not_applicable_not_n_below_10(
    sample_db, agb, key, status, denominator
) -> None:
    table = kpis.kpi_table(sample_db, SYSTEM_USER, "2026Q3", provider_agb=agb)
    row = table.filter(pl.col("kpi") == key).row(0, named=True)
    assert (row["status"], row["denominator"]) == (status, denominator)
    if status == "n/a":
        assert row["value"] is None
        history = kpis.kpi_history(sample_db, SYSTEM_USER, agb, kpis=[key])
        assert set(history["status"]) == {"n/a"}


AMBULANT_BED = "ambulant_bed_ratio"


@pytest.mark.parametrize(
    ("group_by", "municipality_filter", "care_form_filter", "expected"),
    [
        ((), False, False, list(kpis.KPI_KEYS)),
        (("provider_agb", "quarter"), False, False, list(kpis.KPI_KEYS)),
        # only the population is delivered per municipality: the ambulant/bed ratio is left
        (("municipality_code",), False, False, [AMBULANT_BED]),
        ((), True, False, [AMBULANT_BED]),
        # the ratio compares care forms with each other: not per care form, nor for one
        (("care_form",), False, False, [k for k in kpis.KPI_KEYS if k != AMBULANT_BED]),
        ((), False, True, [k for k in kpis.KPI_KEYS if k != AMBULANT_BED]),
        # both: nothing can be shown (the categories page says which KPIs are left out)
        ((), True, True, []),
        (("municipality_code", "care_form"), False, False, []),
    ],
)
def test_applicable_kpis(
    group_by: tuple[str, ...], municipality_filter: bool, care_form_filter: bool, expected: list
) -> None:
    found = kpis.applicable_kpis(group_by, municipality_filter, care_form_filter=care_form_filter)
    assert [k.key for k in found] == expected


def test_applicable_kpis_keeps_the_asked_keys_in_order() -> None:
    asked = ["dropout", AMBULANT_BED, "goal_achievement"]
    assert [k.key for k in kpis.applicable_kpis((), keys=asked)] == asked
    assert [k.key for k in kpis.applicable_kpis((), True, asked)] == [AMBULANT_BED]
    with pytest.raises(ValueError, match="unknown KPI"):
        kpis.applicable_kpis((), keys=["nonsense"])
