"""Answer sets moved between versions and files: what changed between two, an answer file
written (stamped with the questionnaire id and version) and read back answer by answer."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from assessments.answer_files import load_answer_json, load_answer_yaml
from assessments.questionnaire.answers import validate_answer
from assessments.questionnaire.errors import AnswerError, AnswersFileError
from assessments.questionnaire.loading import StrictLoader
from assessments.questionnaire.visibility import clean_answers
from assessments.text import echo, first_few, shorten

if TYPE_CHECKING:
    from assessments.questionnaire.model import Questionnaire

ANSWER_FILE_FORMAT = "aims-questionnaire-answers"
ANSWER_FILE_VERSION = 1


def load_yaml(text: str, name: str = "the answer file") -> Any:
    """An answer file written by hand, read as questionnaire files are (true/false the only
    booleans, no duplicate keys) and checked as every answer file is (no aliases, little
    nesting): yaml.YAMLError for bad syntax, AnswerFileRefused for what is refused."""
    return load_answer_yaml(text, name, loader=StrictLoader)


def diff_answers(
    questionnaire: Questionnaire, old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """What changed between two answer sets, in questionnaire order, over the answers that count."""
    before, _ = clean_answers(questionnaire, old)
    after, _ = clean_answers(questionnaire, new)
    return [
        {
            "question_id": question.id,
            "text": question.text,
            "old": before.get(question.id),
            "new": after.get(question.id),
        }
        for question in questionnaire.questions
        if before.get(question.id) != after.get(question.id)
    ]


def answers_to_json(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> str:
    """An answer file (the answers that count) stamped with the questionnaire id and version."""
    kept, _ = clean_answers(questionnaire, answers)
    payload = {
        "format": ANSWER_FILE_FORMAT,
        "format_version": ANSWER_FILE_VERSION,
        "questionnaire_id": questionnaire.id,
        "questionnaire_version": questionnaire.version,
        "answers": kept,
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def answers_from_json(questionnaire: Questionnaire, text: str) -> dict[str, Any]:
    """The answers of an answer file, each validated against this questionnaire.

    A file for another questionnaire is refused outright. When some answers are bad,
    AnswersFileError lists them by question id and still carries the valid ones in `.answers`.
    Question ids are stable across versions, so a file from an older version is accepted answer
    by answer.
    """
    try:
        payload = load_answer_json(text)
    except (json.JSONDecodeError, TypeError) as error:
        raise AnswersFileError(f"not a JSON answer file: {error}") from None
    return answers_from_payload(questionnaire, payload)


def answers_from_payload(questionnaire: Questionnaire, payload: Any) -> dict[str, Any]:
    """`answers_from_json` on an answer file already parsed (from JSON or YAML)."""
    if not isinstance(payload, dict) or "questionnaire_id" not in payload:
        raise AnswersFileError("not an answer file: it names no questionnaire_id")
    if payload["questionnaire_id"] != questionnaire.id:
        raise AnswersFileError(
            f"this file answers questionnaire {echo(payload['questionnaire_id'])}, "
            f"not '{questionnaire.id}'; nothing was imported"
        )
    raw_answers = payload.get("answers")
    if not isinstance(raw_answers, dict):
        raise AnswersFileError("the answer file has no 'answers' object; nothing was imported")
    return answers_from_mapping(questionnaire, raw_answers)


def answers_from_mapping(
    questionnaire: Questionnaire, raw_answers: Mapping[Any, Any]
) -> dict[str, Any]:
    """A plain mapping of question id -> answer, each validated against this questionnaire
    (AnswersFileError as for `answers_from_json`, keeping the valid answers in `.answers`)."""
    accepted: dict[str, Any] = {}
    problems: list[str] = []
    worded: list[str] = []
    for question_id, value in raw_answers.items():
        question = questionnaire.find(question_id) if isinstance(question_id, str) else None
        if question is None:
            unknown = f"{shorten(str(question_id))}: no such question in version "
            problems.append(unknown + questionnaire.version)
            worded.append(unknown + questionnaire.version)
            continue
        try:
            normalised = validate_answer(question, value)
        except AnswerError as error:
            problems.append(str(error))
            worded.append(f'"{question.text}": {error.message}')
            continue
        if normalised is not None:
            accepted[question_id] = normalised
    if problems:
        raise AnswersFileError(
            f"{len(problems)} answer(s) refused, {len(accepted)} kept: " + first_few(problems),
            problems=problems,
            answers=accepted,
            worded=worded,
        )
    return accepted
