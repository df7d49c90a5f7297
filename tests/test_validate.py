"""Validate: every row rule, enumeration, reference and delivery check — table-driven.

Each case changes cells of the valid delivery (row index 0 = spreadsheet row 2), ingests the
whole delivery, and expects exactly one kind of error at that row and column, with a Dutch and an
English message that is filled in (no placeholders, no "None").
"""

from __future__ import annotations

import re

import pytest
from conftest import assert_only_rejections_audited
from delivery_files import (
    AGB_A,
    AGB_B,
    AGB_UNKNOWN,
    QUARTER,
    csv_bytes,
    table_csv,
    valid_cells,
    with_cell,
)

from impactmonitor.storage import Database
from pipelines.findings import Finding
from pipelines.ingest import IngestOutcome, Upload, ingest
from schemas.tables import TABLES

TABLE_ORDER = ("population", "offer", "results")


def deliver(
    db: Database,
    changes: dict[str, list[tuple[int, str, str]]] | None = None,
    agb: str = AGB_A,
    quarter: str = QUARTER,
    rows_quarter: str | None = None,
    tables: tuple[str, ...] = TABLE_ORDER,
    lang: str = "nl",
) -> IngestOutcome:
    """Ingest the valid delivery with `changes` {table: [(row index, column, text)]} applied."""
    uploads = []
    for table in tables:
        rows = valid_cells(table, agb=agb, quarter=rows_quarter or quarter, style="excel_nl")
        for index, column, value in (changes or {}).get(table, []):
            rows = with_cell(rows, index, column, value)
        uploads.append(Upload(f"{table}.csv", csv_bytes(rows, table)))
    return ingest(db, agb, quarter, uploads, actor="test", lang=lang)


def assert_readable(finding: Finding) -> None:
    for lang in ("nl", "en"):
        message = finding.message(lang)
        assert message, finding
        assert not re.search(r"[{}]|\bNone\b", message), message
    assert finding.message("nl") != finding.message("en") or finding.code.startswith("table_")


# (rule, table, changes on row index 0, column the error points at)
RULE_CASES = [
    ("rule_clients_balance", "population", [("clients_end", "7")], "clients_end"),
    (
        "rule_outflow_available",
        "population",
        [("clients_start", "1"), ("inflow", "1"), ("outflow", "5"), ("clients_end", "-3")],
        "outflow",
    ),
    ("rule_places_ambulant_zero", "offer", [("places", "3")], "places"),
    ("rule_goals_le_ended", "results", [("goals_achieved", "41")], "goals_achieved"),
    ("rule_planned_le_ended", "results", [("ended_as_planned", "41")], "ended_as_planned"),
    ("rule_dropouts_le_ended", "results", [("dropouts", "41")], "dropouts"),
    (
        "rule_positive_le_respondents",
        "results",
        [("satisfaction_positive", "21")],
        "satisfaction_positive",
    ),
    (
        "rule_intake_over_norm_le_n",
        "results",
        [("intake_wait_over_norm", "41")],
        "intake_wait_over_norm",
    ),
    (
        "rule_treatment_over_norm_le_n",
        "results",
        [("treatment_wait_over_norm", "40")],
        "treatment_wait_over_norm",
    ),
    (
        "rule_wait_days_need_n",
        "results",
        [("intake_wait_n", "0"), ("intake_wait_over_norm", "0")],
        "intake_wait_days_sum",
    ),
    (
        "rule_wait_days_need_n",
        "results",
        [("treatment_wait_n", "0"), ("treatment_wait_over_norm", "0")],
        "treatment_wait_days_sum",
    ),
    ("rule_stay_only_residential", "results", [("stay_n", "3")], "stay_n"),
    ("rule_stay_only_residential", "results", [("stay_days_sum", "30")], "stay_days_sum"),
]


def test_every_row_rule_has_a_case() -> None:
    declared = {(rule.name, rule.column) for spec in TABLES.values() for rule in spec.rules}
    assert declared == {(rule, column) for rule, _, _, column in RULE_CASES}


@pytest.mark.parametrize(
    ("rule", "table", "changes", "column"), RULE_CASES, ids=[f"{c[0]}-{c[3]}" for c in RULE_CASES]
)
def test_row_rule(registered_db: Database, rule: str, table: str, changes, column: str) -> None:
    outcome = deliver(registered_db, {table: [(0, c, v) for c, v in changes]})
    assert not outcome.accepted
    hits = [e for e in outcome.errors if e.code == rule]
    assert [(e.table, e.row, e.column) for e in hits] == [(table, 2, column)]
    assert_readable(hits[0])
    # Nothing but this rule (and, for outflow, the balance it implies) is wrong.
    assert {e.code for e in outcome.errors} <= {rule, "value_negative"}


