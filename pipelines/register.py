"""Load or update the provider register from a CSV file.

    python -m pipelines.register --db PATH FILE

Columns: provider_agb, name, category, lot, contract_start, contract_end. The whole file is checked
first; with any error nothing is stored (exit 1). Unchanged entries are skipped; changed ones are
appended, so the register keeps its history.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from datetime import date
from pathlib import Path

import polars as pl

from impactmonitor.providers import REGISTER_COLUMNS, append_register_entries
from impactmonitor.storage import Database
from pipelines.read import decode, detect_separator, normalise_header
from schemas.reference import CATEGORIES

_DATE_FORMATS = (r"^\d{4}-\d{2}-\d{2}$", r"^\d{1,2}-\d{1,2}-\d{4}$")


def _parse_date(text: str) -> date | None:
    text = text.strip()
    if re.match(_DATE_FORMATS[0], text):
        return date.fromisoformat(text)
    if re.match(_DATE_FORMATS[1], text):  # Dutch Excel writes 1-1-2023
        day, month, year = (int(p) for p in text.split("-"))
        return date(year, month, day)
    raise ValueError(text)


def parse_register(content: bytes) -> tuple[pl.DataFrame | None, list[str]]:
    """The register entries in a CSV file, or the list of errors (row numbers as in Excel)."""
    import csv
    import io

    text_content = decode(content)
    if text_content is None or not text_content.strip():
        return None, ["Het bestand is leeg of niet leesbaar als tekst (UTF-8 of Windows-1252)."]
    lines = text_content.splitlines()
    reader = csv.reader(io.StringIO(text_content), delimiter=detect_separator(lines[0]))
    rows = [r for r in reader]
    header = [normalise_header(c) for c in rows[0]]
    errors = [f"rij 1: kolom {c} ontbreekt" for c in REGISTER_COLUMNS if c not in header]
    errors += [f"rij 1: onbekende kolom {c}" for c in header if c and c not in REGISTER_COLUMNS]
    if errors:
        return None, errors
    records = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            errors.append(f"rij {number}: {len(row)} velden, verwacht {len(header)}")
            continue
        record = {name: cell.strip() for name, cell in zip(header, row, strict=True) if name}
        agb = record["provider_agb"]
        if not re.match(r"^\d{8}$", agb):
            errors.append(f"rij {number}: provider_agb {agb!r} is geen AGB-code van 8 cijfers")
        elif agb in seen:
            errors.append(f"rij {number}: provider_agb {agb} staat ook op rij {seen[agb]}")
        else:
            seen[agb] = number
        if not record["name"]:
            errors.append(f"rij {number}: name is leeg")
        if record["category"].upper() not in CATEGORIES:
            errors.append(f"rij {number}: category {record['category']!r} moet A, B of C zijn")
        for column in ("contract_start", "contract_end"):
            try:
                record[column] = _parse_date(record[column]) if record[column] else None
            except ValueError:
                errors.append(f"rij {number}: {column} {record[column]!r} is geen datum "
                              "(schrijf 2023-01-01)")
        if (isinstance(record.get("contract_start"), date)
                and isinstance(record.get("contract_end"), date)
                and record["contract_end"] < record["contract_start"]):
            errors.append(f"rij {number}: contract_end ligt voor contract_start")
        record["category"] = record["category"].upper()
        record["lot"] = record["lot"] or None
        records.append(record)
    if errors:
        return None, errors
    if not records:
        return None, ["Het bestand bevat geen aanbieders."]
    schema = {"provider_agb": pl.String, "name": pl.String, "category": pl.String,
              "lot": pl.String, "contract_start": pl.Date, "contract_end": pl.Date}
    return pl.DataFrame(records, schema=schema), []


def load_register(db: Database, content: bytes, actor: str) -> tuple[int, list[str]]:
    """(entries written, errors). With errors nothing is written."""
    entries, errors = parse_register(content)
    if entries is None:
        return 0, errors
    with db.transaction() as con:
        return append_register_entries(con, entries, actor), []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.register",
                                     description="Load or update the provider register.")
    parser.add_argument("--db", required=True)
    parser.add_argument("file")
    args = parser.parse_args(argv)
    path = Path(args.file)
    if not path.is_file():
        parser.error(f"bestand bestaat niet: {path}")
    written, errors = load_register(Database(args.db), path.read_bytes(),
                                    actor=f"cli:{getpass.getuser()}")
    if errors:
        print(f"Register afgewezen: {len(errors)} fout(en); er is niets opgeslagen.")
        for line in errors:
            print(f"  - {line}")
        return 1
    print(f"Register bijgewerkt: {written} nieuwe of gewijzigde aanbieder(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
