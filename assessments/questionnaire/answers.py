"""One answer checked against its question and put in normal form (the form that is stored,
compared and scored), and written back the way a person reads it."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from assessments.dates import implausible_date
from assessments.questionnaire.errors import AnswerError
from assessments.questionnaire.terms import DEFAULT_MAX_LENGTH, NUMERIC_TYPES, on_step, plain_number
from assessments.text import echo

if TYPE_CHECKING:
    from assessments.questionnaire.model import Question, Questionnaire

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple | set | frozenset | dict) and not value


def _one_choice(question: Question, value: Any) -> str:
    values = [choice.value for choice in question.choices]
    if not isinstance(value, str) or value not in values:
        raise AnswerError(
            question.id, f"{echo(value)} is not one of the choices ({', '.join(values)})"
        )
    return value


def _grid_cell(question: Question, value: Any) -> str:
    values = [choice.value for choice in question.cell_choices]
    if not isinstance(value, str) or value not in values:
        raise AnswerError(
            question.id, f"{echo(value)} is not a rating of this table ({', '.join(values)})"
        )
    return value


def _number(question: Question, value: Any) -> float:
    if isinstance(value, bool):
        raise AnswerError(question.id, f"expected a number, got {echo(value)}")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError as error:
            raise AnswerError(question.id, f"expected a number, got {echo(value)}") from error
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise AnswerError(question.id, f"expected a number, got {echo(value)}")
    low, high = question.min, question.max
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = [
            f"at least {plain_number(low)}" if low is not None else "",
            f"at most {plain_number(high)}" if high is not None else "",
        ]
        allowed = " and ".join(bound for bound in bounds if bound)
        raise AnswerError(question.id, f"{plain_number(value)} is out of range: must be {allowed}")
    if not on_step(value, question.min, question.step):
        raise AnswerError(
            question.id,
            f"{plain_number(value)} is not a step of {plain_number(question.step or 1)}",
        )
    return plain_number(float(value))


def _validate_multiple(question: Question, value: Any) -> list[str] | None:
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise AnswerError(question.id, f"expected a list of choices, got {echo(value)}")
    chosen = {_one_choice(question, item) for item in value}
    exclusive = {choice.value: choice.label for choice in question.choices if choice.exclusive}
    clash = [item for item in chosen if item in exclusive]
    if clash and len(chosen) > 1:
        raise AnswerError(
            question.id, f'"{exclusive[clash[0]]}" cannot be combined with other choices'
        )
    return [choice.value for choice in question.choices if choice.value in chosen]


def _validate_yes_no(question: Question, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("yes", "true", "no", "false"):
        return value.strip().lower() in ("yes", "true")
    raise AnswerError(question.id, f"expected yes or no, got {echo(value)}")


def _validate_text(question: Question, value: Any) -> str | None:
    if not isinstance(value, str):
        raise AnswerError(question.id, f"expected text, got {echo(value)}")
    text = value.strip()
    limit = question.max_length or DEFAULT_MAX_LENGTH.get(question.type, 0)
    if len(text) > limit:
        raise AnswerError(question.id, f"text is {len(text)} characters; the limit is {limit}")
    return text or None


def _validate_date(question: Question, value: Any) -> str:
    day: date | None = None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if day is None:
        raise AnswerError(question.id, f"expected a date as YYYY-MM-DD, got {echo(value)}")
    problem = implausible_date(day)
    if problem:
        raise AnswerError(question.id, problem)
    return day.isoformat()


def _validate_grid(question: Question, value: Any) -> dict[str, dict[str, str]] | None:
    if not isinstance(value, Mapping):
        raise AnswerError(question.id, "expected a table: {row: {column: rating}}")
    row_keys = [row.key for row in question.rows]
    column_keys = [column.key for column in question.columns]
    earlier_keys = {old for column in question.columns for old in column.replaces}
    for row_key, cells in value.items():
        if row_key not in row_keys:
            raise AnswerError(question.id, f"unknown row {echo(row_key)} ({', '.join(row_keys)})")
        if not isinstance(cells, Mapping) and cells is not None:
            raise AnswerError(question.id, f"row {echo(row_key)} must map columns to ratings")
        for column_key, cell in (cells or {}).items():
            if column_key not in column_keys and column_key not in earlier_keys:
                raise AnswerError(
                    question.id, f"unknown column {echo(column_key)} ({', '.join(column_keys)})"
                )
            if not _is_blank(cell):
                _grid_cell(question, cell)
    table: dict[str, dict[str, str]] = {}
    for row_key in row_keys:
        cells = value.get(row_key) or {}
        filled: dict[str, str] = {}
        for column in question.columns:
            # A column's own rating wins; otherwise a rating stored under a key it replaces.
            for key in (column.key, *column.replaces):
                if not _is_blank(cells.get(key)):
                    filled[column.key] = cells[key]
                    break
        if filled:
            table[row_key] = filled
    return table or None


def validate_answer(question: Question, value: Any) -> Any:
    """The answer in normal form (None when blank), or AnswerError saying what is wrong."""
    if _is_blank(value):
        return None
    kind = question.type
    if kind == "single_choice":
        return _one_choice(question, value)
    if kind == "multiple_choice":
        return _validate_multiple(question, value)
    if kind == "yes_no":
        return _validate_yes_no(question, value)
    if kind in NUMERIC_TYPES:
        return _number(question, value)
    if kind in DEFAULT_MAX_LENGTH:
        return _validate_text(question, value)
    if kind == "date":
        return _validate_date(question, value)
    return _validate_grid(question, value)


def rule_operand(target: Question, operator: str, operand: Any) -> Any:
    """A rule's value in the same normal form as a validated answer, so comparisons are exact."""
    if target.type == "grid":
        return _grid_cell(target, operand)
    if target.type == "multiple_choice" and operator in ("in", "includes"):
        return _one_choice(target, operand)
    normalised = validate_answer(target, operand)
    if normalised is None:
        raise AnswerError(target.id, "an empty value; use is_empty or answered instead")
    return normalised


