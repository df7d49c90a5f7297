"""Provider isolation in the data layer: every read a page or export uses, called by a provider
user, returns nothing of another provider (table-driven, on the full sample region)."""

from __future__ import annotations

import polars as pl
import pytest
from app_support import app_as, page_path, texts

from impactmonitor import (
    agreements,
    breakdowns,
    deliveries,
    delivery_status,
    escalation,
    explanations,
    kpis,
    talkpack,
    target,
)
from impactmonitor.access import AccessDenied, User
from impactmonitor.audit import audit_events
from impactmonitor.mirror import mirror_report

pytestmark = pytest.mark.both_backends

OWN = "02694688"
OTHER = "48629153"
OTHER_NAME = "Stichting De Havenkring"
QUARTER = "2026Q3"
PROVIDER = User("aanbieder", "provider", frozenset({OWN}))


def _other_agreement(db) -> str:
    """The id of one of OTHER's agreements (the sample region gives it three)."""
    return db.scalar(
        "SELECT min(agreement_id) FROM agreement_versions WHERE provider_agb = ?", [OTHER]
    )


# name -> call(db, user); each returns a frame (or raises AccessDenied)
READS = {
    "provider_choices": lambda db, u: deliveries.provider_choices(db, u),
    "delivery_history(other)": lambda db, u: deliveries.delivery_history(db, u, OTHER),
    "original_files(other's delivery)": lambda db, u: deliveries.original_files(
        db, u, db.scalar("SELECT min(delivery_id) FROM deliveries WHERE provider_agb = ?", [OTHER])
    ),
    "kpi_values": lambda db, u: kpis.kpi_values(db, u, ("provider_agb", "quarter")),
    "kpi_values(other)": lambda db, u: kpis.kpi_values(
        db, u, ("provider_agb", "quarter"), provider_agbs=[OTHER]
    ),
    "kpi_table": lambda db, u: kpis.kpi_table(db, u, QUARTER),
    "kpi_table(other)": lambda db, u: kpis.kpi_table(db, u, QUARTER, provider_agb=OTHER),
    "kpi_history(other)": lambda db, u: kpis.kpi_history(db, u, OTHER),
    "aggregate_kpis(region)": lambda db, u: kpis.aggregate_kpis(db, u, [QUARTER], by=()),
    "population_breakdown(other)": lambda db, u: breakdowns.population_breakdown(
        db, u, OTHER, QUARTER, "care_form"
    ),
    "offer(other)": lambda db, u: breakdowns.delivered_table(db, u, "offer", OTHER, QUARTER),
    "results(other)": lambda db, u: breakdowns.delivered_table(db, u, "results", OTHER, QUARTER),
    "delivery_status": lambda db, u: delivery_status.delivery_status(db, u),
    "current_steps": lambda db, u: escalation.current_steps(db, u),
    "escalation_board": lambda db, u: escalation.escalation_board(db, u),
    "decision_history(other)": lambda db, u: escalation.decision_history(db, u, OTHER),
    "target_contributions": lambda db, u: target.target_contributions(db, u, "short_residential"),
    "mirror_report(other)": lambda db, u: mirror_report(db, u, OTHER),
    "audit_events": lambda db, u: audit_events(db, u),
    "reviews_by_contract_manager": lambda db, u: escalation.reviews_by_contract_manager(db, u),
    "agreements": lambda db, u: agreements.agreements(db, u, include_withdrawn=True),
    "agreements(other)": lambda db, u: agreements.agreements(db, u, OTHER),
    "agreement_history": lambda db, u: agreements.agreement_history(db, u),
    "agreement_history(other)": lambda db, u: agreements.agreement_history(db, u, OTHER),
    "agreement_progress": lambda db, u: agreements.agreement_progress(db, u, quarter=QUARTER),
    "agreement_progress(other)": lambda db, u: agreements.agreement_progress(db, u, OTHER, QUARTER),
    "agreement_series(other's agreement)": lambda db, u: agreements.agreement_series(
        db, u, _other_agreement(db)
    ),
    "explanations": lambda db, u: explanations.explanations(db, u),
    "explanations(other)": lambda db, u: explanations.explanations(db, u, OTHER),
    "explanation_threads": lambda db, u: explanations.explanation_threads(db, u),
    "explanation_threads(other)": lambda db, u: explanations.explanation_threads(db, u, OTHER),
    "talk_pack(other)": lambda db, u: talkpack.talk_pack(db, u, OTHER, QUARTER).kpis,
    "talk_packs_due": lambda db, u: talkpack.talk_packs_due(db, u),
}


