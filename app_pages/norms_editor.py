"""Norms tab of the admin page: the norms in effect, a form to change one, and the history."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app_pages.ui import data_table, language, t
from impactmonitor.access import User
from impactmonitor.definitions.kpis import KPIS, kpi
from impactmonitor.definitions.norms import norm_change_problem
from impactmonitor.display import category_label
from impactmonitor.norms import norm_history, norms_in_effect, set_norm
from impactmonitor.quarters import last_complete_quarter, parse_quarter, shift
from impactmonitor.storage import Database
from schemas.reference import CATEGORIES


def norms_editor(db: Database, user: User) -> None:
    from datetime import date

    lang = language()
    current_quarter = shift(last_complete_quarter(date.today()), 1)
    st.caption(t("norms_in_effect", quarter=current_quarter))
    effect = norms_in_effect(db, current_quarter).with_columns(
        pl.col("category").fill_null(t("norms_all_categories"))
    )
    data_table(
        effect,
        t("export_name_norms"),
        t("norms_in_effect", quarter=current_quarter),
        key="norms",
        columns=[
            "kpi",
            "category",
            "direction",
            "norm_green",
            "norm_amber",
            "norm_valid_from",
            "norm_source",
        ],
    )

    with st.form("norms_form"):
        st.subheader(t("norms_form"))
        c1, c2, c3 = st.columns(3)
        key = c1.selectbox(
            t("provider_col_kpi"),
            [k.key for k in KPIS],
            format_func=lambda k: kpi(k).name(lang),
            key="norms_kpi",
        )
        category = c2.selectbox(
            t("filter_category"),
            [None, *CATEGORIES],
            format_func=lambda c: (
                t("norms_all_categories") if c is None else category_label(c, lang)
            ),
            key="norms_category",
        )
        valid_from = c3.text_input(
            t("norms_valid_from"), value=current_quarter, key="norms_valid_from"
        )
        c4, c5 = st.columns(2)
        green = c4.number_input(
            t("norms_green"), value=None, step=1.0, key="norms_green", help=t("norms_units_help")
        )
        amber = c5.number_input(t("norms_amber"), value=None, step=1.0, key="norms_amber")
        reason = st.text_input(t("norms_reason"), key="norms_reason")
        submitted = st.form_submit_button(t("admin_save"))
    if submitted:
        definition = kpi(key)
        scale = 100.0 if definition.unit == "share" else 1.0
        problem = norm_change_problem(definition.direction, valid_from, green, amber, reason)
        if problem:
            st.error(t(problem))
        else:
            set_norm(
                db,
                user,
                key,
                green=None if green is None else green / scale,
                amber=None if amber is None else amber / scale,
                valid_from=valid_from,
                category=category,
                reason=reason.strip(),
            )
            st.success(t("norms_saved", quarter=parse_quarter(valid_from)))
    with st.expander(t("norms_history")):
        data_table(
            norm_history(db).with_columns(pl.col("category").fill_null(t("norms_all_categories"))),
            t("export_name_norm_history"),
            t("norms_history"),
            key="norms_history",
        )