def test_balance_message_shows_the_arithmetic(registered_db: Database) -> None:
    outcome = deliver(registered_db, {"population": [(0, "clients_end", "7")]})
    assert outcome.errors[0].message("nl") == (
        "clients_end moet gelijk zijn aan clients_start + inflow − outflow (5 + 2 − 1 = 6)."
    )
    assert outcome.errors[0].value == "7"


# (case id, table, changes on row index 0, expected code, column)
VALUE_CASES = [
    (
        "negative count",
        "population",
        [("inflow", "-2"), ("clients_end", "2")],
        "value_negative",
        "inflow",
    ),
    ("negative fte", "offer", [("fte_care", "-1,5")], "value_negative", "fte_care"),
    (
        "unknown care form",
        "offer",
        [("care_form", "pleegzorg")],
        "value_unknown_care_form",
        "care_form",
    ),
    (
        "unknown age group",
        "population",
        [("age_group", "6-11")],
        "value_unknown_age_group",
        "age_group",
    ),
    (
        "age group as Excel date",
        "population",
        [("age_group", "6-nov")],
        "value_unknown_age_group",
        "age_group",
    ),
    (
        "unknown municipality",
        "population",
        [("municipality_code", "GM9999")],
        "value_unknown_municipality",
        "municipality_code",
    ),
    (
        "municipality outside region",
        "population",
        [("municipality_code", "GM0363")],
        "value_unknown_municipality",
        "municipality_code",
    ),
    (
        "merged municipality",
        "population",
        [("municipality_code", "GM0501")],
        "value_municipality_merged",
        "municipality_code",
    ),
    ("other provider", "offer", [("provider_agb", AGB_B)], "row_other_provider", "provider_agb"),
    ("other quarter", "results", [("quarter", "2025Q1")], "row_other_quarter", "quarter"),
    (
        "other quarter spelled differently",
        "results",
        [("quarter", "Q1 2025")],
        "row_other_quarter",
        "quarter",
    ),
    ("bad quarter", "population", [("quarter", "2025Q7")], "cell_bad_quarter", "quarter"),
    ("bad AGB", "population", [("provider_agb", "1234")], "cell_bad_agb", "provider_agb"),
    ("decimal in count", "results", [("dropouts", "1,5")], "cell_decimal_in_count", "dropouts"),
    ("text in count", "results", [("stay_n", "n.v.t.")], "cell_not_whole_number", "stay_n"),
    ("empty cell", "offer", [("clients_waiting", "")], "cell_missing", "clients_waiting"),
]


@pytest.mark.parametrize(
    ("case", "table", "changes", "code", "column"), VALUE_CASES, ids=[c[0] for c in VALUE_CASES]
)
def test_value_errors(
    registered_db: Database, case: str, table: str, changes, code: str, column: str
) -> None:
    outcome = deliver(registered_db, {table: [(0, c, v) for c, v in changes]})
    assert not outcome.accepted
    assert [(e.code, e.table, e.row, e.column) for e in outcome.errors] == [
        (code, table, 2, column)
    ], case
    assert outcome.errors[0].value == dict(changes)[column]
    assert_readable(outcome.errors[0])


def test_merged_municipality_names_its_successor(registered_db: Database) -> None:
    outcome = deliver(registered_db, {"population": [(0, "municipality_code", "GM0501")]})
    message = outcome.errors[0].message("nl")
    assert "GM1992" in message and "Voorne aan Zee" in message and "Brielle" in message
    assert "GM1992" in outcome.errors[0].message("en")


def test_merged_municipality_is_valid_before_the_merger(registered_db: Database) -> None:
    rows = with_cell(
        valid_cells("population", quarter="2022Q4", style="excel_nl"),
        0,
        "municipality_code",
        "GM0501",
    )
    rows = [r for r in rows if r["municipality_code"] != "GM1992"]  # did not exist yet
    outcome = ingest(
        registered_db,
        AGB_A,
        "2022Q4",
        [Upload("population.csv", csv_bytes(rows, "population"))],
        actor="t",
    )
    assert outcome.accepted, [e.message() for e in outcome.errors]


