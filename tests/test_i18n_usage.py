"""The catalogues against the code: every key the code uses exists in both languages, and every
key in the catalogues is used.

A key is used literally (a string in the code equal to the key: `text("upload_title")`,
`t("admin_role")`, a message code such as `error("cell_missing")`), or built from a prefix and a
code (`text(f"table_{table}")`). Every prefix the code builds keys from is listed in `DYNAMIC`
with the codes it can be completed with, so that both directions can be checked; a test fails
when the code builds a key from a prefix that is not listed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import get_args

import pytest

from impactmonitor import agreements, audit, delivery_status, display, letters, spc, target
from impactmonitor.access import ROLES
from impactmonitor.breakdowns import POPULATION_DIMENSIONS
from impactmonitor.definitions.escalation import RULE_BY_KEY, ladder_config
from impactmonitor.definitions.kpis import KPI_KEYS
from impactmonitor.definitions.target import INDEXES
from impactmonitor.i18n import CATALOGUES, LANGUAGES, TEXTS
from schemas.reference import AGE_GROUPS, CARE_FORMS, CATEGORIES
from schemas.tables import CONTRACTS

REPO = Path(__file__).resolve().parent.parent
CODE_FILES = sorted(
    [
        *(
            p
            for folder in ("impactmonitor", "pipelines", "tools", "app_pages", "schemas")
            for p in (REPO / folder).rglob("*.py")
        ),
        REPO / "app.py",
        REPO / "server.py",
    ]
)
# Calls whose first argument is a message key (the pages' `t` and `_text`, the pipeline's
# `error` / `warning` findings).
MESSAGE_CALLS = {"error", "warning", "text", "_text", "msg", "t"}
# Variables that hold a key before it is looked up (`key = f"role_{value}"`).
KEY_VARIABLES = {"key"}
PREFIX = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*_")


def _audit_actions() -> Iterable[str]:
    """The actions the code writes, and those written in SQL that event_details reads."""
    from test_audit_texts import _actions_written

    written_in_sql = {
        "delivery_accepted",
        "delivery_rejected",
        "explanation_posted",
        "reply_posted",
    }
    return _actions_written() | written_in_sql


# prefix -> the codes the code completes it with (from the definitions where there are some).
DYNAMIC: dict[str, Callable[[], Iterable[str]]] = {
    "table_": lambda: CONTRACTS,
    "col_": lambda: ("file", "table", "row", "column", "value", "message"),  # pipelines/errorfile
    "audit_event_": _audit_actions,
    "audit_reason_": lambda: audit.SESSION_REASONS,
    "role_": lambda: ROLES,
    "delivery_": lambda: delivery_status.STATUSES,
    "escalation_step_": lambda: range(ladder_config().steps),  # definitions/escalation.step_name
    "escalation_rule_": lambda: RULE_BY_KEY,
    # a rule's reasons: its own key, or a key per case (the overdue rule: missing, incomplete)
    "escalation_reason_": lambda: (
        (set(RULE_BY_KEY) - {"delivery_overdue"}) | {"delivery_missing", "delivery_incomplete"}
    ),
    "target_status_": lambda: get_args(target.Status),
    "agreement_status_": lambda: agreements.STATUSES,
    "measure_name_": lambda: (m.key for m in agreements.MEASURES if m.kind == "count"),
    "agreement_statement_": lambda: ("achieved", "missed"),  # the two final statuses
    "agreement_state_": lambda: ("active", "withdrawn"),
    "agreement_direction_": lambda: ("lower", "higher"),
    "decision_proposal_": lambda: ("accepted", "rejected", "other"),  # app_pages/loop_ui
    "mirror_suppressed_": lambda: ("few_providers", "dominant"),  # impactmonitor/mirror
    "municipality_measure_": lambda: ("clients", "inflow", "outflow"),  # app_pages/municipality
    "provider_population_by_": lambda: POPULATION_DIMENSIONS,
    "spc_rule_": lambda: spc.RULES,
    "spc_variation_": lambda: spc.VARIATION_ICONS,
    "spc_variation_short_": lambda: spc.VARIATION_ICONS,
    "spc_assurance_": lambda: spc.ASSURANCE_ICONS,
    "spc_assurance_short_": lambda: spc.ASSURANCE_ICONS,
    "spc_side_": lambda: ("high", "low"),
    "chart_spc_": lambda: ("improvement", "concern"),  # impactmonitor/figures
    "status_": lambda: display.KPI_STATUSES,
    # display.in_words: f"{column}_{value}" for these code columns, unit_name_ for "unit"
    "source_": lambda: ("app", "cli", "bulk", "sample"),
    "direction_": lambda: ("higher", "lower"),
    "spc_signal_": lambda: ("outside", "run"),
    "norm_source_": lambda: ("default",),
    "delta_direction_": lambda: ("better", "worse", "same"),
    "unit_name_": lambda: ("share", "days", "ratio", "count"),
    # display.care_form_label, category_label, age_group_label: the codes of the data in words
    "care_form_": lambda: CARE_FORMS,
    "category_": lambda: CATEGORIES,
    "age_group_": lambda: AGE_GROUPS,
    "language_": lambda: LANGUAGES,  # app.py: the language switch
    # impactmonitor/letters: the letter's table headers, month names and signing roles
    "letter_col_": lambda: (
        ("kpi", "value", "status", "norm", "agreement", "measure", "target") + ("start", "deadline")
    ),
    "letter_month_": lambda: range(1, 13),
    "letter_role_": lambda: letters.SIGNING_ROLES,
    "filter_": lambda: (  # app_pages/ui.filters_description: the filters pages pass
        "quarter",
        "category",
        "municipality",
        "care_form",
        "lot",
        "provider",
        "status",
    ),
    "overview_by_": lambda: ("provider", "municipality"),  # app_pages/overview
    "norms_order_": lambda: ("higher", "lower"),  # app_pages/norms_editor: KPI directions
    # impactmonitor/target: f"target_{'client' or 'clients'}_{'short' or 'over'}"
    "target_": lambda: ("client_short", "client_over", "clients_short", "clients_over"),
    # impactmonitor/definitions: every KPI's name and explanation, every target index's name
    "kpi_name_": lambda: KPI_KEYS,
    "kpi_help_": lambda: KPI_KEYS,
    "target_index_": lambda: (index.key for index in INDEXES),
    "month_short_": lambda: range(1, 13),  # impactmonitor/formatting.date_text (English dates)
    # the column headers: column_label(<data column>) for the columns of the frames shown
    "column_": lambda: _column_names_in_code(),
}
# Keys built in a way the scanner cannot see as a prefix (display.in_words above).
BUILT_WITHOUT_PREFIX = {"display.py": {"{column}_{value}", "{prefix}{code}"}}
# Columns the code names only in pieces: impactmonitor/mirror's f"{level}_numerator" etc.
MIRROR_COLUMNS = {
    f"{level}_{part}"
    for level in ("category", "region")
    for part in ("value", "numerator", "denominator", "providers", "suppressed", "suppression")
}


@cache
def _trees() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in CODE_FILES}


@cache
def _column_names_in_code() -> frozenset[str]:
    """Every column a frame shown or exported can have: names in the code and its SQL text
    (a `column_<name>` key whose name appears nowhere in the code is unused)."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in CODE_FILES)
    words = set(re.findall(r"[a-z][a-z0-9_]*", source)) | MIRROR_COLUMNS
    return (
        frozenset(key.removeprefix("column_") for key in TEXTS if key.startswith("column_")) & words
    )


