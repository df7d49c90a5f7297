"""Auditlog: who did what when (management and administrators)."""

from __future__ import annotations

import streamlit as st

from app_pages.auth import current_user
from app_pages.ui import data_table, database, t
from impactmonitor.audit import audit_actions, audit_events

user = current_user()
db = database()
st.title(t("page_audit"))
actions = audit_actions(db, user)
action = st.selectbox(t("audit_action"), [None, *actions],
                      format_func=lambda a: t("audit_all") if a is None else a, key="audit_action")
events = audit_events(db, user, action)
st.caption(t("audit_count", count=events.height))
data_table(events, "auditlog", t("audit_action") + ": " + (action or t("audit_all")),
           key="audit_events")
