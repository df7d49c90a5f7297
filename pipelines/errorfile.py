"""Error files a provider downloads: the original rows plus an error column, and the error table.

Both are UTF-8 with BOM, `;`-separated, formulas neutralised (`impactmonitor.exports.dutch_csv`),
so they open correctly in Dutch Excel.
"""

from __future__ import annotations

from collections import defaultdict

from impactmonitor.exports import dutch_csv
from impactmonitor.i18n import text
from pipelines.findings import Finding, sort_key
from pipelines.read import ROW, RawTable


def error_file(raw: RawTable, findings: list[Finding], lang: str = "nl") -> bytes:
    """The rows of one table as delivered, each with its messages in an extra column.

    Findings that belong to no data row of this table (the header, the file, the delivery, or a
    row that could not be read, such as a ragged one) come first, in a row of their own, with
    the row number they refer to.
    """
    present_rows = set(raw.cells[ROW].to_list())
    per_row: dict[int | None, list[str]] = defaultdict(list)
    for finding in sorted(findings, key=sort_key):
        if finding.file not in (None, raw.file_name) or finding.table not in (None, raw.table):
            continue
        prefix = f"{finding.column}: " if finding.column else ""
        if finding.row in present_rows:
            per_row[finding.row].append(prefix + finding.message(lang))
        else:
            where = f"{text('col_row', lang)} {finding.row}: " if finding.row else ""
            per_row[None].append(where + prefix + finding.message(lang))
    columns = [c for c in raw.cells.columns if c != ROW]
    header = [*raw.header, text("col_errors", lang)]
    rows: list[list[object]] = []
    if per_row.get(None):
        rows.append([*[""] * len(columns), " | ".join(per_row[None])])
    for record in raw.cells.iter_rows(named=True):
        rows.append([record[c] for c in columns] + [" | ".join(per_row.get(record[ROW], []))])
    return dutch_csv(header, rows)


def error_table(findings: list[Finding], lang: str = "nl") -> bytes:
    """All findings as one table: file, table, row, column, value, message."""
    header = [
        text(f"col_{name}", lang) for name in ("file", "table", "row", "column", "value", "message")
    ]
    rows = [
        [
            f.file,
            text(f"table_{f.table}", lang) if f.table else "",
            f.row,
            f.column,
            f.value,
            f.message(lang),
        ]
        for f in sorted(findings, key=sort_key)
    ]
    return dutch_csv(header, rows)
