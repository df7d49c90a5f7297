"""The talk pack (gespreksvoorbereiding): one provider's quarter prepared for the periodic talk.

One set of **sections** (`talk_pack_sections`) feeds both the screen (provider page) and the PDF
(`talk_pack_pdf`), so the two always show the same content:

1. the provider and where things stand: category, lot, quarter, escalation step (since when),
   the last talk, the review date (overdue or not) and the open actions of the latest decision;
2. KPIs against the norm and the category: value, status with its norm, the category value of
   the *other* providers (only over at least `mirror.MIN_OTHER_PROVIDERS`, as in the mirror
   report) and the SPC verdict over the provider's own history (`spc`);
3. what changed since the last talk: every KPI then (the KPI snapshot the latest decision stored)
   and now; without an earlier talk, against the previous quarter; plus what happened since
   (accepted deliveries, agreement versions, explanations);
4. signals and proposals of the escalation rules, and an earlier rejection of the same proposal;
5. the performance agreements and their progress (`agreements`);
6. the provider's explanations since the last talk, with the replies (`explanations`);
7. the escalation step and its history.

Who: `prepare_talk` (contract managers and management), checked here.

Batch: `talk_packs_due` lists the providers due for review in the calendar quarter of `as_of`
(the review rhythm of `escalation.reviews_due`: category A every quarter, B every half year, C on
signals, plus agreed review dates); `talk_pack_batch` writes one PDF per provider with progress.
The PDF has no charts, so a batch needs no browser.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl

from impactmonitor.access import User, require
from impactmonitor.agreements import agreement_progress, format_value
from impactmonitor.display import category_label
from impactmonitor.escalation import (
    decision_history,
    escalation_board,
    evaluation_quarter,
    reviews_due,
    step_name,
)
from impactmonitor.explanations import explanation_threads
from impactmonitor.formatting import (
    date_text,
    format_delta,
    format_kpi,
    format_norm,
    status_label,
)
from impactmonitor.i18n import text
from impactmonitor.kpis import kpi, kpi_history, kpi_table
from impactmonitor.mirror import MIN_OTHER_PROVIDERS, comparison_text, mirror_report, rank_text
from impactmonitor.pdf import ReportDocument
from impactmonitor.quarters import quarter_end, quarter_of, quarter_range, shift
from impactmonitor.storage import Database


@dataclass
class Section:
    """One part of the talk pack: a heading, sentences and optionally a table of texts."""

    key: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    header: list[str] | None = None
    rows: list[list[str]] = field(default_factory=list)
    widths: list[float] | None = None  # mm in the PDF (A4: 180 mm usable)


@dataclass
class TalkPack:
    provider: dict
    quarter: str
    as_of: date
    lang: str
    board: dict
    decisions: pl.DataFrame
    kpis: pl.DataFrame
    agreements: pl.DataFrame
    explanations: pl.DataFrame
    explanation_quarters: list[str]
    events: dict[str, int]

    @property
    def last_talk(self) -> dict | None:
        return self.decisions.row(0, named=True) if self.decisions.height else None


def _since(decision: dict | None) -> datetime | None:
    return decision["decided_at"] if decision else None


def _events_since(db: Database, provider_agb: str, since: datetime | None) -> dict[str, int]:
    """What happened for the provider since the last talk (everything, without one)."""
    moment = since or datetime(1900, 1, 1)
    row = db.query(
        """
        SELECT
          (SELECT count(*) FROM table_versions WHERE provider_agb = $agb
             AND accepted_at > $since) AS deliveries,
          (SELECT count(*) FROM agreement_versions WHERE provider_agb = $agb
             AND recorded_at > $since) AS agreements,
          (SELECT count(*) FROM explanation_messages WHERE provider_agb = $agb
             AND posted_at > $since AND kind = 'explanation') AS explanations,
          (SELECT count(*) FROM explanation_messages WHERE provider_agb = $agb
             AND posted_at > $since AND kind = 'reply') AS replies
        """,
        {"agb": provider_agb, "since": moment},
    ).row(0, named=True)
    return {key: int(value) for key, value in row.items()}


def talk_pack(
    db: Database,
    user: User,
    provider_agb: str,
    quarter: str | None = None,
    as_of: date | None = None,
    lang: str = "nl",
) -> TalkPack:
    """Everything the talk pack shows for one provider (AccessDenied without `prepare_talk`,
    ValueError for a provider that is not in the register)."""
    require(user, "prepare_talk", provider_agb)
    as_of = as_of or date.today()
    quarter = quarter or evaluation_quarter(as_of)
    info = db.query(
        "SELECT provider_agb, name, category, lot FROM providers WHERE provider_agb = ?",
        [provider_agb],
    )
    if info.height == 0:
        raise ValueError(f"provider {provider_agb} is not in the register")
    board = escalation_board(db, user, quarter, as_of, lang).filter(
        pl.col("provider_agb") == provider_agb
    )
    decisions = decision_history(db, user, provider_agb, lang)
    table = kpi_table(db, user, quarter, provider_agb=provider_agb)
    history = kpi_history(
        db, user, provider_agb, quarters=quarter_range(shift(quarter, -19), quarter)
    )
    spc = history.filter(pl.col("quarter") == quarter).select(
        "kpi", *[c for c in history.columns if c.startswith("spc_")]
    )
    mirror = mirror_report(db, user, provider_agb, (quarter,)).select(
        "kpi",
        "category_value",
        "category_suppression",
        "category_rank",
        "category_ranked",
        "category_quartile",
    )
    kpis = table.join(spc, on="kpi", how="left").join(mirror, on="kpi", how="left")
    last = decisions.row(0, named=True) if decisions.height else None
    last_quarter = last["quarter"] if last and last["quarter"] else shift(quarter, -2)
    window = quarter_range(min(shift(last_quarter, 1), quarter), quarter)
    return TalkPack(
        provider=info.row(0, named=True),
        quarter=quarter,
        as_of=as_of,
        lang=lang,
        board=board.row(0, named=True) if board.height else {},
        decisions=decisions,
        kpis=kpis,
        agreements=agreement_progress(db, user, provider_agb, quarter, lang),
        explanations=explanation_threads(db, user, provider_agb, window, lang),
        explanation_quarters=window,
        events=_events_since(db, provider_agb, _since(last)),
    )


# ---- sections ------------------------------------------------------------------------------------


def _day(value: date | datetime | None, lang: str = "nl") -> str:
    """The day only (a talk pack names days, not times)."""
    if isinstance(value, datetime):
        value = value.date()
    return date_text(value, lang)


def spc_verdict(row: dict, lang: str = "nl") -> str:
    """The SPC verdict of one KPI in the quarter in words: the variation and, against the
    norm, the assurance (`spc.variation_label` / `spc.assurance_label`, short form)."""
    from impactmonitor import spc

    if row.get("spc_variation") is None:
        return text("talk_spc_too_few", lang)
    verdict = spc.variation_label(
        row["spc_variation"], row.get("spc_variation_side"), lang, short=True
    )
    if row.get("spc_assurance") is not None:
        verdict += " · " + spc.assurance_label(row["spc_assurance"], lang, short=True)
    return verdict


def _situation(pack: TalkPack) -> Section:
    lang, board, last = pack.lang, pack.board, pack.last_talk
    step = int(board.get("step") or 0)
    review = board.get("review_date")
    overdue = review is not None and review < pack.as_of
    rows = [
        [
            text("report_provider", lang),
            text(
                "report_provider_value",
                lang,
                name=pack.provider["name"],
                agb=pack.provider["provider_agb"],
            ),
        ],
        [text("filter_category", lang), category_label(pack.provider["category"], lang)],
        [text("filter_lot", lang), pack.provider["lot"] or "–"],
        [text("filter_quarter", lang), pack.quarter],
        [
            text("provider_current_step", lang),
            f"{step} — {step_name(step, lang)}"
            + (
                f" ({text('talk_since', lang, date=_day(board['since'], lang))})"
                if board.get("since")
                else ""
            ),
        ],
        [
            text("talk_last_talk", lang),
            text(
                "talk_last_talk_value",
                lang,
                date=_day(last["decided_at"], lang),
                by=last["decided_by"],
                quarter=last["quarter"] or "–",
            )
            if last
            else text("talk_no_last_talk", lang),
        ],
        [
            text("escalation_review_date", lang),
            (_day(review, lang) + (f" — {text('talk_review_overdue', lang)}" if overdue else ""))
            if review
            else "–",
        ],
        [text("talk_open_actions", lang), (board.get("agreed_actions") or "–")],
    ]
    return Section(
        "situation",
        text("talk_section_situation", lang),
        rows=rows,
        header=[text("talk_col_item", lang), text("talk_col_value", lang)],
        widths=[50, 130],
    )


def _kpi_section(pack: TalkPack) -> Section:
    lang = pack.lang
    rows = []
    for row in pack.kpis.iter_rows(named=True):
        unit = row["unit"]
        category = comparison_text(
            row.get("category_value"), row.get("category_suppression"), unit, lang
        )
        rank = rank_text(
            row.get("category_rank"), row.get("category_ranked"), row.get("category_quartile"), lang
        )
        if rank != "–":
            category += f" · {text('talk_rank', lang, rank=rank)}"
        rows.append(
            [
                kpi(row["kpi"]).name(lang),
                format_kpi(row["value"], unit, lang),
                status_label(row["status"], lang),
                format_norm(row["norm_green"], row["norm_amber"], row["direction"], unit, lang),
                category,
                spc_verdict(row, lang),
            ]
        )
    return Section(
        "kpis",
        text("talk_section_kpis", lang, quarter=pack.quarter),
        [text("talk_kpis_help", lang, minimum=MIN_OTHER_PROVIDERS)]
        if rows
        else [text("report_no_data", lang)],
        [
            text("provider_col_kpi", lang),
            text("provider_col_value", lang),
            text("provider_col_status", lang),
            text("provider_col_norm", lang),
            text("talk_col_category", lang),
            text("talk_col_spc", lang),
        ],
        rows,
        [38, 20, 24, 40, 24, 34],
    )


def _changes(pack: TalkPack) -> Section:
    lang, last = pack.lang, pack.last_talk
    snapshot = {}
    if last and last["kpi_snapshot"]:
        snapshot = {item["kpi"]: item for item in json.loads(last["kpi_snapshot"])}
    rows = []
    for row in pack.kpis.iter_rows(named=True):
        unit, direction = row["unit"], row["direction"]
        if snapshot:
            before = snapshot.get(row["kpi"], {})
            then_value, then_status = before.get("value"), before.get("status")
        else:
            then_value, then_status = row["previous_value"], row["previous_status"]
        delta = None if then_value is None or row["value"] is None else row["value"] - then_value
        word = ""
        if delta is not None and round(abs(delta), 6):
            word = text(
                "talk_better" if (delta > 0) == (direction == "higher") else "talk_worse", lang
            )
        rows.append(
            [
                kpi(row["kpi"]).name(lang),
                f"{format_kpi(then_value, unit, lang)} · {status_label(then_status, lang)}",
                f"{format_kpi(row['value'], unit, lang)} · {status_label(row['status'], lang)}",
                f"{format_delta(delta, unit, lang)} {word}".strip() or "–",
            ]
        )
    if last and snapshot:  # (a snapshot comes from the last talk)
        basis = text(
            "talk_changes_since",
            lang,
            date=_day(last["decided_at"], lang),
            quarter=last["quarter"] or "–",
            now=pack.quarter,
        )
        then_header = text("talk_col_then", lang, quarter=last["quarter"] or "–")
    else:
        basis = text("talk_changes_previous", lang, now=pack.quarter)
        then_header = text("talk_col_then", lang, quarter=shift(pack.quarter, -1))
    events = text("talk_events", lang, **pack.events)
    return Section(
        "changes",
        text("talk_section_changes", lang),
        [basis, events],
        [
            text("provider_col_kpi", lang),
            then_header,
            text("talk_col_now", lang, quarter=pack.quarter),
            text("talk_col_change", lang),
        ],
        rows,
        [44, 46, 46, 44],
    )


def _signals(pack: TalkPack) -> Section:
    lang, board = pack.lang, pack.board
    paragraphs = [f"• {signal}" for signal in board.get("signals") or []] or [
        text("talk_no_signals", lang)
    ]
    if board.get("proposed_step") is not None and board.get("direction") == "up":
        # An up proposal rests on the signals listed just above.
        paragraphs.append(text("talk_proposal_up", lang, step=board["proposed_step_name"]))
    elif board.get("proposed_step") is not None:
        paragraphs.append(
            text(
                "escalation_proposal_for",
                lang,
                step=board["proposed_step_name"],
                reasons=" · ".join(board["reasons"]),
            )
        )
    elif board.get("rejected_at"):
        paragraphs.append(
            text(
                "talk_rejected_before",
                lang,
                date=_day(board["rejected_at"], lang),
                by=board["rejected_by"],
                reason=board["rejection_reason"],
            )
        )
    else:
        paragraphs.append(text("escalation_no_proposals", lang))
    return Section(
        "signals",
        text("talk_section_signals", lang, quarter=board.get("quarter") or pack.quarter),
        paragraphs,
    )


def _agreements(pack: TalkPack) -> Section:
    lang = pack.lang
    rows = [
        [
            row["title"],
            row["measure_name"],
            f"{'≤' if row['direction'] == 'lower' else '≥'} "
            f"{format_value(row['target_value'], row['unit'], lang)} · {row['deadline_quarter']}",
            f"{format_value(row['latest_value'], row['unit'], lang)}"
            + (f" ({row['latest_quarter']})" if row["latest_quarter"] else ""),
            row["status_text"],
            row["statement"],
        ]
        for row in pack.agreements.iter_rows(named=True)
    ]
    return Section(
        "agreements",
        text("talk_section_agreements", lang),
        [] if rows else [text("talk_no_agreements", lang)],
        [
            text("agreement_col_title", lang),
            text("agreement_col_measure", lang),
            text("agreement_col_target", lang),
            text("agreement_col_latest", lang),
            text("provider_col_status", lang),
            text("agreement_col_progress", lang),
        ],
        rows,
        [30, 28, 24, 20, 20, 58],
    )


def _explanations(pack: TalkPack) -> Section:
    lang = pack.lang
    rows = [
        [
            row["quarter"],
            row["subject_name"]
            + (f" ({text('explanation_awaiting_reply', lang)})" if row["awaiting_reply"] else ""),
            "\n".join(row["conversation"]),
        ]
        for row in pack.explanations.iter_rows(named=True)
    ]
    span = f"{pack.explanation_quarters[0]}–{pack.explanation_quarters[-1]}"
    return Section(
        "explanations",
        text("talk_section_explanations", lang, quarters=span),
        [] if rows else [text("talk_no_explanations", lang)],
        [
            text("filter_quarter", lang),
            text("explanation_col_subject", lang),
            text("explanation_col_conversation", lang),
        ],
        rows,
        [20, 36, 124],
    )


def _history(pack: TalkPack) -> Section:
    lang = pack.lang
    rows = [
        [
            _day(r["decided_at"], lang),
            r["decided_by"],
            f"{r['from_step_name']} → {r['to_step_name']}",
            r["reason"],
        ]
        for r in pack.decisions.iter_rows(named=True)
    ]
    return Section(
        "history",
        text("talk_section_history", lang),
        [] if rows else [text("provider_no_decisions", lang)],
        [
            text("report_date", lang),
            text("report_by", lang),
            text("report_step", lang),
            text("column_reason", lang),
        ],
        rows,
        [20, 28, 52, 80],
    )


def talk_pack_sections(pack: TalkPack) -> list[Section]:
    """The sections in the order of the module docstring (screen and PDF alike)."""
    return [
        _situation(pack),
        _kpi_section(pack),
        _changes(pack),
        _signals(pack),
        _agreements(pack),
        _explanations(pack),
        _history(pack),
    ]


# ---- PDF and batch -------------------------------------------------------------------------------


def talk_pack_document(pack: TalkPack, data_version: int) -> bytes:
    lang = pack.lang
    title = text("talk_title", lang, name=pack.provider["name"], quarter=pack.quarter)
    footer = text(
        "report_footer",
        lang,
        version=data_version,
        generated=datetime.now().strftime("%d-%m-%Y %H:%M"),
    )
    document = ReportDocument(title, footer)
    document.alias_nb_pages()
    document.add_page()
    document.heading(title, 14)
    for section in talk_pack_sections(pack):
        if document.get_y() > document.h - 45:  # no heading alone at the foot of a page
            document.add_page()
        document.heading(section.heading, 12)
        for paragraph in section.paragraphs:
            document.paragraph(paragraph, 9)
        if section.header and section.rows:
            document.wrapped_table(section.header, section.rows, section.widths)
    return document.to_bytes()


def talk_pack_pdf(
    db: Database,
    user: User,
    provider_agb: str,
    quarter: str | None = None,
    as_of: date | None = None,
    lang: str = "nl",
) -> bytes:
    """The talk pack of one provider as PDF bytes."""
    return talk_pack_document(
        talk_pack(db, user, provider_agb, quarter, as_of, lang), db.data_version()
    )


def talk_packs_due(
    db: Database, user: User, as_of: date | None = None, lang: str = "nl"
) -> pl.DataFrame:
    """The providers due for review in the calendar quarter of `as_of` (`reviews_due`)."""
    require(user, "prepare_talk")
    as_of = as_of or date.today()
    horizon = (quarter_end(quarter_of(as_of)) - as_of).days
    return reviews_due(db, user, as_of, within_days=horizon, lang=lang)


def talk_pack_batch(
    db: Database,
    user: User,
    out_dir: Path,
    as_of: date | None = None,
    quarter: str | None = None,
    lang: str = "nl",
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Path]:
    """One talk pack PDF per provider due for review this quarter; returns the files."""
    as_of = as_of or date.today()
    quarter = quarter or evaluation_quarter(as_of)
    due = talk_packs_due(db, user, as_of, lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    agbs = due["provider_agb"].to_list()
    for index, agb in enumerate(agbs, start=1):
        target = out_dir / text("file_talk_pack", lang, agb=agb, quarter=quarter)
        target.write_bytes(talk_pack_pdf(db, user, agb, quarter, as_of, lang))
        written.append(target)
        if progress:
            progress(index, len(agbs), agb)
    return written
