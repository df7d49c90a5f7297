"""Performance agreements: progress (hand-computed, table-driven), recording with history,
the measures read from real deliveries, and who may record them."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from kpi_data import MANAGEMENT, MANAGER, P1, P2, P3, clients, provider_user, register, store

from impactmonitor import agreements as ag
from impactmonitor.access import AccessDenied, User

DROPOUT = dict(
    agreement_id="a",
    provider_agb=P1,
    title="Uitval omlaag",
    measure_kind="kpi",
    measure="dropout",
    target_value=0.10,
    direction="lower",
    start_quarter="2026Q1",
    deadline_quarter="2026Q4",
)


def dropout(**changes) -> ag.Agreement:
    return ag.Agreement(**{**DROPOUT, **changes})


# (agreement, values per quarter, evaluated at, status, projected or None) — worked by hand in
# the comments: fit = least-squares line through the values from the baseline quarter on.
CASES = [
    pytest.param(
        dropout(),
        {"2025Q4": 0.20, "2026Q1": 0.18, "2026Q2": 0.16},
        "2026Q2",
        "at_risk",
        0.12,
        # slope −0.02 per quarter: 0.16 − 2 × 0.02 = 0.12 in 2026Q4; share of the
        # required change (0.12 − 0.20) / (0.10 − 0.20) = 0.8 ≥ 0.75
        id="behind but at least 75% of the way: at risk",
    ),
    pytest.param(
        dropout(),
        {"2025Q4": 0.20, "2026Q1": 0.17, "2026Q2": 0.14},
        "2026Q2",
        "on_track",
        0.08,  # slope −0.03: 0.14 − 0.06 = 0.08 ≤ 0.10
        id="trend reaches the target: on track",
    ),
    pytest.param(
        dropout(),
        {"2025Q4": 0.20, "2026Q1": 0.20, "2026Q2": 0.19},
        "2026Q2",
        "off_track",
        0.181667,
        # mean x 1, mean y 0.196667, slope −0.005, intercept 0.201667; at x = 4:
        # 0.181667; share (0.181667 − 0.2) / −0.1 = 0.18 < 0.75
        id="flat trend: off track",
    ),
    pytest.param(
        dropout(),
        {"2025Q4": 0.20, "2026Q4": 0.095},
        "2026Q4",
        "achieved",
        None,
        id="deadline quarter reached the target: achieved",
    ),
    pytest.param(
        dropout(),
        {"2025Q4": 0.20, "2026Q4": 0.11},
        "2027Q1",
        "missed",
        None,
        id="deadline passed, value in the deadline quarter above target: missed",
    ),
    pytest.param(
        dropout(),
        {"2025Q4": 0.20, "2026Q3": 0.05, "2027Q1": 0.05},
        "2027Q1",
        "no_data",
        None,
        id="deadline passed without a value in that quarter",
    ),
    pytest.param(
        dropout(),
        {"2025Q4": 0.20, "2026Q4": 0.05},
        "2026Q3",
        "no_data",
        None,
        # values after the evaluation quarter are not looked at
        id="no value since the start (later ones ignored): no data",
    ),
    pytest.param(dropout(), {}, "2026Q2", "no_data", None, id="no data at all"),
    pytest.param(
        dropout(),
        {"2025Q4": 0.20},
        "2025Q4",
        "not_started",
        None,
        id="before the start: not started",
    ),
    pytest.param(
        dropout(milestones=(("2026Q2", 0.15),)),
        {"2025Q4": 0.20, "2026Q1": 0.17, "2026Q2": 0.14},
        "2026Q2",
        "on_track",
        0.08,
        id="milestone reached: on track",
    ),
    pytest.param(
        dropout(milestones=(("2026Q2", 0.15),)),
        {"2025Q4": 0.20, "2026Q1": 0.12, "2026Q2": 0.16},
        "2026Q2",
        "at_risk",
        0.10,
        # mean y 0.16, slope −0.02, intercept 0.18; at x = 4: 0.10 reaches the target,
        # but 0.16 in 2026Q2 missed the milestone 0.15
        id="trend on track but a milestone missed: at risk",
    ),
    pytest.param(
        dropout(milestones=(("2026Q3", 0.15),)),
        {"2025Q4": 0.20, "2026Q1": 0.12, "2026Q2": 0.16},
        "2026Q2",
        "on_track",
        0.10,
        id="milestone still ahead: not judged yet",
    ),
    pytest.param(
        dropout(),
        {"2025Q4": 0.20, "2026Q1": 0.09},
        "2026Q1",
        "on_track",
        None,
        id="target already reached before the deadline: on track",
    ),
    pytest.param(
        dropout(),
        {"2026Q1": 0.20, "2026Q2": 0.16},
        "2026Q2",
        "on_track",
        0.08,
        # no value before the start: the baseline is the first value (2026Q1);
        # slope −0.04: 0.16 − 0.08 = 0.08
        id="baseline from the first value when nothing before the start",
    ),
    pytest.param(
        dropout(),
        {"2026Q1": 0.20},
        "2026Q1",
        "no_data",
        None,
        id="one point only: too few for a trend",
    ),
    pytest.param(
        dropout(start_quarter="2024Q1", deadline_quarter="2026Q4"),
        {
            "2023Q4": 0.90,
            "2024Q1": 0.90,
            "2024Q2": 0.90,
            "2024Q3": 0.30,
            "2024Q4": 0.28,
            "2025Q1": 0.26,
            "2025Q2": 0.24,
            "2025Q3": 0.22,
            "2025Q4": 0.20,
        },
        "2025Q4",
        "at_risk",
        0.12,
        # only the last 6 values (2024Q3..2025Q4, slope −0.02) make the line:
        # 0.20 − 4 × 0.02 = 0.12 in 2026Q4; share (0.12 − 0.90) / (0.10 − 0.90) =
        # 0.975 (with all 9 points the steep drop would project far below 0.10)
        id="projection over the last 6 quarters only",
    ),
    pytest.param(
        ag.Agreement(
            "b", P1, "Doelrealisatie", "kpi", "goal_achievement", 0.75, "higher", "2026Q1", "2026Q4"
        ),
        {"2025Q4": 0.60, "2026Q1": 0.65, "2026Q2": 0.70},
        "2026Q2",
        "on_track",
        0.80,
        id="higher is better: on track",
    ),
    pytest.param(
        ag.Agreement(
            "c",
            P1,
            "Bedden afbouwen",
            "count",
            "places",
            28,
            "lower",
            "2026Q1",
            "2026Q4",
            (("2026Q2", 34),),
            "residential_short",
        ),
        {"2025Q4": 40, "2026Q1": 38, "2026Q2": 37},
        "2026Q2",
        "off_track",
        33.8333,
        # slope ((−1)(1.667) + (1)(−1.333)) / 2 = −1.5, intercept 38.333 + 1.5 =
        # 39.833; at x = 4: 33.833; share (33.833 − 40) / (28 − 40) = 0.514 < 0.75
        # → off track (the missed milestone 34 in 2026Q2, 37, does not help)
        id="beds: off track, milestone missed",
    ),
]


@pytest.mark.parametrize(("agreement", "values", "quarter", "status", "projected"), CASES)
def test_progress(agreement, values, quarter, status, projected) -> None:
    progress = ag.evaluate(agreement, values, quarter)
    assert progress.status == status, progress.statement
    if projected is None:
        assert progress.projected is None
    else:
        assert progress.projected == pytest.approx(projected, abs=1e-4)
    assert progress.statement


def test_progress_statement_names_the_figures() -> None:
    progress = ag.evaluate(dropout(), {"2025Q4": 0.20, "2026Q1": 0.18, "2026Q2": 0.16}, "2026Q2")
    assert progress.statement.startswith("Risico: de trend komt in 2026Q4 uit op 12,0%")
    assert "80% van de benodigde verandering vanaf 20,0% in 2025Q4" in progress.statement
    assert "laatste 3 kwartalen (2025Q4–2026Q2)" in progress.statement
    english = ag.evaluate(dropout(), {"2025Q4": 0.20, "2026Q4": 0.11}, "2026Q4", lang="en")
    assert english.statement == "Missed: 11.0% in 2026Q4 against an agreed 10.0%."
    milestone = ag.evaluate(
        dropout(milestones=(("2026Q2", 0.15),)),
        {"2025Q4": 0.20, "2026Q1": 0.12, "2026Q2": 0.16},
        "2026Q2",
    )
    assert "Tussendoel 15,0% in 2026Q2 niet gehaald (16,0%)." in milestone.statement


@pytest.mark.parametrize(
    ("quarter", "expected"),
    [
        ("2025Q4", 0.20),
        ("2026Q1", 0.175),
        ("2026Q2", 0.15),
        ("2026Q3", 0.125),
        ("2026Q4", 0.10),
        ("2027Q1", None),
        ("2025Q3", None),
    ],
)
def test_agreed_path_runs_through_the_milestones(quarter, expected) -> None:
    agreement = dropout(milestones=(("2026Q2", 0.15),))
    value = ag.agreed_path(agreement, ("2025Q4", 0.20), quarter)
    assert value == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(
    ("value", "unit", "lang", "expected"),
    [
        (0.123, "share", "nl", "12,3%"),
        (12.5, "fte", "nl", "12,5"),
        (-0.0123, "index_points", "nl", "−0,012"),
        (0.004, "index_points", "en", "+0.004"),
        (28.0, "count", "nl", "28"),
        (None, "count", "nl", "–"),
    ],
)
def test_format_value(value, unit, lang, expected) -> None:
    assert ag.format_value(value, unit, lang) == expected


# ---- recording and history on a real database ---------------------------------------------------


@pytest.fixture
def db(empty_db):
    """Providers P1 (A), P2 (B), P3 (B) with beds and results over 2025Q4..2026Q2."""
    register(empty_db, {P1: "A", P2: "B", P3: "B"})
    beds = {"2025Q4": 40, "2026Q1": 38, "2026Q2": 37}
    for agb in (P1, P2, P3):
        for quarter, places in beds.items():
            store(
                empty_db,
                agb,
                quarter,
                population=[
                    clients("residential_short", 50 if quarter == "2025Q4" else 45),
                    clients("ambulant", 100),
                ],
                offer=[
                    {"care_form": "residential_short", "places": places},
                    {"care_form": "ambulant", "places": 0, "clients_waiting": 5},
                ],
                results=[
                    {
                        "care_form": "ambulant",
                        "trajectories_ended": 50,
                        "dropouts": {"2025Q4": 10, "2026Q1": 9, "2026Q2": 8}[quarter],
                    },
                    {"care_form": "residential_short", "trajectories_ended": 4, "dropouts": 2},
                ],
            )
    return empty_db


def record_beds(db, user=MANAGER, **changes) -> str:
    fields = dict(
        title="Afbouw bedden kortdurend verblijf",
        measure_kind="count",
        measure="places",
        care_form="residential_short",
        target_value=28,
        start_quarter="2026Q1",
        deadline_quarter="2026Q4",
        milestones=[("2026Q2", 34)],
        agreed_with="J. de Vries (directeur)",
        recorded_at=datetime(2026, 1, 15, 10, 0),
    )
    fields.update(changes)
    return ag.record_agreement(db, user, P1, **fields)


def test_a_recorded_agreement_gets_its_progress_from_the_deliveries(db) -> None:
    agreement_id = record_beds(db)
    progress = ag.agreement_progress(db, MANAGER, quarter="2026Q2")
    row = progress.row(0, named=True)
    assert (row["agreement_id"], row["provider_agb"], row["version"]) == (agreement_id, P1, 1)
    assert (row["baseline_quarter"], row["baseline_value"]) == ("2025Q4", 40)
    assert (row["latest_quarter"], row["latest_value"]) == ("2026Q2", 37)
    assert row["status"] == "off_track"  # the beds case above, now from real deliveries
    assert row["projected"] == pytest.approx(33.8333, abs=1e-4)
    assert row["milestones_missed"] == ["2026Q2"]
    assert row["measure_name"] == "Plaatsen (bedden) (Kortdurend verblijf)"
    assert row["direction"] == "lower"  # the measure's own direction by default


def test_kpi_measure_for_one_care_form_and_the_min_n_rule(db) -> None:
    ag.record_agreement(
        db,
        MANAGER,
        P1,
        title="Uitval ambulant",
        measure_kind="kpi",
        measure="dropout",
        care_form="ambulant",
        target_value=0.10,
        start_quarter="2026Q1",
        deadline_quarter="2026Q4",
    )
    ag.record_agreement(
        db,
        MANAGER,
        P1,
        title="Uitval verblijf",
        measure_kind="kpi",
        measure="dropout",
        care_form="residential_short",
        target_value=0.10,
        start_quarter="2026Q1",
        deadline_quarter="2026Q4",
    )
    rows = {
        r["title"]: r
        for r in ag.agreement_progress(db, MANAGER, quarter="2026Q2").iter_rows(named=True)
    }
    ambulant = rows["Uitval ambulant"]
    assert (ambulant["baseline_value"], ambulant["latest_value"]) == (0.20, 0.16)
    assert ambulant["status"] == "at_risk"  # the first hand case: 0.12 projected, share 0.8
    # 4 ended trajectories per quarter: below n = 10, so no value is judged
    assert rows["Uitval verblijf"]["status"] == "no_data"
    assert rows["Uitval verblijf"]["latest_value"] is None


def test_index_contribution_in_index_points(db) -> None:
    ag.record_agreement(
        db,
        MANAGER,
        P1,
        title="Bijdrage kortdurend verblijf",
        measure_kind="index",
        measure="short_residential",
        target_value=-0.05,
        start_quarter="2026Q1",
        deadline_quarter="2026Q4",
    )
    row = ag.agreement_progress(db, MANAGER, quarter="2026Q2").row(0, named=True)
    # No 2022 baseline year in this database: no index, no value.
    assert row["status"] == "no_data"


def test_index_contribution_with_a_baseline_year(empty_db) -> None:
    register(empty_db, {P1: "A", P2: "B", P3: "B", "10000004": "B"})
    for agb in (P1, P2, P3, "10000004"):
        for quarter, count in (("2022Q1", 50), ("2022Q2", 50), ("2026Q1", 45), ("2026Q2", 40)):
            store(
                empty_db,
                agb,
                quarter,
                population=[clients("residential_short", count if agb == P1 else 50)],
            )
    ag.record_agreement(
        empty_db,
        MANAGER,
        P1,
        title="Bijdrage",
        measure_kind="index",
        measure="short_residential",
        target_value=-0.05,
        start_quarter="2026Q1",
        deadline_quarter="2026Q2",
    )
    for user in (MANAGER, provider_user(P1)):
        row = ag.agreement_progress(empty_db, user, quarter="2026Q2").row(0, named=True)
        # regional baseline 4 × 50 = 200; P1: (40 − 50) / 200 = −0.05 reaches −0.05
        assert row["latest_value"] == pytest.approx(-0.05), user.role
        assert row["status"] == "achieved"


def test_index_contribution_is_not_shown_over_too_few_other_providers(empty_db) -> None:
    register(empty_db, {P1: "A", P2: "B"})
    for agb in (P1, P2):
        for quarter in ("2022Q1", "2026Q1"):
            store(empty_db, agb, quarter, population=[clients("residential_short", 50)])
    ag.record_agreement(
        empty_db,
        MANAGER,
        P1,
        title="Bijdrage",
        measure_kind="index",
        measure="short_residential",
        target_value=-0.05,
        start_quarter="2026Q1",
        deadline_quarter="2026Q4",
    )
    row = ag.agreement_progress(empty_db, provider_user(P1), quarter="2026Q1").row(0, named=True)
    assert row["latest_value"] is None and row["status"] == "no_data"


def test_revisions_and_withdrawal_append_versions_and_keep_the_history(db, dump_db) -> None:
    agreement_id = record_beds(db)
    before = dump_db(db)["agreement_versions"]
    assert (
        ag.revise_agreement(
            db,
            MANAGER,
            agreement_id,
            "Deadline een kwartaal later",
            deadline_quarter="2027Q1",
            recorded_at=datetime(2026, 4, 1, 9, 0),
        )
        == 2
    )
    assert (
        ag.withdraw_agreement(
            db,
            MANAGEMENT,
            agreement_id,
            "Vervangen door nieuw plan",
            recorded_at=datetime(2026, 7, 1, 9, 0),
        )
        == 3
    )
    after = dump_db(db)["agreement_versions"]
    assert set(before) <= set(after) and len(after) == 3  # nothing changed, only appended
    history = ag.agreement_history(db, MANAGER, agreement_id=agreement_id)
    assert history["version"].to_list() == [3, 2, 1]
    assert history["state"].to_list() == ["withdrawn", "active", "active"]
    assert history["deadline_quarter"].to_list() == ["2027Q1", "2027Q1", "2026Q4"]
    assert json.loads(history["milestones"][0]) == [{"quarter": "2026Q2", "value": 34.0}]
    assert ag.agreements(db, MANAGER).height == 0  # withdrawn: no longer current
    assert ag.agreements(db, MANAGER, include_withdrawn=True).height == 1
    actions = db.query(
        "SELECT action, details FROM audit_log WHERE action = "
        "'agreement_recorded' ORDER BY event_id"
    )
    assert [json.loads(d)["version"] for d in actions["details"]] == [1, 2, 3]


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"title": "  "}, "agreement_title_required"),
        ({"measure": "beds"}, "agreement_unknown_measure"),
        ({"measure_kind": "kpi", "measure": "ambulant_bed_ratio"}, "agreement_bad_care_form"),
        ({"care_form": "spaceship"}, "agreement_bad_care_form"),
        ({"target_value": "veel"}, "agreement_bad_target"),
        ({"target_value": -1}, "agreement_bad_target"),
        (
            {"measure_kind": "kpi", "measure": "dropout", "target_value": 12, "care_form": None},
            "agreement_bad_target",
        ),  # a share is a fraction
        ({"direction": "up"}, "agreement_bad_direction"),
        ({"start_quarter": "Q5 2026"}, "agreement_bad_quarter"),
        ({"deadline_quarter": "2025Q4"}, "agreement_deadline_before_start"),
        ({"milestones": [("2027Q1", 30)]}, "agreement_milestone_outside"),
        ({"milestones": [("2026Q2", 34), ("2026-Q2", 33)]}, "agreement_milestone_twice"),
        ({"decision_id": "nope"}, "agreement_unknown_decision"),
    ],
)
def test_a_bad_agreement_is_refused_with_a_plain_message_and_writes_nothing(
    db, dump_db, changes, key
) -> None:
    before = dump_db(db)
    with pytest.raises(ag.AgreementError) as error:
        record_beds(db, **changes)
    assert error.value.key == key
    assert error.value.message("nl") and error.value.message("en")
    assert dump_db(db) == before


def test_unknown_provider_is_refused(db) -> None:
    with pytest.raises(ag.AgreementError, match="not in the register"):
        ag.record_agreement(
            db,
            MANAGER,
            "99999999",
            title="x",
            measure_kind="count",
            measure="places",
            target_value=1,
            start_quarter="2026Q1",
            deadline_quarter="2026Q2",
        )


@pytest.mark.parametrize(
    ("user", "allowed"),
    [(MANAGER, True), (MANAGEMENT, True), (provider_user(P1), False), (User("a", "admin"), False)],
    ids=["contract manager", "management", "provider itself", "admin"],
)
def test_who_may_record_and_edit_agreements(db, user, allowed) -> None:
    if allowed:
        agreement_id = record_beds(db, user=user)
        ag.revise_agreement(db, user, agreement_id, "bijgesteld", target_value=30)
        return
    with pytest.raises(AccessDenied):
        record_beds(db, user=user)
    agreement_id = record_beds(db)
    with pytest.raises(AccessDenied):
        ag.revise_agreement(db, user, agreement_id, "bijgesteld", target_value=30)
    with pytest.raises(AccessDenied):
        ag.withdraw_agreement(db, user, agreement_id, "weg")


def test_a_provider_reads_only_its_own_agreements(db) -> None:
    record_beds(db)
    ag.record_agreement(
        db,
        MANAGER,
        P2,
        title="Wachtlijst P2",
        measure_kind="count",
        measure="clients_waiting",
        target_value=2,
        start_quarter="2026Q1",
        deadline_quarter="2026Q4",
    )
    for reader in (
        ag.agreements,
        ag.agreement_history,
        lambda d, u: ag.agreement_progress(d, u, quarter="2026Q2"),
    ):
        assert set(reader(db, provider_user(P1))["provider_agb"]) == {P1}
        assert set(reader(db, provider_user(P2))["provider_agb"]) == {P2}
        assert reader(db, provider_user(P3)).height == 0
        assert set(reader(db, MANAGER)["provider_agb"]) == {P1, P2}
    other = ag.agreements(db, MANAGER, P2)["agreement_id"][0]
    assert ag.agreement_series(db, provider_user(P1), other).height == 0
    assert ag.agreement_series(db, provider_user(P2), other).height > 0


def test_agreement_series_judges_every_quarter(db) -> None:
    agreement_id = record_beds(db)
    series = ag.agreement_series(db, MANAGER, agreement_id)
    assert series["quarter"].to_list() == ["2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert series["value"].to_list() == [40, 38, 37, None, None]
    assert series["path"].to_list() == pytest.approx([40, 37, 34, 31, 28])
    assert series["milestone"].to_list() == [None, None, 34, None, 28]
    # 2026Q1: two points (40, 38), slope −2 → 32 in 2026Q4, share 8/12 = 0.67 → off track
    assert series["status"].to_list() == [
        "not_started",
        "off_track",
        "off_track",
        "off_track",
        "no_data",
    ]
