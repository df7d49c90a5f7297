"""Reports on the command line (issue 4, item 7).

    python -m pipelines.report kpis --db PATH [--quarter Q] [--provider AGB] [--category A|B|C]
                                    [--format csv|json]
    python -m pipelines.report target --db PATH [--format csv|json]
    python -m pipelines.report mirror --db PATH --provider AGB [--quarter Q] [--format csv|json]
    python -m pipelines.report pdf --db PATH --provider AGB --quarter Q --out FILE [--mirror]
    python -m pipelines.report pdf --db PATH --quarter Q --all --out DIR
    python -m pipelines.report agreements --db PATH [--provider AGB] [--quarter Q]
                                          [--format csv|json]
    python -m pipelines.report board --db PATH --quarter Q --out FILE [--format pdf|pptx]

`kpis` prints one row per provider, quarter and KPI (all quarters unless `--quarter`) with the
columns provider_agb, category, quarter, kpi, numerator, denominator, value, status, norm — the
status judged by the norm valid in that quarter for the provider's category ("n<10" when the
denominator is below 10, "n/a" with an empty denominator when the KPI does not apply, e.g. length
of stay without bed-type care; empty when the KPI has no norm).

`target` prints the regional target series: quarter, index, value, target_path, projection,
statement (one row per index and quarter, including the future quarters of the target path).

`mirror` prints what the mirror page (spiegelrapport) shows for one provider, one row per quarter
(all quarters unless `--quarter`) and KPI: provider_agb, quarter, kpi, value, numerator,
denominator, category_value, category_providers, region_value, region_providers, then the
suppression reasons and the rank (category_suppression, region_suppression: "few_providers" /
"dominant"; category_rank, category_ranked, category_quartile). A suppressed comparison has a null
value (see `impactmonitor.mirror` for both disclosure rules), so the figures can be checked
against the stored rows from outside.

`pdf` writes the quarterly report of one provider (or with `--mirror` its mirror report) to
FILE, or with `--all` one report per provider into DIR with a progress bar (one browser for all
charts of the batch).

`agreements` prints one row per active performance agreement (`impactmonitor.agreements`):
provider_agb, name, agreement_id, title, measure, care_form, direction, target, start,
deadline, latest_quarter, latest_value, status — the progress judged at `--quarter` (default:
the escalation rules' evaluation quarter).
`board` writes the management report (bestuursrapportage) of quarter Q: a landscape PDF in
slide form, or with `--format pptx` (or an `.pptx` FILE) the same slides as PowerPoint.

CSV goes to standard output with `,` and decimal points (machine-readable); JSON is a list of
objects. The command acts for the region as a whole (`access.SYSTEM_USER`). Exit codes: 0 done,
2 usage error (unknown option, unreadable quarter or AGB code, a database file that does not
exist).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from impactmonitor.access import SYSTEM_USER
from impactmonitor.i18n import text
from impactmonitor.kpis import aggregate_kpis
from impactmonitor.mirror import mirror_report
from impactmonitor.quarters import parse_quarter
from impactmonitor.storage import Database, DatabaseBusy, missing_database
from impactmonitor.target import target_series
from pipelines.cli import add_db_option, add_lang_option
from schemas.reference import CATEGORIES
from schemas.tables import is_agb

KPI_COLUMNS = (
    "provider_agb",
    "category",
    "quarter",
    "kpi",
    "numerator",
    "denominator",
    "value",
    "status",
    "norm",
)
MIRROR_COLUMNS = (
    "provider_agb",
    "quarter",
    "kpi",
    "value",
    "numerator",
    "denominator",
    "category_value",
    "category_providers",
    "region_value",
    "region_providers",
    "category_suppression",
    "region_suppression",
    "category_rank",
    "category_ranked",
    "category_quartile",
)
TARGET_COLUMNS = ("quarter", "index", "value", "target_path", "projection", "statement")
AGREEMENT_COLUMNS = (
    "provider_agb",
    "name",
    "agreement_id",
    "title",
    "measure",
    "care_form",
    "direction",
    "target",
    "start",
    "deadline",
    "latest_quarter",
    "latest_value",
    "status",
)


def kpi_report(
    db: Database,
    quarter: str | None = None,
    provider_agb: str | None = None,
    category: str | None = None,
) -> pl.DataFrame:
    """The rows of `report kpis`."""
    table = aggregate_kpis(
        db,
        SYSTEM_USER,
        None if quarter is None else [quarter],
        by=("provider_agb", "category"),
        provider_agbs=None if provider_agb is None else [provider_agb],
        categories=None if category is None else [category],
    )
    return table.select(KPI_COLUMNS).sort("provider_agb", "quarter", maintain_order=True)


def mirror_rows(db: Database, provider_agb: str, quarter: str | None = None) -> pl.DataFrame:
    """The rows of `report mirror` (the mirror page's figures, all quarters unless `quarter`)."""
    report = mirror_report(db, SYSTEM_USER, provider_agb, None if quarter is None else [quarter])
    return report.with_columns(pl.lit(provider_agb).alias("provider_agb")).select(MIRROR_COLUMNS)


def target_report(db: Database) -> pl.DataFrame:
    """The rows of `report target`."""
    return target_series(db, SYSTEM_USER).select(TARGET_COLUMNS)


def agreement_report(
    db: Database, provider_agb: str | None = None, quarter: str | None = None
) -> pl.DataFrame:
    """The rows of `report agreements`."""
    from impactmonitor.agreements import agreement_progress

    progress = agreement_progress(db, SYSTEM_USER, provider_agb, quarter)
    return progress.select(
        "provider_agb",
        "name",
        "agreement_id",
        "title",
        (pl.col("measure_kind") + ":" + pl.col("measure")).alias("measure"),
        "care_form",
        "direction",
        pl.col("target_value").alias("target"),
        pl.col("start_quarter").alias("start"),
        pl.col("deadline_quarter").alias("deadline"),
        "latest_quarter",
        "latest_value",
        "status",
    ).select(AGREEMENT_COLUMNS)


def write(frame: pl.DataFrame, fmt: str, out=None) -> None:
    out = out or sys.stdout
    rows = frame.to_dicts()
    if fmt == "json":
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(frame.columns)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row.values()])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.report", description="KPI and target reports."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    kpis = commands.add_parser("kpis", help="KPIs per provider, quarter and KPI")
    add_db_option(kpis)
    kpis.add_argument("--quarter", help="only this quarter, e.g. 2025Q2")
    kpis.add_argument("--provider", help="only this provider (AGB code, 8 digits)")
    kpis.add_argument("--category", choices=CATEGORIES, help="only this category")
    kpis.add_argument("--format", choices=("csv", "json"), default="csv")
    target = commands.add_parser("target", help="the regional 30%% target series")
    add_db_option(target)
    target.add_argument("--format", choices=("csv", "json"), default="csv")
    mirror = commands.add_parser("mirror", help="the mirror report of one provider")
    add_db_option(mirror)
    mirror.add_argument("--provider", required=True, help="AGB code of the provider (8 digits)")
    mirror.add_argument("--quarter", help="only this quarter, e.g. 2025Q2")
    mirror.add_argument("--format", choices=("csv", "json"), default="csv")
    pdf = commands.add_parser("pdf", help="PDF report of one provider, or of all providers")
    add_db_option(pdf)
    pdf.add_argument("--quarter", required=True, help="quarter, e.g. 2025Q2")
    who = pdf.add_mutually_exclusive_group(required=True)
    who.add_argument("--provider", help="AGB code of the provider (8 digits)")
    who.add_argument("--all", action="store_true", help="one report per provider")
    pdf.add_argument("--out", required=True, help="PDF file (one provider) or folder (--all)")
    pdf.add_argument("--mirror", action="store_true", help="the mirror report instead")
    add_lang_option(pdf)
    agreements = commands.add_parser("agreements", help="performance agreements and their progress")
    add_db_option(agreements)
    agreements.add_argument("--provider", help="only this provider (AGB code, 8 digits)")
    agreements.add_argument("--quarter", help="judge progress at this quarter, e.g. 2026Q3")
    agreements.add_argument("--format", choices=("csv", "json"), default="csv")
    board = commands.add_parser("board", help="the management report (PDF or PPTX slides)")
    add_db_option(board)
    board.add_argument("--quarter", required=True, help="quarter, e.g. 2026Q3")
    board.add_argument("--out", required=True, help="PDF or PPTX file")
    board.add_argument(
        "--format", choices=("pdf", "pptx"), help="default: from the file name (.pptx), else pdf"
    )
    add_lang_option(board)
    return parser


