"""The sample region as a model: providers, their clients per quarter, and the story it tells.

Deterministic: every random draw comes from `random.Random` seeded with a constant and the
provider's AGB code, so a provider's data does not change when another provider is added. Nothing
depends on the clock. The story (SPEC section 7):

- short-term residential care falls from the 2022 baseline towards, but not quite to, −30% at the
  end of 2025 (about −24%); foster care and family homes rise by about +30%;
- most providers are healthy (goal achievement 70–80%, satisfaction 80%+, intake wait 20–35 days);
  three deteriorate in the most recent quarters (goal achievement below 60%, dropout above 15%)
  and one dipped in 2024 and recovered;
- a few deliveries are late (more than 30 days after quarter end), one quarter is missing and two
  are incomplete in recent quarters.

Client counts per municipality × care form × age group follow a stock-flow model: clients_start is
the previous quarter's clients_end, outflow is a share of the clients present, inflow brings the
stock towards its trend, and clients_end = clients_start + inflow − outflow, so every row rule and
the continuity between quarters hold. The 2023 merger is honoured: Brielle, Hellevoetsluis and
Westvoorne are delivered up to 2022Q4, their clients continue under Voorne aan Zee from 2023Q1.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import polars as pl

from impactmonitor.quarters import quarter_end, quarter_range
from schemas.reference import CARE_FORMS, STAY_CARE_FORMS

SEED = 20220101
FIRST_QUARTER = "2022Q1"
DEFAULT_UNTIL = "2026Q3"
MERGER_QUARTER = "2023Q1"
MERGED_INTO = "GM1992"
# Weight of each municipality (thousands of inhabitants, rounded) for spreading clients.
MUNICIPALITY_WEIGHTS = {
    "GM0599": 655,
    "GM1930": 86,
    "GM0606": 80,
    "GM0622": 75,
    "GM0502": 67,
    "GM1621": 63,
    "GM1924": 52,
    "GM0489": 49,
    "GM0597": 47,
    "GM0556": 33,
    "GM0542": 30,
    "GM0613": 26,
    "GM1992": 72,
}
# Before the merger, Voorne aan Zee's clients live in its three predecessors.
PREDECESSORS = {"GM0501": 17, "GM0530": 40, "GM0614": 15}
AGE_SHARES = {
    "ambulant": {"0_5": 0.12, "6_11": 0.35, "12_17": 0.43, "18_22": 0.10},
    "day_care": {"0_5": 0.25, "6_11": 0.45, "12_17": 0.25, "18_22": 0.05},
    "foster_care": {"0_5": 0.25, "6_11": 0.30, "12_17": 0.30, "18_22": 0.15},
    "family_home": {"0_5": 0.05, "6_11": 0.30, "12_17": 0.50, "18_22": 0.15},
    "residential_short": {"6_11": 0.15, "12_17": 0.70, "18_22": 0.15},
    "residential_long": {"6_11": 0.10, "12_17": 0.60, "18_22": 0.30},
    "crisis": {"6_11": 0.20, "12_17": 0.70, "18_22": 0.10},
}
# Share of the clients present that leaves in a quarter.
OUTFLOW_RATE = {
    "ambulant": 0.30,
    "day_care": 0.22,
    "foster_care": 0.08,
    "family_home": 0.06,
    "residential_short": 0.45,
    "residential_long": 0.12,
    "crisis": 0.80,
}
# Average length of stay in days of a trajectory that ended (stay_* columns).
LENGTH_OF_STAY = {
    "residential_short": 115,
    "residential_long": 540,
    "crisis": 26,
    "foster_care": 880,
    "family_home": 1050,
}
FTE_PER_CLIENT = {
    "ambulant": 0.04,
    "day_care": 0.16,
    "foster_care": 0.03,
    "family_home": 0.12,
    "residential_short": 0.85,
    "residential_long": 0.75,
    "crisis": 1.3,
}
LOTS = {
    "B1 Alternatief thuis": ("foster_care", "family_home"),
    "B2 Behandeling met verblijf": ("residential_short", "residential_long"),
    "B3 Dagbehandeling": ("day_care",),
    "B4 Specialistische ambulante hulp": ("ambulant",),
    "B5 Crisis": ("crisis", "residential_short"),
}
# Rows whose expected stock stays below this many clients are never delivered (a provider does
# not report combinations it does not serve); keeps the files small.
MIN_CELL_LEVEL = 0.9


@dataclass(frozen=True)
class Quality:
    """A provider's result rates in a quarter (shares of the trajectories that ended)."""

    goals: float
    planned: float
    dropout: float
    satisfaction: float
    intake_days: float
    treatment_days: float


