"""The escalation ladder: rules, proposals, decisions and who may take them, reviews, demo."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from kpi_data import (
    ADMIN,
    MANAGEMENT,
    MANAGER,
    P1,
    P2,
    P3,
    clients,
    provider_user,
    register,
    results_row,
    store,
)

from impactmonitor import escalation as esc
from impactmonitor.access import AccessDenied
from impactmonitor.storage import Database

pytestmark = pytest.mark.both_backends

P4 = "10000004"
Q = "2025Q3"
AS_OF = date(2025, 11, 15)  # evaluation quarter 2025Q3 (deadline 2025-10-30 has passed)
CONFIG = esc.LadderConfig()  # the default settings, apart from defaults.toml


def context(
    statuses: list[tuple[str, str, str]], deliveries: list[tuple[str, str]] = (), agb: str = P1
) -> esc.RuleContext:
    """Statuses as (quarter, kpi, status) and deliveries as (quarter, status) of one provider."""
    status_frame = pl.DataFrame(
        [{"provider_agb": agb, "quarter": q, "kpi": k, "status": s} for q, k, s in statuses],
        schema={
            "provider_agb": pl.String,
            "quarter": pl.String,
            "kpi": pl.String,
            "status": pl.String,
        },
    )
    delivery_frame = pl.DataFrame(
        [
            {"provider_agb": agb, "quarter": q, "status": s, "deadline": date(2025, 1, 1)}
            for q, s in deliveries
        ],
        schema={
            "provider_agb": pl.String,
            "quarter": pl.String,
            "status": pl.String,
            "deadline": pl.Date,
        },
    )
    return esc.RuleContext(Q, status_frame, delivery_frame, CONFIG)


@pytest.mark.parametrize(
    ("statuses", "deliveries", "up", "down"),
    [
        pytest.param(
            [("2025Q2", "dropout", "red"), ("2025Q3", "dropout", "red")],
            [],
            {"kpi_red_in_a_row"},
            set(),
            id="same KPI red two quarters",
        ),
        pytest.param(
            [
                ("2025Q1", "dropout", "red"),
                ("2025Q2", "dropout", "green"),
                ("2025Q3", "dropout", "red"),
            ],
            [],
            set(),
            set(),
            id="not in a row",
        ),
        pytest.param(
            [("2025Q2", "dropout", "red"), ("2025Q3", "satisfaction", "red")],
            [],
            set(),
            set(),
            id="different KPIs in a row",
        ),
        pytest.param(
            [("2025Q3", "dropout", "red"), ("2025Q3", "satisfaction", "red")],
            [],
            {"several_red"},
            set(),
            id="two KPIs red in one quarter",
        ),
        pytest.param(
            [
                ("2025Q2", "dropout", "red"),
                ("2025Q2", "satisfaction", "red"),
                ("2025Q3", "dropout", "green"),
            ],
            [],
            set(),
            set(),
            id="two red in the previous quarter only",
        ),
        pytest.param(
            [("2025Q3", "dropout", "red"), ("2025Q2", "dropout", "amber")],
            [],
            set(),
            set(),
            id="one red KPI once",
        ),
        pytest.param(
            [],
            [("2025Q1", "missing")],
            {"delivery_overdue"},
            set(),
            id="delivery missing after the deadline",
        ),
        pytest.param(
            [],
            [("2025Q3", "incomplete")],
            {"delivery_overdue"},
            set(),
            id="delivery incomplete after the deadline",
        ),
        pytest.param(
            [],
            [("2025Q2", "late"), ("2025Q3", "pending")],
            set(),
            set(),
            id="late or pending is not overdue",
        ),
        pytest.param(
            [], [("2024Q3", "missing")], set(), set(), id="missing outside the last four quarters"
        ),
        pytest.param(
            [("2025Q2", "dropout", "green"), ("2025Q3", "dropout", "amber")],
            [],
            set(),
            {"no_red"},
            id="two quarters without red",
        ),
        pytest.param(
            [("2025Q3", "dropout", "green")],
            [],
            set(),
            set(),
            id="one quarter without red is not enough",
        ),
        pytest.param(
            [("2025Q2", "dropout", "n<10"), ("2025Q3", "dropout", "green")],
            [],
            set(),
            set(),
            id="a quarter with only n<10 does not count",
        ),
        pytest.param(
            [
                ("2025Q2", "dropout", "green"),
                ("2025Q3", "dropout", "green"),
                ("2025Q3", "satisfaction", "red"),
            ],
            [],
            set(),
            set(),
            id="red in the last quarter",
        ),
    ],
)
def test_rules(statuses: list, deliveries: list, up: set[str], down: set[str]) -> None:
    found = esc.evaluate_rules(context(statuses, deliveries)).get(P1, {"up": [], "down": []})
    assert {r.rule for r in found["up"]} == up
    assert {r.rule for r in found["down"]} == down
    for reason in found["up"] + found["down"]:
        assert reason.text("nl") and reason.text("en") and reason.text("nl") != reason.text("en")


def test_reason_names_the_kpis_and_quarters() -> None:
    found = esc.evaluate_rules(
        context([("2025Q2", "dropout", "red"), ("2025Q3", "dropout", "red")])
    )
    assert found[P1]["up"][0].text("en") == "Dropout: red in 2 quarters in a row (2025Q2–2025Q3)."


UP = [esc.Reason("several_red")]
DOWN = [esc.Reason("no_red")]


@pytest.mark.parametrize(
    ("current", "reasons", "expected"),
    [
        (0, {"up": UP}, (1, "up")),
        (2, {"up": UP}, (3, "up")),
        (3, {"up": UP}, (None, None)),  # proposals stop at step 3
        (4, {"up": UP}, (None, None)),
        (2, {"down": DOWN}, (1, "down")),
        (1, {"down": DOWN}, (0, "down")),
        (0, {"down": DOWN}, (None, None)),
        (4, {"down": DOWN}, (None, None)),  # formal steps are lifted by management itself
        (1, {"up": UP, "down": DOWN}, (2, "up")),
        (1, {}, (None, None)),
    ],
)
def test_proposals(current: int, reasons: dict, expected: tuple) -> None:
    step, direction, why = esc.propose(current, reasons, CONFIG)
    assert (step, direction) == expected
    assert bool(why) == (step is not None)


@pytest.mark.parametrize(
    ("as_of", "quarter"),
    [
        (date(2025, 11, 15), "2025Q3"),
        (date(2025, 10, 30), "2025Q2"),
        (date(2025, 10, 31), "2025Q3"),
        (date(2025, 1, 5), "2024Q3"),
    ],
)
def test_evaluation_quarter(as_of: date, quarter: str) -> None:
    assert esc.evaluation_quarter(as_of) == quarter


def test_step_names_are_catalogue_texts() -> None:
    assert esc.step_names("nl") == [
        "Regulier",
        "Signaal",
        "Verbeterplan",
        "Verscherpt toezicht",
        "Ingebrekestelling / sanctie",
        "Ontbinding",
    ]
    assert esc.step_name(2, "en") == "Improvement plan"
    assert esc.step_names("nl", esc.LadderConfig(steps=3))[-1] == "Verbeterplan"
    with pytest.raises(IndexError):
        esc.step_name(6, "nl")


def quarter_data(db: Database, agb: str, quarter: str, goals: int, dropouts: int = 5) -> None:
    store(
        db,
        agb,
        quarter,
        population=[clients("ambulant", 50)],
        offer=[{"care_form": "ambulant"}],
        results=[
            results_row(
                "ambulant",
                trajectories_ended=100,
                goals_achieved=goals,
                ended_as_planned=80,
                dropouts=dropouts,
            )
        ],
    )


@pytest.fixture(scope="module")
def ladder_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Contracts from 2025-04-01 (2025Q2 and Q3 due). P1 (A): goal achievement red (50%) in
    both quarters. P2 (B): green in both, at step 1 since a decision on 2025Q1 (review date
    2025-08-15). P3 (C): green in 2025Q2, 2025Q3 not delivered. P4 (C): green, nothing to do."""
    path = tmp_path_factory.mktemp("ladder") / "ladder.duckdb"
    database = Database(path)
    database.ensure_schema()
    start = (date(2025, 4, 1), None)
    register(
        database,
        {P1: "A", P2: "B", P3: "C", P4: "C"},
        contracts={agb: start for agb in (P1, P2, P3, P4)},
    )
    for quarter in ("2025Q2", "2025Q3"):
        quarter_data(database, P1, quarter, goals=50)
        quarter_data(database, P2, quarter, goals=80)
        quarter_data(database, P4, quarter, goals=80)
    quarter_data(database, P3, "2025Q2", goals=80)
    esc.record_decision(
        database,
        MANAGER,
        P2,
        1,
        "Signaal wachttijden",
        quarter="2025Q1",
        review_date=date(2025, 8, 15),
        decided_at=datetime(2025, 5, 15, 10, 0),
    )
    return path


