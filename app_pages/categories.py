"""KPI's per categorie: A/B/C side by side, a row per provider with coloured KPI cells."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app_pages.auth import current_user
from app_pages.ui import (
    STATUS_ICONS,
    STATUS_TINTS,
    cached,
    export_buttons,
    filters_description,
    format_delta,
    format_kpi,
    language,
    status_key,
    stop_page,
    t,
    url_filter,
)
from impactmonitor.deliveries import provider_choices
from impactmonitor.kpis import aggregate_kpis, kpi, kpi_table, kpi_values, provider_quarters
from impactmonitor.quarters import shift
from schemas.reference import CARE_FORM_LABELS, CATEGORIES, CATEGORY_LABELS, municipalities

HEADLINE_KPIS = ("goal_achievement", "dropout", "satisfaction", "intake_wait_days",
                 "treatment_wait_days", "length_of_stay_days", "ambulant_bed_ratio",
                 "waiting_list")
SPARKLINE_KPI = "goal_achievement"
SPARKLINE_QUARTERS = 8

user = current_user()
lang = language()
st.title(t("page_categories"))

quarters = cached(provider_quarters, user)
if not quarters:
    st.info(t("no_data_yet"))
    stop_page()

providers = cached(provider_choices, user)
columns = st.columns(5)
quarter = url_filter("quarter", quarters, t("filter_quarter"), allow_all=False,
                     container=columns[0])
category = url_filter("category", list(CATEGORIES), t("filter_category"),
                      format_func=lambda c: CATEGORY_LABELS[c][lang], container=columns[1])
municipality = url_filter("municipality", sorted(municipalities()), t("filter_municipality"),
                          format_func=lambda c: f"{municipalities()[c].name} ({c})",
                          container=columns[2])
care_form = url_filter("care_form", list(CARE_FORM_LABELS), t("filter_care_form"),
                       format_func=lambda c: CARE_FORM_LABELS[c][lang], container=columns[3])
lots = sorted({lot for lot in providers["lot"].to_list() if lot})
lot = url_filter("lot", lots, t("filter_lot"), container=columns[4])
filters = {"quarter": quarter, "category": category, "municipality": municipality,
           "care_form": care_form, "lot": lot}
filters_text = filters_description(filters)
st.caption(filters_text)
if municipality is not None:
    st.info(t("categories_municipality_note"))

kpi_keys = [k for k in HEADLINE_KPIS
            if not (municipality and not kpi(k).by_municipality)
            and not (care_form and not kpi(k).by_care_form)]
kpi_names = {k: kpi(k).name(lang) for k in kpi_keys}


def wide_table(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(display table, status per cell): one row per provider, one column per KPI."""
    if rows.height == 0:
        return pl.DataFrame(), pl.DataFrame()
    cells = rows.filter(pl.col("kpi").is_in(kpi_keys))
    # A plain loop, not map_elements: the texts depend on the session's language, which only
    # the script thread can read.
    cells = cells.with_columns(pl.Series("cell", [
        " ".join(part for part in (
            format_kpi(r["value"], r["unit"]), STATUS_ICONS[status_key(r["status"])],
            format_delta(r["delta"], r["unit"])) if part)
        for r in cells.iter_rows(named=True)], dtype=pl.String))
    display = cells.pivot("kpi", index=["provider_agb", "name", "lot"], values="cell")
    status = cells.pivot("kpi", index=["provider_agb"], values="status")
    present = [k for k in kpi_keys if k in display.columns]
    display = display.select("provider_agb", "name", pl.col("lot").fill_null("–"), *present)
    return display, status.select("provider_agb", *[k for k in present])


def sparklines() -> pl.DataFrame:
    """The sparkline KPI of every provider over the last quarters (one query for all tabs)."""
    window = [shift(quarter, -i) for i in range(SPARKLINE_QUARTERS - 1, -1, -1)]
    values = cached(kpi_values, user, ("provider_agb", "quarter"), quarters=tuple(window),
                    kpis=(SPARKLINE_KPI,), care_forms=(care_form,) if care_form else None,
                    lots=(lot,) if lot else None)
    if values.height == 0:
        return pl.DataFrame(schema={"provider_agb": pl.String, "trend": pl.List(pl.Float64)})
    return values.sort("quarter").group_by("provider_agb", maintain_order=True).agg(
        pl.col("value").alias("trend"))


