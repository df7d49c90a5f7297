"""The deterministic sample generator: the example region, or the national benchmark set.

    python -m tools.sample --db PATH [--scale region|national] [--out DIR] [--until 2026Q3]
                               [--replace] [--providers N] [--files-only]

Region (SPEC section 7): the 15 municipalities of the region with the 2023 merger, 40 providers
(6 A, 20 B, 14 C), 2022Q1 up to `--until`, with the story of `tools.sample_region`. It writes
into `--out` (default `data/sample`):

- `region/`      the provider register (`providers.csv`), the bulk files of every quarter before
                 the last one (`population.csv`, `offer.csv`, `results.csv`; LibreOffice style)
                 and `delivery_times.csv` (when each provider-quarter was received);
- `deliveries/`  the last quarter per provider, in a mix of formats: Dutch Excel CSV (`;`,
                 Windows-1252 or UTF-8 with BOM, CRLF, decimal comma, thousands dot), LibreOffice
                 CSV (`,`, UTF-8, LF) and XLSX with English or Dutch sheet names;
- `broken/`      one file per typical mistake, and its README naming the error each must give;
- `templates/`   the empty delivery templates the app offers for download;
- `README.md`.

and then loads them THROUGH THE PIPELINE: the register with `pipelines.register.load_register`,
the history with `pipelines.bulk.ingest_bulk` (backdated with the delivery times, so that late
deliveries are late), the last quarter provider by provider with `pipelines.ingest.ingest`.
Finally it builds the KPI summaries (`impactmonitor.kpis.sync_summaries`) and calls
`impactmonitor.escalation.seed_demo_history(db)`, `tools.sample_loop.seed_demo_loop(db)`
(performance agreements and explanations, so the demo shows the quarterly cycle) and
`impactmonitor.users.seed_demo_users(db)`, when those exist. An existing database that holds
only sample data is rebuilt from scratch; one with other deliveries is left alone unless
`--replace` is given.

National: ≈ 3,000 providers × 20 quarters (≥ 1M population rows) written as bulk CSVs into
`--out/national/` and loaded through the bulk path.

Everything is seeded; nothing depends on the clock (the default `--until` is a constant), so a
second run writes byte-identical files.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

import polars as pl

from impactmonitor.config import write_private
from impactmonitor.i18n import text
from impactmonitor.quarters import parse_quarter
from impactmonitor.storage import DEFAULT_DB_PATH, Database, is_lake
from pipelines.bulk import GroupResult, ingest_bulk
from pipelines.cli import add_db_option, add_lang_option
from pipelines.ingest import Upload, ingest
from pipelines.register import load_register
from schemas.tables import TABLE_NAMES
from tools.sample_broken import UNKNOWN_AGB, BrokenInputs, broken_cases
from tools.sample_broken import readme as broken_readme
from tools.sample_files import (
    DUTCH_FILE_NAMES,
    CsvStyle,
    bulk_csv_bytes,
    csv_bytes,
    template_files,
    xlsx_bytes,
)
from tools.sample_national import DEFAULT_PROVIDERS, simulate_national
from tools.sample_region import (
    DEFAULT_UNTIL,
    FIRST_QUARTER,
    Provider,
    RegionData,
    register_frame,
    simulate_region,
)

DEFAULT_OUT = Path("data/sample")
ACTOR = "sample-generator"
SOURCE = "sample"
OWNED_FOLDERS = ("region", "deliveries", "broken", "templates")
# Formats of the last-quarter deliveries, by provider (in register order, round robin).
DELIVERY_STYLES = ("excel_nl_cp1252", "libreoffice", "xlsx_nl", "excel_nl_utf8", "xlsx_en")


class SampleError(RuntimeError):
    """The generated data did not load cleanly: a bug in the generator or in the pipeline."""


@dataclass
class LoadSummary:
    providers: int
    deliveries: int
    rows: int
    seconds: float


# ---- region: files ------------------------------------------------------------------------------


def write_region_files(out: Path, until: str = DEFAULT_UNTIL) -> RegionData:
    """Write every file of the sample region into `out` (its own subfolders are replaced)."""
    data = simulate_region(until)
    for folder in OWNED_FOLDERS:
        shutil.rmtree(out / folder, ignore_errors=True)
        (out / folder).mkdir(parents=True)
    _write_bulk_history(out / "region", data, until)
    _write_last_quarter(out / "deliveries", data, until)
    _write_broken(out / "broken", data, until)
    for name, content in template_files().items():
        (out / "templates" / name).write_bytes(content)
    (out / "deliveries" / "README.md").write_text(_deliveries_readme(data, until), "utf-8")
    (out / "README.md").write_text(_readme(data, until), encoding="utf-8")
    return data


def _delivered(data: RegionData, frame: pl.DataFrame, table: str) -> pl.DataFrame:
    keys = pl.DataFrame(
        [
            (agb, quarter)
            for (agb, quarter), (tables, _) in data.deliveries.items()
            if table in tables
        ],
        schema={"provider_agb": pl.String, "quarter": pl.String},
        orient="row",
    )
    return frame.join(keys, on=["provider_agb", "quarter"], how="semi", maintain_order="left")


def _write_bulk_history(folder: Path, data: RegionData, until: str) -> None:
    register = register_frame(data.providers)
    buffer = io.BytesIO()
    register.write_csv(buffer, line_terminator="\n")
    (folder / "providers.csv").write_bytes(buffer.getvalue())
    tables = {"population": data.population, "offer": data.offer, "results": data.results}
    for table, frame in tables.items():
        history = _delivered(data, frame.filter(pl.col("quarter") < until), table)
        (folder / f"{table}.csv").write_bytes(bulk_csv_bytes(history, table))
    times = pl.DataFrame(
        [
            (agb, quarter, at.isoformat(timespec="seconds"))
            for (agb, quarter), (_, at) in sorted(data.deliveries.items())
        ],
        schema={"provider_agb": pl.String, "quarter": pl.String, "received_at": pl.String},
        orient="row",
    )
    buffer = io.BytesIO()
    times.write_csv(buffer, line_terminator="\n")
    (folder / "delivery_times.csv").write_bytes(buffer.getvalue())


def _write_last_quarter(folder: Path, data: RegionData, until: str) -> None:
    tables = {"population": data.population, "offer": data.offer, "results": data.results}
    for index, provider in enumerate(data.providers):
        planned = data.deliveries.get((provider.agb, until))
        if planned is None:
            continue
        delivered = {
            table: _delivered(data, frame, table).filter(
                (pl.col("provider_agb") == provider.agb) & (pl.col("quarter") == until)
            )
            for table, frame in tables.items()
            if table in planned[0]
        }
        style = DELIVERY_STYLES[index % len(DELIVERY_STYLES)]
        stem = f"{provider.agb}_{until}"
        if style.startswith("xlsx"):
            (folder / f"{stem}.xlsx").write_bytes(
                xlsx_bytes(delivered, dutch_sheet_names=style == "xlsx_nl")
            )
            continue
        csv_style = cast(CsvStyle, style)
        if style == "excel_nl_cp1252":
            # Excel drops the leading zero of a number in a General cell: accepted with a
            # warning, because zero-padding gives the delivery's own AGB code.
            delivered = {
                table: frame.with_columns(pl.col("provider_agb").str.strip_prefix("0"))
                for table, frame in delivered.items()
            }
        for table, frame in delivered.items():
            name = table if style == "libreoffice" else DUTCH_FILE_NAMES[table]
            (folder / f"{stem}_{name}.csv").write_bytes(csv_bytes(frame, table, csv_style))


def _write_broken(folder: Path, data: RegionData, until: str) -> None:
    by_category: dict[str, list[Provider]] = defaultdict(list)
    for provider in data.providers:
        by_category[provider.category].append(provider)
    if any(p.agb == UNKNOWN_AGB for p in data.providers):
        raise SampleError(f"{UNKNOWN_AGB} must not be a registered provider")
    subject = by_category["B"][5]  # a residential provider with a few dozen rows
    big = by_category["A"][0]
    zero = next(p for p in data.providers if p.agb.startswith("0") and p.agb != subject.agb)
    other = by_category["B"][0]

    def rows(frame: pl.DataFrame, agb: str) -> pl.DataFrame:
        return frame.filter((pl.col("provider_agb") == agb) & (pl.col("quarter") == until))

    population = rows(data.population, subject.agb)
    if "GM1992" not in population["municipality_code"].to_list():
        raise SampleError("the broken files need a provider serving Voorne aan Zee")
    inputs = BrokenInputs(
        agb=subject.agb,
        quarter=until,
        population=population,
        big_population=rows(data.population, big.agb),
        big_agb=big.agb,
        offer=rows(data.offer, big.agb),
        results=rows(data.results, big.agb),
        other_agb=other.agb,
        zero_agb=zero.agb,
    )
    cases = broken_cases(inputs)
    for case in cases:
        (folder / case.file_name).write_bytes(case.content)
    (folder / "README.md").write_text(broken_readme(cases), encoding="utf-8")


# ---- region: loading ----------------------------------------------------------------------------


def delivery_times(path: Path) -> dict[tuple[str, str], datetime]:
    frame = pl.read_csv(path, schema_overrides={"provider_agb": pl.String})
    return {
        (agb, quarter): datetime.fromisoformat(at)
        for agb, quarter, at in frame.select("provider_agb", "quarter", "received_at").iter_rows()
    }


def _last_quarter_uploads(folder: Path) -> dict[tuple[str, str], list[Upload]]:
    """Files of deliveries/ grouped by the `<agb>_<quarter>` their name starts with."""
    grouped: dict[tuple[str, str], list[Upload]] = defaultdict(list)
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".csv", ".xlsx"):
            continue
        agb, quarter = path.stem.split("_")[:2]
        grouped[(agb, quarter)].append(Upload(path.name, path.read_bytes()))
    return grouped


def _check_bulk(results: list[GroupResult]) -> None:
    rejected = [r for r in results if not r.accepted]
    if rejected:
        first = rejected[0]
        details = "; ".join(f.message("en") for f in first.errors[:3])
        raise SampleError(
            f"{len(rejected)} sample provider-quarters rejected, e.g. "
            f"{first.provider_agb} {first.quarter}: {details}"
        )


def _load_register(db: Database, path: Path) -> None:
    """The sample's providers through the register pipeline; any error stops the sample."""
    _, findings = load_register(db, path.read_bytes(), actor=ACTOR)
    errors = [f for f in findings if f.is_error]
    if errors:
        raise SampleError("register rejected: " + "; ".join(f.message() for f in errors[:3]))


