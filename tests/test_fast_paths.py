"""The fast paths of parse and validate report exactly what the full paths report.

`pipelines.parse` parses big tables per distinct value (FAST_PARSE_MIN_ROWS), reads columns
written as the rules would read them with one cast (CANONICAL_COLUMNS), and `pipelines.validate`
runs the Pandera model only when a one-query pre-pass finds something
(FAST_MODEL_PREPASS). Both must give the same typed frame and the same findings, byte for byte, on
every broken sample file and every fixture.
"""

from __future__ import annotations

import random
from pathlib import Path

import pandera.errors
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines import parse, validate
from pipelines.findings import Finding
from pipelines.parse import parse_table, restore_written_values
from pipelines.read import ROW, RawTable, read_upload
from pipelines.validate import validate_table
from schemas.models import model_for
from schemas.tables import TABLES

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(
    path
    for folder in (ROOT / "sample_data" / "broken", ROOT / "tests" / "fixtures")
    for path in folder.rglob("*")
    if path.is_file() and path.suffix in (".csv", ".xlsx", ".xls")
)
AGB, QUARTER = "49325320", "2026Q3"


def _check(
    path: Path, expected_agb: str | None, expected_quarter: str | None
) -> tuple[list[tuple[str, pl.DataFrame]], list[dict]]:
    tables, findings = read_upload(path.name, path.read_bytes())
    frames = []
    for raw in tables:
        typed, cell_findings = parse_table(raw, expected_agb=expected_agb)
        rule_findings = validate_table(
            typed, raw.table, raw.file_name, expected_agb, expected_quarter
        )
        restore_written_values(raw, rule_findings)
        findings += cell_findings + rule_findings
        frames.append((raw.table, typed))
    return frames, [_describe(f) for f in findings]


def _describe(finding: Finding) -> dict:
    return {**finding.as_dict("nl"), "en": finding.message("en"), "code": finding.code}


def _same_frames(
    fast: list[tuple[str, pl.DataFrame]], full: list[tuple[str, pl.DataFrame]]
) -> bool:
    if len(fast) != len(full):
        return False
    pairs = zip(fast, full, strict=True)
    return all(a_table == b_table and a.equals(b) for (a_table, a), (b_table, b) in pairs)


