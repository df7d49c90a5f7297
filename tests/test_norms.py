"""Norms: status boundaries, n < 10, defaults, history by quarter, per category, access."""

from __future__ import annotations

import json
from datetime import datetime

import polars as pl
import pytest
from kpi_data import ADMIN, MANAGER, P1, P2, clients, register, results_row, store

from impactmonitor import kpis, norms
from impactmonitor.access import AccessDenied
from impactmonitor.definitions import norms as definitions_norms
from impactmonitor.storage import Database

STATUS_CASES = [
    # higher is better (goal achievement 70 / 60): exactly on a threshold is the better status
    (0.70, 100, "higher", 0.70, 0.60, "green"),
    (0.6999, 100, "higher", 0.70, 0.60, "amber"),
    (0.60, 100, "higher", 0.70, 0.60, "amber"),
    (0.5999, 100, "higher", 0.70, 0.60, "red"),
    (7 / 10, 10, "higher", 0.70, 0.60, "green"),  # 7/10 computed, not typed
    # lower is better (intake wait 28 / 42 days)
    (28.0, 50, "lower", 28, 42, "green"),
    (28.01, 50, "lower", 28, 42, "amber"),
    (42.0, 50, "lower", 28, 42, "amber"),
    (42.01, 50, "lower", 28, 42, "red"),
    (0.15, 20, "lower", 0.10, 0.15, "amber"),  # dropout exactly 15%
    (3 / 20, 20, "lower", 0.10, 0.15, "amber"),
    # n < 10: no status, whatever the value
    (1.0, 9, "higher", 0.70, 0.60, "n<10"),
    (0.0, 0, "lower", 0.10, 0.15, "n<10"),
    (0.5, 10, "higher", 0.70, 0.60, "red"),
    # no norm
    (0.5, 100, "higher", None, None, None),
    # no amber threshold: amber is the green one
    (0.65, 100, "higher", 0.70, None, "red"),
    (None, 100, "higher", 0.70, 0.60, None),
]


@pytest.mark.parametrize(("value", "n", "direction", "green", "amber", "expected"), STATUS_CASES)
def test_classify(
    value: float,
    n: int,
    direction: str,
    green: float | None,
    amber: float | None,
    expected: str | None,
) -> None:
    assert norms.classify(value, n, direction, green, amber) == expected


def test_the_product_expression_gives_the_same_statuses() -> None:
    """`judge` (pages, exports) and `classify` read one rule (`STATUS_RULE`): the frame form."""
    frame = pl.DataFrame(
        [
            {
                "value": value,
                "denominator": n,
                "direction": direction,
                "min_n": True,
                "norm_green": green,
                "norm_amber": amber,
            }
            for value, n, direction, green, amber, _ in STATUS_CASES
        ],
        schema={
            "value": pl.Float64,
            "denominator": pl.Int64,
            "direction": pl.String,
            "min_n": pl.Boolean,
            "norm_green": pl.Float64,
            "norm_amber": pl.Float64,
        },
    )
    statuses = frame.select(norms.status_expression(norms.min_n()).alias("s"))["s"].to_list()
    assert statuses == [case[-1] for case in STATUS_CASES]


def test_there_is_one_status_rule() -> None:
    assert norms.status_expression is definitions_norms.status_expression
    assert norms.classify is definitions_norms.classify
    assert not hasattr(norms, "_status_expression")
    assert {status for status, _ in norms.STATUS_RULE} == {*norms.STATUSES, None}


@pytest.mark.parametrize(
    ("direction", "valid_from", "green", "amber", "reason", "expected"),
    [
        ("higher", "2025Q1", 70.0, 60.0, "besluit regio", None),
        ("higher", "2025-Q1", 70.0, 60.0, "besluit regio", None),  # any quarter spelling
        ("higher", "2025Q1", None, None, "ingetrokken", None),  # withdrawing the norm
        ("higher", "2025Q1", 70.0, 70.0, "gelijk", None),  # amber may equal green
        ("higher", "2025", 70.0, 60.0, "x", "cell_bad_quarter"),
        ("higher", "", 70.0, 60.0, "x", "cell_bad_quarter"),
        ("higher", "2025Q1", 70.0, None, "x", "norms_both_or_none"),
        ("lower", "2025Q1", None, 42.0, "x", "norms_both_or_none"),
        ("higher", "2025Q1", 60.0, 70.0, "x", "norms_order_higher"),
        ("lower", "2025Q1", 42.0, 28.0, "x", "norms_order_lower"),
        ("lower", "2025Q1", 28.0, 42.0, "x", None),
        ("higher", "2025Q1", 70.0, 60.0, "   ", "norms_reason_required"),
        ("higher", "2025Q1", 70.0, 60.0, None, None),  # no reason asked (the API)
        # the first problem is the one reported
        ("higher", "nonsense", 70.0, None, "", "cell_bad_quarter"),
        ("higher", "2025Q1", 60.0, 70.0, "", "norms_order_higher"),
    ],
)
def test_norm_change_problem(
    direction: str,
    valid_from: str,
    green: float | None,
    amber: float | None,
    reason: str | None,
    expected: str | None,
) -> None:
    assert norms.norm_change_problem(direction, valid_from, green, amber, reason) == expected