def load_region(db: Database, out: Path, echo: bool = True, lang: str = "nl") -> LoadSummary:
    """Load the files written by `write_region_files` through the pipeline."""
    started = time.perf_counter()
    region = out / "region"
    _load_register(db, region / "providers.csv")
    times = delivery_times(region / "delivery_times.csv")
    uploads = [
        Upload(f"{table}.csv", (region / f"{table}.csv").read_bytes()) for table in TABLE_NAMES
    ]
    results = ingest_bulk(
        db,
        uploads,
        actor=ACTOR,
        source=SOURCE,
        received_at=lambda agb, quarter: times[(agb, quarter)],
    )
    _check_bulk(results)
    deliveries = len(results)
    rows = sum(sum(r.rows.values()) for r in results)
    for (agb, quarter), files in _last_quarter_uploads(out / "deliveries").items():
        outcome = ingest(
            db, agb, quarter, files, actor=ACTOR, source=SOURCE, received_at=times[(agb, quarter)]
        )
        if not outcome.accepted:
            details = "; ".join(f.message("en") for f in outcome.errors[:3])
            raise SampleError(f"delivery {agb} {quarter} rejected: {details}")
        deliveries += 1
        rows += sum(t["rows"] for t in outcome.receipt.tables) if outcome.receipt else 0
    _sync_kpi_summaries(db)
    _run_hooks(db, echo, lang)
    providers = db.scalar("SELECT count(*) FROM providers")
    return LoadSummary(providers, deliveries, rows, time.perf_counter() - started)