def test_there_are_files_to_compare() -> None:
    assert len([p for p in FILES if "broken" in p.parts]) >= 30


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
@pytest.mark.parametrize(
    "identity",
    [(AGB, QUARTER), (None, None), ("0" + AGB[1:], QUARTER)],
    ids=["delivery", "bulk", "padded-agb"],
)
def test_fast_and_full_paths_report_the_same(
    path: Path, identity: tuple[str | None, str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    _full_paths(monkeypatch)
    full_frames, full = _check(path, *identity)
    for fast_parse_min_rows in (0, 10**12):  # by value; expressions with plain counts cast
        monkeypatch.setattr(validate, "FAST_MODEL_PREPASS", True)
        monkeypatch.setattr(parse, "CANONICAL_COLUMNS", True)
        monkeypatch.setattr(parse, "FAST_PARSE_MIN_ROWS", fast_parse_min_rows)
        fast_frames, fast = _check(path, *identity)
        assert fast == full
        assert _same_frames(fast_frames, full_frames)


def _full_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "FAST_MODEL_PREPASS", False)
    monkeypatch.setattr(parse, "FAST_PARSE_MIN_ROWS", 10**12)
    monkeypatch.setattr(parse, "CANONICAL_COLUMNS", False)


_AWKWARD = [
    "12",
    "-3",
    "0",
    "007",
    "-0",
    " 5",
    "5 ",
    "1.234",
    "1.234,5",
    "2,5",
    "2.5",
    "12.0",
    "+5",
    "-",
    "=SUM(A1)",
    "@x",
    "+a",
    "twaalf",
    "",
    None,
    "\u00a012",
    "1,234",
    "99999999999",
    "2000000001",
    "2000000000",
    "-2000000000",
    "\u0661\u0662",
    "1e3",
    "12,5",
    ".5",
    "5.",
    "NaN",
    "2025Q1",
    "Q1 2025",
    "1999Q1",
    "01234567",
    "1234567",
    "GM0501",
    "gm0501",
    "Ambulant",
    "6-11",
    " ",
    "\t7\t",
    "1.000.000",
    "-1.234",
]


_CANONICAL = {
    "count": ["0", "-0", "007", "-3", "2000000000", "-2000000000", "1234", "1.234", "-1.000.000"],
    "agb": ["01234567", "12345678"],
    "quarter": ["2025Q1", "2026Q4"],
    "code": ["foster_care", "GM0363", "12_plus", "0_3"],
}


@pytest.mark.parametrize("style", ["csv_semicolon", "csv_comma", "xlsx"])
@pytest.mark.parametrize("table", sorted(TABLES))
def test_parse_by_value_matches_on_awkward_cells(
    table: str, style: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = TABLES[table]
    chance = random.Random(f"{table}-{style}")
    rows = 400
    columns = list(spec.column_names[:-1])  # the last column missing: reported, all null
    # Half the columns awkward in half their cells; the others written as the rules read them
    # (what CANONICAL_COLUMNS takes with one cast), out to the edge of the range.
    awkward = {c: chance.random() < 0.5 for c in columns}
    kinds = {c.name: c.kind for c in spec.columns}
    data = {
        c: [
            chance.choice(_AWKWARD)
            if awkward[c] and chance.random() < 0.5
            else chance.choice(_CANONICAL.get(kinds[c], ["0"]))
            if chance.random() < 0.2
            else str(chance.randint(0, 50))
            if kinds[c] not in ("agb", "quarter")
            else _CANONICAL[kinds[c]][0]
            for _ in range(rows)
        ]
        for c in columns
    }
    cells = pl.DataFrame(
        {ROW: range(2, rows + 2), **data}, schema={ROW: pl.Int64, **{c: pl.String for c in columns}}
    )
    raw = RawTable("f.csv", "0" * 64, table, columns, cells, style)
    for agb in (None, "01234567"):
        _full_paths(monkeypatch)
        full_frame, full = parse_table(raw, agb)
        monkeypatch.setattr(parse, "CANONICAL_COLUMNS", True)
        for fast_parse_min_rows in (0, 10**12):
            monkeypatch.setattr(parse, "FAST_PARSE_MIN_ROWS", fast_parse_min_rows)
            fast_frame, fast = parse_table(raw, agb)
            assert fast_frame.equals(full_frame)
            assert [_describe(f) for f in fast] == [_describe(f) for f in full]
        monkeypatch.setattr(validate, "FAST_MODEL_PREPASS", False)
        full_rules = validate_table(full_frame, table, "f.csv", agb, "2025Q1")
        monkeypatch.setattr(validate, "FAST_MODEL_PREPASS", True)
        fast_rules = validate_table(full_frame, table, "f.csv", agb, "2025Q1")
        assert [_describe(f) for f in fast_rules] == [_describe(f) for f in full_rules]


@pytest.mark.parametrize(
    ("column", "style", "cells", "canonical"),
    [
        ("clients_start", "csv_comma", ["0", "-0", "007", "2000000000", "-2000000000"], True),
        ("clients_start", "csv_semicolon", ["1.234", "-1.000.000", "12"], True),
        ("clients_start", "csv_comma", ["1", "1.234"], False),
        ("clients_start", "csv_semicolon", ["1", "1.23"], False),
        ("clients_start", "csv_semicolon", ["1", "1,234"], False),
        ("clients_start", "csv_semicolon", ["1", "2.000.000.001"], False),
        ("clients_start", "csv_comma", ["1", "+2"], False),
        ("clients_start", "csv_comma", ["1", "2000000001"], False),
        ("clients_start", "xlsx", ["1", "1.0"], False),
        ("clients_start", "csv_comma", ["1", None], False),
        ("clients_start", "csv_comma", ["1", " 2"], False),
        ("clients_start", "csv_comma", ["1", "=1"], False),
        ("clients_start", "csv_comma", ["1", "\u0661"], False),
        ("provider_agb", "csv_comma", ["01234567"], True),
        ("provider_agb", "csv_comma", ["01234567", "1234567"], False),
        ("quarter", "csv_comma", ["2025Q1", "2026Q4"], True),
        ("quarter", "csv_comma", ["2025Q1", "2025q1"], False),
        ("quarter", "csv_comma", ["2025Q1", "Q1 2025"], False),
        ("quarter", "csv_comma", ["2025Q1", "1999Q1"], False),
        ("care_form", "csv_comma", ["ambulant", "foster_care"], True),
        ("care_form", "csv_comma", ["ambulant", "Ambulant"], False),
        ("care_form", "csv_comma", ["ambulant", "ambulant "], False),
        ("care_form", "csv_comma", ["ambulant", "ambulant\u00a0"], False),
        ("care_form", "csv_comma", ["ambulant", "=ambulant"], False),
        ("care_form", "csv_comma", ["ambulant", None], False),
        ("care_form", "csv_comma", ["ambulant", "pleegzorg-x"], False),
        ("municipality_code", "csv_semicolon", ["GM0363", "GM1992"], True),
        ("municipality_code", "csv_semicolon", ["GM0363", "gm0363"], False),
        ("municipality_code", "csv_semicolon", ["GM0363", "GM\u0663"], False),
    ],
)
def test_canonical_columns_are_those_written_as_the_rules_read_them(
    column: str, style: str, cells: list[str | None], canonical: bool
) -> None:
    spec = TABLES["population"]
    frame = pl.DataFrame({ROW: range(2, len(cells) + 2), column: cells})
    raw = RawTable("f.csv", "0" * 64, "population", [column], frame, style)
    assert parse._canonical_columns(raw, spec, [column]) == ((column,) if canonical else ())


def test_every_single_cell_parses_the_same_with_and_without_canonical_columns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each awkward or canonical text alone in a column of each kind with a canonical form, in
    every style: the same value and the same findings either way."""
    spec = TABLES["population"]
    texts = [
        *_AWKWARD,
        *(t for texts in _CANONICAL.values() for t in texts),
        *("1,234", "2025q1", "Foster_Care", "gm0363", "GM0363 "),
    ]
    compared = 0
    for column in ("clients_start", "provider_agb", "quarter", "municipality_code", "care_form"):
        for style in ("csv_semicolon", "csv_comma", "xlsx"):
            for text in texts:
                cells = pl.DataFrame(
                    {ROW: [2], column: [text]}, schema={ROW: pl.Int64, column: pl.String}
                )
                raw = RawTable("f.csv", "0" * 64, "population", [column], cells, style)
                results = []
                for canonical in (False, True):
                    monkeypatch.setattr(parse, "CANONICAL_COLUMNS", canonical)
                    frame, findings = parse_table(raw, "01234567")
                    results.append((frame.to_dicts(), [_describe(f) for f in findings]))
                assert results[0] == results[1], (column, style, text)
                compared += bool(parse._canonical_columns(raw, spec, [column]))
    assert compared >= 20  # the canonical reading did run


def test_a_typical_delivery_parses_to_the_values_written() -> None:
    """The one small-table parse path: a Dutch Excel delivery comes back as the frame it was
    written from, with no findings (what the removed canonical shortcut used to guarantee)."""
    from tools.bench_delivery import typical_delivery
    from tools.sample_files import csv_bytes

    for table, frame in typical_delivery("2022Q2").items():
        (raw,), _ = read_upload(f"{table}.csv", csv_bytes(frame, table, "excel_nl_cp1252"))
        typed, findings = parse_table(raw, expected_agb=frame["provider_agb"][0])
        assert findings == []
        assert typed.drop(ROW).equals(frame.select(TABLES[table].column_names)), table


def test_model_and_prepass_come_from_the_same_declarations() -> None:
    """The Pandera model holds exactly the contract's cell checks and row rules (the pre-pass is
    generated from the same entries), with the contract's dtypes and row key."""
    for table, spec in TABLES.items():
        model = model_for(table)
        assert list(model.columns) == list(spec.column_names)
        for column in spec.columns:
            declared = model.columns[column.name]
            assert declared.dtype.type == column.dtype
            assert len(declared.checks) == len(column.checks)
        assert [c.name for c in model.checks] == [r.check_name for r in spec.rules]
        assert list(model.unique) == list(spec.key)


def _contract_failures(frame: pl.DataFrame, table: str) -> set[tuple[int, str, str]]:
    """(row index, column or rule, check) of every failing cell check and row rule, evaluated
    straight from the declarations in `schemas.tables`."""
    spec = TABLES[table]
    failures: set[tuple[int, str, str]] = set()
    for column in spec.columns:
        for check in column.checks:
            bad = frame.select(check.ok(column.name).fill_null(True).not_()).to_series()
            failures |= {(i, column.name, check.message) for i in bad.arg_true().to_list()}
    for rule in spec.rules:
        bad = frame.select(rule.ok().fill_null(True).not_()).to_series()
        failures |= {(i, rule.check_name, rule.check_name) for i in bad.arg_true().to_list()}
    duplicated = frame.select(pl.struct(list(spec.key)).is_duplicated()).to_series()
    failures |= {(i, "key", "unique") for i in duplicated.arg_true().to_list()}
    return failures


def _pandera_failures(frame: pl.DataFrame, table: str) -> set[tuple[int, str, str]]:
    spec = TABLES[table]
    messages = {c.name: {ch.message for ch in c.checks} for c in spec.columns}
    try:
        model_for(table).validate(frame, lazy=True)
        return set()
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    failures = set()
    for case in cases.iter_rows(named=True):
        check, column, index = case["check"] or "", case["column"], case["index"]
        if check == "multiple_fields_uniqueness":
            failures.add((index, "key", "unique"))
        elif check.startswith("greater_than_or_equal_to"):
            failures.add((index, column, "value_negative"))
        elif check.startswith("isin"):
            (message,) = messages[column] - {"value_negative"}
            failures.add((index, column, message))
        else:
            failures.add((index, check, check))
    return failures


# Few values per column, so that random rows often break a check, a rule or the row key.
_TYPED_VALUES = {
    "agb": st.sampled_from(["01234567", "07654321", None]),
    "quarter": st.sampled_from(["2025Q1", "2025Q2", None]),
    "count": st.one_of(st.none(), st.integers(-2, 6)),
    "decimal": st.one_of(st.none(), st.sampled_from([-0.5, 0.0, 2.5, 12.0])),
}
_CODE_VALUES = {
    "municipality_code": ["GM0599", "GM0363", None],
    "care_form": ["ambulant", "crisis", "residential_long", "day_care", "pleegzorg", None],
    "age_group": ["0_5", "12_17", "99", None],
}


@st.composite
def _typed_tables(draw: st.DrawFn) -> tuple[str, pl.DataFrame]:
    table = draw(st.sampled_from(sorted(TABLES)))
    spec = TABLES[table]
    height = draw(st.integers(0, 8))
    data = {
        c.name: draw(
            st.lists(
                st.sampled_from(_CODE_VALUES[c.name])
                if c.kind == "code"
                else _TYPED_VALUES[c.kind],
                min_size=height,
                max_size=height,
            )
        )
        for c in spec.columns
    }
    return table, pl.DataFrame(data, schema={c.name: c.dtype for c in spec.columns})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_typed_tables())
