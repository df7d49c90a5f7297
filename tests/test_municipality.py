"""One municipality's figures (issue 17): indexes against its own baseline, merged codes counted
for their successor, population, flow, ratio, providers under the mirror rule, the region next
to it. Every expected value is computed by hand from the rows in the fixture's docstring."""

from __future__ import annotations

import polars as pl
import pytest
from app_support import app_as, page_path, texts
from kpi_data import MANAGER, P1, P2, P3, clients, register, store

from impactmonitor import municipality as mun
from impactmonitor.access import AccessDenied, User
from impactmonitor.storage import Database

ROTTERDAM, VOORNE, BRIELLE, HELLEVOETSLUIS, WESTVOORNE = (
    "GM0599",
    "GM1992",
    "GM0501",
    "GM0530",
    "GM0614",
)
ROTTERDAM_USER = User("wethouder-rdam", "municipality", municipality_codes=frozenset({ROTTERDAM}))
VOORNE_USER = User("wethouder-vaz", "municipality", municipality_codes=frozenset({VOORNE}))
BASELINE = ("2022Q1", "2022Q2", "2022Q3", "2022Q4")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """Clients (start + inflow) per quarter:

    2022 (Q1..Q4)                      short residential          foster care / family home
      Rotterdam  P1                    40, 44, 36, 40  (sum 160)  foster 30 each quarter
                 P2                    20, 20, 24, 16  (sum 80)
                 P3                                               family home 10 each quarter
      Brielle (-> Voorne aan Zee) P2    8, 10,  6,  8  (sum 32)
      Hellevoetsluis (-> VaZ)     P3    4 each quarter (sum 16)
      Westvoorne (-> VaZ)         P2                              foster 5 each quarter
    Baselines: Rotterdam short (160 + 80) / 4 = 60, foster (120 + 40) / 4 = 40;
               Voorne aan Zee short (32 + 16) / 4 = 12, foster 20 / 4 = 5.

    2025Q4
      Rotterdam  P1 short 30 (12_17: 20, 6_11: 10), foster 36,
                    ambulant start 100 + inflow 20 (outflow 15)
                 P2 short 12;  P3 family home 14
      Voorne aan Zee  P2 short 6, foster 7;  P3 short 3
    """
    database = Database(tmp_path_factory.mktemp("municipality") / "municipality.duckdb")
    database.ensure_schema()
    register(database, {P1: "A", P2: "B", P3: "C"})
    p1_short, p2_short, brielle = (40, 44, 36, 40), (20, 20, 24, 16), (8, 10, 6, 8)
    for i, quarter in enumerate(BASELINE):
        store(
            database,
            P1,
            quarter,
            population=[
                clients("residential_short", p1_short[i], ROTTERDAM),
                clients("foster_care", 30, ROTTERDAM),
            ],
        )
        store(
            database,
            P2,
            quarter,
            population=[
                clients("residential_short", p2_short[i], ROTTERDAM),
                clients("residential_short", brielle[i], BRIELLE),
                clients("foster_care", 5, WESTVOORNE),
            ],
        )
        store(
            database,
            P3,
            quarter,
            population=[
                clients("family_home", 10, ROTTERDAM),
                clients("residential_short", 4, HELLEVOETSLUIS),
            ],
        )
    store(
        database,
        P1,
        "2025Q4",
        population=[
            clients("residential_short", 20, ROTTERDAM, "12_17"),
            clients("residential_short", 10, ROTTERDAM, "6_11"),
            clients("foster_care", 36, ROTTERDAM),
            {
                "municipality_code": ROTTERDAM,
                "care_form": "ambulant",
                "age_group": "12_17",
                "clients_start": 100,
                "inflow": 20,
                "outflow": 15,
            },
        ],
    )
    store(
        database,
        P2,
        "2025Q4",
        population=[
            clients("residential_short", 12, ROTTERDAM),
            clients("residential_short", 6, VOORNE),
            clients("foster_care", 7, VOORNE),
        ],
    )
    store(
        database,
        P3,
        "2025Q4",
        population=[clients("family_home", 14, ROTTERDAM), clients("residential_short", 3, VOORNE)],
    )
    return database


def _index(frame: pl.DataFrame, index: str, quarter: str) -> dict:
    return frame.filter((pl.col("index") == index) & (pl.col("quarter") == quarter)).row(
        0, named=True
    )