@dataclass
class Provider:
    agb: str
    name: str
    category: str
    lot: str | None
    contract_start: date
    contract_end: date | None
    # Expected clients at the 2022 baseline per care form (spread over municipalities and ages).
    volumes: dict[str, float]
    municipalities: tuple[str, ...]
    base: Quality
    role: str = "healthy"  # healthy | deteriorating | recovering
    # Quarter from which results deteriorate (or the dip for a recovering provider).
    turn: str | None = None
    recovered: str | None = None
    notes: list[str] = field(default_factory=list)

    def active_in(self, quarter: str) -> bool:
        end = quarter_end(quarter)
        start_ok = self.contract_start <= end
        end_ok = self.contract_end is None or self.contract_end >= end
        return start_ok and end_ok


# ---- providers ----------------------------------------------------------------------------------

# Fictitious names in the style of Dutch youth-care organisations (no real organisation is meant).
A_PROVIDERS = (
    (
        "Stichting Maasdelta Jeugd & Gezin",
        {
            "ambulant": 820,
            "day_care": 90,
            "residential_short": 70,
            "residential_long": 45,
            "crisis": 12,
        },
    ),
    (
        "Rijnmond Jeugdhulp Groep",
        {"ambulant": 760, "foster_care": 210, "family_home": 30, "residential_short": 62},
    ),
    (
        "Stichting De Havenkring",
        {
            "ambulant": 640,
            "day_care": 70,
            "foster_care": 150,
            "residential_short": 58,
            "residential_long": 40,
        },
    ),
    (
        "Zorggroep Waterweg Jeugd",
        {"ambulant": 590, "family_home": 36, "residential_short": 52, "residential_long": 34},
    ),
    (
        "Stichting Kompas Zuid-Holland",
        {"ambulant": 700, "foster_care": 180, "family_home": 28, "day_care": 60},
    ),
    (
        "Jeugdzorg Nieuwe Maas",
        {"ambulant": 610, "day_care": 55, "residential_short": 48, "crisis": 10},
    ),
)
B_PROVIDERS = (
    ("B1 Alternatief thuis", "Gezinshuizen De Linde", {"family_home": 26, "foster_care": 40}),
    ("B1 Alternatief thuis", "Pleegzorg Rijnmond-Zuid", {"foster_care": 120}),
    (
        "B1 Alternatief thuis",
        "Stichting Thuis in het Gezin",
        {"family_home": 18, "foster_care": 35},
    ),
    ("B1 Alternatief thuis", "Gezinshuisgroep Hoeksche Waard", {"family_home": 22}),
    (
        "B2 Behandeling met verblijf",
        "Behandelcentrum De Oever",
        {"residential_short": 42, "residential_long": 24},
    ),
    ("B2 Behandeling met verblijf", "Stichting Het Anker Jeugd", {"residential_short": 36}),
    (
        "B2 Behandeling met verblijf",
        "Kinder- en Jeugdcentrum De Merwede",
        {"residential_short": 30, "residential_long": 30},
    ),
    (
        "B2 Behandeling met verblijf",
        "Leefgroepen Voorne-Putten",
        {"residential_short": 24, "residential_long": 12},
    ),
    ("B3 Dagbehandeling", "Dagcentrum De Kleine Haven", {"day_care": 45}),
    ("B3 Dagbehandeling", "Stichting Speelruimte", {"day_care": 38}),
    ("B3 Dagbehandeling", "Orthopedagogisch Centrum Schiedam", {"day_care": 30}),
    ("B3 Dagbehandeling", "Medisch Kinderdagverblijf Het Zonnetje", {"day_care": 22}),
    ("B4 Specialistische ambulante hulp", "Praktijk Samen Verder", {"ambulant": 260}),
    ("B4 Specialistische ambulante hulp", "GGZ Jeugd Delfshaven", {"ambulant": 310}),
    ("B4 Specialistische ambulante hulp", "Stichting Traject Plus", {"ambulant": 180}),
    ("B4 Specialistische ambulante hulp", "Ambulant Team IJsselmonde", {"ambulant": 150}),
    ("B5 Crisis", "Crisisdienst Jeugd Rijnmond", {"crisis": 14, "residential_short": 10}),
    ("B5 Crisis", "Stichting Opvang Jeugd Zuidoever", {"crisis": 9}),
    ("B5 Crisis", "Spoedopvang De Brug", {"crisis": 7, "residential_short": 8}),
    ("B5 Crisis", "Jeugdcrisisteam Zuid", {"crisis": 6}),
)
C_PROVIDERS = (
    ("Praktijk Kindertherapie Barendrecht", {"ambulant": 40}),
    ("Jeugdcoach Lansingerland", {"ambulant": 32}),
    ("Zorgboerderij De Hoeve", {"day_care": 14}),
    ("Gezinshuis Oranjeboom", {"family_home": 6}),
    ("Logeerhuis Het Veerhuis", {"residential_short": 9}),
    ("Stichting Sterk Thuis", {"ambulant": 55}),
    ("Psychologenpraktijk Maasoever", {"ambulant": 38}),
    ("Gezinshuis De Wilgen", {"family_home": 5}),
    ("Flexteam Jeugd Capelle", {"ambulant": 28, "day_care": 8}),
    ("Buitenschoolse Begeleiding Ridderkerk", {"day_care": 12}),
    ("Kamertrainingscentrum Rozenburg", {"residential_short": 8, "residential_long": 5}),
    ("Jeugdhulp aan Huis Vlaardingen", {"ambulant": 36}),
    ("Kortverblijf De Duinen", {"residential_short": 7}),
    ("Mentorschap Jong Rijnmond", {"ambulant": 24}),
)
# Story roles, by (category, index in the lists above).
DETERIORATING = {("A", 2): "2025Q3", ("B", 4): "2025Q4", ("B", 13): "2026Q1"}
RECOVERING = {("B", 12): ("2024Q2", "2025Q1")}
LATE_START = {("C", 4): date(2024, 1, 1), ("C", 12): date(2023, 7, 1)}
EARLY_END = {("C", 7): date(2025, 6, 30)}


