"""Statistical process control over a provider's own history (SPEC section 4).

So that managers do not react to noise, a trend chart shows a centre line and control limits and
flags the points that are more than normal variation.

- **p-chart** for proportions (KPIs with a numerator and a denominator of counts):
  centre p̄ = Σ numerators / Σ denominators over the points used; each point gets its own limits
  from its own n: p̄ ± 3·√(p̄(1−p̄)/nᵢ), clipped to [0, 1].
- **XmR chart** (individuals and moving range) for means, ratios and counts:
  centre x̄ = mean of the values; moving ranges MRᵢ = |xᵢ − xᵢ₋₁| between consecutive points;
  limits x̄ ± 2.66·MR̄ (2.66 = 3/d₂ with d₂ = 1.128), the lower limit clipped at 0 because none
  of these KPIs can be negative.
- **Signal rules**: `outside` — a point above the upper or below the lower limit; `run` — 7 or
  more consecutive points on the same side of the centre line (a point exactly on the centre ends
  a run); every point of such a run is flagged. `spc_signal` is "outside", "run" or None
  ("outside" wins when both apply).

Limits are computed over all points of the series (or over the first `baseline_points` points,
then extended), from points with a value. Fewer than `MIN_POINTS` points: no limits.

Public API: `control_chart(frame, chart, baseline_points=None) -> frame` adding spc_centre,
spc_lcl, spc_ucl, spc_outside, spc_run, spc_signal; `p_chart_limits`, `xmr_limits`,
`run_flags` for the arithmetic on plain lists.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import polars as pl

RUN_LENGTH = 7
MIN_POINTS = 3
XMR_FACTOR = 2.66


def p_chart_limits(numerators: Sequence[float | None], denominators: Sequence[float | None],
                   baseline_points: int | None = None,
                   ) -> tuple[float | None, list[float | None], list[float | None]]:
    """(centre, lower limits, upper limits) of a p-chart; a point without n gets None limits."""
    points = [(x, n) for x, n in zip(numerators, denominators, strict=True)
              if x is not None and n]
    used = points[:baseline_points] if baseline_points else points
    if len(used) < MIN_POINTS:
        return None, [None] * len(numerators), [None] * len(numerators)
    total_n = sum(n for _, n in used)
    centre = sum(x for x, _ in used) / total_n
    lower: list[float | None] = []
    upper: list[float | None] = []
    for x, n in zip(numerators, denominators, strict=True):
        if x is None or not n:
            lower.append(None)
            upper.append(None)
            continue
        sigma = math.sqrt(centre * (1 - centre) / n)
        lower.append(max(0.0, centre - 3 * sigma))
        upper.append(min(1.0, centre + 3 * sigma))
    return centre, lower, upper


def xmr_limits(values: Sequence[float | None], baseline_points: int | None = None,
               ) -> tuple[float | None, float | None, float | None]:
    """(centre, lower limit, upper limit) of an XmR chart over the values that are not None."""
    present = [v for v in values if v is not None]
    used = present[:baseline_points] if baseline_points else present
    if len(used) < MIN_POINTS:
        return None, None, None
    centre = sum(used) / len(used)
    ranges = [abs(b - a) for a, b in zip(used, used[1:], strict=False)]
    mean_range = sum(ranges) / len(ranges)
    return centre, max(0.0, centre - XMR_FACTOR * mean_range), centre + XMR_FACTOR * mean_range


def run_flags(values: Sequence[float | None], centre: float | None,
              length: int = RUN_LENGTH) -> list[bool]:
    """True for every point in a run of `length`+ consecutive points on one side of the centre.

    Points without a value are skipped (they neither extend nor break a run).
    """
    flags = [False] * len(values)
    if centre is None:
        return flags
    run: list[int] = []
    side = 0
    for index, value in enumerate(values):
        if value is None:
            continue
        current = (value > centre) - (value < centre)
        if current != 0 and current == side:
            run.append(index)
        else:
            run = [index] if current != 0 else []
            side = current
        if len(run) >= length:
            for member in run:
                flags[member] = True
    return flags


def control_chart(frame: pl.DataFrame, chart: Literal["p", "xmr"],
                  baseline_points: int | None = None) -> pl.DataFrame:
    """Add SPC columns to one series (rows in time order, columns value/numerator/denominator)."""
    values = frame["value"].to_list() if frame.height else []
    if chart == "p":
        centre, lower, upper = p_chart_limits(
            frame["numerator"].to_list(), frame["denominator"].to_list(), baseline_points)
    else:
        centre, low, high = xmr_limits(values, baseline_points)
        lower = [None if v is None or centre is None else low for v in values]
        upper = [None if v is None or centre is None else high for v in values]
    outside = [
        value is not None and lo is not None and hi is not None and (value < lo or value > hi)
        for value, lo, hi in zip(values, lower, upper, strict=True)
    ]
    runs = run_flags(values, centre)
    signal = ["outside" if o else ("run" if r else None)
              for o, r in zip(outside, runs, strict=True)]
    return frame.with_columns(
        pl.Series("spc_centre", [centre if v is not None else None for v in values],
                  dtype=pl.Float64),
        pl.Series("spc_lcl", lower, dtype=pl.Float64),
        pl.Series("spc_ucl", upper, dtype=pl.Float64),
        pl.Series("spc_outside", outside, dtype=pl.Boolean),
        pl.Series("spc_run", runs, dtype=pl.Boolean),
        pl.Series("spc_signal", signal, dtype=pl.String),
    )
