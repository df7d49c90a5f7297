"""UI pieces of the quarterly cycle shared by pages: agreements, explanations, the talk pack.

Used by the provider page (contract managers and the provider itself), the mirror page (the
provider's own view) and the escalation page. UI only: what a user may see or do is decided by
the domain layer (`impactmonitor.agreements`, `explanations`, `talkpack`, `access`), which
refuses what the gate does not allow; the forms here are only shown to users who may use them.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import streamlit as st

from app_pages.ui import (
    cached,
    data_table,
    database,
    download_button,
    language,
    pdf_download,
    t,
)
from impactmonitor import figures
from impactmonitor.access import User, allowed
from impactmonitor.agreements import (
    MEASURES,
    AgreementError,
    agreement_history,
    agreement_progress,
    agreement_series,
    format_value,
    measure,
    record_agreement,
    revise_agreement,
    withdraw_agreement,
)
from impactmonitor.display import care_form_label
from impactmonitor.escalation import accept_proposal, reject_proposal, step_name
from impactmonitor.explanations import (
    ExplanationError,
    explanation_threads,
    post_explanation,
    post_reply,
    subject_name,
    subjects,
)
from impactmonitor.formatting import date_text
from impactmonitor.kpis import KPI_BY_KEY
from impactmonitor.letters import decision_letter
from impactmonitor.quarters import parse_quarter, quarter_range, shift
from impactmonitor.talkpack import (
    Section,
    talk_pack,
    talk_pack_batch,
    talk_pack_document,
    talk_pack_sections,
    talk_packs_due,
)
from schemas.reference import CARE_FORMS

SAVED_KEYS = ("agreement_saved", "explanation_saved")


def saved_messages() -> None:
    """What the forms below just stored, shown above the tabs (a rerun opens the first tab)."""
    for key in SAVED_KEYS:
        if key in st.session_state:
            st.success(st.session_state.pop(key))


def _target_text(row: dict) -> str:
    sign = "≤" if row["direction"] == "lower" else "≥"
    return f"{sign} {format_value(row['target_value'], row['unit'], language())}"


def agreements_table(
    progress: pl.DataFrame,
    name: str,
    filters_text: str,
    key: str,
    with_provider: bool = False,
    provider_agb: str | None = None,
) -> None:
    """The agreements with their progress as users read them (with CSV/XLSX export)."""
    lang = language()
    shown = progress.select(
        *(["name"] if with_provider else []),
        "title",
        pl.col("measure_name").alias("agreement_measure"),
        pl.Series(
            "agreement_target",
            [_target_text(r) for r in progress.iter_rows(named=True)],
            dtype=pl.String,
        ),
        pl.col("deadline_quarter").alias("agreement_deadline"),
        pl.Series(
            "agreement_latest",
            [
                format_value(r["latest_value"], r["unit"], lang)
                + (f" ({r['latest_quarter']})" if r["latest_quarter"] else "")
                for r in progress.iter_rows(named=True)
            ],
            dtype=pl.String,
        ),
        pl.col("status_text").alias("agreement_status"),
        pl.col("statement").alias("agreement_statement"),
    )
    data_table(shown, name, filters_text, key=key, provider_agb=provider_agb)


def agreement_chart(user: User, row: dict, key: str) -> None:
    """Value against the agreed path for one agreement, with a table alternative."""
    lang = language()
    series = cached(agreement_series, user, row["agreement_id"], lang=lang)
    if series.height == 0:
        return
    st.plotly_chart(
        figures.agreement_figure(series, row["title"], row["unit"], lang),
        key=f"{key}_chart",
        width="stretch",
    )
    with st.expander(t("provider_chart_table", kpi=row["title"])):
        st.dataframe(
            series.select(
                pl.col("quarter").alias(t("column_quarter")),
                pl.Series(
                    t("agreement_col_latest"),
                    [format_value(v, row["unit"], lang) for v in series["value"]],
                    dtype=pl.String,
                ),
                pl.Series(
                    t("agreement_col_path"),
                    [format_value(v, row["unit"], lang) for v in series["path"]],
                    dtype=pl.String,
                ),
                pl.col("status")
                .replace_strict(
                    {s: t(f"agreement_status_{s}") for s in series["status"].unique()}, default=None
                )
                .alias(t("provider_col_status")),
            ),
            hide_index=True,
            width="stretch",
            key=f"{key}_series",
        )


def agreements_tab(
    user: User, provider_agb: str, quarter: str, filters_text: str, decisions: pl.DataFrame
) -> None:
    """The provider's agreements: progress, charts, history and (contract managers) forms."""
    progress = cached(agreement_progress, user, provider_agb, quarter, lang=language())
    st.caption(t("agreement_judged_at", quarter=quarter))
    if progress.height == 0:
        st.caption(t("agreement_none"))
    else:
        agreements_table(
            progress,
            t("export_name_provider_agreements", agb=provider_agb, quarter=quarter),
            filters_text,
            key="agreements",
            provider_agb=provider_agb,
        )
        for row in progress.iter_rows(named=True):
            with st.expander(f"{row['title']} — {row['status_text']}"):
                st.write(row["statement"])
                if row["agreed_with"]:
                    st.caption(t("agreement_agreed_with", who=row["agreed_with"]))
                agreement_chart(user, row, key=f"agreement_{row['agreement_id']}")
    history = cached(agreement_history, user, provider_agb)
    if history.height:
        with st.expander(t("agreement_history")):
            data_table(
                history_in_words(history),
                t("export_name_agreement_history", agb=provider_agb),
                filters_text,
                key="agreement_history",
                provider_agb=provider_agb,
            )
    if allowed(user, "edit_agreements", provider_agb):
        _agreement_forms(user, provider_agb, quarter, progress, decisions)


