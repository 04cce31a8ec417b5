"""The risk matrix (heatmap): likelihood x severity cells coloured by level, with counts.

Each cell shows its level name and its count in text (colour never carries the meaning alone),
in the colours of the criteria. Plotly emits no click selection for a `go.Heatmap`, so the cells
are drawn as shapes and a nearly invisible scatter of square markers, one per cell with
`customdata = [likelihood, severity]`, receives hover and clicks. `selected_cell` turns
Streamlit's selection event back into a cell, so a page stays a thin wrapper. The criteria's
level names and step labels are people's words: they are escaped before Plotly, which renders
a few HTML tags, shows them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from assessments.criteria import RiskCriteria, RiskLevel

GRID_LINE = "#FFFFFF"
SELECTED_OUTLINE = "#111111"
FONT_FAMILY = "Source Sans Pro, Arial, sans-serif"
MARGIN = {"l": 122, "r": 8, "t": 56, "b": 84}


def _text_colour(colour: str) -> str:
    return RiskLevel(name="cell", colour=colour).text_colour()


def _wrapped(label: str, width: int = 11) -> str:
    """A tick label broken onto lines of about `width` characters, so narrow cells stay legible."""
    lines: list[str] = []
    for word in html.escape(label).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "<br>".join(lines)


def _count_words(count: int, noun: tuple[str, str]) -> str:
    return f"{count} {noun[0] if count == 1 else noun[1]}"


def risk_matrix_figure(
    counts: pd.DataFrame,
    criteria: RiskCriteria,
    title: str | None = None,
    *,
    selected: tuple[int, int] | None = None,
    height: int = 440,
    noun: tuple[str, str] = ("risk", "risks"),
) -> go.Figure:
    """A clickable risk matrix for one tier.

    `counts` has one row per cell with `likelihood, severity, level, colour, count` and
    optionally `mapped_count` (as `store.register.matrix_counts` returns it); `criteria` gives
    the step labels of the axes. `selected` outlines one (likelihood, severity) cell. Clicks
    select a point whose `customdata` is `[likelihood, severity]` (read with `selected_cell`).
    """
    likelihood_steps = len(criteria.likelihood)
    severity_steps = len(criteria.severity)
    cells = counts.sort_values(["likelihood", "severity"]).reset_index(drop=True)
    if "mapped_count" not in cells:
        cells = cells.assign(mapped_count=0)

    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    hover: list[str] = []
    plot_height = height - MARGIN["t"] - MARGIN["b"]
    cell_pixels = plot_height / likelihood_steps
    count_size = max(14, min(30, int(cell_pixels * 0.32)))
    level_size = max(11, min(16, int(cell_pixels * 0.17)))
    for row in cells.itertuples(index=False):
        likelihood, severity = int(row.likelihood), int(row.severity)
        count, mapped = int(row.count), int(row.mapped_count)
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "x0": severity - 0.5,
                "x1": severity + 0.5,
                "y0": likelihood - 0.5,
                "y1": likelihood + 0.5,
                "fillcolor": row.colour,
                "line": {"color": GRID_LINE, "width": 3},
                "layer": "below",
            }
        )
        text_colour = _text_colour(str(row.colour))
        level = html.escape(str(row.level))
        annotations.append(
            {
                "x": severity,
                "y": likelihood,
                "xref": "x",
                "yref": "y",
                "text": (
                    f"<span style='font-size:{count_size}px'><b>{count}</b></span><br>"
                    f"<span style='font-size:{level_size}px'>{level}</span>"
                ),
                "showarrow": False,
                "font": {"color": text_colour, "family": FONT_FAMILY},
                "opacity": 1.0 if count else 0.75,
            }
        )
        likelihood_label = html.escape(criteria.likelihood[likelihood - 1].label)
        severity_label = html.escape(criteria.severity[severity - 1].label)
        placed = (
            f"<br>{mapped} of {'them' if count != 1 else 'it'} rated under older criteria and "
            "placed here"
            if mapped
            else ""
        )
        click = "" if not count else f"<br>Click to list {'them' if count != 1 else 'it'}"
        hover.append(
            f"<b>{level}</b>: {_count_words(count, noun)}{placed}<br>"
            f"Likelihood {likelihood} ({likelihood_label}), "
            f"severity {severity} ({severity_label})" + click
        )
    # The likelihood axis is named above its labels (a rotated title collides with them).
    annotations.append(
        {
            "text": "<b>Likelihood ↑</b>",
            "xref": "paper",
            "yref": "paper",
            "x": 0,
            "y": 1,
            "xanchor": "right",
            "yanchor": "bottom",
            "showarrow": False,
            "font": {"size": 14, "family": FONT_FAMILY},
        }
    )
    if selected is not None:
        likelihood, severity = selected
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "x0": severity - 0.47,
                "x1": severity + 0.47,
                "y0": likelihood - 0.47,
                "y1": likelihood + 0.47,
                "line": {"color": SELECTED_OUTLINE, "width": 4},
                "fillcolor": "rgba(0,0,0,0)",
                "layer": "above",
            }
        )

    figure = go.Figure(
        go.Scatter(
            x=cells["severity"].astype(int).tolist(),
            y=cells["likelihood"].astype(int).tolist(),
            customdata=cells[["likelihood", "severity"]].astype(int).values.tolist(),
            mode="markers",
            marker={
                "symbol": "square",
                "size": max(20, int(cell_pixels * 0.9)),
                "color": "#000000",
                "opacity": 0.01,
            },
            selected={"marker": {"opacity": 0.01}},
            unselected={"marker": {"opacity": 0.01}},
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
            name="cells",
        )
    )
    tick_font = {"size": 13, "family": FONT_FAMILY}
    figure.update_layout(
        title={"text": html.escape(title), "font": {"size": 20}} if title else None,
        height=height,
        margin=MARGIN,
        shapes=shapes,
        annotations=annotations,
        plot_bgcolor="#FFFFFF",
        hoverlabel={"bgcolor": "#FFFFFF", "font": {"size": 15, "color": "#111111"}},
        font={"family": FONT_FAMILY, "size": 14},
        dragmode=False,
        clickmode="event+select",
        xaxis={
            "title": {"text": "<b>Severity →</b>", "font": {"size": 14}, "standoff": 8},
            "tickmode": "array",
            "tickvals": list(range(1, severity_steps + 1)),
            "ticktext": [f"{step.value}<br>{_wrapped(step.label)}" for step in criteria.severity],
            "range": [0.5, severity_steps + 0.5],
            "showgrid": False,
            "zeroline": False,
            "fixedrange": True,
            "automargin": True,
            "tickfont": tick_font,
        },
        yaxis={
            "title": None,
            "tickmode": "array",
            "tickvals": list(range(1, likelihood_steps + 1)),
            "ticktext": [_wrapped(f"{step.label} {step.value}") for step in criteria.likelihood],
            "range": [0.5, likelihood_steps + 0.5],
            "showgrid": False,
            "zeroline": False,
            "fixedrange": True,
            "automargin": True,
            "tickfont": tick_font,
        },
    )
    return figure


def selected_cell(event: Mapping[str, Any] | None) -> tuple[int, int] | None:
    """The (likelihood, severity) of the clicked cell in a Streamlit plotly selection event.

    Reads `event["selection"]["points"][i]["customdata"]` with dict access (what both the
    browser and AppTest's seeded session state provide); None when nothing usable is selected.
    """
    if not event:
        return None
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for point in points or []:
        try:
            customdata = point["customdata"]
        except (KeyError, TypeError):
            continue
        if customdata is not None and len(customdata) >= 2:
            try:
                return int(customdata[0]), int(customdata[1])
            except (TypeError, ValueError):
                continue
    return None


def newest_selection(
    seen: Mapping[str, tuple[int, int] | None],
    clicked: Mapping[str, tuple[int, int] | None],
    active: tuple[str, tuple[int, int]] | None,
) -> tuple[str, tuple[int, int]] | None:
    """Which chart's cell to list when several heatmaps each keep a selection.

    `clicked` is each chart's selected cell now, `seen` what it was on the previous run, and
    `active` the (chart, cell) listed then. A chart whose selection changed to a cell wins;
    otherwise the listed cell stays, even when the chart forgot its selection (Streamlit
    clears a chart's selection when its figure changes, e.g. after a filter): a page offers
    an explicit way to clear it.
    """
    for chart, cell in clicked.items():
        if cell is not None and cell != seen.get(chart):
            return chart, cell
    return active
