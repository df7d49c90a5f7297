"""The national-scale benchmark set: ≈ 3,000 providers × 20 quarters, generated with numpy.

Same data contract and row rules as the sample region, much less story: every provider serves two
care forms in three municipalities for three age groups (18 population rows per quarter), its
clients follow the regional trends of `sample_region.care_form_trend` through the same stock-flow
model (vectorised over all cells, one step per quarter), and its results come from binomial draws
around a provider-specific quality. Municipalities are the twelve of the reference table that the
2023 merger did not touch, so every row is valid in every quarter.

Deterministic for a given numpy version (`numpy.random.default_rng(seed)`); no wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from impactmonitor.quarters import quarter_range, shift
from schemas.reference import AGE_GROUPS, CARE_FORMS, STAY_CARE_FORMS, municipalities
from tools.sample_region import (
    FTE_PER_CLIENT,
    LENGTH_OF_STAY,
    OUTFLOW_RATE,
    care_form_trend,
)

SEED = 20220101
QUARTERS = 20
DEFAULT_PROVIDERS = 3000
CARE_FORMS_PER_PROVIDER, MUNICIPALITIES_PER_PROVIDER, AGES_PER_PROVIDER = 2, 3, 3
ROWS_PER_PROVIDER_QUARTER = (
    CARE_FORMS_PER_PROVIDER * MUNICIPALITIES_PER_PROVIDER * AGES_PER_PROVIDER
)
# Typical baseline clients per cell, by care form.
CELL_LEVEL = {
    "ambulant": 14.0,
    "day_care": 5.0,
    "foster_care": 6.0,
    "family_home": 2.0,
    "residential_short": 3.0,
    "residential_long": 2.5,
    "crisis": 1.2,
}


@dataclass
class NationalData:
    register: pl.DataFrame
    population: pl.DataFrame
    offer: pl.DataFrame
    results: pl.DataFrame
    quarters: list[str]


def providers_for_rows(rows: int, quarters: int = QUARTERS) -> int:
    """How many providers give at least `rows` population rows."""
    per_provider = ROWS_PER_PROVIDER_QUARTER * quarters
    return max(1, -(-rows // per_provider))


def stable_municipalities() -> list[str]:
    """Codes valid from 2000 on, untouched by mergers (valid in every benchmark quarter)."""
    return sorted(
        code for code, m in municipalities().items() if m.valid_from is None and m.valid_to is None
    )


def _agb_codes(rng: np.random.Generator, count: int) -> np.ndarray:
    draws = np.unique(rng.integers(1_000_000, 99_999_999, size=count * 2))
    rng.shuffle(draws)
    if draws.size < count:  # practically impossible; keeps the function total
        raise ValueError("not enough distinct AGB codes")
    return np.char.zfill(draws[:count].astype(str), 8)


def simulate_national(
    providers: int = DEFAULT_PROVIDERS,
    until: str = "2026Q3",
    quarters: int = QUARTERS,
    seed: int = SEED,
) -> NationalData:
    rng = np.random.default_rng(seed)
    quarter_list = quarter_range(shift(until, -(quarters - 1)), until)
    agbs = _agb_codes(rng, providers)
    categories = rng.choice(np.array(["A", "B", "C"]), size=providers, p=[0.03, 0.47, 0.50])
    register = _register(rng, agbs, categories)

    # Cells: provider × (2 care forms) × (3 municipalities) × (3 age groups).
    codes = np.array(stable_municipalities())
    care_forms = np.array(CARE_FORMS)
    ages = np.array(AGE_GROUPS)
    form_pick = np.argsort(rng.random((providers, len(care_forms))), axis=1)[
        :, :CARE_FORMS_PER_PROVIDER
    ]
    muni_pick = np.argsort(rng.random((providers, len(codes))), axis=1)[
        :, :MUNICIPALITIES_PER_PROVIDER
    ]
    age_pick = np.argsort(rng.random((providers, len(ages))), axis=1)[:, :AGES_PER_PROVIDER]
    shape = (providers, CARE_FORMS_PER_PROVIDER, MUNICIPALITIES_PER_PROVIDER, AGES_PER_PROVIDER)
    provider_index = np.broadcast_to(np.arange(providers)[:, None, None, None], shape).ravel()
    form_index = np.broadcast_to(form_pick[:, :, None, None], shape).ravel()
    muni_index = np.broadcast_to(muni_pick[:, None, :, None], shape).ravel()
    age_index = np.broadcast_to(age_pick[:, None, None, :], shape).ravel()
    cells = provider_index.size
    size = np.where(categories == "A", 4.0, np.where(categories == "B", 1.5, 0.6))
    level_by_form = np.array([CELL_LEVEL[f] for f in CARE_FORMS])
    level = level_by_form[form_index] * size[provider_index] * rng.lognormal(0.0, 0.5, size=cells)
    out_rate = np.array([OUTFLOW_RATE[f] for f in CARE_FORMS])[form_index]

    first_index = _quarter_index(quarter_list[0])
    start = rng.poisson(level)
    columns: dict[str, list[np.ndarray]] = {
        k: [] for k in ("start", "inflow", "outflow", "end", "quarter")
    }
    for offset, _quarter in enumerate(quarter_list):
        t = first_index + offset
        trend = np.array([care_form_trend(f, t) for f in CARE_FORMS])[form_index]
        target = level * trend
        outflow = rng.binomial(start, np.clip(out_rate * rng.uniform(0.85, 1.15, cells), 0, 1))
        inflow = rng.poisson(np.maximum(target - start + outflow, 0.0))
        end = start + inflow - outflow
        for key, values in (
            ("start", start),
            ("inflow", inflow),
            ("outflow", outflow),
            ("end", end),
        ):
            columns[key].append(values)
        columns["quarter"].append(np.full(cells, offset, dtype=np.int8))
        start = end
    quarter_names = pl.Series(quarter_list, dtype=pl.String)
    population = pl.DataFrame(
        {
            "provider_agb": pl.Series(agbs)[np.tile(provider_index, len(quarter_list))],
            "quarter": quarter_names[np.concatenate(columns["quarter"])],
            "municipality_code": pl.Series(codes)[np.tile(muni_index, len(quarter_list))],
            "care_form": pl.Series(care_forms)[np.tile(form_index, len(quarter_list))],
            "age_group": pl.Series(ages)[np.tile(age_index, len(quarter_list))],
            "clients_start": np.concatenate(columns["start"]),
            "inflow": np.concatenate(columns["inflow"]),
            "outflow": np.concatenate(columns["outflow"]),
            "clients_end": np.concatenate(columns["end"]),
        }
    )
    flows = (
        population.group_by("provider_agb", "quarter", "care_form")
        .agg(pl.col("inflow").sum(), pl.col("outflow").sum(), pl.col("clients_end").sum())
        .sort("provider_agb", "quarter", "care_form")
    )
    results, offer = _results_and_offer(rng, flows, agbs)
    return NationalData(register, population, offer, results, quarter_list)


def _quarter_index(quarter: str) -> int:
    """Quarters after 2022Q1 (negative before), as `care_form_trend` counts them."""
    return (int(quarter[:4]) - 2022) * 4 + int(quarter[5]) - 1


def _register(rng: np.random.Generator, agbs: np.ndarray, categories: np.ndarray) -> pl.DataFrame:
    lots = np.array(
        [
            "B1 Alternatief thuis",
            "B2 Behandeling met verblijf",
            "B3 Dagbehandeling",
            "B4 Specialistische ambulante hulp",
            "B5 Crisis",
        ]
    )
    lot = np.full(agbs.size, None, dtype=object)  # no lot outside category B
    drawn = lots[rng.integers(0, len(lots), agbs.size)]
    lot[categories == "B"] = drawn[categories == "B"]
    return pl.DataFrame(
        {
            "provider_agb": agbs,
            "name": [f"Jeugdhulpaanbieder {i + 1:04d}" for i in range(agbs.size)],
            "category": categories,
            "lot": pl.Series(lot.tolist(), dtype=pl.String),
            "contract_start": pl.Series([date(2021, 1, 1)] * agbs.size, dtype=pl.Date),
            "contract_end": pl.Series([None] * agbs.size, dtype=pl.Date),
        }
    )


def _results_and_offer(
    rng: np.random.Generator, flows: pl.DataFrame, agbs: np.ndarray
) -> tuple[pl.DataFrame, pl.DataFrame]:
    n = flows.height
    # Provider quality: most healthy, one in twenty struggling.
    provider_rank = {agb: i for i, agb in enumerate(agbs)}
    index = np.array([provider_rank[a] for a in flows["provider_agb"].to_list()])
    goal_base = rng.uniform(0.68, 0.82, agbs.size)
    struggling = rng.random(agbs.size) < 0.05
    goal_base = np.where(struggling, rng.uniform(0.45, 0.6, agbs.size), goal_base)
    ended = flows["outflow"].to_numpy()
    inflow = flows["inflow"].to_numpy()
    end = flows["clients_end"].to_numpy()
    forms = flows["care_form"].to_numpy()
    p_goal = np.clip(goal_base[index] + rng.normal(0, 0.03, n), 0, 1)
    dropouts = rng.binomial(ended, np.where(struggling[index], 0.2, 0.07))
    planned = np.minimum(rng.binomial(ended, np.clip(p_goal + 0.03, 0, 1)), ended - dropouts)
    goals = rng.binomial(ended, p_goal)
    respondents = rng.binomial(ended, 0.55)
    positive = rng.binomial(respondents, np.where(struggling[index], 0.7, 0.85))
    crisis = forms == "crisis"
    intake_mean = np.where(crisis, 1.0, rng.uniform(18, 38, n))
    intake_sum = np.rint(inflow * intake_mean).astype(np.int64)
    intake_over = rng.binomial(inflow, np.clip((intake_mean - 17) / 45, 0, 1))
    treatment_n = np.where(crisis, 0, rng.binomial(inflow, 0.75))
    treatment_mean = rng.uniform(25, 45, n)
    treatment_sum = np.rint(treatment_n * treatment_mean).astype(np.int64)
    treatment_over = rng.binomial(treatment_n, np.clip((treatment_mean - 24) / 60, 0, 1))
    stay_forms = np.isin(forms, STAY_CARE_FORMS)
    los = np.array([LENGTH_OF_STAY.get(f, 0) for f in forms], dtype=float)
    stay_n = np.where(stay_forms, ended, 0)
    stay_sum = np.rint(stay_n * los * rng.uniform(0.85, 1.15, n)).astype(np.int64)
    identity = flows.select("provider_agb", "quarter", "care_form")
    results = identity.with_columns(
        trajectories_ended=ended,
        ended_as_planned=planned,
        goals_achieved=goals,
        dropouts=dropouts,
        satisfaction_respondents=respondents,
        satisfaction_positive=positive,
        intake_wait_n=inflow,
        intake_wait_days_sum=intake_sum,
        intake_wait_over_norm=intake_over,
        treatment_wait_n=treatment_n,
        treatment_wait_days_sum=treatment_sum,
        treatment_wait_over_norm=treatment_over,
        stay_n=stay_n,
        stay_days_sum=stay_sum,
    )
    ambulant_type = np.isin(forms, ("ambulant", "day_care"))
    fte_rate = np.array([FTE_PER_CLIENT[f] for f in forms])
    offer = identity.with_columns(
        places=np.where(ambulant_type, 0, np.ceil(end * rng.uniform(1.03, 1.15, n))).astype(
            np.int64
        ),
        fte_care=np.round(np.maximum(end, 1) * fte_rate * rng.uniform(0.9, 1.1, n), 1),
        clients_waiting=np.rint(inflow * intake_mean / 90).astype(np.int64),
    )
    return results, offer