def _sync_kpi_summaries(db: Database) -> None:
    """Build the KPI summaries now, so the first page view after a load is fast.

    The bulk path leaves them to the first read (`impactmonitor.kpis.summary_connection`).
    """
    try:
        from impactmonitor.kpis import sync_summaries
    except (ImportError, AttributeError):
        return
    with db.transaction() as con:
        sync_summaries(con)


def _run_hooks(db: Database, echo: bool, lang: str = "nl") -> None:
    """Demo escalation history and demo accounts, when those modules exist (written later)."""
    try:
        from impactmonitor.escalation import seed_demo_history
    except (ImportError, AttributeError):
        pass
    else:
        seed_demo_history(db)
        from tools.sample_loop import seed_demo_loop

        seed_demo_loop(db)
    try:
        from impactmonitor.users import seed_demo_users
    except (ImportError, AttributeError):
        return
    accounts = seed_demo_users(db)
    if echo and accounts:
        print(text("sample_demo_accounts", lang))
        for account in accounts:
            bound = account.provider_agbs or account.municipality_codes
            codes = f" [{', '.join(bound)}]" if bound else ""
            print(f"  {account.username} / {account.password} ({account.role}){codes}")
        if db.path != ":memory:":
            # Beside the database file; for a lake in the default data folder.
            folder = Path(DEFAULT_DB_PATH if is_lake(db.path) else db.path).parent
            lines = [
                f"{a.username}\t{a.password}\t{a.role}\t"
                f"{','.join(a.provider_agbs or a.municipality_codes)}"
                for a in accounts
            ]
            # Every demo password, the administrator's too: readable by the owner only.
            write_private(folder / "demo-accounts.txt", "\n".join(lines) + "\n")


