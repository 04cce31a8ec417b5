"""What an answer weighs: the most a question can add to its role's score, what one answer
adds, and the share of it each dimension gets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assessments.questionnaire.model import Question


def max_weight(question: Question) -> float:
    """The most this question can add to its role's score."""
    kind = question.type
    if kind == "single_choice":
        return max((choice.weight for choice in question.choices), default=0.0)
    if kind == "multiple_choice":
        combinable = sum(c.weight for c in question.choices if not c.exclusive and c.weight > 0)
        alone = [choice.weight for choice in question.choices if choice.exclusive]
        return max([combinable, *alone])
    if kind == "yes_no":
        return max(question.yes_weight, question.no_weight)
    if kind == "scale":
        steps = ((question.max or 0) - (question.min or 0)) / (question.step or 1)
        return round(steps) * question.weight_per_step
    if kind == "grid":
        top = max((choice.weight for choice in question.cell_choices), default=0.0)
        return len(question.rows) * len(question.columns) * top
    return 0.0


def answer_weight(question: Question, value: Any) -> float:
    """What a normalised answer adds (0 when unanswered)."""
    if value is None:
        return 0.0
    kind = question.type
    if kind == "single_choice":
        return question.choice(value).weight
    if kind == "multiple_choice":
        return sum(question.choice(item).weight for item in value)
    if kind == "yes_no":
        return question.yes_weight if value else question.no_weight
    if kind == "scale":
        return (value - (question.min or 0)) / (question.step or 1) * question.weight_per_step
    if kind == "grid":
        return sum(
            question.cell_choice(cell).weight for row in value.values() for cell in row.values()
        )
    return 0.0


def dimension_parts(question: Question, value: Any) -> Iterator[tuple[str, float, float]]:
    """(dimension, score, max) contributions; a grid column may carry its own dimensions."""
    if question.type == "grid" and any(column.dimensions for column in question.columns):
        top = max(choice.weight for choice in question.cell_choices)
        table = value or {}
        for column in question.columns:
            rated = [cells[column.key] for cells in table.values() if column.key in cells]
            column_score = sum(question.cell_choice(cell).weight for cell in rated)
            for dimension in column.dimensions or question.dimensions:
                yield dimension, column_score, len(question.rows) * top
        return
    for dimension in question.dimensions:
        yield dimension, answer_weight(question, value), max_weight(question)
