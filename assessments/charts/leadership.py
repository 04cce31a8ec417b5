"""Figures of the leadership view: movement on the matrix, level trends, a risk's path.

Data in (the small frames of assessments/store/heatmaps.py, attention.py and trends.py), plotly
figures out. Colours come from the criteria; nothing is told by colour alone: levels are named
in cells, legends and hover text, tiers have their own marker shapes and letters. Fonts are
large enough for a projector at the back of a meeting room.

Plotly renders a few HTML tags in titles, hover text, legends, ticks and annotations, so
everything people typed (risk and system titles, names in decisions, the criteria's level names
and step labels) is escaped with `_text` before it is placed there. Figures add nothing: every
count, including the count above the appetite, comes from the store.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from assessments.criteria import RiskCriteria, RiskLevel

FONT_FAMILY = "Source Sans Pro, Arial, sans-serif"
BASE_FONT = {"family": FONT_FAMILY, "size": 15}
HOVER = {"bgcolor": "#FFFFFF", "font": {"size": 15, "color": "#111111"}}
INK = "#1B1B1F"
APPETITE_COLOUR = "#111111"
TIER_STYLE: dict[str, dict[str, Any]] = {
    "inherent": {"symbol": "circle-open", "letter": "I", "dash": "dot", "width": 2},
    "residual": {"symbol": "square", "letter": "R", "dash": "solid", "width": 4},
    "target": {"symbol": "diamond-open", "letter": "T", "dash": "dash", "width": 2},
}
TIER_NAMES = {"inherent": "Inherent", "residual": "Residual", "target": "Target"}
DECISION_STYLE: dict[str, dict[str, str]] = {
    "acceptance": {"symbol": "star", "name": "Acceptance", "colour": "#6A3D9A"},
    "workshop": {"symbol": "hexagon", "name": "Workshop consensus", "colour": "#1F78B4"},
    "action_done": {"symbol": "triangle-up", "name": "Treatment done", "colour": "#33A02C"},
}


def _text_colour(colour: str) -> str:
    return RiskLevel(name="level", colour=colour).text_colour()


def _tint(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[index : index + 2], 16) for index in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(value: object) -> str:
    """User text as Plotly shows it literally (its tags and entities escaped)."""
    return html.escape(str(value))


# --- movement on the matrix ----------------------------------------------------------------------


def _matrix_background(criteria: RiskCriteria) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Cells coloured by level with the level's name in a corner (shapes and annotations)."""
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for cell in criteria.cells():
        likelihood, severity = cell["likelihood"], cell["severity"]
        shapes.append(
            {
                "type": "rect",
                "x0": severity - 0.5,
                "x1": severity + 0.5,
                "y0": likelihood - 0.5,
                "y1": likelihood + 0.5,
                "fillcolor": _tint(cell["colour"], 0.55),
                "line": {"color": "#FFFFFF", "width": 3},
                "layer": "below",
            }
        )
        annotations.append(
            {
                "x": severity - 0.46,
                "y": likelihood + 0.46,
                "text": _text(cell["level"]),
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "font": {"size": 12, "color": "#333333"},
                # Above the lines that cross the cell, on a light patch, so it stays readable.
                "bgcolor": "rgba(255, 255, 255, 0.7)",
                "borderpad": 1,
            }
        )
    return shapes, annotations


# The part of a cell (offsets from its centre) where markers go: below the band at the top
# that holds the level's name.
_SLOT_TOP = 0.2
_SLOT_BOTTOM = -0.42
_SLOT_HALF_WIDTH = 0.4


def _slots(count: int) -> list[tuple[float, float]]:
    """Positions for `count` markers sharing one cell, below the level's name: one in the
    middle of that area, else a grid that fills it, so markers in the same cell do not hide
    each other (or the name)."""
    middle = (_SLOT_TOP + _SLOT_BOTTOM) / 2
    if count <= 1:
        return [(0.0, middle)]
    side = math.isqrt(count - 1) + 1  # the smallest square grid with room for every marker
    x_step = 2 * _SLOT_HALF_WIDTH / side
    y_step = (_SLOT_TOP - _SLOT_BOTTOM) / side
    grid = [
        (
            -_SLOT_HALF_WIDTH + x_step * (column + 0.5),
            _SLOT_TOP - y_step * (row + 0.5),
        )
        for row in range(side)
        for column in range(side)
    ]
    return grid[:count]


