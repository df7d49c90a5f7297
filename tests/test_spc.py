"""Statistical process control (Making Data Count): limits from a baseline, the four rules,
improvement/concern, variation and assurance, against charts computed by hand."""

from __future__ import annotations

import math

import polars as pl
import pytest
from kpi_data import MANAGER, P1, clients, register, results_row, store

from impactmonitor import kpis, spc
from impactmonitor.storage import Database

# ---- a hand-computed XmR baseline used by most cases below ---------------------------------------
# 12 quarters: 10, 11, 9, 10, 12, 9, 11, 10, 9, 11, 12, 9
#   mean x̄ = 123 / 12 = 10.25
#   moving ranges 1, 2, 1, 2, 3, 2, 1, 1, 2, 1, 3 -> MR̄ = 19 / 11 = 1.72727
#   σ = MR̄ / 1.128 = 1.53127;  2σ band [7.18746, 13.31254];  limits x̄ ± 3σ = [5.65619, 14.84381]
# It has no run longer than 3 on one side, no monotone stretch longer than 3 and no point beyond
# 2σ, and it ends below the mean (9), so a run after it starts fresh.
BASELINE = [10.0, 11, 9, 10, 12, 9, 11, 10, 9, 11, 12, 9]
CENTRE, SIGMA = 10.25, 19 / 11 / 1.128
LOWER, UPPER = CENTRE - 3 * SIGMA, CENTRE + 3 * SIGMA


def _xmr(values: list[float | None], direction: str = "higher", **extra) -> pl.DataFrame:
    frame = pl.DataFrame({"value": values, **extra}, schema_overrides={"value": pl.Float64})
    return spc.control_chart(frame, "xmr", direction)


def test_hand_computed_baseline() -> None:
    limits = spc.xmr_limits(BASELINE)
    assert limits.centre == pytest.approx(10.25)
    assert limits.sigma[0] == pytest.approx(1.531270, abs=1e-6)
    assert (limits.lower[0], limits.upper[0]) == pytest.approx((5.656190, 14.843810), abs=1e-6)
    assert limits.baseline == [True] * 12 and not limits.provisional


# ---- stable series: no signal at all -------------------------------------------------------------

STABLE_XMR = BASELINE + [10, 11, 10, 9, 11, 10, 12, 9]  # 20 quarters
# p-chart: 20 quarters of n = 100 around p = 0.5 (the first 12 sum to 600/1200 = 0.5 exactly):
# σ = √(0.25 / 100) = 0.05, 2σ band [0.4, 0.6]; every value lies within [0.47, 0.53].
STABLE_P = [50, 52, 48, 51, 49, 53, 47, 50, 52, 49, 51, 48, 50, 53, 47, 51, 49, 52, 48, 50]


@pytest.mark.parametrize("direction", ["higher", "lower"])
def test_stable_xmr_series_gives_no_signal(direction) -> None:
    chart = _xmr(STABLE_XMR, direction)
    assert chart["spc_rule"].to_list() == [None] * 20
    assert chart["spc_signal"].to_list() == [None] * 20
    assert chart["spc_variation"].unique().to_list() == ["common"]


def test_stable_p_series_gives_no_signal() -> None:
    frame = pl.DataFrame(
        {"numerator": STABLE_P, "denominator": [100] * 20, "value": [x / 100 for x in STABLE_P]}
    )
    chart = spc.control_chart(frame, "p", "higher")
    assert chart["spc_centre"][0] == pytest.approx(0.5)
    assert chart["spc_ucl"][0] == pytest.approx(0.65) and chart["spc_lcl"][0] == pytest.approx(0.35)
    assert chart["spc_rule"].to_list() == [None] * 20
    assert chart["spc_variation"][0] == "common"


# ---- known patterns give exactly the expected signals --------------------------------------------

NONE12 = [None] * 12