def _agb_codes(rng: random.Random, count: int) -> list[str]:
    """Unique 8-digit AGB codes; about one in four starts with a zero."""
    codes: list[str] = []
    while len(codes) < count:
        if len(codes) % 4 == 1:
            code = f"{rng.randint(1_000_000, 9_999_999):08d}"
        else:
            code = f"{rng.randint(10_000_000, 99_999_999)}"
        if code not in codes:
            codes.append(code)
    return codes


def _municipalities_for(rng: random.Random, category: str) -> tuple[str, ...]:
    everything = tuple(MUNICIPALITY_WEIGHTS)
    if category == "A":
        return everything
    others = [code for code in everything if code != "GM0599"]
    count = rng.randint(5, 8) if category == "B" else rng.randint(1, 3)
    return ("GM0599", *sorted(rng.sample(others, count)))


def _base_quality(rng: random.Random) -> Quality:
    return Quality(
        goals=rng.uniform(0.71, 0.80),
        planned=rng.uniform(0.72, 0.82),
        dropout=rng.uniform(0.05, 0.09),
        satisfaction=rng.uniform(0.81, 0.90),
        intake_days=rng.uniform(20, 33),
        treatment_days=rng.uniform(28, 40),
    )


def region_providers(seed: int = SEED) -> list[Provider]:
    """The 40 providers of the sample region (6 A, 20 B, 14 C)."""
    rng = random.Random(seed)
    specs: Sequence[tuple[str, str, str | None, Mapping[str, float]]] = (
        [("A", name, None, volumes) for name, volumes in A_PROVIDERS]
        + [("B", name, lot, volumes) for lot, name, volumes in B_PROVIDERS]
        + [("C", name, None, volumes) for name, volumes in C_PROVIDERS]
    )
    codes = _agb_codes(rng, len(specs))
    providers = []
    index_in_category: dict[str, int] = {}
    for (category, name, lot, volumes), agb in zip(specs, codes, strict=True):
        index = index_in_category.get(category, 0)
        index_in_category[category] = index + 1
        local = random.Random(f"{seed}:{agb}")
        key = (category, index)
        provider = Provider(
            agb=agb,
            name=name,
            category=category,
            lot=lot,
            contract_start=LATE_START.get(key, date(2022, 1, 1)),
            contract_end=EARLY_END.get(key, date(2028, 12, 31) if category != "C" else None),
            volumes={form: float(v) * local.uniform(0.9, 1.1) for form, v in volumes.items()},
            municipalities=_municipalities_for(local, category),
            base=_base_quality(local),
        )
        if key in DETERIORATING:
            provider.role, provider.turn = "deteriorating", DETERIORATING[key]
        elif key in RECOVERING:
            provider.role = "recovering"
            provider.turn, provider.recovered = RECOVERING[key]
        providers.append(provider)
    return providers


