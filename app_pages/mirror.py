"""Spiegelrapport: own KPIs against the own category and the region (others only as aggregates),
the own escalation step, review date, agreements and explanations."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app_pages import loop_ui
from app_pages.auth import current_user
from app_pages.ui import (
    cached,
    data_table,
    database,
    export_buttons,
    filters_description,
    format_kpi,
    language,
    pdf_download,
    provider_picker,
    status_label,
    stop_page,
    t,
    url_filter,
)
from impactmonitor import figures
from impactmonitor.agreements import agreement_progress
from impactmonitor.deliveries import delivered_quarters, provider_choices
from impactmonitor.escalation import current_steps, step_name
from impactmonitor.explanations import explanation_threads
from impactmonitor.kpis import KPIS, kpi, kpi_table, provider_quarters
from impactmonitor.mirror import (
    comparison_text,
    mirror_report,
    mirror_window,
    rank_text,
    rules_text,
)
from impactmonitor.reports import mirror_pdf

user = current_user()
lang = language()
st.title(t("page_mirror"))
providers = cached(provider_choices, user)
quarters = cached(provider_quarters, user)
if providers.height == 0 or not quarters:
    st.info(t("no_data_yet"))
    stop_page()
left, right = st.columns(2)
provider_agb, labels = provider_picker(providers, container=left)
# Open on the provider's newest quarter with data (not an empty quarter of another provider).
own_quarters = cached(delivered_quarters, user, provider_agb)
quarter = url_filter(
    "quarter",
    quarters,
    t("filter_quarter"),
    allow_all=False,
    container=right,
    default=own_quarters[0] if own_quarters else None,
)
filters_text = filters_description({"provider": labels[provider_agb], "quarter": quarter})
st.caption(filters_text)
if quarter not in own_quarters:
    st.info(
        t(
            "provider_quarter_without_data",
            quarter=quarter,
            latest=own_quarters[0] if own_quarters else "–",
        )
    )
st.write(rules_text(lang))
pdf_download(
    "report_download_mirror_pdf",
    lambda: mirror_pdf(database(), user, provider_agb, quarter, lang),
    t("file_mirror_report", agb=provider_agb, quarter=quarter),
    key=f"mirror_{provider_agb}_{quarter}",
    provider_agb=provider_agb,
    quarter=quarter,
)

# The table needs every KPI for one quarter, the chart one KPI over the window: two small
# queries instead of every KPI over every quarter.
report = cached(mirror_report, user, provider_agb, (quarter,))
own_status = cached(kpi_table, user, quarter, provider_agb=provider_agb).select("kpi", "status")
rows = report.filter(pl.col("quarter") == quarter).join(own_status, on="kpi", how="left")
table = pl.DataFrame(
    [
        {
            t("provider_col_kpi"): kpi(r["kpi"]).name(lang),
            t("mirror_own"): format_kpi(r["value"], kpi(r["kpi"]).unit),
            t("provider_col_status"): status_label(r["status"]),
            t("mirror_category", category=r["category"]): comparison_text(
                r["category_value"], r["category_suppression"], kpi(r["kpi"]).unit, lang
            ),
            t("mirror_region"): comparison_text(
                r["region_value"], r["region_suppression"], kpi(r["kpi"]).unit, lang
            ),
            t("mirror_rank"): rank_text(
                r["category_rank"], r["category_ranked"], r["category_quartile"], lang
            ),
        }
        for r in rows.iter_rows(named=True)
    ]
)
if table.height == 0:
    st.info(t("categories_empty"))
else:
    st.dataframe(table, hide_index=True, width="stretch", placeholder="–")
    export_buttons(
        rows,
        t("export_name_mirror_report", agb=provider_agb, quarter=quarter),
        filters_text,
        key="mirror_export",
        provider_agb=provider_agb,
        quarter=quarter,
        columns=[
            "kpi",
            "value",
            "status",
            "category_value",
            "region_value",
            "category_suppression",
            "region_suppression",
            "category_rank",
            "category_ranked",
            "category_quartile",
        ],
    )

# ---- the provider's own view of the cycle: step, review date, agreements, explanations -----------
st.subheader(t("mirror_loop_heading"))
ladder = cached(current_steps, user).filter(pl.col("provider_agb") == provider_agb)
step = int(ladder["step"][0]) if ladder.height else 0
loop_ui.review_summary(
    f"{step} — {step_name(step, lang)}", ladder["review_date"][0] if ladder.height else None
)
progress = cached(agreement_progress, user, provider_agb, quarter, lang=lang)
if progress.height == 0:
    st.caption(t("agreement_none"))
else:
    loop_ui.agreements_table(
        progress,
        t("export_name_provider_agreements", agb=provider_agb, quarter=quarter),
        filters_text,
        key="mirror_agreements",
        provider_agb=provider_agb,
    )
st.markdown(f"**{t('mirror_explanations', quarter=quarter)}**")
threads = cached(explanation_threads, user, provider_agb, (quarter,), lang=lang)
if threads.height == 0:
    st.caption(t("explanation_none", quarter=quarter))
else:
    loop_ui.threads_table(
        threads,
        t("export_name_explanations", agb=provider_agb, quarter=quarter),
        filters_text,
        key="mirror_explanations",
        provider_agb=provider_agb,
    )

chosen = st.selectbox(
    t("mirror_trend_kpi"),
    [k.key for k in KPIS],
    format_func=lambda key: kpi(key).name(lang),
    key="mirror_trend_kpi",
)
series = cached(mirror_report, user, provider_agb, mirror_window(quarter), (chosen,)).sort(
    "quarter"
)
if series.height:
    figure = figures.mirror_figure(
        series, kpi(chosen).name(lang), kpi(chosen).unit, series["category"][0], lang
    )
    st.plotly_chart(figure, key="mirror_chart", width="stretch")
    with st.expander(t("provider_chart_table", kpi=kpi(chosen).name(lang))):
        data_table(
            series,
            t("export_name_mirror_series", kpi=chosen, agb=provider_agb),
            filters_text,
            key="mirror_series",
            provider_agb=provider_agb,
            columns=[
                "quarter",
                "value",
                "category_value",
                "region_value",
                "category_suppression",
                "region_suppression",
                "category_rank",
                "category_ranked",
                "category_quartile",
            ],
            units=dict.fromkeys(("value", "category_value", "region_value"), kpi(chosen).unit),
        )