def test_every_norm_change_problem_is_a_text() -> None:
    from impactmonitor.i18n import text

    keys = ["cell_bad_quarter", "norms_both_or_none", "norms_reason_required"]
    for key in [*keys, "norms_order_higher", "norms_order_lower"]:
        assert text(key, "nl") != key and text(key, "en") != key


def test_min_n_rule_can_be_off() -> None:
    assert norms.classify(12.0, 1, "lower", 28, 42, apply_min_n=False) == "green"


def test_defaults_come_from_the_repository() -> None:
    defaults = norms.default_norms()
    goal = defaults.filter(pl.col("kpi") == "goal_achievement").row(0, named=True)
    assert (goal["green"], goal["amber"], goal["source"]) == (0.70, 0.60, "default")
    dropout = defaults.filter(pl.col("kpi") == "dropout").row(0, named=True)
    assert (dropout["green"], dropout["amber"]) == (0.10, 0.15)
    wait = defaults.filter(pl.col("kpi") == "intake_wait_days").row(0, named=True)
    assert (wait["green"], wait["amber"]) == (28, 42)
    assert set(defaults["kpi"]) <= set(kpis.KPI_KEYS)


@pytest.fixture
def db(empty_db: Database) -> Database:
    """P1 (A) and P2 (C): goal achievement 72%, waiting list 8, in 2025Q2 and 2025Q3."""
    register(empty_db, {P1: "A", P2: "C"})
    for agb in (P1, P2):
        for quarter in ("2025Q2", "2025Q3"):
            store(
                empty_db,
                agb,
                quarter,
                population=[clients("ambulant", 50)],
                offer=[{"care_form": "ambulant", "clients_waiting": 8}],
                results=[results_row("ambulant", trajectories_ended=100, goals_achieved=72)],
            )
    return empty_db


def status(db: Database, quarter: str, agb: str = P1) -> dict:
    table = kpis.kpi_table(db, MANAGER, quarter, provider_agb=agb, kpis=["goal_achievement"])
    return table.row(0, named=True)


def test_an_old_quarter_keeps_its_old_norm(db: Database) -> None:
    before = db.data_version()
    norms.set_norm(
        db,
        ADMIN,
        "goal_achievement",
        green=0.75,
        amber=0.65,
        valid_from="2025Q3",
        reason="stricter from Q3",
        at=datetime(2025, 6, 1, 12, 0),
    )
    assert db.data_version() > before
    old, new = status(db, "2025Q2"), status(db, "2025Q3")
    # 72% against 70/60 (default) is green; against 75/65 (from 2025Q3) amber.
    assert (old["status"], old["norm_green"], old["norm_source"]) == ("green", 0.70, "default")
    assert (new["status"], new["norm_green"], new["norm_valid_from"]) == ("amber", 0.75, "2025Q3")
    assert new["norm_source"] == "changed 2025-06-01 by admin"
    assert new["norm"] == "green >= 0.75, amber >= 0.65 (changed 2025-06-01 by admin)"
    # The 2025Q3 table still shows the previous quarter judged by its own norm.
    assert new["previous_status"] == "green"
    history = norms.norm_history(db)
    assert history.height == 1 and history["changed_by"][0] == "admin"
    with db.connection() as con:
        event = con.execute(
            "SELECT actor, action, details FROM audit_log WHERE action = 'norm_changed'"
        ).fetchone()
    assert event[:2] == ("admin", "norm_changed")
    assert json.loads(event[2])["green"] == 0.75


