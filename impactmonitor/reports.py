"""PDF reports: the provider's quarterly report and the mirror report (spiegelrapport).

Both are built from the same domain functions as the pages (KPI table, history with norms and SPC,
breakdowns, escalation history, mirror report), with the same number formats and statuses.
Charts are rendered by one `ChartRenderer` (one headless Chromium) per report run: pass one in to
render many reports (the quarterly batch) with a single browser.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

import polars as pl

from impactmonitor import figures, spc
from impactmonitor.access import User, require
from impactmonitor.breakdowns import delivered_table, population_breakdown
from impactmonitor.display import care_form_label, category_label
from impactmonitor.escalation import current_steps, decision_history, step_name
from impactmonitor.exports import content_version
from impactmonitor.formatting import (
    format_delta,
    format_kpi,
    format_norm,
    number,
    status_label,
)
from impactmonitor.i18n import text
from impactmonitor.kpis import KPIS, kpi, kpi_history, kpi_table
from impactmonitor.mirror import (
    comparison_text,
    mirror_report,
    mirror_window,
    rank_text,
    rules_text,
)
from impactmonitor.pdf import ChartRenderer, ReportDocument
from impactmonitor.storage import Database

# KPIs drawn as trend charts in the provider report (the others are in the table).
CHART_KPIS = (
    "goal_achievement",
    "dropout",
    "satisfaction",
    "intake_wait_days",
    "treatment_wait_days",
    "length_of_stay_days",
)
STATUS_FILLS = {
    "green": (205, 235, 224),
    "amber": (248, 227, 181),
    "red": (245, 205, 184),
    "n<10": (232, 232, 232),
}


def _provider(db: Database, user: User, provider_agb: str) -> dict:
    require(user, "export", provider_agb)
    frame = db.query(
        "SELECT provider_agb, name, category, lot FROM providers WHERE provider_agb = ?",
        [provider_agb],
    )
    if frame.height == 0:
        raise ValueError(f"provider {provider_agb} is not in the register")
    return frame.row(0, named=True)


def _document(title: str, lang: str, *shown: object) -> ReportDocument:
    """A report whose footer's data version is a fingerprint of the data it shows (`shown`):
    nothing outside it, such as other providers' activity, changes the version."""
    footer = text(
        "report_footer",
        lang,
        version=content_version(*shown),
        generated=datetime.now().strftime("%d-%m-%Y %H:%M"),
    )
    document = ReportDocument(title, footer)
    document.alias_nb_pages()
    return document


def _cover(
    document: ReportDocument, heading: str, provider: dict, quarter: str, step: int, lang: str
) -> None:
    document.add_page()
    document.heading(heading, 18)
    document.key_values(
        [
            (
                text("report_provider", lang),
                text(
                    "report_provider_value",
                    lang,
                    name=provider["name"],
                    agb=provider["provider_agb"],
                ),
            ),
            (text("filter_category", lang), category_label(provider["category"], lang)),
            (text("filter_lot", lang), provider["lot"] or "–"),
            (text("filter_quarter", lang), quarter),
            (text("provider_current_step", lang), f"{step} — {step_name(step, lang)}"),
        ]
    )
    document.ln(4)


