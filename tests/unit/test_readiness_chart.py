"""The readiness chart: one bar per clause and one overall, coloured against maturity 3."""

from __future__ import annotations

from assessments import catalog
from assessments.charts.readiness import (
    OVERALL_COLOUR,
    READY_COLOUR,
    SHORT_COLOUR,
    STAGE1_PERCENT,
    readiness_chart,
)
from assessments.soa import readiness_figures


def test_bars_per_clause_and_overall_with_the_stage1_line() -> None:
    maturities = {item.id: 4 for item in catalog.clause_items() if item.clause == "5"}
    figure = readiness_chart(readiness_figures(maturities))
    bar = figure.data[0]
    assert list(bar.y) == [
        "4 Context of the organization",
        "5 Leadership",
        "6 Planning",
        "7 Support",
        "8 Operation",
        "9 Performance evaluation",
        "10 Improvement",
        "Overall",
    ]
    assert list(bar.x)[:3] == [0.0, 80.0, 0.0]
    assert list(bar.marker.color)[:3] == [SHORT_COLOUR, READY_COLOUR, SHORT_COLOUR]
    assert bar.marker.color[-1] == OVERALL_COLOUR
    assert bar.x[-1] == round(3 * 4 / 32 / 5 * 100, 1)
    assert STAGE1_PERCENT == 60.0
    assert figure.layout.shapes[0].x0 == 60.0