def _leaks(frame: pl.DataFrame) -> list[str]:
    """Cells that name or code another provider (file contents read as text)."""
    found = []
    for column in frame.columns:
        values = [
            v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
            for v in frame[column].to_list()
            if v is not None
        ]
        found += [v for v in values if OTHER in v or OTHER_NAME in v]
        if column == "provider_agb":
            found += [v for v in values if v != OWN]
    return found


@pytest.mark.parametrize("name", list(READS))
def test_provider_user_gets_nothing_of_another_provider(sample_db, name) -> None:
    try:
        frame = READS[name](sample_db, PROVIDER)
    except AccessDenied:
        return
    assert not _leaks(frame), f"{name} leaks {_leaks(frame)[:3]}"


@pytest.mark.parametrize(
    "name",
    [
        "kpi_table",
        "delivery_status",
        "escalation_board",
        "provider_choices",
        "agreements",
        "agreement_progress",
        "explanations",
        "explanation_threads",
    ],
)
def test_the_same_reads_do_return_other_providers_for_a_contract_manager(sample_db, name) -> None:
    """Guards the test above: the data is there, the filter is what hides it."""
    frame = READS[name](sample_db, User("cm", "contract_manager"))
    assert OTHER in frame["provider_agb"].to_list()


def test_another_providers_original_files_do_name_it_for_a_contract_manager(sample_db) -> None:
    """Guards the original_files row above: its files name the provider, so a leak would show."""
    frame = READS["original_files(other's delivery)"](sample_db, User("cm", "contract_manager"))
    assert frame.height and _leaks(frame)


def test_region_aggregate_for_a_provider_covers_only_its_own_rows(sample_db) -> None:
    own = kpis.kpi_values(sample_db, PROVIDER, ("provider_agb", "quarter"), quarters=[QUARTER])
    region = kpis.aggregate_kpis(sample_db, PROVIDER, [QUARTER], by=())
    joined = own.join(region, on=["quarter", "kpi"], suffix="_region")
    assert (joined["numerator"] == joined["numerator_region"]).all()


@pytest.mark.parametrize("page", ["provider", "mirror"])
def test_url_parameter_with_another_provider_shows_nothing_of_it(
    sample_db, monkeypatch, page
) -> None:
    at = app_as(PROVIDER, sample_db.path, monkeypatch).run()
    at.switch_page(page_path(page)).run()
    at.query_params["provider"] = OTHER  # the user edits the URL
    at.run()
    assert not at.exception
    shown = texts(at)
    assert OTHER not in shown and OTHER_NAME not in shown
    assert "niet beschikbaar" in shown
    assert at.query_params.get("provider") in (None, [OWN], OWN)


# ---- the municipality role (issue 17) ------------------------------------------------------------
# A municipality user sees the population of its own municipalities (every provider's rows
# there), never another municipality's, and nothing a provider delivers per provider (offer,
# results, deliveries, escalation).

OWN_MUNICIPALITY = "GM1992"  # Voorne aan Zee (Brielle, Hellevoetsluis, Westvoorne before 2023)
OWN_AREA = ("GM0501", "GM0530", "GM0614", "GM1992")
OTHER_MUNICIPALITY, OTHER_MUNICIPALITY_NAME = "GM0599", "Rotterdam"
MUNICIPALITY = User("gemeente", "municipality", municipality_codes=frozenset({OWN_MUNICIPALITY}))
# Reads that are about one provider's own data: nothing at all for a municipality user.
PROVIDER_LEVEL = [
    name
    for name in READS
    if name not in ("kpi_values", "aggregate_kpis(region)", "target_contributions")
]


@pytest.mark.parametrize("name", PROVIDER_LEVEL)
def test_municipality_user_gets_no_providers_own_data(sample_db, name) -> None:
    try:
        frame = READS[name](sample_db, MUNICIPALITY)
    except AccessDenied:
        return
    assert frame.height == 0, f"{name} returns {frame.height} rows to a municipality user"


