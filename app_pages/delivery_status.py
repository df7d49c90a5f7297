"""Aanleverstatus: which provider-quarters are complete, late, incomplete or missing."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app_pages.auth import current_user
from app_pages.ui import (
    cached,
    data_table,
    export_buttons,
    filters_description,
    language,
    may_open_provider,
    open_provider,
    stop_page,
    t,
    url_filter,
)
from impactmonitor.config import setting
from impactmonitor.delivery_status import (
    STATUSES,
    delivery_status,
    summary_from_status,
    timeliness_from_status,
)
from impactmonitor.display import category_label, delivery_status_label
from schemas.reference import CATEGORIES

TINTS = {
    "complete": "#CDEBE0",
    "late": "#F8E3B5",
    "incomplete": "#F8E3B5",
    "missing": "#F5CDB8",
    "pending": "#EEEEEE",
}
QUARTERS_SHOWN = 8

user = current_user()
lang = language()
st.title(t("page_delivery_status"))
status = cached(delivery_status, user)
if status.height == 0:
    st.info(t("delivery_status_empty"))
    stop_page()

all_quarters = sorted(status["quarter"].unique().to_list())
columns = st.columns(3)
category = url_filter(
    "category",
    list(CATEGORIES),
    t("filter_category"),
    format_func=lambda c: category_label(c, lang),
    container=columns[0],
)
shown_status = url_filter(
    "status",
    list(STATUSES),
    t("delivery_status_filter"),
    format_func=lambda s: delivery_status_label(s, lang),
    container=columns[1],
)
first = url_filter(
    "from",
    all_quarters,
    t("delivery_status_from"),
    allow_all=False,
    container=columns[2],
    default=all_quarters[-min(QUARTERS_SHOWN, len(all_quarters))],
)
filters_text = filters_description(
    {"category": category, "status": shown_status, "quarter": f"{first} …"}
)
st.caption(filters_text)
st.caption(" · ".join(delivery_status_label(s, lang) for s in STATUSES))

selected = status.filter(pl.col("quarter") >= first)
if category:
    selected = selected.filter(pl.col("category") == category)
if shown_status:
    keep = selected.filter(pl.col("status") == shown_status)["provider_agb"].unique()
    selected = selected.filter(pl.col("provider_agb").is_in(keep.to_list()))
if selected.height == 0:
    st.info(t("categories_empty"))
    stop_page()

cells = selected.with_columns(
    pl.Series("cell", [delivery_status_label(s, lang) for s in selected["status"]], dtype=pl.String)
)
grid = cells.pivot(
    on="quarter", index=["provider_agb", "name", "category"], values="cell", sort_columns=True
).sort("category", "name")
codes = grid.select("provider_agb").join(
    selected.pivot(on="quarter", index=["provider_agb"], values="status", sort_columns=True),
    on="provider_agb",
    how="left",
    maintain_order="left",
)
quarter_columns = [c for c in grid.columns if c not in ("provider_agb", "name", "category")]
tints = {
    q: [TINTS.get(code) if code else None for code in codes[q].to_list()] for q in quarter_columns
}
clickable = may_open_provider()
if clickable:
    st.caption(t("delivery_status_click_hint"))
chosen = data_table(
    grid,
    t("export_name_delivery_status"),
    filters_text,
    key="delivery_status_grid",
    pinned=("provider_agb", "name"),
    tints=tints,
    select=clickable,
    export=False,
)
# The export is the grid as shown; the XLSX adds the long data (tables, completion, days late).
export_buttons(
    grid,
    t("export_name_delivery_status"),
    filters_text,
    key="delivery_status_export",
    extra_sheets={
        t("export_data_sheet"): selected.select(
            "provider_agb",
            "name",
            "category",
            "quarter",
            "status",
            "tables_delivered",
            "completed_at",
            "days_late",
        )
    },
)
if chosen is not None:
    open_provider(grid["provider_agb"][chosen], quarter=quarter_columns[-1])

st.subheader(t("delivery_status_timeliness", days=setting("delivery", "deadline_days")))
timeliness = timeliness_from_status(selected).sort("on_time_share", "name")
data_table(
    timeliness,
    t("export_name_timeliness"),
    filters_text,
    key="delivery_timeliness",
    pinned=("provider_agb", "name"),
)

st.subheader(t("delivery_status_summary"))
summary = summary_from_status(status).filter(pl.col("quarter") >= first)
data_table(summary, t("export_name_delivery_summary"), filters_text, key="delivery_summary")
