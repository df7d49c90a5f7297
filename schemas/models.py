"""Pandera models of the three tables, generated from the declarations in `tables.py`.

The models validate the *typed* frame that `pipelines.parse` produced: cells that could not be
parsed are already reported and are null here, so every check lets nulls pass.
"""

from __future__ import annotations

from functools import cache

import pandera.polars as pa
import polars as pl

from schemas.reference import AGE_GROUPS, CARE_FORMS
from schemas.tables import TABLES, RowRule, TableSpec

POLARS_TYPES = {
    "agb": pl.String,
    "quarter": pl.String,
    "code": pl.String,
    "count": pl.Int64,
    "decimal": pl.Float64,
}

ENUMERATIONS = {"care_form": CARE_FORMS, "age_group": AGE_GROUPS}

# Pandera's names of the built-in checks -> our message keys.
BUILTIN_CHECK_MESSAGES = {
    "greater_than_or_equal_to(0)": "value_negative",
    "isin": None,  # resolved per column below
}
ENUMERATION_MESSAGES = {
    "care_form": "value_unknown_care_form",
    "age_group": "value_unknown_age_group",
}


def _row_rule_check(rule: RowRule) -> pa.Check:
    def check(data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(rule.ok().fill_null(True).alias("ok"))

    return pa.Check(check, name=rule.check_name, error=rule.check_name)


def _column(spec: TableSpec, name: str) -> pa.Column:
    kind = spec.kind_of(name)
    checks: list[pa.Check] = []
    if kind in ("count", "decimal"):
        checks.append(pa.Check.ge(0))
    if name in ENUMERATIONS:
        checks.append(pa.Check.isin(list(ENUMERATIONS[name])))
    return pa.Column(POLARS_TYPES[kind], checks=checks, nullable=True)


@cache
def model_for(table: str) -> pa.DataFrameSchema:
    """The Pandera model of one delivery table."""
    spec = TABLES[table]
    return pa.DataFrameSchema(
        {name: _column(spec, name) for name in spec.column_names},
        checks=[_row_rule_check(rule) for rule in spec.rules],
        unique=list(spec.key),
        strict=True,
        ordered=False,
        name=table,
    )


PopulationModel = model_for("population")
OfferModel = model_for("offer")
ResultsModel = model_for("results")
