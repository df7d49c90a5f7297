"""The three delivery tables and the provider register as declarations: columns, row key, row
rules (SPEC section 2).

Each row rule is one entry: its name (also the key of its message in the translation table), the
column an error points at, the columns its message quotes, and a polars expression that is true
for a good row; each column has its type and cell checks (`ValueCheck`). The Pandera models in
`models.py` and the one-query pre-pass of `pipelines.validate` are both generated from these
entries, and so are the templates and the documentation test. The register (`REGISTER`) is
read, parsed and validated by the same code as a delivery table; it is no delivery table, so it
is in `CONTRACTS` and not in `TABLES`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from schemas.reference import (
    AGE_GROUPS,
    AMBULANT_TYPE_CARE_FORMS,
    CARE_FORMS,
    CATEGORIES,
    STAY_CARE_FORMS,
)

# An AGB code is 8 digits: the one definition for the parser (a polars regex), the register, the
# command lines and the upload identity. A spreadsheet that read the code as a number dropped its
# leading zero, leaving 7 digits: the parser recognises that to say so.
AGB_PATTERN = r"^\d{8}$"
AGB_LOST_ZERO_PATTERN = r"^\d{7}$"
_AGB = re.compile(AGB_PATTERN)


def is_agb(value: str) -> bool:
    """True for a well-formed AGB code (8 digits, nothing around them)."""
    return _AGB.fullmatch(value) is not None


# code: a value from a list (case as the list writes it); text: free text as written (a name);
# date: 2023-01-01 or, as Dutch Excel writes it, 1-1-2023.
ColumnKind = Literal["agb", "quarter", "code", "count", "decimal", "text", "date"]

DTYPES: dict[str, type[pl.DataType]] = {
    "agb": pl.String,
    "quarter": pl.String,
    "code": pl.String,
    "count": pl.Int64,
    "decimal": pl.Float64,
    "text": pl.String,
    "date": pl.Date,
}
# Codes written in capitals (the others in lower case): CBS municipality codes, categories.
UPPERCASE_CODES = ("municipality_code", "category")


@dataclass(frozen=True)
class ValueCheck:
    """A check on every cell of one column (nulls pass: they were reported by parse).

    Either a lower bound (`min_value`) or a set of allowed values (`allowed`). The Pandera models
    turn it into `Check.ge` / `Check.isin`; the validation pre-pass into `ok(...)`.
    """

    message: str
    min_value: int | None = None
    allowed: tuple[str, ...] | None = None

    def ok(self, column: str) -> pl.Expr:
        """True for a good cell (null for a null cell)."""
        if self.allowed is not None:
            return pl.col(column).is_in(list(self.allowed))
        return pl.col(column) >= self.min_value


NON_NEGATIVE = ValueCheck("value_negative", min_value=0)
ENUMERATIONS = {
    "care_form": ValueCheck("value_unknown_care_form", allowed=CARE_FORMS),
    "age_group": ValueCheck("value_unknown_age_group", allowed=AGE_GROUPS),
    "category": ValueCheck("value_unknown_category", allowed=CATEGORIES),
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    required: bool = True  # an empty cell is an error (every cell of a delivery table)

    @property
    def dtype(self) -> type[pl.DataType]:
        return DTYPES[self.kind]

    @property
    def checks(self) -> tuple[ValueCheck, ...]:
        """The cell checks of this column: counts and decimals >= 0, codes from their list."""
        checks: tuple[ValueCheck, ...] = (
            (NON_NEGATIVE,) if self.kind in ("count", "decimal") else ()
        )
        if self.name in ENUMERATIONS:
            checks += (ENUMERATIONS[self.name],)
        return checks


@dataclass(frozen=True)
class RowRule:
    name: str
    column: str
    quoted: tuple[str, ...]
    ok: Callable[[], pl.Expr]
    # Extra message fields computed from the row (e.g. the expected clients_end).
    extra: dict[str, Callable[[], pl.Expr]] = field(default_factory=dict)

    @property
    def check_name(self) -> str:
        """Unique per table: one rule (message) may apply to several columns."""
        return f"{self.name}[{self.column}]"


@dataclass(frozen=True)
class TableSpec:
    name: str
    dutch_name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rules: tuple[RowRule, ...]
    # The message of a row whose key another row has too.
    duplicate_message: str = "row_duplicate_key"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def kind_of(self, column: str) -> ColumnKind:
        return next(c.kind for c in self.columns if c.name == column)

    @property
    def sheet_names(self) -> tuple[str, str]:
        return (self.name, self.dutch_name)


def _c(name: str) -> pl.Expr:
    return pl.col(name)


def _le(smaller: str, larger: str) -> Callable[[], pl.Expr]:
    return lambda: _c(smaller) <= _c(larger)


def _counts(*names: str) -> tuple[Column, ...]:
    return tuple(Column(name, "count") for name in names)


_IDENTITY = (Column("provider_agb", "agb"), Column("quarter", "quarter"))

POPULATION = TableSpec(
    name="population",
    dutch_name="populatie",
    columns=_IDENTITY
    + (
        Column("municipality_code", "code"),
        Column("care_form", "code"),
        Column("age_group", "code"),
    )
    + _counts("clients_start", "inflow", "outflow", "clients_end"),
    key=("provider_agb", "quarter", "municipality_code", "care_form", "age_group"),
    rules=(
        RowRule(
            "rule_clients_balance",
            column="clients_end",
            quoted=("clients_start", "inflow", "outflow"),
            ok=lambda: _c("clients_end") == _c("clients_start") + _c("inflow") - _c("outflow"),
            extra={"expected_end": lambda: _c("clients_start") + _c("inflow") - _c("outflow")},
        ),
        RowRule(
            "rule_outflow_available",
            column="outflow",
            quoted=(),
            ok=lambda: _c("outflow") <= _c("clients_start") + _c("inflow"),
        ),
    ),
)

OFFER = TableSpec(
    name="offer",
    dutch_name="aanbod",
    columns=_IDENTITY
    + (
        Column("care_form", "code"),
        Column("places", "count"),
        Column("fte_care", "decimal"),
        Column("clients_waiting", "count"),
    ),
    key=("provider_agb", "quarter", "care_form"),
    rules=(
        RowRule(
            "rule_places_ambulant_zero",
            column="places",
            quoted=("care_form",),
            ok=lambda: ~_c("care_form").is_in(AMBULANT_TYPE_CARE_FORMS) | (_c("places") == 0),
        ),
    ),
)

_RESULT_COUNTS = (
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
)


def _stay_only_residential(column: str) -> RowRule:
    return RowRule(
        "rule_stay_only_residential",
        column=column,
        quoted=("care_form",),
        ok=lambda: _c("care_form").is_in(STAY_CARE_FORMS) | (_c(column) == 0),
    )


def _wait_days_need_n(prefix: str) -> RowRule:
    return RowRule(
        "rule_wait_days_need_n",
        column=f"{prefix}_days_sum",
        quoted=(),
        ok=lambda: (_c(f"{prefix}_n") > 0) | (_c(f"{prefix}_days_sum") == 0),
        extra={"column_n": lambda: pl.lit(f"{prefix}_n")},
    )


RESULTS = TableSpec(
    name="results",
    dutch_name="resultaten",
    columns=_IDENTITY + (Column("care_form", "code"),) + _counts(*_RESULT_COUNTS),
    key=("provider_agb", "quarter", "care_form"),
    rules=(
        RowRule(
            "rule_goals_le_ended", "goals_achieved", (), _le("goals_achieved", "trajectories_ended")
        ),
        RowRule(
            "rule_planned_le_ended",
            "ended_as_planned",
            (),
            _le("ended_as_planned", "trajectories_ended"),
        ),
        RowRule("rule_dropouts_le_ended", "dropouts", (), _le("dropouts", "trajectories_ended")),
        RowRule(
            "rule_positive_le_respondents",
            "satisfaction_positive",
            (),
            _le("satisfaction_positive", "satisfaction_respondents"),
        ),
        RowRule(
            "rule_intake_over_norm_le_n",
            "intake_wait_over_norm",
            (),
            _le("intake_wait_over_norm", "intake_wait_n"),
        ),
        RowRule(
            "rule_treatment_over_norm_le_n",
            "treatment_wait_over_norm",
            (),
            _le("treatment_wait_over_norm", "treatment_wait_n"),
        ),
        _wait_days_need_n("intake_wait"),
        _wait_days_need_n("treatment_wait"),
        _stay_only_residential("stay_n"),
        _stay_only_residential("stay_days_sum"),
    ),
)

TABLES: dict[str, TableSpec] = {spec.name: spec for spec in (POPULATION, OFFER, RESULTS)}
TABLE_NAMES = tuple(TABLES)

# The provider register (SPEC section 1): one entry per provider, loaded by an administrator.
# Lot and contract dates may be empty; a contract does not end before it starts.
REGISTER = TableSpec(
    name="register",
    dutch_name="register",
    columns=(
        Column("provider_agb", "agb"),
        Column("name", "text"),
        Column("category", "code"),
        Column("lot", "text", required=False),
        Column("contract_start", "date", required=False),
        Column("contract_end", "date", required=False),
    ),
    key=("provider_agb",),
    rules=(
        RowRule(
            "rule_contract_end_after_start",
            column="contract_end",
            quoted=(),
            ok=_le("contract_start", "contract_end"),
        ),
    ),
    duplicate_message="row_duplicate_provider",
)

# Every table the readers, the parser and the validator know: the deliveries' and the register.
CONTRACTS: dict[str, TableSpec] = {**TABLES, REGISTER.name: REGISTER}


def table_for_sheet(sheet_name: str) -> str | None:
    """The table a workbook sheet holds, by its English or Dutch name (case-insensitive)."""
    cleaned = sheet_name.replace("\u00a0", " ").strip().lower()
    for spec in TABLES.values():
        if cleaned in spec.sheet_names:
            return spec.name
    return None