def history_in_words(history: pl.DataFrame) -> pl.DataFrame:
    """Agreement versions as users read them: target and milestones in the measure's unit
    ("≤ 12,0%", "2026Q4: 6,5%"), the state in words."""
    lang = language()
    rows = []
    for r in history.iter_rows(named=True):
        unit = measure(r["measure_kind"], r["measure"]).unit
        milestones = json.loads(r["milestones"] or "[]")
        rows.append(
            {
                "recorded_at": r["recorded_at"],
                "recorded_by": r["recorded_by"],
                "title": r["title"],
                "version": r["version"],
                "state": t(f"agreement_state_{r['state']}"),
                "agreement_target": _target_text({**r, "unit": unit}),
                "start_quarter": r["start_quarter"],
                "deadline_quarter": r["deadline_quarter"],
                "milestones": "; ".join(
                    f"{m['quarter']}: {format_value(m['value'], unit, lang)}" for m in milestones
                )
                or None,
                "note": r["note"] or None,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "recorded_at": pl.Datetime,
            "recorded_by": pl.String,
            "title": pl.String,
            "version": pl.Int64,
            "state": pl.String,
            "agreement_target": pl.String,
            "start_quarter": pl.String,
            "deadline_quarter": pl.String,
            "milestones": pl.String,
            "note": pl.String,
        },
    )


def _milestones(text_value: str) -> list[tuple[str, float]]:
    """'2026Q2: 34; 2026Q4 30' -> [("2026Q2", 34.0), ...] (AgreementError when unreadable)."""
    found = []
    for part in filter(None, (p.strip() for p in text_value.replace("\n", ";").split(";"))):
        pieces = (
            part.replace("=", ":").split(":") if ":" in part or "=" in part else part.rsplit(" ", 1)
        )
        if len(pieces) != 2 or parse_quarter(pieces[0].strip()) is None:
            raise AgreementError("agreement_bad_milestones", value=part)
        try:
            value = float(pieces[1].strip().replace(",", "."))
        except ValueError:
            raise AgreementError("agreement_bad_milestones", value=part) from None
        found.append((pieces[0].strip(), value))
    return found


