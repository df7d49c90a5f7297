"""Impactmonitor Jeugdhulp — Streamlit entry point: page set-up, login, language, navigation.

Navigation is by role (`impactmonitor.access.PAGE_ROLES`); the pages themselves only display what
the domain layer returns for the logged-in user, which is where access is enforced.
"""

from __future__ import annotations

import logging

import streamlit as st

from app_pages.auth import authenticated_user, login_form, logout, logout_everywhere
from app_pages.ui import language, mark_run_finished, stop_page, t
from impactmonitor.access import visible_pages
from impactmonitor.storage import DatabaseBusy

st.set_page_config(page_title="Impactmonitor Jeugdhulp", page_icon="📊", layout="wide")
# Captions are faded text by default (contrast 3.9:1); WCAG 2.1 AA needs 4.5:1.
st.html("<style>[data-testid='stCaptionContainer'], [data-testid='stCaptionContainer'] p "
        "{color: #595755 !important; opacity: 1 !important;}</style>")

# page key -> (file, title key, icon, url path). Order is the order in the menu.
PAGES = {
    "overview": ("app_pages/overview.py", "page_overview", ":material/flag:", "overzicht"),
    "municipality": ("app_pages/municipality.py", "page_municipality",
                     ":material/location_city:", "gemeente"),
    "categories": ("app_pages/categories.py", "page_categories", ":material/table_chart:",
                   "kpis"),
    "provider": ("app_pages/provider.py", "page_provider", ":material/domain:", "aanbieder"),
    "escalation": ("app_pages/escalation.py", "page_escalation", ":material/stairs:",
                   "escalatie"),
    "upload": ("app_pages/upload.py", "page_upload", ":material/upload_file:", "aanleveren"),
    "delivery_status": ("app_pages/delivery_status.py", "page_delivery_status",
                        ":material/event_available:", "aanleverstatus"),
    "mirror": ("app_pages/mirror.py", "page_mirror", ":material/compare:", "spiegelrapport"),
    "admin": ("app_pages/admin.py", "page_admin", ":material/settings:", "beheer"),
    "audit": ("app_pages/audit.py", "page_audit", ":material/history:", "auditlog"),
}


def _language_switch() -> None:
    choice = st.radio(
        "Taal / Language", ["nl", "en"], index=["nl", "en"].index(language()),
        format_func=lambda code: {"nl": "Nederlands", "en": "English"}[code], horizontal=True,
    )
    if choice != language():
        st.query_params["lang"] = choice
        st.rerun()


with st.sidebar:
    _language_switch()

# Every run checks the session in the database first (ended elsewhere, account changed).
user = authenticated_user()
if user is None:
    st.navigation([st.Page(login_form, title=t("login_button"), icon=":material/login:",
                           url_path="login")], position="hidden").run()
    stop_page()

with st.sidebar:
    st.caption(t("logged_in_as", name=user.display_name or user.username,
                 role=t(f"role_{user.role}")))
    if st.button(t("logout_button")):
        logout()
        st.rerun()
    if st.button(t("logout_everywhere_button"), help=t("logout_everywhere_help")):
        logout_everywhere()
        st.rerun()

pages = [st.Page(path, title=t(title_key), icon=icon, url_path=url_path)
         for path, title_key, icon, url_path in (PAGES[key] for key in visible_pages(user))]
try:
    st.navigation(pages).run()
except DatabaseBusy:
    st.warning(t("error_database_busy"))
except Exception:  # st.rerun/st.stop are BaseExceptions and pass through untouched
    # Users get a plain message, never a traceback; the details go to the server log.
    logging.getLogger("impactmonitor").exception("page failed")
    st.error(t("error_unexpected"))
# The browser tests' signal that this run has finished (app_pages/ui.py).
mark_run_finished()
