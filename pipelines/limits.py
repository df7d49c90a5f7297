"""Shape limits of an upload, checked before its body is read (issue 18 item 1, issue 13 item 3).

A hostile or broken file must be refused cheaply: a CSV with 16,000 columns or a million lines, a
workbook that unpacks to gigabytes or holds hundreds of sheets. The limits sit well above what the
data contract can hold (17 columns, a few thousand rows per table) and are configured in
`impactmonitor/defaults.toml`: `[delivery]` for one provider-quarter (app and
`pipelines.ingest`), `[bulk]` for `pipelines.bulk` (history loads of millions of rows). Both
paths read through `pipelines.read.read_upload`, which applies the limits it is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from impactmonitor.config import setting

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int | None  # size of the uploaded file; None: no limit (bulk)
    max_rows: int  # data rows per table (CSV lines, sheet rows)
    max_columns: int  # columns per table
    max_sheets: int  # sheets in a workbook
    max_unpacked_bytes: int  # a workbook's parts after unzipping, together

    @classmethod
    def for_delivery(cls) -> Limits:
        """One provider-quarter: the app's upload and `python -m pipelines.ingest`."""
        return cls._from_settings("delivery", setting("delivery", "max_upload_mb") * MB)

    @classmethod
    def for_bulk(cls) -> Limits:
        """Many provider-quarters at once (`python -m pipelines.bulk`): no size limit."""
        return cls._from_settings("bulk", None)

    @classmethod
    def _from_settings(cls, section: str, max_bytes: int | None) -> Limits:
        return cls(
            max_bytes=max_bytes,
            max_rows=int(setting(section, "max_rows")),
            max_columns=int(setting(section, "max_columns")),
            max_sheets=int(setting(section, "max_sheets")),
            max_unpacked_bytes=int(setting(section, "max_unpacked_mb") * MB),
        )
