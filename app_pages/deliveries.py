"""Aanleveringen: the stored deliveries per provider and quarter (latest version of each table)."""

from __future__ import annotations

import streamlit as st

from app_pages.auth import current_user
from app_pages.ui import data_table, database, t
from impactmonitor.deliveries import delivery_overview

st.title(t("page_deliveries"))
overview = delivery_overview(database(), current_user())
if overview.height == 0:
    st.info(t("deliveries_empty"))
else:
    st.caption(t("deliveries_count", count=overview.height))
    data_table(overview, "aanleveringen", t("page_deliveries"), key="deliveries")