def _entered_value(value: float, unit: str) -> float:
    """What users type for a share is a percentage; agreements store the fraction."""
    return value / 100 if unit == "share" else value


def _agreement_forms(
    user: User, provider_agb: str, quarter: str, progress: pl.DataFrame, decisions: pl.DataFrame
) -> None:
    lang = language()
    quarters = quarter_range(shift(quarter, -4), shift(quarter, 12))
    st.markdown(f"**{t('agreement_new')}**")
    options = [(m.kind, m.key) for m in MEASURES]
    chosen = st.selectbox(
        t("agreement_col_measure"),
        options,
        format_func=lambda o: measure(*o).name(lang),
        key="agreement_measure",
    )
    definition = measure(*chosen)
    with st.form("agreement_form", clear_on_submit=True):
        title = st.text_input(t("agreement_col_title"), key="agreement_title")
        care_form = st.selectbox(
            t("filter_care_form"),
            [None, *CARE_FORMS] if definition.by_care_form else [None],
            format_func={
                None: t("filter_all"),
                **{c: care_form_label(c, lang) for c in CARE_FORMS},
            }.get,
            key=f"agreement_care_form_{definition.by_care_form}",
        )
        left, right = st.columns(2)
        target = left.number_input(
            t("agreement_target_percent")
            if definition.unit == "share"
            else t("agreement_col_target"),
            value=0.0,
            step=1.0,
            key="agreement_target",
        )
        direction = right.selectbox(
            t("agreement_direction"),
            ["lower", "higher"],
            index=["lower", "higher"].index(definition.direction),
            format_func={d: t(f"agreement_direction_{d}") for d in ("lower", "higher")}.get,
            # keyed by the measure: each measure starts from its own direction
            key=f"agreement_direction_{definition.kind}_{definition.key}",
        )
        start = left.selectbox(
            t("agreement_start"),
            quarters,
            index=quarters.index(shift(quarter, 1)),
            key="agreement_start",
        )
        deadline = right.selectbox(
            t("agreement_deadline"),
            quarters,
            index=quarters.index(shift(quarter, 4)),
            key="agreement_deadline",
        )
        milestones = st.text_input(
            t("agreement_milestones"),
            key="agreement_milestones",
            help=t("agreement_milestones_help"),
        )
        agreed_with = st.text_input(t("agreement_agreed_with_label"), key="agreement_who")
        decision_labels = {
            None: t("agreement_no_decision"),
            **{
                r["decision_id"]: f"{r['decided_at']:%d-%m-%Y} · {r['to_step_name']}"
                for r in decisions.iter_rows(named=True)
            },
        }
        decision_id = st.selectbox(
            t("agreement_decision"),
            list(decision_labels),
            format_func=decision_labels.get,
            key="agreement_decision",
        )
        submitted = st.form_submit_button(t("agreement_save"), key="agreement_save")
    if submitted:
        try:
            record_agreement(
                database(),
                user,
                provider_agb,
                title=title,
                measure_kind=definition.kind,
                measure=definition.key,
                care_form=care_form,
                direction=direction,
                target_value=_entered_value(target, definition.unit),
                milestones=[
                    (q, _entered_value(v, definition.unit)) for q, v in _milestones(milestones)
                ],
                start_quarter=start,
                deadline_quarter=deadline,
                agreed_with=agreed_with,
                decision_id=decision_id,
            )
        except AgreementError as error:
            st.error(error.message(lang))
        else:
            st.session_state["agreement_saved"] = t("agreement_saved", title=title.strip())
            st.rerun()
    if progress.height == 0:
        return
    st.markdown(f"**{t('agreement_change')}**")
    labels = {r["agreement_id"]: r["title"] for r in progress.iter_rows(named=True)}
    with st.form("agreement_change_form", clear_on_submit=True):
        agreement_id = st.selectbox(
            t("agreement_col_title"),
            list(labels),
            format_func=labels.get,
            key="agreement_change_id",
        )
        row = progress.filter(pl.col("agreement_id") == agreement_id).row(0, named=True)
        left, right = st.columns(2)
        shown_target = row["target_value"] * (100 if row["unit"] == "share" else 1)
        new_target = left.number_input(
            t("agreement_new_target"), value=float(shown_target), key="agreement_change_target"
        )
        new_deadline = right.selectbox(
            t("agreement_deadline"),
            sorted({*quarters, row["deadline_quarter"]}),
            index=sorted({*quarters, row["deadline_quarter"]}).index(row["deadline_quarter"]),
            key="agreement_change_deadline",
        )
        note = st.text_input(t("agreement_note"), key="agreement_change_note")
        withdraw = st.checkbox(t("agreement_withdraw"), key="agreement_change_withdraw")
        changed = st.form_submit_button(t("agreement_save_change"), key="agreement_change_save")
    if changed:
        try:
            if withdraw:
                withdraw_agreement(database(), user, agreement_id, note)
            else:
                revise_agreement(
                    database(),
                    user,
                    agreement_id,
                    note,
                    target_value=_entered_value(new_target, row["unit"]),
                    deadline_quarter=new_deadline,
                )
        except AgreementError as error:
            st.error(error.message(lang))
        else:
            st.session_state["agreement_saved"] = t("agreement_changed", title=row["title"])
            st.rerun()