# ---- national -----------------------------------------------------------------------------------


def write_national_files(
    out: Path, until: str = DEFAULT_UNTIL, providers: int = DEFAULT_PROVIDERS
) -> Path:
    """The benchmark set as bulk CSVs in `out/national/`; returns that folder."""
    data = simulate_national(providers, until)
    folder = out / "national"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    buffer = io.BytesIO()
    data.register.write_csv(buffer, line_terminator="\n")
    (folder / "providers.csv").write_bytes(buffer.getvalue())
    for table, frame in (
        ("population", data.population),
        ("offer", data.offer),
        ("results", data.results),
    ):
        (folder / f"{table}.csv").write_bytes(bulk_csv_bytes(frame, table))
    return folder


def load_national(db: Database, folder: Path) -> LoadSummary:
    started = time.perf_counter()
    _load_register(db, folder / "providers.csv")
    uploads = [
        Upload(f"{table}.csv", (folder / f"{table}.csv").read_bytes()) for table in TABLE_NAMES
    ]
    results = ingest_bulk(db, uploads, actor=ACTOR, source=SOURCE)
    _check_bulk(results)
    _sync_kpi_summaries(db)
    rows = sum(sum(r.rows.values()) for r in results)
    providers = db.scalar("SELECT count(*) FROM providers")
    return LoadSummary(providers, len(results), rows, time.perf_counter() - started)


# ---- README -------------------------------------------------------------------------------------


def _role_text(provider: Provider) -> str:
    parts = []
    if provider.role == "deteriorating":
        parts.append(f"results deteriorate from {provider.turn}")
    elif provider.role == "recovering":
        parts.append(f"results dipped {provider.turn}–{provider.recovered}, then recovered")
    parts += provider.notes
    return "; ".join(parts)