@pytest.mark.parametrize(
    ("after", "rules", "direction", "signal", "side"),
    [
        # 7 points above x̄ = 10.25, all inside the 2σ band: a shift, nothing else.
        ([11, 11.5, 11, 12, 11, 11.5, 11], ["shift"] * 7, "higher", "improvement", "high"),
        ([11, 11.5, 11, 12, 11, 11.5, 11], ["shift"] * 7, "lower", "concern", "high"),
        # 6 points above: one short of a shift.
        ([11, 11.5, 11, 12, 11, 11.5], [None] * 6, "higher", None, None),
        # 7 below, after one above (the last baseline point, 9, is below too: without the 11
        # the run would include it).
        ([11, 9.5, 9, 9.5, 8, 9.5, 9, 9.5], [None] + ["shift"] * 7, "higher", "concern", "low"),
        # After 9 (the last baseline point): up to 11, down to 9.6, then 6 rising points
        # 9.6 .. 10.6 (no run: 9.6-10.2 below, 10.4-10.6 above the mean).
        (
            [11, 9.6, 9.8, 10.0, 10.2, 10.4, 10.6],
            [None] + ["trend"] * 6,
            "higher",
            "improvement",
            "high",
        ),
        # 5 rising points only: no trend.
        ([11, 9.8, 10.0, 10.2, 10.4, 10.6], [None] * 6, "higher", None, None),
        # Equal to the 9 before it (a tie starts afresh), up to 10.8, then falling to 9.8:
        # 6 falling points 10.8 .. 9.8, an improvement where lower is better.
        (
            [9, 10.8, 10.6, 10.4, 10.2, 10.0, 9.8],
            [None] + ["trend"] * 6,
            "lower",
            "improvement",
            "low",
        ),
        # An equal value ends a trend: 9.6, 9.8, 10.0, 10.0, 10.2, 10.4, 10.6 has no 6 rising.
        ([11, 9.6, 9.8, 10.0, 10.0, 10.2, 10.4, 10.6], [None] * 8, "higher", None, None),
        # 2 of 3 beyond 2σ (13.31) on the same side: 13.5 and 13.6, not the 10 between.
        ([13.5, 10, 13.6], ["two_of_three", None, "two_of_three"], "higher", "improvement", "high"),
        # one beyond 2σ in any 3: nothing.
        ([13.5, 10, 10, 13.6], [None] * 4, "higher", None, None),
        # beyond 2σ on opposite sides: nothing.
        ([13.5, 10, 7.0], [None] * 3, "higher", None, None),
        # above the upper limit 14.84: outside (and nothing else).
        ([15], ["outside"], "higher", "improvement", "high"),
        ([15], ["outside"], "lower", "concern", "high"),
        # below the lower limit 5.66.
        ([5.5], ["outside"], "higher", "concern", "low"),
        # just inside the upper limit: nothing.
        ([14.8], [None], "higher", None, None),
        # two points outside in a row: outside and two of three.
        ([15, 15.5], ["outside,two_of_three"] * 2, "lower", "concern", "high"),
    ],
)
def test_known_patterns_give_exactly_the_expected_signals(
    after, rules, direction, signal, side
) -> None:
    chart = _xmr(BASELINE + after, direction)
    assert chart["spc_rule"].to_list() == NONE12 + rules
    expected = [None if rule is None else signal for rule in NONE12 + rules]
    assert chart["spc_signal"].to_list() == expected
    assert chart["spc_side"].to_list() == [None if s is None else side for s in expected]
    # Variation: the latest point's signal (common cause when it has none).
    assert chart["spc_variation"][0] == (expected[-1] or "common")


def test_signal_both_ways_counts_as_concern() -> None:
    """7 points above the mean, falling from 14 to 11 (a falling trend of 7, starting after the
    9 of the baseline): the shift and 2 of 3 (14 and 13.5 beyond 13.31) say improvement where
    higher is better, the trend says concern: a point flagged both ways is a concern, low."""
    after = [14, 13.5, 13, 12.5, 12, 11.5, 11]
    chart = _xmr(BASELINE + after, "higher")
    assert chart["spc_rule"].to_list()[12:] == (
        ["shift,trend,two_of_three"] * 2 + ["shift,trend"] * 5
    )
    assert chart["spc_signal"].to_list()[12:] == ["concern"] * 7
    assert chart["spc_side"].to_list()[12:] == ["low"] * 7