# ---- explanations --------------------------------------------------------------------------------


def threads_table(
    threads: pl.DataFrame, name: str, filters_text: str, key: str, provider_agb: str | None = None
) -> None:
    shown = threads.select(
        "quarter",
        pl.col("subject_name").alias("explanation_subject"),
        pl.col("explanation").alias("explanation_text"),
        pl.col("conversation").list.join("\n").alias("explanation_conversation"),
        pl.Series(
            "explanation_state",
            [
                t("explanation_awaiting_reply")
                if waiting
                else t("explanation_answered")
                if reply
                else ""
                for waiting, reply in zip(threads["awaiting_reply"], threads["reply"], strict=True)
            ],
            dtype=pl.String,
        ),
    )
    data_table(shown, name, filters_text, key=key, provider_agb=provider_agb)


def explanations_tab(user: User, provider_agb: str, quarter: str, filters_text: str) -> None:
    """Threads of the quarter; the provider writes, contract managers reply."""
    lang = language()
    threads = cached(explanation_threads, user, provider_agb, None, lang=lang)
    current = threads.filter(pl.col("quarter") == quarter)
    st.caption(t("explanation_intro", quarter=quarter))
    if current.height == 0:
        st.caption(t("explanation_none", quarter=quarter))
    else:
        threads_table(
            current,
            t("export_name_explanations", agb=provider_agb, quarter=quarter),
            filters_text,
            key="explanations",
            provider_agb=provider_agb,
        )
    earlier = threads.filter(pl.col("quarter") != quarter)
    if earlier.height:
        with st.expander(t("explanation_other_quarters")):
            threads_table(
                earlier,
                t("export_name_earlier_explanations", agb=provider_agb),
                filters_text,
                key="explanations_earlier",
                provider_agb=provider_agb,
            )
    if allowed(user, "write_explanation", provider_agb):
        with st.form("explanation_form", clear_on_submit=True):
            subject = st.selectbox(
                t("explanation_subject"),
                subjects(),
                format_func=lambda s: subject_name(s, lang),
                key="explanation_subject",
            )
            body = st.text_area(
                t("explanation_text_label", quarter=quarter), max_chars=2000, key="explanation_body"
            )
            submitted = st.form_submit_button(t("explanation_send"), key="explanation_send")
        if submitted:
            _post(
                lambda: post_explanation(database(), user, provider_agb, quarter, subject, body),
                t("explanation_sent"),
            )
    if allowed(user, "reply_explanation", provider_agb) and current.height:
        labels = {r["subject"]: r["subject_name"] for r in current.iter_rows(named=True)}
        with st.form("reply_form", clear_on_submit=True):
            subject = st.selectbox(
                t("explanation_reply_to"), list(labels), format_func=labels.get, key="reply_subject"
            )
            body = st.text_area(t("explanation_reply_label"), max_chars=2000, key="reply_body")
            submitted = st.form_submit_button(t("explanation_reply_send"), key="reply_send")
        if submitted:
            _post(
                lambda: post_reply(database(), user, provider_agb, quarter, subject, body),
                t("explanation_reply_sent"),
            )


