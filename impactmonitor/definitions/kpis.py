"""KPI definitions (SPEC section 4): one declarative `Kpi` entry per KPI, nothing executed.

Every KPI is one `Kpi` entry in `KPIS`: its source table, SQL aggregate numerator and denominator,
unit, direction and control-chart kind; its name and explanation are texts of the catalogues
(`kpi_name_<key>`, `kpi_help_<key>` in impactmonitor/locales). The queries
that compute them are generated from these entries in `impactmonitor.kpis`; pages, exports, help
texts and the report command line read the same entries, so a definition is written once.

Which KPIs can be computed for a grouping or filter (`applicable_kpis`): only the population
table has a municipality, so grouping or filtering by municipality leaves only the KPIs with
`by_municipality=True` (the ambulant/bed ratio); `ambulant_bed_ratio` compares care forms with
each other and is left out of a grouping by care form, and of a page filtered to one care form.

A leaf module: no database, no storage (tests/test_layout.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from impactmonitor.i18n import text
from schemas.reference import AMBULANT_TYPE_CARE_FORMS, BED_TYPE_CARE_FORMS

Source = Literal["results", "offer", "population"]
Unit = Literal["share", "days", "ratio", "count"]
Direction = Literal["higher", "lower"]

DIMENSIONS = ("provider_agb", "category", "lot", "municipality_code", "care_form", "quarter")


def sql_list(values: Iterable[str]) -> str:
    """`'a', 'b'` for an SQL IN list of constants from the reference data (never user input)."""
    return ", ".join(f"'{value}'" for value in values)


@dataclass(frozen=True)
class Kpi:
    """One KPI: how it is computed and how it is explained."""

    key: str
    source: Source
    numerator: str  # SQL aggregate over the rows of `source`
    denominator: str  # SQL aggregate; the value is numerator / denominator
    unit: Unit
    direction: Direction  # which way is better
    chart: Literal["p", "xmr"]  # SPC: p-chart for proportions, XmR for means and counts
    care_forms: tuple[str, ...] | None = None  # rows the KPI is about (None = every care form)
    min_n: bool = True  # "n < 10" rule on the denominator
    # SQL aggregate above zero when the KPI applies to a group at all: without it (a provider
    # without bed-type care for the length of stay) the KPI is "not applicable" (status "n/a",
    # shown "n.v.t."), not "n < 10"; its denominator is then NULL, not 0.
    applies_when: str | None = None
    by_municipality: bool = False
    by_care_form: bool = True

    def name(self, lang: str = "nl") -> str:
        return text(f"kpi_name_{self.key}", lang)

    def explanation(self, lang: str = "nl") -> str:
        return text(f"kpi_help_{self.key}", lang)


KPIS: tuple[Kpi, ...] = (
    Kpi(
        "goal_achievement",
        "results",
        "sum(goals_achieved)",
        "sum(trajectories_ended)",
        "share",
        "higher",
        "p",
    ),
    Kpi(
        "ended_as_planned",
        "results",
        "sum(ended_as_planned)",
        "sum(trajectories_ended)",
        "share",
        "higher",
        "p",
    ),
    Kpi(
        "dropout",
        "results",
        "sum(dropouts)",
        "sum(trajectories_ended)",
        "share",
        "lower",
        "p",
    ),
    Kpi(
        "satisfaction",
        "results",
        "sum(satisfaction_positive)",
        "sum(satisfaction_respondents)",
        "share",
        "higher",
        "p",
    ),
    Kpi(
        "intake_wait_days",
        "results",
        "sum(intake_wait_days_sum)",
        "sum(intake_wait_n)",
        "days",
        "lower",
        "xmr",
    ),
    Kpi(
        "intake_wait_over_norm",
        "results",
        "sum(intake_wait_over_norm)",
        "sum(intake_wait_n)",
        "share",
        "lower",
        "p",
    ),
    Kpi(
        "treatment_wait_days",
        "results",
        "sum(treatment_wait_days_sum)",
        "sum(treatment_wait_n)",
        "days",
        "lower",
        "xmr",
    ),
    Kpi(
        "treatment_wait_over_norm",
        "results",
        "sum(treatment_wait_over_norm)",
        "sum(treatment_wait_n)",
        "share",
        "lower",
        "p",
    ),
    Kpi(
        "length_of_stay_days",
        "results",
        f"sum(stay_days_sum) FILTER (WHERE care_form IN ({sql_list(BED_TYPE_CARE_FORMS)}))",
        f"sum(stay_n) FILTER (WHERE care_form IN ({sql_list(BED_TYPE_CARE_FORMS)}))",
        "days",
        "lower",
        "xmr",
        care_forms=BED_TYPE_CARE_FORMS,
        applies_when=f"count(*) FILTER (WHERE care_form IN ({sql_list(BED_TYPE_CARE_FORMS)}))",
    ),
    Kpi(
        "ambulant_bed_ratio",
        "population",
        f"sum(clients_start + inflow) FILTER (WHERE care_form IN "
        f"({sql_list(AMBULANT_TYPE_CARE_FORMS)}))",
        f"sum(clients_start + inflow) FILTER (WHERE care_form IN "
        f"({sql_list(BED_TYPE_CARE_FORMS)}))",
        "ratio",
        "higher",
        "xmr",
        care_forms=AMBULANT_TYPE_CARE_FORMS + BED_TYPE_CARE_FORMS,
        applies_when=f"sum(clients_start + inflow) FILTER (WHERE care_form IN "
        f"({sql_list(BED_TYPE_CARE_FORMS)}))",
        by_municipality=True,
        by_care_form=False,
    ),
    Kpi(
        # A stock at quarter end: summed over providers and care forms, averaged over quarters
        # (the denominator counts the quarters), so a year's value is its average waiting list.
        "waiting_list",
        "offer",
        "sum(clients_waiting)",
        "count(DISTINCT quarter)",
        "count",
        "lower",
        "xmr",
        min_n=False,
    ),
)
KPI_BY_KEY: dict[str, Kpi] = {kpi.key: kpi for kpi in KPIS}
# The KPI names of the SPEC in snake_case, plus the two "share over norm" waiting-time KPIs.
KPI_KEYS: tuple[str, ...] = tuple(KPI_BY_KEY)


def kpi(key: str) -> Kpi:
    try:
        return KPI_BY_KEY[key]
    except KeyError:
        raise ValueError(f"unknown KPI {key!r}; known: {', '.join(KPI_KEYS)}") from None


def kpi_definitions(lang: str = "nl") -> pl.DataFrame:
    """The KPI definitions as a table: key, name, explanation, unit, direction, formula."""
    return pl.DataFrame(
        [
            {
                "kpi": k.key,
                "name": k.name(lang),
                "explanation": k.explanation(lang),
                "unit": k.unit,
                "direction": k.direction,
                "source": k.source,
                "numerator": k.numerator,
                "denominator": k.denominator,
                "chart": k.chart,
                "min_n": k.min_n,
                "by_municipality": k.by_municipality,
                "by_care_form": k.by_care_form,
            }
            for k in KPIS
        ]
    )


def applicable_kpis(
    group_by: Sequence[str] = (),
    municipality_filter: bool = False,
    keys: Sequence[str] | None = None,
    care_form_filter: bool = False,
) -> list[Kpi]:
    """The KPIs that can be computed for this grouping (see the module docstring).

    `municipality_filter`: the figures are limited to municipalities; `care_form_filter`: to
    one care form (a KPI that compares care forms, `by_care_form=False`, says nothing there).
    """
    selected = [kpi(key) for key in keys] if keys is not None else list(KPIS)
    by_municipality = municipality_filter or "municipality_code" in group_by
    by_care_form = care_form_filter or "care_form" in group_by
    return [
        k
        for k in selected
        if (k.by_municipality or not by_municipality) and (k.by_care_form or not by_care_form)
    ]