def _readme(data: RegionData, until: str) -> str:
    lines = [
        "# Sample data",
        "",
        "Generated by `python -m tools.sample --db PATH --out sample_data` (deterministic: a",
        "second run writes identical bytes; `tests/test_sample.py` checks that this folder is",
        "current). Do not edit by hand. All names are fictitious.",
        "",
        f"A fictitious version of the Rijnmond youth-care region, {FIRST_QUARTER}–{until}: the 15",
        "municipalities of `schemas/municipalities.csv` (Brielle GM0501, Hellevoetsluis GM0530 and",
        "Westvoorne GM0614 up to 2022Q4, Voorne aan Zee GM1992 from 2023Q1) and 40 providers:",
        "6 system providers (A), 20 performance providers in five lots (B), 14 flex providers (C).",
        "",
        "| Folder | Contents |",
        "|---|---|",
        "| `region/` | `providers.csv` (the register), `population.csv`, `offer.csv`, "
        "`results.csv`: every quarter before the last one, all providers, loaded with "
        "`python -m pipelines.bulk`; `delivery_times.csv`: when each provider-quarter was "
        "received |",
        f"| `deliveries/` | the last quarter ({until}) per provider, in the formats providers "
        "use (see its README) |",
        "| `broken/` | one file per typical mistake and the error it gives (see its README) |",
        "| `templates/` | the empty delivery templates the app offers for download |",
        "",
        "## The story in the data",
        "",
        "- Short-term residential care (clients_start + inflow) falls from the 2022 average to",
        "  about −23% at the end of 2025: towards, but not reaching, the −30% target.",
        "- Foster care plus family homes rise by about +30%.",
        "- Most providers are healthy: goal achievement 70–80%, satisfaction above 80%, intake",
        "  wait 20–35 days. Three providers deteriorate in the recent quarters (goal achievement",
        "  below 60%, dropout above 15%), one dipped in 2024 and recovered.",
        "- A few deliveries were late (received more than 30 days after the quarter), two",
        "  provider-quarters are missing and two are incomplete (results not delivered).",
        "",
        "| AGB | Provider | Cat. | Lot | Contract | Story |",
        "|---|---|---|---|---|---|",
    ]
    for p in data.providers:
        end = p.contract_end.isoformat() if p.contract_end else ""
        contract = f"{p.contract_start.isoformat()} – {end}"
        lines.append(
            f"| {p.agb} | {p.name} | {p.category} | {p.lot or ''} | {contract} | {_role_text(p)} |"
        )
    lines += [
        "",
        "## Loading it",
        "",
        "```sh",
        ".venv/bin/python -m tools.sample --db data/impactmonitor.duckdb  # data/sample",
        "# or by hand, from these files:",
        ".venv/bin/python -m pipelines.register --db my.duckdb sample_data/region/providers.csv",
        ".venv/bin/python -m pipelines.bulk --db my.duckdb sample_data/region/population.csv \\",
        "    sample_data/region/offer.csv sample_data/region/results.csv",
        "```",
        "",
        "(by hand, the deliveries get today's date instead of the times in `delivery_times.csv`).",
        "",
    ]
    return "\n".join(lines)


def _deliveries_readme(data: RegionData, until: str) -> str:
    names = {
        "excel_nl_cp1252": "Dutch Excel 'CSV (gescheiden door lijstscheidingsteken)': `;`, "
        "Windows-1252, CRLF, decimal comma, thousands dot (`1.234`), Dutch file names; an AGB "
        "code's leading zero dropped, as Excel does (accepted with a warning)",
        "libreoffice": "LibreOffice CSV: `,`, UTF-8, LF, decimal point, English file names",
        "xlsx_nl": "Excel workbook with sheets `populatie`, `aanbod`, `resultaten`",
        "excel_nl_utf8": "Dutch Excel 'CSV UTF-8': `;`, UTF-8 with BOM, CRLF, decimal comma, "
        "thousands dot",
        "xlsx_en": "Excel workbook with sheets `population`, `offer`, `results`",
    }
    lines = [
        f"# Deliveries of {until}",
        "",
        "One delivery per provider for the last quarter, as providers' tools write them. File",
        "names start with `<AGB>_<quarter>`; deliver them with",
        "",
        "```sh",
        f".venv/bin/python -m pipelines.ingest --db my.duckdb --provider AGB --quarter {until} "
        "FILES...",
        "```",
        "",
        "| Format | Description |",
        "|---|---|",
    ]
    lines += [f"| `{style}` | {names[style]} |" for style in DELIVERY_STYLES]
    lines += ["", "| AGB | Provider | Format | Tables |", "|---|---|---|---|"]
    for index, provider in enumerate(data.providers):
        planned = data.deliveries.get((provider.agb, until))
        style = DELIVERY_STYLES[index % len(DELIVERY_STYLES)]
        tables = ", ".join(planned[0]) if planned else "— (missing)"
        lines.append(f"| {provider.agb} | {provider.name} | `{style}` | {tables} |")
    return "\n".join(lines) + "\n"


