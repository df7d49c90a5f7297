"""Impactmonitor Jeugdhulp — Streamlit entry point: page set-up, login, language, navigation.

Navigation is by role (`impactmonitor.access.PAGE_ROLES`); the pages themselves only display what
the domain layer returns for the logged-in user, which is where access is enforced.

Every page has its own url path (/overzicht, /kpis, ...), also the first page of a role and also
before the login: a logged-out visitor of /kpis gets the login form there and the page after
logging in; a page outside the role answers with a plain message instead of Streamlit's English
"Page not found" dialog. The language lives in the session and in the URL (`?lang=en`), so it
survives the menu, a reload and the login.
"""

from __future__ import annotations

import logging

import streamlit as st

from app_pages.auth import authenticated_user, login_form, logout, logout_everywhere
from app_pages.ui import (
    AS_OF_KEY,
    keep_language_in_url,
    language,
    mark_run_finished,
    start_run,
    stop_page,
    t,
    widget_texts,
)
from impactmonitor.access import visible_pages
from impactmonitor.lake import LakeNotInitialized
from impactmonitor.storage import DatabaseBusy

st.set_page_config(page_title=t("app_name"), page_icon="📊", layout="wide")
# Captions are faded text by default (contrast 3.9:1); WCAG 2.1 AA needs 4.5:1.
st.html(
    "<style>[data-testid='stCaptionContainer'], [data-testid='stCaptionContainer'] p "
    "{color: #595755 !important; opacity: 1 !important;}</style>"
)

# page key -> (file, title key, icon, url path). Order is the order in the menu.
PAGES = {
    "overview": ("app_pages/overview.py", "page_overview", ":material/flag:", "overzicht"),
    "municipality": (
        "app_pages/municipality.py",
        "page_municipality",
        ":material/location_city:",
        "gemeente",
    ),
    "categories": ("app_pages/categories.py", "page_categories", ":material/table_chart:", "kpis"),
    "provider": ("app_pages/provider.py", "page_provider", ":material/domain:", "aanbieder"),
    "escalation": ("app_pages/escalation.py", "page_escalation", ":material/stairs:", "escalatie"),
    "upload": ("app_pages/upload.py", "page_upload", ":material/upload_file:", "aanleveren"),
    "delivery_status": (
        "app_pages/delivery_status.py",
        "page_delivery_status",
        ":material/event_available:",
        "aanleverstatus",
    ),
    "mirror": ("app_pages/mirror.py", "page_mirror", ":material/compare:", "spiegelrapport"),
    "admin": ("app_pages/admin.py", "page_admin", ":material/settings:", "beheer"),
    "audit": ("app_pages/audit.py", "page_audit", ":material/history:", "auditlog"),
}


def _language_switch() -> None:
    choice = st.radio(
        t("language_switch"),
        ["nl", "en"],
        index=["nl", "en"].index(language()),
        # each language's name in that language (the same words in both catalogues)
        format_func=lambda code: t(f"language_{code}"),
        horizontal=True,
    )
    if choice != language():
        st.session_state["language"] = choice
        st.query_params["lang"] = choice
        st.rerun()


def _placeholder(url_path: str, show) -> st.Page:
    """A hidden page at `url_path` that runs `show` (never the page's own script)."""

    def page() -> None:
        show()

    page.__name__ = f"placeholder_{url_path}"
    return st.Page(page, title=t("login_button"), url_path=url_path, visibility="hidden")


def _not_for_role() -> None:
    st.title(t("page_not_available_title"))
    st.info(t("page_not_available"))


start_run()
keep_language_in_url()
widget_texts()
with st.sidebar:
    _language_switch()

# Every run checks the session in the database first (ended elsewhere, account changed).
try:
    user = authenticated_user()
except DatabaseBusy:  # another process holds the database file for longer than the lock wait
    st.warning(t("error_database_busy"))
    stop_page()
if user is None:
    # The login form answers at every page's address; after logging in, that page opens.
    st.navigation(
        [
            st.Page(
                login_form,
                title=t("login_button"),
                icon=":material/login:",
                url_path="login",
                default=True,
            ),
            *(_placeholder(path, login_form) for *_, path in PAGES.values()),
        ],
        position="hidden",
    ).run()
    stop_page()

with st.sidebar:
    st.caption(
        t("logged_in_as", name=user.display_name or user.username, role=t(f"role_{user.role}"))
    )
    if st.button(t("logout_button")):
        logout()
        st.rerun()
    if st.button(t("logout_everywhere_button"), help=t("logout_everywhere_help")):
        logout_everywhere()
        st.rerun()


def _first_page_here() -> None:
    """At "/" (and "/login"): the role's first page, run in place. Streamlit serves its default
    page only at "/", so the real first page is an ordinary page at its own address; a redirect
    instead would drop this run's output (such as the session cookie just set)."""
    import runpy

    runpy.run_path(PAGES[visible[0]][0], run_name="__page__")


visible = visible_pages(user)
home = st.Page(
    _first_page_here, title=t(PAGES[visible[0]][1]), url_path="", default=True, visibility="hidden"
)
pages = [
    home,
    *(
        st.Page(path, title=t(title_key), icon=icon, url_path=url_path)
        for path, title_key, icon, url_path in (PAGES[key] for key in visible)
    ),
    *(_placeholder(PAGES[key][3], _not_for_role) for key in PAGES if key not in visible),
    _placeholder("login", _first_page_here),
]
looking_back = st.session_state.get(AS_OF_KEY)
if looking_back is not None:
    st.info(
        t("as_of_banner", when=looking_back[1], provider=looking_back[2]), icon=":material/history:"
    )
    if st.button(t("as_of_back"), key="as_of_back"):
        st.session_state.pop(AS_OF_KEY)
        st.rerun()
try:
    st.navigation(pages).run()
except DatabaseBusy:
    st.warning(t("error_database_busy"))
except LakeNotInitialized:
    st.error(t("error_lake_not_initialized"))
except PermissionError:  # a write attempted while looking back at a snapshot (read-only)
    st.warning(t("as_of_read_only"))
except Exception:  # st.rerun/st.stop are BaseExceptions and pass through untouched
    # Users get a plain message, never a traceback; the details go to the server log.
    logging.getLogger("impactmonitor").exception("page failed")
    st.error(t("error_unexpected"))
# The browser tests' signal that this run has finished (app_pages/ui.py).
mark_run_finished()
