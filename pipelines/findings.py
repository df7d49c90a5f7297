"""Findings: the errors and warnings a delivery produces, with their plain-language message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from impactmonitor.formatting import number
from impactmonitor.i18n import DEFAULT_LANGUAGE, text

Severity = Literal["error", "warning"]
# Fields written as numbers in the user's language (the limits and counts of big files).
NUMBER_FIELDS = ("count", "limit")


@dataclass
class Finding:
    severity: Severity
    code: str  # key of the message in the translation table
    file: str | None = None
    table: str | None = None
    row: int | None = None  # spreadsheet row as the user sees it: header = row 1
    column: str | None = None
    value: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        table_label = text(f"table_{self.table}", lang) if self.table else ""
        params = {"value": self.value, "column": self.column, "table": table_label}
        params.update(self.fields)
        for name in NUMBER_FIELDS:  # (counts of rows, columns, errors: 100.000 in Dutch)
            if isinstance(params.get(name), int):
                params[name] = number(params[name], lang=lang)
        return text(self.code, lang, **params)

    def as_dict(self, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        """The shape of one entry in the JSON report (SPEC section 3)."""
        return {
            "file": self.file,
            "table": self.table,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message(lang),
        }


def error(code: str, **kwargs: Any) -> Finding:
    return Finding("error", code, **kwargs)


def warning(code: str, **kwargs: Any) -> Finding:
    return Finding("warning", code, **kwargs)


def sort_key(finding: Finding) -> tuple:
    return (finding.file or "", finding.table or "", finding.row or 0, finding.column or "")
