"""Validate: the typed frame against the Pandera model, reference data and the delivery.

All failures of a table are collected in one pass (Pandera's lazy validation plus our own
reference checks) and turned into findings with the spreadsheet row of each failing row.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pandera.errors
import polars as pl

from impactmonitor.quarters import quarter_end
from pipelines.findings import Finding, error
from pipelines.read import ROW
from schemas.models import ENUMERATION_MESSAGES, model_for
from schemas.reference import CARE_FORMS, municipalities
from schemas.tables import CONTRACTS, ENUMERATIONS, NON_NEGATIVE

_ALLOWED = {column: ", ".join(check.allowed or ()) for column, check in ENUMERATIONS.items()}


def validate_table(
    typed: pl.DataFrame,
    table: str,
    file_name: str,
    expected_agb: str | None = None,
    expected_quarter: str | None = None,
) -> list[Finding]:
    """Every rule violation in one typed table (cells that failed to parse are already null)."""
    findings = _model_findings(typed, table, file_name)
    findings += _delivery_match_findings(typed, table, file_name, expected_agb, expected_quarter)
    if "municipality_code" in typed.columns:
        findings += _municipality_findings(typed, table, file_name, expected_quarter)
    return findings


# The Pandera model is what validates. On a clean table (nearly every delivery) it is also slow
# for what it does: tens of small polars queries per table (measured ≈ 40 ms a delivery).
# `_passes_model` evaluates the same checks, generated from the same declarations, in one polars
# query; only when that query finds anything does the model run and report. Switched off by tests
# to compare.
FAST_MODEL_PREPASS = True


def _model_findings(typed: pl.DataFrame, table: str, file_name: str) -> list[Finding]:
    spec = CONTRACTS[table]
    frame = typed.drop(ROW)
    if FAST_MODEL_PREPASS and _passes_model(frame, table):
        return []
    try:
        model_for(table).validate(frame, lazy=True)
        return []
    except pandera.errors.SchemaErrors as exc:
        failures = exc.failure_cases
    rows = typed[ROW]
    rules = {rule.check_name: rule for rule in spec.rules}
    findings: list[Finding] = []
    has_duplicates = False
    for failure in failures.iter_rows(named=True):
        index = failure["index"]
        check = failure["check"] or ""
        column = failure["column"]
        if index is None:
            continue  # schema-level (column presence/type) failures are reported by parse
        row = int(rows[index])
        if check == "multiple_fields_uniqueness":
            has_duplicates = True  # listed per row below, with the other rows of each key
        elif check in rules:
            rule = rules[check]
            values = typed.row(index, named=True)
            extra = (
                typed.slice(index, 1)
                .select(**{name: expr() for name, expr in rule.extra.items()})
                .row(0, named=True)
                if rule.extra
                else {}
            )
            findings.append(
                error(
                    rule.name,
                    file=file_name,
                    table=table,
                    row=row,
                    column=rule.column,
                    value=_text(values[rule.column]),
                    fields={**values, **extra},
                )
            )
        elif check.startswith("greater_than_or_equal_to"):
            findings.append(
                error(
                    NON_NEGATIVE.message,
                    file=file_name,
                    table=table,
                    row=row,
                    column=column,
                    value=str(failure["failure_case"]),
                )
            )
        elif check.startswith("isin"):
            findings.append(
                error(
                    ENUMERATION_MESSAGES[column],
                    file=file_name,
                    table=table,
                    row=row,
                    column=column,
                    value=str(failure["failure_case"]),
                    fields={"allowed": _ALLOWED[column]},
                )
            )
        else:  # a check we did not name: still reported, never swallowed
            findings.append(
                error(
                    "value_invalid",
                    file=file_name,
                    table=table,
                    row=row,
                    column=column,
                    value=str(failure["failure_case"]),
                    fields={"check": check},
                )
            )
    if has_duplicates:
        findings += _duplicate_findings(typed, table, file_name)
    return findings


@cache
def _model_prepass(table: str) -> Callable[[pl.DataFrame], bool]:
    """A one-query test that the frame passes every check of the table's Pandera model.

    Generated from the same declarations as the model (`schemas.tables`): the column set and
    dtypes, each column's cell checks, each row rule and the row key; nulls pass every check,
    as in the model (`schemas.models`).
    """
    spec = CONTRACTS[table]
    dtypes = {column.name: column.dtype for column in spec.columns}
    checks = [
        check.ok(column.name).fill_null(True).all()
        for column in spec.columns
        for check in column.checks
    ]
    checks += [rule.ok().fill_null(True).all() for rule in spec.rules]
    key = list(spec.key)

    def passes(frame: pl.DataFrame) -> bool:
        if dict(frame.schema) != dtypes:
            return False  # missing, extra or wrongly typed column: the model says what
        if checks and not frame.select(pl.all_horizontal(checks)).item():
            return False
        if frame.height < 2:
            return True
        # Rows with different hashes differ, so all-distinct hashes prove the key unique; a
        # repeated hash (a duplicate, or a rare collision) leaves the verdict to the model.
        return frame.select(pl.struct(key).hash().n_unique()).item() == frame.height

    return passes


def _passes_model(frame: pl.DataFrame, table: str) -> bool:
    return _model_prepass(table)(frame)


MAX_NAMED_DUPLICATES = 5  # "also row 3, 5, 7, 9, 11, …": enough to find them, bounded in size


def _duplicate_findings(typed: pl.DataFrame, table: str, file_name: str) -> list[Finding]:
    """One finding per row whose key occurs more than once, naming (some of) the other rows."""
    spec = CONTRACTS[table]
    key = list(spec.key)
    # Rows whose key has an unreadable or empty cell are already reported for that cell; two such
    # rows are not "the same combination", so they are left out here.
    complete = typed.filter(pl.all_horizontal(pl.col(k).is_not_null() for k in key))
    duplicates = complete.filter(pl.struct(key).is_duplicated())
    if duplicates.height == 0:
        return []
    groups = duplicates.group_by(key).agg(
        pl.col(ROW).sort().head(MAX_NAMED_DUPLICATES + 1).alias("_first"),
        pl.len().alias("_count"),
    )
    duplicates = duplicates.join(groups, on=key, how="left", nulls_equal=True).sort(ROW)
    findings = []
    for record in duplicates.iter_rows(named=True):
        others = [str(r) for r in record["_first"] if r != record[ROW]][:MAX_NAMED_DUPLICATES]
        if record["_count"] - 1 > len(others):
            others.append("…")
        key_text = ", ".join(
            f"{k}={record[k]}" for k in key if k not in ("provider_agb", "quarter")
        )
        findings.append(
            error(
                spec.duplicate_message,
                file=file_name,
                table=table,
                row=record[ROW],
                column=key[-1],
                value=str(record[key[-1]]),
                fields={"key": key_text, "other_rows": ", ".join(others)},
            )
        )
    return findings


def _delivery_match_findings(
    typed: pl.DataFrame,
    table: str,
    file_name: str,
    expected_agb: str | None,
    expected_quarter: str | None,
) -> list[Finding]:
    findings = []
    for column, expected, code in (
        ("provider_agb", expected_agb, "row_other_provider"),
        ("quarter", expected_quarter, "row_other_quarter"),
    ):
        if expected is None:
            continue
        mismatches = typed.filter(pl.col(column).is_not_null() & (pl.col(column) != expected))
        for row, value in mismatches.select(ROW, column).iter_rows():
            findings.append(
                error(
                    code,
                    file=file_name,
                    table=table,
                    row=row,
                    column=column,
                    value=value,
                    fields={"expected": expected},
                )
            )
    return findings


def _municipality_findings(
    typed: pl.DataFrame, table: str, file_name: str, expected_quarter: str | None = None
) -> list[Finding]:
    """Unknown codes, and codes not valid on the last day of the quarter (naming the successor).

    The delivery's quarter decides validity; a row for another quarter is reported on its own.
    """
    known = municipalities()
    findings = []
    quarter_expr = pl.lit(expected_quarter) if expected_quarter else pl.col("quarter")
    pairs = typed.select(ROW, "municipality_code", quarter_expr.alias("quarter")).filter(
        pl.col("municipality_code").is_not_null()
    )
    # Only distinct (code, quarter) pairs need a look-up; the bulk path has millions of rows.
    invalid: dict[tuple[str, str | None], tuple[str, dict]] = {}
    for code, quarter in pairs.select("municipality_code", "quarter").unique().iter_rows():
        municipality = known.get(code)
        if municipality is None:
            invalid[(code, quarter)] = ("value_unknown_municipality", {})
        elif quarter is not None and not municipality.valid_on(quarter_end(quarter)):
            if municipality.valid_to and quarter_end(quarter) > municipality.valid_to:
                successor = known.get(municipality.successor_code or "")
                invalid[(code, quarter)] = (
                    "value_municipality_merged",
                    {
                        "name": municipality.name,
                        "since": municipality.valid_to.fromordinal(
                            municipality.valid_to.toordinal() + 1
                        ).strftime("%d-%m-%Y"),
                        "successor": successor.code if successor else "?",
                        "successor_name": successor.name if successor else "?",
                    },
                )
            else:
                invalid[(code, quarter)] = (
                    "value_municipality_not_yet",
                    {
                        "name": municipality.name,
                        "since": municipality.valid_from.strftime("%d-%m-%Y")
                        if municipality.valid_from
                        else "?",
                    },
                )
    if not invalid:
        return []
    for row, code, quarter in pairs.iter_rows():
        if (code, quarter) in invalid:
            message, fields = invalid[(code, quarter)]
            findings.append(
                error(
                    message,
                    file=file_name,
                    table=table,
                    row=row,
                    column="municipality_code",
                    value=code,
                    fields=fields,
                )
            )
    return findings


def cross_table_findings(
    typed: pl.DataFrame, table: str, file_name: str, population_care_forms: set[str]
) -> list[Finding]:
    """Rows of offer/results whose care form is not in the quarter's population."""
    missing = typed.filter(
        pl.col("care_form").is_not_null()
        & ~pl.col("care_form").is_in(sorted(population_care_forms))
        & pl.col("care_form").is_in(CARE_FORMS)
    )
    return [
        error(
            "cross_population_missing",
            file=file_name,
            table=table,
            row=row,
            column="care_form",
            value=care_form,
        )
        for row, care_form in missing.select(ROW, "care_form").iter_rows()
    ]


def _text(value: object) -> str | None:
    return None if value is None else str(value)
