"""The reveal: a workshop round's votes on the risk matrix of the current criteria."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import plotly.graph_objects as go

from assessments.criteria import RiskCriteria
from assessments.workshops import VoteRecord, cell_counts

MARK_COLOUR = "#1F3A5F"
MEDIAN_COLOUR = "#111111"
CONSENSUS_COLOUR = "#0B6E4F"


def _mark_size(count: int, largest: int) -> float:
    """Marker diameter in pixels: the area grows with the number of votes on the cell."""
    return 22 + 34 * math.sqrt(count / max(largest, 1))


def vote_matrix_figure(
    criteria: RiskCriteria,
    votes: Sequence[VoteRecord],
    median_cell: tuple[int, int] | None = None,
    consensus_cell: tuple[int, int] | None = None,
    *,
    height: int = 460,
) -> go.Figure:
    """The criteria's grid coloured by level, one mark per voted cell sized by how many votes
    it holds (with the count on it and every voter and comment on hover), the median cell
    outlined and, once recorded, the consensus starred. Likelihood runs up, severity across."""
    figure = go.Figure()
    severity_steps = len(criteria.severity)
    likelihood_steps = len(criteria.likelihood)
    for cell in criteria.cells():
        figure.add_shape(
            type="rect",
            x0=cell["severity"] - 0.5,
            x1=cell["severity"] + 0.5,
            y0=cell["likelihood"] - 0.5,
            y1=cell["likelihood"] + 0.5,
            fillcolor=cell["colour"],
            opacity=0.55,
            line={"color": "#FFFFFF", "width": 2},
            layer="below",
        )
        figure.add_annotation(
            x=cell["severity"] + 0.45,
            y=cell["likelihood"] + 0.42,
            text=cell["level"],
            showarrow=False,
            xanchor="right",
            yanchor="top",
            font={"size": 10, "color": "#333333"},
        )
    counts = cell_counts([(vote.likelihood, vote.severity) for vote in votes])
    largest = max(counts.values(), default=1)
    voters: dict[tuple[int, int], list[str]] = {}
    for vote in votes:
        # Plotly renders a few HTML tags in hover text: people's words are escaped first.
        line = f"{html.escape(vote.participant)} ({vote.confidence} confidence)"
        if vote.comment:
            line += f": {html.escape(_short(vote.comment))}"
        voters.setdefault((vote.likelihood, vote.severity), []).append(line)
    cells = sorted(counts)
    figure.add_trace(
        go.Scatter(
            name="Votes",
            x=[severity for _, severity in cells],
            y=[likelihood for likelihood, _ in cells],
            mode="markers+text",
            text=[str(counts[cell]) for cell in cells],
            textfont={"color": "#FFFFFF", "size": 15},
            marker={
                "size": [_mark_size(counts[cell], largest) for cell in cells],
                "color": MARK_COLOUR,
                "opacity": 0.85,
                "line": {"color": "#FFFFFF", "width": 1.5},
            },
            customdata=["<br>".join(voters[cell]) for cell in cells],
            hovertemplate="L%{y} × S%{x}: %{text} vote(s)<br>%{customdata}<extra></extra>",
        )
    )
    if median_cell is not None:
        figure.add_trace(
            go.Scatter(
                name="Median",
                x=[median_cell[1]],
                y=[median_cell[0]],
                mode="markers",
                marker={
                    "symbol": "square-open",
                    "size": 74,
                    "color": MEDIAN_COLOUR,
                    "line": {"width": 3},
                },
                hovertemplate="Median: L%{y} × S%{x}<extra></extra>",
            )
        )
    if consensus_cell is not None:
        figure.add_trace(
            go.Scatter(
                name="Consensus",
                x=[consensus_cell[1]],
                y=[consensus_cell[0]],
                mode="markers",
                marker={
                    "symbol": "star",
                    "size": 26,
                    "color": CONSENSUS_COLOUR,
                    "line": {"color": "#FFFFFF", "width": 1.5},
                },
                hovertemplate="Consensus: L%{y} × S%{x}<extra></extra>",
            )
        )
    figure.update_xaxes(
        title="Severity",
        range=[0.5, severity_steps + 0.5],
        tickvals=list(range(1, severity_steps + 1)),
        ticktext=[f"{step.value} {step.label}" for step in criteria.severity],
        showgrid=False,
        zeroline=False,
        fixedrange=True,
    )
    figure.update_yaxes(
        title="Likelihood",
        range=[0.5, likelihood_steps + 0.5],
        tickvals=list(range(1, likelihood_steps + 1)),
        ticktext=[f"{step.value} {step.label}" for step in criteria.likelihood],
        showgrid=False,
        zeroline=False,
        fixedrange=True,
    )
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        plot_bgcolor="#FFFFFF",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0},
        showlegend=True,
    )
    return figure


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def qr_png(text: str, scale: int = 8) -> bytes:
    """A QR code of the join link as PNG bytes (segno is pure Python, no network)."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()
