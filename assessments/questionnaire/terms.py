"""The questionnaire engine's vocabulary: question types, roles, dimensions, the identifiers a
questionnaire file uses, and the frozen base of every part of its content."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

QuestionType = Literal[
    "single_choice",
    "multiple_choice",
    "yes_no",
    "scale",
    "short_text",
    "long_text",
    "number",
    "date",
    "grid",
]
Role = Literal["impact", "mitigation", "context"]
Dimension = Literal[
    "rights_freedoms",
    "equality_non_discrimination",
    "privacy",
    "health_safety",
    "economic_interests",
    "environment",
    "democracy_information",
    "autonomy_human_agency",
]
Kind = Literal["scored", "decision"]

QUESTION_TYPES: dict[str, str] = {
    "single_choice": "Single choice",
    "multiple_choice": "Multiple choice",
    "yes_no": "Yes / no",
    "scale": "Scale",
    "short_text": "Short text",
    "long_text": "Long text",
    "number": "Number",
    "date": "Date",
    "grid": "Stakeholder x harm grid",
}
ROLES: dict[str, str] = {
    "impact": "Impact (raises the score)",
    "mitigation": "Mitigation (earns credit)",
    "context": "Context (not scored)",
}
DIMENSIONS: dict[str, str] = {
    "rights_freedoms": "Rights and freedoms",
    "equality_non_discrimination": "Equality and non-discrimination",
    "privacy": "Privacy",
    "health_safety": "Health and safety",
    "economic_interests": "Economic interests",
    "environment": "Environment",
    "democracy_information": "Democracy and information",
    "autonomy_human_agency": "Autonomy and human agency",
}

CHOICE_TYPES = frozenset({"single_choice", "multiple_choice"})
SCORABLE_TYPES = frozenset({"single_choice", "multiple_choice", "yes_no", "scale", "grid"})
NUMERIC_TYPES = frozenset({"scale", "number"})
DEFAULT_MAX_LENGTH: dict[str, int] = {"short_text": 200, "long_text": 4000}
DEFAULT_SCALE = {"min": 1.0, "max": 5.0, "step": 1.0}

TOLERANCE = 1e-9
_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
_KEY_PATTERN = r"^[a-z0-9][a-z0-9_]*$"

Identifier = Annotated[str, StringConstraints(pattern=_ID_PATTERN, max_length=80)]
Key = Annotated[str, StringConstraints(pattern=_KEY_PATTERN, max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Weight = Annotated[float, Field(ge=0, allow_inf_nan=False)]


def plain_number(value: float) -> int | float:
    """3.0 -> 3, so answers and messages read like the numbers people typed."""
    return int(value) if float(value).is_integer() else value


def on_step(value: float, start: float | None, step: float | None) -> bool:
    if step is None:
        return True
    steps = (value - (start or 0.0)) / step
    return math.isclose(steps, round(steps), abs_tol=1e-6)


class Definition(BaseModel):
    """Questionnaire content: strict about unknown keys (typos) and never mutated once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)