# ---- trends -------------------------------------------------------------------------------------


def care_form_trend(care_form: str, t: int) -> float:
    """Regional trend of a care form's clients, quarter t after 2022Q1 (2022 = 1.0).

    Short residential falls 24.5% from 2022Q4 to 2025Q4 (the stock lags, so the index of
    clients_start + inflow ends near −24%) and keeps falling slowly; foster care and family
    homes rise 31% (their index ends near +30%). Ambulant care grows a little, long residential
    shrinks a little.
    """
    years = max(t - 3, 0) / 12  # 0 in 2022, 1 in 2025Q4
    beyond = max(t - 15, 0)
    if care_form == "residential_short":
        return 1 - 0.245 * min(years, 1) - 0.012 * beyond
    if care_form in ("foster_care", "family_home"):
        return 1 + 0.31 * min(years, 1) + 0.01 * beyond
    if care_form == "ambulant":
        return 1 + 0.06 * years
    if care_form == "residential_long":
        return 1 - 0.08 * min(years, 1)
    return 1.0


def quality_in(provider: Provider, quarter: str, rng: random.Random) -> Quality:
    """The provider's rates in a quarter: its base with a little noise, or its story."""
    base = provider.base
    strain = 0.0
    if provider.role == "deteriorating" and provider.turn and quarter >= provider.turn:
        steps = len(quarter_range(provider.turn, quarter))
        strain = min(steps / 2, 1.0)  # reaches full strain in its second quarter
    elif (
        provider.role == "recovering"
        and provider.turn
        and provider.recovered
        and provider.turn <= quarter < provider.recovered
    ):
        strain = 0.8
    jitter = rng.uniform(-0.02, 0.02)
    return Quality(
        goals=base.goals + jitter - (base.goals - 0.52) * strain,
        planned=base.planned + jitter - (base.planned - 0.58) * strain,
        dropout=max(base.dropout - jitter / 2 + (0.20 - base.dropout) * strain, 0.01),
        satisfaction=min(base.satisfaction + jitter - 0.14 * strain, 0.97),
        intake_days=base.intake_days * rng.uniform(0.92, 1.08) + 22 * strain,
        treatment_days=base.treatment_days * rng.uniform(0.92, 1.08) + 25 * strain,
    )


