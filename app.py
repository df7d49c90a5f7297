"""Impactmonitor Jeugdhulp — Streamlit entry point: page set-up, language and navigation."""

from __future__ import annotations

import streamlit as st

from app_pages.ui import language, t

st.set_page_config(page_title="Impactmonitor Jeugdhulp", page_icon="📊", layout="wide")

with st.sidebar:
    choice = st.radio(
        "Taal / Language", ["nl", "en"], index=["nl", "en"].index(language()),
        format_func=lambda code: {"nl": "Nederlands", "en": "English"}[code], horizontal=True,
    )
    if choice != language():
        st.query_params["lang"] = choice
        st.rerun()

pages = [st.Page("app_pages/deliveries.py", title=t("page_deliveries"), icon="📥",
                 url_path="aanleveringen", default=True)]
st.navigation(pages).run()