def styled(display: pl.DataFrame, status: pl.DataFrame):
    frame = display.to_pandas()
    status_frame = status.to_pandas().set_index("provider_agb")

    def colour(column):
        if column.name not in status_frame.columns:
            return [""] * len(column)
        return [f"background-color: {STATUS_TINTS.get(status_frame.at[agb, column.name], '')}"
                if agb in status_frame.index else ""
                for agb in frame["provider_agb"]]

    return frame.style.apply(colour, axis=0)


def aggregates(by: tuple[str, ...]) -> pl.DataFrame:
    """Category totals (by=("category",)) or the region (by=()), one query each."""
    return cached(aggregate_kpis, user, (quarter,), by=by,
                  care_forms=(care_form,) if care_form else None,
                  municipalities=(municipality,) if municipality else None,
                  lots=(lot,) if lot else None)


def totals(category_code: str | None) -> pl.DataFrame:
    if category_code:
        rows = aggregates(("category",)).filter(pl.col("category") == category_code)
    else:
        rows = aggregates(())
    rows = rows.filter(pl.col("kpi").is_in(kpi_keys))
    label = (t("categories_total", category=category_code) if category_code
             else t("categories_region"))
    return pl.DataFrame({
        t("categories_level"): [label],
        **{kpi_names[r["kpi"]]: [f"{format_kpi(r['value'], r['unit'])} "
                                 f"{STATUS_ICONS[status_key(r['status'])]}"]
           for r in rows.iter_rows(named=True)},
    })


shown = [category] if category else list(CATEGORIES)
all_rows = cached(kpi_table, user, quarter, category=category, lot=lot, care_form=care_form,
                  municipality=municipality, kpis=tuple(kpi_keys))
trends = sparklines()
tabs = st.tabs([CATEGORY_LABELS[c][lang] for c in shown])
for tab, category_code in zip(tabs, shown, strict=True):
    with tab:
        rows = all_rows.filter(pl.col("category") == category_code)
        display, status = wide_table(rows)
        st.caption(f"{filters_text} · {CATEGORY_LABELS[category_code][lang]}")
        if display.height == 0:
            st.info(t("categories_empty"))
            continue
        display = display.join(trends, on="provider_agb", how="left")
        column_config = {
            "provider_agb": st.column_config.TextColumn("AGB"),
            "name": st.column_config.TextColumn(t("admin_name")),
            "lot": st.column_config.TextColumn(t("filter_lot")),
            "trend": st.column_config.LineChartColumn(
                t("categories_sparkline", kpi=kpi(SPARKLINE_KPI).name(lang)), y_min=0, y_max=1),
            **{k: st.column_config.TextColumn(kpi_names[k], help=kpi(k).explanation(lang))
               for k in kpi_keys},
        }
        st.dataframe(styled(display, status), hide_index=True, width="stretch",
                     column_config=column_config, key=f"categories_table_{category_code}")
        st.caption(t("categories_legend"))
        st.dataframe(pl.concat([totals(category_code), totals(None)], how="diagonal"),
                     hide_index=True, width="stretch")
        export_buttons(
            rows.select("provider_agb", "name", "category", "lot", "quarter", "kpi",
                        "numerator", "denominator", "value", "status", "norm", "delta"),
            f"kpis_{category_code}_{quarter}", f"{filters_text} · {category_code}",
            key=f"categories_export_{category_code}", quarter=quarter)

st.divider()
labels = {agb: f"{name} ({agb})" for agb, name in
          providers.select("provider_agb", "name").iter_rows()}
left, right = st.columns([3, 1])
chosen = left.selectbox(t("categories_open_provider"), list(labels), format_func=labels.get,
                        key="categories_open_provider_choice")
if right.button(t("categories_open"), key="categories_open_provider"):
    st.switch_page("app_pages/provider.py",
                   query_params={"provider": chosen, "quarter": quarter, "lang": lang})