def test_successor_municipality_is_invalid_before_it_existed(registered_db: Database) -> None:
    rows = valid_cells("population", quarter="2022Q4", style="excel_nl")
    outcome = ingest(
        registered_db,
        AGB_A,
        "2022Q4",
        [Upload("population.csv", csv_bytes(rows, "population"))],
        actor="t",
    )
    codes = {e.code for e in outcome.errors}
    assert codes == {"value_municipality_not_yet"}
    assert "01-01-2023" in outcome.errors[0].message()


def test_duplicate_key_names_the_other_row(registered_db: Database) -> None:
    rows = valid_cells("offer", style="excel_nl")
    rows = [*rows, dict(rows[1])]  # row 3 repeated as row 5
    outcome = ingest(
        registered_db,
        AGB_A,
        QUARTER,
        [
            Upload("population.csv", table_csv("population")),
            Upload("offer.csv", csv_bytes(rows, "offer")),
        ],
        actor="t",
    )
    duplicates = [(e.row, e.fields["other_rows"]) for e in outcome.errors]
    assert duplicates == [(3, "5"), (5, "3")]
    assert "rij 5" in outcome.errors[0].message("nl")
    assert "row 5" in outcome.errors[0].message("en")


def test_rows_with_an_unreadable_key_cell_are_not_duplicates(registered_db: Database) -> None:
    rows = valid_cells("offer", style="excel_nl")
    rows = with_cell(rows, 0, "care_form", "")
    rows = with_cell(rows, 1, "care_form", "")
    outcome = ingest(
        registered_db,
        AGB_A,
        QUARTER,
        [
            Upload("population.csv", table_csv("population")),
            Upload("offer.csv", csv_bytes(rows, "offer")),
        ],
        actor="t",
    )
    assert [(e.code, e.row) for e in outcome.errors] == [("cell_missing", 2), ("cell_missing", 3)]


def test_unknown_provider_is_rejected(registered_db: Database, dump_db) -> None:
    before = dump_db(registered_db)
    outcome = deliver(registered_db, agb=AGB_UNKNOWN)
    assert not outcome.accepted
    assert [(e.code, e.value) for e in outcome.errors] == [("provider_unknown", AGB_UNKNOWN)]
    assert_readable(outcome.errors[0])
    assert_only_rejections_audited(registered_db, before)


@pytest.mark.parametrize("rows_quarter", ["2025-Q2", "Q2 2025", "2025 Q2"])
def test_quarter_spellings_are_stored_canonically(
    registered_db: Database, rows_quarter: str
) -> None:
    outcome = deliver(registered_db, quarter=rows_quarter, rows_quarter=rows_quarter)
    assert outcome.accepted
    assert outcome.receipt.quarter == "2025Q2"
    assert set(registered_db.query("SELECT DISTINCT quarter FROM population")["quarter"]) == {
        "2025Q2"
    }


def test_offer_and_results_need_the_population(registered_db: Database) -> None:
    outcome = deliver(registered_db, tables=("offer", "results"))
    assert not outcome.accepted
    assert {e.code for e in outcome.errors} == {"cross_population_missing"}
    assert len(outcome.errors) == 6
    assert "populatie" in outcome.errors[0].message("nl")
    # Delivered earlier counts as well.
    assert deliver(registered_db, tables=("population",)).accepted
    assert deliver(registered_db, tables=("offer", "results")).accepted


def test_care_form_missing_from_population(registered_db: Database) -> None:
    outcome = deliver(registered_db, {"offer": [(2, "care_form", "crisis")]})
    assert [(e.code, e.table, e.row, e.value) for e in outcome.errors] == [
        ("cross_population_missing", "offer", 4, "crisis")
    ]


def test_all_errors_of_all_files_in_one_pass(registered_db: Database) -> None:
    outcome = deliver(
        registered_db,
        {
            "population": [(0, "clients_end", "7"), (3, "age_group", "x"), (5, "inflow", "1,5")],
            "offer": [(1, "fte_care", "veel")],
            "results": [(2, "dropouts", "99")],
        },
    )
    assert sorted((e.table, e.row, e.code) for e in outcome.errors) == [
        ("offer", 3, "cell_not_decimal"),
        ("population", 2, "rule_clients_balance"),
        ("population", 5, "value_unknown_age_group"),
        ("population", 7, "cell_decimal_in_count"),
        ("results", 4, "rule_dropouts_le_ended"),
    ]