@pytest.mark.parametrize(
    ("user", "code", "index", "baseline", "clients", "value"),
    [
        (MANAGER, ROTTERDAM, "short_residential", 60.0, 42, 42 / 60),  # 0.70
        (MANAGER, ROTTERDAM, "foster_family", 40.0, 50, 50 / 40),  # 1.25
        (MANAGER, VOORNE, "short_residential", 12.0, 9, 9 / 12),  # 0.75: merged baseline
        (MANAGER, VOORNE, "foster_family", 5.0, 7, 7 / 5),  # 1.40
        (ROTTERDAM_USER, ROTTERDAM, "short_residential", 60.0, 42, 42 / 60),
        (VOORNE_USER, VOORNE, "short_residential", 12.0, 9, 9 / 12),
        (VOORNE_USER, VOORNE, "foster_family", 5.0, 7, 7 / 5),
    ],
)
def test_indexes_against_the_own_baseline(db, user, code, index, baseline, clients, value) -> None:
    row = _index(mun.municipality_indexes(db, user, code), index, "2025Q4")
    assert row["baseline_clients"] == pytest.approx(baseline)
    assert row["clients"] == clients
    assert row["value"] == pytest.approx(value)


@pytest.mark.parametrize(
    ("index", "quarter", "value"),
    [
        ("short_residential", "2025Q4", 51 / 72),  # (42 + 9) / (60 + 12)
        ("foster_family", "2025Q4", 57 / 45),  # (50 + 7) / (40 + 5)
        ("short_residential", "2022Q2", (44 + 20 + 10 + 4) / 72),
    ],
)
def test_the_region_next_to_it(db, index, quarter, value) -> None:
    for user in (MANAGER, VOORNE_USER):  # the same aggregate for both
        row = _index(mun.municipality_indexes(db, user, VOORNE), index, quarter)
        assert row["region_value"] == pytest.approx(value)


def test_a_merged_code_counts_for_its_successor_in_2022(db) -> None:
    """Voorne aan Zee's 2022 quarters are Brielle + Hellevoetsluis (short residential)."""
    series = mun.municipality_indexes(db, MANAGER, VOORNE).filter(
        pl.col("index") == "short_residential"
    )
    by_quarter = dict(series.select("quarter", "clients").iter_rows())
    assert [by_quarter[q] for q in BASELINE] == [8 + 4, 10 + 4, 6 + 4, 8 + 4]
    # asking by an old code gives the same area
    assert mun.municipality_indexes(db, MANAGER, BRIELLE).equals(
        mun.municipality_indexes(db, MANAGER, VOORNE)
    )


def test_population_per_care_form_and_age_group(db) -> None:
    population = mun.municipality_population(db, ROTTERDAM_USER, ROTTERDAM).filter(
        pl.col("quarter") == "2025Q4"
    )
    rows = {(r["care_form"], r["age_group"]): r for r in population.iter_rows(named=True)}
    assert rows[("residential_short", "12_17")]["clients"] == 20
    assert rows[("residential_short", "6_11")]["clients"] == 10 + 12  # P1 + P2
    assert rows[("ambulant", "12_17")]["clients_end"] == 105
    assert population["clients"].sum() == 30 + 36 + 120 + 12 + 14


def test_flow_and_ratio(db) -> None:
    flow = (
        mun.municipality_flow(db, ROTTERDAM_USER, ROTTERDAM)
        .filter(pl.col("quarter") == "2025Q4")
        .row(0, named=True)
    )
    assert (flow["clients_start"], flow["inflow"], flow["outflow"]) == (192, 20, 15)
    assert flow["region_clients"] == 212 + 16  # + Voorne aan Zee 6 + 7 + 3
    ratio = (
        mun.municipality_ratio(db, ROTTERDAM_USER, ROTTERDAM)
        .filter(pl.col("quarter") == "2025Q4")
        .row(0, named=True)
    )
    assert (ratio["numerator"], ratio["denominator"]) == (120, 42)
    assert ratio["value"] == pytest.approx(120 / 42)
    assert ratio["region_value"] == pytest.approx(120 / 51)