@pytest.fixture
def db(ladder_file: Path, tmp_path: Path) -> Database:
    """A fresh copy of the ladder database (see `ladder_file`) for one test."""
    copy = tmp_path / ladder_file.name
    shutil.copy(ladder_file, copy)
    return Database(copy)


def test_board_proposes_up_and_down(db: Database) -> None:
    board = esc.escalation_board(db, MANAGER, as_of=AS_OF, lang="en")
    rows = {row["provider_agb"]: row for row in board.iter_rows(named=True)}
    assert rows[P1]["quarter"] == Q
    assert (rows[P1]["step"], rows[P1]["proposed_step"], rows[P1]["direction"]) == (0, 1, "up")
    assert rows[P1]["rules"] == ["kpi_red_in_a_row"]
    assert "Goal achievement" in rows[P1]["reasons"][0]
    assert (rows[P2]["step"], rows[P2]["proposed_step"], rows[P2]["direction"]) == (1, 0, "down")
    assert rows[P3]["rules"] == ["delivery_overdue"]
    assert rows[P4]["proposed_step"] is None
    proposals = esc.escalation_proposals(db, MANAGER, as_of=AS_OF)
    assert proposals["provider_agb"].to_list() == [P1, P3, P2]  # ups first


def test_a_decision_on_the_quarter_settles_the_proposal(db: Database) -> None:
    esc.record_decision(
        db, MANAGER, P1, 1, "Signal discussed", quarter=Q, decided_at=datetime(2025, 11, 10, 9, 0)
    )
    row = (
        esc.escalation_board(db, MANAGER, as_of=AS_OF)
        .filter(pl.col("provider_agb") == P1)
        .row(0, named=True)
    )
    assert (row["step"], row["proposed_step"]) == (1, None)
    assert row["signals"]  # the signal stays visible