# ---- baseline ------------------------------------------------------------------------------------


def test_limits_come_from_the_baseline_and_are_held() -> None:
    """The 7 high points do not widen or move the limits: they are judged against the first 12."""
    chart = _xmr(BASELINE + [13, 13, 13, 13, 13, 13, 13])
    assert chart["spc_centre"].unique().to_list() == pytest.approx([CENTRE])
    assert chart["spc_ucl"].unique().to_list() == pytest.approx([UPPER])
    assert chart["spc_baseline"].to_list() == [True] * 12 + [False] * 7
    # All limits from all 19 points would give x̄ = 214/19 = 11.263: the old way.
    assert chart["spc_rule"].to_list()[12:] == ["shift"] * 7


def test_baseline_point_outside_its_trial_limits_is_left_out() -> None:
    """Baseline with 30 as its 12th point: trial x̄ = 154/12 = 12.833, MR̄ = 34/11 = 3.0909,
    σ = 2.7402, upper 21.05: 30 is outside, so the limits come from the other 11 points:
    x̄ = 114/11 = 10.3636, MR̄ over the 10 ranges between them = 16/10 = 1.6, σ = 1.41844,
    limits [6.1083, 14.6190]. 30 is still flagged outside."""
    values = [10.0, 11, 9, 10, 12, 9, 11, 10, 9, 11, 12, 30]
    chart = _xmr(values)
    assert chart["spc_centre"][0] == pytest.approx(114 / 11)
    assert chart["spc_ucl"][0] == pytest.approx(114 / 11 + 3 * 1.6 / 1.128)
    assert chart["spc_baseline"].to_list() == [True] * 11 + [False]
    assert chart["spc_rule"].to_list() == [None] * 11 + ["outside"]


@pytest.mark.parametrize(
    ("count", "limits", "provisional"),
    [(5, False, False), (6, True, True), (11, True, True), (12, True, False)],
)
def test_provisional_limits_and_minimum(count, limits, provisional) -> None:
    chart = _xmr(STABLE_XMR[:count])
    assert (chart["spc_ucl"][0] is not None) is limits
    assert bool(chart["spc_provisional"][0]) is provisional
    if not limits:
        assert chart["spc_variation"][0] is None and chart["spc_rule"].to_list() == [None] * count


def test_points_below_min_n_are_shown_but_not_judged() -> None:
    """An average waiting time of 40 days over n = 3 clients in the 13th quarter would be far
    above the upper limit (14.84), but with n < 10 it is neither judged nor a baseline point."""
    values = BASELINE + [40.0, 10.0]
    frame = pl.DataFrame({"value": values, "denominator": [50] * 12 + [3, 50]})
    judged = spc.control_chart(frame, "xmr", "lower", min_denominator=10)
    assert judged["spc_rule"].to_list() == [None] * 14
    assert judged["spc_ucl"][12] is None and judged["spc_centre"][12] == pytest.approx(CENTRE)
    unjudged = spc.control_chart(frame, "xmr", "lower")
    assert unjudged["spc_rule"][12] == "outside"


# ---- p-chart: limits per point -------------------------------------------------------------------