def _literal_strings() -> set[str]:
    found: set[str] = set()
    for tree in _trees().values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def _key_expressions() -> list[tuple[str, int, ast.expr]]:
    """(file, line, expression) of every first argument of a message call and every value
    assigned to a key variable."""
    found = []
    for path, tree in _trees().items():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in MESSAGE_CALLS
                and node.args
            ):
                found.append((path.name, node.lineno, node.args[0]))
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in KEY_VARIABLES for t in node.targets
            ):
                values = (
                    [node.value.body, node.value.orelse]
                    if isinstance(node.value, ast.IfExp)
                    else [node.value]
                )
                found += [(path.name, node.lineno, value) for value in values]
    return found


def _prefix_of(expression: ast.expr) -> str | None:
    """The constant start of a key built at run time (f"table_{x}", "delivery_" + status)."""
    if isinstance(expression, ast.JoinedStr):
        first = expression.values[0]
        return first.value if isinstance(first, ast.Constant) else ast.unparse(expression)[2:-1]
    if isinstance(expression, ast.BinOp) and isinstance(expression.left, ast.Constant):
        return expression.left.value
    return None


def _dynamic_keys() -> set[str]:
    return {prefix + str(code) for prefix, codes in DYNAMIC.items() for code in codes()}


def test_every_literal_key_used_exists() -> None:
    missing = sorted(
        (name, line, expression.value)
        for name, line, expression in _key_expressions()
        if isinstance(expression, ast.Constant)
        and isinstance(expression.value, str)
        and PREFIX.fullmatch(expression.value + "_")
        and expression.value not in TEXTS
    )
    assert missing == []