def test_providers_with_their_share(db) -> None:
    shares = mun.municipality_providers(db, ROTTERDAM_USER, ROTTERDAM, "2025Q4")
    assert not shares.suppressed and shares.providers == 3 and shares.total_clients == 212
    rows = {r["provider_agb"]: r for r in shares.table.iter_rows(named=True)}
    assert rows[P1]["clients"] == 186 and rows[P1]["share"] == pytest.approx(186 / 212)
    assert rows[P3]["share"] == pytest.approx(14 / 212)
    assert shares.table["provider_agb"][0] == P1  # the biggest first


@pytest.mark.parametrize(
    ("user", "code", "care_form", "suppressed", "providers"),
    [
        (VOORNE_USER, VOORNE, None, True, 2),  # P2 and P3 only: fewer than 3
        (MANAGER, VOORNE, None, False, 2),  # the region's staff see the split
        (ROTTERDAM_USER, ROTTERDAM, "residential_short", True, 2),  # P1 and P2
        (ROTTERDAM_USER, ROTTERDAM, None, False, 3),
    ],
)
def test_split_per_provider_follows_the_mirror_rule(
    db, user, code, care_form, suppressed, providers
) -> None:
    shares = mun.municipality_providers(db, user, code, "2025Q4", care_form)
    assert shares.suppressed is suppressed and shares.providers == providers
    assert (shares.table.height == 0) is suppressed


def test_comparison_table(db) -> None:
    table = mun.municipality_comparison(db, VOORNE_USER, VOORNE, "2025Q4")
    rows = {r["measure"]: r for r in table.iter_rows(named=True)}
    assert rows["short_residential"]["municipality"] == pytest.approx(0.75)
    assert rows["short_residential"]["region"] == pytest.approx(51 / 72)
    assert rows["clients"]["municipality"] == 16 and rows["clients"]["region"] == 228
    assert rows["ambulant_bed_ratio"]["municipality"] == pytest.approx(0.0)


@pytest.mark.parametrize(
    "call",
    [
        lambda db: mun.municipality_indexes(db, VOORNE_USER, ROTTERDAM),
        lambda db: mun.municipality_population(db, VOORNE_USER, ROTTERDAM),
        lambda db: mun.municipality_flow(db, VOORNE_USER, ROTTERDAM),
        lambda db: mun.municipality_ratio(db, VOORNE_USER, ROTTERDAM),
        lambda db: mun.municipality_providers(db, VOORNE_USER, ROTTERDAM, "2025Q4"),
        lambda db: mun.municipality_choices(db, User("p", "provider", frozenset({P1}))),
        lambda db: mun.municipality_population(db, User("a", "admin"), ROTTERDAM),
    ],
)
def test_refused_outside_the_own_municipalities(db, call) -> None:
    with pytest.raises(AccessDenied):
        call(db)


def test_choices(db) -> None:
    assert mun.municipality_choices(db, VOORNE_USER).rows() == [(VOORNE, "Voorne aan Zee")]
    everything = mun.municipality_choices(db, MANAGER)["municipality_code"].to_list()
    assert len(everything) == 13 and BRIELLE not in everything  # today's 13 municipalities


def test_not_by_municipality_names_results_and_offer_kpis() -> None:
    names = mun.not_by_municipality("nl")
    assert "Doelrealisatie" in names and "Wachtlijst" in names
    assert "Verhouding ambulant/bed" not in names


# ---- the page, as the municipality role ----------------------------------------------------------


def test_page_for_the_municipality_role(db, monkeypatch) -> None:
    at = app_as(VOORNE_USER, db.path, monkeypatch).run()
    at.switch_page(page_path("municipality")).run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "Voorne aan Zee" in shown
    assert "0,75" in shown  # the short residential index in 2025Q4
    assert "Brielle (GM0501)" in shown  # the merger is explained
    assert "Doelrealisatie" in shown  # ... named as not delivered per municipality
    assert "minder dan 3" in shown  # two providers: no split per provider
    assert "Aanbieder 10000002" not in shown and P2 not in shown
    assert "Rotterdam" not in shown


def test_page_url_with_another_municipality_shows_nothing_of_it(db, monkeypatch) -> None:
    at = app_as(VOORNE_USER, db.path, monkeypatch, {"municipality": ROTTERDAM}).run()
    at.switch_page(page_path("municipality")).run()
    at.query_params["municipality"] = ROTTERDAM  # the user edits the URL
    at.run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "niet beschikbaar" in shown and "Rotterdam" not in shown
    assert "Voorne aan Zee" in shown