# ---- simulation ---------------------------------------------------------------------------------


def _stochastic_round(rng: random.Random, value: float) -> int:
    """Round so that the expected value is kept (small cells would otherwise never move)."""
    value = max(value, 0.0)
    whole = math.floor(value)
    return whole + (1 if rng.random() < value - whole else 0)


@dataclass
class RegionData:
    providers: list[Provider]
    quarters: list[str]
    population: pl.DataFrame
    offer: pl.DataFrame
    results: pl.DataFrame
    # (agb, quarter) -> tables delivered and when
    deliveries: dict[tuple[str, str], tuple[tuple[str, ...], datetime]]


def _cells(provider: Provider) -> list[tuple[str, str, str, float]]:
    """(municipality, care_form, age_group, expected clients at baseline) the provider serves."""
    weights = {m: MUNICIPALITY_WEIGHTS[m] for m in provider.municipalities}
    total = sum(weights.values())
    cells = []
    for care_form in CARE_FORMS:
        volume = provider.volumes.get(care_form)
        if not volume:
            continue
        for municipality, weight in weights.items():
            for age, share in AGE_SHARES[care_form].items():
                level = volume * weight / total * share
                if level >= MIN_CELL_LEVEL:
                    cells.append((municipality, care_form, age, level))
    return cells


def _simulate_population(provider: Provider, quarters: list[str], seed: int) -> list[tuple]:
    """Rows (quarter, municipality, care_form, age, start, inflow, outflow, end), continuous."""
    rng = random.Random(f"{seed}:{provider.agb}:population")
    rows: list[tuple] = []
    # State per delivered cell: clients at the end of the previous quarter.
    state: dict[tuple[str, str, str], int] = {}
    cells = _cells(provider)
    for t, quarter in enumerate(quarters):
        if not provider.active_in(quarter):
            continue  # before its contract the provider has no clients of the region
        for municipality, care_form, age, level in cells:
            target_total = level * care_form_trend(care_form, t) * rng.uniform(0.95, 1.05)
            if municipality == MERGED_INTO and quarter < MERGER_QUARTER:
                parts = {code: w / sum(PREDECESSORS.values()) for code, w in PREDECESSORS.items()}
            else:
                parts = {municipality: 1.0}
            for code, share in parts.items():
                key = (code, care_form, age)
                if code == MERGED_INTO and key not in state and quarter >= MERGER_QUARTER:
                    # The merger: Voorne aan Zee starts with its predecessors' clients.
                    merged = [state.pop((p, care_form, age), None) for p in PREDECESSORS]
                    if any(v is not None for v in merged):
                        state[key] = sum(v or 0 for v in merged)
                target = target_total * share
                start = state.get(key)
                if start is None:
                    start = _stochastic_round(rng, target)
                outflow = min(
                    start,
                    _stochastic_round(
                        rng, start * OUTFLOW_RATE[care_form] * rng.uniform(0.85, 1.15)
                    ),
                )
                inflow = _stochastic_round(rng, max(target - start + outflow, 0.0))
                end = start + inflow - outflow
                state[key] = end
                rows.append((quarter, code, care_form, age, start, inflow, outflow, end))
    return rows


def _results_and_offer(
    provider: Provider, population: pl.DataFrame, quarters: list[str], seed: int
) -> tuple[list[tuple], list[tuple]]:
    rng = random.Random(f"{seed}:{provider.agb}:results")
    flows = {
        (q, cf): (start, inflow, outflow, end)
        for q, cf, start, inflow, outflow, end in population.group_by("quarter", "care_form")
        .agg(
            pl.col("clients_start").sum(),
            pl.col("inflow").sum(),
            pl.col("outflow").sum(),
            pl.col("clients_end").sum(),
        )
        .sort("quarter", "care_form")
        .iter_rows()
    }
    results: list[tuple] = []
    offer: list[tuple] = []
    for quarter in quarters:
        quality = quality_in(provider, quarter, rng)
        for care_form in CARE_FORMS:
            if (quarter, care_form) not in flows:
                continue
            start, inflow, outflow, end = flows[(quarter, care_form)]
            results.append(
                (
                    quarter,
                    care_form,
                    *_result_counts(rng, care_form, quality, inflow, outflow, quarter),
                )
            )
            offer.append((quarter, care_form, *_offer_values(rng, care_form, quality, inflow, end)))
    return results, offer