def test_decisions_are_appended_with_snapshot_and_audit(db: Database) -> None:
    version = db.data_version()
    decision = esc.record_decision(
        db,
        MANAGER,
        P1,
        2,
        "Verbeterplan",
        quarter=Q,
        agreed_actions="Plan voor 1 januari",
        review_date=date(2026, 2, 1),
        decided_at=datetime(2025, 11, 12, 14, 0),
    )
    esc.record_decision(
        db,
        MANAGER,
        P1,
        1,
        "Terug naar signaal",
        quarter=Q,
        decided_at=datetime(2025, 11, 13, 14, 0),
    )
    assert db.data_version() > version
    history = esc.decision_history(db, MANAGER, P1)
    assert history["to_step"].to_list() == [1, 2]  # newest first; nothing overwritten
    first = history.filter(pl.col("decision_id") == decision).row(0, named=True)
    assert (first["from_step"], first["decided_by"], first["decided_by_role"]) == (
        0,
        "manager",
        "contract_manager",
    )
    assert (first["to_step_name"], first["review_date"]) == ("Verbeterplan", date(2026, 2, 1))
    snapshot = {item["kpi"]: item for item in json.loads(first["kpi_snapshot"])}
    assert snapshot["goal_achievement"]["value"] == pytest.approx(0.5)
    assert snapshot["goal_achievement"]["status"] == "red"
    with db.connection() as con:
        actions = con.execute(
            "SELECT count(*) FROM audit_log WHERE action = "
            "'escalation_decision' AND provider_agb = ?",
            [P1],
        ).fetchone()
    assert actions == (2,)