def normal_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Stored answers as this version of the questionnaire reads them (e.g. a grid rating under
    a column key of an earlier version moved to the columns that replace it), hidden ones kept;
    blank, invalid and unknown ones left out. For forms that show what is stored."""
    return valid_answers(questionnaire, answers)


def valid_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers in normal form, silently leaving out the blank, invalid and unknown ones."""
    valid: dict[str, Any] = {}
    for question in questionnaire.questions:
        if question.id in answers:
            try:
                value = validate_answer(question, answers[question.id])
            except AnswerError:
                continue
            if value is not None:
                valid[question.id] = value
    return valid


def is_complete(question: Question, value: Any) -> bool:
    """Answered in full: a grid needs every cell rated, other types any non-blank answer."""
    if value is None:
        return False
    if question.type == "grid":
        return all(
            column.key in value.get(row.key, {})
            for row in question.rows
            for column in question.columns
        )
    return True


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def describe_answer(question: Question, value: Any) -> str:
    """An answer as a person reads it: choice labels, Yes/No, a scale point with its label."""
    if value is None:
        return "—"
    kind = question.type
    if kind == "single_choice":
        return question.choice(value).label
    if kind == "multiple_choice":
        return "; ".join(question.choice(item).label for item in value)
    if kind == "yes_no":
        return "Yes" if value else "No"
    if kind == "scale":
        label = question.scale_labels.get(int(value)) if float(value).is_integer() else None
        return f"{_number_text(value)}: {label}" if label else _number_text(value)
    if kind == "number":
        return _number_text(value)
    if kind == "grid":
        rows = {row.key: row.label for row in question.rows}
        columns = {column.key: column.label for column in question.columns}
        lines = []
        for row_key, cells in value.items():
            rated = ", ".join(
                f"{columns[column]}: {question.cell_choice(cell).label}"
                for column, cell in cells.items()
            )
            lines.append(f"{rows[row_key]}: {rated}")
        return "\n".join(lines)
    return str(value)
