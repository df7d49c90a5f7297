"""Configuration defaults from `defaults.toml` (one file, in the repository)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

DEFAULTS_FILE = Path(__file__).with_name("defaults.toml")
# Run on every new DuckDB connection, file or lake (storage.FileBackend, lake_backend): DuckDB
# draws a progress bar on standard output for slow queries, even into a pipe, which would
# corrupt what the command lines print there (CSV, JSON).
CONNECTION_SETUP = "SET enable_progress_bar = false"


@cache
def defaults() -> dict[str, Any]:
    with DEFAULTS_FILE.open("rb") as handle:
        return tomllib.load(handle)


def setting(section: str, key: str) -> Any:
    return defaults()[section][key]


def write_private(path: Path, text: str, *, exclusive: bool = False) -> None:
    """Write a file only its owner may read (mode 0600): keys, demo passwords.

    An existing file is truncated and made private too (its old mode may have been wider);
    `exclusive` refuses to overwrite one (FileExistsError).
    """
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    descriptor = os.open(path, flags, 0o600)
    os.fchmod(descriptor, 0o600)  # the mode argument only applies when the file is created
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
