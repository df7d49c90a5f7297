"""Pandera models of the three delivery tables and the register, generated from the declarations
in `tables.py`.

The models validate the *typed* frame that `pipelines.parse` produced: cells that could not be
parsed are already reported and are null here, so every check lets nulls pass.
"""

from __future__ import annotations

from functools import cache

import pandera.polars as pa
import polars as pl

from schemas.tables import CONTRACTS, ENUMERATIONS, Column, RowRule, ValueCheck

# Message key per enumerated column (validate maps Pandera's `isin` failures with it).
ENUMERATION_MESSAGES = {name: check.message for name, check in ENUMERATIONS.items()}


def _row_rule_check(rule: RowRule) -> pa.Check:
    def check(data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(rule.ok().fill_null(True).alias("ok"))

    return pa.Check(check, name=rule.check_name, error=rule.check_name)


def _value_check(check: ValueCheck) -> pa.Check:
    if check.allowed is not None:
        return pa.Check.isin(list(check.allowed))
    return pa.Check.ge(check.min_value)


def _column(column: Column) -> pa.Column:
    return pa.Column(column.dtype, checks=[_value_check(c) for c in column.checks], nullable=True)


@cache
def model_for(table: str) -> pa.DataFrameSchema:
    """The Pandera model of one delivery table, or of the register."""
    spec = CONTRACTS[table]
    return pa.DataFrameSchema(
        {column.name: _column(column) for column in spec.columns},
        checks=[_row_rule_check(rule) for rule in spec.rules],
        unique=list(spec.key),
        strict=True,
        ordered=False,
        name=table,
    )


PopulationModel = model_for("population")
OfferModel = model_for("offer")
ResultsModel = model_for("results")
