"""Which questions show for a set of answers, which answers count (valid and visible), what is
still missing and how far along an answer set is. Rules are evaluated here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from assessments.questionnaire.answers import (
    is_complete,
    rule_operand,
    valid_answers,
    validate_answer,
)
from assessments.questionnaire.errors import AnswerError
from assessments.questionnaire.terms import TOLERANCE

if TYPE_CHECKING:
    from assessments.questionnaire.model import Question, Questionnaire
    from assessments.questionnaire.rules import Rule


def _selected_cells(question: Question, value: Any, rule: Rule) -> list[str]:
    table = value or {}
    return [
        cells[column]
        for row, cells in table.items()
        if rule.row in (None, row)
        for column in cells
        if rule.column in (None, column)
    ]


def _leaf_holds(question: Question, value: Any, rule: Rule) -> bool:
    operator = rule.operator
    if question.type == "grid":
        cells = _selected_cells(question, value, rule)
        if operator == "answered":
            return bool(cells) == rule.answered
        if operator == "is_empty":
            return (not cells) == rule.is_empty
        wanted = [rule.equals] if operator == "equals" else list(rule.in_ or [])
        return any(cell in wanted for cell in cells)
    if operator == "answered":
        return (value is not None) == rule.answered
    if operator == "is_empty":
        return (value is None) == rule.is_empty
    if value is None:
        return False
    if operator == "equals":
        return value == rule_operand(question, operator, rule.equals)
    if operator == "in":
        options = [rule_operand(question, operator, option) for option in rule.in_ or []]
        if question.type == "multiple_choice":
            return any(chosen in options for chosen in value)
        return value in options
    if operator == "includes":
        return rule.includes in value
    if operator == "at_least":
        return value >= (rule.at_least or 0) - TOLERANCE
    return value <= (rule.at_most or 0) + TOLERANCE


def rule_holds(
    questionnaire: Questionnaire, rule: Rule, answers: Mapping[str, Any], own_id: str | None
) -> bool:
    if rule.all_ is not None:
        return all(rule_holds(questionnaire, child, answers, own_id) for child in rule.all_)
    if rule.any_ is not None:
        return any(rule_holds(questionnaire, child, answers, own_id) for child in rule.any_)
    if rule.not_ is not None:
        return not rule_holds(questionnaire, rule.not_, answers, own_id)
    target = questionnaire.question(rule.question or own_id or "")
    return _leaf_holds(target, answers.get(target.id), rule)


def visibility_of(questionnaire: Questionnaire, valid: Mapping[str, Any]) -> dict[str, bool]:
    """Visible or not for every question, in order, from answers already in normal form."""
    visible: dict[str, bool] = {}
    for question in questionnaire.questions:
        rule = question.visible_if
        if rule is None:
            visible[question.id] = True
        elif not all(visible[ref] for ref in rule.referenced_questions()):
            visible[question.id] = False
        else:
            visible[question.id] = rule_holds(questionnaire, rule, valid, None)
    return visible


def visible_questions(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[Question]:
    visibility = visibility_of(questionnaire, valid_answers(questionnaire, answers))
    return [question for question in questionnaire.questions if visibility[question.id]]


def is_visible(questionnaire: Questionnaire, question_id: str, answers: Mapping[str, Any]) -> bool:
    questionnaire.question(question_id)
    return visibility_of(questionnaire, valid_answers(questionnaire, answers))[question_id]


def clean_answers(
    questionnaire: Questionnaire, answers: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The answers that count (valid, visible, in normal form) and a note for each one left out."""
    notes: list[str] = []
    valid: dict[str, Any] = {}
    for question_id, value in answers.items():
        question = questionnaire.find(question_id)
        if question is None:
            notes.append(f"ignored: answer to unknown question {question_id}")
            continue
        try:
            normalised = validate_answer(question, value)
        except AnswerError as error:
            notes.append(f"refused: {error}")
            continue
        if normalised is not None:
            valid[question_id] = normalised
    visibility = visibility_of(questionnaire, valid)
    kept: dict[str, Any] = {}
    for question in questionnaire.questions:
        if question.id not in valid:
            continue
        if visibility[question.id]:
            kept[question.id] = valid[question.id]
        else:
            notes.append(f"ignored: answer to hidden question {question.id}")
    return kept, notes


class MissingAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    section_id: str
    question_id: str
    text: str


def missing_required(
    questionnaire: Questionnaire, answers: Mapping[str, Any]
) -> list[MissingAnswer]:
    """Required questions that are visible and not (fully) answered, in order."""
    valid = valid_answers(questionnaire, answers)
    visibility = visibility_of(questionnaire, valid)
    return [
        MissingAnswer(
            section_id=questionnaire.section_of(question.id).id,
            question_id=question.id,
            text=question.text,
        )
        for question in questionnaire.questions
        if question.required
        and visibility[question.id]
        and not is_complete(question, valid.get(question.id))
    ]


def progress(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> tuple[int, int]:
    """(answered, total) over the questions currently visible."""
    valid = valid_answers(questionnaire, answers)
    visibility = visibility_of(questionnaire, valid)
    shown = [question for question in questionnaire.questions if visibility[question.id]]
    answered = sum(is_complete(question, valid.get(question.id)) for question in shown)
    return answered, len(shown)
