"""Findings: the errors and warnings a delivery produces, with their plain-language message."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from impactmonitor.config import setting
from impactmonitor.formatting import number
from impactmonitor.i18n import DEFAULT_LANGUAGE, text

Severity = Literal["error", "warning"]
# Fields written as numbers in the user's language (the limits and counts of big files, the
# magnitudes of the plausibility warnings): whole numbers as 100.000, decimals with one digit.
NUMBER_FIELDS = ("count", "limit", "per_stay", "fte", "clients", "places")


@dataclass(slots=True)  # (a rejected delivery can hold 100,000s of them)
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
        for name, value in params.items():  # ("and 99,000 more of this kind, such as: ...")
            if isinstance(value, Finding):
                params[name] = value.message(lang)
        for name in NUMBER_FIELDS:  # (counts of rows, columns, errors: 100.000 in Dutch)
            value = params.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                params[name] = number(value, 0 if isinstance(value, int) else 1, lang=lang)
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


# ---- bounded reports (issue 18 item 2) ----------------------------------------------------------


def kind_of(finding: Finding) -> tuple:
    """What "of this kind" means in a report: one rule, in one column of one table."""
    return (finding.severity, finding.code, finding.file, finding.table, finding.column)


def bounded(
    findings: Sequence[Finding], per_kind: int | None = None, total: int | None = None
) -> list[Finding]:
    """At most `per_kind` findings of each kind and `total` in all, in the given order, then per
    kind cut short one line "and 99,000 more of this kind, such as: <the first one left out>".

    What the terminal, the JSON report and the upload page show; the complete list goes only
    into the downloadable error files. Limits: `[report]` in defaults.toml.
    """
    per_kind = int(setting("report", "max_per_kind")) if per_kind is None else per_kind
    total = int(setting("report", "max_total")) if total is None else total
    if len(findings) <= min(per_kind, total):
        return list(findings)
    shown: list[Finding] = []
    taken: Counter[tuple] = Counter()
    left_out: Counter[tuple] = Counter()
    first_left_out: dict[tuple, Finding] = {}
    for finding in findings:
        kind = kind_of(finding)
        if taken[kind] < per_kind and len(shown) < total:
            taken[kind] += 1
            shown.append(finding)
        else:
            left_out[kind] += 1
            first_left_out.setdefault(kind, finding)
    for kind, count in left_out.items():
        example = first_left_out[kind]
        shown.append(
            Finding(
                example.severity,
                "report_more_of_kind",
                file=example.file,
                table=example.table,
                column=example.column,
                fields={"count": count, "example": example},
            )
        )
    return shown
