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

`pdf` and `board` take `--lang nl|en` for the report, their help and their messages.
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
from typing import Any

import duckdb
import polars as pl

from impactmonitor.access import SYSTEM_USER
from impactmonitor.i18n import DEFAULT_LANGUAGE, text
from impactmonitor.kpis import aggregate_kpis
from impactmonitor.mirror import mirror_report
from impactmonitor.quarters import parse_quarter
from impactmonitor.storage import Database, DatabaseBusy, missing_database
from impactmonitor.target import target_series
from pipelines.cli import Parser, add_db_option, add_lang_option, known_language, language_of
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


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    lang = known_language(lang)
    parser = Parser(
        prog="python -m pipelines.report",
        description=text("cli_description_report", lang),
        lang=lang,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    formats: dict[str, Any] = {
        "choices": ("csv", "json"),
        "default": "csv",
        "help": text("cli_help_report_format", lang),
    }
    kpis = commands.add_parser("kpis", help=text("cli_help_report_kpis", lang), lang=lang)
    add_db_option(kpis)
    kpis.add_argument("--quarter", help=text("cli_help_only_quarter", lang))
    kpis.add_argument("--provider", help=text("cli_help_only_provider", lang))
    kpis.add_argument("--category", choices=CATEGORIES, help=text("cli_help_report_category", lang))
    kpis.add_argument("--format", **formats)
    # argparse %-formats help texts: the catalogue's "30%" is escaped
    target_help = text("cli_help_report_target", lang).replace("%", "%%")
    target = commands.add_parser("target", help=target_help, lang=lang)
    add_db_option(target)
    target.add_argument("--format", **formats)
    mirror = commands.add_parser("mirror", help=text("cli_help_report_mirror", lang), lang=lang)
    add_db_option(mirror)
    mirror.add_argument("--provider", required=True, help=text("cli_help_provider", lang))
    mirror.add_argument("--quarter", help=text("cli_help_only_quarter", lang))
    mirror.add_argument("--format", **formats)
    pdf = commands.add_parser("pdf", help=text("cli_help_report_pdf", lang), lang=lang)
    add_db_option(pdf)
    pdf.add_argument("--quarter", required=True, help=text("cli_help_quarter", lang))
    who = pdf.add_mutually_exclusive_group(required=True)
    who.add_argument("--provider", help=text("cli_help_provider", lang))
    who.add_argument("--all", action="store_true", help=text("cli_help_report_all", lang))
    pdf.add_argument("--out", required=True, help=text("cli_help_report_pdf_out", lang))
    pdf.add_argument("--mirror", action="store_true", help=text("cli_help_report_pdf_mirror", lang))
    agreements = commands.add_parser(
        "agreements", help=text("cli_help_report_agreements", lang), lang=lang
    )
    add_db_option(agreements)
    agreements.add_argument("--provider", help=text("cli_help_only_provider", lang))
    agreements.add_argument("--quarter", help=text("cli_help_report_agreements_quarter", lang))
    agreements.add_argument("--format", **formats)
    board = commands.add_parser("board", help=text("cli_help_report_board", lang), lang=lang)
    add_db_option(board)
    board.add_argument("--quarter", required=True, help=text("cli_help_quarter", lang))
    board.add_argument("--out", required=True, help=text("cli_help_report_board_out", lang))
    board.add_argument(
        "--format", choices=("pdf", "pptx"), help=text("cli_help_report_board_format", lang)
    )
    for command in (pdf, board):  # the CSV and JSON reports have no language
        add_lang_option(command)
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
                args.lang,
                count=len(written),
                folder=args.out,
                seconds=seconds,
            )
        )
        return 0
    known = db.scalar("SELECT count(*) FROM providers WHERE provider_agb = ?", [args.provider])
    if not known:
        print(text("cli_report_provider_unknown", args.lang, agb=args.provider), file=sys.stderr)
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


def _quarter(parser: argparse.ArgumentParser, value: str, lang: str, example: str) -> str:
    """The canonical quarter of --quarter, or a usage error (exit 2)."""
    quarter = parse_quarter(value)
    if quarter is None:
        parser.error(text("cli_report_not_a_quarter", lang, value=repr(value), example=example))
    return quarter


def _check_agb(parser: argparse.ArgumentParser, value: str | None, lang: str) -> None:
    """A usage error (exit 2) for a --provider that is no AGB code."""
    if value is not None and not is_agb(value):
        parser.error(text("cli_report_not_an_agb", lang, value=repr(value)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(language_of(argv))
    args = parser.parse_args(argv)  # exits 2 on usage errors
    lang = getattr(args, "lang", DEFAULT_LANGUAGE)  # only pdf and board have --lang
    problem = missing_database(args.db, lang)
    if problem:
        parser.error(problem)
    db = Database(args.db)
    try:
        if args.command in ("kpis", "agreements"):
            quarter = None
            if args.quarter is not None:
                quarter = _quarter(parser, args.quarter, lang, "2025Q2")
            _check_agb(parser, args.provider, lang)
            frame = (
                kpi_report(db, quarter, args.provider, args.category)
                if args.command == "kpis"
                else agreement_report(db, args.provider, quarter)
            )
        elif args.command == "mirror":
            quarter = None
            if args.quarter is not None:
                quarter = _quarter(parser, args.quarter, lang, "2025Q2")
            _check_agb(parser, args.provider, lang)
            known = db.scalar(
                "SELECT count(*) FROM providers WHERE provider_agb = ?", [args.provider]
            )
            if not known:
                print(text("cli_report_provider_unknown", lang, agb=args.provider), file=sys.stderr)
                return 1
            frame = mirror_rows(db, args.provider, quarter)
        elif args.command == "pdf":
            quarter = _quarter(parser, args.quarter, lang, "2025Q2")
            _check_agb(parser, args.provider, lang)
            return pdf_command(db, args, quarter)
        elif args.command == "board":
            return board_command(db, args, _quarter(parser, args.quarter, lang, "2026Q3"))
        else:
            frame = target_report(db)
    except DatabaseBusy as exc:
        print(text("cli_report_busy", lang, prog=parser.prog, detail=exc), file=sys.stderr)
        return 1
    except duckdb.Error as exc:
        detail = type(exc).__name__
        print(
            text("cli_report_unreadable", lang, prog=parser.prog, path=args.db, detail=detail),
            file=sys.stderr,
        )
        return 2
    write(frame, args.format)
    return 0


if __name__ == "__main__":
    sys.exit(main())