def test_prepass_and_contract_agree_with_pandera_on_random_tables(
    case: tuple[str, pl.DataFrame],
) -> None:
    """On random typed tables: the checks generated from the contract fail on exactly the rows,
    columns and checks Pandera reports, and the pre-pass passes exactly the tables Pandera
    passes."""
    table, frame = case
    pandera_failures = _pandera_failures(frame, table)
    assert _contract_failures(frame, table) == pandera_failures
    assert validate._passes_model(frame, table) == (not pandera_failures)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_prepass_passes_a_clean_table_and_flags_each_kind_of_failure(table: str) -> None:
    from tools.bench_delivery import typical_delivery

    clean = typical_delivery("2022Q2")[table]
    assert validate._passes_model(clean, table)
    spec = TABLES[table]
    count = next(c.name for c in spec.columns if c.kind == "count")
    broken = [
        clean.with_columns(pl.lit(-1).alias(count)),  # negative
        clean.with_columns(pl.lit("pleegzorg").alias("care_form")),  # enumeration
        pl.concat([clean, clean.head(1)]),  # duplicate key
        clean.drop(count),  # missing column
        clean.with_columns(pl.lit(1.0).alias(count)),  # wrong dtype
        clean.with_columns(pl.lit("x").alias("extra")),  # unknown column
    ]
    for frame in broken:
        assert not validate._passes_model(frame, table)


