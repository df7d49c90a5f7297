"""Plotly figures shared by the app pages and the PDF reports (no Streamlit here).

Colours are colour-blind safe (Okabe-Ito) and consistent everywhere: categories A/B/C and the
status colours. Every line also differs by dash or marker, so nothing depends on colour alone.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from impactmonitor import spc
from impactmonitor.display import care_form_label
from impactmonitor.i18n import text

CATEGORY_COLORS = {"A": "#0072B2", "B": "#E69F00", "C": "#009E73"}
STATUS_COLORS = {
    "green": "#009E73",
    "amber": "#E69F00",
    "red": "#D55E00",
    "n<10": "#999999",
    None: "#BBBBBB",
}
VALUE_COLOR = "#0072B2"
# The own line of the mirror chart: black (Okabe-Ito), so it never shares the category colour.
OWN_COLOR = "#000000"
SPC_COLOR = "#666666"
SIGNAL_COLOR = "#D55E00"
# Making Data Count draws improvement in blue and concern in orange; sky blue (Okabe-Ito) keeps
# it apart from the value line, and the markers differ in shape too (triangle vs cross).
IMPROVEMENT_COLOR = "#56B4E9"

TEMPLATE = "plotly_white"


def new_figure(*args: object, **kwargs: object) -> go.Figure:
    """`go.Figure(...)` with the product's look (plotly_white).

    The template is plotly's default from the first figure on: a new figure then takes it once,
    while naming it per figure validated it again (~20 ms a figure; a provider page draws a
    dozen). Not at import: loading the template costs ~30 MB that a process importing this
    module without drawing need not carry.
    """
    use_template()
    return go.Figure(*args, **kwargs)


def use_template() -> None:
    """Make the product's template plotly's default (once; cheap after that)."""
    if pio.templates.default != TEMPLATE:
        pio.templates.default = TEMPLATE


def _layout(figure: go.Figure, title: str, lang: str, percent: bool) -> go.Figure:
    figure.update_layout(
        title={"text": title, "font": {"size": 15}},
        separators=",." if lang == "nl" else ".,",
        margin={"l": 50, "r": 20, "t": 50, "b": 30},
        legend={"orientation": "h", "y": -0.28, "font": {"size": 11}},
        height=360,
        hovermode="x unified",
    )
    figure.update_xaxes(type="category", tickangle=-45)
    if percent:
        figure.update_yaxes(tickformat=".0%", rangemode="tozero")
    else:
        figure.update_yaxes(rangemode="tozero")
    return figure


def kpi_trend_figure(
    history: pl.DataFrame,
    kpi_name: str,
    unit: str,
    lang: str = "nl",
    decisions: pl.DataFrame | None = None,
) -> go.Figure:
    """Trend of one KPI for one provider: value, norm lines, SPC centre and limits, signals.

    `history` is `kpis.kpi_history` filtered to one KPI; `decisions` (quarter, to_step,
    step_name) draws the escalation steps on the time line.
    """
    history = history.sort("quarter")
    quarters = history["quarter"].to_list()
    figure = new_figure()
    if "norm_green" in history.columns and history["norm_green"].drop_nulls().len():
        figure.add_trace(
            go.Scatter(
                x=quarters,
                y=history["norm_green"].to_list(),
                name=text("chart_norm_green", lang),
                mode="lines",
                line={"color": STATUS_COLORS["green"], "dash": "dash", "shape": "hv"},
            )
        )
    if "norm_amber" in history.columns and history["norm_amber"].drop_nulls().len():
        figure.add_trace(
            go.Scatter(
                x=quarters,
                y=history["norm_amber"].to_list(),
                name=text("chart_norm_amber", lang),
                mode="lines",
                line={"color": STATUS_COLORS["amber"], "dash": "dot", "shape": "hv"},
            )
        )
    if "spc_centre" in history.columns and history["spc_centre"].drop_nulls().len():
        _spc_traces(figure, history, quarters, lang)
    figure.add_trace(
        go.Scatter(
            x=quarters,
            y=history["value"].to_list(),
            name=kpi_name,
            mode="lines+markers",
            line={"color": VALUE_COLOR, "width": 3},
            marker={"size": 7},
        )
    )
    if "spc_signal" in history.columns:
        for kind, symbol, color in (
            ("improvement", "triangle-up-open", IMPROVEMENT_COLOR),
            ("concern", "x-thin-open", SIGNAL_COLOR),
        ):
            signals = history.filter(pl.col("spc_signal") == kind)
            if not signals.height:
                continue
            figure.add_trace(
                go.Scatter(
                    x=signals["quarter"].to_list(),
                    y=signals["value"].to_list(),
                    name=text(f"chart_spc_{kind}", lang),
                    mode="markers",
                    marker={"color": color, "size": 15, "symbol": symbol, "line": {"width": 3}},
                    # The rule that fired, named at every signal (hover and the table below).
                    hovertext=[spc.rule_names(rules, lang) for rules in signals["spc_rule"]],
                    hoverinfo="text+name",
                )
            )
    for record in decisions.iter_rows(named=True) if decisions is not None else []:
        if record["quarter"] not in quarters:
            continue
        figure.add_vline(x=quarters.index(record["quarter"]), line_dash="dot", line_color="#CC79A7")
        figure.add_annotation(
            x=record["quarter"],
            y=1,
            yref="paper",
            showarrow=False,
            text=f"{text('chart_step', lang)} {record['to_step']}",
            font={"color": "#CC79A7", "size": 10},
            yanchor="bottom",
        )
    return _layout(figure, kpi_name, lang, unit == "share")


def _spc_traces(figure: go.Figure, history: pl.DataFrame, quarters: list[str], lang: str) -> None:
    """Centre line, control limits (per point for a p-chart) and the baseline period."""
    provisional = "spc_provisional" in history.columns and bool(history["spc_provisional"].any())
    limits_name = (
        text("chart_spc_limits_provisional", lang, baseline=spc.BASELINE_POINTS)
        if provisional
        else text("chart_spc_limits", lang)
    )
    figure.add_trace(
        go.Scatter(
            x=quarters,
            y=history["spc_centre"].to_list(),
            name=text("chart_spc_centre", lang),
            mode="lines",
            line={"color": SPC_COLOR, "width": 1},
        )
    )
    for column, show in (("spc_ucl", True), ("spc_lcl", False)):
        figure.add_trace(
            go.Scatter(
                x=quarters,
                y=history[column].to_list(),
                name=limits_name,
                mode="lines",
                showlegend=show,
                legendgroup="limits",
                connectgaps=False,
                line={"color": SPC_COLOR, "width": 1, "dash": "dashdot"},
            )
        )
    if "spc_baseline" in history.columns:
        baseline = [
            q for q, used in zip(quarters, history["spc_baseline"].to_list(), strict=True) if used
        ]
        if baseline:
            # A category axis: the area runs from half a step before the first baseline
            # quarter to half a step after the last.
            figure.add_vrect(
                x0=quarters.index(baseline[0]) - 0.5,
                x1=quarters.index(baseline[-1]) + 0.5,
                fillcolor=SPC_COLOR,
                opacity=0.08,
                line_width=0,
                layer="below",
                annotation_text=text("chart_spc_baseline", lang),
                annotation_position="bottom left",
                annotation_font={"size": 10, "color": SPC_COLOR},
            )


def target_figure(series: pl.DataFrame, title: str, lang: str = "nl") -> go.Figure:
    """One regional index per quarter against its target path and the projection.

    `series` columns: quarter, value (realised index), target_path, projection and
    optionally projection_low / projection_high (the band drawn around it).
    """
    series = series.sort("quarter")
    quarters = series["quarter"].to_list()
    figure = new_figure()
    figure.add_trace(
        go.Scatter(
            x=quarters,
            y=series["target_path"].to_list(),
            name=text("chart_target_path", lang),
            mode="lines",
            line={"color": STATUS_COLORS["green"], "dash": "dash"},
        )
    )
    if "projection_low" in series.columns and series["projection_low"].drop_nulls().len():
        # The 95% prediction interval of the trend: a shaded band (upper edge, then the lower
        # edge filled up to it).
        figure.add_trace(
            go.Scatter(
                x=quarters,
                y=series["projection_high"].to_list(),
                mode="lines",
                line={"width": 0, "color": SIGNAL_COLOR},
                showlegend=False,
                hoverinfo="skip",
                legendgroup="band",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=quarters,
                y=series["projection_low"].to_list(),
                mode="lines",
                name=text("chart_projection_band", lang),
                fill="tonexty",
                fillcolor="rgba(213, 94, 0, 0.15)",
                line={"width": 0, "color": SIGNAL_COLOR},
                legendgroup="band",
            )
        )
    if "projection" in series.columns:
        figure.add_trace(
            go.Scatter(
                x=quarters,
                y=series["projection"].to_list(),
                name=text("chart_projection", lang),
                mode="lines",
                line={"color": SIGNAL_COLOR, "dash": "dot"},
            )
        )
    figure.add_trace(
        go.Scatter(
            x=quarters,
            y=series["value"].to_list(),
            name=text("chart_realised", lang),
            mode="lines+markers",
            line={"color": VALUE_COLOR, "width": 3},
        )
    )
    figure.add_hline(y=1.0, line_color="#999999", line_width=1)
    layout = _layout(figure, title, lang, percent=False)
    layout.update_yaxes(rangemode="normal", tickformat=".2f")
    return layout


def mirror_figure(
    series: pl.DataFrame, title: str, unit: str, category: str, lang: str = "nl"
) -> go.Figure:
    """Own KPI value against the category and the region (others only), per quarter.

    `series` is `mirror.mirror_report` filtered to one KPI. The own line is black and solid with
    round markers, the category line its category colour, dashed with square markers, the region
    grey and dotted with triangles: they differ by colour, dash and marker.
    """
    series = series.sort("quarter")
    quarters = series["quarter"].to_list()
    figure = new_figure()
    figure.add_trace(
        go.Scatter(
            x=quarters,
            y=series["value"].to_list(),
            name=text("mirror_own", lang),
            mode="lines+markers",
            line={"color": OWN_COLOR, "width": 3},
            marker={"symbol": "circle", "size": 8},
        )
    )
    figure.add_trace(
        go.Scatter(
            x=quarters,
            y=series["category_value"].to_list(),
            name=text("mirror_category", lang, category=category),
            mode="lines+markers",
            line={"color": CATEGORY_COLORS.get(category, "#999999"), "dash": "dash", "width": 2},
            marker={"symbol": "square", "size": 7},
        )
    )
    figure.add_trace(
        go.Scatter(
            x=quarters,
            y=series["region_value"].to_list(),
            name=text("mirror_region", lang),
            mode="lines+markers",
            line={"color": SPC_COLOR, "dash": "dot", "width": 2},
            marker={"symbol": "triangle-up", "size": 7},
        )
    )
    return _layout(figure, title, lang, unit == "share")


REGION_COLOR = "#666666"
# Care forms in a fixed, colour-blind safe order of colours (Okabe-Ito), each also its own dash.
CARE_FORM_COLORS = {
    "ambulant": "#0072B2",
    "day_care": "#56B4E9",
    "foster_care": "#009E73",
    "family_home": "#F0E442",
    "residential_short": "#D55E00",
    "residential_long": "#E69F00",
    "crisis": "#CC79A7",
}
_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid")


def comparison_figure(
    series: pl.DataFrame, title: str, own_label: str, lang: str = "nl", unit: str = "index"
) -> go.Figure:
    """One municipality's value per quarter next to the region's (and the target path).

    `series` columns: quarter, value, region_value, optionally target_path.
    """
    series = series.sort("quarter")
    quarters = series["quarter"].to_list()
    figure = new_figure()
    if "target_path" in series.columns:
        figure.add_trace(
            go.Scatter(
                x=quarters,
                y=series["target_path"].to_list(),
                name=text("chart_target_path", lang),
                mode="lines",
                line={"color": STATUS_COLORS["green"], "dash": "dash"},
            )
        )
    figure.add_trace(
        go.Scatter(
            x=quarters,
            y=series["region_value"].to_list(),
            name=text("chart_region", lang),
            mode="lines",
            line={"color": REGION_COLOR, "dash": "dot", "width": 2},
        )
    )
    figure.add_trace(
        go.Scatter(
            x=quarters,
            y=series["value"].to_list(),
            name=own_label,
            mode="lines+markers",
            line={"color": VALUE_COLOR, "width": 3},
        )
    )
    layout = _layout(figure, title, lang, percent=False)
    if unit == "index":
        figure.add_hline(y=1.0, line_color="#999999", line_width=1)
        layout.update_yaxes(rangemode="normal", tickformat=".2f")
    return layout


def care_form_figure(frame: pl.DataFrame, title: str, lang: str = "nl") -> go.Figure:
    """Clients per care form per quarter (one line each). `frame`: quarter, care_form, clients."""
    from schemas.reference import CARE_FORMS

    figure = new_figure()
    for position, care_form in enumerate(CARE_FORMS):
        rows = frame.filter(pl.col("care_form") == care_form).sort("quarter")
        if rows.height == 0:
            continue
        figure.add_trace(
            go.Scatter(
                x=rows["quarter"].to_list(),
                y=rows["clients"].to_list(),
                name=care_form_label(care_form, lang),
                mode="lines+markers",
                line={"color": CARE_FORM_COLORS[care_form], "dash": _DASHES[position]},
            )
        )
    return _layout(figure, title, lang, percent=False)


def flow_figure(frame: pl.DataFrame, title: str, lang: str = "nl") -> go.Figure:
    """Inflow and outflow per quarter as bars (`frame`: quarter, inflow, outflow)."""
    frame = frame.sort("quarter")
    figure = new_figure()
    figure.add_trace(
        go.Bar(
            x=frame["quarter"].to_list(),
            y=frame["inflow"].to_list(),
            name=text("chart_inflow", lang),
            marker_color=VALUE_COLOR,
        )
    )
    figure.add_trace(
        go.Bar(
            x=frame["quarter"].to_list(),
            y=frame["outflow"].to_list(),
            name=text("chart_outflow", lang),
            marker_color="#E69F00",
            marker_pattern_shape="/",
        )
    )
    figure.update_layout(barmode="group")
    return _layout(figure, title, lang, percent=False)


def small_multiples_figure(
    frame: pl.DataFrame, title: str, lang: str = "nl", columns: int = 5, target: float | None = None
) -> go.Figure:
    """One small index chart per municipality on a shared scale (the board report).

    `frame` columns: municipality_name, quarter, value; `target` draws the target as a line.
    """
    from plotly.subplots import make_subplots

    names = sorted(frame["municipality_name"].unique().to_list())
    rows = max(1, -(-len(names) // columns))
    use_template()
    figure = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=names,
        shared_yaxes=True,
        vertical_spacing=0.12,
        horizontal_spacing=0.03,
    )
    for position, name in enumerate(names):
        row, column = position // columns + 1, position % columns + 1
        series = frame.filter(pl.col("municipality_name") == name).sort("quarter")
        figure.add_trace(
            go.Scatter(
                x=series["quarter"].to_list(),
                y=series["value"].to_list(),
                mode="lines",
                line={"color": VALUE_COLOR, "width": 2},
                showlegend=False,
                name=name,
            ),
            row=row,
            col=column,
        )
        figure.add_hline(y=1.0, line_color="#999999", line_width=1, row=row, col=column)
        if target is not None:
            figure.add_hline(
                y=target,
                line_color=STATUS_COLORS["green"],
                line_dash="dash",
                line_width=1,
                row=row,
                col=column,
            )
    figure.update_layout(
        title={"text": title, "font": {"size": 15}},
        separators=",." if lang == "nl" else ".,",
        margin={"l": 40, "r": 10, "t": 70, "b": 20},
        height=180 * rows + 80,
    )
    figure.update_xaxes(showticklabels=False, type="category")
    figure.update_yaxes(tickformat=".1f")
    figure.update_annotations(font_size=14)
    return figure


def agreement_figure(series: pl.DataFrame, title: str, unit: str, lang: str = "nl") -> go.Figure:
    """One performance agreement: the delivered value against the agreed path (baseline through
    the milestones to the target), milestones and target as markers.

    `series` is `agreements.agreement_series`: quarter, value, path, milestone.
    """
    series = series.sort("quarter")
    quarters = series["quarter"].to_list()
    figure = new_figure()
    figure.add_trace(
        go.Scatter(
            x=quarters,
            y=series["path"].to_list(),
            name=text("chart_agreed_path", lang),
            mode="lines",
            line={"color": STATUS_COLORS["green"], "dash": "dash"},
        )
    )
    milestones = series.filter(pl.col("milestone").is_not_null())
    if milestones.height:
        figure.add_trace(
            go.Scatter(
                x=milestones["quarter"].to_list(),
                y=milestones["milestone"].to_list(),
                name=text("chart_milestones", lang),
                mode="markers",
                marker={"color": STATUS_COLORS["green"], "size": 12, "symbol": "star"},
            )
        )
    figure.add_trace(
        go.Scatter(
            x=quarters,
            y=series["value"].to_list(),
            name=text("chart_realised", lang),
            mode="lines+markers",
            line={"color": VALUE_COLOR, "width": 3},
        )
    )
    layout = _layout(figure, title, lang, unit == "share")
    if unit == "index_points":
        layout.update_yaxes(rangemode="normal", tickformat=".3f")
    return layout