def provider_report(
    db: Database,
    user: User,
    provider_agb: str,
    quarter: str,
    lang: str = "nl",
    renderer: ChartRenderer | None = None,
) -> bytes:
    """The quarterly report of one provider as PDF bytes (AccessDenied for another provider's
    report when the user is a provider user)."""
    provider = _provider(db, user, provider_agb)
    steps = current_steps(db, user).filter(pl.col("provider_agb") == provider_agb)
    step = int(steps["step"][0]) if steps.height else 0
    table = kpi_table(db, user, quarter, provider_agb=provider_agb)
    history = kpi_history(db, user, provider_agb)
    history = history.filter(pl.col("quarter") <= quarter)
    decisions = decision_history(db, user, provider_agb, lang=lang)
    population = population_breakdown(db, user, provider_agb, quarter, "care_form")
    offer = delivered_table(db, user, "offer", provider_agb, quarter)
    results = delivered_table(db, user, "results", provider_agb, quarter)
    document = _document(
        text("report_title", lang, name=provider["name"], quarter=quarter),
        lang,
        provider,
        quarter,
        step,
        table,
        history,
        decisions,
        population,
        offer,
        results,
    )
    _cover(document, text("report_heading", lang), provider, quarter, step, lang)

    document.heading(text("report_kpis", lang), 13)
    if table.height == 0:
        document.paragraph(text("report_no_data", lang))
    else:
        rows, fills = [], []
        for row in table.iter_rows(named=True):
            rows.append(
                [
                    kpi(row["kpi"]).name(lang),
                    format_kpi(row["value"], row["unit"], lang),
                    status_label(row["status"], lang),
                    format_norm(
                        row["norm_green"], row["norm_amber"], row["direction"], row["unit"], lang
                    ),
                    number(row["denominator"], 0, lang),
                    format_delta(row["delta"], row["unit"], lang),
                ]
            )
            fills.append(STATUS_FILLS.get(row["status"]))
        document.grid(
            [
                text("provider_col_kpi", lang),
                text("provider_col_value", lang),
                text("provider_col_status", lang),
                text("provider_col_norm", lang),
                "n",
                text("report_delta", lang),
            ],
            rows,
            widths=[46, 20, 24, 52, 12, 26],
            fills=fills,
        )
        document.paragraph(text("status_legend", lang), 7)

    marks = decisions.select("quarter", "to_step") if decisions.height else None
    context = nullcontext(renderer) if renderer is not None else ChartRenderer()
    with context as charts:
        document.add_page()
        document.heading(text("report_trends", lang), 13)
        document.paragraph(
            text(
                "report_trends_help",
                lang,
                baseline=spc.BASELINE_POINTS,
                shift=spc.SHIFT_LENGTH,
                trend=spc.TREND_LENGTH,
            ),
            8,
        )
        for key in CHART_KPIS:
            series = history.filter(pl.col("kpi") == key)
            if series.height == 0 or series["value"].drop_nulls().len() == 0:
                continue
            definition = kpi(key)
            figure = figures.kpi_trend_figure(
                series, definition.name(lang), definition.unit, lang, marks
            )
            document.png_image(charts.png(figure, width=900, height=340), width=170)

    document.add_page()
    document.heading(text("report_population", lang), 13)
    document.grid(
        [text("filter_care_form", lang), "clients_start", "inflow", "outflow", "clients_end"],
        [
            [
                care_form_label(r["care_form"], lang),
                *(
                    number(r[c], 0, lang)
                    for c in ("clients_start", "inflow", "outflow", "clients_end")
                ),
            ]
            for r in population.iter_rows(named=True)
        ],
    )
    document.heading(text("report_offer", lang), 11)
    document.grid(
        [text("filter_care_form", lang), "places", "fte_care", "clients_waiting"],
        [
            [
                care_form_label(r["care_form"], lang),
                number(r["places"], 0, lang),
                number(r["fte_care"], 1, lang),
                number(r["clients_waiting"], 0, lang),
            ]
            for r in offer.iter_rows(named=True)
        ],
    )
    document.heading(text("report_results", lang), 11)
    document.grid(
        [
            text("filter_care_form", lang),
            "trajectories_ended",
            "ended_as_planned",
            "goals_achieved",
            "dropouts",
        ],
        [
            [
                care_form_label(r["care_form"], lang),
                *(
                    number(r[c], 0, lang)
                    for c in (
                        "trajectories_ended",
                        "ended_as_planned",
                        "goals_achieved",
                        "dropouts",
                    )
                ),
            ]
            for r in results.iter_rows(named=True)
        ],
    )

    document.heading(text("report_escalation", lang), 13)
    if decisions.height == 0:
        document.paragraph(text("provider_no_decisions", lang))
    else:
        latest = decisions.row(0, named=True)
        if latest["agreed_actions"]:
            document.paragraph(
                text(
                    "report_open_agreements",
                    lang,
                    actions=latest["agreed_actions"],
                    review=latest["review_date"] or "–",
                )
            )
        document.grid(
            [
                text("report_date", lang),
                text("report_by", lang),
                text("report_step", lang),
                text("escalation_reason", lang),
            ],
            [
                [
                    r["decided_at"].strftime("%d-%m-%Y"),
                    r["decided_by"],
                    f"{r['from_step_name']} → {r['to_step_name']}",
                    r["reason"],
                ]
                for r in decisions.iter_rows(named=True)
            ],
            widths=[22, 30, 60, 68],
        )
    return document.to_bytes()