def _spread(moves: pd.DataFrame) -> pd.DataFrame:
    """x (severity) and y (likelihood) for every marker, spread within the cells they share."""
    placed = moves.reset_index(drop=True)
    xs = placed["severity"].astype(float).copy()
    ys = placed["likelihood"].astype(float).copy()
    for _, members in placed.groupby(["likelihood", "severity"], sort=False):
        for index, (dx, dy) in zip(members.index, _slots(len(members)), strict=True):
            xs[index] += dx
            ys[index] += dy
    return placed.assign(x=xs, y=ys)


def movement_figure(
    moves: pd.DataFrame, criteria: RiskCriteria, title: str | None = None, height: int = 700
) -> go.Figure:
    """Each risk's inherent -> residual -> target, drawn as linked markers with arrows.

    `moves` is `store.heatmaps.movement(...)` (one row per risk and rated tier, with `rank`).
    A risk is numbered by its rank; the number sits on its residual marker and the hover names
    the risk and its three ratings in words. The moves are lines with an arrowhead halfway,
    drawn under the markers so numbers stay readable; one trace per tier (shape and letter
    tell the tiers apart).
    """
    shapes, annotations = _matrix_background(criteria)
    figure = go.Figure()
    if not moves.empty:
        placed = _spread(moves)
        words = {}
        line_x: list[float | None] = []
        line_y: list[float | None] = []
        heads: list[int] = []
        for risk_id, rows in placed.groupby("risk_id", sort=False):
            first = rows.iloc[0]
            path = " → ".join(
                f"{TIER_NAMES[tier]} {_text(level)} (L{likelihood} × S{severity})"
                for tier, level, likelihood, severity in zip(
                    rows["tier"], rows["level"], rows["likelihood"], rows["severity"], strict=True
                )
            )
            words[risk_id] = (
                f"<b>{int(first['rank'])}. {_text(_short(str(first['title'])))}</b>"
                f" ({_text(first['system_name'])})<br>{path}"
            )
            xs, ys = rows["x"].tolist(), rows["y"].tolist()
            for start in range(len(xs) - 1):
                # start, an arrowhead halfway pointing onwards, end, and a gap to the next
                line_x += [xs[start], (xs[start] + xs[start + 1]) / 2, xs[start + 1], None]
                line_y += [ys[start], (ys[start] + ys[start + 1]) / 2, ys[start + 1], None]
                heads += [0, 12, 0, 0]
        figure.add_trace(
            go.Scatter(
                x=line_x,
                y=line_y,
                mode="lines+markers",
                line={"color": "rgba(27, 27, 31, 0.65)", "width": 1.5},
                marker={
                    "symbol": "arrow",
                    "angleref": "previous",
                    "size": heads,
                    "color": INK,
                },
                hoverinfo="skip",
                showlegend=False,
                name="moves",
            )
        )
        for tier, style in TIER_STYLE.items():
            rows = placed[placed["tier"] == tier]
            if rows.empty:
                continue
            residual = tier == "residual"
            figure.add_trace(
                go.Scatter(
                    x=rows["x"].tolist(),
                    y=rows["y"].tolist(),
                    mode="markers+text",
                    marker={
                        "symbol": style["symbol"],
                        "size": 16 if residual else 13,
                        "color": INK,
                        "line": {"color": INK, "width": 2},
                    },
                    text=[str(int(rank)) for rank in rows["rank"]]
                    if residual
                    else [style["letter"]] * len(rows),
                    textfont={"color": "#FFFFFF" if residual else INK, "size": 11},
                    textposition="middle center",
                    name=f"{TIER_NAMES[tier]} ({'number' if residual else style['letter']})",
                    hovertext=[words[key] for key in rows["risk_id"]],
                    hovertemplate="%{hovertext}<extra></extra>",
                )
            )
    figure.update_layout(
        title={"text": _text(title), "font": {"size": 20}} if title else None,
        height=height,
        margin={"l": 150, "r": 20, "t": 60 if title else 20, "b": 110},
        shapes=shapes,
        annotations=annotations,
        plot_bgcolor="#FFFFFF",
        hoverlabel=HOVER,
        font=BASE_FONT,
        dragmode=False,
        legend={"orientation": "h", "y": -0.22, "x": 0, "font": {"size": 15}},
        xaxis=_scale_axis(criteria, "severity"),
        yaxis=_scale_axis(criteria, "likelihood"),
    )
    return figure


