"""The leadership figures: colours from the criteria, and never colour alone (names, numbers and
shapes carry the meaning too)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from assessments.charts.leadership import (
    distribution_figure,
    level_trend_figure,
    movement_figure,
    movement_legend,
    path_figure,
)
from assessments.criteria import default_criteria

CRITERIA = default_criteria()
COLOURS = {level.name: level.colour for level in CRITERIA.levels}


def moves() -> pd.DataFrame:
    rows = [
        (7, "Unfair scores", "Alpha", "inherent", 4, 4, "High", 3, 1),
        (7, "Unfair scores", "Alpha", "residual", 2, 2, "Low", 1, 1),
        (7, "Unfair scores", "Alpha", "target", 1, 2, "Low", 1, 1),
        (9, "Data leak", "Beta", "inherent", 4, 4, "High", 3, 2),
        (9, "Data leak", "Beta", "residual", 4, 4, "High", 3, 2),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "risk_id",
            "title",
            "system_name",
            "tier",
            "likelihood",
            "severity",
            "level",
            "level_rank",
            "rank",
        ],
    )
    return frame.assign(colour=frame["level"].map(COLOURS))


def test_movement_figure_numbers_risks_and_links_their_tiers() -> None:
    figure = movement_figure(moves(), CRITERIA)
    by_name = {trace.name: trace for trace in figure.data}
    residual = by_name["Residual (number)"]
    assert list(residual.text) == ["1", "2"]
    assert list(by_name["Inherent (I)"].text) == ["I", "I"]
    assert "Unfair scores" in residual.hovertext[0]
    assert "Inherent High (L4 × S4) → Residual Low (L2 × S2)" in residual.hovertext[0]
    # Two markers share cell (4, 4): they are spread apart, not stacked.
    inherent = by_name["Inherent (I)"]
    assert (inherent.x[0], inherent.y[0]) != (inherent.x[1], inherent.y[1])
    moves_trace = by_name["moves"]
    assert sum(size > 0 for size in moves_trace.marker.size) == 3  # three moves, three heads
    level_names = {annotation.text for annotation in figure.layout.annotations}
    assert {"Low", "Medium", "High", "Critical"} <= level_names
    legend = movement_legend(moves())
    assert legend[["No.", "Inherent", "Residual", "Target"]].values.tolist() == [
        [1, "High", "Low", "Low"],
        [2, "High", "High", "not rated"],
    ]


def test_level_trend_uses_the_criteria_colours_and_names_each_level() -> None:
    trend = pd.DataFrame(
        [
            (date(2026, 1, 1), "Jan 2026", level.name, rank, level.colour, count)
            for rank, level in enumerate(CRITERIA.levels, start=1)
            for count in [rank * 2]
        ],
        columns=["period_start", "label", "level", "level_rank", "colour", "count"],
    )
    figure = level_trend_figure(
        trend, tier_name="Residual", appetite_rank=2, appetite_level="Medium"
    )
    bars = [trace for trace in figure.data if trace.type == "bar"]
    assert [bar.name for bar in bars] == CRITERIA.level_names()
    assert [bar.marker.color for bar in bars] == [COLOURS[name] for name in CRITERIA.level_names()]
    assert all(bar.texttemplate == "%{text}" for bar in bars)  # counts written on the bars
    line = next(trace for trace in figure.data if trace.type == "scatter")
    assert list(line.y) == [6 + 8]  # High and Critical are above the appetite Medium
    assert "higher than Medium" in line.name


def test_path_figure_draws_the_appetite_and_marks_decisions() -> None:
    path = pd.DataFrame(
        {
            "moment": [datetime(2026, 1, 5), datetime(2026, 1, 9), datetime(2026, 3, 1)],
            "tier": ["inherent", "residual", "residual"],
            "level_rank": [3, 2, 1],
        }
    )
    decisions = pd.DataFrame(
        {
            "moment": [datetime(2026, 2, 1)],
            "kind": ["acceptance"],
            "detail": ["Residual Medium accepted by CRO until 01 Feb 2027"],
        }
    )
    figure = path_figure(
        path, decisions, CRITERIA, appetite_rank=2, now=datetime(2026, 4, 1), title="R-1"
    )
    names = [trace.name for trace in figure.data]
    assert names == ["Inherent", "Residual", "Acceptance"]
    residual = figure.data[1]
    assert list(residual.y) == [2, 1, 1]  # held until now
    assert list(residual.customdata) == ["Medium", "Low", "Low"]
    appetite = next(shape for shape in figure.layout.shapes if shape.type == "line")
    assert appetite.y0 == 2.5
    assert any("up to Medium" in annotation.text for annotation in figure.layout.annotations)
    assert list(figure.layout.yaxis.ticktext) == [*CRITERIA.level_names(), "Decisions"]


def test_distribution_figure_labels_every_bar() -> None:
    figure = distribution_figure(["Low", "High"], [21097, 3], ["#D6EAF5", "#E0894F"])
    bar = figure.data[0]
    assert list(bar.y) == ["Low", "High"] and list(bar.text) == ["21,097", "3"]