def test_every_key_built_from_a_prefix_is_declared() -> None:
    undeclared = sorted(
        (name, line, prefix)
        for name, line, expression in _key_expressions()
        if (prefix := _prefix_of(expression)) is not None
        and prefix not in DYNAMIC
        and prefix not in BUILT_WITHOUT_PREFIX.get(name, set())
    )
    assert undeclared == []


@pytest.mark.parametrize("prefix", sorted(DYNAMIC))
def test_every_key_built_from_a_prefix_exists(prefix: str) -> None:
    codes = [str(code) for code in DYNAMIC[prefix]()]
    assert codes, f"{prefix}: no codes"
    for lang in LANGUAGES:
        missing = sorted(code for code in codes if prefix + code not in CATALOGUES[lang])
        assert missing == [], (prefix, lang)


def test_no_key_is_unused() -> None:
    used = _literal_strings() | _dynamic_keys()
    unused = sorted(key for lang in LANGUAGES for key in CATALOGUES[lang] if key not in used)
    assert unused == []


def test_the_scanner_sees_literal_and_built_keys() -> None:
    """Guard against a scanner that silently finds nothing."""
    expressions = _key_expressions()
    literals = {e.value for _, _, e in expressions if isinstance(e, ast.Constant)}
    prefixes = {_prefix_of(e) for _, _, e in expressions}
    assert {"upload_history", "admin_role", "file_empty", "logged_in_as"} <= literals
    assert {"table_", "role_", "delivery_", "spc_rule_", "col_"} <= prefixes


# ---- no texts chosen by language in the code ----------------------------------------------------
# A word in a string literal: a text a user reads (separators such as ",." are no words).
WORD = re.compile(r"[^\W\d_]{2,}")


def _is_wordy(node: ast.expr | None) -> bool:
    """A string literal (or f-string) with a word in its constant parts."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and WORD.search(node.value) is not None
    if isinstance(node, ast.JoinedStr):
        return any(_is_wordy(part) for part in node.values)
    return False


def _compares_language(test: ast.expr) -> bool:
    """`lang == "en"`, `self.lang != "nl"`, `lang in ("en",)` anywhere in a condition."""
    for node in ast.walk(test):
        if not isinstance(node, ast.Compare):
            continue
        left = node.left
        name = left.id if isinstance(left, ast.Name) else getattr(left, "attr", "")
        constants = {
            c.value
            for comparator in node.comparators
            for c in ast.walk(comparator)
            if isinstance(c, ast.Constant)
        }
        if "lang" in name and constants & set(LANGUAGES):
            return True
    return False


def _direct_values(body: list[ast.stmt]) -> Iterable[ast.expr | None]:
    """The values an `if` block returns or assigns directly."""
    for statement in body:
        if isinstance(statement, ast.Return | ast.Assign | ast.AnnAssign):
            yield statement.value


def _texts_chosen_by_language(tree: ast.Module) -> list[int]:
    """Lines where the code picks one of two literal texts by language, or holds a
    {"nl": ..., "en": ...} table of texts: texts that bypass the catalogues."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.IfExp) and _compares_language(node.test):
            if _is_wordy(node.body) or _is_wordy(node.orelse):
                lines.append(node.lineno)
        elif isinstance(node, ast.If) and _compares_language(node.test):
            if any(_is_wordy(v) for v in _direct_values([*node.body, *node.orelse])):
                lines.append(node.lineno)
        elif isinstance(node, ast.Dict) and len(node.keys) >= 2:
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            only_languages = keys <= set(LANGUAGES) and len(keys) == len(node.keys)
            if only_languages and any(_is_wordy(v) for v in node.values):
                lines.append(node.lineno)
    return lines


def test_no_text_is_chosen_by_language_in_the_code() -> None:
    """A text a user reads comes from the catalogues (`text(key, lang)`), never from a choice
    between two literals in the code; number formats (",." separators) are no texts."""
    found = sorted(
        (path.relative_to(REPO).as_posix(), line)
        for path, tree in _trees().items()
        for line in _texts_chosen_by_language(tree)
    )
    assert found == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('x = "Jan" if lang == "en" else "jan"', True),
        ('def f(lang):\n    if lang != "nl":\n        return f"{n} days"\n    return ""', True),
        ('NAMES = {"nl": "Wachtlijst", "en": "Waiting list"}', True),
        ('sep = ",." if lang == "nl" else ".,"', False),
        ('x = a.name_en if lang == "en" else a.name_nl', False),
        ('x = text("word_yes", lang)', False),
    ],
)
def test_the_language_choice_scanner(source: str, found: bool) -> None:
    """Guard against a scanner that silently finds nothing (or flags number formats)."""
    assert bool(_texts_chosen_by_language(ast.parse(source))) is found
