"""The risk matrix figure: every cell coloured, named and counted, clickable cells, and reading
a click back into a cell."""

from __future__ import annotations

import pandas as pd

from assessments.charts.risk_matrix import newest_selection, risk_matrix_figure, selected_cell
from assessments.criteria import default_criteria, presets


def counts_for(criteria, filled: dict[tuple[int, int], tuple[int, int]]) -> pd.DataFrame:
    """A matrix_counts-shaped frame: every cell, with (count, mapped) where given."""
    return pd.DataFrame(
        [
            {
                **cell,
                "level_rank": cell["rank"],
                "count": filled.get((cell["likelihood"], cell["severity"]), (0, 0))[0],
                "mapped_count": filled.get((cell["likelihood"], cell["severity"]), (0, 0))[1],
            }
            for cell in criteria.cells()
        ]
    )


def test_every_cell_is_coloured_named_and_counted() -> None:
    criteria = default_criteria()
    figure = risk_matrix_figure(counts_for(criteria, {(4, 4): (3, 1)}), criteria, "Residual")
    cells = [shape for shape in figure.layout.shapes if shape.fillcolor != "rgba(0,0,0,0)"]
    assert len(cells) == 25
    colours = {level.name: level.colour for level in criteria.levels}
    high = next(shape for shape in cells if (shape.x0, shape.y0) == (3.5, 3.5))
    assert high.fillcolor == colours["High"]
    texts = [annotation.text for annotation in figure.layout.annotations]
    assert sum("<b>3</b>" in text and "High" in text for text in texts) == 1
    assert sum("<b>0</b>" in text for text in texts) == 24
    assert figure.layout.xaxis.ticktext[0] == "1<br>Negligible"
    assert "Almost<br>certain 5" in list(figure.layout.yaxis.ticktext)
    scatter = figure.data[0]
    assert scatter.type == "scatter" and scatter.hoverinfo != "skip"
    assert len(scatter.customdata) == 25 and list(scatter.customdata[0]) == [1, 1]
    hover = scatter.hovertext[18]  # likelihood 4, severity 4
    assert "3 risks" in hover and "1 of them rated under older criteria" in hover
    assert "Likelihood 4 (Likely), severity 4 (Major)" in hover


def test_the_selected_cell_is_outlined_and_other_grids_work() -> None:
    criteria = presets()["preset_3x3"]
    figure = risk_matrix_figure(counts_for(criteria, {}), criteria, None, selected=(2, 3))
    outlines = [shape for shape in figure.layout.shapes if shape.fillcolor == "rgba(0,0,0,0)"]
    assert len(outlines) == 1 and outlines[0].x0 < 3 < outlines[0].x1
    assert len(figure.data[0].customdata) == 9


def test_selected_cell_reads_a_streamlit_selection_event() -> None:
    event = {"selection": {"points": [{"x": 3, "y": 4, "customdata": [4, 3]}]}}
    assert selected_cell(event) == (4, 3)
    assert selected_cell({"selection": {"points": []}}) is None
    assert selected_cell({"selection": {"points": [{"x": 1}]}}) is None
    assert selected_cell(None) is None
    assert selected_cell({}) is None


def test_the_most_recently_changed_chart_wins_and_a_listed_cell_stays() -> None:
    assert newest_selection({}, {"inherent": None, "residual": (2, 2)}, None) == (
        "residual",
        (2, 2),
    )
    seen = {"inherent": None, "residual": (2, 2)}
    clicked = {"inherent": (4, 4), "residual": (2, 2)}
    assert newest_selection(seen, clicked, ("residual", (2, 2))) == ("inherent", (4, 4))
    assert newest_selection(clicked, clicked, ("inherent", (4, 4))) == ("inherent", (4, 4))
    forgotten = {"inherent": None, "residual": None}  # e.g. the figure changed
    assert newest_selection(clicked, forgotten, ("inherent", (4, 4))) == ("inherent", (4, 4))
    assert newest_selection(forgotten, forgotten, None) is None
    again = {"inherent": None, "residual": (2, 2)}  # the same cell clicked after a reset
    assert newest_selection(forgotten, again, ("inherent", (4, 4))) == ("residual", (2, 2))


def test_the_criteria_words_are_shown_literally_not_as_plotly_markup() -> None:
    """Level names and step labels are typed by people; Plotly renders some HTML tags."""
    base = default_criteria()
    renamed = {"High": "<b>Hi</b>"}
    levels = [
        level.model_copy(update={"name": renamed.get(level.name, level.name)})
        for level in base.levels
    ]
    grid = [[renamed.get(name, name) for name in row] for row in base.grid]
    severity = [
        step.model_copy(update={"label": "<i>Major</i>"}) if step.value == 4 else step
        for step in base.severity
    ]
    criteria = base.model_copy(
        update={"levels": levels, "grid": grid, "severity": severity, "appetite": "Medium"}
    )
    figure = risk_matrix_figure(counts_for(criteria, {(4, 4): (1, 0)}), criteria, "A <b>title")
    texts = " ".join(annotation.text for annotation in figure.layout.annotations)
    hover = " ".join(figure.data[0].hovertext)
    ticks = " ".join(figure.layout.xaxis.ticktext)
    for shown in (texts, hover, ticks):
        assert "<b>Hi</b>" not in shown and "<i>Major</i>" not in shown
    assert "&lt;b&gt;Hi&lt;/b&gt;" in texts and "&lt;b&gt;Hi&lt;/b&gt;" in hover
    assert "&lt;i&gt;Major&lt;/i&gt;" in ticks
    assert figure.layout.title.text == "A &lt;b&gt;title"
