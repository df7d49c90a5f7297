"""Overzicht (management): the 30% target, contributions and headline KPIs for the region.

For a municipality user the same page covers its own municipalities only (the data layer filters
the population rows); results and offer KPIs are not delivered per municipality and are left out.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from app_pages.auth import current_user
from app_pages.ui import (
    cached,
    data_table,
    database,
    format_kpi,
    language,
    metric_delta,
    pdf_download,
    stop_page,
    t,
)
from impactmonitor import figures
from impactmonitor.access import MIN_PROVIDERS_SHOWN, allowed
from impactmonitor.kpis import KPIS, aggregate_kpis, kpi, provider_quarters
from impactmonitor.municipality import municipality_choices, not_by_municipality
from impactmonitor.quarters import previous
from impactmonitor.target import (
    INDEXES,
    target_contributions,
    target_overview,
)

TARGET_ICONS = {
    "on_track": "✔",
    "met": "✔",
    "near_miss": "≈",
    "at_risk": "!",
    "off_track": "✖",
    "not_met": "✖",
    "no_data": "–",
}
HEADLINE_KPIS = ("goal_achievement", "dropout", "satisfaction", "intake_wait_days", "waiting_list")

user = current_user()
lang = language()
st.title(t("page_overview"))
quarters = cached(provider_quarters, user)
if not quarters:
    st.info(t("no_data_yet"))
    stop_page()
latest = quarters[0]
st.caption(t("overview_caption", quarter=latest))
if allowed(user, "board_report"):
    from impactmonitor.board import board_pdf, board_pptx

    pdf_column, pptx_column = st.columns(2)
    with pdf_column:
        pdf_download(
            "board_button",
            lambda: board_pdf(database(), user, latest, lang),
            t("file_board_report", quarter=latest),
            key="overview_board",
            quarter=latest,
        )
    with pptx_column:
        pdf_download(
            "board_pptx_button",
            lambda: board_pptx(database(), user, latest, lang),
            t("file_board_slides", quarter=latest),
            key="overview_board_pptx",
            quarter=latest,
            ready_key="board_pptx_ready",
            mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        )
headline_kpis = HEADLINE_KPIS
if user.is_municipality:
    own = cached(municipality_choices, user)
    st.info(
        t("overview_municipality_scope", names=", ".join(own["municipality_name"].to_list()) or "–")
    )
    st.caption(t("municipality_population_only", kpis=", ".join(not_by_municipality(lang))))
    headline_kpis = tuple(k.key for k in KPIS if k.by_municipality)

# ---- headline KPIs ------------------------------------------------------------------------------
st.subheader(
    t(
        "overview_headline_municipality",
        quarter=latest,
        names=", ".join(own["municipality_name"].to_list()),
    )
    if user.is_municipality
    else t("overview_headline", quarter=latest)
)
headline = cached(aggregate_kpis, user, (previous(latest), latest), by=(), kpis=headline_kpis)
columns = st.columns(len(headline_kpis))
for column, key in zip(columns, headline_kpis, strict=True):
    definition = kpi(key)
    rows = headline.filter(pl.col("kpi") == key)
    now = rows.filter(pl.col("quarter") == latest)
    before = rows.filter(pl.col("quarter") == previous(latest))
    value = now["value"][0] if now.height else None
    prior = before["value"][0] if before.height else None
    delta = None if value is None or prior is None else value - prior
    column.metric(
        definition.name(lang),
        format_kpi(value, definition.unit),
        **metric_delta(delta, definition.unit, definition.direction),
        help=definition.explanation(lang),
    )

# ---- the 30% target -----------------------------------------------------------------------------
series, assessments = cached(target_overview, user, lang=lang)
for index in INDEXES:
    st.subheader(index.name(lang))
    assessment = assessments.filter(pl.col("index") == index.key)
    if assessment.height:
        row = assessment.row(0, named=True)
        icon = TARGET_ICONS.get(row["status"], "–")
        box = (
            st.success
            if row["status"] in ("on_track", "met")
            else (st.warning if row["status"] in ("at_risk", "near_miss") else st.error)
        )
        box(f"{icon} {row['statement']}")
    index_series = series.filter(pl.col("index") == index.key)
    if index_series.height:
        st.plotly_chart(
            figures.target_figure(index_series, index.name(lang), lang),
            key=f"overview_target_{index.key}",
            width="stretch",
        )
        with st.expander(t("overview_target_table")):
            data_table(
                index_series,
                t("export_name_target_index", index=index.key),
                index.name(lang),
                key=f"overview_series_{index.key}",
                units={"value": "index"},
                columns=[
                    "quarter",
                    "clients",
                    "baseline_clients",
                    "value",
                    "target_path",
                    "projection",
                    "projection_low",
                    "projection_high",
                ],
            )

# ---- contributions ------------------------------------------------------------------------------
st.subheader(t("overview_contributions"))
index_key = st.radio(
    t("overview_index"),
    [i.key for i in INDEXES],
    horizontal=True,
    format_func=lambda k: next(i.name(lang) for i in INDEXES if i.key == k),
    key="overview_index",
)
by_provider, by_municipality = st.tabs([t("overview_by_provider"), t("overview_by_municipality")])
for tab, by, label_column in (
    (by_provider, "provider", "name"),
    (by_municipality, "municipality", "municipality_name"),
):
    with tab:
        contributions = cached(target_contributions, user, index_key, by=by)
        if contributions.height == 0:
            st.caption(
                t("overview_providers_suppressed", minimum=MIN_PROVIDERS_SHOWN)
                if user.is_municipality and by == "provider"
                else t("categories_empty")
            )
            continue
        top = contributions.head(15)
        figure = figures.new_figure(
            go.Bar(
                y=top[label_column].to_list(),
                x=top["contribution"].to_list(),
                orientation="h",
                marker_color=[
                    figures.STATUS_COLORS["green"]
                    if (c or 0) * (-1 if index_key == "short_residential" else 1) > 0
                    else figures.STATUS_COLORS["red"]
                    for c in top["contribution"].to_list()
                ],
            )
        )
        figure.update_layout(
            height=420,
            separators=",." if lang == "nl" else ".,",
            title=t("overview_contribution_chart"),
            yaxis={"autorange": "reversed"},
            margin={"l": 220},
        )
        st.plotly_chart(figure, key=f"overview_contrib_{by}", width="stretch")
        data_table(
            contributions,
            t("export_name_contributions", index=index_key, by=by),
            t("overview_by_" + by),
            key=f"overview_contributions_{by}",
        )
