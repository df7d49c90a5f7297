"""Parse: text cells -> typed columns, with one finding per cell that cannot be read.

Vectorised with polars expressions so that the bulk path parses a million rows in well under a
second. Rules (SPEC section 2): counts are whole numbers, in `;` files `1.234` is one thousand two
hundred thirty-four; `fte_care` takes `12,5` and `12.5`; quarters in several spellings; an AGB
code that lost its leading zero is accepted with a warning only when padding gives the delivery's
own code. Anything else is an error, never a guess.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from impactmonitor.quarters import QUARTER_FIRST_REGEX, YEAR_FIRST_REGEX
from pipelines.findings import Finding, error, warning
from pipelines.read import ROW, RawTable
from schemas.tables import (
    AGB_LOST_ZERO_PATTERN,
    AGB_PATTERN,
    CONTRACTS,
    UPPERCASE_CODES,
    Column,
    TableSpec,
)

_WHOLE = r"^-?\d+$"
_DUTCH_THOUSANDS = r"^-?\d{1,3}(\.\d{3})+$"
_DUTCH_THOUSANDS_DECIMAL = r"^-?\d{1,3}(\.\d{3})+(,\d+)?$"
_COMMA_DECIMAL = r"^-?\d+,\d+$"
_POINT_DECIMAL = r"^-?\d+\.\d+$"
_ANY_DECIMAL = r"^-?\d*[.,]\d+$"
_AMBIGUOUS_COMMA_THOUSANDS = r"^\d{1,3}(,\d{3})+$"
_FORMULA = r"^(=|@|[+\-][^0-9 ])"
_MAX_COUNT = 2_000_000_000  # stored as INTEGER


def clean(expr: pl.Expr) -> pl.Expr:
    """Trim spaces, non-breaking spaces and tabs; null for an empty cell."""
    stripped = expr.str.replace_all("\u00a0", " ", literal=True).str.strip_chars(" \t\r\n")
    return pl.when(stripped == "").then(None).otherwise(stripped)


def _count(text: pl.Expr, style: str) -> tuple[pl.Expr, pl.Expr]:
    """(value, error code) for a count column (empty cells and formulas: `_parse_expressions`)."""
    normalised = text
    if style == "csv_semicolon":
        normalised = (
            pl.when(text.str.contains(_DUTCH_THOUSANDS))
            .then(text.str.replace_all(".", "", literal=True))
            .otherwise(text)
        )
    elif style == "xlsx":  # a number cell written as 12.0
        normalised = text.str.replace(r"^(-?\d+)\.0+$", "${1}")
    is_whole = normalised.str.contains(_WHOLE)
    value = pl.when(is_whole).then(normalised.cast(pl.Int64, strict=False))
    code = (
        pl.when(is_whole & (value.is_null() | (value.abs() > _MAX_COUNT)))
        .then(pl.lit("cell_not_whole_number"))
        .when(is_whole)
        .then(None)
        .when(text.str.contains(_ANY_DECIMAL))
        .then(pl.lit("cell_decimal_in_count"))
        .otherwise(pl.lit("cell_not_whole_number"))
    )
    return value, code


def _decimal(text: pl.Expr, style: str) -> tuple[pl.Expr, pl.Expr]:
    """(value, error code) for a decimal column (fte_care)."""
    if style == "csv_semicolon":
        # A value that reads both ways (1.234) is read the Dutch way: thousands separator.
        normalised: pl.Expr = (
            pl.when(text.str.contains(_DUTCH_THOUSANDS_DECIMAL))
            .then(text.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
            .when(text.str.contains(_COMMA_DECIMAL))
            .then(text.str.replace(",", ".", literal=True))
            .when(text.str.contains(_POINT_DECIMAL) | text.str.contains(_WHOLE))
            .then(text)
        )
    else:
        normalised = (
            pl.when(text.str.contains(_AMBIGUOUS_COMMA_THOUSANDS))
            .then(None)
            .when(text.str.contains(_COMMA_DECIMAL))
            .then(text.str.replace(",", ".", literal=True))
            .when(text.str.contains(_POINT_DECIMAL) | text.str.contains(_WHOLE))
            .then(text)
        )
        if style == "xlsx":  # very small or large numbers come out of Excel in E-notation
            normalised = (
                pl.when(text.str.contains(r"^-?\d+(\.\d+)?[eE][-+]?\d+$"))
                .then(text)
                .otherwise(normalised)
            )
    value = normalised.cast(pl.Float64, strict=False)
    code = pl.when(value.is_null() | value.is_nan() | value.is_infinite()).then(
        pl.lit("cell_not_decimal")
    )
    return value, code


def _quarter(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    compact = text.str.to_uppercase()
    year_first = compact.str.extract_groups(YEAR_FIRST_REGEX)
    quarter_first = compact.str.extract_groups(QUARTER_FIRST_REGEX)
    year_first_value = pl.concat_str(
        year_first.struct.field("1"), pl.lit("Q"), year_first.struct.field("2")
    )
    quarter_first_value = pl.concat_str(
        quarter_first.struct.field("2"), pl.lit("Q"), quarter_first.struct.field("1")
    )
    value: pl.Expr = (
        pl.when(compact.str.contains(YEAR_FIRST_REGEX))
        .then(year_first_value)
        .when(compact.str.contains(QUARTER_FIRST_REGEX))
        .then(quarter_first_value)
    )
    value = pl.when(value.str.slice(0, 2) == "20").then(value)
    code = pl.when(value.is_null()).then(pl.lit("cell_bad_quarter"))
    return value, code


def _agb(text: pl.Expr, expected_agb: str | None) -> tuple[pl.Expr, pl.Expr]:
    padded_ok = (
        text.str.contains(AGB_LOST_ZERO_PATTERN) & (pl.lit("0") + text == pl.lit(expected_agb))
        if expected_agb
        else pl.lit(False)
    )
    value = (
        pl.when(text.str.contains(AGB_PATTERN)).then(text).when(padded_ok).then(pl.lit("0") + text)
    )
    code = (
        pl.when(value.is_null() & text.str.contains(AGB_LOST_ZERO_PATTERN))
        .then(pl.lit("cell_agb_lost_zero"))
        .when(value.is_null())
        .then(pl.lit("cell_bad_agb"))
    )
    return value, code


def _code(text: pl.Expr, column: str) -> tuple[pl.Expr, None]:
    value = text.str.to_uppercase() if column in UPPERCASE_CODES else text.str.to_lowercase()
    return value, None


_ISO_DATE = r"^\d{4}-\d{2}-\d{2}( 00:00:00)?$"  # (a date cell of a workbook: midnight)
_DUTCH_DATE = r"^\d{1,2}[-/]\d{1,2}[-/]\d{4}$"  # Dutch Excel writes 1-1-2023


def _date(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    dutch = (
        text.str.replace_all("/", "-", literal=True)
        .str.replace_all(r"^(\d)-", "0${1}-")
        .str.replace(r"-(\d)-", "-0${1}-")
    )
    value = (
        pl.when(text.str.contains(_ISO_DATE))
        .then(text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
        .when(text.str.contains(_DUTCH_DATE))
        .then(dutch.str.to_date("%d-%m-%Y", strict=False))
    )
    code = pl.when(value.is_null()).then(pl.lit("cell_bad_date"))
    return value, code


def parse_table(
    raw: RawTable, expected_agb: str | None = None
) -> tuple[pl.DataFrame, list[Finding]]:
    """The typed frame (spec columns + ROW; unparseable cells null) and the cell findings.

    Columns missing from the header are reported here and come back as all-null columns, so that
    the remaining checks still run and every error of the file is reported in one pass.
    """
    spec: TableSpec = CONTRACTS[raw.table]
    findings = _header_findings(raw, spec)
    present = [c for c in spec.column_names if c in raw.cells.columns]
    canonical = _canonical_columns(raw, spec, present) if CANONICAL_COLUMNS else ()
    if raw.cells.height >= FAST_PARSE_MIN_ROWS:
        frame = _typed_frame_by_value(raw, spec, present, expected_agb, canonical)
    else:
        frame = _typed_frame(raw, spec, present, expected_agb, canonical)
    findings += _cell_findings(raw, frame, present)
    if expected_agb and "provider_agb" in present:
        padded = raw.cells.select(
            ROW, clean(pl.col("provider_agb").cast(pl.String)).alias("provider_agb")
        ).filter(
            pl.col("provider_agb").str.contains(AGB_LOST_ZERO_PATTERN)
            & ("0" + pl.col("provider_agb") == expected_agb)
        )
        if padded.height:
            first_row, original = padded.row(0)
            findings.append(
                warning(
                    "warn_agb_padded",
                    file=raw.file_name,
                    table=raw.table,
                    row=first_row,
                    column="provider_agb",
                    value=original,
                    fields={"padded": expected_agb},
                )
            )
    typed = frame.select(ROW, *spec.column_names)
    return typed, findings


# From this many rows on, `parse_table` parses each distinct value of a column once (AGB codes,
# quarters and codes repeat a lot) and reads counts with a plain integer cast, sending only the
# cells that are not plain integers through the full rules. Same result, far less work on the
# bulk path; below it the single expression pass is cheaper. Tests set it to 0 to compare.
FAST_PARSE_MIN_ROWS = 20_000


def _parse_expressions(
    column: Column, text: pl.Expr, style: str, expected_agb: str | None
) -> tuple[pl.Expr, pl.Expr]:
    """(typed value, error code) of one column's cleaned text; the value is null on an error.
    An empty cell of a column that may be empty is no error."""
    kind = column.kind
    value: pl.Expr
    specific: pl.Expr | None
    if kind == "count":
        value, specific = _count(text, style)
    elif kind == "decimal":
        value, specific = _decimal(text, style)
    elif kind == "quarter":
        value, specific = _quarter(text)
    elif kind == "agb":
        value, specific = _agb(text, expected_agb)
    elif kind == "text":
        value, specific = text, None  # free text (a provider's name) as written
    elif kind == "date":
        value, specific = _date(text)
    else:
        value, specific = _code(text, column.name)
    # Every kind: an empty cell (an error where the column is required), then a formula (refused,
    # never stored), then what the kind itself cannot read.
    if not column.required:
        empty = pl.lit(None, dtype=pl.String)
    elif kind == "text":
        empty = pl.lit("cell_empty")
    else:
        empty = pl.lit("cell_missing")
    common = (
        pl.when(text.is_null())
        .then(empty)
        .when(text.str.contains(_FORMULA))
        .then(pl.lit("cell_formula"))
    )
    code: pl.Expr = common if specific is None else common.otherwise(specific)
    # A cell with an error is null for the later checks: it is reported once, here.
    return pl.when(code.is_null()).then(value).cast(column.dtype), code


def _typed_frame(
    raw: RawTable,
    spec: TableSpec,
    present: list[str],
    expected_agb: str | None,
    canonical: tuple[str, ...],
) -> pl.DataFrame:
    """ROW, the typed spec columns and an error-code column per present column."""
    cleaning, parsing = _frame_expressions(
        raw.table, raw.style, expected_agb, tuple(present), canonical
    )
    # Clean every cell once, then parse on plain column references: one big expression tree
    # that repeats `clean(...)` is far slower to optimise in polars.
    return raw.cells.select(ROW, *cleaning).select(ROW, *parsing)


# A count, AGB, quarter or code column whose every cell is already written the way the rules
# would read it (`_canonical`) is taken with one cast: no cleaning, no rules, the same values and
# no findings. Nearly every such column of a delivery qualifies, and the full rules cost ~1 ms
# per column even on a few rows (a dozen string operations, each compiling its pattern per query).
# Measured on `make bench`'s typical delivery: parsing 27 -> 10 ms; a code column of the national
# file (1M rows) ~45 ms by distinct values -> ~15 ms. Tests turn it off to compare.
CANONICAL_COLUMNS = True


def _canonical(column: Column, style: str) -> tuple[pl.Expr, pl.Expr] | None:
    """(the cell is canonical, its typed value) on the cell's text, for the kinds that have a
    canonical form: a whole number within range (digits and a leading minus only, in `;` files
    also with thousands points: `1.234`), eight digits for an AGB code, `2025Q2` for a quarter,
    a code in the case it is stored in with nothing around it (`GM0363`, `foster_care`). None of
    these is empty, formula-like or read another way by the full rules."""
    text = pl.col(column.name).cast(pl.String)
    if column.kind == "count":
        if style != "csv_semicolon":
            return _plain_count(text), text.cast(pl.Int64).cast(column.dtype)
        number = text.str.replace_all(".", "", literal=True).cast(pl.Int64, strict=False)
        ok = text.str.contains(_WHOLE_OR_DUTCH_THOUSANDS) & number.abs().le(_MAX_COUNT)
        return ok.fill_null(False), number.cast(column.dtype)
    if column.kind == "agb":
        return text.str.contains(AGB_PATTERN).fill_null(False), text
    if column.kind == "quarter":
        return text.str.contains(r"^20\d{2}Q[1-4]$").fill_null(False), text
    if column.kind == "code":
        case = r"^[A-Z0-9_]+$" if column.name in UPPERCASE_CODES else r"^[a-z0-9_]+$"
        return text.str.contains(case).fill_null(False), text
    return None


_WHOLE_OR_DUTCH_THOUSANDS = r"^-?(\d+|\d{1,3}(\.\d{3})+)$"


def _plain_count(text: pl.Expr) -> pl.Expr:
    """True for a count cell that every style reads, without an error, as the integer it spells:
    `^-?\\d+$` (no spaces, separators or signs other than a leading minus) within range."""
    return (
        text.str.contains(_WHOLE) & text.cast(pl.Int64, strict=False).abs().le(_MAX_COUNT)
    ).fill_null(False)


def _canonical_columns(raw: RawTable, spec: TableSpec, present: list[str]) -> tuple[str, ...]:
    """The present columns whose every cell is canonical (see `_canonical`), in one query."""
    checks = {
        column.name: shortcut[0]
        for column in spec.columns
        if column.name in present and (shortcut := _canonical(column, raw.style)) is not None
    }
    if not checks or raw.cells.height == 0:
        return ()
    flags = raw.cells.select(check.all().alias(name) for name, check in checks.items()).row(0)
    return tuple(name for name, flag in zip(checks, flags, strict=True) if flag)


@lru_cache(maxsize=256)
def _frame_expressions(
    table: str,
    style: str,
    expected_agb: str | None,
    present: tuple[str, ...],
    canonical: tuple[str, ...],
) -> tuple[tuple[pl.Expr, ...], tuple[pl.Expr, ...]]:
    """The expressions of `_typed_frame`, built once per kind of file (building them costs more
    than running them on a few hundred rows)."""
    spec = CONTRACTS[table]
    cleaning = tuple(
        (pl.col(c) if c in canonical else clean(pl.col(c).cast(pl.String))).alias(c)
        for c in present
    )
    values: list[pl.Expr] = []
    codes: list[pl.Expr] = []
    for column in spec.columns:
        if column.name not in present:
            values.append(pl.lit(None, dtype=column.dtype).alias(column.name))
            continue
        if column.name in canonical:
            value, code = _canonical_value(column, style), pl.lit(None, dtype=pl.String)
        else:
            value, code = _parse_expressions(column, pl.col(column.name), style, expected_agb)
        values.append(value.alias(column.name))
        codes.append(code.alias(f"_err_{column.name}"))
    return cleaning, (*values, *codes)


def _canonical_value(column: Column, style: str) -> pl.Expr:
    shortcut = _canonical(column, style)
    assert shortcut is not None  # canonical columns are of the kinds with a canonical form
    return shortcut[1]


def _typed_frame_by_value(
    raw: RawTable,
    spec: TableSpec,
    present: list[str],
    expected_agb: str | None,
    canonical: tuple[str, ...],
) -> pl.DataFrame:
    """What `_typed_frame` returns, computed for big tables (see FAST_PARSE_MIN_ROWS).

    Every rule is a function of the cell alone, so evaluating it once per distinct cell text and
    joining back gives the same columns. A count cell that is a plain integer within range
    (`_plain_count`) parses to its integer under every style without an error; every other count
    cell takes the full rules.
    """
    cells = raw.cells
    height = cells.height
    columns: list[pl.Series] = [cells[ROW]]
    codes: list[pl.Series] = []
    for column in spec.columns:
        name, kind = column.name, column.kind
        if name not in present:
            columns.append(_nulls(name, column.dtype, height))
            continue
        if name in canonical:
            value = _canonical_value(column, raw.style)
            columns.append(cells.select(value.alias(name)).to_series())
            codes.append(_nulls(f"_err_{name}", pl.String, height))
            continue
        value, code = _parse_expressions(column, clean(pl.col("_text")), raw.style, expected_agb)
        text = cells.select(pl.col(name).cast(pl.String).alias("_text"))
        if kind == "count":
            fast = text.select(
                pl.col("_text").cast(pl.Int64, strict=False).alias("_value"),
                _plain_count(pl.col("_text")).not_().alias("_slow"),
            )
            values, errors = fast["_value"], _nulls(name, pl.String, height)
            slow_rows = fast.select(pl.arg_where(pl.col("_slow"))).to_series()
            if slow_rows.len():
                repaired = text[slow_rows].select(value.alias("_value"), code.alias("_code"))
                values = values.scatter(slow_rows, repaired["_value"])
                errors = errors.scatter(slow_rows, repaired["_code"])
            columns.append(values.alias(name))
            codes.append(errors.alias(f"_err_{name}"))
            continue
        distinct = text.unique().select("_text", value.alias("_value"), code.alias("_code"))
        joined = text.join(
            distinct, on="_text", how="left", nulls_equal=True, maintain_order="left"
        )
        columns.append(joined["_value"].alias(name))
        codes.append(joined["_code"].alias(f"_err_{name}"))
    return pl.DataFrame([*columns, *codes])


def _cell_findings(raw: RawTable, frame: pl.DataFrame, present: list[str]) -> list[Finding]:
    """One finding per cell whose error code is set (a single filter on the happy path)."""
    error_columns = [f"_err_{c}" for c in present]
    if not error_columns:
        return []
    failing = frame.select(ROW, *error_columns).filter(
        pl.any_horizontal(pl.col(c).is_not_null() for c in error_columns)
    )
    if failing.height == 0:
        return []
    codes = (
        failing.unpivot(index=ROW, on=error_columns, variable_name="_column", value_name="_code")
        .drop_nulls("_code")
        .with_columns(pl.col("_column").str.strip_prefix("_err_"))
    )
    originals = (
        raw.cells.filter(pl.col(ROW).is_in(failing[ROW].implode()))
        .select(ROW, *present)
        .unpivot(index=ROW, on=present, variable_name="_column", value_name="_original")
    )
    joined = codes.join(originals, on=[ROW, "_column"], how="left").sort(ROW)
    return [
        error(
            code,
            file=raw.file_name,
            table=raw.table,
            row=row,
            column=column,
            value=original,
            fields={
                "first": (original or "").strip()[:1],
                "padded": "0" + (original or "").strip(),
            },
        )
        for row, column, code, original in joined.select(
            ROW, "_column", "_code", "_original"
        ).iter_rows()
    ]


def restore_written_values(raw: RawTable, findings: list[Finding]) -> None:
    """Let findings about cells show the value as the user wrote it (`-1,5`, `Q1 2025`).

    Validation works on typed values; this puts the original text back, on the error path only.
    """
    wanted = [
        f
        for f in findings
        if f.row is not None and f.column is not None and f.column in raw.cells.columns
    ]
    if not wanted:
        return
    rows = sorted({f.row for f in wanted if f.row is not None})
    columns = sorted({f.column for f in wanted if f.column is not None})
    subset = raw.cells.filter(pl.col(ROW).is_in(rows)).select(ROW, *columns)
    lookup = {record[ROW]: record for record in subset.iter_rows(named=True)}
    for finding in wanted:
        record = lookup.get(finding.row)
        if record is not None and finding.column is not None and record[finding.column] is not None:
            finding.value = record[finding.column]


def _nulls(name: str, dtype: type[pl.DataType], height: int) -> pl.Series:
    return pl.Series(name, [], dtype=dtype).extend_constant(None, height)


def _header_findings(raw: RawTable, spec: TableSpec) -> list[Finding]:
    findings: list[Finding] = []
    normalised = [c for c in raw.cells.columns if c != ROW]
    where = {"file": raw.file_name, "table": raw.table, "row": raw.header_row}
    seen: set[str] = set()
    for name in normalised:
        base = name.rstrip("'")
        if base != name and base in seen:
            findings.append(error("header_duplicate_column", column=base, **where))
            continue
        seen.add(name)
        if name.startswith("(") and name.endswith(")"):  # see read.unnamed_column
            findings.append(
                error(
                    "header_unnamed_column",
                    column=name,
                    fields={"letter": name.strip("()")},
                    **where,
                )
            )
        elif name not in spec.column_names:
            findings.append(error("header_unknown_column", column=name, **where))
    for name in spec.column_names:
        if name not in seen:
            findings.append(error("header_missing_column", column=name, **where))
    return findings