@pytest.mark.parametrize(
    ("steps", "user", "allowed"),
    [
        ([1], MANAGER, True),
        ([3], MANAGER, True),
        ([4], MANAGER, False),  # formal notice: management only
        ([5], MANAGER, False),
        ([4], MANAGEMENT, True),
        ([5], MANAGEMENT, True),
        ([1], ADMIN, False),
        ([1], provider_user(P1), False),
    ],
)
def test_who_may_decide(db: Database, steps: list[int], user, allowed: bool) -> None:
    def decide() -> None:
        for step in steps:
            esc.record_decision(db, user, P1, step, "reden")

    if allowed:
        decide()
        assert (
            esc.current_steps(db, MANAGER).filter(pl.col("provider_agb") == P1)["step"][0]
            == steps[-1]
        )
    else:
        with pytest.raises(AccessDenied):
            decide()
        assert esc.decision_history(db, MANAGER, P1).is_empty()


def test_a_contract_manager_cannot_lift_a_formal_step(db: Database) -> None:
    esc.record_decision(db, MANAGEMENT, P1, 4, "Ingebrekestelling")
    with pytest.raises(AccessDenied):
        esc.record_decision(db, MANAGER, P1, 3, "terug")
    esc.record_decision(db, MANAGEMENT, P1, 3, "terug")
    assert esc.decision_history(db, MANAGER, P1)["to_step"].to_list() == [3, 4]


@pytest.mark.parametrize(
    ("agb", "step", "reason"),
    [(P1, 6, "reden"), (P1, -1, "reden"), (P1, 1, "  "), ("99999999", 1, "reden")],
)
def test_bad_decisions_are_refused(db: Database, agb: str, step: int, reason: str) -> None:
    with pytest.raises(ValueError):
        esc.record_decision(db, MANAGER, agb, step, reason)


def test_provider_user_sees_only_its_own_ladder(db: Database) -> None:
    own = provider_user(P2)
    assert esc.escalation_board(db, own, as_of=AS_OF)["provider_agb"].to_list() == [P2]
    assert esc.decision_history(db, own, P1).is_empty()
    assert esc.decision_history(db, own)["provider_agb"].to_list() == [P2]


def test_reviews_due(db: Database) -> None:
    due = esc.reviews_due(db, MANAGER, as_of=AS_OF, lang="en")
    rows = {row["provider_agb"]: row for row in due.iter_rows(named=True)}
    assert set(rows) == {P1, P2, P3}  # P4 (category C) has no signal
    # A: quarterly, none recorded this quarter -> end of 2025Q4; plus the red signal, due now
    assert set(rows[P1]["reasons"]) == {"rhythm", "signal"}
    assert rows[P1]["due_date"] == AS_OF
    # B: half-yearly; last review 2025-05-15 was in the first half; agreed date 15 Aug passed
    assert set(rows[P2]["reasons"]) == {"rhythm", "agreed_review_date"}
    assert (rows[P2]["due_date"], rows[P2]["overdue"]) == (date(2025, 8, 15), True)
    assert rows[P2]["last_review"] == date(2025, 5, 15)
    # C: only on signals (the missing 2025Q3 delivery)
    assert rows[P3]["reasons"] == ["signal"]
    assert due["provider_agb"][0] == P2  # earliest due first