def test_500_bad_rows_give_500_errors(registered_db: Database) -> None:
    base = valid_cells("population", style="excel_nl")[0]
    rows = [dict(base, age_group=f"leeftijd {i}") for i in range(500)]
    outcome = ingest(
        registered_db,
        AGB_A,
        QUARTER,
        [Upload("population.csv", csv_bytes(rows, "population"))],
        actor="t",
    )
    assert len(outcome.errors) == 500
    assert sorted(e.row for e in outcome.errors) == list(range(2, 502))


def test_english_messages(registered_db: Database) -> None:
    outcome = deliver(
        registered_db, {"population": [(0, "municipality_code", "GM0530")]}, lang="en"
    )
    report = outcome.report("en")
    assert report["errors"][0]["message"] == (
        "GM0530 (Hellevoetsluis) no longer exists since 01-01-2023; use GM1992 (Voorne aan Zee)."
    )
    assert outcome.report("nl")["errors"][0]["message"].startswith(
        "GM0530 (Hellevoetsluis) bestaat sinds"
    )


def test_plausibility_warnings_do_not_block(registered_db: Database) -> None:
    assert deliver(registered_db, quarter="2025Q1", rows_quarter="2025Q1").accepted
    changes = {"population": [(i, "clients_start", "60") for i in range(0, 18, 2)]}
    changes["population"] += [
        (i, "clients_end", str(60 + int(r["inflow"]) - int(r["outflow"])))
        for i, r in enumerate(valid_cells("population"))
        if i % 2 == 0
    ]
    outcome = deliver(registered_db, changes)
    assert outcome.accepted
    codes = {w.code for w in outcome.warnings}
    assert {"warn_clients_change", "warn_continuity"} <= codes
    for warning in outcome.warnings:
        assert_readable(warning)


# Issue 18 item 4: magnitudes no provider-quarter can hold warn (never block). 2025Q2 has 91
# days: one stay lasts at most 91 x 72 = 6552 days; a place serves at most 91 clients.
MAGNITUDE_CASES = {
    "2,000,000,000 stay days for 9 stays": (
        {"results": [(2, "stay_days_sum", "2000000000")]},
        "warn_stay_days_implausible",
        "results",
        4,
        "stay_days_sum",
        "222.222.222 verblijfsdagen per verblijf",
    ),
    "2,000,000,000 FTE": (
        {"offer": [(0, "fte_care", "2000000000")]},
        "warn_fte_per_client_implausible",
        "offer",
        2,
        "fte_care",
        "2.000.000.000,0 fte voor",
    ),
    "132 clients on 1 residential place": (
        {"offer": [(2, "places", "1")]},
        "warn_clients_per_place_implausible",
        "offer",
        4,
        "places",
        "132 cliënten op 1 plaats(en)",
    ),
}


@pytest.mark.parametrize(
    ("changes", "code", "table", "row", "column", "text"),
    MAGNITUDE_CASES.values(),
    ids=MAGNITUDE_CASES.keys(),
)
def test_absurd_magnitudes_warn_and_do_not_block(
    registered_db: Database, changes, code, table, row, column, text
) -> None:
    outcome = deliver(registered_db, changes)
    assert outcome.accepted, [e.code for e in outcome.errors]
    warned = [(w.code, w.table, w.row, w.column) for w in outcome.warnings]
    assert warned == [(code, table, row, column)]
    assert text in outcome.warnings[0].message("nl")
    assert_readable(outcome.warnings[0])


BOUNDARY_CASES = {
    "stay days exactly 91 x 72 per stay": {"results": [(2, "stay_days_sum", str(91 * 72 * 9))]},
    "FTE exactly 5 per client": {"offer": [(2, "fte_care", "660")]},  # 132 clients
    "clients exactly 91 per place": {
        "offer": [(2, "places", "2")],  # 132 + 50 clients
        "population": [(4, "inflow", "54"), (4, "clients_end", "64")],
    },
}


@pytest.mark.parametrize("changes", BOUNDARY_CASES.values(), ids=BOUNDARY_CASES.keys())
def test_magnitudes_at_the_bound_do_not_warn(registered_db: Database, changes) -> None:
    outcome = deliver(registered_db, changes)
    assert outcome.accepted and outcome.warnings == [], [
        w.message("nl") for w in outcome.errors + outcome.warnings
    ]


def test_the_magnitude_bounds_come_from_the_defaults(registered_db: Database, monkeypatch) -> None:
    from impactmonitor.config import defaults

    monkeypatch.setitem(defaults()["plausibility"], "max_fte_per_client", 1e10)
    outcome = deliver(registered_db, {"offer": [(0, "fte_care", "2000000000")]})
    assert outcome.accepted and outcome.warnings == []
