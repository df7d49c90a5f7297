"""Reference data: care forms, age groups, municipalities with validity dates, categories."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

CARE_FORMS = (
    "ambulant",
    "day_care",
    "foster_care",
    "family_home",
    "residential_short",
    "residential_long",
    "crisis",
)
BED_TYPE_CARE_FORMS = ("residential_short", "residential_long", "crisis")
AMBULANT_TYPE_CARE_FORMS = ("ambulant", "day_care")
FOSTER_FAMILY_CARE_FORMS = ("foster_care", "family_home")
# Length of stay is reported for bed-type care and for foster care and family homes.
STAY_CARE_FORMS = BED_TYPE_CARE_FORMS + FOSTER_FAMILY_CARE_FORMS
AGE_GROUPS = ("0_5", "6_11", "12_17", "18_22")
CATEGORIES = ("A", "B", "C")

# The codes in words: care_form_<code>, category_<code> and age_group_<code> in the translation
# catalogues (impactmonitor/locales), read through impactmonitor.display.*_label.

_MUNICIPALITIES_FILE = Path(__file__).with_name("municipalities.csv")


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    valid_from: date | None
    valid_to: date | None
    successor_code: str | None
    in_grjr: bool

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


@cache
def municipalities() -> dict[str, Municipality]:
    """All municipalities of the region by CBS code, including those merged away."""
    with _MUNICIPALITIES_FILE.open(encoding="utf-8") as handle:
        return {
            row["municipality_code"]: Municipality(
                code=row["municipality_code"],
                name=row["name"],
                valid_from=_date(row["valid_from"]),
                valid_to=_date(row["valid_to"]),
                successor_code=row["successor_code"] or None,
                in_grjr=row["in_grjr"] == "true",
            )
            for row in csv.DictReader(handle)
        }


def municipalities_valid_on(day: date) -> list[Municipality]:
    return [m for m in municipalities().values() if m.valid_on(day)]


@cache
def current_codes() -> dict[str, str]:
    """Municipality code -> the code it belongs to today (following merger chains).

    Merged-away codes (Brielle, Hellevoetsluis, Westvoorne) map to their successor (Voorne aan
    Zee), so figures over several years compare the same area.
    """
    known = municipalities()
    mapping = {}
    for code in known:
        current = code
        while (successor := known[current].successor_code) and successor in known:
            current = successor
        mapping[code] = current
    return mapping


def current_municipalities() -> list[Municipality]:
    """The municipalities that exist today (none merged away), by name."""
    known = municipalities()
    return sorted((known[code] for code in set(current_codes().values())), key=lambda m: m.name)


def area_codes(codes: Iterable[str]) -> frozenset[str]:
    """The codes whose rows belong to the areas of `codes` today: each code's own and those of
    the municipalities merged into it."""
    wanted = {current_codes().get(code, code) for code in codes}
    return frozenset(
        code for code, current in current_codes().items() if current in wanted
    ) | frozenset(codes)
