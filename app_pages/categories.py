"""KPI's per categorie: A/B/C side by side, a row per provider with coloured KPI cells.

A click on a provider's row opens its detail page with the quarter and care form carried over.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from app_pages.auth import current_user
from app_pages.ui import (
    STATUS_ICONS,
    STATUS_TINTS,
    cached,
    data_table,
    export_buttons,
    filters_description,
    format_delta,
    format_kpi,
    language,
    may_open_provider,
    open_provider,
    status_key,
    stop_page,
    styled_table,
    t,
    url_filter,
)
from impactmonitor.deliveries import provider_choices
from impactmonitor.display import care_form_label, category_label, municipality_label
from impactmonitor.kpis import (
    aggregate_kpis,
    applicable_kpis,
    kpi,
    kpi_table,
    kpi_values,
    provider_quarters,
)
from impactmonitor.municipality import (
    RATIO_KPI,
    municipality_indexes,
    municipality_provider_population,
    not_by_municipality,
)
from impactmonitor.quarters import shift
from impactmonitor.target import INDEXES
from schemas.reference import CARE_FORMS, CATEGORIES, municipalities

HEADLINE_KPIS = (
    "goal_achievement",
    "dropout",
    "satisfaction",
    "intake_wait_days",
    "treatment_wait_days",
    "length_of_stay_days",
    "ambulant_bed_ratio",
    "waiting_list",
)
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
quarter = url_filter(
    "quarter", quarters, t("filter_quarter"), allow_all=False, container=columns[0]
)
category = url_filter(
    "category",
    list(CATEGORIES),
    t("filter_category"),
    format_func=lambda c: category_label(c, lang),
    container=columns[1],
)
municipality = url_filter(
    "municipality",
    sorted(municipalities()),
    t("filter_municipality"),
    format_func=lambda c: municipality_label(c, lang),
    container=columns[2],
)
care_form = url_filter(
    "care_form",
    list(CARE_FORMS),
    t("filter_care_form"),
    format_func=lambda c: care_form_label(c, lang),
    container=columns[3],
)
lots = sorted({lot for lot in providers["lot"].to_list() if lot})
lot = url_filter("lot", lots, t("filter_lot"), container=columns[4])
filters = {
    "quarter": quarter,
    "category": category,
    "municipality": municipality,
    "care_form": care_form,
    "lot": lot,
}
filters_text = filters_description(filters)
if municipality is not None:
    # Only the population is delivered per municipality: say which KPIs that leaves out.
    st.info(t("categories_municipality_note", kpis=", ".join(not_by_municipality(lang))))

available = [
    k.key
    for k in applicable_kpis(
        municipality_filter=municipality is not None, care_form_filter=care_form is not None
    )
]
if municipality is None:
    # All KPIs are one choice away; the headline set is the default (the table stays readable).
    kpi_keys = st.multiselect(
        t("categories_kpi_picker"),
        available,
        default=[k for k in HEADLINE_KPIS if k in available],
        format_func=lambda k: kpi(k).name(lang),
        key="categories_kpis",
        placeholder=t("choose_options"),
    ) or [k for k in HEADLINE_KPIS if k in available]
else:
    kpi_keys = available  # the ambulant/bed ratio, unless a care form is chosen
kpi_names = {k: kpi(k).name(lang) for k in kpi_keys}
st.caption(filters_text)


def wide_table(
    rows: pl.DataFrame,
) -> tuple[pl.DataFrame, dict[str, list[str]], dict[str, list[str | None]]]:
    """(values, texts, tints): one row per provider, one column per KPI; the cells keep the
    numeric value (sorting) and show value, status icon and change."""
    cells = rows.filter(pl.col("kpi").is_in(kpi_keys))
    # A plain loop, not map_elements: the texts depend on the session's language, which only
    # the script thread can read.
    cells = cells.with_columns(
        pl.Series("cell", [cell_text(r) for r in cells.iter_rows(named=True)], dtype=pl.String)
    )
    index = ["provider_agb", "name", "lot"]
    values = cells.pivot("kpi", index=index, values="value").sort("name")
    order = values.select("provider_agb")
    texts_frame = order.join(
        cells.pivot("kpi", index=["provider_agb"], values="cell"),
        on="provider_agb",
        how="left",
        maintain_order="left",
    )
    status = order.join(
        cells.pivot("kpi", index=["provider_agb"], values="status"),
        on="provider_agb",
        how="left",
        maintain_order="left",
    )
    present = [k for k in kpi_keys if k in values.columns]
    values = values.select(*index, *present)
    texts = {k: [x or "–" for x in texts_frame[k].to_list()] for k in present}
    tints = {k: [STATUS_TINTS.get(s) if s else None for s in status[k].to_list()] for k in present}
    return values, texts, tints


def sparklines() -> pl.DataFrame:
    """The sparkline KPI of every provider over the last quarters (one query for all tabs).

    Quarters without a value are left out of a line (a gap would turn the chart into text)."""
    window = [shift(quarter, -i) for i in range(SPARKLINE_QUARTERS - 1, -1, -1)]
    values = cached(
        kpi_values,
        user,
        ("provider_agb", "quarter"),
        quarters=tuple(window),
        kpis=(SPARKLINE_KPI,),
        care_forms=(care_form,) if care_form else None,
        lots=(lot,) if lot else None,
    )
    if values.height == 0:
        return pl.DataFrame(schema={"provider_agb": pl.String, "trend": pl.List(pl.Float64)})
    return (
        values.filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan())
        .sort("quarter")
        .group_by("provider_agb", maintain_order=True)
        .agg(pl.col("value").alias("trend"))
    )


def aggregates(by: tuple[str, ...]) -> pl.DataFrame:
    """Category totals (by=("category",)) or the region (by=()), one query each."""
    return cached(
        aggregate_kpis,
        user,
        (quarter,),
        by=by,
        care_forms=(care_form,) if care_form else None,
        municipalities=(municipality,) if municipality else None,
        lots=(lot,) if lot else None,
    )


def totals(category_code: str) -> pl.DataFrame:
    """The category and the region as two rows with the same KPI columns."""
    levels = {
        t("categories_total", category=category_code): aggregates(("category",)).filter(
            pl.col("category") == category_code
        ),
        t("categories_region"): aggregates(()),
    }
    data: dict[str, list[str]] = {t("categories_level"): list(levels)}
    for key in kpi_keys:
        data[kpi_names[key]] = []
        for frame in levels.values():
            row = frame.filter(pl.col("kpi") == key)
            data[kpi_names[key]].append(
                f"{format_kpi(row['value'][0], row['unit'][0])} "
                f"{STATUS_ICONS[status_key(row['status'][0])]}"
                if row.height
                else "–"
            )
    return pl.DataFrame(data)


def cell_text(row: dict) -> str:
    """A KPI cell: value, status icon and change; "n.v.t." where the KPI does not apply."""
    if row["status"] == "n/a":
        return t("status_n/a")
    return " ".join(
        part
        for part in (
            format_kpi(row["value"], row["unit"]),
            STATUS_ICONS[status_key(row["status"])],
            format_delta(row["delta"], row["unit"]),
        )
        if part
    )


def municipality_indexes_shown(code: str) -> None:
    """The two target indexes of the municipality against its own baseline, and the region."""
    indexes = cached(municipality_indexes, user, code).filter(pl.col("quarter") == quarter)
    name = municipality_label(code, lang)
    for column, index in zip(st.columns(len(INDEXES)), INDEXES, strict=True):
        row = indexes.filter(pl.col("index") == index.key)
        value = row["value"][0] if row.height else None
        column.metric(
            t("categories_municipality_index", index=index.name(lang), name=name, quarter=quarter),
            format_kpi(value, "ratio"),
            help=t("categories_municipality_index_help"),
        )
        column.caption(
            t(
                "municipality_vs_region",
                value=format_kpi(row["region_value"][0] if row.height else None, "ratio"),
            )
        )


def municipality_table(
    rows: pl.DataFrame, ratio: pl.DataFrame
) -> tuple[pl.DataFrame, dict[str, list[str]]]:
    """One row per provider: clients per care form (start + inflow), flow, and the ratio."""
    labels = {c: care_form_label(c, lang) for c in CARE_FORMS}
    index = ["provider_agb", "name", "lot"]
    per_form = rows.pivot("care_form", index=index, values="clients")
    forms = [c for c in CARE_FORMS if c in per_form.columns]
    flow = rows.group_by(index, maintain_order=True).agg(
        pl.col("clients_start", "inflow", "outflow", "clients_end").sum()
    )
    table = (
        flow.join(
            per_form.select("provider_agb", *forms),
            on="provider_agb",
            how="left",
            maintain_order="left",
        )
        .rename({c: labels[c] for c in forms})
        .sort("name")
    )
    texts: dict[str, list[str]] = {}
    if ratio.height:
        table = table.join(
            ratio.select("provider_agb", pl.col("value").alias(RATIO_KPI)),
            on="provider_agb",
            how="left",
            maintain_order="left",
        )
        by_agb = {r["provider_agb"]: cell_text(r) for r in ratio.iter_rows(named=True)}
        texts[RATIO_KPI] = [by_agb.get(a, "–") for a in table["provider_agb"]]
    return table, texts


shown = [category] if category else list(CATEGORIES)
clickable = may_open_provider()
if municipality is not None:
    municipality_indexes_shown(municipality)
    population = cached(
        municipality_provider_population,
        user,
        municipality,
        quarter,
        care_form=care_form,
        category=category,
        lot=lot,
    )
    ratios = (
        cached(
            kpi_table,
            user,
            quarter,
            category=category,
            lot=lot,
            municipality=municipality,
            kpis=(RATIO_KPI,),
        )
        if RATIO_KPI in kpi_keys
        else pl.DataFrame()
    )
    st.caption(t("categories_municipality_caption", name=municipality_label(municipality, lang)))
    if clickable:
        st.caption(t("categories_click_hint"))
    for tab, category_code in zip(
        st.tabs([category_label(c, lang) for c in shown]), shown, strict=True
    ):
        with tab:
            rows = population.filter(pl.col("category") == category_code)
            if rows.height == 0:
                st.info(t("categories_empty"))
                continue
            ratio = ratios.filter(pl.col("category") == category_code) if ratios.height else ratios
            table, texts = municipality_table(rows, ratio)
            chosen = data_table(
                table,
                t(
                    "export_name_category_population",
                    municipality=municipality,
                    category=category_code,
                    quarter=quarter,
                ),
                f"{filters_text} · {category_label(category_code, lang)}",
                key=f"categories_municipality_{category_code}",
                quarter=quarter,
                units={RATIO_KPI: "ratio"},
                pinned=("provider_agb", "name"),
                cell_texts=texts,
                select=clickable,
            )
            if chosen is not None:
                open_provider(table["provider_agb"][chosen], quarter=quarter, care_form=care_form)
    st.caption(t("status_legend"))
    stop_page()

all_rows = cached(
    kpi_table,
    user,
    quarter,
    category=category,
    lot=lot,
    care_form=care_form,
    municipality=municipality,
    kpis=tuple(kpi_keys),
)
trends = sparklines()
if clickable:
    st.caption(t("categories_click_hint"))
tabs = st.tabs([category_label(c, lang) for c in shown])
for tab, category_code in zip(tabs, shown, strict=True):
    with tab:
        rows = all_rows.filter(pl.col("category") == category_code)
        if rows.height == 0:
            st.info(t("categories_empty"))
            continue
        values, texts, tints = wide_table(rows)
        values = values.join(trends, on="provider_agb", how="left", maintain_order="left")
        column_config = {
            "trend": st.column_config.LineChartColumn(
                t("categories_sparkline", kpi=kpi(SPARKLINE_KPI).name(lang)), y_min=0, y_max=1
            ),
            **{
                k: st.column_config.Column(help=kpi(k).explanation(lang))
                for k in kpi_keys
                if k in values.columns
            },
        }
        styler, labels = styled_table(values, cell_texts=texts, tints=tints)
        config = {
            labels["provider_agb"]: st.column_config.Column(pinned=True),
            labels["name"]: st.column_config.Column(pinned=True),
            **{labels[c]: v for c, v in column_config.items() if c in labels},
        }
        event = st.dataframe(
            styler,
            hide_index=True,
            width="stretch",
            column_config=config,
            placeholder="–",
            key=f"categories_table_{category_code}",
            **({"on_select": "rerun", "selection_mode": "single-row"} if clickable else {}),
        )
        st.caption(t("status_legend"))
        st.dataframe(
            totals(category_code),
            hide_index=True,
            width="stretch",
            key=f"categories_totals_{category_code}",
        )
        # The export is the table as shown (wide); the long data with numerator and
        # denominator follows on a second sheet of the XLSX.
        export_buttons(
            values.drop("trend"),
            f"kpis_{category_code}_{quarter}",
            f"{filters_text} · {category_label(category_code, lang)}",
            key=f"categories_export_{category_code}",
            quarter=quarter,
            units={k: kpi(k).unit for k in kpi_keys},
            extra_sheets={
                t("export_data_sheet"): rows.select(
                    "provider_agb",
                    "name",
                    "category",
                    "lot",
                    "quarter",
                    "kpi",
                    "numerator",
                    "denominator",
                    "value",
                    "unit",
                    "status",
                    "norm_green",
                    "norm_amber",
                    "direction",
                    "norm",
                    "delta",
                )
            },
        )
        if clickable and event is not None and event.selection.rows:
            chosen = values["provider_agb"][event.selection.rows[0]]
            open_provider(chosen, quarter=quarter, care_form=care_form)