def test_review_rhythm_counts_a_review_in_the_period(db: Database) -> None:
    esc.record_decision(
        db,
        MANAGER,
        P4,
        0,
        "Kwartaalgesprek gevoerd",
        quarter=Q,
        decided_at=datetime(2025, 10, 5, 9, 0),
    )
    esc.record_decision(
        db,
        MANAGER,
        P2,
        1,
        "Halfjaargesprek: blijft op signaal",
        quarter=Q,
        decided_at=datetime(2025, 10, 6, 9, 0),
    )
    due = esc.reviews_due(db, MANAGER, as_of=AS_OF)
    assert P2 not in due["provider_agb"].to_list()  # reviewed this half year, no review date


def test_seed_demo_history(empty_db: Database) -> None:
    register(empty_db, {P1: "A", P2: "B", P3: "C"})
    for quarter in ("2025Q1", "2025Q2", "2025Q3"):
        quarter_data(empty_db, P1, quarter, goals=50, dropouts=30)  # two KPIs red each quarter
        quarter_data(empty_db, P2, quarter, goals=50 if quarter == "2025Q3" else 80)
        quarter_data(empty_db, P3, quarter, goals=80)
    ids = esc.seed_demo_history(empty_db)
    assert len(ids) == 2
    history = esc.decision_history(empty_db, MANAGER)
    assert set(history["provider_agb"]) == {P1}
    assert history.sort("decided_at")[["from_step", "to_step", "quarter"]].rows() == [
        (0, 1, "2025Q1"),
        (1, 2, "2025Q2"),
    ]
    assert history["decided_at"].min() == datetime(2025, 5, 15, 10, 0)  # 45 days after Q1
    assert esc.seed_demo_history(empty_db) == []  # only once
    board = esc.escalation_board(empty_db, MANAGER, as_of=AS_OF)
    p1 = board.filter(pl.col("provider_agb") == P1).row(0, named=True)
    assert (p1["step"], p1["proposed_step"]) == (2, 3)


def test_seed_demo_history_without_red_does_nothing(empty_db: Database) -> None:
    register(empty_db, {P1: "A"})
    quarter_data(empty_db, P1, "2025Q3", goals=80)
    assert esc.seed_demo_history(empty_db) == []


@pytest.mark.parametrize(
    ("user", "current", "expected"),
    [
        (MANAGER, 0, [0, 1, 2, 3]),
        (MANAGER, 3, [0, 1, 2, 3]),
        (MANAGER, 4, []),  # only management lifts a formal step
        (MANAGER, 5, []),
        (MANAGEMENT, 0, [0, 1, 2, 3, 4, 5]),
        (MANAGEMENT, 4, [0, 1, 2, 3, 4, 5]),
        (MANAGEMENT, 5, [0, 1, 2, 3, 4, 5]),
        (ADMIN, 0, []),
        (provider_user(P1), 0, []),
    ],
)
def test_steps_allowed(user, current: int, expected: list[int]) -> None:
    assert esc.steps_allowed(user, P1, current) == expected


# ---- agreements in the rules; accepting and rejecting a proposal (issue 16) ---------------------


def with_agreements(rows: list[tuple[str, str, str]]) -> esc.RuleContext:
    """The context of `context([])` with agreements as (agreement_id, status, deadline)."""
    import dataclasses

    frame = pl.DataFrame(
        [
            {
                "provider_agb": P1,
                "agreement_id": a,
                "title": f"Afspraak {a}",
                "status": s,
                "deadline_quarter": d,
                "statement_nl": "Niet gehaald.",
                "statement_en": "Missed.",
            }
            for a, s, d in rows
        ],
        schema={
            "provider_agb": pl.String,
            "agreement_id": pl.String,
            "title": pl.String,
            "status": pl.String,
            "deadline_quarter": pl.String,
            "statement_nl": pl.String,
            "statement_en": pl.String,
        },
    )
    return dataclasses.replace(context([]), agreements=frame)


