"""Aanbieder: KPI trends with norms, SPC limits and escalation steps; breakdowns; histories;
the provider's agreements and explanations; the talk pack; decision letters."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app_pages import loop_ui
from app_pages.auth import current_user
from app_pages.ui import (
    cached,
    data_table,
    database,
    filters_description,
    language,
    pdf_download,
    provider_picker,
    stop_page,
    t,
    url_filter,
)
from impactmonitor import figures, spc
from impactmonitor.access import allowed
from impactmonitor.breakdowns import POPULATION_DIMENSIONS, provider_breakdowns
from impactmonitor.deliveries import (
    DELIVERY_HISTORY_COLUMNS,
    delivered_quarters,
    delivery_history,
    provider_choices,
)
from impactmonitor.display import care_form_label, category_label
from impactmonitor.escalation import current_steps, decision_history, step_name
from impactmonitor.explanations import explanation_threads
from impactmonitor.kpis import KPIS, kpi_history, provider_quarters
from impactmonitor.quarters import previous
from impactmonitor.reports import provider_report
from schemas.reference import CARE_FORMS

user = current_user()
lang = language()
st.title(t("page_provider"))

providers = cached(provider_choices, user)
if providers.height == 0:
    st.info(t("no_data_yet"))
    stop_page()
provider_agb, labels = provider_picker(providers)
info = providers.filter(pl.col("provider_agb") == provider_agb).row(0, named=True)
quarters = [q for q in cached(provider_quarters, user)]
if not quarters:
    st.info(t("no_data_yet"))
    stop_page()
# The provider's own quarters with data: the page opens on the newest of them, not on a
# quarter where this provider has nothing (a link may still ask for such a quarter).
own_quarters = cached(delivered_quarters, user, provider_agb)
left, right = st.columns(2)
quarter = url_filter(
    "quarter",
    quarters,
    t("filter_quarter"),
    allow_all=False,
    container=left,
    default=own_quarters[0] if own_quarters else None,
)
care_form = url_filter(
    "care_form",
    list(CARE_FORMS),
    t("filter_care_form"),
    format_func=lambda c: care_form_label(c, lang),
    container=right,
)
filters = {"provider": labels[provider_agb], "quarter": quarter, "care_form": care_form}
filters_text = filters_description(filters)
if quarter not in own_quarters:
    st.info(
        t(
            "provider_quarter_without_data",
            quarter=quarter,
            latest=own_quarters[0] if own_quarters else "–",
        )
    )

st.subheader(info["name"])
st.write(
    t(
        "provider_header",
        agb=provider_agb,
        category=category_label(info["category"], lang),
        lot=info["lot"] or "–",
    )
)
st.caption(filters_text)
pdf_download(
    "report_download_pdf",
    lambda: provider_report(database(), user, provider_agb, quarter, lang),
    t("file_provider_report", agb=provider_agb, quarter=quarter),
    key=f"provider_{provider_agb}_{quarter}",
    provider_agb=provider_agb,
    quarter=quarter,
)

decisions = cached(decision_history, user, provider_agb, lang=lang)
step = int(decisions["to_step"][0]) if decisions.height else 0  # newest decision first
ladder = cached(current_steps, user).filter(pl.col("provider_agb") == provider_agb)
loop_ui.review_summary(
    f"{step} — {step_name(step, lang)}", ladder["review_date"][0] if ladder.height else None
)

may_prepare = allowed(user, "prepare_talk", provider_agb)
tab_names = [
    t("provider_tab_kpis"),
    t("provider_tab_breakdown"),
    t("provider_tab_deliveries"),
    t("provider_tab_escalation"),
    t("provider_tab_agreements"),
    t("provider_tab_explanations"),
] + ([t("provider_tab_talk")] if may_prepare else [])
loop_ui.saved_messages()
# The open tab is kept across reruns, so a form in a tab (an explanation, a reply, an agreement,
# the talk pack) shows its result where the user is.
tabs = st.tabs(tab_names, key="provider_tab", on_change="rerun")
tab_kpis, tab_breakdown, tab_deliveries, tab_escalation, tab_agreements, tab_explanations = tabs[:6]

with tab_kpis:
    history = cached(kpi_history, user, provider_agb, care_form=care_form)
    # The change against the previous quarter, read like every delta (formatting.format_delta)
    before = history.filter(pl.col("quarter") == previous(quarter)).select(
        "kpi", pl.col("value").alias("previous_value")
    )
    current = (
        history.filter(pl.col("quarter") == quarter)
        .join(before, on="kpi", how="left", maintain_order="left")
        .with_columns((pl.col("value") - pl.col("previous_value")).alias("delta"))
    )
    summary_columns = ["kpi", "value", "status", "norm", "denominator", "delta"]
    if current.height:
        # The provider's explanation of the quarter next to the value and the signal.
        explained = {
            r["subject"]: r["explanation"]
            for r in cached(
                explanation_threads, user, provider_agb, (quarter,), lang=lang
            ).iter_rows(named=True)
        }
        summary = current.with_columns(
            pl.Series(
                "variation",
                [
                    spc.variation_label(v, side, lang, short=True)
                    for v, side in current.select("spc_variation", "spc_variation_side").iter_rows()
                ],
                dtype=pl.String,
            ),
            pl.Series(
                "assurance",
                [spc.assurance_label(a, lang, short=True) for a in current["spc_assurance"]],
                dtype=pl.String,
            ),
            pl.Series(
                "explanation_text", [explained.get(k) for k in current["kpi"]], dtype=pl.String
            ),
        )
        if "delivery" in explained:
            st.info(t("provider_delivery_explanation", text=explained["delivery"]))
        data_table(
            summary,
            f"kpis_{provider_agb}_{quarter}",
            filters_text,
            key="provider_summary",
            columns=[*summary_columns, "variation", "assurance", "explanation_text"],
            provider_agb=provider_agb,
            quarter=quarter,
        )
        st.caption(t("status_legend"))
    step_marks = decisions.select("quarter", "to_step") if decisions.height else None
    with st.expander(t("spc_help_title")):
        st.markdown(
            t(
                "spc_help",
                baseline=spc.BASELINE_POINTS,
                min_points=spc.MIN_POINTS,
                shift=spc.SHIFT_LENGTH,
                trend=spc.TREND_LENGTH,
            )
        )
    for definition in KPIS:
        series = history.filter(pl.col("kpi") == definition.key)
        if series.height == 0 or series["value"].drop_nulls().len() == 0:
            continue
        st.plotly_chart(
            figures.kpi_trend_figure(
                series, definition.name(lang), definition.unit, lang, step_marks
            ),
            key=f"provider_chart_{definition.key}",
            width="stretch",
        )
        last = series.row(series.height - 1, named=True)
        st.caption(
            t(
                "provider_chart_summary",
                variation=spc.variation_label(
                    last["spc_variation"], last["spc_variation_side"], lang
                ),
                assurance=spc.assurance_label(last["spc_assurance"], lang),
            )
        )
        signals = spc.signal_lines(series, lang)
        if signals:
            st.caption(
                t("provider_chart_signals", kpi=definition.name(lang), signals=" · ".join(signals))
            )
        with st.expander(t("provider_chart_table", kpi=definition.name(lang))):
            readable = series.with_columns(
                pl.Series(
                    "spc_signal",
                    [
                        None if kind is None else t(f"spc_variation_{kind}")
                        for kind in series["spc_signal"]
                    ],
                    dtype=pl.String,
                ),
                pl.Series(
                    "spc_rule",
                    [spc.rule_names(rules, lang) or None for rules in series["spc_rule"]],
                    dtype=pl.String,
                ),
            )
            data_table(
                readable,
                f"{definition.key}_{provider_agb}",
                filters_text,
                key=f"provider_series_{definition.key}",
                provider_agb=provider_agb,
                columns=[
                    "quarter",
                    "numerator",
                    "denominator",
                    "value",
                    "status",
                    "norm_green",
                    "norm_amber",
                    "spc_baseline",
                    "spc_centre",
                    "spc_lcl",
                    "spc_ucl",
                    "spc_signal",
                    "spc_rule",
                ],
            )


with tab_breakdown:
    breakdown = cached(provider_breakdowns, user, provider_agb, quarter)
    for dimension in POPULATION_DIMENSIONS:
        st.markdown(f"**{t('provider_population_by_' + dimension)}**")
        data_table(
            breakdown[dimension],
            t(
                "export_name_provider_population",
                dimension=dimension,
                agb=provider_agb,
                quarter=quarter,
            ),
            filters_text,
            key=f"provider_population_{dimension}",
            provider_agb=provider_agb,
            quarter=quarter,
        )
    for table in ("offer", "results"):
        st.markdown(f"**{t('table_' + table).capitalize()}**")
        data_table(
            breakdown[table],
            f"{t('table_' + table)}_{provider_agb}_{quarter}",
            filters_text,
            key=f"provider_{table}",
            provider_agb=provider_agb,
            quarter=quarter,
        )

with tab_deliveries:
    data_table(
        cached(delivery_history, user, provider_agb),
        t("export_name_deliveries", agb=provider_agb),
        filters_text,
        key="provider_deliveries",
        provider_agb=provider_agb,
        columns=DELIVERY_HISTORY_COLUMNS,
    )

with tab_escalation:
    if decisions.height == 0:
        st.caption(t("provider_no_decisions"))
    else:
        data_table(
            decisions,
            t("export_name_escalation", agb=provider_agb),
            filters_text,
            key="provider_decisions",
            provider_agb=provider_agb,
            columns=[
                "decided_at",
                "decided_by",
                "from_step_name",
                "to_step_name",
                "reason",
                "agreed_actions",
                "review_date",
                "quarter",
            ],
        )
        loop_ui.decision_details(user, decisions, provider_agb)

with tab_agreements:
    loop_ui.agreements_tab(user, provider_agb, quarter, filters_text, decisions)

with tab_explanations:
    loop_ui.explanations_tab(user, provider_agb, quarter, filters_text)

if may_prepare:
    with tabs[6]:
        loop_ui.talk_pack_tab(user, provider_agb, quarter)
