"""The management report (bestuursrapportage): the regional picture of one quarter for the board,
as slides (landscape PDF, and PPTX so management can add its own slides).

Slides, each with its filters and data date in the footer:

1. cover: quarter, data up to, state of the data, what is in it;
2. one slide per target index: the statement (status and projection) and the chart against the
   target path, as of the chosen quarter (`target.target_overview(until=quarter)`);
3. the follow-up target: whether the first target was met and what follows (or that no
   follow-up target is set yet);
4. the municipalities side by side: small multiples of both indexes against each
   municipality's own baseline, and a table of the quarter;
5. category KPIs: A/B/C side by side with status and norm;
6. escalation: providers per step at quarter end, the changes decided in the quarter, open
   proposals;
7. delivery timeliness: on-time share per quarter and the status counts of the quarter.

The slides are built once as data (`board_slides`: text, tables and Plotly figures) and drawn by
`board_pdf` (fpdf2) or `board_pptx` (python-pptx) from the same content. Everything is read
through the same domain functions and access gate as the pages; the report itself is for the
region's staff (`access` action `board_report`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import plotly.graph_objects as go
import polars as pl

from impactmonitor import figures
from impactmonitor.access import User, require
from impactmonitor.delivery_status import delivery_summary
from impactmonitor.escalation import decision_history, escalation_board, ladder_config, step_name
from impactmonitor.formatting import format_kpi, number, status_label
from impactmonitor.i18n import text
from impactmonitor.kpis import aggregate_kpis, kpi, provider_quarters
from impactmonitor.pdf import ChartRenderer, SlideDocument
from impactmonitor.quarters import quarter_end, quarter_start, shift
from impactmonitor.storage import Database
from impactmonitor.target import INDEXES, index_series, target_config, target_overview
from schemas.reference import CATEGORIES, current_municipalities

STATUS_FILLS = {
    "green": (205, 235, 224),
    "amber": (248, 227, 181),
    "red": (245, 205, 184),
    "n<10": (232, 232, 232),
}
TARGET_FILLS = {
    "on_track": (205, 235, 224),
    "met": (205, 235, 224),
    "at_risk": (248, 227, 181),
    "off_track": (245, 205, 184),
    "not_met": (245, 205, 184),
}
TARGET_ICONS = {
    "on_track": "✔",
    "met": "✔",
    "at_risk": "!",
    "off_track": "✖",
    "not_met": "✖",
    "no_data": "–",
}
# KPIs on the category slide (results and offer; the population ratio is on the target slides).
CATEGORY_KPIS = (
    "goal_achievement",
    "ended_as_planned",
    "dropout",
    "satisfaction",
    "intake_wait_days",
    "treatment_wait_days",
    "length_of_stay_days",
    "ambulant_bed_ratio",
    "waiting_list",
)
TIMELINESS_QUARTERS = 8


@dataclass
class Text:
    text: str
    size: float = 11
    bold: bool = False
    fill: tuple[int, int, int] | None = None


@dataclass
class Chart:
    figure: go.Figure
    width: int = 900  # pixels of the rendered PNG
    height: int = 420


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None  # shares of the column
    fills: list[list[tuple[int, int, int] | None]] | None = None
    size: float = 9


Block = Text | Chart | Table


@dataclass
class Slide:
    title: str
    left: list[Block]
    right: list[Block] | None = None  # a second column (None = the left one is full width)
    left_share: float = 0.42
    footer: str = ""


@dataclass
class BoardReport:
    title: str
    slides: list[Slide] = field(default_factory=list)


def _data_date(db: Database, user: User, quarter: str) -> tuple[str, str]:
    """(last quarter with data up to `quarter`, date of the last accepted table of it)."""
    quarters = [q for q in provider_quarters(db, user) if q <= quarter]
    latest = quarters[0] if quarters else quarter
    accepted = db.scalar(
        "SELECT max(accepted_at) FROM table_versions WHERE quarter <= ?", [quarter]
    )
    return latest, accepted.strftime("%d-%m-%Y") if accepted else "–"


def board_slides(db: Database, user: User, quarter: str, lang: str = "nl") -> BoardReport:
    """The content of the management report for `quarter` (see the module docstring)."""
    require(user, "board_report")
    config = target_config()
    latest, accepted = _data_date(db, user, quarter)
    footer_base = text(
        "board_footer",
        lang,
        quarter=quarter,
        latest=latest,
        accepted=accepted,
        version=db.data_version(),
    )

    def footer(filters: str) -> str:
        return f"{filters} · {footer_base}"

    region = text("board_filters_region", lang, municipalities=len(current_municipalities()))
    report = BoardReport(text("board_title", lang, quarter=quarter))

    # ---- 1. cover
    contents = [
        text(key, lang)
        for key in (
            "board_slide_target",
            "board_slide_follow_up",
            "board_slide_municipalities",
            "board_slide_categories",
            "board_slide_escalation",
            "board_slide_timeliness",
        )
    ]
    report.slides.append(
        Slide(
            report.title,
            [
                Text(text("board_cover", lang, quarter=quarter), 14, bold=True),
                Table(
                    [text("board_key", lang), text("board_value", lang)],
                    [
                        [text("filter_quarter", lang), quarter],
                        [text("board_data_until", lang), latest],
                        [text("board_accepted", lang), accepted],
                        [text("board_scope", lang), region],
                        [text("board_made", lang), datetime.now().strftime("%d-%m-%Y %H:%M")],
                    ],
                    widths=[0.42, 0.58],
                    size=10,
                ),
            ],
            [
                Text(text("board_contents", lang), 12, bold=True),
                *(Text(f"{n}. {item}", 11) for n, item in enumerate(contents, start=1)),
            ],
            left_share=0.56,
            footer=footer(region),
        )
    )

    # ---- 2. the target, one slide per index
    series, assessments = target_overview(db, user, config, lang, until=quarter)
    for index in INDEXES:
        rows = assessments.filter(pl.col("index") == index.key)
        row = rows.row(0, named=True) if rows.height else None
        own = series.filter(pl.col("index") == index.key)
        left: list[Block] = []
        if row is not None:
            left.append(
                Text(
                    f"{TARGET_ICONS.get(row['status'], '–')} "
                    f"{text('target_status_' + row['status'], lang)}",
                    15,
                    bold=True,
                    fill=TARGET_FILLS.get(row["status"]),
                )
            )
            left.append(Text(row["statement"], 10.5))
            left.append(
                Table(
                    [text("board_key", lang), text("board_value", lang)],
                    [
                        [
                            text("board_target", lang, quarter=row["target_quarter"]),
                            number(row["target"], 2, lang),
                        ],
                        [
                            text("board_latest", lang, quarter=row["latest_quarter"] or "–"),
                            number(row["latest_value"], 3, lang),
                        ],
                        [text("board_projected", lang), number(row["projected"], 3, lang)],
                    ],
                    widths=[0.65, 0.35],
                    size=9,
                )
            )
        right: list[Block] = []
        if own.height:
            right.append(Chart(figures.target_figure(own, index.name(lang), lang), 760, 560))
        report.slides.append(
            Slide(
                index.name(lang),
                left,
                right,
                left_share=0.38,
                footer=footer(f"{region} · {index.name(lang)}"),
            )
        )

    # ---- 3. the follow-up target
    follow_rows = []
    for row in assessments.iter_rows(named=True):
        name = next(i.name(lang) for i in INDEXES if i.key == row["index"])
        follow_target = (config.follow_up_targets or {}).get(row["index"])
        follow_rows.append(
            [
                name,
                f"{number(row['target'], 2, lang)} ({row['target_quarter']})",
                number(row["value_at_target"], 3, lang),
                text(f"target_status_{row['status']}", lang),
                (
                    f"{number(follow_target, 2, lang)} ({config.follow_up_quarter})"
                    if follow_target is not None
                    else text("board_no_follow_up_short", lang)
                ),
                text(f"target_status_{row['follow_up_status']}", lang)
                if row["follow_up_status"]
                else "–",
            ]
        )
    follow_blocks: list[Block] = [
        Table(
            [
                text("board_index", lang),
                text("board_first_target", lang),
                text("board_value_at_target", lang),
                text("board_status", lang),
                text("board_follow_up_target", lang),
                text("board_follow_up_status", lang),
            ],
            follow_rows,
            widths=[0.24, 0.16, 0.14, 0.14, 0.18, 0.14],
            size=9,
        )
    ]
    if config.follow_up_quarter is None:
        follow_blocks.append(
            Text(text("board_no_follow_up", lang, quarter=config.target_quarter), 10.5)
        )
    follow_blocks += [Text(row["statement"], 10) for row in assessments.iter_rows(named=True)]
    report.slides.append(
        Slide(text("board_slide_follow_up", lang), follow_blocks, footer=footer(region))
    )

    # ---- 4. the municipalities side by side
    names = {m.code: m.name for m in current_municipalities()}
    per_municipality = index_series(db, user, ("municipality_code",), config).filter(
        (pl.col("quarter") <= quarter) & pl.col("municipality_code").is_in(list(names))
    )
    per_municipality = per_municipality.with_columns(
        pl.col("municipality_code").replace_strict(names).alias("municipality_name")
    )
    for index in INDEXES:
        frame = per_municipality.filter(pl.col("index") == index.key)
        if frame.height == 0:
            continue
        report.slides.append(
            Slide(
                text("board_municipalities_title", lang, index=index.name(lang)),
                [
                    Chart(
                        figures.small_multiples_figure(
                            frame,
                            text("board_small_multiples", lang, index=index.name(lang)),
                            lang,
                            columns=5,
                            target=config.targets[index.key],
                        ),
                        1200,
                        620,
                    )
                ],
                footer=footer(text("board_filters_municipalities", lang, index=index.name(lang))),
            )
        )
    table_rows = []
    current = per_municipality.filter(pl.col("quarter") == latest)
    ratio = aggregate_kpis(
        db, user, [latest], by=("municipality_code",), kpis=["ambulant_bed_ratio"]
    )
    ratio_by = dict(ratio.select("municipality_code", "value").iter_rows())
    for code, name in sorted(names.items(), key=lambda item: item[1]):
        values = {
            r["index"]: r
            for r in current.filter(pl.col("municipality_code") == code).iter_rows(named=True)
        }
        short, foster = values.get("short_residential"), values.get("foster_family")
        table_rows.append(
            [
                name,
                number(short["value"] if short else None, 2, lang),
                number(foster["value"] if foster else None, 2, lang),
                number(ratio_by.get(code), 2, lang),
                number(short["clients"] if short else None, 0, lang),
            ]
        )
    report.slides.append(
        Slide(
            text("board_municipalities_table", lang, quarter=latest),
            [
                Table(
                    [
                        text("filter_municipality", lang),
                        INDEXES[0].name(lang),
                        INDEXES[1].name(lang),
                        kpi("ambulant_bed_ratio").name(lang),
                        text("board_short_clients", lang),
                    ],
                    table_rows,
                    widths=[0.26, 0.2, 0.22, 0.17, 0.15],
                    size=9,
                ),
                Text(text("board_municipalities_note", lang), 9),
            ],
            footer=footer(region),
        )
    )

    # ---- 5. category KPIs
    by_category = aggregate_kpis(db, user, [latest], by=("category",), kpis=list(CATEGORY_KPIS))
    header = [
        text("provider_col_kpi", lang),
        *(text("board_category", lang, category=c) for c in CATEGORIES),
    ]
    kpi_rows: list[list[str]] = []
    kpi_fills: list[list[tuple[int, int, int] | None]] = []
    for key in CATEGORY_KPIS:
        definition = kpi(key)
        cells = [definition.name(lang)]
        fills: list[tuple[int, int, int] | None] = [None]
        for category in CATEGORIES:
            hit = by_category.filter((pl.col("kpi") == key) & (pl.col("category") == category))
            if hit.height == 0:
                cells.append("–")
                fills.append(None)
                continue
            found = hit.row(0, named=True)
            cells.append(
                f"{format_kpi(found['value'], definition.unit, lang)}  "
                f"{status_label(found['status'], lang)}"
            )
            fills.append(STATUS_FILLS.get(found["status"]))
        kpi_rows.append(cells)
        kpi_fills.append(fills)
    report.slides.append(
        Slide(
            text("board_slide_categories", lang),
            [
                Table(header, kpi_rows, widths=[0.31, 0.23, 0.23, 0.23], fills=kpi_fills, size=9.5),
                Text(text("board_categories_note", lang, quarter=latest), 9),
            ],
            footer=footer(f"{region} · {text('filter_quarter', lang)}: {latest}"),
        )
    )

    # ---- 6. escalation
    report.slides.append(_escalation_slide(db, user, quarter, lang, footer(region)))

    # ---- 7. delivery timeliness
    report.slides.append(_timeliness_slide(db, user, quarter, lang, footer(region)))
    return report


def _escalation_slide(db: Database, user: User, quarter: str, lang: str, footer: str) -> Slide:
    decisions = decision_history(db, user, lang=lang)
    end = datetime.combine(quarter_end(quarter), datetime.max.time())
    start = datetime.combine(quarter_start(quarter), datetime.min.time())
    board = escalation_board(db, user)
    steps = list(range(ladder_config().steps))
    at_end = (
        decisions.filter(pl.col("decided_at") <= end)
        .sort("decided_at")
        .group_by("provider_agb")
        .agg(pl.col("to_step").last())
    )
    stepped = dict(at_end.iter_rows())
    counts = {step: 0 for step in steps}
    for agb in board["provider_agb"].to_list():
        counts[stepped.get(agb, 0)] += 1
    labels = [f"{step}. {step_name(step, lang)}" for step in steps]
    figure = figures.new_figure(
        go.Bar(
            x=[counts[s] for s in steps],
            y=labels,
            orientation="h",
            marker_color=figures.VALUE_COLOR,
            text=[str(counts[s]) for s in steps],
            textposition="outside",
        )
    )
    figure.update_layout(
        height=420,
        font={"size": 14},
        title=text("board_steps_chart", lang, quarter=quarter),
        yaxis={"autorange": "reversed"},
        margin={"l": 250, "r": 40, "t": 50},
    )
    changed = decisions.filter((pl.col("decided_at") >= start) & (pl.col("decided_at") <= end))
    change_rows = [
        [
            r["decided_at"].strftime("%d-%m-%Y"),
            r["name"] or r["provider_agb"],
            f"{r['from_step']} → {r['to_step']}",
        ]
        for r in changed.sort("decided_at").iter_rows(named=True)
    ]
    right: list[Block] = [
        Text(text("board_changes", lang, quarter=quarter, count=len(change_rows)), 12, bold=True)
    ]
    if change_rows:
        right.append(
            Table(
                [
                    text("report_date", lang),
                    text("report_provider", lang),
                    text("report_step", lang),
                ],
                change_rows[:12],
                widths=[0.2, 0.6, 0.2],
            )
        )
    else:
        right.append(Text(text("board_no_changes", lang), 10))
    proposals = board.filter(pl.col("proposed_step").is_not_null())
    ups = proposals.filter(pl.col("direction") == "up").height
    right.append(
        Text(
            text(
                "board_proposals",
                lang,
                up=ups,
                down=proposals.height - ups,
                quarter=board["quarter"][0] if board.height else "–",
            ),
            10,
        )
    )
    on_steps = [
        [r["name"], f"{stepped[r['provider_agb']]}. {step_name(stepped[r['provider_agb']], lang)}"]
        for r in board.sort("name").iter_rows(named=True)
        if stepped.get(r["provider_agb"], 0) > 0
    ]
    if on_steps:
        right.append(Text(text("board_on_steps", lang), 11, bold=True))
        right.append(
            Table(
                [text("report_provider", lang), text("report_step", lang)],
                on_steps[:10],
                widths=[0.6, 0.4],
            )
        )
    return Slide(
        text("board_slide_escalation", lang),
        [Chart(figure, 640, 480)],
        right,
        left_share=0.5,
        footer=footer,
    )


def _timeliness_slide(db: Database, user: User, quarter: str, lang: str, footer: str) -> Slide:
    summary = (
        delivery_summary(db, user)
        .filter(
            (pl.col("quarter") <= quarter)
            & (pl.col("quarter") > shift(quarter, -TIMELINESS_QUARTERS))
        )
        .sort("quarter")
    )
    figure = figures.new_figure(
        go.Scatter(
            x=summary["quarter"].to_list(),
            y=summary["on_time_share"].to_list(),
            mode="lines+markers+text",
            line={"color": figures.VALUE_COLOR, "width": 3},
            text=[format_kpi(v, "share", lang) for v in summary["on_time_share"].to_list()],
            textposition="top center",
            name=text("column_on_time_share", lang),
        )
    )
    figure.update_layout(
        height=420,
        separators=",." if lang == "nl" else ".,",
        title=text("board_timeliness_chart", lang),
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
    )
    figure.update_yaxes(tickformat=".0%", range=[0, 1.05])
    figure.update_xaxes(type="category")
    now = summary.filter(pl.col("quarter") == quarter)
    rows = []
    if now.height:
        found = now.row(0, named=True)
        for status in ("complete", "late", "incomplete", "missing", "pending"):
            rows.append([text(f"column_{status}", lang), number(found[status], 0, lang)])
        rows.append(
            [text("column_on_time_share", lang), format_kpi(found["on_time_share"], "share", lang)]
        )
    right: list[Block] = [
        Text(text("board_timeliness_quarter", lang, quarter=quarter), 12, bold=True)
    ]
    right.append(
        Table(
            [text("board_status", lang), text("board_providers", lang)],
            rows,
            widths=[0.6, 0.4],
            size=10,
        )
        if rows
        else Text("–")
    )
    right.append(Text(text("board_timeliness_note", lang), 9))
    return Slide(
        text("board_slide_timeliness", lang),
        [Chart(figure, 720, 460)],
        right,
        left_share=0.58,
        footer=footer,
    )


# ---- drawing -------------------------------------------------------------------------------------


def _pngs(report: BoardReport, renderer: ChartRenderer | None) -> dict[int, bytes]:
    charts = [
        block
        for slide in report.slides
        for block in (*slide.left, *(slide.right or []))
        if isinstance(block, Chart)
    ]
    context = nullcontext(renderer) if renderer is not None else ChartRenderer()
    with context as active:
        return {
            id(chart): active.png(chart.figure, width=chart.width, height=chart.height)
            for chart in charts
        }


def board_pdf(
    db: Database, user: User, quarter: str, lang: str = "nl", renderer: ChartRenderer | None = None
) -> bytes:
    """The management report as a landscape PDF in slide form."""
    report = board_slides(db, user, quarter, lang)
    pngs = _pngs(report, renderer)
    document = SlideDocument(report.title, "")
    document.alias_nb_pages()
    margin, gap = 12.0, 6.0
    usable = document.w - 2 * margin
    for slide in report.slides:
        document.slide(slide.title, slide.footer)
        top = document.get_y()
        columns: list[tuple[float, float, Sequence[Block]]]
        if slide.right is None:
            columns = [(margin, usable, slide.left)]
        else:
            left_width = usable * slide.left_share - gap / 2
            columns = [
                (margin, left_width, slide.left),
                (margin + left_width + gap, usable - left_width - gap, slide.right),
            ]
        for x, width, blocks in columns:
            document.set_y(top)
            for block in blocks:
                _draw_pdf_block(document, block, x, width, pngs)
    return document.to_bytes()


def _draw_pdf_block(
    document: SlideDocument, block: Block, x: float, width: float, pngs: dict[int, bytes]
) -> None:
    if isinstance(block, Text):
        document.text_at(x, width, block.text, block.size, block.bold, block.fill)
    elif isinstance(block, Table):
        document.table_at(x, width, block.header, block.rows, block.widths, block.size, block.fills)
    else:
        document.image_at(x, width, pngs[id(block)], max_height=document.h - 12 - 22)


def board_pptx(
    db: Database, user: User, quarter: str, lang: str = "nl", renderer: ChartRenderer | None = None
) -> bytes:
    """The same slides as PPTX (python-pptx), to open and extend in PowerPoint."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Mm, Pt

    report = board_slides(db, user, quarter, lang)
    pngs = _pngs(report, renderer)
    deck = Presentation()
    slide_width, slide_height = Mm(297), Mm(167)
    deck.slide_width, deck.slide_height = slide_width, slide_height
    deck.core_properties.title = report.title
    blank = deck.slide_layouts[6]
    margin, gap = Mm(12), Mm(6)
    usable = slide_width - 2 * margin

    def textbox(
        slide: Any,
        x: int,
        y: int,
        width: int,
        height: int,
        value: str,
        size: float,
        bold: bool = False,
        color: RGBColor | None = None,
        fill: tuple[int, int, int] | None = None,
    ) -> Any:
        box = slide.shapes.add_textbox(x, y, width, height)
        frame = box.text_frame
        frame.word_wrap = True
        frame.text = value
        for paragraph in frame.paragraphs:
            for run in paragraph.runs:
                run.font.size, run.font.bold = Pt(size), bold
                if color is not None:
                    run.font.color.rgb = color
        if fill:
            box.fill.solid()
            box.fill.fore_color.rgb = RGBColor(*fill)
        return box

    for content in report.slides:
        slide = deck.slides.add_slide(blank)
        band = slide.shapes.add_shape(1, 0, 0, slide_width, Mm(16))  # 1 = rectangle
        band.fill.solid()
        band.fill.fore_color.rgb = RGBColor(0, 114, 178)
        band.line.fill.background()
        textbox(
            slide, margin, Mm(2.5), usable, Mm(11), content.title, 20, True, RGBColor(255, 255, 255)
        )
        textbox(
            slide,
            margin,
            slide_height - Mm(9),
            usable,
            Mm(6),
            content.footer,
            7,
            color=RGBColor(80, 80, 80),
        )
        columns: list[tuple[int, int, list[Block]]]
        if content.right is None:
            columns = [(margin, usable, content.left)]
        else:
            left_width = int(usable * content.left_share - gap / 2)
            columns = [
                (margin, left_width, content.left),
                (margin + left_width + gap, usable - left_width - gap, content.right),
            ]
        for x, width, blocks in columns:
            y: int = Mm(21)
            for block in blocks:
                if isinstance(block, Text):
                    lines = max(1, int(len(block.text) * block.size * 0.19 / Emu(width).mm) + 1)
                    height: int = Mm(block.size * 0.5 * lines + 2)
                    textbox(
                        slide,
                        x,
                        y,
                        width,
                        height,
                        block.text,
                        block.size,
                        block.bold,
                        fill=block.fill,
                    )
                    y += height + Mm(1.5)
                elif isinstance(block, Table):
                    row_height = Mm(block.size * 0.6 + 1.5)
                    rows = len(block.rows) + 1
                    shape = slide.shapes.add_table(
                        rows, len(block.header), x, y, width, row_height * rows
                    )
                    table = shape.table
                    shares = block.widths or [1 / len(block.header)] * len(block.header)
                    for position, share in enumerate(shares):
                        table.columns[position].width = int(width * share / sum(shares))
                    for r, cells in enumerate([block.header, *block.rows]):
                        for c, value in enumerate(cells):
                            cell = table.cell(r, c)
                            cell.text = str(value)
                            for paragraph in cell.text_frame.paragraphs:
                                for run in paragraph.runs:
                                    run.font.size = Pt(block.size)
                                    run.font.bold = r == 0
                            fill = block.fills[r - 1][c] if block.fills and r > 0 else None
                            if fill:
                                cell.fill.solid()
                                cell.fill.fore_color.rgb = RGBColor(*fill)
                    y += row_height * rows + Mm(2)
                else:
                    ratio = block.height / block.width
                    height = min(int(width * ratio), slide_height - Mm(12) - y)
                    slide.shapes.add_picture(
                        io.BytesIO(pngs[id(block)]), x, y, width=int(height / ratio), height=height
                    )
                    y += height + Mm(2)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()