def _scale_axis(criteria: RiskCriteria, scale: str) -> dict[str, Any]:
    steps = criteria.severity if scale == "severity" else criteria.likelihood
    ticks = (
        [f"{step.value}<br>{_text(step.label)}" for step in steps]
        if scale == "severity"
        else [f"{_text(step.label)} {step.value}" for step in steps]
    )
    return {
        "title": {"text": f"{scale.capitalize()} →", "font": {"size": 16}},
        "tickmode": "array",
        "tickvals": list(range(1, len(steps) + 1)),
        "ticktext": ticks,
        "range": [0.5, len(steps) + 0.5],
        "showgrid": False,
        "zeroline": False,
        "fixedrange": True,
        "tickfont": {"size": 14},
    }


def movement_legend(moves: pd.DataFrame) -> pd.DataFrame:
    """The numbered risks of a movement chart as a small table (number, risk, system, path)."""
    if moves.empty:
        return pd.DataFrame(columns=["No.", "Risk", "AI system", "Inherent", "Residual", "Target"])
    wide = moves.pivot_table(
        index=["rank", "risk_id", "title", "system_name"],
        columns="tier",
        values="level",
        aggfunc="first",
    ).reset_index()
    return pd.DataFrame(
        {
            "No.": wide["rank"].astype(int),
            "risk_id": wide["risk_id"].astype(int),
            "Risk": wide["title"],
            "AI system": wide["system_name"],
            **{
                TIER_NAMES[tier]: wide[tier].fillna("not rated") if tier in wide else "not rated"
                for tier in TIER_NAMES
            },
        }
    ).sort_values("No.", ignore_index=True)


# --- level counts over time ----------------------------------------------------------------------


