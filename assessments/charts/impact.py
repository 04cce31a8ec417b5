"""The impact assessment's radar: how much of each dimension's maximum an assessment scored."""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go

CURRENT_COLOUR = "#1f6f68"
PREVIOUS_COLOUR = "#9a9a9a"


def _wrapped(label: str, limit: int = 16) -> str:
    """A long dimension label on two or more lines, so it fits beside the chart."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + len(word) < limit:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "<br>".join(lines)


def _closed(shares: Mapping[str, float]) -> tuple[list[float], list[str]]:
    """Values and (wrapped) labels with the first point repeated, so the outline closes."""
    labels = [_wrapped(label) for label in shares]
    values = [float(value) for value in shares.values()]
    return values + values[:1], labels + labels[:1]


def impact_radar(
    shares: Mapping[str, float],
    previous: Mapping[str, float] | None = None,
    *,
    title: str | None = None,
) -> go.Figure:
    """Share of the maximum (0-100) per dimension; `previous` draws the last version behind it.

    `shares` comes from `assessments.impact.dimension_shares` (dimension label -> percent).
    """
    figure = go.Figure()
    if previous:
        values, labels = _closed({label: previous.get(label, 0.0) for label in shares})
        figure.add_trace(
            go.Scatterpolar(
                r=values,
                theta=labels,
                name="Previous version",
                line={"color": PREVIOUS_COLOUR, "dash": "dash"},
                hovertemplate="%{r:.0f}% of the maximum<extra>previous</extra>",
            )
        )
    values, labels = _closed(shares)
    figure.add_trace(
        go.Scatterpolar(
            r=values,
            theta=labels,
            name="This assessment",
            fill="toself",
            fillcolor="rgba(31, 111, 104, 0.25)",
            line={"color": CURRENT_COLOUR, "width": 2},
            hovertemplate="%{r:.0f}% of the maximum<extra></extra>",
        )
    )
    figure.update_layout(
        title=title,
        polar={
            "radialaxis": {"range": [0, 100], "ticksuffix": "%", "angle": 90, "tickangle": 90},
            "angularaxis": {"direction": "clockwise", "rotation": 90},
        },
        showlegend=bool(previous),
        legend={"orientation": "h", "y": -0.12},
        margin={"l": 90, "r": 90, "t": 70 if title else 50, "b": 50},
        height=440,
    )
    return figure