def _result_counts(
    rng: random.Random, care_form: str, q: Quality, inflow: int, ended: int, quarter: str
) -> tuple[int, ...]:
    def share(n: int, rate: float) -> int:
        return min(n, max(0, round(n * min(max(rate, 0.0), 1.0))))

    dropouts = share(ended, q.dropout)
    planned = min(share(ended, q.planned), ended - dropouts)
    goals = share(ended, q.goals)
    respondents = share(ended, rng.uniform(0.45, 0.65))
    positive = share(respondents, q.satisfaction)
    if care_form == "crisis":  # crisis care starts at once: no waiting
        intake_mean, treatment_n, treatment_mean = rng.uniform(0.5, 2.0), 0, 0.0
    else:
        intake_mean = q.intake_days
        treatment_n = share(inflow, 0.75)
        treatment_mean = q.treatment_days
    intake_n = inflow
    intake_sum = round(intake_n * intake_mean)
    intake_over = share(intake_n, (intake_mean - 17) / 45)
    treatment_sum = round(treatment_n * treatment_mean)
    treatment_over = share(treatment_n, (treatment_mean - 24) / 60)
    if care_form in STAY_CARE_FORMS:
        trend = (
            1 - 0.15 * min(len(quarter_range(FIRST_QUARTER, quarter)) / 16, 1)
            if care_form == "residential_short"
            else 1.0
        )
        stay_n = ended
        stay_sum = round(ended * LENGTH_OF_STAY[care_form] * trend * rng.uniform(0.85, 1.15))
    else:
        stay_n = stay_sum = 0
    return (
        ended,
        planned,
        goals,
        dropouts,
        respondents,
        positive,
        intake_n,
        intake_sum,
        intake_over,
        treatment_n,
        treatment_sum,
        treatment_over,
        stay_n,
        stay_sum,
    )


def _offer_values(
    rng: random.Random, care_form: str, q: Quality, inflow: int, end: int
) -> tuple[int, float, int]:
    places = 0
    if care_form not in ("ambulant", "day_care"):
        places = math.ceil(end * rng.uniform(1.03, 1.15))
    fte = round(max(end, 1) * FTE_PER_CLIENT[care_form] * rng.uniform(0.9, 1.1), 1)
    waiting = round(inflow * q.intake_days / 90 * rng.uniform(0.8, 1.2))
    return places, fte, waiting


# ---- deliveries: when, and which are late, missing or incomplete -------------------------------

# (category, index) -> quarter: the story's irregular deliveries.
LATE = {
    ("A", 4): ("2023Q2", "2026Q3"),
    ("B", 7): ("2024Q4",),
    ("B", 15): ("2025Q3", "2026Q2"),
    ("C", 2): ("2026Q1",),
}
MISSING = {("C", 9): "2026Q2", ("B", 17): "2026Q3"}
INCOMPLETE = {
    ("B", 11): ("2026Q1", ("population", "offer")),
    ("C", 5): ("2026Q3", ("population", "offer")),
}