def level_trend_figure(
    trend: pd.DataFrame,
    *,
    tier_name: str,
    title: str | None = None,
    height: int = 560,
    line_name: str = "Above the appetite (or the harm category's tolerance)",
) -> go.Figure:
    """Stacked bars: how many risks stood at each level at the end of each period; below them,
    on its own axis, a line of how many were above the appetite, each point labelled with its
    count (so the line never sits on the bars' numbers).

    `trend` is `store.trends.level_trend` (period_start, label, level, level_rank, colour,
    count, and above_appetite: the period's count above the appetite or their harm category's
    tolerance, judged by the store). Bars are stacked lowest level first; each level is named
    in the legend and hover.
    """
    has_line = "above_appetite" in trend and not trend.empty
    figure = (
        make_subplots(
            rows=2, cols=1, shared_xaxes=True, row_heights=[0.74, 0.26], vertical_spacing=0.07
        )
        if has_line
        else go.Figure()
    )
    bar_cell = {"row": 1, "col": 1} if has_line else {}
    labels = list(dict.fromkeys(trend["label"].tolist()))
    for (rank, level, colour), rows in trend.groupby(["level_rank", "level", "colour"], sort=True):
        figure.add_trace(
            go.Bar(
                x=rows["label"],
                y=rows["count"],
                name=_text(level),
                marker={"color": colour, "line": {"color": "#FFFFFF", "width": 1}},
                text=rows["count"],
                texttemplate="%{text}",
                textposition="inside",
                textangle=0,
                insidetextanchor="middle",
                textfont={"color": _text_colour(str(colour))},
                customdata=[_text(level)] * len(rows),
                hovertemplate=f"%{{x}}, {tier_name.lower()} at %{{customdata}}: %{{y}}"
                "<extra></extra>",
                legendrank=int(rank),
            ),
            **bar_cell,
        )
    # Counts are whole numbers: small ones get a tick per risk, never 0.2, 0.4, ...
    tallest = int(trend.groupby("label")["count"].sum().max()) if not trend.empty else 0
    axis_style = {
        "gridcolor": "#E5E5E5",
        "fixedrange": True,
        "rangemode": "tozero",
        "title": {"font": {"size": 15}},
        **({"dtick": 1} if tallest <= 5 else {}),
    }
    if has_line:
        above = trend.drop_duplicates("label").set_index("label")["above_appetite"]
        values = [int(above[label]) for label in labels]
        figure.add_trace(
            go.Scatter(
                x=labels,
                y=values,
                mode="lines+markers+text",
                name=line_name,
                text=[f"{value:,}" for value in values],
                textposition="top center",
                textfont={"size": 13, "color": APPETITE_COLOUR},
                cliponaxis=False,
                line={"color": APPETITE_COLOUR, "width": 3, "dash": "dash"},
                marker={"symbol": "circle", "size": 7, "color": APPETITE_COLOUR},
                hovertemplate="%{x}, above the appetite: %{y}<extra></extra>",
            ),
            row=2,
            col=1,
        )
        figure.update_yaxes(
            **axis_style,
            title_text="Above appetite",
            range=[0, max([*values, 1]) * 1.35],
            nticks=3,
            tickformat=",d",
            row=2,
            col=1,
        )
        figure.update_yaxes(**axis_style, title_text=f"{tier_name} risks", row=1, col=1)
        figure.update_xaxes(type="category", tickfont={"size": 14}, fixedrange=True)
    else:
        figure.update_yaxes(**axis_style, title_text=f"{tier_name} risks")
        figure.update_xaxes(type="category", tickfont={"size": 14}, fixedrange=True)
    figure.update_layout(
        title={"text": _text(title), "font": {"size": 20}} if title else None,
        barmode="stack",
        height=height,
        margin={"l": 70, "r": 20, "t": 60 if title else 20, "b": 90},
        font=BASE_FONT,
        hoverlabel=HOVER,
        plot_bgcolor="#FFFFFF",
        uniformtext={"minsize": 11, "mode": "hide"},
        legend={"orientation": "h", "y": -0.14, "x": 0, "font": {"size": 15}},
    )
    return figure


# --- one risk's or one system's path -------------------------------------------------------------


