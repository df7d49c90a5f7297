"""Aanleveren: templates, upload of CSV/XLSX, error table and error file, receipt, history.

Hygiene: the page says what is expected for the quarter (deadline, tables still missing); after
every check the file list is emptied (the next check never silently re-checks earlier files);
files identical to the versions already accepted are flagged before they become new versions;
files of a type the app cannot read (.xls, .ods, ...) get a plain message instead of Streamlit's
English type error; each warning is shown once; the receipt is also a printable PDF.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from app_pages.auth import current_user
from app_pages.ui import (
    data_table,
    database,
    download_button,
    language,
    number,
    show_findings,
    stop_page,
    t,
)
from impactmonitor.audit import record_rejected_upload
from impactmonitor.deliveries import (
    DELIVERY_HISTORY_COLUMNS,
    current_versions,
    delivery_history,
    provider_choices,
)
from impactmonitor.delivery_status import deadline
from impactmonitor.display import table_label
from impactmonitor.formatting import date_text
from impactmonitor.quarters import last_complete_quarter, quarter_range
from impactmonitor.storage import DatabaseBusy, storage_problem
from pipelines.errorfile import error_file, error_table
from pipelines.findings import Finding
from pipelines.ingest import IngestOutcome, Upload, ingest
from pipelines.read import sha256
from pipelines.receipt import receipt_pdf

TEMPLATES = Path(__file__).resolve().parent.parent / "sample_data" / "templates"
# (file, label key, mime type)
TEMPLATE_FILES = (
    (
        "delivery_template.xlsx",
        "upload_template_xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("population.csv", "upload_template_population", "text/csv"),
    ("offer.csv", "upload_template_offer", "text/csv"),
    ("results.csv", "upload_template_results", "text/csv"),
)
TABLES = ("population", "offer", "results")
# What the uploader accepts: what people send. Only these are read; the rest get a message.
READABLE_TYPES = ("csv", "txt", "tsv", "xlsx", "xlsm")
ACCEPTED_TYPES = (*READABLE_TYPES, "xls", "xlsb", "ods", "numbers")


def once(findings: list[Finding]) -> list[Finding]:
    """Each finding once, in order (the same warning can come from several checks)."""
    seen: set[tuple] = set()
    unique = []
    for finding in findings:
        key = (
            finding.file,
            finding.table,
            finding.row,
            finding.column,
            finding.code,
            finding.message(lang),
        )
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique


def unreadable_types(uploads: list[Upload]) -> list[str]:
    return [
        u.name for u in uploads if Path(u.name).suffix.lower().lstrip(".") not in READABLE_TYPES
    ]


user = current_user()
db = database()
lang = language()
st.title(t("page_upload"))

providers = provider_choices(db, user)
if providers.height == 0:
    st.info(t("upload_no_providers"))
    stop_page()

labels = {
    agb: f"{agb} — {name}" for agb, name in providers.select("provider_agb", "name").iter_rows()
}
column_left, column_right = st.columns(2)
provider_agb = column_left.selectbox(
    t("upload_provider"), list(labels), format_func=labels.get, key="upload_provider"
)
latest = last_complete_quarter(date.today())
quarters = list(reversed(quarter_range("2022Q1", latest)))
quarter = column_right.selectbox(t("upload_quarter"), quarters, key="upload_quarter")

# ---- what is expected for this quarter --------------------------------------------------------
versions = current_versions(db, user, provider_agb, quarter)
due = deadline(quarter)
delivered = {r["table_name"]: r for r in versions.iter_rows(named=True)}
missing = [table for table in TABLES if table not in delivered]
days_left = (due - date.today()).days
expected = [
    t("upload_deadline", quarter=quarter, date=date_text(due, lang))
    + " "
    + (
        t("upload_deadline_days", days=number(days_left))
        if days_left >= 0
        else t("upload_deadline_passed")
    )
]
if delivered:
    expected.append(
        t(
            "upload_delivered",
            tables=", ".join(
                t(
                    "upload_delivered_table",
                    table=table_label(name, lang),
                    version=r["version"],
                    date=date_text(r["accepted_at"], lang),
                )
                for name, r in delivered.items()
            ),
        )
    )
expected.append(
    t("upload_missing", tables=", ".join(table_label(m, lang) for m in missing))
    if missing
    else t("upload_complete")
)
st.info("  \n".join(expected))

with st.expander(t("upload_templates")):
    st.write(t("upload_templates_help"))
    template_columns = st.columns(len(TEMPLATE_FILES))
    for column, (name, label, mime) in zip(template_columns, TEMPLATE_FILES, strict=True):
        path = TEMPLATES / name
        if path.exists():
            column.download_button(
                t(label),
                path.read_bytes(),
                file_name=name,
                mime=mime,
                key=f"upload_template_{name}",
            )

# A new key after every check empties the file list.
generation = st.session_state.setdefault("upload_generation", 0)
files = st.file_uploader(
    t("upload_files"),
    type=list(ACCEPTED_TYPES),
    accept_multiple_files=True,
    key=f"upload_files_{generation}",
    help=t("upload_files_help"),
)


def check(uploads: list[Upload]) -> None:
    """Check and (when accepted) store the delivery; the result is shown after a rerun."""
    unreadable = unreadable_types(uploads)
    if unreadable:
        outcome = None
        st.session_state["upload_type_problem"] = unreadable
    else:
        progress = st.progress(0.0, text=t("upload_progress_read"))

        def report_progress(stage: str, fraction: float) -> None:
            progress.progress(min(max(fraction, 0.0), 1.0), text=t("upload_progress", stage=stage))

        try:
            outcome = ingest(
                db,
                provider_agb,
                quarter,
                uploads,
                actor=user.username,
                source="app",
                lang=lang,
                progress=report_progress,
                user=user,
            )
        except DatabaseBusy:  # not a rejection: nothing was stored, the same files can go again
            progress.empty()
            st.session_state.pop("upload_outcome", None)
            st.warning(t("upload_busy"))
            return
        except (duckdb.Error, OSError) as exc:  # a full disk, a read-only database folder
            problem = storage_problem(exc)
            if problem is None:
                raise
            progress.empty()
            st.session_state.pop("upload_outcome", None)
            st.error(t(problem, path=Path(db.path).parent))
            return
        progress.empty()
    if outcome is None:  # (a rejection by the ingest is audited by the ingest)
        record_rejected_upload(
            db,
            user,
            provider_agb,
            quarter,
            [(u.name, sha256(u.content), len(u.content)) for u in uploads],
            len(unreadable),
        )
    st.session_state["upload_outcome"] = outcome
    st.session_state["upload_for"] = (provider_agb, quarter)
    st.session_state.pop("upload_pending", None)
    st.session_state["upload_generation"] = generation + 1
    st.rerun()


if st.button(t("upload_submit"), type="primary", disabled=not files, key="upload_submit"):
    uploads = [Upload(f.name, f.getvalue()) for f in files]
    current_hashes = set(versions["file_sha256"].to_list())
    same = [u.name for u in uploads if sha256(u.content) in current_hashes]
    st.session_state.pop("upload_type_problem", None)
    if same and len(same) == len(uploads):
        # Byte-identical to what is already accepted: ask before it becomes a new version.
        st.session_state["upload_pending"] = (provider_agb, quarter, uploads, same)
        st.session_state["upload_generation"] = generation + 1
        st.rerun()
    check(uploads)

pending = st.session_state.get("upload_pending")
if pending and pending[:2] == (provider_agb, quarter):
    st.warning(t("upload_identical", files=", ".join(pending[3])))
    confirm, cancel = st.columns(2)
    if confirm.button(t("upload_identical_confirm"), key="upload_identical_confirm"):
        check(pending[2])
    if cancel.button(t("upload_identical_cancel"), key="upload_identical_cancel"):
        st.session_state.pop("upload_pending", None)
        st.rerun()

problem = st.session_state.get("upload_type_problem")
if problem:
    st.error(t("upload_type_rejected", files=", ".join(problem)))

outcome: IngestOutcome | None = st.session_state.get("upload_outcome")
if outcome is not None and st.session_state.get("upload_for") == (provider_agb, quarter):
    warnings = once(outcome.warnings)
    if outcome.accepted and outcome.receipt:
        receipt = outcome.receipt
        st.success(t("upload_accepted", delivery_id=receipt.delivery_id))
        data_table(
            pl.DataFrame(
                receipt.tables,
                schema={
                    "table": pl.String,
                    "version": pl.Int64,
                    "file": pl.String,
                    "sha256": pl.String,
                    "rows": pl.Int64,
                },
            ).select(
                pl.col("table").alias("table_name"),
                "version",
                pl.col("rows").alias("row_count"),
                pl.col("file").alias("file_name"),
                pl.col("sha256").alias("file_sha256"),
            ),
            f"ontvangstbewijs_{receipt.delivery_id}",
            labels[provider_agb],
            key="upload_receipt",
            export=False,
        )
        st.caption(
            t(
                "upload_receipt_meta",
                at=date_text(receipt.received_at, lang),
                who=receipt.received_by,
            )
        )
        provider_name = labels[provider_agb].split(" — ", 1)[-1]
        download_button(
            t("upload_receipt_pdf"),
            lambda: receipt_pdf(receipt, provider_name, warnings, lang),
            t("file_receipt", delivery=receipt.delivery_id),
            "application/pdf",
            "upload_receipt_pdf",
            kind="receipt",
            provider_agb=provider_agb,
            quarter=quarter,
        )
    else:
        st.error(t("upload_rejected", count=number(len(outcome.errors))))
        show_findings(outcome.errors)
        # Both hold what the provider delivered: made when clicked, and audited then.
        errors = outcome.errors
        download_button(
            t("upload_download_errors"),
            lambda: error_table(errors, lang),
            t("file_error_list", agb=provider_agb, quarter=quarter),
            "text/csv",
            "upload_error_table",
            kind="error_list",
            provider_agb=provider_agb,
            quarter=quarter,
        )
        findings = outcome.errors + outcome.warnings
        for raw in outcome.raw_tables:
            download_button(
                t("upload_download_error_file", table=t(f"table_{raw.table}")),
                lambda raw=raw: error_file(raw, findings, lang),
                t("file_error_file", stem=Path(raw.file_name).stem),
                "text/csv",
                f"upload_error_file_{raw.table}",
                kind="error_file",
                provider_agb=provider_agb,
                quarter=quarter,
            )
    if warnings:
        st.warning(t("upload_warnings", count=number(len(warnings))))
        show_findings(warnings)

st.subheader(t("upload_history"))
history = delivery_history(db, user, provider_agb)
if history.height == 0:
    st.caption(t("upload_history_empty"))
else:
    data_table(
        history,
        t("export_name_deliveries", agb=provider_agb),
        labels[provider_agb],
        key="upload_history",
        provider_agb=provider_agb,
        columns=DELIVERY_HISTORY_COLUMNS,
    )
