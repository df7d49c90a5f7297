"""Provider isolation in the data layer: every read a page or export uses, called by a provider
user, returns nothing of another provider (table-driven, on the full sample region)."""

from __future__ import annotations

import polars as pl
import pytest
from app_support import app_as, page_path, texts

from impactmonitor import breakdowns, deliveries, delivery_status, escalation, kpis, target
from impactmonitor.access import AccessDenied, User
from impactmonitor.audit import audit_events
from impactmonitor.mirror import mirror_report

pytestmark = pytest.mark.both_backends

OWN = "02694688"
OTHER = "48629153"
OTHER_NAME = "Stichting De Havenkring"
QUARTER = "2026Q3"
PROVIDER = User("aanbieder", "provider", frozenset({OWN}))

# name -> call(db, user); each returns a frame (or raises AccessDenied)
READS = {
    "provider_choices": lambda db, u: deliveries.provider_choices(db, u),
    "delivery_history(other)": lambda db, u: deliveries.delivery_history(db, u, OTHER),
    "kpi_values": lambda db, u: kpis.kpi_values(db, u, ("provider_agb", "quarter")),
    "kpi_values(other)": lambda db, u: kpis.kpi_values(db, u, ("provider_agb", "quarter"),
                                                       provider_agbs=[OTHER]),
    "kpi_table": lambda db, u: kpis.kpi_table(db, u, QUARTER),
    "kpi_table(other)": lambda db, u: kpis.kpi_table(db, u, QUARTER, provider_agb=OTHER),
    "kpi_history(other)": lambda db, u: kpis.kpi_history(db, u, OTHER),
    "aggregate_kpis(region)": lambda db, u: kpis.aggregate_kpis(db, u, [QUARTER], by=()),
    "population_breakdown(other)": lambda db, u: breakdowns.population_breakdown(
        db, u, OTHER, QUARTER, "care_form"),
    "offer(other)": lambda db, u: breakdowns.delivered_table(db, u, "offer", OTHER, QUARTER),
    "results(other)": lambda db, u: breakdowns.delivered_table(db, u, "results", OTHER,
                                                               QUARTER),
    "delivery_status": lambda db, u: delivery_status.delivery_status(db, u),
    "current_steps": lambda db, u: escalation.current_steps(db, u),
    "escalation_board": lambda db, u: escalation.escalation_board(db, u),
    "decision_history(other)": lambda db, u: escalation.decision_history(db, u, OTHER),
    "target_contributions": lambda db, u: target.target_contributions(
        db, u, "short_residential"),
    "mirror_report(other)": lambda db, u: mirror_report(db, u, OTHER),
    "audit_events": lambda db, u: audit_events(db, u),
}


def _leaks(frame: pl.DataFrame) -> list[str]:
    """Cells that name or code another provider."""
    found = []
    for column in frame.columns:
        values = [str(v) for v in frame[column].to_list() if v is not None]
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


@pytest.mark.parametrize("name", ["kpi_table", "delivery_status", "escalation_board",
                                  "provider_choices"])
def test_the_same_reads_do_return_other_providers_for_a_contract_manager(sample_db,
                                                                          name) -> None:
    """Guards the test above: the data is there, the filter is what hides it."""
    frame = READS[name](sample_db, User("cm", "contract_manager"))
    assert OTHER in frame["provider_agb"].to_list()


def test_region_aggregate_for_a_provider_covers_only_its_own_rows(sample_db) -> None:
    own = kpis.kpi_values(sample_db, PROVIDER, ("provider_agb", "quarter"), quarters=[QUARTER])
    region = kpis.aggregate_kpis(sample_db, PROVIDER, [QUARTER], by=())
    joined = own.join(region, on=["quarter", "kpi"], suffix="_region")
    assert (joined["numerator"] == joined["numerator_region"]).all()


@pytest.mark.parametrize("page", ["provider", "mirror"])
def test_url_parameter_with_another_provider_shows_nothing_of_it(sample_db, monkeypatch,
                                                                 page) -> None:
    at = app_as(PROVIDER, sample_db.path, monkeypatch).run()
    at.switch_page(page_path(page)).run()
    at.query_params["provider"] = OTHER  # the user edits the URL
    at.run()
    assert not at.exception
    shown = texts(at)
    assert OTHER not in shown and OTHER_NAME not in shown
    assert "niet beschikbaar" in shown
    assert at.query_params.get("provider") in (None, [OWN], OWN)
