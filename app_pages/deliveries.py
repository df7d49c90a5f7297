"""Aanleveringen: the stored deliveries per provider and quarter (latest version of each table)."""

from __future__ import annotations

import streamlit as st

from app_pages.ui import database, t

st.title(t("page_deliveries"))
db = database()
overview = db.query(
    """
    SELECT v.provider_agb, coalesce(p.name, '?') AS name, v.quarter,
           string_agg(v.table_name || ' v' || v.version, ', ' ORDER BY v.table_name) AS tables,
           max(v.accepted_at) AS last_accepted
    FROM latest_table_versions v
    LEFT JOIN providers p USING (provider_agb)
    GROUP BY ALL
    ORDER BY v.quarter DESC, v.provider_agb
    """
)
if overview.height == 0:
    st.info(t("deliveries_empty"))
else:
    st.caption(t("deliveries_count", count=overview.height))
    st.dataframe(overview, hide_index=True, width="stretch")