# ---- command line -------------------------------------------------------------------------------


def _holds_only_sample_data(path: Path) -> bool:
    """True when every delivery in the database came from this generator (or there are none)."""
    other = Database(path).scalar("SELECT count(*) FROM deliveries WHERE source <> ?", [SOURCE])
    return not other


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.sample",
        description="Generate the sample region (or the national benchmark set) and load it "
        "through the ingest pipeline.",
    )
    add_db_option(parser, help="DuckDB database file to load into")
    parser.add_argument("--scale", choices=("region", "national"), default="region")
    parser.add_argument(
        "--out",
        default=str(DEFAULT_OUT),
        help="folder for the generated files (its region/, deliveries/, broken/ "
        "and templates/ subfolders are replaced; default data/sample)",
    )
    parser.add_argument("--until", default=DEFAULT_UNTIL, help="last quarter (default 2026Q3)")
    parser.add_argument(
        "--providers",
        type=int,
        default=DEFAULT_PROVIDERS,
        help="providers at national scale (default 3000)",
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="delete the database file first, even when it holds other data "
        "than sample data (a sample database is always rebuilt)",
    )
    parser.add_argument("--files-only", action="store_true", help="write the files, load nothing")
    add_lang_option(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    until = parse_quarter(args.until)
    if until is None or until < "2023Q2":
        parser.error(f"--until must be a quarter from 2023Q2 on, not {args.until!r}")
    out = Path(args.out)
    if is_lake(args.db) and not args.files_only:
        # A lake is not rebuilt by deleting a file: the sample goes into an empty one only.
        lake = Database(args.db)
        if lake.scalar("SELECT count(*) FROM deliveries"):
            print(
                "the lake holds deliveries already; load the sample into a new catalog "
                "(or into a file and move it with python -m pipelines.lake copy)",
                file=sys.stderr,
            )
            return 2
    db_path = Path(args.db)
    if (
        not args.files_only
        and not is_lake(args.db)
        and db_path.exists()
        and not args.replace
        and not _holds_only_sample_data(db_path)
    ):
        print(
            f"{db_path} holds deliveries that are not sample data; use --replace to delete "
            "it and rebuild.",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    if args.scale == "region":
        write_region_files(out, until)
    else:
        folder = write_national_files(out, until, args.providers)
    generated = time.perf_counter() - started
    if args.files_only:
        print(f"Files written to {out} in {generated:.1f} s.")
        return 0
    if not is_lake(args.db) and db_path.exists():  # rebuilt from scratch (`make sample`)
        db_path.unlink()
        Path(str(db_path) + ".wal").unlink(missing_ok=True)
    db = Database(args.db)
    try:
        if args.scale == "region":
            summary = load_region(db, out, lang=args.lang)
        else:
            summary = load_national(db, folder)
    except SampleError as exc:
        print(f"sample: {exc}", file=sys.stderr)
        return 1
    print(
        text(
            "sample_summary",
            args.lang,
            scale=args.scale,
            providers=summary.providers,
            deliveries=summary.deliveries,
            rows=summary.rows,
            out=str(out),
        )
    )
    print(f"Generated in {generated:.1f} s, loaded in {summary.seconds:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