def path_figure(
    path: pd.DataFrame,
    decisions: pd.DataFrame,
    criteria: RiskCriteria,
    *,
    appetite_rank: int,
    now: datetime,
    title: str | None = None,
    height: int = 520,
    changes_only: bool = False,
) -> go.Figure:
    """Inherent, residual and target over time as step lines on the level scale, the appetite
    as a labelled line, and the decisions marked along the top.

    `path` has moment, tier and level_rank (a risk's ratings from `risk_path`, renamed, or a
    system's worst level per tier from `system_path`); each line holds its last value up to
    `now`. `decisions` is `store.trends.decisions` (moment, kind, detail). `changes_only`
    marks only the moments a line changes level (a system's path has a row at every moment
    any of its ratings changed).
    """
    levels = criteria.levels
    top = len(levels)
    figure = go.Figure()
    shapes: list[dict[str, Any]] = []
    for rank, level in enumerate(levels, start=1):
        shapes.append(
            {
                "type": "rect",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": rank - 0.5,
                "y1": rank + 0.5,
                "fillcolor": _tint(level.colour, 0.22),
                "line": {"width": 0},
                "layer": "below",
            }
        )
    appetite_name = _text(levels[appetite_rank - 1].name) if 1 <= appetite_rank <= top else ""
    shapes.append(
        {
            "type": "line",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "y0": appetite_rank + 0.5,
            "y1": appetite_rank + 0.5,
            "line": {"color": APPETITE_COLOUR, "width": 3, "dash": "dash"},
        }
    )
    annotations: list[dict[str, Any]] = [
        {
            "xref": "paper",
            "x": 0.005,
            "y": appetite_rank + 0.5,
            "yanchor": "bottom",
            "xanchor": "left",
            "text": f"<b>Appetite</b>: up to {appetite_name}",
            "showarrow": False,
            "font": {"size": 14, "color": APPETITE_COLOUR},
            "bgcolor": "rgba(255,255,255,0.8)",
        }
    ]
    for tier, style in TIER_STYLE.items():
        rows = path[path["tier"] == tier].sort_values("moment")
        if changes_only:  # a marker where the level changes, not at every moment
            rows = rows[rows["level_rank"] != rows["level_rank"].shift()]
        if rows.empty:
            continue
        moments = [*rows["moment"].tolist(), now]
        ranks = rows["level_rank"].astype(int).tolist()
        ranks = ranks + ranks[-1:]
        names = [_text(levels[rank - 1].name) for rank in ranks]
        figure.add_trace(
            go.Scatter(
                x=moments,
                y=ranks,
                mode="lines+markers",
                line={"shape": "hv", "dash": style["dash"], "width": style["width"], "color": INK},
                marker={
                    "symbol": style["symbol"],
                    "size": [11] * (len(ranks) - 1) + [0],
                    "color": INK,
                },
                name=TIER_NAMES[tier],
                customdata=names,
                hovertemplate=f"{TIER_NAMES[tier]}: %{{customdata}} from %{{x|%d %b %Y}}"
                "<extra></extra>",
            )
        )
    for kind, rows in decisions.groupby("kind", sort=False):
        style = DECISION_STYLE.get(str(kind))
        if style is None:
            continue
        figure.add_trace(
            go.Scatter(
                x=rows["moment"],
                y=[top + 0.75] * len(rows),
                mode="markers",
                marker={"symbol": style["symbol"], "size": 16, "color": style["colour"]},
                name=style["name"],
                customdata=[_text(detail) for detail in rows["detail"]],
                hovertemplate="%{x|%d %b %Y}: %{customdata}<extra></extra>",
            )
        )
        for moment in rows["moment"]:
            shapes.append(
                {
                    "type": "line",
                    "x0": moment,
                    "x1": moment,
                    "y0": 0.5,
                    "y1": top + 0.6,
                    "line": {"color": style["colour"], "width": 1, "dash": "dot"},
                    "layer": "below",
                }
            )
    figure.update_layout(
        title={"text": _text(title), "font": {"size": 20}} if title else None,
        height=height,
        margin={"l": 110, "r": 20, "t": 60 if title else 20, "b": 90},
        shapes=shapes,
        annotations=annotations,
        font=BASE_FONT,
        hoverlabel=HOVER,
        plot_bgcolor="#FFFFFF",
        legend={"orientation": "h", "y": -0.16, "x": 0, "font": {"size": 15}},
        xaxis={"type": "date", "tickfont": {"size": 14}, "gridcolor": "#EEEEEE"},
        yaxis={
            "tickmode": "array",
            "tickvals": [*range(1, top + 1), top + 0.75],
            "ticktext": [_text(level.name) for level in levels] + ["Decisions"],
            "range": [0.5, top + 1.1],
            "tickfont": {"size": 15},
            "fixedrange": True,
            "zeroline": False,
            "showgrid": False,
        },
    )
    return figure


# --- distributions -------------------------------------------------------------------------------


def distribution_figure(
    labels: Sequence[str],
    counts: Sequence[int],
    colours: Sequence[str],
    *,
    title: str | None = None,
    noun: str = "risks",
    height: int = 320,
) -> go.Figure:
    """Horizontal bars, one per category, each labelled with its name and count."""
    figure = go.Figure(
        go.Bar(
            y=[_text(label) for label in labels],
            x=list(counts),
            orientation="h",
            marker={"color": list(colours), "line": {"color": INK, "width": 1}},
            text=[f"{count:,}" for count in counts],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"%{{y}}: %{{x}} {noun}<extra></extra>",
        )
    )
    figure.update_layout(
        title={"text": title, "font": {"size": 18}} if title else None,
        height=height,
        margin={"l": 10, "r": 50, "t": 50 if title else 10, "b": 30},
        font=BASE_FONT,
        hoverlabel=HOVER,
        plot_bgcolor="#FFFFFF",
        xaxis={"visible": False, "fixedrange": True, "rangemode": "tozero"},
        yaxis={
            "autorange": "reversed",
            "tickfont": {"size": 15},
            "fixedrange": True,
            "automargin": True,
        },
        showlegend=False,
    )
    return figure