@pytest.mark.parametrize("name", PROVIDER_LEVEL)
def test_the_provider_level_reads_do_return_rows_for_management(sample_db, name) -> None:
    """Guards the test above: these reads are not empty by themselves."""
    if name == "audit_events":
        frame = READS[name](sample_db, User("m", "management"))
    else:
        frame = READS[name](sample_db, User("cm", "contract_manager"))
    assert frame.height > 0, name


def _own_area_sum(db, expression: str, care_forms: tuple[str, ...], quarter: str) -> int:
    """An independent sum over the stored population rows of the own area."""
    return int(
        db.scalar(
            f"SELECT coalesce(sum({expression}), 0) FROM population WHERE quarter = ? "
            f"AND municipality_code IN (SELECT unnest(?)) AND care_form IN (SELECT unnest(?))",
            [quarter, list(OWN_AREA), list(care_forms)],
        )
    )


def test_municipality_kpis_cover_only_its_own_population(sample_db) -> None:
    values = kpis.kpi_values(sample_db, MUNICIPALITY, ("quarter",), quarters=[QUARTER])
    assert values["kpi"].to_list() == ["ambulant_bed_ratio"]  # results/offer: not per municipality
    row = values.row(0, named=True)
    assert row["numerator"] == _own_area_sum(
        sample_db, "clients_start + inflow", ("ambulant", "day_care"), QUARTER
    )
    assert row["denominator"] == _own_area_sum(
        sample_db,
        "clients_start + inflow",
        ("residential_short", "residential_long", "crisis"),
        QUARTER,
    )
    region = kpis.aggregate_kpis(sample_db, MUNICIPALITY, [QUARTER], by=())
    assert region["numerator"].to_list() == [row["numerator"]]


def test_municipality_target_index_is_its_own(sample_db) -> None:
    series = target.index_series(sample_db, MUNICIPALITY).filter(
        (pl.col("index") == "short_residential") & (pl.col("quarter") == QUARTER)
    )
    assert series["clients"][0] == _own_area_sum(
        sample_db, "clients_start + inflow", ("residential_short",), QUARTER
    )
    by_municipality = target.target_contributions(
        sample_db, MUNICIPALITY, "short_residential", by="municipality"
    )
    assert by_municipality["municipality_code"].to_list() == [OWN_MUNICIPALITY]


def test_municipality_user_never_sees_another_municipality(sample_db) -> None:
    from impactmonitor import municipality

    assert municipality.municipality_choices(sample_db, MUNICIPALITY)[
        "municipality_code"
    ].to_list() == [OWN_MUNICIPALITY]
    for read in (
        municipality.municipality_indexes,
        municipality.municipality_population,
        municipality.municipality_flow,
        municipality.municipality_ratio,
    ):
        with pytest.raises(AccessDenied):
            read(sample_db, MUNICIPALITY, OTHER_MUNICIPALITY)
    with pytest.raises(AccessDenied):
        municipality.municipality_providers(sample_db, MUNICIPALITY, OTHER_MUNICIPALITY, QUARTER)
    population = municipality.municipality_population(sample_db, MUNICIPALITY, OWN_MUNICIPALITY)
    assert population["clients"].sum() == int(
        sample_db.scalar(
            "SELECT sum(clients_start + inflow) FROM population "
            "WHERE municipality_code IN (SELECT unnest(?))",
            [list(OWN_AREA)],
        )
    )


def test_municipality_user_sees_provider_split_only_with_enough_providers(sample_db) -> None:
    from impactmonitor import municipality

    everything = municipality.municipality_providers(
        sample_db, MUNICIPALITY, OWN_MUNICIPALITY, QUARTER
    )
    assert not everything.suppressed and everything.providers >= 3
    few = municipality.municipality_providers(
        sample_db, MUNICIPALITY, OWN_MUNICIPALITY, QUARTER, "family_home"
    )
    assert few.suppressed and few.providers < 3 and few.table.height == 0


@pytest.mark.parametrize("page", ["overview", "municipality"])
def test_municipality_pages_show_nothing_of_another_municipality(
    sample_db, monkeypatch, page
) -> None:
    at = app_as(
        MUNICIPALITY, sample_db.path, monkeypatch, {"municipality": OTHER_MUNICIPALITY}
    ).run()
    at.switch_page(page_path(page)).run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert OTHER_MUNICIPALITY_NAME not in shown and OTHER_MUNICIPALITY not in shown
    assert "Voorne aan Zee" in shown
