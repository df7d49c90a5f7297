"""Aanleveren: templates, upload of CSV/XLSX, error table and error file, receipt, history."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from app_pages.auth import current_user
from app_pages.ui import data_table, database, language, number, t
from impactmonitor.deliveries import delivery_history, provider_choices
from impactmonitor.quarters import last_complete_quarter, quarter_range
from impactmonitor.storage import DatabaseBusy
from pipelines.errorfile import error_file, error_table
from pipelines.ingest import IngestOutcome, Upload, ingest

TEMPLATES = Path(__file__).resolve().parent.parent / "sample_data" / "templates"
TEMPLATE_FILES = (
    ("delivery_template.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("population.csv", "text/csv"),
    ("offer.csv", "text/csv"),
    ("results.csv", "text/csv"),
)



def findings_table(findings) -> pl.DataFrame:
    """Errors or warnings as the user reads them: Dutch table names and column headers."""
    rows = [{**f.as_dict(lang), "table": t(f"table_{f.table}") if f.table else ""}
            for f in findings]
    frame = pl.DataFrame(rows, schema={"file": pl.String, "table": pl.String, "row": pl.Int64,
                                       "column": pl.String, "value": pl.String,
                                       "message": pl.String})
    return frame.rename({c: t(f"col_{c}") for c in frame.columns})


user = current_user()
db = database()
lang = language()
st.title(t("page_upload"))

providers = provider_choices(db, user)
if providers.height == 0:
    st.info(t("upload_no_providers"))
    st.stop()

labels = {agb: f"{agb} — {name}" for agb, name in
          providers.select("provider_agb", "name").iter_rows()}
column_left, column_right = st.columns(2)
provider_agb = column_left.selectbox(t("upload_provider"), list(labels), format_func=labels.get,
                                     key="upload_provider")
from datetime import date  # noqa: E402  (kept next to its only use)

latest = last_complete_quarter(date.today())
quarters = list(reversed(quarter_range("2022Q1", latest)))
quarter = column_right.selectbox(t("upload_quarter"), quarters, key="upload_quarter")

with st.expander(t("upload_templates")):
    st.write(t("upload_templates_help"))
    template_columns = st.columns(len(TEMPLATE_FILES))
    for column, (name, mime) in zip(template_columns, TEMPLATE_FILES, strict=True):
        path = TEMPLATES / name
        if path.exists():
            column.download_button(name, path.read_bytes(), file_name=name, mime=mime,
                                   key=f"upload_template_{name}")

files = st.file_uploader(t("upload_files"), type=["csv", "xlsx"], accept_multiple_files=True,
                         key="upload_files", help=t("upload_files_help"))
if st.button(t("upload_submit"), type="primary", disabled=not files, key="upload_submit"):
    progress = st.progress(0.0, text=t("upload_progress_read"))

    def report_progress(stage: str, fraction: float) -> None:
        progress.progress(min(max(fraction, 0.0), 1.0), text=t("upload_progress", stage=stage))

    uploads = [Upload(f.name, f.getvalue()) for f in files]
    try:
        outcome = ingest(db, provider_agb, quarter, uploads, actor=user.username, source="app",
                         lang=lang, progress=report_progress, user=user)
    except DatabaseBusy:  # not a rejection: nothing was stored, the same files can go again
        progress.empty()
        st.session_state.pop("upload_outcome", None)
        st.warning(t("upload_busy"))
    else:
        progress.empty()
        st.session_state["upload_outcome"] = outcome  # (a rejection is audited by ingest)

outcome: IngestOutcome | None = st.session_state.get("upload_outcome")
if outcome is not None:
    if outcome.accepted and outcome.receipt:
        receipt = outcome.receipt
        st.success(t("upload_accepted", delivery_id=receipt.delivery_id))
        st.dataframe(
            pl.DataFrame(receipt.tables).select(
                pl.col("table").alias(t("col_table")),
                pl.col("version").alias(t("upload_version")),
                pl.col("rows").alias(t("upload_rows")),
                pl.col("file").alias(t("col_file")),
                pl.col("sha256").alias("SHA-256"),
            ),
            hide_index=True,
        )
        st.caption(t("upload_receipt_meta", at=receipt.received_at.strftime("%d-%m-%Y %H:%M"),
                     who=receipt.received_by))
    else:
        st.error(t("upload_rejected", count=number(len(outcome.errors))))
        st.dataframe(findings_table(outcome.errors), hide_index=True, width="stretch")
        st.download_button(t("upload_download_errors"), error_table(outcome.errors, lang),
                           file_name=f"fouten_{provider_agb}_{quarter}.csv", mime="text/csv",
                           key="upload_error_table")
        for raw in outcome.raw_tables:
            st.download_button(
                t("upload_download_error_file", table=t(f"table_{raw.table}")),
                error_file(raw, outcome.errors + outcome.warnings, lang),
                file_name=f"{Path(raw.file_name).stem}_fouten.csv", mime="text/csv",
                key=f"upload_error_file_{raw.table}",
            )
    if outcome.warnings:
        st.warning(t("upload_warnings", count=number(len(outcome.warnings))))
        st.dataframe(findings_table(outcome.warnings), hide_index=True, width="stretch")

st.subheader(t("upload_history"))
history = delivery_history(db, user, provider_agb)
if history.height == 0:
    st.caption(t("upload_history_empty"))
else:
    data_table(history, f"aanleveringen_{provider_agb}", labels[provider_agb],
               key="upload_history", provider_agb=provider_agb)