def _progress(done: int, total: int, agb: str) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    print(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {agb}",
        end="",
        file=sys.stderr,
        flush=True,
    )
    if done == total:
        print(file=sys.stderr)


def pdf_command(db: Database, args: argparse.Namespace, quarter: str) -> int:
    import time

    from impactmonitor.reports import mirror_pdf, provider_report, report_batch

    started = time.perf_counter()
    if args.all:
        written = report_batch(db, SYSTEM_USER, quarter, Path(args.out), args.lang, _progress)
        seconds = f"{time.perf_counter() - started:.1f}"
        print(
            text(
                "cli_report_batch_written",
                "nl",
                count=len(written),
                folder=args.out,
                seconds=seconds,
            )
        )
        return 0
    known = db.scalar("SELECT count(*) FROM providers WHERE provider_agb = ?", [args.provider])
    if not known:
        print(text("cli_report_provider_unknown", "nl", agb=args.provider), file=sys.stderr)
        return 1
    build = mirror_pdf if args.mirror else provider_report
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_bytes(build(db, SYSTEM_USER, args.provider, quarter, args.lang))
    print(f"{args.out} ({time.perf_counter() - started:.1f} s)")
    return 0


def board_command(db: Database, args: argparse.Namespace, quarter: str) -> int:
    import time

    from impactmonitor.board import board_pdf, board_pptx

    started = time.perf_counter()
    fmt = args.format or ("pptx" if args.out.lower().endswith(".pptx") else "pdf")
    build = board_pptx if fmt == "pptx" else board_pdf
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_bytes(build(db, SYSTEM_USER, quarter, args.lang))
    print(f"{args.out} ({time.perf_counter() - started:.1f} s)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on usage errors
    problem = missing_database(args.db)
    if problem:
        parser.error(problem)
    db = Database(args.db)
    try:
        if args.command in ("kpis", "agreements"):
            quarter = None
            if args.quarter is not None:
                quarter = parse_quarter(args.quarter)
                if quarter is None:
                    parser.error(f"not a quarter: {args.quarter!r} (e.g. 2025Q2)")
            if args.provider is not None and not is_agb(args.provider):
                parser.error(f"not an AGB code: {args.provider!r} (8 digits)")
            frame = (
                kpi_report(db, quarter, args.provider, args.category)
                if args.command == "kpis"
                else agreement_report(db, args.provider, quarter)
            )
        elif args.command == "mirror":
            quarter = None
            if args.quarter is not None:
                quarter = parse_quarter(args.quarter)
                if quarter is None:
                    parser.error(f"not a quarter: {args.quarter!r} (e.g. 2025Q2)")
            if not is_agb(args.provider):
                parser.error(f"not an AGB code: {args.provider!r} (8 digits)")
            known = db.scalar(
                "SELECT count(*) FROM providers WHERE provider_agb = ?", [args.provider]
            )
            if not known:
                print(text("cli_report_provider_unknown", "nl", agb=args.provider), file=sys.stderr)
                return 1
            frame = mirror_rows(db, args.provider, quarter)
        elif args.command == "pdf":
            quarter = parse_quarter(args.quarter)
            if quarter is None:
                parser.error(f"not a quarter: {args.quarter!r} (e.g. 2025Q2)")
            if args.provider is not None and not is_agb(args.provider):
                parser.error(f"not an AGB code: {args.provider!r} (8 digits)")
            return pdf_command(db, args, quarter)
        elif args.command == "board":
            quarter = parse_quarter(args.quarter)
            if quarter is None:
                parser.error(f"not a quarter: {args.quarter!r} (e.g. 2026Q3)")
            return board_command(db, args, quarter)
        else:
            frame = target_report(db)
    except DatabaseBusy as exc:
        print(f"{parser.prog}: database busy: {exc}", file=sys.stderr)
        return 1
    except duckdb.Error as exc:
        print(f"{parser.prog}: cannot read {args.db}: {type(exc).__name__}", file=sys.stderr)
        return 2
    write(frame, args.format)
    return 0


if __name__ == "__main__":
    sys.exit(main())