def test_page_for_a_contract_manager_shows_the_split(db, monkeypatch) -> None:
    at = app_as(MANAGER, db.path, monkeypatch, {"municipality": ROTTERDAM}).run()
    at.switch_page(page_path("municipality")).run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "Aanbieder 10000001" in shown and "87,7%" in shown  # 186 / 212


def test_overview_for_the_municipality_role(db, monkeypatch) -> None:
    at = app_as(VOORNE_USER, db.path, monkeypatch).run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "Voorne aan Zee" in shown  # the scope is stated
    assert "Doelrealisatie" not in [m.label for m in at.metric]
    assert "Verhouding ambulant/bed" in [m.label for m in at.metric]
    assert "Kern-KPI's van Voorne aan Zee (2025Q4)" in [h.value for h in at.subheader]
    assert "Minder dan 3 aanbieders" in shown
    assert "Aanbieder 1000000" not in shown


def test_admin_page_creates_a_municipality_user(db, monkeypatch) -> None:
    from impactmonitor.users import authenticate

    at = app_as(User("beheerder", "admin"), db.path, monkeypatch).run()
    at.switch_page(page_path("admin")).run()
    assert not at.exception, at.exception
    at.text_input(key="admin_username").input("wethouder-vlaardingen")
    at.selectbox(key="admin_role").select("municipality")
    at.text_input(key="admin_password").input("pw-vlaardingen-1")
    at.multiselect(key="admin_user_municipalities").select("GM0622")
    submit = next(b for b in at.button if b.label == "Opslaan" and "admin_user_form" in b.id)
    submit.click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    user = authenticate(db, "wethouder-vlaardingen", "pw-vlaardingen-1")
    assert user.role == "municipality" and user.municipality_codes == frozenset({"GM0622"})


# ---- the KPI page's municipality filter (issue 11 item 6) ---------------------------------------
@pytest.mark.parametrize(
    ("user", "filters", "expected"),
    [
        # (provider, care form) -> (clients_start, inflow, outflow, clients), Rotterdam 2025Q4
        (
            MANAGER,
            {},
            {
                (P1, "ambulant"): (100, 20, 15, 120),
                (P1, "foster_care"): (36, 0, 0, 36),
                (P1, "residential_short"): (30, 0, 0, 30),
                (P2, "residential_short"): (12, 0, 0, 12),
                (P3, "family_home"): (14, 0, 0, 14),
            },
        ),
        (
            MANAGER,
            {"care_form": "residential_short"},
            {(P1, "residential_short"): (30, 0, 0, 30), (P2, "residential_short"): (12, 0, 0, 12)},
        ),
        (MANAGER, {"category": "B"}, {(P2, "residential_short"): (12, 0, 0, 12)}),
        (
            ROTTERDAM_USER,
            {},
            {
                (P1, "ambulant"): (100, 20, 15, 120),
                (P1, "foster_care"): (36, 0, 0, 36),
                (P1, "residential_short"): (30, 0, 0, 30),
                (P2, "residential_short"): (12, 0, 0, 12),
                (P3, "family_home"): (14, 0, 0, 14),
            },
        ),
        # two providers only: a municipality user gets no per-provider figures
        (ROTTERDAM_USER, {"care_form": "residential_short"}, {}),
    ],
)
def test_provider_population_of_a_municipality(db, user, filters, expected) -> None:
    table = mun.municipality_provider_population(db, user, ROTTERDAM, "2025Q4", **filters)
    got = {
        (r["provider_agb"], r["care_form"]): (
            r["clients_start"],
            r["inflow"],
            r["outflow"],
            r["clients"],
        )
        for r in table.iter_rows(named=True)
    }
    assert got == expected


def test_provider_population_counts_merged_codes_for_their_successor(db) -> None:
    table = mun.municipality_provider_population(db, MANAGER, VOORNE, "2022Q1")
    got = {(r["provider_agb"], r["care_form"]): r["clients"] for r in table.iter_rows(named=True)}
    # Brielle P2 8 short, Westvoorne P2 5 foster, Hellevoetsluis P3 4 short
    assert got == {
        (P2, "residential_short"): 8,
        (P2, "foster_care"): 5,
        (P3, "residential_short"): 4,
    }
    with pytest.raises(AccessDenied):
        mun.municipality_provider_population(db, VOORNE_USER, ROTTERDAM, "2025Q4")
