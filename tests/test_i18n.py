"""Documentation tests: every text exists in both languages, every rule and code has a message."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from impactmonitor.i18n import LANGUAGES, TEXTS, template_fields, text
from schemas.models import ENUMERATION_MESSAGES
from schemas.tables import TABLES

REPO = Path(__file__).resolve().parent.parent
# Calls whose first argument is a message key.
MESSAGE_CALLS = {"error", "warning", "text", "msg", "t"}
CODE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")


def _message_codes_in(path: Path) -> set[tuple[str, int]]:
    """(key, line) of every literal message key in a module: error("..."), text("..."), and the
    error codes parse computes as pl.lit("...") inside when/then chains."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        is_message_call = isinstance(func, ast.Name) and func.id in MESSAGE_CALLS
        is_error_code = (
            isinstance(func, ast.Attribute)
            and func.attr == "lit"
            and CODE.match(first.value) is not None
        )
        if is_message_call or is_error_code:
            found.add((first.value, node.lineno))
    return found


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_every_text_has_both_languages_with_the_same_fields(key: str) -> None:
    entry = TEXTS[key]
    assert set(entry) == set(LANGUAGES), key
    fields = {lang: template_fields(entry[lang]) for lang in LANGUAGES}
    assert fields["nl"] == fields["en"], key
    for lang in LANGUAGES:
        assert entry[lang].strip(), key
        filled = text(key, lang, **{name: "X" for name in fields[lang]})
        assert "{" not in filled and "}" not in filled


def test_every_row_rule_has_a_message() -> None:
    for spec in TABLES.values():
        for rule in spec.rules:
            assert rule.name in TEXTS, rule.name
            # The fields a rule message uses must be available: row values or rule extras.
            available = set(spec.column_names) | set(rule.extra) | {"value", "column", "table"}
            for lang in LANGUAGES:
                assert template_fields(TEXTS[rule.name][lang]) <= available, rule.name


def test_every_enumeration_and_table_has_a_message() -> None:
    for key in ENUMERATION_MESSAGES.values():
        assert key in TEXTS
    for table in TABLES:
        assert f"table_{table}" in TEXTS


MODULES = sorted((REPO / "pipelines").glob("*.py")) + [REPO / "schemas" / "models.py"]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_every_message_code_used_in_the_pipeline_exists(path: Path) -> None:
    missing = sorted((code, line) for code, line in _message_codes_in(path) if code not in TEXTS)
    assert missing == [], f"{path.name}: keys without a text: {missing}"


def test_the_scanner_finds_codes() -> None:
    """Guard against a scanner that silently finds nothing."""
    codes = {code for path in MODULES for code, _ in _message_codes_in(path)}
    assert {
        "cell_missing",
        "cell_formula",
        "file_empty",
        "row_ragged",
        "provider_unknown",
        "cli_rejected",
        "register_bad_agb",
    } <= codes
