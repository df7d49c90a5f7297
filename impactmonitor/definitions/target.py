"""Target definitions (SPEC sections 1 and 4): the indexes, the settings, the target path and
the projection's arithmetic; nothing executed.

The two indexes (`INDEXES`: short residential care, foster care + family homes), the target
settings from defaults.toml (`target_config`), the target path of an index per quarter
(`target_path`), the least-squares line with its 95% prediction interval (`fit_line`) and the
on-track rule (`reached`, `projection_status`). `impactmonitor.target` computes the indexes from
the database and assesses them with these; see its docstring for the rules in words.

A leaf module: no database, no storage (tests/test_layout.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from impactmonitor.config import defaults
from impactmonitor.i18n import text
from impactmonitor.quarters import quarter_of, split
from schemas.reference import FOSTER_FAMILY_CARE_FORMS


@dataclass(frozen=True)
class TargetIndex:
    key: str
    care_forms: tuple[str, ...]

    def name(self, lang: str = "nl") -> str:
        """The index's name: the catalogue's `target_index_<key>`."""
        return text(f"target_index_{self.key}", lang)


INDEXES: tuple[TargetIndex, ...] = (
    TargetIndex("short_residential", ("residential_short",)),
    TargetIndex("foster_family", FOSTER_FAMILY_CARE_FORMS),
)
INDEX_BY_KEY = {index.key: index for index in INDEXES}
Status = Literal["on_track", "at_risk", "off_track", "met", "near_miss", "not_met", "no_data"]
# t(0.975; df) for the 95% prediction interval of the projection, df = 1..30 (beyond: 1.96).
_T_975 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)


@dataclass(frozen=True)
class TargetConfig:
    baseline_year: int = 2022
    target_quarter: str = "2025Q4"
    targets: dict[str, float] = field(
        default_factory=lambda: {"short_residential": 0.70, "foster_family": 1.30}
    )
    projection_quarters: int = 6
    at_risk_share: float = 0.75
    near_miss: float = 0.01
    follow_up_quarter: str | None = None
    follow_up_targets: dict[str, float] | None = None

    @property
    def anchor_quarter(self) -> str:
        """Last quarter of the baseline year: where the target path leaves 1.0."""
        return f"{self.baseline_year}Q4"


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def target_config() -> TargetConfig:
    """The target settings from defaults.toml, section [target]."""
    section = defaults()["target"]
    follow = section.get("follow_up")
    return TargetConfig(
        baseline_year=int(section["baseline_year"]),
        target_quarter=quarter_of(_as_date(section["target_date"])),
        targets={index.key: float(section[index.key]) for index in INDEXES},
        projection_quarters=int(section.get("projection_quarters", 6)),
        at_risk_share=float(section.get("at_risk_share", 0.75)),
        near_miss=float(section.get("near_miss", 0.01)),
        follow_up_quarter=quarter_of(_as_date(follow["target_date"])) if follow else None,
        follow_up_targets=(
            {index.key: float(follow[index.key]) for index in INDEXES} if follow else None
        ),
    )


def _ordinal(quarter: str) -> int:
    year, q = split(quarter)
    return year * 4 + q - 1


# ---- clients and indexes -------------------------------------------------------------------------


def target_path(quarter: str, index: str, config: TargetConfig) -> float:
    """The target path value of `index` in `quarter` (see the module docstring)."""
    anchor, goal_quarter = _ordinal(config.anchor_quarter), _ordinal(config.target_quarter)
    goal = config.targets[index]
    t = _ordinal(quarter)
    if t <= anchor:
        return 1.0
    if t <= goal_quarter:
        return 1.0 + (goal - 1.0) * (t - anchor) / (goal_quarter - anchor)
    if config.follow_up_quarter and config.follow_up_targets:
        follow_quarter = _ordinal(config.follow_up_quarter)
        follow = config.follow_up_targets[index]
        if t >= follow_quarter:
            return follow
        return goal + (follow - goal) * (t - goal_quarter) / (follow_quarter - goal_quarter)
    return goal


def least_squares(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """(intercept, slope) of the least-squares line through (x, y) points; None if < 2 points."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    return mean_y - slope * mean_x, slope


@dataclass(frozen=True)
class Fit:
    """A least-squares line with what its 95% prediction interval needs."""

    intercept: float
    slope: float
    n: int
    mean_x: float
    sxx: float
    residual_sd: float | None  # None with fewer than 3 points

    def at(self, x: float) -> float:
        return self.intercept + self.slope * x

    def band(self, x: float) -> tuple[float, float] | None:
        """(low, high) of the 95% prediction interval at x; None with fewer than 3 points."""
        if self.residual_sd is None:
            return None
        t = _T_975[self.n - 3] if self.n - 2 <= len(_T_975) else 1.96
        half = t * self.residual_sd * math.sqrt(1 + 1 / self.n + (x - self.mean_x) ** 2 / self.sxx)
        return self.at(x) - half, self.at(x) + half


def fit_line(points: Sequence[tuple[float, float]]) -> Fit | None:
    """The least-squares line through (x, y) points with its prediction interval."""
    line = least_squares(points)
    if line is None:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    residual_sd = None
    if n >= 3:
        residuals = sum((y - (line[0] + line[1] * x)) ** 2 for x, y in points)
        residual_sd = math.sqrt(residuals / (n - 2))
    return Fit(line[0], line[1], n, mean_x, sxx, residual_sd)


def reached(value: float, goal: float, direction: str | None = None) -> bool:
    """Whether `value` reaches `goal`: at or below it when lower is better, at or above it when
    higher is better. Without a direction, a goal below 1 (an index decrease) means lower."""
    lower = direction == "lower" if direction is not None else goal < 1
    return value <= goal + 1e-9 if lower else value >= goal - 1e-9


def projection_status(
    projected: float,
    goal: float,
    at_risk_share: float,
    start: float = 1.0,
    direction: str | None = None,
) -> tuple[Literal["on_track", "at_risk", "off_track"], float]:
    """(status, share of the required change) of a projection against a goal.

    on_track when the projection reaches the goal; at_risk when it covers at least
    `at_risk_share` of the required change (goal - start); off_track otherwise. The regional
    target starts at index 1.0; performance agreements use the same rule from their baseline.
    """
    required = goal - start
    share = (projected - start) / required if required else 1.0
    if reached(projected, goal, direction):
        return "on_track", share
    return ("at_risk" if share >= at_risk_share else "off_track"), share
