"""Documentation tests: every text exists in both languages, every rule and code has a message."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from impactmonitor.i18n import CATALOGUES, DEFAULT_LANGUAGE, LANGUAGES, TEXTS, template_fields, text
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


def test_both_catalogues_have_the_same_keys() -> None:
    keys = {lang: set(CATALOGUES[lang]) for lang in LANGUAGES}
    only_dutch = sorted(keys["nl"] - keys["en"])
    only_english = sorted(keys["en"] - keys["nl"])
    assert (only_dutch, only_english) == ([], [])


def test_the_catalogues_hold_only_texts() -> None:
    """A flat table of key -> text: a [section] or a number in a catalogue would be no text."""
    for lang in LANGUAGES:
        wrong = sorted(k for k, v in CATALOGUES[lang].items() if not isinstance(v, str))
        assert wrong == [], lang


@pytest.mark.parametrize(
    ("key", "lang", "fields", "expected"),
    [
        (
            "file_empty",
            "en",
            {},
            "The file is empty. Fill in the template columns and deliver again.",
        ),
        ("file_too_many_rows", "nl", {"count": 5, "limit": 3}, None),
        # An unknown language falls back to Dutch.
        ("file_empty", "fr", {}, None),
    ],
)
def test_text_fills_in_fields_and_falls_back_to_dutch(
    key: str, lang: str, fields: dict[str, object], expected: str | None
) -> None:
    wanted = expected or CATALOGUES[DEFAULT_LANGUAGE][key].format(**fields)
    assert text(key, lang, **fields) == wanted


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
        "cell_agb_lost_zero",
    } <= codes


def test_the_catalogues_are_shipped_with_the_package() -> None:
    """An installed copy reads the catalogues from the package: pyproject lists them as data."""
    import fnmatch
    import tomllib

    from impactmonitor.i18n import LOCALES_DIR

    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["impactmonitor"]
    files = sorted(p.relative_to(LOCALES_DIR.parent).as_posix() for p in LOCALES_DIR.iterdir())
    assert files == [f"locales/{lang}.toml" for lang in sorted(LANGUAGES)]
    for name in files:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name