def test_read_by_polars_matches_line_splitting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Big regular CSV bodies go through polars' reader (read.FAST_READ_MIN_LINES): same cells,
    row numbers and field counts as splitting lines; any irregular body keeps the line path."""
    from pipelines import read

    chance = random.Random(3)
    values = ["", " ", "x", "12", " 5 ", "é", "€", "a b", "\t", "1.234", "2,5", "\u00a0", "=1"]
    taken = {"text": 0, "utf8": 0, "utf8 with BOM": 0}
    for trial in range(300):
        separator, width = chance.choice([";", ","]), chance.choice([1, 2, 3, 9])
        lines = []
        for _ in range(chance.randint(0, 40)):
            pick = chance.random() if trial % 2 else 0.5
            if pick < 0.03:
                lines.append("")
            elif pick < 0.05:
                lines.append("   ")
            else:
                fields = width + (chance.choice([-1, 1]) if pick < 0.08 else 0)
                lines.append(
                    separator.join(
                        chance.choice([v for v in values if v != separator]) for _ in range(fields)
                    )
                )
        body = "\n".join(lines) + chance.choice(["", "\n", "\n\n"])
        if chance.random() < 0.05:
            body = body.replace("\n", "\r\n")
        # The body follows a header line (with multi-byte characters: the byte offset of the
        # body differs from its character offset); the reader gets the text, or the file's
        # UTF-8 bytes with or without BOM (the text never holds the BOM: utf-8-sig).
        text = "kopé;€\n" + body
        start = len("kopé;€\n")
        monkeypatch.setattr(read, "FAST_READ_MIN_LINES", 10**12)
        by_lines = read._cells_fast(text, start, separator, width, 5)
        monkeypatch.setattr(read, "FAST_READ_MIN_LINES", 1)
        forms = {
            "text": None,
            "utf8": text.encode("utf-8"),
            "utf8 with BOM": "\ufeff".encode() + text.encode("utf-8"),
        }
        for form, utf8 in forms.items():
            taken[form] += read._cells_regular(text, start, separator, width, utf8) is not None
            by_reader = read._cells_fast(text, start, separator, width, 5, utf8)
            assert by_reader.schema == by_lines.schema
            assert by_reader.equals(by_lines), repr(body)
    assert min(taken.values()) > 30, taken  # the fast path was really compared, in each form
