"""Gemeente: one municipality's population, its target indexes against its own baseline, the
providers that serve it and the region next to it (municipality users, contract managers,
management). UI only: what may be shown is decided in `impactmonitor.municipality` / `access`."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app_pages.auth import current_user
from app_pages.ui import (
    cached,
    data_table,
    filters_description,
    format_kpi,
    language,
    number,
    stop_page,
    t,
    url_filter,
)
from impactmonitor import figures
from impactmonitor.access import MIN_PROVIDERS_SHOWN
from impactmonitor.display import care_form_label
from impactmonitor.kpis import provider_quarters
from impactmonitor.municipality import (
    municipality_choices,
    municipality_comparison,
    municipality_flow,
    municipality_indexes,
    municipality_population,
    municipality_providers,
    municipality_ratio,
    not_by_municipality,
)
from impactmonitor.target import INDEXES, target_config, target_path
from schemas.reference import AGE_GROUPS, CARE_FORMS, municipalities

user = current_user()
lang = language()
st.title(t("page_municipality"))
choices = cached(municipality_choices, user)
if choices.height == 0:
    st.info(t("municipality_none"))
    stop_page()
names = dict(choices.select("municipality_code", "municipality_name").iter_rows())
if st.query_params.get("municipality") not in (None, *names):
    st.warning(t("municipality_not_available"))  # never says whether the code exists
    st.query_params.pop("municipality", None)
left, right = st.columns(2)
code = url_filter(
    "municipality",
    list(names),
    t("filter_municipality"),
    format_func=lambda c: f"{names[c]} ({c})",
    allow_all=False,
    container=left,
)
name = names[code]
quarters = cached(provider_quarters, user)
if not quarters:
    st.info(t("municipality_no_data", name=name))
    stop_page()
quarter = url_filter("quarter", quarters, t("filter_quarter"), allow_all=False, container=right)
filters = {"municipality": f"{name} ({code})", "quarter": quarter}
filters_text = filters_description(filters)
st.caption(t("municipality_caption", name=name, code=code, quarter=quarter))
st.caption(filters_text)
st.info(t("municipality_population_only", kpis=", ".join(not_by_municipality(lang))))
merged = [m for m in municipalities().values() if m.successor_code == code]
if merged:
    since = municipalities()[code].valid_from
    st.caption(
        t(
            "municipality_merged",
            codes=", ".join(f"{m.name} ({m.code})" for m in merged),
            name=name,
            date=since.strftime("%d-%m-%Y") if since else "–",
        )
    )

# ---- the two target indexes against the municipality's own baseline ------------------------------
config = target_config()
indexes = cached(municipality_indexes, user, code)
columns = st.columns(len(INDEXES))
for column, index in zip(columns, INDEXES, strict=True):
    series = indexes.filter(pl.col("index") == index.key).filter(pl.col("quarter") <= quarter)
    with column:
        st.subheader(index.name(lang))
        if series.height == 0 or series["value"].drop_nulls().len() == 0:
            st.caption(t("municipality_no_data", name=name))
            continue
        now = series.filter(pl.col("quarter") == quarter)
        value = now["value"][0] if now.height else None
        region = now["region_value"][0] if now.height else None
        st.metric(
            t("municipality_index_metric", name=name, quarter=quarter),
            format_kpi(value, "ratio"),
            help=t(
                "municipality_index_help",
                name=name,
                year=config.baseline_year,
                baseline=number(series["baseline_clients"][0], 1),
            ),
        )
        st.caption(t("municipality_vs_region", value=format_kpi(region, "ratio")))
        chart = series.with_columns(
            pl.Series(
                "target_path",
                [target_path(q, index.key, config) for q in series["quarter"]],
                dtype=pl.Float64,
            )
        )
        st.plotly_chart(
            figures.comparison_figure(chart, index.name(lang), name, lang),
            key=f"municipality_index_{index.key}",
            width="stretch",
        )
        with st.expander(t("overview_target_table")):
            data_table(
                chart.select(
                    "quarter",
                    "clients",
                    "baseline_clients",
                    "value",
                    pl.col("region_value").alias("region"),
                    "target_path",
                ),
                t("export_name_municipality_index", code=code, index=index.key),
                filters_text,
                key=f"municipality_index_table_{index.key}",
            )

# ---- next to the region --------------------------------------------------------------------------
st.subheader(t("municipality_comparison", name=name, quarter=quarter))
comparison = cached(municipality_comparison, user, code, quarter)
measure_names = {index.key: index.name(lang) for index in INDEXES}
measure_names["ambulant_bed_ratio"] = t("municipality_ratio")
for key in ("clients", "inflow", "outflow"):
    measure_names[key] = t(f"municipality_measure_{key}")
shown = comparison.select(
    pl.col("measure").replace_strict(measure_names).alias("measure"),
    *(
        pl.Series(
            column,
            [
                format_kpi(v, "ratio" if u != "count" else "count")
                for v, u in zip(comparison[column], comparison["unit"], strict=True)
            ],
        )
        for column in ("municipality", "region")
    ),
)
data_table(
    shown,
    t("export_name_municipality_region", code=code),
    filters_text,
    key="municipality_comparison",
)
st.caption(t("municipality_region_note", minimum=MIN_PROVIDERS_SHOWN))

# ---- clients per care form and age group over time -----------------------------------------------
st.subheader(t("municipality_care_forms"))
population = cached(municipality_population, user, code)
ages = [None, *AGE_GROUPS]
age = st.selectbox(
    t("municipality_age_group"),
    ages,
    key="municipality_age",
    format_func=lambda a: t("municipality_all_ages") if a is None else a.replace("_", "–"),
)
selected = population if age is None else population.filter(pl.col("age_group") == age)
per_care_form = (
    selected.group_by("quarter", "care_form")
    .agg(pl.col("clients").sum())
    .sort("quarter", "care_form")
)
if per_care_form.height:
    age_text = t("municipality_all_ages") if age is None else age.replace("_", "–")
    st.plotly_chart(
        figures.care_form_figure(
            per_care_form, f"{t('municipality_care_forms')} — {name}, {age_text}", lang
        ),
        key="municipality_care_form_chart",
        width="stretch",
    )
    wide = (
        per_care_form.with_columns(
            pl.col("care_form").replace_strict({cf: care_form_label(cf, lang) for cf in CARE_FORMS})
        )
        .pivot("care_form", index="quarter", values="clients")
        .sort("quarter")
    )
    with st.expander(t("overview_target_table")):
        data_table(
            wide,
            t("export_name_municipality_care_forms", code=code),
            filters_text,
            key="municipality_care_form_table",
        )
        data_table(
            selected.filter(pl.col("quarter") == quarter).with_columns(
                pl.col("care_form").replace_strict(
                    {cf: care_form_label(cf, lang) for cf in CARE_FORMS}
                ),
                pl.col("age_group").str.replace("_", "–"),
            ),
            t("export_name_municipality_population", code=code, quarter=quarter),
            filters_text,
            key="municipality_population_table",
        )
else:
    st.caption(t("municipality_no_data", name=name))

# ---- inflow / outflow and the ambulant/bed ratio -------------------------------------------------
flow_column, ratio_column = st.columns(2)
flow = cached(municipality_flow, user, code)
with flow_column:
    st.subheader(t("municipality_flow"))
    if flow.height:
        st.plotly_chart(
            figures.flow_figure(flow, f"{t('municipality_flow')} — {name}", lang),
            key="municipality_flow_chart",
            width="stretch",
        )
        with st.expander(t("overview_target_table")):
            data_table(
                flow,
                t("export_name_municipality_flow", code=code),
                filters_text,
                key="municipality_flow_table",
            )
ratio = cached(municipality_ratio, user, code)
with ratio_column:
    st.subheader(t("municipality_ratio"))
    if ratio.height:
        st.plotly_chart(
            figures.comparison_figure(
                ratio, f"{t('municipality_ratio')} — {name}", name, lang, unit="ratio"
            ),
            key="municipality_ratio_chart",
            width="stretch",
        )
        with st.expander(t("overview_target_table")):
            data_table(
                ratio.rename({"region_value": "region"}),
                t("export_name_municipality_ambulant_bed", code=code),
                filters_text,
                key="municipality_ratio_table",
            )

# ---- the providers that serve it -----------------------------------------------------------------
st.subheader(t("municipality_providers", name=name, quarter=quarter))
care_form = st.selectbox(
    t("filter_care_form"),
    [None, *CARE_FORMS],
    key="municipality_care",
    format_func=lambda cf: t("filter_all") if cf is None else care_form_label(cf, lang),
)
shares = cached(municipality_providers, user, code, quarter, care_form)
if shares.suppressed:
    st.info(
        t("municipality_providers_suppressed", count=shares.providers, minimum=MIN_PROVIDERS_SHOWN)
    )
elif shares.table.height == 0:
    st.caption(t("municipality_no_data", name=name))
else:
    st.caption(t("municipality_providers_caption", name=name, total=number(shares.total_clients)))
    provider_filters = filters_description(
        {**filters, "care_form": None if care_form is None else care_form_label(care_form, lang)}
    )
    data_table(
        shares.table.with_columns(
            pl.col("share").map_elements(lambda v: format_kpi(v, "share"), return_dtype=pl.String)
        ),
        t("export_name_municipality_providers", code=code, quarter=quarter),
        provider_filters,
        key="municipality_providers_table",
    )
