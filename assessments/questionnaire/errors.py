"""What the questionnaire engine refuses: a questionnaire that cannot be used, one answer, an
answer file."""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticCustomError

from assessments.errors import WorkbenchError


class QuestionnaireError(WorkbenchError, ValueError):
    """A questionnaire that cannot be used; one line naming the file, the question and the field."""


class AnswerError(WorkbenchError, ValueError):
    """An answer refused for one question; `message` is the sentence shown beside the field."""

    def __init__(self, question_id: str, message: str) -> None:
        super().__init__(f"{question_id}: {message}")
        self.question_id = question_id
        self.message = message


class AnswersFileError(WorkbenchError, ValueError):
    """An answer file with problems; `answers` keeps every valid answer so nothing is lost.

    `problems` name each answer by its key in the file (for the command line, where the person
    edits the file); `worded` name it by the question's text (for the app's pages).
    """

    def __init__(
        self,
        message: str,
        problems: list[str] | None = None,
        answers: dict[str, Any] | None = None,
        worded: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.problems = problems or []
        self.answers = answers or {}
        self.worded = worded or self.problems


def definition_error(
    message: str, *, field: str, question: str | None = None, section: str | None = None
) -> PydanticCustomError:
    """A load error carrying where it is, so the loader can name question and field in one line."""
    context: dict[str, Any] = {"message": message, "field": field}
    if question:
        context["question"] = question
    if section:
        context["section"] = section
    return PydanticCustomError("questionnaire_definition", "{message}", context)
