"""Statistical process control: p-chart and XmR limits against worked examples, signal rules."""

from __future__ import annotations

import math

import polars as pl
import pytest
from kpi_data import MANAGER, P1, clients, register, results_row, store

from impactmonitor import kpis, spc
from impactmonitor.storage import Database


def test_p_chart_worked_example() -> None:
    """8/40, 12/60, 10/50, 30/60.

    p̄ = (8 + 12 + 10 + 30) / (40 + 60 + 50 + 60) = 60 / 210 = 2/7.
    p̄(1 − p̄) = 2/7 · 5/7 = 10/49.
    n = 40: σ = √(10/49 / 40) = √(1/196) = 1/14, limits 2/7 ± 3/14 = [1/14, 1/2].
    n = 60: σ = √(1/294) ≈ 0.05832, upper limit 2/7 + 3σ ≈ 0.46068; 30/60 = 0.5 is above it.
    """
    centre, lower, upper = spc.p_chart_limits([8, 12, 10, 30], [40, 60, 50, 60])
    assert centre == pytest.approx(2 / 7)
    assert lower[0] == pytest.approx(1 / 14)
    assert upper[0] == pytest.approx(0.5)
    assert upper[1] == pytest.approx(2 / 7 + 3 * math.sqrt(1 / 294))
    assert upper[3] == pytest.approx(0.46068, abs=1e-5)
    frame = pl.DataFrame({"numerator": [8, 12, 10, 30], "denominator": [40, 60, 50, 60],
                          "value": [0.2, 0.2, 0.2, 0.5]})
    chart = spc.control_chart(frame, "p")
    assert chart["spc_signal"].to_list() == [None, None, None, "outside"]
    assert chart["spc_centre"].to_list() == pytest.approx([2 / 7] * 4)


def test_p_chart_limits_are_clipped_to_0_and_1() -> None:
    # p̄ = 0.5 with n = 1 gives σ = 0.5: limits 0.5 ± 1.5 clip to [0, 1].
    centre, lower, upper = spc.p_chart_limits([1, 0, 1, 0], [1, 1, 1, 1])
    assert (centre, lower[0], upper[0]) == (0.5, 0.0, 1.0)


def test_xmr_worked_example() -> None:
    """10, 12, 11, 13, 12: x̄ = 58/5 = 11.6; moving ranges 2, 1, 2, 1, MR̄ = 1.5;
    limits 11.6 ± 2.66 · 1.5 = 11.6 ± 3.99 = [7.61, 15.59]."""
    centre, lower, upper = spc.xmr_limits([10, 12, 11, 13, 12])
    assert (centre, lower, upper) == pytest.approx((11.6, 7.61, 15.59))


def test_xmr_baseline_points_and_outside_signal() -> None:
    values = [10.0, 12.0, 11.0, 13.0, 12.0, 20.0]
    frame = pl.DataFrame({"value": values})
    # Limits from the first five points only: 20 is above 15.59.
    with_baseline = spc.control_chart(frame, "xmr", baseline_points=5)
    assert with_baseline["spc_signal"].to_list() == [None] * 5 + ["outside"]
    # From all six the jump widens its own limits: x̄ = 78/6 = 13, MR̄ = (2+1+2+1+8)/5 = 2.8,
    # upper limit 13 + 2.66 · 2.8 = 20.448, so 20 is inside.
    everything = spc.control_chart(frame, "xmr")
    assert everything["spc_ucl"][0] == pytest.approx(20.448)
    assert everything["spc_signal"][5] is None


def test_xmr_lower_limit_is_clipped_at_zero() -> None:
    _, lower, _ = spc.xmr_limits([1.0, 10.0, 1.0, 10.0])
    assert lower == 0.0


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1] * 7, [True] * 7),
        ([1] * 6, [False] * 6),
        ([-1] * 8, [True] * 8),
        ([1, 1, 1, 0, 1, 1, 1, 1], [False] * 8),  # a point on the centre ends the run
        ([1, 1, 1, None, 1, 1, 1, 1], [True, True, True, False, True, True, True, True]),
        ([-1] * 7 + [1], [True] * 7 + [False]),
        ([1, -1] * 5, [False] * 10),
    ],
)
def test_run_of_seven_on_one_side(values: list, expected: list[bool]) -> None:
    assert spc.run_flags(values, 0.0) == expected


def test_too_few_points_give_no_limits() -> None:
    frame = pl.DataFrame({"numerator": [1, 2], "denominator": [10, 10], "value": [0.1, 0.2]})
    chart = spc.control_chart(frame, "p")
    assert chart["spc_ucl"].to_list() == [None, None]
    assert chart["spc_signal"].to_list() == [None, None]


def test_kpi_history_carries_norm_lines_and_limits(empty_db: Database) -> None:
    register(empty_db, {P1: "A"})
    quarters = ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1"]
    goals = [70, 72, 68, 71, 40]  # of 100 each; the last drops far below the others
    for quarter, achieved in zip(quarters, goals, strict=True):
        store(empty_db, P1, quarter, population=[clients("ambulant", 100)],
              results=[results_row("ambulant", trajectories_ended=100,
                                   goals_achieved=achieved)])
    history = kpis.kpi_history(empty_db, MANAGER, P1, kpis=["goal_achievement"])
    assert history["quarter"].to_list() == quarters
    # p̄ = 321 / 500 = 0.642; σ = √(0.642 · 0.358 / 100) ≈ 0.04794; lower ≈ 0.4982
    assert history["spc_centre"][0] == pytest.approx(0.642)
    assert history["spc_lcl"][0] == pytest.approx(0.642 - 3 * math.sqrt(0.642 * 0.358 / 100))
    assert history["spc_signal"].to_list() == [None, None, None, None, "outside"]
    assert history["norm_green"].to_list() == [0.70] * 5
    assert history["status"].to_list() == ["green", "green", "amber", "green", "red"]