@pytest.mark.parametrize(
    ("rows", "fires"),
    [
        pytest.param([("a1", "missed", "2025Q3")], True, id="missed at the evaluated quarter"),
        pytest.param([("a1", "missed", "2024Q4")], True, id="missed 3 quarters ago"),
        pytest.param([("a1", "missed", "2024Q3")], False, id="missed 4 quarters ago: outside"),
        pytest.param(
            [
                ("a1", "at_risk", "2025Q4"),
                ("a2", "off_track", "2026Q1"),
                ("a3", "achieved", "2025Q3"),
                ("a4", "no_data", "2025Q2"),
            ],
            False,
            id="not missed",
        ),
    ],
)
def test_rule_agreement_missed(rows: list, fires: bool) -> None:
    found = esc.evaluate_rules(with_agreements(rows)).get(P1, {"up": [], "down": []})
    assert ({r.rule for r in found["up"]} == {"agreement_missed"}) is fires
    for reason in found["up"]:
        assert reason.text("nl") == "Afspraak ‘Afspraak a1’: Niet gehaald."
        assert reason.details == {"agreement": "a1", "deadline": rows[0][2]}


def test_proposal_facts_ignore_the_wording_but_not_the_details() -> None:
    one = esc.Reason("several_red", {"kpis": ["a", "b"], "quarter": Q}, fields={"count": "twee"})
    reworded = esc.Reason("several_red", {"quarter": Q, "kpis": ["a", "b"]}, fields={"count": 2})
    other = esc.Reason("several_red", {"kpis": ["a", "c"], "quarter": Q}, fields={"count": "twee"})
    assert esc.proposal_facts(1, "up", [one]) == esc.proposal_facts(1, "up", [reworded])
    assert esc.proposal_facts(1, "up", [one]) != esc.proposal_facts(1, "up", [other])
    assert esc.proposal_facts(1, "up", [one]) != esc.proposal_facts(2, "up", [one])
    assert esc.proposal_facts(None, None, []) is None


def test_a_missed_agreement_proposes_and_a_rejection_is_remembered(db: Database) -> None:
    from impactmonitor.agreements import record_agreement

    record_agreement(
        db,
        MANAGER,
        P4,
        title="Doelrealisatie 90%",
        measure_kind="kpi",
        measure="goal_achievement",
        target_value=0.90,
        start_quarter="2025Q2",
        deadline_quarter="2025Q3",
        recorded_at=datetime(2025, 4, 10, 9, 0),
    )

    def p4(as_of: date = AS_OF) -> dict:
        board = esc.escalation_board(db, MANAGER, as_of=as_of)
        return board.filter(pl.col("provider_agb") == P4).row(0, named=True)

    row = p4()
    assert (row["proposed_step"], row["rules"]) == (1, ["agreement_missed"])
    assert row["reasons"] == [
        "Afspraak ‘Doelrealisatie 90%’: Niet gehaald: 80,0% in 2025Q3 tegen afgesproken 90,0%."
    ]
    assert row["agreements"] == ["Doelrealisatie 90%: ✖ Niet gehaald"]
    decision = esc.reject_proposal(
        db,
        MANAGER,
        P4,
        "Norm was te ambitieus; nieuwe afspraak",
        as_of=AS_OF,
        decided_at=datetime(2025, 11, 16, 9, 0),
    )
    stored = esc.decision_history(db, MANAGER, P4).row(0, named=True)
    assert stored["decision_id"] == decision
    assert (stored["from_step"], stored["to_step"], stored["quarter"]) == (0, 0, Q)
    proposal = json.loads(stored["proposal"])
    assert (proposal["outcome"], proposal["step"], proposal["rules"]) == (
        "rejected",
        1,
        ["agreement_missed"],
    )
    assert proposal["facts"] == row["facts"]
    assert json.loads(stored["kpi_snapshot"])  # the figures it was based on
    # A quarter later the same facts (the same missed agreement) do not bring it back ...
    quarter_data(db, P4, "2025Q4", goals=80)
    later = date(2026, 2, 15)  # evaluation quarter 2025Q4
    row = p4(later)
    assert row["proposed_step"] is None and row["quarter"] == "2025Q4"
    assert (row["rejected_by"], row["rejection_reason"]) == (
        "manager",
        "Norm was te ambitieus; nieuwe afspraak",
    )
    assert row["signals"]  # the signal itself stays visible
    # ... new facts do: a second agreement missed in 2025Q4.
    record_agreement(
        db,
        MANAGER,
        P4,
        title="Uitval 1%",
        measure_kind="kpi",
        measure="dropout",
        target_value=0.01,
        start_quarter="2025Q3",
        deadline_quarter="2025Q4",
    )
    row = p4(later)
    assert (row["proposed_step"], row["rules"]) == (1, ["agreement_missed", "agreement_missed"])
    assert row["rejected_by"] is None


