"""The decision letter (besluitbrief): a formal Dutch letter to the provider about one escalation
decision, as PDF.

Always in Dutch (the letter is the region's formal communication with the provider): sender (the
region, `[region]` in defaults.toml), addressee, date, reference (kenmerk) and subject, then the
decision (from which step to which), its reason, the KPI values it was based on (the snapshot the
decision stored), the agreed actions and the performance agreements recorded with the decision,
the review date and the signature (who decided, in which role).

Who may have it: anyone who may read the provider's data (`read_provider_data`): the region's
users, and the provider itself for its own decisions (never another provider's).

Public API: `decision_letter(db, user, decision_id) -> bytes`, `letter_date(day)`.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import polars as pl

from impactmonitor.access import User, require, scope_filter
from impactmonitor.agreements import agreement_history, format_value, measure, measure_label
from impactmonitor.config import defaults
from impactmonitor.escalation import step_name
from impactmonitor.formatting import format_kpi, format_norm, status_label
from impactmonitor.i18n import text
from impactmonitor.kpis import KPI_BY_KEY
from impactmonitor.pdf import ReportDocument
from impactmonitor.storage import Database

# The letter is a formal Dutch letter; its words come from the catalogue like every other text.
LETTER_LANG = "nl"
# Who signs: the decision maker's role as the letter names it (text letter_role_<role>).
SIGNING_ROLES = ("contract_manager", "management")


def letter_date(day: date | datetime) -> str:
    """A date as a Dutch letter writes it: 15 november 2026."""
    return f"{day.day} {text(f'letter_month_{day.month}', LETTER_LANG)} {day.year}"


def _decision(db: Database, user: User, decision_id: str) -> dict:
    scope, params = scope_filter(user, "d.provider_agb")
    frame = db.query(
        f"""
        SELECT d.*, p.name, p.category FROM escalation_decisions d
        LEFT JOIN providers p USING (provider_agb)
        WHERE d.decision_id = ? AND {scope}
        """,
        [decision_id, *params],
    )
    if frame.height == 0:  # unknown, or another provider's: the same answer
        raise ValueError(f"decision {decision_id} not found")
    row = frame.row(0, named=True)
    require(user, "read_provider_data", row["provider_agb"])
    return row


def _outcome(decision: dict) -> str | None:
    proposal = json.loads(decision["proposal"]) if decision["proposal"] else None
    return proposal.get("outcome") if proposal else None


def decision_letter(db: Database, user: User, decision_id: str) -> bytes:
    """The letter about one decision as PDF bytes (ValueError when the user may not read it)."""
    decision = _decision(db, user, decision_id)
    region = defaults().get("region", {})
    sender = region.get("name", text("letter_sender_default", LETTER_LANG))
    department = region.get("department", "")
    from_step, to_step = decision["from_step"], decision["to_step"]
    decided = decision["decided_at"]
    reference = f"ESC-{decided:%Y%m%d}-{decision_id[:6].upper()}"
    subject = text(
        "letter_subject", LETTER_LANG, step=to_step, name=step_name(to_step, LETTER_LANG)
    )
    document = ReportDocument(subject, text("letter_footer", LETTER_LANG, reference=reference))
    document.alias_nb_pages()
    document.add_page()
    document.heading(sender, 13)
    if department:
        document.paragraph(department, 9)
    document.ln(6)
    document.paragraph(
        text("letter_addressee", LETTER_LANG, name=decision["name"], agb=decision["provider_agb"]),
        10,
    )
    document.ln(4)
    document.key_values(
        [
            (text("letter_date_label", LETTER_LANG), letter_date(decided)),
            (text("letter_reference_label", LETTER_LANG), reference),
            (text("letter_subject_label", LETTER_LANG), subject),
        ]
    )
    document.ln(4)
    document.paragraph(text("letter_salutation", LETTER_LANG), 10)
    quarter = decision["quarter"] or text("letter_latest_quarter", LETTER_LANG)
    if from_step == to_step and _outcome(decision) == "rejected":
        opening = text(
            "letter_kept_after_proposal",
            LETTER_LANG,
            quarter=quarter,
            date=letter_date(decided),
            step=to_step,
            name=step_name(to_step, LETTER_LANG),
        )
    elif from_step == to_step:
        opening = text(
            "letter_kept",
            LETTER_LANG,
            quarter=quarter,
            date=letter_date(decided),
            step=to_step,
            name=step_name(to_step, LETTER_LANG),
        )
    else:
        opening = text(
            "letter_changed",
            LETTER_LANG,
            quarter=quarter,
            date=letter_date(decided),
            step=to_step,
            name=step_name(to_step, LETTER_LANG),
            from_step=from_step,
            from_name=step_name(from_step, LETTER_LANG),
            direction=text(
                "letter_direction_up" if to_step > from_step else "letter_direction_down",
                LETTER_LANG,
            ),
        )
    document.paragraph(text("letter_intro", LETTER_LANG) + " " + opening, 10)
    document.heading(text("letter_heading_reason", LETTER_LANG), 11)
    document.paragraph(decision["reason"], 10)
    snapshot = json.loads(decision["kpi_snapshot"] or "[]")
    if snapshot:
        document.heading(text("letter_heading_figures", LETTER_LANG, quarter=quarter), 11)
        rows = []
        for item in snapshot:
            definition = KPI_BY_KEY.get(item["kpi"])
            if definition is None:
                continue
            rows.append(
                [
                    definition.name(LETTER_LANG),
                    format_kpi(item["value"], definition.unit, LETTER_LANG),
                    status_label(item["status"], LETTER_LANG),
                    snapshot_norm(item, LETTER_LANG),
                ]
            )
        headers = [text(f"letter_col_{c}", LETTER_LANG) for c in ("kpi", "value", "status", "norm")]
        document.wrapped_table(headers, rows, [60, 25, 30, 65])
    document.heading(text("letter_heading_agreements", LETTER_LANG), 11)
    document.paragraph(decision["agreed_actions"] or text("letter_no_actions", LETTER_LANG), 10)
    linked = (
        agreement_history(db, user, decision["provider_agb"])
        .filter(pl.col("decision_id") == decision_id)
        .sort("version")
        .unique("agreement_id", keep="last", maintain_order=True)
    )
    if linked.height:
        document.paragraph(text("letter_agreements_intro", LETTER_LANG), 10)
        document.wrapped_table(
            [
                text(f"letter_col_{c}", LETTER_LANG)
                for c in ("agreement", "measure", "target", "start", "deadline")
            ],
            [
                [
                    r["title"],
                    measure_label(r["measure_kind"], r["measure"], r["care_form"], LETTER_LANG),
                    ("≤ " if r["direction"] == "lower" else "≥ ")
                    + format_value(
                        r["target_value"],
                        measure(r["measure_kind"], r["measure"]).unit,
                        LETTER_LANG,
                    ),
                    r["start_quarter"],
                    r["deadline_quarter"],
                ]
                for r in linked.iter_rows(named=True)
            ],
            [60, 50, 26, 22, 22],
        )
    document.heading(text("letter_heading_follow_up", LETTER_LANG), 11)
    review = decision["review_date"]
    document.paragraph(
        text("letter_review", LETTER_LANG, date=letter_date(review))
        if review
        else text("letter_no_review", LETTER_LANG),
        10,
    )
    if to_step >= 4:
        document.paragraph(text("letter_formal", LETTER_LANG), 10)
    document.paragraph(text("letter_questions", LETTER_LANG), 10)
    if document.get_y() > document.h - 55:  # the closing and the signature stay together
        document.add_page()
    document.ln(4)
    document.paragraph(text("letter_closing", LETTER_LANG), 10)
    document.ln(6)
    role = decision["decided_by_role"]
    if role in SIGNING_ROLES:
        role = text(f"letter_role_{role}", LETTER_LANG)
    signer = (
        db.scalar("SELECT display_name FROM users WHERE username = ?", [decision["decided_by"]])
        or decision["decided_by"]
    )
    document.paragraph(
        text("letter_signature", LETTER_LANG, signer=signer, role=role, sender=sender), 10
    )
    return document.to_bytes()


def snapshot_norm(item: dict, lang: str = "nl") -> str:
    """The norm of a stored KPI snapshot in words (older snapshots only kept its code text)."""
    definition = KPI_BY_KEY.get(item["kpi"])
    if definition is not None and "norm_green" in item:
        return format_norm(
            item["norm_green"], item["norm_amber"], definition.direction, definition.unit, lang
        )
    return item.get("norm") or "–"
