"""Configuration defaults from `defaults.toml` (one file, in the repository)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

DEFAULTS_FILE = Path(__file__).with_name("defaults.toml")


@cache
def defaults() -> dict[str, Any]:
    with DEFAULTS_FILE.open("rb") as handle:
        return tomllib.load(handle)


def setting(section: str, key: str) -> Any:
    return defaults()[section][key]