def test_p_chart_limits_per_point_from_each_denominator() -> None:
    """Baseline 20, 30, 25, 25, 20, 30 of 100: p̄ = 150/600 = 0.25.
    n = 100: σ = √(0.25·0.75/100) = 0.0433013, limits [0.120096, 0.379904].
    n = 25:  σ = √(0.1875/25) = 0.0866025, limits [0 (clipped), 0.509808].
    40/100 = 0.40 is above its limit; 12/25 = 0.48 is higher but inside its own wider limit."""
    numerators = [20, 30, 25, 25, 20, 30, 40, 12]
    denominators = [100] * 7 + [25]
    limits = spc.p_chart_limits(numerators, denominators, baseline_points=6)
    assert limits.centre == pytest.approx(0.25)
    assert (limits.lower[0], limits.upper[0]) == pytest.approx((0.120096, 0.379904), abs=1e-6)
    assert (limits.lower[7], limits.upper[7]) == pytest.approx((0.0, 0.509808), abs=1e-6)
    frame = pl.DataFrame(
        {
            "numerator": numerators,
            "denominator": denominators,
            "value": [x / n for x, n in zip(numerators, denominators, strict=True)],
        }
    )
    chart = spc.control_chart(frame, "p", "lower", baseline_points=6)
    # 0.48 is not outside its own limit; both are beyond their own 2σ (0.3366 and 0.4232).
    assert chart["spc_rule"].to_list() == [None] * 6 + ["outside,two_of_three", "two_of_three"]
    assert chart["spc_signal"][6] == "concern"  # e.g. dropout: higher is worse


def test_p_chart_limits_are_clipped_to_0_and_1() -> None:
    # p̄ = 0.5 with n = 1 gives σ = 0.5: limits 0.5 ± 1.5 clip to [0, 1].
    limits = spc.p_chart_limits([1, 0, 1, 0, 1, 0], [1] * 6)
    assert (limits.centre, limits.lower[0], limits.upper[0]) == (0.5, 0.0, 1.0)


# ---- assurance -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("norm", "direction", "expected"),
    [
        # limits of the hand-computed baseline: [5.656, 14.844]
        (5.0, "higher", "pass"),  # always above the norm
        (10.0, "higher", "hit_and_miss"),
        (15.0, "higher", "fail"),  # never reaches it
        (15.0, "lower", "pass"),  # e.g. waiting days: always below the maximum
        (10.0, "lower", "hit_and_miss"),
        (5.0, "lower", "fail"),
        (None, "higher", None),
    ],
)
def test_assurance_compares_the_norm_with_the_limits(norm, direction, expected) -> None:
    chart = _xmr(STABLE_XMR[:12], direction, norm_green=[norm] * 12)
    assert chart["spc_assurance"][0] == expected
    assert spc.assurance(norm, LOWER, UPPER, direction) == expected


# ---- how signals read ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "nl",
            [
                "2026Q1–2026Q3: ▼ bijzondere variatie: verslechtering (hoger) — punt buiten de "
                "controlegrenzen; 2 van 3 punten voorbij 2 sigma aan dezelfde kant"
            ],
        ),
        (
            "en",
            [
                "2026Q1–2026Q3: ▼ special cause variation: concern (higher) — point outside "
                "the control limits; 2 of 3 points beyond 2 sigma on the same side"
            ],
        ),
    ],
)
def test_every_signal_line_names_its_rule(lang, expected) -> None:
    quarters = [f"{2023 + i // 4}Q{i % 4 + 1}" for i in range(15)]
    chart = _xmr(BASELINE + [15, 15.5, 16], "lower", quarter=quarters)
    assert spc.signal_lines(chart, lang) == expected
    assert spc.variation_label("concern", "high", lang).startswith("▼")


@pytest.mark.parametrize(
    ("rules", "lang", "expected"),
    [
        ("shift", "nl", "7 of meer punten op rij aan één kant van het gemiddelde"),
        ("trend", "en", "6 or more points in a row rising or falling"),
        (
            "outside,shift",
            "nl",
            "punt buiten de controlegrenzen; 7 of meer punten op rij aan "
            "één kant van het gemiddelde",
        ),
        (None, "nl", ""),
    ],
)
def test_rule_names(rules, lang, expected) -> None:
    assert spc.rule_names(rules, lang) == expected


@pytest.mark.parametrize(
    ("key", "lang", "expected"),
    [
        ("pass", "nl", "✔ haalt de norm steeds"),
        ("hit_and_miss", "en", "≈ meets or misses the norm by chance"),
        ("fail", "nl", "✖ haalt de norm niet zonder verandering"),
        ("changed", "nl", "? niet te beoordelen: het laatste kwartaal is een signaal"),
        (None, "en", "– no norm or no control limits"),
    ],
)
def test_assurance_labels(key, lang, expected) -> None:
    assert spc.assurance_label(key, lang).startswith(expected)


