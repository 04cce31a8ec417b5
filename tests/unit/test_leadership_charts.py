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
            (date(2026, month, 1), label, level.name, rank, level.colour, count, above)
            for month, label, above in ((1, "Jan 2026", 5), (2, "Feb 2026", 3))
            for rank, level in enumerate(CRITERIA.levels, start=1)
            for count in [rank * 2]
        ],
        columns=[
            "period_start",
            "label",
            "level",
            "level_rank",
            "colour",
            "count",
            "above_appetite",
        ],
    )
    figure = level_trend_figure(trend, tier_name="Residual")
    bars = [trace for trace in figure.data if trace.type == "bar"]
    assert [bar.name for bar in bars] == CRITERIA.level_names()
    assert [bar.marker.color for bar in bars] == [COLOURS[name] for name in CRITERIA.level_names()]
    assert all(bar.texttemplate == "%{text}" for bar in bars)  # counts written on the bars
    line = next(trace for trace in figure.data if trace.type == "scatter")
    # The line is the store's count (judged per rating and harm category), never recomputed
    # from the levels in the chart.
    assert list(line.x) == ["Jan 2026", "Feb 2026"] and list(line.y) == [5, 3]
    assert "tolerance" in line.name
    # On its own axis below the bars, each point labelled: it never sits on the bars' numbers.
    assert line.yaxis == "y2" and all(bar.yaxis == "y" for bar in bars)
    assert list(line.text) == ["5", "3"]
    bars_domain, line_domain = figure.layout.yaxis.domain, figure.layout.yaxis2.domain
    assert line_domain[1] < bars_domain[0]


def test_movement_markers_keep_clear_of_the_level_names() -> None:
    """Each cell names its level in its top-left corner; markers (and so the arrows' ends) sit
    below that band, however many share a cell, and the names sit above the lines."""
    crowded = pd.concat(
        [
            moves().assign(risk_id=moves()["risk_id"] + 100 * k, rank=moves()["rank"] + 2 * k)
            for k in range(6)
        ],
        ignore_index=True,
    )
    figure = movement_figure(crowded, CRITERIA)
    names = [a for a in figure.layout.annotations if a.text in CRITERIA.level_names()]
    assert names and all(a.bgcolor for a in names)
    for trace in figure.data:
        if trace.name == "moves":
            continue
        for x, y in zip(trace.x, trace.y, strict=True):
            offset = y - round(y)
            assert -0.45 < offset < 0.25, (trace.name, x, y)  # below the name's band
            assert abs(x - round(x)) < 0.45


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


def test_peoples_words_are_escaped_in_hover_text_and_titles() -> None:
    """Risk and system titles, names in decisions: Plotly would render their tags."""
    tricky = moves().assign(
        title=["<b>Unfair</b> scores"] * 3 + ["Data leak"] * 2,
        system_name=["<a href='x'>Alpha</a>"] * 3 + ["Beta"] * 2,
    )
    figure = movement_figure(tricky, CRITERIA)
    hover = " ".join(
        text for trace in figure.data if trace.hovertext is not None for text in trace.hovertext
    )
    assert "<b>Unfair</b>" not in hover and "<a href" not in hover
    assert "&lt;b&gt;Unfair&lt;/b&gt; scores" in hover and "&lt;a href=" in hover
    decisions = pd.DataFrame(
        {
            "moment": [datetime(2026, 2, 1)],
            "kind": ["action_done"],
            "detail": ["Treatment done: <script>x</script>"],
        }
    )
    path = pd.DataFrame({"moment": [datetime(2026, 1, 5)], "tier": ["residual"], "level_rank": [2]})
    figure = path_figure(
        path, decisions, CRITERIA, appetite_rank=2, now=datetime(2026, 4, 1), title="R-1 <i>x</i>"
    )
    done = next(trace for trace in figure.data if trace.name == "Treatment done")
    assert list(done.customdata) == ["Treatment done: &lt;script&gt;x&lt;/script&gt;"]
    assert figure.layout.title.text == "R-1 &lt;i&gt;x&lt;/i&gt;"
