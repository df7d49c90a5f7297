"""Statistical process control over a provider's own history (SPEC section 4), following NHS
England's *Making Data Count* practice, so that managers react to signals, not to noise.

**Limits from a baseline.** The centre line and the control limits are computed once, over the
first `BASELINE_POINTS` (12) quarters with a value, and then held: later points are judged
against the baseline instead of widening their own limits. With fewer points the limits come
from all points and are marked provisional; below `MIN_POINTS` (6) there are no limits and no
signals. (Making Data Count recalculates the limits only at a documented, sustained change of
the process; the app has no register of such changes yet, so the baseline is never moved.)

- **p-chart** for proportions (KPIs with a numerator and a denominator of counts):
  centre p̄ = Σ numerators / Σ denominators over the baseline points; each point gets its own
  limits from its own n, because denominators vary: σᵢ = √(p̄(1−p̄)/nᵢ), limits p̄ ± 3σᵢ
  clipped to [0, 1].
- **XmR chart** (individuals and moving range) for means, ratios and counts:
  centre x̄ = mean of the baseline values; moving ranges MRᵢ = |xᵢ − xᵢ₋₁| between consecutive
  baseline points; σ = MR̄ / 1.128, limits x̄ ± 3σ = x̄ ± 2.66·MR̄, the lower limit clipped at 0
  (none of these KPIs can be negative).

**The four rules** (every point of a pattern is flagged, each flag names its rule):

- `outside`: a point above the upper or below the lower control limit;
- `shift`: a run of `SHIFT_LENGTH` (7) or more consecutive points on the same side of the centre
  line (a point exactly on the centre ends the run);
- `trend`: `TREND_LENGTH` (6) or more consecutive points each higher than the one before (or
  each lower); an equal value ends the trend;
- `two_of_three`: two or three out of three consecutive points beyond two sigma (σᵢ of the
  point for a p-chart) on the same side of the centre; the points beyond two sigma are flagged.

Points without a value, and points whose denominator is below the "n < 10" rule, are left out
of the limits and skipped by every rule (they neither extend nor break a pattern): like their
status, they are too small to tell a signal from noise.

**Improvement or concern.** A pattern above the centre (or rising) is an improvement for a KPI
where higher is better and a concern where lower is better, and the other way round; a point
flagged both ways (rare: e.g. a fall within a high shift) counts as a concern.

**Variation and assurance** (the two Making Data Count icons, as labels), per series:

- variation, from the latest point: `common` (no signal: normal variation), `improvement` or
  `concern` (a signal of that kind);
- assurance, from the norm (the green threshold) and the latest point's limits: `pass` (the
  limits lie entirely on the good side of the norm: the norm is met consistently),
  `hit_and_miss` (the norm lies inside the limits: met or missed by chance), `fail` (the limits
  lie entirely on the wrong side: the norm will not be met without a change to the process);
  `changed` when the latest point itself is a signal (the baseline's limits no longer describe
  the process, so they give no assurance).

Public API: `control_chart(frame, chart, direction, baseline_points=None) -> frame` adding
spc_centre, spc_lcl, spc_ucl, spc_baseline, spc_provisional, spc_rule, spc_signal, spc_side,
spc_variation, spc_variation_side, spc_assurance; the arithmetic on plain lists:
`p_chart_limits`, `xmr_limits`, `shift_flags`, `trend_flags`, `two_of_three_flags`,
`assurance`; `RULES`; how they read: `rule_names`, `variation_label`, `assurance_label`,
`signal_lines` (Dutch or English, from the translation table).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from impactmonitor.config import defaults

_SETTINGS = defaults().get("spc", {})
BASELINE_POINTS: int = int(_SETTINGS.get("baseline_points", 12))
MIN_POINTS: int = int(_SETTINGS.get("min_points", 6))
SHIFT_LENGTH: int = int(_SETTINGS.get("shift_length", 7))
TREND_LENGTH: int = int(_SETTINGS.get("trend_length", 6))
XMR_FACTOR = 2.66  # 3 / d₂ with d₂ = 1.128
D2 = 1.128
# In the order they are named on screen.
RULES = ("outside", "shift", "trend", "two_of_three")
Side = Literal[1, -1]


@dataclass(frozen=True)
class Limits:
    """Centre, and per point the lower/upper control limits and sigma (None: no limits)."""

    centre: float | None
    lower: list[float | None]
    upper: list[float | None]
    sigma: list[float | None]
    baseline: list[bool]  # point used for the limits
    provisional: bool  # fewer than the baseline's number of points


def _baseline_indexes(values: Sequence[float | None], baseline_points: int) -> list[int]:
    present = [i for i, v in enumerate(values) if v is not None]
    return present[:baseline_points]


def _no_limits(count: int) -> Limits:
    return Limits(None, [None] * count, [None] * count, [None] * count, [False] * count, False)


def _trimmed(used: list[int], outside) -> list[int]:
    """The baseline without its points outside their own trial limits, recomputed until none
    is (Shewhart's trial limits: a point beyond them is a special cause, not part of the
    process the limits describe); never fewer than MIN_POINTS points."""
    for _ in range(len(used)):
        keep = [i for i in used if not outside(used, i)]
        if len(keep) == len(used) or len(keep) < MIN_POINTS:
            return used
        used = keep
    return used


def p_chart_limits(
    numerators: Sequence[float | None],
    denominators: Sequence[float | None],
    baseline_points: int | None = None,
) -> Limits:
    """p-chart: centre over the baseline points, limits per point from its own n."""
    baseline_points = baseline_points or BASELINE_POINTS
    values = [
        float(x) / float(n) if x is not None and n else None
        for x, n in zip(numerators, denominators, strict=True)
    ]
    first = _baseline_indexes(values, baseline_points)
    if len(first) < MIN_POINTS:
        return _no_limits(len(values))

    # Index -> (numerator, denominator) of every point with a value: the only ones used.
    given = {
        i: (float(x), float(n))
        for i, (x, n) in enumerate(zip(numerators, denominators, strict=True))
        if x is not None and n
    }

    def centre_of(used: list[int]) -> float:
        return sum(given[i][0] for i in used) / sum(given[i][1] for i in used)

    def sigma_of(centre: float, n: float) -> float:
        return math.sqrt(centre * (1 - centre) / n)

    def outside(used: list[int], i: int) -> bool:
        centre = centre_of(used)
        value = values[i]
        assert value is not None  # the baseline holds only points with a value
        return abs(value - centre) > 3 * sigma_of(centre, given[i][1])

    used = _trimmed(first, outside)
    centre = centre_of(used)
    lower: list[float | None] = []
    upper: list[float | None] = []
    sigmas: list[float | None] = []
    for value, n in zip(values, denominators, strict=True):
        if value is None or not n:
            lower.append(None)
            upper.append(None)
            sigmas.append(None)
            continue
        sigma = sigma_of(centre, n)
        sigmas.append(sigma)
        lower.append(max(0.0, centre - 3 * sigma))
        upper.append(min(1.0, centre + 3 * sigma))
    in_baseline = set(used)
    return Limits(
        centre,
        lower,
        upper,
        sigmas,
        [i in in_baseline for i in range(len(values))],
        len(first) < baseline_points,
    )


def xmr_limits(values: Sequence[float | None], baseline_points: int | None = None) -> Limits:
    """XmR chart: centre and average moving range over the baseline points, fixed limits."""
    baseline_points = baseline_points or BASELINE_POINTS
    first = _baseline_indexes(values, baseline_points)
    if len(first) < MIN_POINTS:
        return _no_limits(len(values))

    # Index -> value of every point with one: the only ones in the baseline.
    given = {i: float(v) for i, v in enumerate(values) if v is not None}

    def centre_sigma(used: list[int]) -> tuple[float, float]:
        points = [given[i] for i in used]
        # Moving ranges between consecutive points of the original series only: a range
        # across a left-out point would measure two steps at once.
        ranges = [
            abs(given[b] - given[a])
            for a, b in zip(first, first[1:], strict=False)
            if a in used and b in used
        ]
        if not ranges:
            ranges = [0.0]
        return sum(points) / len(points), sum(ranges) / len(ranges) / D2

    def outside(used: list[int], i: int) -> bool:
        centre, sigma = centre_sigma(used)
        return abs(given[i] - centre) > 3 * sigma

    used = _trimmed(first, outside)
    centre, sigma = centre_sigma(used)
    low, high = max(0.0, centre - 3 * sigma), centre + 3 * sigma
    present = [v is not None for v in values]
    in_baseline = set(used)
    return Limits(
        centre,
        [low if p else None for p in present],
        [high if p else None for p in present],
        [sigma if p else None for p in present],
        [i in in_baseline for i in range(len(values))],
        len(first) < baseline_points,
    )


def _sides(values: Sequence[float | None], centre: float) -> list[int | None]:
    return [None if v is None else (v > centre) - (v < centre) for v in values]


def shift_flags(
    values: Sequence[float | None], centre: float | None, length: int | None = None
) -> list[Side | None]:
    """The side (1 above, −1 below) of every point in a run of `length`+ on one side."""
    length = length or SHIFT_LENGTH
    flags: list[Side | None] = [None] * len(values)
    if centre is None:
        return flags
    run: list[int] = []
    side = 0
    for index, current in enumerate(_sides(values, centre)):
        if current is None:
            continue
        if current != 0 and current == side:
            run.append(index)
        else:
            run = [index] if current != 0 else []
            side = current
        if len(run) >= length:  # a run holds points of one side, never of 0
            for member in run:
                flags[member] = 1 if side > 0 else -1
    return flags


def trend_flags(values: Sequence[float | None], length: int | None = None) -> list[Side | None]:
    """1 for every point of `length`+ consecutive rising points, −1 for falling ones."""
    length = length or TREND_LENGTH
    flags: list[Side | None] = [None] * len(values)
    present = [(i, v) for i, v in enumerate(values) if v is not None]
    run = [present[0][0]] if present else []
    direction = 0
    for (_, before), (index, value) in zip(present, present[1:], strict=False):
        step = (value > before) - (value < before)
        if step != 0 and step == direction:
            run.append(index)
        else:
            run = [run[-1], index] if step != 0 else [index]
            direction = step
        if direction and len(run) >= length:
            for member in run:
                flags[member] = 1 if direction > 0 else -1
    return flags


def two_of_three_flags(
    values: Sequence[float | None], centre: float | None, sigma: Sequence[float | None]
) -> list[Side | None]:
    """The side of each point beyond 2σ that is one of ≥ 2 such points (same side) among 3
    consecutive points."""
    flags: list[Side | None] = [None] * len(values)
    if centre is None:
        return flags
    present = [i for i, v in enumerate(values) if v is not None and sigma[i] is not None]

    def beyond(index: int) -> int:
        value, s = values[index], sigma[index]
        assert value is not None and s is not None
        if value > centre + 2 * s:
            return 1
        if value < centre - 2 * s:
            return -1
        return 0

    sides: tuple[Side, Side] = (1, -1)
    for start in range(len(present) - 2):
        window = present[start : start + 3]
        for side in sides:
            hits = [i for i in window if beyond(i) == side]
            if len(hits) >= 2:
                for i in hits:
                    flags[i] = side
    return flags


def assurance(
    norm: float | None, lower: float | None, upper: float | None, direction: str
) -> str | None:
    """'pass' / 'hit_and_miss' / 'fail' (see the module docstring); None without norm/limits."""
    if norm is None or lower is None or upper is None or norm != norm:
        return None
    if direction == "higher":
        if lower >= norm:
            return "pass"
        return "fail" if upper < norm else "hit_and_miss"
    if upper <= norm:
        return "pass"
    return "fail" if lower > norm else "hit_and_miss"


def control_chart(
    frame: pl.DataFrame,
    chart: Literal["p", "xmr"],
    direction: str = "higher",
    baseline_points: int | None = None,
    min_denominator: int | None = None,
) -> pl.DataFrame:
    """Add the SPC columns to one series (rows in time order).

    Needs the column value (and numerator/denominator for a p-chart); uses norm_green for the
    assurance when present. Points with a denominator below `min_denominator` (the "n < 10"
    rule) are left out of the limits and the rules and get no limits. Adds, per point:
    spc_centre, spc_lcl, spc_ucl, spc_baseline (the point is in the baseline), spc_rule (the
    rules that fired, in `RULES` order, comma-separated), spc_signal ("improvement" /
    "concern"), spc_side ("high" / "low": where the signal lies); of the series, on every row:
    spc_provisional, spc_variation ("common" / "improvement" / "concern"), spc_variation_side
    and spc_assurance ("pass" / "hit_and_miss" / "fail" / "changed", None without a norm).
    """
    shown = [
        None if v is None or v != v else float(v)
        for v in (frame["value"].to_list() if frame.height else [])
    ]
    values = list(shown)
    if min_denominator:
        # Too few to tell a signal from noise (as for the status): left out of the chart.
        values = [
            None if n is None or n < min_denominator else v
            for v, n in zip(values, frame["denominator"].to_list(), strict=True)
        ]
    if chart == "p":
        numerators = [
            x if v is not None else None
            for x, v in zip(frame["numerator"].to_list(), values, strict=True)
        ]
        limits = p_chart_limits(numerators, frame["denominator"].to_list(), baseline_points)
    else:
        limits = xmr_limits(values, baseline_points)
    centre = limits.centre
    outside: list[Side | None] = [
        None if v is None or lo is None or hi is None else (1 if v > hi else -1 if v < lo else None)
        for v, lo, hi in zip(values, limits.lower, limits.upper, strict=True)
    ]
    fired = {
        "outside": outside,
        "shift": shift_flags(values, centre),
        "trend": trend_flags(values) if centre is not None else [None] * len(values),
        "two_of_three": two_of_three_flags(values, centre, limits.sigma),
    }
    good: Side = 1 if direction == "higher" else -1
    rules: list[str | None] = []
    signals: list[str | None] = []
    point_sides: list[str | None] = []
    for index in range(len(values)):
        sides = {rule: flags[index] for rule, flags in fired.items() if flags[index]}
        rules.append(",".join(rule for rule in RULES if rule in sides) or None)
        if not sides:
            signals.append(None)
            point_sides.append(None)
            continue
        concerning = [side for side in sides.values() if side != good]
        signals.append("concern" if concerning else "improvement")
        side = concerning[0] if concerning else good
        point_sides.append("high" if side == 1 else "low")
    latest = max((i for i, v in enumerate(values) if v is not None), default=None)
    variation = variation_side = None
    assured = None
    if latest is not None and centre is not None:
        variation = signals[latest] or "common"
        variation_side = point_sides[latest]
        norm = frame["norm_green"][latest] if "norm_green" in frame.columns else None
        assured = assurance(norm, limits.lower[latest], limits.upper[latest], direction)
        if assured is not None and signals[latest] is not None:
            # The baseline's limits no longer describe the process: no assurance from them.
            assured = "changed"
    count = len(values)
    return frame.with_columns(
        pl.Series(
            "spc_centre", [centre if v is not None else None for v in shown], dtype=pl.Float64
        ),
        pl.Series("spc_lcl", limits.lower, dtype=pl.Float64),
        pl.Series("spc_ucl", limits.upper, dtype=pl.Float64),
        pl.Series("spc_baseline", limits.baseline, dtype=pl.Boolean),
        pl.Series(
            "spc_provisional", [limits.provisional and centre is not None] * count, dtype=pl.Boolean
        ),
        pl.Series("spc_rule", rules, dtype=pl.String),
        pl.Series("spc_signal", signals, dtype=pl.String),
        pl.Series("spc_side", point_sides, dtype=pl.String),
        pl.Series("spc_variation", [variation] * count, dtype=pl.String),
        pl.Series("spc_variation_side", [variation_side] * count, dtype=pl.String),
        pl.Series("spc_assurance", [assured] * count, dtype=pl.String),
    )


# ---- how the chart reads (pages, PDF) -----------------------------------------------------------

VARIATION_ICONS = {"common": "○", "improvement": "▲", "concern": "▼"}
ASSURANCE_ICONS = {"pass": "✔", "hit_and_miss": "≈", "fail": "✖", "changed": "?"}


def rule_names(rules: str | None, lang: str = "nl") -> str:
    """'punt buiten de controlegrenzen; 6 punten op rij stijgend of dalend' for 'outside,trend'."""
    from impactmonitor.i18n import text

    if not rules:
        return ""
    return "; ".join(
        text(f"spc_rule_{rule}", lang, shift=SHIFT_LENGTH, trend=TREND_LENGTH)
        for rule in rules.split(",")
    )


def variation_label(
    variation: str | None, side: str | None, lang: str = "nl", short: bool = False
) -> str:
    """The variation 'icon' as a label: '○ normale variatie (geen signaal)', '▼ bijzondere
    variatie: verslechtering (hoger)'; `short`: '▼ verslechtering (hoger)'."""
    from impactmonitor.i18n import text

    if variation is None:
        return text("spc_variation_none", lang)
    key = f"spc_variation_short_{variation}" if short else f"spc_variation_{variation}"
    label = f"{VARIATION_ICONS[variation]} {text(key, lang)}"
    return f"{label} ({text(f'spc_side_{side}', lang)})" if side else label


