"""Ingest one delivery: read -> parse -> validate -> plausibility -> load -> receipt.

The app's upload page and the command line both call `ingest`; there is no other path into the
store. Command line (SPEC section 3):

    python -m pipelines.ingest --db PATH --provider AGB --quarter 2025Q2 \
        [--report-json PATH] [--error-file PATH] FILE...

The terminal and the JSON report list at most `[report] max_per_kind` errors of each kind and
`max_total` in all (then "… and 99,000 more of this kind"; `error_count` gives the total);
`--error-file` writes the complete list as a CSV (the app's downloadable error list).

Exit codes (`EXIT_CODES`): 0 accepted, 1 rejected (report printed, nothing stored but the
audit event of the attempt), 2 usage error or a database that cannot be written (a full disk, a
read-only folder: nothing stored, nothing lost), 3 database busy: another process held the file for
longer than the lock timeout, nothing was checked to the end or stored — try again later.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from impactmonitor.access import User, require
from impactmonitor.formatting import number
from impactmonitor.i18n import text
from impactmonitor.quarters import parse_quarter
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
from pipelines.engine import Progress, Upload
from pipelines.errorfile import error_table
from pipelines.findings import Finding, bounded
from pipelines.load import Receipt
from pipelines.read import RawTable
from schemas.tables import is_agb

__all__ = ["IngestOutcome", "Upload", "check_delivery_identity", "ingest", "main"]


@dataclass
class IngestOutcome:
    accepted: bool
    errors: list[Finding]
    warnings: list[Finding]
    receipt: Receipt | None = None
    raw_tables: list[RawTable] = field(default_factory=list)

    def report(self, lang: str = "nl") -> dict:
        """The JSON report of SPEC section 3 (plus the receipt when accepted), its lists bounded
        (`findings.bounded`; the counts are the totals)."""
        return {
            "accepted": self.accepted,
            "error_count": len(self.errors),
            "warning_count": len(self.warnings),
            "errors": [f.as_dict(lang) for f in bounded(self.errors)],
            "warnings": [f.as_dict(lang) for f in bounded(self.warnings)],
            "receipt": self.receipt.as_dict() if self.receipt else None,
        }


def check_delivery_identity(provider_agb: str, quarter: str) -> tuple[str, str]:
    """Canonical (AGB, quarter) of a delivery, or ValueError for a malformed one."""
    canonical = parse_quarter(quarter)
    if canonical is None:
        raise ValueError(f"quarter: {quarter!r}")
    if not is_agb(provider_agb.strip()):
        raise ValueError(f"provider: {provider_agb!r}")
    return provider_agb.strip(), canonical


def ingest(
    db: Database,
    provider_agb: str,
    quarter: str,
    uploads: list[Upload],
    actor: str,
    source: str = "cli",
    received_at: datetime | None = None,
    lang: str = "nl",
    progress: Progress = engine._no_progress,
    user: User | None = None,
) -> IngestOutcome:
    """Check a delivery completely; store it as a new version only when it has no errors: the
    engine's batch of one, with an expected provider and quarter.

    `user` is the logged-in app user: a provider user may deliver only for its own AGB codes
    (AccessDenied otherwise). Command lines act as the region and pass no user.
    """
    provider_agb, quarter = check_delivery_identity(provider_agb, quarter)
    if user is not None:
        require(user, "upload_delivery", provider_agb)
    run = engine.run(
        db,
        uploads,
        actor,
        source,
        received_at,
        lang,
        expected=(provider_agb, quarter),
        progress=progress,
    )
    (result,) = run.results  # a delivery is one provider-quarter
    return IngestOutcome(
        result.accepted, result.errors, result.warnings, result.receipt, run.raw_tables
    )


# ---- command line -------------------------------------------------------------------------------


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    lang = known_language(lang)
    parser = Parser(
        prog="python -m pipelines.ingest",
        description=text("cli_description_ingest", lang),
        epilog=text("cli_exit_codes", lang),
        lang=lang,
    )
    add_db_option(parser)
    parser.add_argument("--provider", required=True, help=text("cli_help_provider", lang))
    parser.add_argument("--quarter", required=True, help=text("cli_help_quarter", lang))
    parser.add_argument("--report-json", help=text("cli_help_ingest_report_json", lang))
    parser.add_argument("--error-file", help=text("cli_help_ingest_error_file", lang))
    add_common_options(parser)
    parser.add_argument("files", nargs="+", help=text("cli_help_ingest_files", lang))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(language_of(argv))
    args = parser.parse_args(argv)  # exits 2 on an unknown option or a missing argument
    lang = args.lang
    try:
        provider_agb, quarter = check_delivery_identity(args.provider, args.quarter)
    except ValueError as exc:
        parser.error(text("cli_bad_identity", lang, detail=str(exc)))
    uploads = uploads_from_arguments(parser, args)
    actor = actor_of(args)
    outcome = on_database(
        parser,
        args,
        lambda db: ingest(db, provider_agb, quarter, uploads, actor=actor, source="cli", lang=lang),
        busy=busy_report(lang),
    )
    if isinstance(outcome, int):
        return outcome
    if outcome.accepted and outcome.receipt:
        print(text("cli_accepted", lang, delivery_id=outcome.receipt.delivery_id))
        for table in outcome.receipt.tables:
            print(
                "  "
                + text(
                    "cli_table_stored",
                    lang,
                    table=text(f"table_{table['table']}", lang),
                    version=table["version"],
                    rows=table["rows"],
                    sha256=table["sha256"][:12],
                )
            )
    else:
        print(text("cli_rejected", lang, count=number(len(outcome.errors), lang=lang)))
        print("\n".join(format_findings(bounded(outcome.errors), lang)))
    if outcome.warnings:
        print(f"{text('severity_warning', lang)}:")
        print("\n".join(format_findings(bounded(outcome.warnings), lang)))
    if args.error_file:
        everything = outcome.errors + outcome.warnings
        Path(args.error_file).write_bytes(error_table(everything, lang))
        print(
            text(
                "cli_error_file_written",
                lang,
                count=number(len(everything), lang=lang),
                path=args.error_file,
            )
        )
    write_report(args.report_json, outcome.report(lang))
    return EXIT_ACCEPTED if outcome.accepted else EXIT_REJECTED


if __name__ == "__main__":
    sys.exit(main())
