"""The AGB rule (8 digits) is defined once, in the contract (`schemas/tables.py`)."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from schemas.tables import AGB_LOST_ZERO_PATTERN, AGB_PATTERN, is_agb

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "schemas" / "tables.py"


@pytest.mark.parametrize(
    ("value", "agb", "seven"),
    [
        ("02694688", True, False),
        ("48629153", True, False),
        ("2694688", False, True),  # the leading zero lost in a spreadsheet
        ("", False, False),
        ("1234567", False, True),
        ("123456789", False, False),
        ("1234567a", False, False),
        (" 02694688", False, False),  # callers strip; the rule itself does not
        ("02694688 ", False, False),
        ("02694688\n", False, False),
        ("0269-4688", False, False),
        ("+2694688", False, False),
    ],
)
def test_is_agb(value: str, agb: bool, seven: bool) -> None:
    assert is_agb(value) is agb
    # The polars patterns the parser uses give the same answer (no newline case: `$` differs).
    if "\n" not in value:
        frame = pl.DataFrame({"v": [value]})
        assert frame["v"].str.contains(AGB_PATTERN)[0] is agb
        assert frame["v"].str.contains(AGB_LOST_ZERO_PATTERN)[0] is seven


# What re-implementing the rule looks like: a digit-count regex, or `isdigit()` / a length test
# on a line that speaks of an AGB code.
_REGEX_RULE = re.compile(r"\\d\{[78]\}|\[0-9\]\{[78]\}")
_AGB_LINE_RULE = re.compile(r"isdigit\(\)|len\([^)]*\)\s*[=!]=\s*[78]\b")


def _sources() -> list[Path]:
    packages = ("impactmonitor", "pipelines", "app_pages", "schemas", "tools", "scripts")
    files = [p for package in packages for p in sorted((ROOT / package).rglob("*.py"))]
    return [*files, *sorted(ROOT.glob("*.py"))]


def test_the_rule_scanner_sees_a_reimplementation() -> None:
    assert _REGEX_RULE.search('_AGB = re.compile(r"^\\d{8}$")')
    assert _REGEX_RULE.search("provider_agb SIMILAR TO '[0-9]{8}'")
    assert _AGB_LINE_RULE.search("if len(agb) == 8 and agb.isdigit():")
    assert CONTRACT in _sources()


def test_no_module_but_the_contract_reimplements_the_agb_rule() -> None:
    found = []
    for path in _sources():
        if path == CONTRACT:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _REGEX_RULE.search(line) or ("agb" in line.lower() and _AGB_LINE_RULE.search(line)):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == [], "use schemas.tables.is_agb / AGB_PATTERN:\n" + "\n".join(found)