def _post(action, message: str) -> None:
    try:
        action()
    except ExplanationError as error:
        st.error(error.message(language()))
    else:
        st.session_state["explanation_saved"] = message
        st.rerun()


# ---- the talk pack -------------------------------------------------------------------------------


def show_sections(sections: list[Section], key: str) -> None:
    """The talk pack's sections on screen (the PDF draws the very same sections)."""
    for section in sections:
        st.markdown(f"#### {section.heading}")
        for paragraph in section.paragraphs:
            st.write(paragraph)
        if section.header and section.rows:
            frame = pl.DataFrame(
                [dict(zip(section.header, row, strict=True)) for row in section.rows],
                schema={name: pl.String for name in section.header},
            )
            st.dataframe(frame, hide_index=True, width="stretch", key=f"{key}_{section.key}")


def talk_pack_tab(user: User, provider_agb: str, quarter: str) -> None:
    """One click: the talk pack on screen and as PDF (the same sections)."""
    lang = language()
    state = f"talk_{provider_agb}_{quarter}_{lang}"
    st.caption(t("talk_intro"))
    if st.button(t("talk_download_pdf"), key="talk_build"):
        with st.status(t("report_generating"), expanded=False) as status:
            pack = talk_pack(database(), user, provider_agb, quarter, date.today(), lang)
            st.session_state[state] = (
                talk_pack_sections(pack),
                talk_pack_document(pack, database().data_version()),
            )
            status.update(label=t("talk_ready"), state="complete")
    if state not in st.session_state:
        return
    sections, pdf = st.session_state[state]
    download_button(
        t("report_ready"),
        lambda: pdf,
        t("file_talk_pack", agb=provider_agb, quarter=quarter),
        "application/pdf",
        "talk_download",
        kind="report",
        provider_agb=provider_agb,
        quarter=quarter,
    )
    show_sections(sections, key="talk")


def talk_pack_batch_section(user: User) -> None:
    """The talk packs of every provider due for review this quarter, as one zip, with
    progress."""
    lang = language()
    st.markdown(f"**{t('talk_batch')}**")
    due = cached(talk_packs_due, user, lang=lang)
    st.caption(t("talk_batch_intro", count=due.height))
    if due.height and st.button(t("talk_batch_button"), key="talk_batch"):
        bar = st.progress(0.0)
        names = dict(zip(due["provider_agb"], due["name"], strict=True))

        def progress(done: int, total: int, agb: str) -> None:
            bar.progress(
                done / total,
                text=t("talk_batch_progress", done=done, total=total, name=names.get(agb, agb)),
            )

        buffer = io.BytesIO()
        with tempfile.TemporaryDirectory() as folder:
            written = talk_pack_batch(database(), user, Path(folder), lang=lang, progress=progress)
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in written:
                    archive.write(path, path.name)
        st.session_state["talk_batch_zip"] = (buffer.getvalue(), len(written))
    if "talk_batch_zip" in st.session_state:
        content, count = st.session_state["talk_batch_zip"]
        st.success(t("talk_batch_ready", count=count))
        download_button(
            t("talk_batch_download"),
            lambda: content,
            t("file_talk_packs", date=f"{date.today():%Y%m%d}"),
            "application/zip",
            "talk_batch_download",
            kind="report",
        )


