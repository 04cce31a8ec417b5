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
# Where the consensus star sits in its cell, in cell widths from the centre: in the lower-left
# corner, clear of the vote bubble at the centre.
CONSENSUS_OFFSET = 0.32


def _mark_size(count: int, largest: int, cell_pixels: float) -> float:
    """Marker diameter in pixels: the area grows with the number of votes on the cell, and
    the biggest bubble stays well inside its cell (clear of the corner where the consensus
    star sits)."""
    biggest = max(24.0, min(56.0, 0.58 * cell_pixels))
    return 22 + (biggest - 22) * math.sqrt(count / max(largest, 1))


def vote_matrix_figure(
    criteria: RiskCriteria,
    votes: Sequence[VoteRecord],
    median_cell: tuple[int, int] | None = None,
    consensus_cell: tuple[int, int] | None = None,
    *,
    height: int = 460,
) -> go.Figure:
    """The criteria's grid coloured by level, one bubble per voted cell sized by how many votes
    it holds (the count on it, every voter and comment on hover), the median cell outlined and,
    once recorded, the consensus cell outlined in green with a star in its corner. Likelihood
    runs up, severity across.

    Every vote stays visible: the bubbles are drawn last, over everything else, and nothing is
    written inside the cells (the level names are in the legend, beside their colours).
    """
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
    for level in criteria.levels:
        # A legend entry only (no data): the level's name beside its colour.
        figure.add_trace(
            go.Scatter(
                name=html.escape(level.name),
                x=[None],
                y=[None],
                mode="markers",
                marker={"symbol": "square", "size": 14, "color": level.colour, "opacity": 0.55},
                hoverinfo="skip",
            )
        )
    if median_cell is not None:
        likelihood, severity = median_cell
        figure.add_shape(
            type="rect",
            x0=severity - 0.47,
            x1=severity + 0.47,
            y0=likelihood - 0.47,
            y1=likelihood + 0.47,
            line={"color": MEDIAN_COLOUR, "width": 3},
            fillcolor="rgba(0,0,0,0)",
            name="Median",
            showlegend=True,
        )
    if consensus_cell is not None:
        likelihood, severity = consensus_cell
        figure.add_shape(
            type="rect",
            x0=severity - 0.40,
            x1=severity + 0.40,
            y0=likelihood - 0.40,
            y1=likelihood + 0.40,
            line={"color": CONSENSUS_COLOUR, "width": 3, "dash": "dash"},
            fillcolor="rgba(0,0,0,0)",
        )
        figure.add_trace(
            go.Scatter(
                name="Consensus",
                x=[severity - CONSENSUS_OFFSET],
                y=[likelihood - CONSENSUS_OFFSET],
                mode="markers",
                marker={
                    "symbol": "star",
                    "size": 18,
                    "color": CONSENSUS_COLOUR,
                    "line": {"color": "#FFFFFF", "width": 1},
                },
                hovertemplate=f"Consensus: L{likelihood} × S{severity}<extra></extra>",
            )
        )
    counts = cell_counts([(vote.likelihood, vote.severity) for vote in votes])
    largest = max(counts.values(), default=1)
    # The plot area's height (less the legend, axis title and margins) over the steps.
    cell_pixels = (height - 110) / max(likelihood_steps, 1)
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
            name=f"Votes ({len(votes)})",
            x=[severity for _, severity in cells],
            y=[likelihood for likelihood, _ in cells],
            mode="markers+text",
            text=[str(counts[cell]) for cell in cells],
            textfont={"color": "#FFFFFF", "size": 15},
            marker={
                "size": [_mark_size(counts[cell], largest, cell_pixels) for cell in cells],
                "color": MARK_COLOUR,
                "opacity": 0.9,
                "line": {"color": "#FFFFFF", "width": 1.5},
            },
            customdata=["<br>".join(voters[cell]) for cell in cells],
            hovertemplate="L%{y} × S%{x}: %{text} vote(s)<br>%{customdata}<extra></extra>",
        )
    )
    figure.update_xaxes(
        title="Severity",
        range=[0.5, severity_steps + 0.5],
        tickvals=list(range(1, severity_steps + 1)),
        ticktext=[f"{step.value} {html.escape(step.label)}" for step in criteria.severity],
        showgrid=False,
        zeroline=False,
        fixedrange=True,
    )
    figure.update_yaxes(
        title="Likelihood",
        range=[0.5, likelihood_steps + 0.5],
        tickvals=list(range(1, likelihood_steps + 1)),
        ticktext=[f"{step.value} {html.escape(step.label)}" for step in criteria.likelihood],
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