def test_no_assurance_from_the_baseline_once_the_latest_point_is_a_signal() -> None:
    chart = _xmr(STABLE_XMR[:12] + [15], "higher", norm_green=[10.0] * 13)
    assert chart["spc_assurance"][0] == "changed"
    assert spc.assurance_label("hit_and_miss", "nl", short=True) == "≈ wisselend (toeval)"
    assert spc.variation_label("concern", "low", "en", short=True) == "▼ concern (lower)"


# ---- from stored deliveries ----------------------------------------------------------------------


def test_kpi_history_carries_norm_lines_limits_and_signals(empty_db: Database) -> None:
    register(empty_db, {P1: "A"})
    quarters = [f"2023Q{q}" for q in range(1, 5)] + [f"2024Q{q}" for q in range(1, 5)]
    goals = [70, 72, 68, 71, 69, 73, 70, 40]  # of 100 each; the last drops far below
    for quarter, achieved in zip(quarters, goals, strict=True):
        store(
            empty_db,
            P1,
            quarter,
            population=[clients("ambulant", 100)],
            results=[results_row("ambulant", trajectories_ended=100, goals_achieved=achieved)],
        )
    history = kpis.kpi_history(empty_db, MANAGER, P1, kpis=["goal_achievement"])
    assert history["quarter"].to_list() == quarters
    # Trial limits over all 8 (provisional: < 12 points): p̄ = 533/800 = 0.66625, σ = 0.04716,
    # lower 0.5248 -> 0.40 is outside and left out; then p̄ = 493/700 = 0.704286,
    # σ = √(0.704286 · 0.295714 / 100) = 0.045643, lower 0.567357.
    centre = 493 / 700
    assert history["spc_centre"][0] == pytest.approx(centre)
    assert history["spc_lcl"][0] == pytest.approx(
        centre - 3 * math.sqrt(centre * (1 - centre) / 100)
    )
    assert history["spc_rule"].to_list() == [None] * 7 + ["outside"]
    assert history["spc_signal"][7] == "concern" and history["spc_variation"][0] == "concern"
    assert history["spc_provisional"][0]
    assert history["norm_green"].to_list() == [0.70] * 8
    # The norm 0.70 lies within the limits of the last point, but that point is a signal:
    # the baseline's limits give no assurance any more.
    assert history["spc_assurance"][0] == "changed"
    assert history["status"].to_list()[-1] == "red"


def test_sample_region_flags_the_deteriorating_providers_and_little_else(sample_db) -> None:
    """The story of the sample region: three providers deteriorate in the recent quarters, one
    dipped in 2024 and recovered, the others are healthy. The latest goal achievement of the
    three reads as a concern (for the smallest, 15 trajectories a quarter, dropout 3/15 is still
    within normal variation); the dip is a concern in its quarters and nowhere else; across every
    provider and KPI only a small share of points carries a signal (the old limits over all
    points flagged about one in seven, whole charts of stable providers)."""
    from tools.sample_region import region_providers

    providers = region_providers()
    flagged = total = 0
    for provider in providers:
        history = kpis.kpi_history(sample_db, MANAGER, provider.agb)
        total += history.height
        flagged += history["spc_signal"].is_not_null().sum()
        goal = history.filter(pl.col("kpi") == "goal_achievement")
        if provider.role == "deteriorating":
            assert goal["spc_variation"][0] == "concern", provider.agb
            assert goal["spc_signal"][-1] == "concern", provider.agb
        if provider.role == "recovering":
            dip = goal.filter(pl.col("spc_signal").is_not_null())
            assert dip["quarter"].to_list() == ["2024Q2", "2024Q3", "2024Q4"]
            assert dip["spc_signal"].unique().to_list() == ["concern"]
    assert sum(p.role == "deteriorating" for p in providers) == 3
    assert flagged / total < 0.08, flagged / total
