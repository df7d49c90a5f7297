"""Beheer: provider register, users and roles, norms (administrators)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from app_pages.auth import current_user
from app_pages.ui import data_table, database, language, show_findings, t
from impactmonitor.access import ROLES
from impactmonitor.deliveries import provider_choices
from impactmonitor.display import category_label
from impactmonitor.i18n import text
from impactmonitor.providers import edit_register, register_history
from impactmonitor.users import AccountProblem, end_user_sessions, manage_user, user_list
from pipelines.register import load_register, parse_register, register_csv
from schemas.reference import CATEGORIES, current_municipalities

user = current_user()
db = database()
lang = language()  # (read once: widgets' format functions also run outside the script)
st.title(t("page_admin"))
tab_register, tab_users, tab_norms = st.tabs(
    [t("admin_tab_register"), t("admin_tab_users"), t("admin_tab_norms")]
)

with tab_register:
    providers = provider_choices(db, user)
    data_table(
        providers, t("export_name_providers"), t("admin_tab_register"), key="admin_providers"
    )
    with st.form("admin_provider_form", clear_on_submit=False):
        st.subheader(t("admin_provider_form"))
        c1, c2, c3 = st.columns(3)
        agb = c1.text_input("AGB", max_chars=8, key="admin_agb")
        name = c2.text_input(t("admin_name"), key="admin_name")
        category = c3.selectbox(
            t("admin_category"),
            CATEGORIES,
            key="admin_category",
            format_func=lambda c: category_label(c, lang),
        )
        c4, c5, c6 = st.columns(3)
        lot = c4.text_input(t("admin_lot"), key="admin_lot")
        start = c5.date_input(
            t("admin_contract_start"),
            value=date(2023, 1, 1),
            key="admin_start",
            format="DD-MM-YYYY",
        )
        end = c6.date_input(
            t("admin_contract_end"), value=date(2026, 12, 31), key="admin_end", format="DD-MM-YYYY"
        )
        if st.form_submit_button(t("admin_save")):
            entry = {
                "provider_agb": agb,
                "name": name,
                "category": category,
                "lot": lot,
                "contract_start": start.isoformat(),
                "contract_end": end.isoformat(),
            }
            # The form's entry is checked as a register file of one row is.
            entries, findings = parse_register(register_csv([entry]))
            if entries is None:
                for finding in findings:
                    where = f"{t('col_column')} {finding.column}: " if finding.column else ""
                    st.error(where + finding.message(lang))
            else:
                written = edit_register(db, user, entries)
                st.success(t("admin_register_saved", count=written))
    uploaded = st.file_uploader(t("admin_register_upload"), type=["csv"], key="admin_register_csv")
    if uploaded is not None and st.button(t("admin_register_load"), key="admin_register_load"):
        written, findings = load_register(
            db, uploaded.getvalue(), actor=user.username, file_name=uploaded.name
        )
        errors = [f for f in findings if f.is_error]
        if errors:
            st.error(t("admin_register_rejected", count=len(errors)))
            show_findings(errors)
        else:
            st.success(t("admin_register_saved", count=written))
    with st.expander(t("admin_register_history")):
        data_table(
            register_history(db, user),
            t("export_name_register_history"),
            t("admin_register_history"),
            key="admin_register_history",
        )

with tab_users:
    data_table(user_list(db, user), t("export_name_users"), t("admin_tab_users"), key="admin_users")
    with st.form("admin_user_form"):
        st.subheader(t("admin_user_form"))
        c1, c2, c3 = st.columns(3)
        username = c1.text_input(t("login_username"), key="admin_username")
        role = c2.selectbox(
            t("admin_role"), ROLES, format_func=lambda r: text(f"role_{r}", lang), key="admin_role"
        )
        password = c3.text_input(t("admin_new_password"), type="password", key="admin_password")
        register = dict(provider_choices(db, user).select("provider_agb", "name").iter_rows())
        agbs = st.multiselect(
            t("admin_user_agbs"),
            list(register),
            key="admin_user_agbs",
            format_func=lambda a: f"{register[a]} ({a})",
            placeholder=t("choose_options"),
        )
        municipality_names = {m.code: f"{m.name} ({m.code})" for m in current_municipalities()}
        codes = st.multiselect(
            t("admin_user_municipalities"),
            list(municipality_names),
            format_func=municipality_names.get,
            key="admin_user_municipalities",
            placeholder=t("choose_options"),
        )
        active = st.checkbox(t("admin_active"), value=True, key="admin_active")
        if st.form_submit_button(t("admin_save")):
            try:
                manage_user(
                    db,
                    user,
                    username.strip(),
                    role,
                    password or None,
                    tuple(agbs),
                    active=active,
                    municipality_codes=tuple(codes),
                )
                st.success(t("admin_user_saved", username=username))
            except AccountProblem as problem:
                st.error(t("admin_user_invalid", detail=problem.message(lang)))
    with st.form("admin_end_sessions_form"):
        st.subheader(t("admin_end_sessions"))
        st.caption(t("admin_end_sessions_help"))
        accounts = user_list(db, user)["username"].to_list()
        target = st.selectbox(t("login_username"), accounts, key="admin_end_sessions_user")
        if st.form_submit_button(t("admin_end_sessions_button")) and target:
            end_user_sessions(db, user, target)
            st.success(t("admin_end_sessions_done", username=target))

with tab_norms:
    try:
        from app_pages.norms_editor import norms_editor
    except ImportError:
        st.info(t("admin_norms_unavailable"))
    else:
        norms_editor(db, user)