def assurance_label(assurance_key: str | None, lang: str = "nl", short: bool = False) -> str:
    """The assurance 'icon' as a label: '≈ haalt de norm wisselend, door toeval (...)';
    `short`: '≈ wisselend (toeval)'."""
    from impactmonitor.i18n import text

    if assurance_key is None:
        return text("spc_assurance_none", lang)
    key = f"spc_assurance_short_{assurance_key}" if short else f"spc_assurance_{assurance_key}"
    return f"{ASSURANCE_ICONS[assurance_key]} {text(key, lang)}"


def signal_lines(series: pl.DataFrame, lang: str = "nl") -> list[str]:
    """One line per run of consecutive quarters with the same signal and rules:
    '2025Q3–2026Q3: ▼ verslechtering (lager) — punt buiten de controlegrenzen; ...'."""
    from impactmonitor.i18n import text

    if "spc_signal" not in series.columns:
        return []
    lines: list[str] = []
    group: list[dict] = []

    def flush() -> None:
        if not group:
            return
        first, last = group[0]["quarter"], group[-1]["quarter"]
        when = first if first == last else f"{first}–{last}"
        kind = text(f"spc_variation_{group[0]['spc_signal']}", lang)
        side = text(f"spc_side_{group[0]['spc_side']}", lang)
        icon = VARIATION_ICONS[group[0]["spc_signal"]]
        lines.append(f"{when}: {icon} {kind} ({side}) — {rule_names(group[0]['spc_rule'], lang)}")
        group.clear()

    for row in series.sort("quarter").iter_rows(named=True):
        key = (row["spc_signal"], row["spc_side"], row["spc_rule"])
        if row["spc_signal"] is None:
            flush()
            continue
        if group and key != (group[-1]["spc_signal"], group[-1]["spc_side"], group[-1]["spc_rule"]):
            flush()
        group.append(row)
    flush()
    return lines
