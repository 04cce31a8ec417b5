"""Readiness of clauses 4 to 10: one bar per clause and one for the whole, against the level a
stage 1 audit expects."""

from __future__ import annotations

import plotly.graph_objects as go

from assessments.soa import MATURITY_MAX, STAGE1_MATURITY, ReadinessFigures

STAGE1_PERCENT = STAGE1_MATURITY / MATURITY_MAX * 100
READY_COLOUR = "#2E7D6B"
SHORT_COLOUR = "#C9802B"
OVERALL_COLOUR = "#37474F"


def readiness_chart(figures: ReadinessFigures) -> go.Figure:
    """Horizontal bars of readiness (percent of full maturity) per clause, overall at the
    bottom, with a dashed line at maturity 3 (the stage 1 threshold)."""
    labels = [f"{clause.clause} {clause.title}" for clause in figures.clauses] + ["Overall"]
    values = [clause.percent for clause in figures.clauses] + [figures.percent]
    colours = [
        READY_COLOUR if clause.percent >= STAGE1_PERCENT else SHORT_COLOUR
        for clause in figures.clauses
    ] + [OVERALL_COLOUR]
    details = [
        f"{clause.rated} of {clause.items} items rated · mean maturity {clause.mean_maturity:.1f}"
        for clause in figures.clauses
    ] + [
        f"{figures.rated} of {figures.items} items rated · mean maturity"
        f" {figures.mean_maturity:.1f}"
    ]
    figure = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker_color=colours,
            text=[f"{value:.0f}%" for value in values],
            textposition="outside",
            customdata=details,
            hovertemplate="%{y}: %{x:.1f}%<br>%{customdata}<extra></extra>",
        )
    )
    figure.add_vline(
        x=STAGE1_PERCENT,
        line_dash="dash",
        line_color="#555",
        annotation_text=f"maturity {STAGE1_MATURITY}",
        annotation_position="top",
    )
    figure.update_layout(
        xaxis={"range": [0, 112], "title": "Readiness (% of full maturity)", "ticksuffix": "%"},
        yaxis={"autorange": "reversed"},
        height=80 + 42 * len(labels),
        margin={"l": 10, "r": 10, "t": 40, "b": 40},
        showlegend=False,
    )
    return figure