def delivery_plan(
    providers: list[Provider], quarters: list[str], seed: int = SEED
) -> dict[tuple[str, str], tuple[tuple[str, ...], datetime]]:
    """(agb, quarter) -> (tables delivered, received at) for every delivered provider-quarter."""
    plan = {}
    index_in_category: dict[str, int] = {}
    for provider in providers:
        provider.notes.clear()
        index = index_in_category.get(provider.category, 0)
        index_in_category[provider.category] = index + 1
        key = (provider.category, index)
        rng = random.Random(f"{seed}:{provider.agb}:deliveries")
        for quarter in quarters:
            days = rng.randint(6, 27)
            hour = rng.randint(8, 17)
            minute = rng.randint(0, 59)
            if not provider.active_in(quarter):
                continue
            if MISSING.get(key) == quarter:
                provider.notes.append(f"missing {quarter}")
                continue
            tables: tuple[str, ...] = ("population", "offer", "results")
            if key in INCOMPLETE and INCOMPLETE[key][0] == quarter:
                tables = INCOMPLETE[key][1]
                provider.notes.append(f"incomplete {quarter}")
            if quarter in LATE.get(key, ()):
                days = rng.randint(35, 50)
                provider.notes.append(f"late {quarter}")
            received = datetime.combine(quarter_end(quarter), datetime.min.time()) + timedelta(
                days=days, hours=hour, minutes=minute
            )
            plan[(provider.agb, quarter)] = (tables, received)
    return plan


def simulate_region(until: str = DEFAULT_UNTIL, seed: int = SEED) -> RegionData:
    """Every provider's population, offer and results from 2022Q1 up to `until`."""
    quarters = quarter_range(FIRST_QUARTER, until)
    providers = region_providers(seed)
    population_rows, offer_rows, results_rows = [], [], []
    for provider in providers:
        rows = _simulate_population(provider, quarters, seed)
        frame = pl.DataFrame(
            rows,
            orient="row",
            schema=[
                "quarter",
                "municipality_code",
                "care_form",
                "age_group",
                "clients_start",
                "inflow",
                "outflow",
                "clients_end",
            ],
        )
        provider_results, provider_offer = _results_and_offer(provider, frame, quarters, seed)
        population_rows += [(provider.agb, *row) for row in rows]
        results_rows += [(provider.agb, *row) for row in provider_results]
        offer_rows += [(provider.agb, *row) for row in provider_offer]
    population = pl.DataFrame(
        population_rows,
        orient="row",
        schema={
            "provider_agb": pl.String,
            "quarter": pl.String,
            "municipality_code": pl.String,
            "care_form": pl.String,
            "age_group": pl.String,
            "clients_start": pl.Int64,
            "inflow": pl.Int64,
            "outflow": pl.Int64,
            "clients_end": pl.Int64,
        },
    )
    offer = pl.DataFrame(
        offer_rows,
        orient="row",
        schema={
            "provider_agb": pl.String,
            "quarter": pl.String,
            "care_form": pl.String,
            "places": pl.Int64,
            "fte_care": pl.Float64,
            "clients_waiting": pl.Int64,
        },
    )
    result_columns = [
        "trajectories_ended",
        "ended_as_planned",
        "goals_achieved",
        "dropouts",
        "satisfaction_respondents",
        "satisfaction_positive",
        "intake_wait_n",
        "intake_wait_days_sum",
        "intake_wait_over_norm",
        "treatment_wait_n",
        "treatment_wait_days_sum",
        "treatment_wait_over_norm",
        "stay_n",
        "stay_days_sum",
    ]
    results = pl.DataFrame(
        results_rows,
        orient="row",
        schema={"provider_agb": pl.String, "quarter": pl.String, "care_form": pl.String}
        | {name: pl.Int64 for name in result_columns},
    )
    plan = delivery_plan(providers, quarters, seed)
    return RegionData(providers, quarters, population, offer, results, plan)


def register_frame(providers: list[Provider]) -> pl.DataFrame:
    """The provider register in the columns `pipelines.register` reads."""
    return pl.DataFrame(
        {
            "provider_agb": [p.agb for p in providers],
            "name": [p.name for p in providers],
            "category": [p.category for p in providers],
            "lot": [p.lot for p in providers],
            "contract_start": [p.contract_start for p in providers],
            "contract_end": [p.contract_end for p in providers],
        },
        schema={
            "provider_agb": pl.String,
            "name": pl.String,
            "category": pl.String,
            "lot": pl.String,
            "contract_start": pl.Date,
            "contract_end": pl.Date,
        },
    )
