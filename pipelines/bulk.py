"""Bulk ingest: many provider-quarters at once, one result per provider-quarter.

    python -m pipelines.bulk --db PATH [--report-json PATH] [--max-errors N] FILE...

Each file holds one table (population, offer or results; CSV, or a workbook with those sheets)
for any number of providers and quarters. The files go through the one ingest engine
(`pipelines.engine`) that a single delivery goes through, without an expected AGB code or
quarter: findings are assigned to the provider-quarter of their row, and each provider-quarter
is checked (register, cross-table rule, plausibility warnings), stored as its own delivery or
rejected (and audited) on its own. A rejected provider-quarter writes nothing but its audit
event; the others are stored, in one transaction per call.

Differences from a single delivery, on purpose:
- a 7-digit AGB code is an error (there is no delivery AGB code to pad it to);
- the upload size limit of the app does not apply, and the row limit is far higher
  (`[bulk]` in `impactmonitor/defaults.toml`, see `pipelines.limits`).

Exit codes: 0 every provider-quarter accepted, 1 any rejected, 2 usage error, 3 database busy
(nothing stored; try again later), as `pipelines.ingest`.
"""

from __future__ import annotations

import argparse
import sys
import time

from impactmonitor.i18n import text
from impactmonitor.storage import Database
from pipelines import engine
from pipelines.cli import (
    EXIT_ACCEPTED,
    EXIT_REJECTED,
    Parser,
    actor_of,
    add_common_options,
    add_db_option,
    busy_report,
    format_findings,
    known_language,
    language_of,
    on_database,
    uploads_from_arguments,
    write_report,
)
from pipelines.engine import UNATTRIBUTED, GroupResult, ReceivedAt, Upload

__all__ = ["UNATTRIBUTED", "GroupResult", "ingest_bulk", "main"]


def ingest_bulk(
    db: Database,
    uploads: list[Upload],
    actor: str,
    source: str = "bulk",
    received_at: ReceivedAt = None,
    lang: str = "nl",
) -> list[GroupResult]:
    """Check every provider-quarter in the files; store each one that has no errors.

    `received_at` is one time for all deliveries, or a function (agb, quarter) -> datetime (the
    sample generator backdates deliveries with it); None means now.
    """
    return engine.run(db, uploads, actor, source, received_at, lang).results


# ---- command line -----------------------------------------------------------------------------


def summary_lines(results: list[GroupResult], lang: str, max_errors: int) -> list[str]:
    """One line per provider-quarter, with the first errors of a rejected one."""
    lines = []
    for result in results:
        provider = result.provider_agb or text("bulk_unattributed", lang)
        quarter = result.quarter or ""
        if result.accepted and result.receipt:
            tables = ", ".join(f"{t['table']} v{t['version']}" for t in result.receipt.tables)
            lines.append(
                text(
                    "bulk_group_accepted",
                    lang,
                    provider=provider,
                    quarter=quarter,
                    tables=tables,
                    rows=sum(result.rows.values()),
                )
            )
        else:
            lines.append(
                text(
                    "bulk_group_rejected",
                    lang,
                    provider=provider,
                    quarter=quarter,
                    count=len(result.errors),
                )
            )
            lines += format_findings(result.errors[:max_errors], lang)
            if len(result.errors) > max_errors:
                lines.append(text("bulk_more_errors", lang, count=len(result.errors) - max_errors))
    return lines


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    lang = known_language(lang)
    parser = Parser(
        prog="python -m pipelines.bulk",
        description=text("cli_description_bulk", lang),
        epilog=text("cli_exit_codes_bulk", lang),
        lang=lang,
    )
    add_db_option(parser)
    parser.add_argument("--report-json", help=text("cli_help_bulk_report_json", lang))
    parser.add_argument(
        "--max-errors", type=int, default=3, help=text("cli_help_bulk_max_errors", lang)
    )
    add_common_options(parser)
    parser.add_argument("files", nargs="+", help=text("cli_help_bulk_files", lang))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(language_of(argv))
    args = parser.parse_args(argv)
    lang = args.lang
    uploads = uploads_from_arguments(parser, args)
    actor = actor_of(args)
    started = time.perf_counter()
    results = on_database(
        parser,
        args,
        lambda db: ingest_bulk(db, uploads, actor=actor, lang=lang),
        busy=[busy_report(lang)],
    )
    if isinstance(results, int):
        return results
    seconds = time.perf_counter() - started
    print("\n".join(summary_lines(results, lang, args.max_errors)))
    accepted = [r for r in results if r.accepted]
    print(
        text(
            "bulk_summary",
            lang,
            groups=len(results),
            accepted=len(accepted),
            rejected=len(results) - len(accepted),
            rows=sum(sum(r.rows.values()) for r in accepted),
            seconds=f"{seconds:.1f}",
        )
    )
    write_report(args.report_json, [r.report(lang) for r in results])
    return EXIT_ACCEPTED if results and len(accepted) == len(results) else EXIT_REJECTED


if __name__ == "__main__":
    sys.exit(main())
