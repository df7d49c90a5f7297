"""The folder of broken delivery files: one file per typical mistake, with the error it must give.

Each case is one entry (file name, what is wrong, the delivery it is uploaded as, the error code
the pipeline must report, the least number of errors), so the README of the folder and the
table-driven test are generated from the same list.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from tools.sample_files import csv_bytes, csv_from_rows, text_rows, xlsx_bytes

UNKNOWN_AGB = "12345678"  # not in the sample register (checked by the generator)


@dataclass(frozen=True)
class BrokenCase:
    file_name: str
    mistake: str
    provider_agb: str
    quarter: str
    code: str
    min_errors: int
    content: bytes


@dataclass(frozen=True)
class BrokenInputs:
    """Valid tables the broken files are made from."""

    agb: str  # the provider the files are delivered for
    quarter: str
    population: pl.DataFrame  # of `agb` in `quarter`
    big_population: pl.DataFrame  # a large provider's population (for "many errors")
    big_agb: str
    offer: pl.DataFrame  # of `big_agb`, with an ambulant row
    results: pl.DataFrame  # of `big_agb`
    other_agb: str  # another registered provider
    zero_agb: str  # a registered provider whose AGB code starts with 0 (not `agb`)


def _rows(frame: pl.DataFrame, table: str) -> list[list[str]]:
    return text_rows(frame, table, "excel_nl_cp1252")


def _set(rows: list[list[str]], row: int, column: str, value: str) -> list[list[str]]:
    """Rows with one cell changed; `row` counts as in Excel (header = 1)."""
    changed = [list(r) for r in rows]
    changed[row - 1][changed[0].index(column)] = value
    return changed


def _dutch(rows: list[list[str]]) -> bytes:
    return csv_from_rows(rows, "excel_nl_cp1252")


def _first_row_where(rows: list[list[str]], test: Callable[[dict[str, str]], bool]) -> int:
    header = rows[0]
    for number, row in enumerate(rows[1:], start=2):
        if test(dict(zip(header, row, strict=True))):
            return number
    raise ValueError("no row fits")


def broken_cases(inputs: BrokenInputs) -> list[BrokenCase]:
    """Every broken file, in the order of the README."""
    agb, quarter = inputs.agb, inputs.quarter
    pop = _rows(inputs.population, "population")
    header = pop[0]
    cases: list[BrokenCase] = []

    def add(
        name: str,
        mistake: str,
        code: str,
        content: bytes,
        min_errors: int = 1,
        as_agb: str | None = None,
        as_quarter: str | None = None,
    ) -> None:
        cases.append(
            BrokenCase(
                name, mistake, as_agb or agb, as_quarter or quarter, code, min_errors, content
            )
        )

    without = [[c for c, h in zip(r, header, strict=True) if h != "inflow"] for r in pop]
    add(
        "missing_column.csv",
        "Column `inflow` is missing.",
        "header_missing_column",
        _dutch(without),
    )
    extra = [r + ["percentage_in_zorg" if i == 0 else "12,5"] for i, r in enumerate(pop)]
    add(
        "extra_column.csv",
        "An extra column `percentage_in_zorg` (percentages are never delivered).",
        "header_unknown_column",
        _dutch(extra),
    )
    add("empty.csv", "The file is empty (0 bytes).", "file_empty", b"")
    add("header_only.csv", "Only the header line, no rows.", "file_header_only", _dutch(pop[:1]))
    add(
        "missing_value.csv",
        "An empty `clients_start` cell.",
        "cell_missing",
        _dutch(_set(pop, 2, "clients_start", "")),
    )
    add(
        "text_in_count.csv",
        "`twaalf` written in a count.",
        "cell_not_whole_number",
        _dutch(_set(pop, 3, "clients_start", "twaalf")),
    )
    add(
        "decimal_in_count.csv",
        "`2,5` in `inflow`: counts are whole numbers.",
        "cell_decimal_in_count",
        _dutch(_set(pop, 2, "inflow", "2,5")),
    )
    row = _first_row_where(pop, lambda r: int(r["clients_start"].replace(".", "")) >= 2)
    start = int(pop[row - 1][header.index("clients_start")].replace(".", ""))
    negative = _set(
        _set(_set(pop, row, "inflow", "-2"), row, "outflow", "0"),
        row,
        "clients_end",
        str(start - 2),
    )
    add(
        "negative_count.csv",
        "A negative inflow (`-2`; the row still balances).",
        "value_negative",
        _dutch(negative),
    )
    end = int(pop[1][header.index("clients_end")].replace(".", ""))
    add(
        "clients_end_not_balancing.csv",
        "`clients_end` is 3 more than clients_start + inflow − outflow.",
        "rule_clients_balance",
        _dutch(_set(pop, 2, "clients_end", str(end + 3))),
    )
    add(
        "outflow_exceeds_clients.csv",
        "More outflow than clients present (start 2, inflow 1, outflow 5).",
        "rule_outflow_available",
        _dutch(
            _set(
                _set(_set(_set(pop, 2, "clients_start", "2"), 2, "inflow", "1"), 2, "outflow", "5"),
                2,
                "clients_end",
                "-2",
            )
        ),
    )
    add(
        "unknown_care_form.csv",
        "Care form written in Dutch (`pleegzorg`).",
        "value_unknown_care_form",
        _dutch(_set(pop, 2, "care_form", "pleegzorg")),
    )
    add(
        "age_group_as_date.csv",
        "Age group `6-11` (a spreadsheet turns it into a date; the code is `6_11`).",
        "value_unknown_age_group",
        _dutch(_set(pop, 2, "age_group", "6-11")),
    )
    add(
        "merged_municipality.csv",
        "Brielle GM0501 in a 2023+ quarter (merged into Voorne aan Zee GM1992).",
        "value_municipality_merged",
        _dutch(_set(pop, 2, "municipality_code", "GM0501")),
    )
    add(
        "unknown_municipality.csv",
        "Municipality code GM9999 does not exist.",
        "value_unknown_municipality",
        _dutch(_set(pop, 2, "municipality_code", "GM9999")),
    )
    add(
        "duplicate_key.csv",
        "The same municipality × care form × age group twice.",
        "row_duplicate_key",
        _dutch(pop + [pop[1]]),
        min_errors=2,
    )
    add(
        "row_for_other_provider.csv",
        "One row carries another provider's AGB code.",
        "row_other_provider",
        _dutch(_set(pop, 3, "provider_agb", inputs.other_agb)),
    )
    add(
        "row_for_other_quarter.csv",
        "One row is for the previous quarter.",
        "row_other_quarter",
        _dutch(_set(pop, 2, "quarter", _previous_quarter(quarter))),
    )
    add(
        "bad_quarter.csv",
        "Quarter written as `2026Q5`.",
        "cell_bad_quarter",
        _dutch(_set(pop, 2, "quarter", quarter[:5] + "5")),
    )
    seven = inputs.zero_agb[1:]
    add(
        "agb_seven_digits_other_provider.csv",
        f"AGB code `{seven}`: 7 digits, and with its "
        f"leading zero it is another provider ({inputs.zero_agb}), not this one.",
        "cell_agb_lost_zero",
        _dutch(_set(pop, 2, "provider_agb", seven)),
    )
    unknown = [r[:] for r in pop]
    for r in unknown[1:]:
        r[header.index("provider_agb")] = UNKNOWN_AGB
    add(
        "unknown_provider.csv",
        f"A correct file for AGB {UNKNOWN_AGB}, which is not in the provider register.",
        "provider_unknown",
        _dutch(unknown),
        as_agb=UNKNOWN_AGB,
    )
    ragged = [r[:] for r in pop]
    ragged[2] = ragged[2] + ["5"]
    add("ragged_row.csv", "Row 3 has one field too many.", "row_ragged", _dutch(ragged))
    quoted = _set(pop, 3, "care_form", '"' + pop[2][header.index("care_form")])
    add(
        "broken_quote.csv",
        'An opening quote `"` that is never closed.',
        "csv_broken_quotes",
        _dutch(quoted),
    )
    add(
        "formula_value.csv",
        "Spreadsheet formulas as values (`=2+3`, `=cmd|...`).",
        "cell_formula",
        _dutch(_set(_set(pop, 2, "inflow", "=2+3"), 3, "care_form", "=cmd|' /C calc'!A0")),
        min_errors=2,
    )
    text = _dutch(pop)
    middle = len(text) // 2
    add(
        "nul_bytes.csv",
        "Three NUL bytes in the middle of the file.",
        "file_nul_bytes",
        text[:middle] + b"\x00\x00\x00" + text[middle:],
    )
    garbage = random.Random(7).randbytes(4096)
    add("binary_garbage.csv", "Random binary bytes named .csv.", "file_binary", garbage)
    add(
        "utf16.csv",
        "Saved by Excel as 'Unicode text' (UTF-16).",
        "file_utf16",
        b"\xff\xfe" + "\r\n".join(";".join(r) for r in pop).encode("utf-16-le"),
    )
    add(
        "tab_separated.csv",
        "Columns separated by tabs.",
        "file_tab_separated",
        ("\r\n".join("\t".join(r) for r in pop) + "\r\n").encode("utf-8"),
    )
    add("really_csv.xlsx", "A CSV file renamed to .xlsx.", "file_xlsx_is_text", text)
    add(
        "excel_97.xls",
        "An old Excel 97-2003 workbook (.xls).",
        "file_xls_old",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
    )
    add(
        "workbook_unknown_sheets.xlsx",
        "A workbook whose sheets are called Blad1 and Blad2.",
        "sheet_none_recognised",
        xlsx_bytes(
            {"population": inputs.population, "offer": inputs.offer.head(0)},
            sheet_names={"population": "Blad1", "offer": "Blad2"},
        ),
    )

    big = _rows(inputs.big_population, "population")
    big_header = big[0]
    many = [r[:] for r in big]
    for number in range(2, len(many) + 1, 2):
        cell = many[number - 1]
        at = big_header.index("clients_end")
        cell[at] = str(int(cell[at].replace(".", "")) + 1)
    for number in range(3, len(many) + 1, 10):
        many[number - 1][big_header.index("age_group")] = "12-17"
    add(
        "many_errors.csv",
        f"{len(big) - 1} rows; every second row does not balance and every "
        "tenth has age group `12-17`.",
        "rule_clients_balance",
        _dutch(many),
        min_errors=len(big) // 2,
        as_agb=inputs.big_agb,
    )

    offer = _rows(inputs.offer, "offer")
    ambulant = _first_row_where(offer, lambda r: r["care_form"] == "ambulant")
    add(
        "places_for_ambulant.csv",
        "Offer: places filled in for ambulant care (must be 0).",
        "rule_places_ambulant_zero",
        _dutch(_set(offer, ambulant, "places", "12")),
        as_agb=inputs.big_agb,
    )
    results = _rows(inputs.results, "results")
    ended = int(results[1][results[0].index("trajectories_ended")].replace(".", ""))
    add(
        "results_goals_exceed_ended.csv",
        "Results: more goals achieved than trajectories ended.",
        "rule_goals_le_ended",
        _dutch(_set(results, 2, "goals_achieved", str(ended + 3))),
        as_agb=inputs.big_agb,
    )
    early = inputs.offer.with_columns(pl.lit("2021Q4").alias("quarter"))
    add(
        "offer_without_population.csv",
        "Offer for 2021Q4, a quarter without any population delivered.",
        "cross_population_missing",
        csv_bytes(early, "offer", "excel_nl_cp1252"),
        as_agb=inputs.big_agb,
        as_quarter="2021Q4",
    )
    return cases


def _previous_quarter(quarter: str) -> str:
    year, q = int(quarter[:4]), int(quarter[5])
    return f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"


def readme(cases: list[BrokenCase]) -> str:
    """broken/README.md: each file, its mistake and the error it must produce."""
    lines = [
        "# Broken delivery files",
        "",
        "Generated by `python -m tools.sample` (do not edit by hand). Each file contains one",
        "typical mistake. Upload it in the app, or run",
        "",
        "```sh",
        ".venv/bin/python -m pipelines.ingest --db data/impactmonitor.duckdb \\",
        "    --provider AGB --quarter QUARTER sample_data/broken/FILE",
        "```",
        "",
        "with the AGB code and quarter of its row below: the delivery is rejected (exit 1, nothing",
        "stored) and the report contains at least the listed number of errors, among them the",
        "error code in the table (the key of its message in `impactmonitor/locales/`).",
        "`tests/test_sample.py` checks every row of this table.",
        "",
        "| File | Mistake | Provider | Quarter | Error code | Min. errors |",
        "|---|---|---|---|---|---|",
    ]
    for case in cases:
        mistake = case.mistake.replace("|", "\\|")
        lines.append(
            f"| `{case.file_name}` | {mistake} | {case.provider_agb} | {case.quarter} "
            f"| `{case.code}` | {case.min_errors} |"
        )
    return "\n".join(lines) + "\n"
