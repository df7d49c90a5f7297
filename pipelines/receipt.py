"""The printable receipt of an accepted delivery (PDF, in the user's language).

What a provider files as proof of delivery: the receipt (delivery) id, provider and quarter,
when and by whom, per table the version, row count, file name and SHA-256, and the warnings.
"""

from __future__ import annotations

from collections.abc import Sequence

from impactmonitor.display import table_label
from impactmonitor.formatting import date_text, number
from impactmonitor.i18n import text
from impactmonitor.pdf import ReportDocument
from pipelines.findings import Finding, sort_key
from pipelines.load import Receipt


def receipt_pdf(
    receipt: Receipt, provider_name: str, warnings: Sequence[Finding], lang: str = "nl"
) -> bytes:
    """The receipt as an A4 PDF; the warnings as the user read them on screen."""
    title = text("receipt_title", lang)
    document = ReportDocument(title, text("receipt_footer", lang, delivery_id=receipt.delivery_id))
    document.alias_nb_pages()
    document.add_page()
    document.heading(title, 18)
    document.key_values(
        [
            (text("receipt_id", lang), receipt.delivery_id),
            (
                text("report_provider", lang),
                text("report_provider_value", lang, name=provider_name, agb=receipt.provider_agb),
            ),
            (text("filter_quarter", lang), receipt.quarter),
            (text("receipt_received_at", lang), date_text(receipt.received_at, lang)),
            (text("receipt_received_by", lang), receipt.received_by),
            (text("receipt_accepted", lang), text("receipt_accepted_text", lang)),
        ]
    )
    document.ln(3)
    document.heading(text("receipt_tables", lang), 12)
    document.grid(
        [
            text("column_table_name", lang),
            text("column_version", lang),
            text("column_row_count", lang),
            text("column_file_name", lang),
        ],
        [
            [
                table_label(t["table"], lang),
                number(t["version"], 0, lang),
                number(t["rows"], 0, lang),
                t["file"],
            ]
            for t in receipt.tables
        ],
        widths=[35, 20, 25, 100],
    )
    document.heading(text("receipt_hashes", lang), 12)
    for entry in receipt.tables:
        document.paragraph(f"{table_label(entry['table'], lang)}: {entry['sha256']}", size=8)
    document.ln(2)
    document.heading(text("receipt_warnings", lang, count=number(len(warnings), 0, lang)), 12)
    if not warnings:
        document.paragraph(text("receipt_no_warnings", lang))
    for finding in sorted(warnings, key=sort_key):
        where = ", ".join(
            part
            for part in (
                table_label(finding.table, lang) if finding.table else "",
                f"{text('col_row', lang)} {finding.row}" if finding.row else "",
                finding.column or "",
            )
            if part
        )
        document.paragraph(f"• {where + ': ' if where else ''}{finding.message(lang)}", size=9)
    return document.to_bytes()
