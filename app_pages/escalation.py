"""Escalatieladder: providers by current step, open proposals (accept or reject from the row),
agreements and their progress, reviews per contract manager, talk packs for this quarter's
reviews, the decision form."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import streamlit as st

from app_pages import loop_ui
from app_pages.auth import current_user
from app_pages.ui import (
    AS_OF_KEY,
    cached,
    data_table,
    database,
    filters_description,
    language,
    may_open_provider,
    open_provider,
    stop_page,
    t,
    url_filter,
)
from impactmonitor.access import allowed
from impactmonitor.agreements import agreement_progress
from impactmonitor.display import category_label
from impactmonitor.escalation import (
    contract_managers,
    decision_history,
    escalation_board,
    proposal_record,
    record_decision,
    reviews_due_from_board,
    step_names,
    steps_allowed,
    with_contract_managers,
)
from schemas.reference import CATEGORIES

user = current_user()
lang = language()
st.title(t("page_escalation"))
board = cached(escalation_board, user, lang=lang)
if board.height == 0:
    st.info(t("no_data_yet"))
    stop_page()
names = step_names(lang)
category = url_filter(
    "category",
    list(CATEGORIES),
    t("filter_category"),
    format_func=lambda c: category_label(c, lang),
)
filters_text = filters_description({"category": category})
st.caption(filters_text + " · " + t("escalation_evaluated", quarter=board["quarter"][0]))
if category:
    board = board.filter(pl.col("category") == category)
may_decide = allowed(user, "decide_escalation")
if "escalation_saved" in st.session_state:  # what the forms below just stored
    st.success(st.session_state.pop("escalation_saved"))

# ---- the board: providers by current step -------------------------------------------------------
st.subheader(t("escalation_board"))
# Six narrow columns: step names and provider names wrap instead of ending in "…".
st.html(
    "<style>.st-key-escalation_board [data-testid='stMetricLabel'] *,"
    " .st-key-escalation_board [data-testid='stPageLink'] *"
    " {white-space: normal; overflow: visible; text-overflow: clip;}</style>"
)
columns = st.container(key="escalation_board").columns(len(names))
clickable = may_open_provider()
for step, (column, name) in enumerate(zip(columns, names, strict=True)):
    on_step = board.filter(pl.col("step") == step)
    column.metric(f"{step}. {name}", on_step.height)
    for agb, provider in (
        on_step.filter(pl.col("step") > 0).select("provider_agb", "name").iter_rows()
    ):
        if clickable:
            column.page_link(
                "app_pages/provider.py",
                label=provider,
                query_params={"provider": agb, "lang": lang, "quarter": board["quarter"][0]},
            )
        else:
            column.caption(provider)
if clickable:
    st.caption(t("escalation_click_hint"))

# ---- open proposals: accept or reject from the row ----------------------------------------------
st.subheader(t("escalation_proposals"))
proposals = board.filter(pl.col("proposed_step").is_not_null()).sort(
    "direction", "step", descending=[True, True]
)
if proposals.height == 0:
    st.caption(t("escalation_no_proposals"))
else:
    chosen = data_table(
        proposals,
        t("export_name_escalation_proposals"),
        filters_text,
        key="escalation_proposals",
        columns=["provider_agb", "name", "category", "step_name", "proposed_step_name", "reasons"],
        pinned=("name",),
        select=clickable,
    )
    if chosen is not None:
        open_provider(proposals["provider_agb"][chosen], quarter=board["quarter"][0])
    if may_decide:
        loop_ui.proposal_answers(user, proposals)
rejected = board.filter(pl.col("rejected_at").is_not_null())
if rejected.height:
    with st.expander(t("escalation_rejected_list", count=rejected.height)):
        for row in rejected.iter_rows(named=True):
            st.caption(
                t(
                    "talk_rejected_before",
                    date=f"{row['rejected_at']:%d-%m-%Y}",
                    by=row["rejected_by"],
                    reason=row["rejection_reason"],
                )
                + f" ({row['name']})"
            )

# ---- agreements and their progress --------------------------------------------------------------
st.subheader(t("escalation_agreements"))
progress = cached(agreement_progress, user, None, board["quarter"][0], lang=lang)
if category:
    progress = progress.filter(pl.col("category") == category)
if progress.height == 0:
    st.caption(t("agreement_none"))
else:
    order = {
        "missed": 0,
        "off_track": 1,
        "at_risk": 2,
        "no_data": 3,
        "on_track": 4,
        "not_started": 5,
        "achieved": 6,
    }
    progress = (
        progress.with_columns(pl.col("status").replace_strict(order, default=9).alias("_order"))
        .sort("_order", "name")
        .drop("_order")
    )
    loop_ui.agreements_table(
        progress,
        t("export_name_agreements"),
        filters_text,
        key="escalation_agreements",
        with_provider=True,
    )

# ---- reviews per contract manager, overdue first ------------------------------------------------
st.subheader(t("escalation_reviews"))
reviews = with_contract_managers(
    reviews_due_from_board(board, lang=lang), cached(contract_managers, user)
)
if category:
    reviews = reviews.filter(pl.col("category") == category)
if reviews.height == 0:
    st.caption(t("escalation_no_reviews"))
else:
    managers = sorted({m for m in reviews["contract_manager"].to_list() if m is not None})
    choices = [None, *managers, ""]
    default = choices.index(user.username) if user.username in choices else 0
    manager = st.selectbox(
        t("escalation_contract_manager"),
        choices,
        index=default,
        format_func={
            None: t("filter_all"),
            "": t("escalation_unassigned"),
            **{m: m for m in managers},
        }.get,
        key="escalation_manager",
    )
    if manager == "":
        reviews = reviews.filter(pl.col("contract_manager").is_null())
    elif manager is not None:
        reviews = reviews.filter(pl.col("contract_manager") == manager)
    reviews = reviews.with_columns(
        pl.col("contract_manager").fill_null(t("escalation_unassigned")),
        pl.Series(
            "overdue_text",
            ["! " + t("escalation_overdue") if o else "" for o in reviews["overdue"]],
            dtype=pl.String,
        ),
    )
    chosen = data_table(
        reviews,
        "reviews",
        filters_text,
        key="escalation_reviews",
        columns=[
            "contract_manager",
            "provider_agb",
            "name",
            "category",
            "step_name",
            "due_date",
            "overdue_text",
            "reason_texts",
        ],
        pinned=("name",),
        select=clickable,
    )
    if chosen is not None:
        open_provider(reviews["provider_agb"][chosen], quarter=board["quarter"][0])
    if allowed(user, "prepare_talk"):
        loop_ui.talk_pack_batch_section(user)

# ---- decision form -------------------------------------------------------------------------------
st.subheader(t("escalation_decide"))
if not may_decide:
    st.caption(t("escalation_no_permission"))
else:
    labels = {
        r["provider_agb"]: f"{r['name']} ({r['provider_agb']}) — {r['step_name']}"
        for r in board.iter_rows(named=True)
    }
    default = proposals["provider_agb"][0] if proposals.height else next(iter(labels))
    provider_agb = st.selectbox(
        t("filter_provider"),
        list(labels),
        format_func=labels.get,
        index=list(labels).index(default),
        key="escalation_provider",
    )
    row = board.filter(pl.col("provider_agb") == provider_agb).row(0, named=True)
    if row["proposed_step"] is not None:
        st.info(
            t(
                "escalation_proposal_for",
                step=row["proposed_step_name"],
                reasons=" · ".join(row["reasons"]),
            )
        )
    may_formal = allowed(user, "decide_escalation_formal", provider_agb)
    choices = steps_allowed(user, provider_agb, row["step"])
    if not choices:
        st.warning(t("escalation_formal_only"))
    else:
        suggested = row["proposed_step"] if row["proposed_step"] in choices else row["step"]
        with st.form("escalation_form", clear_on_submit=True):
            to_step = st.selectbox(
                t("escalation_new_step"),
                choices,
                index=choices.index(suggested) if suggested in choices else 0,
                format_func=lambda s: f"{s}. {names[s]}",
                key="escalation_to_step",
            )
            reason = st.text_area(t("escalation_reason"), key="escalation_reason")
            actions = st.text_area(t("escalation_actions"), key="escalation_actions")
            review = st.date_input(
                t("escalation_review_date"),
                value=date.today() + timedelta(days=91),
                format="DD-MM-YYYY",
                key="escalation_review",
            )
            submitted = st.form_submit_button(t("escalation_save"), key="escalation_save")
        if not may_formal:
            st.caption(t("escalation_formal_note"))
        if submitted:
            if not reason.strip():
                st.error(t("escalation_reason_required"))
            else:
                proposal = None
                if row["proposed_step"] is not None:
                    # Keeping the step answers the proposal with "no": remembered as rejected.
                    outcome = (
                        "accepted"
                        if to_step == row["proposed_step"]
                        else "rejected"
                        if to_step == row["step"]
                        else "other"
                    )
                    proposal = proposal_record(row, outcome)
                record_decision(
                    database(),
                    user,
                    provider_agb,
                    to_step,
                    reason,
                    agreed_actions=actions,
                    review_date=review,
                    proposal=proposal,
                )
                st.session_state["escalation_saved"] = t(
                    "escalation_saved", name=row["name"], step=names[to_step]
                )
                st.rerun()

# ---- history -------------------------------------------------------------------------------------
with st.expander(t("escalation_history")):
    history = cached(decision_history, user, lang=lang)
    data_table(
        history,
        t("export_name_escalation_decisions"),
        filters_text,
        key="escalation_history",
        columns=[
            "decided_at",
            "name",
            "decided_by",
            "from_step_name",
            "to_step_name",
            "reason",
            "agreed_actions",
            "review_date",
        ],
    )
    # On DuckLake every decision keeps the snapshot of the data it was based on.
    with_snapshot = history.filter(pl.col("snapshot_id").is_not_null())
    if not database().keeps_snapshots:
        st.caption(t("as_of_unavailable"))
    elif with_snapshot.height:
        decisions = {row["decision_id"]: row for row in with_snapshot.iter_rows(named=True)}
        chosen = st.selectbox(
            t("as_of_choose"),
            list(decisions),
            key="escalation_as_of",
            format_func=lambda d: (
                f"{decisions[d]['decided_at']:%d-%m-%Y %H:%M} · "
                f"{decisions[d]['name']} · {decisions[d]['from_step_name']} → "
                f"{decisions[d]['to_step_name']}"
            ),
        )
        if st.button(t("as_of_show"), key="escalation_as_of_show"):
            row = decisions[chosen]
            st.session_state[AS_OF_KEY] = (
                row["snapshot_id"],
                f"{row['decided_at']:%d-%m-%Y %H:%M}",
                row["name"],
            )
            st.switch_page(
                "app_pages/provider.py",
                query_params={"provider": row["provider_agb"], "lang": lang},
            )
