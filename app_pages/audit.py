"""Auditlog: who did what when (management and administrators), filtered and paged."""

from __future__ import annotations

import math
from datetime import date, timedelta

import polars as pl
import streamlit as st

from app_pages.auth import current_user
from app_pages.ui import data_table, database, language, number, stop_page, t
from impactmonitor.audit import (
    PAGE_SIZE,
    audit_actions,
    audit_actors,
    audit_count,
    audit_events,
    event_details,
)
from impactmonitor.deliveries import provider_choices
from impactmonitor.display import audit_action_label
from impactmonitor.formatting import date_text

user = current_user()
db = database()
lang = language()
st.title(t("page_audit"))

providers = provider_choices(db, user)
names = dict(providers.select("provider_agb", "name").iter_rows())
today = date.today()
c1, c2, c3, c4 = st.columns(4)
period = c1.date_input(
    t("audit_period"),
    value=(today - timedelta(days=90), today),
    format="DD-MM-YYYY",
    key="audit_period",
)
actor = c2.selectbox(
    t("audit_user"),
    [None, *audit_actors(db, user)],
    key="audit_actor",
    format_func=lambda a: t("audit_all") if a is None else a,
)
provider = c3.selectbox(
    t("audit_provider"),
    [None, *names],
    key="audit_provider",
    format_func=lambda a: t("audit_all") if a is None else f"{names[a]} ({a})",
)
action = c4.selectbox(
    t("audit_action"),
    [None, *audit_actions(db, user)],
    key="audit_action",
    format_func=lambda a: t("audit_all") if a is None else audit_action_label(a, lang),
)
since, until = (
    (tuple(period) + (None, None))[:2] if isinstance(period, tuple | list) else (period, period)
)
filters = {
    "action": action,
    "actor": actor,
    "provider_agb": provider,
    "since": since,
    "until": until or since,
}
count = audit_count(db, user, **filters)
if count == 0:
    st.info(t("audit_none"))
    stop_page()
pages = max(1, math.ceil(count / PAGE_SIZE))
page = st.pagination(pages, key="audit_page") if pages > 1 else 1
st.caption(t("audit_page_of", count=number(count), page=page, pages=pages))
events = audit_events(db, user, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **filters)
events = events.with_columns(
    pl.Series(
        "details",
        [event_details(a, d, lang) for a, d in events.select("action", "details").iter_rows()],
        dtype=pl.String,
    )
)
parts = [
    f"{t('audit_period')}: {date_text(since, lang)} – {date_text(until or since, lang)}"
    if since
    else None,
    f"{t('audit_user')}: {actor}" if actor else None,
    f"{t('audit_provider')}: {names[provider]} ({provider})" if provider else None,
    f"{t('audit_action')}: {audit_action_label(action, lang)}" if action else None,
]
data_table(
    events,
    t("export_name_audit_log"),
    t("filters_active", filters="; ".join(p for p in parts if p)),
    key="audit_events",
    pinned=("occurred_at",),
    column_config={"details": st.column_config.TextColumn(width="large")},
)