def mirror_pdf(
    db: Database,
    user: User,
    provider_agb: str,
    quarter: str,
    lang: str = "nl",
    renderer: ChartRenderer | None = None,
) -> bytes:
    """The mirror report as PDF: own KPIs against the category and the region (other providers
    only as aggregates that pass both disclosure rules of `mirror`, as on the page)."""
    provider = _provider(db, user, provider_agb)
    report = mirror_report(db, user, provider_agb, mirror_window(quarter))
    steps = current_steps(db, user).filter(pl.col("provider_agb") == provider_agb)
    step = int(steps["step"][0]) if steps.height else 0
    document = _document(
        text("report_mirror_title", lang, name=provider["name"], quarter=quarter),
        lang,
        provider,
        quarter,
        step,
        report,
    )
    _cover(document, text("page_mirror", lang), provider, quarter, step, lang)
    document.paragraph(rules_text(lang), 9)
    rows = report.filter(pl.col("quarter") == quarter)
    document.grid(
        [
            text("provider_col_kpi", lang),
            text("mirror_own", lang),
            text("mirror_category", lang, category=provider["category"]),
            text("mirror_region", lang),
            text("mirror_rank", lang),
        ],
        [
            [
                kpi(r["kpi"]).name(lang),
                format_kpi(r["value"], kpi(r["kpi"]).unit, lang),
                comparison_text(
                    r["category_value"], r["category_suppression"], kpi(r["kpi"]).unit, lang
                ),
                comparison_text(
                    r["region_value"], r["region_suppression"], kpi(r["kpi"]).unit, lang
                ),
                rank_text(r["category_rank"], r["category_ranked"], r["category_quartile"], lang),
            ]
            for r in rows.iter_rows(named=True)
        ],
        widths=[50, 25, 40, 40, 35],
    )
    context = nullcontext(renderer) if renderer is not None else ChartRenderer()
    with context as charts:
        for key in ("goal_achievement", "dropout", "satisfaction"):
            series = report.filter((pl.col("kpi") == key) & (pl.col("quarter") <= quarter))
            if series.height == 0:
                continue
            figure = figures.mirror_figure(
                series, kpi(key).name(lang), kpi(key).unit, provider["category"], lang
            )
            document.png_image(charts.png(figure, width=900, height=320), width=170)
    _explanations(document, db, user, provider_agb, quarter, lang)
    return document.to_bytes()


def _explanations(
    document: ReportDocument, db: Database, user: User, provider_agb: str, quarter: str, lang: str
) -> None:
    """The provider's explanations of the quarter with the replies (part of the mirror
    report)."""
    from impactmonitor.explanations import explanation_threads

    threads = explanation_threads(db, user, provider_agb, (quarter,), lang)
    document.heading(text("mirror_explanations", lang, quarter=quarter), 13)
    if threads.height == 0:
        document.paragraph(text("explanation_none", lang, quarter=quarter), 9)
        return
    document.wrapped_table(
        [text("explanation_col_subject", lang), text("explanation_col_conversation", lang)],
        [[r["subject_name"], "\n".join(r["conversation"])] for r in threads.iter_rows(named=True)],
        widths=[40, 140],
    )


def report_batch(
    db: Database,
    user: User,
    quarter: str,
    out_dir: Path,
    lang: str = "nl",
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Path]:
    """One provider report per provider the user may export, with a single browser."""
    providers = db.query("SELECT provider_agb, name FROM providers ORDER BY provider_agb")
    agbs = [
        agb
        for agb in providers["provider_agb"].to_list()
        if user.role != "provider" or agb in user.provider_agbs
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with ChartRenderer() as renderer:
        for index, agb in enumerate(agbs, start=1):
            target = out_dir / text("file_provider_report", lang, agb=agb, quarter=quarter)
            target.write_bytes(provider_report(db, user, agb, quarter, lang, renderer))
            written.append(target)
            if progress:
                progress(index, len(agbs), agb)
    return written


ALL_KPI_KEYS = tuple(k.key for k in KPIS)