# ---- decisions -----------------------------------------------------------------------------------


def proposal_answers(user: User, proposals: pl.DataFrame) -> None:
    """Accept or reject each open proposal from its row, with a reason (escalation page)."""
    st.caption(t("escalation_answer_help"))
    for row in proposals.iter_rows(named=True):
        agb = row["provider_agb"]
        with st.form(f"proposal_{agb}", clear_on_submit=True):
            st.markdown(
                t(
                    "escalation_proposal_row",
                    name=row["name"],
                    current=row["step_name"],
                    proposed=row["proposed_step_name"],
                    reasons=" · ".join(row["reasons"]),
                )
            )
            reason = st.text_input(
                t("escalation_answer_reason", name=row["name"]), key=f"answer_{agb}"
            )
            left, right = st.columns(2)
            accept = left.form_submit_button(t("escalation_accept"), key=f"accept_{agb}")
            reject = right.form_submit_button(t("escalation_reject"), key=f"reject_{agb}")
        if accept or reject:
            if not reason.strip():
                st.error(t("escalation_reason_required"))
            else:
                answer = accept_proposal if accept else reject_proposal
                answer(database(), user, agb, reason)
                st.session_state["escalation_saved"] = t(
                    "escalation_accepted" if accept else "escalation_rejected",
                    name=row["name"],
                    step=row["proposed_step_name"],
                )
                st.rerun()


def decision_details(user: User, decisions: pl.DataFrame, provider_agb: str) -> None:
    """One decision: the KPI snapshot it stored, the proposal it answered, its letter."""
    lang = language()
    labels = {
        r["decision_id"]: f"{r['decided_at']:%d-%m-%Y} · {r['from_step_name']} → "
        f"{r['to_step_name']} · {r['decided_by']}"
        for r in decisions.iter_rows(named=True)
    }
    chosen = st.selectbox(
        t("letter_pick"), list(labels), format_func=labels.get, key="decision_pick"
    )
    row = decisions.filter(pl.col("decision_id") == chosen).row(0, named=True)
    proposal = json.loads(row["proposal"]) if row["proposal"] else None
    if proposal and proposal.get("step") is not None:
        outcome = proposal.get("outcome") or "other"
        st.caption(
            t(
                f"decision_proposal_{outcome}",
                step=step_name(int(proposal["step"]), lang),
                reasons=" · ".join(proposal.get("reasons") or []),
            )
        )
    snapshot = json.loads(row["kpi_snapshot"] or "[]")
    st.markdown(f"**{t('decision_snapshot', quarter=row['quarter'] or '–')}**")
    known = [item for item in snapshot if item.get("kpi") in KPI_BY_KEY]
    if known:
        data_table(
            pl.DataFrame(
                [
                    {
                        "kpi": item["kpi"],
                        "value": item.get("value"),
                        "status": item.get("status"),
                        "norm": item.get("norm"),
                    }
                    for item in known
                ],
                schema={
                    "kpi": pl.String,
                    "value": pl.Float64,
                    "status": pl.String,
                    "norm": pl.String,
                },
            ),
            "besluit_kpis",
            "",
            key="decision_snapshot",
            export=False,
        )
    else:
        st.caption(t("decision_no_snapshot"))
    pdf_download(
        "letter_button",
        lambda: decision_letter(database(), user, chosen),
        t("file_decision_letter", agb=provider_agb, date=f"{row['decided_at']:%Y%m%d}"),
        key=f"letter_{chosen}",
        provider_agb=provider_agb,
    )


def review_summary(step_text: str, review: date | None) -> None:
    """Step and review date side by side (the provider sees its own)."""
    left, right = st.columns(2)
    left.metric(t("provider_current_step"), step_text)
    right.metric(t("escalation_review_date"), date_text(review, language()) if review else "–")