def test_a_later_change_with_the_same_start_wins(db: Database) -> None:
    norms.set_norm(
        db,
        ADMIN,
        "goal_achievement",
        green=0.75,
        amber=0.65,
        valid_from="2025Q2",
        at=datetime(2025, 5, 1),
    )
    norms.set_norm(
        db,
        ADMIN,
        "goal_achievement",
        green=0.71,
        amber=0.65,
        valid_from="2025Q2",
        at=datetime(2025, 5, 2),
    )
    assert status(db, "2025Q2")["norm_green"] == 0.71
    assert status(db, "2025Q2")["status"] == "green"


def test_category_norm_and_its_withdrawal(db: Database) -> None:
    norms.set_norm(
        db,
        ADMIN,
        "goal_achievement",
        green=0.80,
        amber=0.75,
        valid_from="2025Q2",
        category="C",
        at=datetime(2025, 4, 1),
    )
    assert status(db, "2025Q2", P2)["status"] == "red"  # 72% < 75% for category C
    assert "category C" in status(db, "2025Q2", P2)["norm"]
    assert status(db, "2025Q2", P1)["status"] == "green"  # A keeps the general norm
    norms.set_norm(
        db,
        ADMIN,
        "goal_achievement",
        green=None,
        amber=None,
        valid_from="2025Q3",
        category="C",
        at=datetime(2025, 7, 1),
    )
    assert status(db, "2025Q3", P2)["norm_green"] == 0.70  # back to the general norm
    assert status(db, "2025Q2", P2)["norm_green"] == 0.80  # history unchanged
    effect = norms.norms_in_effect(db, "2025Q2")
    c_row = effect.filter((pl.col("kpi") == "goal_achievement") & (pl.col("category") == "C")).row(
        0, named=True
    )
    assert c_row["norm_green"] == 0.80


def test_withdrawing_the_general_norm_leaves_no_status(db: Database) -> None:
    norms.set_norm(
        db,
        ADMIN,
        "goal_achievement",
        green=None,
        amber=None,
        valid_from="2025Q3",
        at=datetime(2025, 7, 1),
    )
    row = status(db, "2025Q3")
    assert (row["status"], row["norm"]) == (None, None)
    assert status(db, "2025Q2")["status"] == "green"


@pytest.mark.parametrize(
    ("user", "kwargs", "error"),
    [
        (MANAGER, {"green": 0.8, "amber": 0.7}, AccessDenied),
        (ADMIN, {"green": 0.6, "amber": 0.7}, ValueError),  # higher: amber above green
        (ADMIN, {"green": 0.8, "amber": None}, ValueError),
        (ADMIN, {"green": 0.8, "amber": 0.7, "valid_from": "someday"}, ValueError),
        (ADMIN, {"green": 0.8, "amber": 0.7, "category": "D"}, ValueError),
        (ADMIN, {"green": 0.8, "amber": 0.7, "kpi": "happiness"}, ValueError),
    ],
)
def test_bad_norm_changes_are_refused(
    db: Database, user, kwargs: dict, error: type[Exception]
) -> None:
    arguments = {"kpi": "goal_achievement", "valid_from": "2025Q3", **kwargs}
    kpi = arguments.pop("kpi")
    with pytest.raises(error):
        norms.set_norm(db, user, kpi, **arguments)
    assert norms.norm_history(db).is_empty()


def test_lower_is_better_order_is_checked(db: Database) -> None:
    with pytest.raises(ValueError, match="lower"):
        norms.set_norm(db, ADMIN, "dropout", green=0.2, amber=0.1, valid_from="2025Q3")
    norms.set_norm(db, ADMIN, "dropout", green=0.05, amber=0.1, valid_from="2025Q3")


def test_a_kpi_without_a_default_norm_gets_one(db: Database) -> None:
    def waiting_list() -> dict:
        return kpis.kpi_table(db, MANAGER, "2025Q2", provider_agb=P1, kpis=["waiting_list"]).row(
            0, named=True
        )

    assert (waiting_list()["value"], waiting_list()["status"]) == (8, None)  # no default norm
    norms.set_norm(db, ADMIN, "waiting_list", green=5, amber=10, valid_from="2025Q1")
    # 8 is above 5 and at most 10; the waiting list has no n < 10 rule (it is a count).
    assert waiting_list()["status"] == "amber"
    assert (
        norms.norms_in_effect(db, "2025Q2").filter(
            (pl.col("kpi") == "waiting_list") & pl.col("category").is_null()
        )["norm_green"][0]
        == 5
    )
