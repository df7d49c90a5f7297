"""Escalatieladder: providers by current step, open proposals, reviews due, the decision form."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import streamlit as st

from app_pages.auth import current_user
from app_pages.ui import (
    cached,
    data_table,
    database,
    export_buttons,
    filters_description,
    language,
    stop_page,
    t,
    url_filter,
)
from impactmonitor.access import allowed
from impactmonitor.escalation import (
    decision_history,
    escalation_board,
    ladder_config,
    record_decision,
    reviews_due_from_board,
    step_names,
)
from schemas.reference import CATEGORIES, CATEGORY_LABELS

user = current_user()
lang = language()
st.title(t("page_escalation"))
board = cached(escalation_board, user, lang=lang)
if board.height == 0:
    st.info(t("no_data_yet"))
    stop_page()
names = step_names(lang)
category = url_filter("category", list(CATEGORIES), t("filter_category"),
                      format_func=lambda c: CATEGORY_LABELS[c][lang])
filters_text = filters_description({"category": category})
st.caption(filters_text + " · " + t("escalation_evaluated", quarter=board["quarter"][0]))
if category:
    board = board.filter(pl.col("category") == category)

# ---- the board: providers by current step -------------------------------------------------------
st.subheader(t("escalation_board"))
columns = st.columns(len(names))
for step, (column, name) in enumerate(zip(columns, names, strict=True)):
    on_step = board.filter(pl.col("step") == step)
    column.metric(f"{step}. {name}", on_step.height)
    for provider in on_step.filter(pl.col("step") > 0)["name"].to_list():
        column.caption(provider)

# ---- open proposals ------------------------------------------------------------------------------
st.subheader(t("escalation_proposals"))
proposals = board.filter(pl.col("proposed_step").is_not_null()).sort(
    "direction", "step", descending=[True, True])
if proposals.height == 0:
    st.caption(t("escalation_no_proposals"))
else:
    shown = proposals.select(
        pl.col("name").alias(t("admin_name")), pl.col("category").alias(t("filter_category")),
        pl.col("step_name").alias(t("escalation_current")),
        pl.col("proposed_step_name").alias(t("escalation_proposed")),
        pl.col("reasons").list.join(" · ").alias(t("escalation_reasons")),
    )
    st.dataframe(shown, hide_index=True, width="stretch")
    export_buttons(shown, "escalatievoorstellen", filters_text, key="escalation_export")

# ---- reviews due ---------------------------------------------------------------------------------
st.subheader(t("escalation_reviews"))
reviews = reviews_due_from_board(board, lang=lang)
if category:
    reviews = reviews.filter(pl.col("category") == category)
if reviews.height == 0:
    st.caption(t("escalation_no_reviews"))
else:
    data_table(reviews.select(
        pl.col("name").alias(t("admin_name")), pl.col("category").alias(t("filter_category")),
        pl.col("step_name").alias(t("escalation_current")),
        pl.col("due_date").alias(t("escalation_due")),
        pl.Series(t("escalation_overdue"),
                  ["! " + t("escalation_overdue") if o else "" for o in reviews["overdue"]],
                  dtype=pl.String),
        pl.col("reason_texts").list.join(" · ").alias(t("escalation_reasons")),
    ), "reviews", filters_text, key="escalation_reviews")

# ---- decision form -------------------------------------------------------------------------------
st.subheader(t("escalation_decide"))
if not allowed(user, "decide_escalation"):
    st.caption(t("escalation_no_permission"))
else:
    labels = {r["provider_agb"]: f"{r['name']} ({r['provider_agb']}) — {r['step_name']}"
              for r in board.iter_rows(named=True)}
    default = proposals["provider_agb"][0] if proposals.height else next(iter(labels))
    provider_agb = st.selectbox(t("filter_provider"), list(labels), format_func=labels.get,
                                index=list(labels).index(default), key="escalation_provider")
    row = board.filter(pl.col("provider_agb") == provider_agb).row(0, named=True)
    if row["proposed_step"] is not None:
        st.info(t("escalation_proposal_for", step=row["proposed_step_name"],
                  reasons=" · ".join(row["reasons"])))
    formal = ladder_config().formal_step
    may_formal = allowed(user, "decide_escalation_formal", provider_agb)
    choices = [s for s in range(len(names))
               if may_formal or (s < formal and row["step"] < formal)]
    if not choices:
        st.warning(t("escalation_formal_only"))
    else:
        suggested = row["proposed_step"] if row["proposed_step"] in choices else row["step"]
        with st.form("escalation_form", clear_on_submit=True):
            to_step = st.selectbox(t("escalation_new_step"), choices,
                                   index=choices.index(suggested) if suggested in choices else 0,
                                   format_func=lambda s: f"{s}. {names[s]}",
                                   key="escalation_to_step")
            reason = st.text_area(t("escalation_reason"), key="escalation_reason")
            actions = st.text_area(t("escalation_actions"), key="escalation_actions")
            review = st.date_input(t("escalation_review_date"),
                                   value=date.today() + timedelta(days=91),
                                   format="DD-MM-YYYY", key="escalation_review")
            submitted = st.form_submit_button(t("escalation_save"))
        if not may_formal:
            st.caption(t("escalation_formal_note"))
        if submitted:
            if not reason.strip():
                st.error(t("escalation_reason_required"))
            else:
                proposal = ({"step": row["proposed_step"], "rules": row["rules"],
                             "reasons": row["reasons"]}
                            if row["proposed_step"] is not None else None)
                record_decision(database(), user, provider_agb, to_step, reason,
                                agreed_actions=actions, review_date=review, proposal=proposal)
                st.session_state["escalation_saved"] = t(
                    "escalation_saved", name=row["name"], step=names[to_step])
                st.rerun()
        if "escalation_saved" in st.session_state:
            st.success(st.session_state.pop("escalation_saved"))

# ---- history -------------------------------------------------------------------------------------
with st.expander(t("escalation_history")):
    history = cached(decision_history, user, lang=lang)
    data_table(history.select("decided_at", "name", "decided_by", "from_step_name",
                              "to_step_name", "reason", "agreed_actions", "review_date"),
               "escalatiebesluiten", filters_text, key="escalation_history")