def test_accepting_a_proposal_records_its_step_and_outcome(db: Database) -> None:
    esc.accept_proposal(
        db,
        MANAGER,
        P1,
        "Eens: signaal bespreken",
        agreed_actions="Analyse",
        review_date=date(2026, 1, 15),
        as_of=AS_OF,
    )
    stored = esc.decision_history(db, MANAGER, P1).row(0, named=True)
    assert (stored["from_step"], stored["to_step"], stored["agreed_actions"]) == (0, 1, "Analyse")
    proposal = json.loads(stored["proposal"])
    assert (proposal["outcome"], proposal["rules"]) == ("accepted", ["kpi_red_in_a_row"])
    with pytest.raises(ValueError, match="no open proposal"):
        esc.accept_proposal(db, MANAGER, P4, "niets voorgesteld", as_of=AS_OF)
    with pytest.raises(AccessDenied):
        esc.reject_proposal(db, provider_user(P3), P3, "nee", as_of=AS_OF)


def test_a_rejection_keeps_the_open_actions_and_review_date(db: Database) -> None:
    esc.record_decision(
        db,
        MANAGER,
        P3,
        1,
        "Signaal",
        agreed_actions="Aanleveren vóór 1 dec",
        review_date=date(2025, 12, 1),
        quarter="2025Q2",
        decided_at=datetime(2025, 9, 1, 9, 0),
    )
    esc.reject_proposal(db, MANAGER, P3, "Aanlevering komt eraan", as_of=AS_OF)
    row = esc.current_steps(db, MANAGER).filter(pl.col("provider_agb") == P3).row(0, named=True)
    assert (row["step"], row["review_date"]) == (1, date(2025, 12, 1))
    assert esc.decision_history(db, MANAGER, P3)["agreed_actions"][0] == "Aanleveren vóór 1 dec"


def test_reviews_per_contract_manager_overdue_first(db: Database) -> None:
    from impactmonitor.agreements import record_agreement

    record_agreement(
        db,
        MANAGEMENT,
        P1,
        title="Doelrealisatie 70%",
        measure_kind="kpi",
        measure="goal_achievement",
        target_value=0.70,
        start_quarter="2025Q3",
        deadline_quarter="2026Q2",
        recorded_at=datetime(2025, 10, 1, 9, 0),
    )
    reviews = esc.reviews_by_contract_manager(db, MANAGER, as_of=AS_OF)
    assert reviews.select("contract_manager", "provider_agb", "overdue").rows() == [
        ("boss", P1, False),
        ("manager", P2, True),
        (None, P3, False),
    ]
