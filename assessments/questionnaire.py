"""Questionnaire engine: questionnaires are YAML data, answered, checked and scored in pure Python.

Why data: an organisation adapts questions, weights and levels without touching code, and every
answer set records the questionnaire id and version it answered (see DESIGN.md). This module never
touches the database or the UI, so each rule below is unit-tested on its own.

File format (`data/questionnaires/*.yaml`)::

    id: ai_impact_assessment          # lower-case key, stable across versions
    version: "1.0"                    # a string: quote it
    title: AI system impact assessment
    kind: scored                      # scored (weights -> level) or decision (evaluated elsewhere)
    sections:
      - id: data
        title: Data
        questions:
          - id: data_personal
            text: Does the system use personal data?
            help: Why we ask (required).
            type: yes_no              # see QUESTION_TYPES
            role: impact              # impact (raises the score), mitigation (credit), context
            dimensions: [privacy]     # see DIMENSIONS
            source: ISO/IEC 42005 6.4
            required: true
            yes_weight: 2
            triggers:
              - when: {equals: true}  # a rule; a leaf without `question` tests this question
                risk: {title: ..., description: ..., harm_category: privacy,
                       risk_source: machine_learning, affected_parties: [individuals],
                       likelihood: 3, severity: 3}
    scoring:                          # scored kind only
      levels:                         # ordered; a level applies when share <= max_share
        - {id: I, rank: 1, title: Low, max_share: 0.25, summary: ..., requires: [...]}
      mitigation: {threshold_share: 0.8, reduction: 0.15}
      floors:                         # optional: minimum levels that no score or credit lowers
        - {id: ..., level: III, title: ..., reason: ..., when: <a rule over the answers>}
        - {id: ..., level: IV, title: ..., reason: ..., stop: true,
           screening: {eu_class: [prohibited]}}  # or {fria_required: true} ...

Per type: `choices` (value, label, weight, example, exclusive) for single_choice and
multiple_choice; `yes_weight` / `no_weight` for yes_no; `min`, `max`, `step`, `weight_per_step`,
`scale_labels` for scale (weight = steps above `min` x `weight_per_step`); `min`, `max`, `step`
for number; `max_length` for short_text (200) and long_text (4000); `rows`, `columns` (a column
may carry its own `dimensions`, and `replaces`: the keys it had in earlier versions, whose stored
ratings it takes over), `cell_choices` and `column_heading` (the heading above the column labels)
for grid. Only choice, yes_no, scale and grid questions can be scored.

Levels and floors: the level is first found from the share of the maximum after any mitigation
credit (the points level); each floor that holds then sets a minimum level, so neither a low
score nor the credit can take the level below it. A floor's `when` is a rule over the answers
(it names its questions, may look at any of them, and only sees answers that count); its
`screening` is a condition over the facts of the system's regulatory screening, passed to
`score()` by the caller (none passed: no screening floor applies).

Rules (`visible_if` and trigger `when`), kept deliberately small::

    {question: q, equals: v}       the answer is v (a multiple choice: exactly this list)
    {question: q, in: [v, w]}      the answer is one of these (a multiple choice: any chosen is)
    {question: q, includes: v}     a multiple choice answer contains v
    {question: q, answered: true}  q has an answer (false: it has none)
    {question: q, is_empty: true}  q has no answer
    {question: q, at_least: n}     a number or scale answer is >= n (at_most: <= n)
    {all: [...]}, {any: [...]}, {not: {...}}
    On a grid, `row` and/or `column` pick cells; equals/in hold when any picked cell matches.

A rule may only look at earlier questions (a trigger may also look at its own question). A
question whose rule looks at a hidden question is hidden too, whatever the rule says, so an
answer nobody should have seen never shows, hides or scores anything.

YAML is read with true/false as the only booleans (a choice called `no` stays text) and a
duplicate key is an error rather than a silent overwrite.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from assessments.answer_files import load_answer_json, load_answer_yaml
from assessments.config import data_dir
from assessments.dates import implausible_date
from assessments.errors import WorkbenchError
from assessments.screening import RiskClass
from assessments.text import echo, first_few, shorten
from assessments.yaml_io import SafeLoader

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
ANSWER_FILE_FORMAT = "aims-questionnaire-answers"
ANSWER_FILE_VERSION = 1

_TOLERANCE = 1e-9
_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
_KEY_PATTERN = r"^[a-z0-9][a-z0-9_]*$"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Identifier = Annotated[str, StringConstraints(pattern=_ID_PATTERN, max_length=80)]
Key = Annotated[str, StringConstraints(pattern=_KEY_PATTERN, max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Weight = Annotated[float, Field(ge=0, allow_inf_nan=False)]


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


def _definition_error(
    message: str, *, field: str, question: str | None = None, section: str | None = None
) -> PydanticCustomError:
    """A load error carrying where it is, so the loader can name question and field in one line."""
    context: dict[str, Any] = {"message": message, "field": field}
    if question:
        context["question"] = question
    if section:
        context["section"] = section
    return PydanticCustomError("questionnaire_definition", "{message}", context)


def _plain_number(value: float) -> int | float:
    """3.0 -> 3, so answers and messages read like the numbers people typed."""
    return int(value) if float(value).is_integer() else value


class _Definition(BaseModel):
    """Questionnaire content: strict about unknown keys (typos) and never mutated once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Definition):
    value: Key
    label: Text
    weight: Weight = 0.0
    example: str | None = None
    exclusive: bool = Field(
        default=False, description="Cannot be combined with other choices (e.g. 'none of these')."
    )


class GridRow(_Definition):
    key: Key
    label: Text
    description: str | None = None


class GridColumn(_Definition):
    key: Key
    label: Text
    description: str | None = None
    dimensions: list[Dimension] = Field(default_factory=list)
    replaces: list[Key] = Field(
        default_factory=list,
        description="Keys this column had in earlier versions: a rating stored under one of "
        "them counts for this column (two columns may take over the same old key).",
    )


class RiskTemplate(_Definition):
    """A candidate risk for the register; keys follow data/taxonomy.yaml (owned by the taxonomy)."""

    title: Text
    description: Text
    harm_category: Key
    risk_source: Key
    affected_parties: list[Key] = Field(min_length=1)
    likelihood: int = Field(ge=1, le=5)
    severity: int = Field(ge=1, le=5)


_COMBINATORS = {"all_": "all", "any_": "any", "not_": "not"}
_COMPARISONS = {
    "equals": "equals",
    "in_": "in",
    "includes": "includes",
    "answered": "answered",
    "is_empty": "is_empty",
    "at_least": "at_least",
    "at_most": "at_most",
}


class Rule(_Definition):
    """One node of a visibility or trigger rule: a combinator or a single comparison."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
    )

    all_: list[Rule] | None = Field(default=None, alias="all", min_length=1)
    any_: list[Rule] | None = Field(default=None, alias="any", min_length=1)
    not_: Rule | None = Field(default=None, alias="not")
    question: Identifier | None = None
    row: Key | None = None
    column: Key | None = None
    equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in", min_length=1)
    includes: Key | None = None
    answered: bool | None = None
    is_empty: bool | None = None
    at_least: float | None = Field(default=None, allow_inf_nan=False)
    at_most: float | None = Field(default=None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _exactly_one_operator(self) -> Rule:
        used = self._operators_used()
        spelled = [_COMBINATORS.get(name) or _COMPARISONS[name] for name in used]
        if not used and "equals" in self.model_fields_set:
            raise ValueError("'equals: null' never matches; use 'is_empty: true'")
        if len(used) != 1:
            found = ", ".join(spelled) if spelled else "none"
            raise ValueError(
                "a rule needs exactly one of all, any, not, equals, in, includes, answered, "
                f"is_empty, at_least, at_most (found: {found})"
            )
        if used[0] in _COMBINATORS:
            extra = [name for name in ("question", "row", "column") if getattr(self, name)]
            if extra:
                raise ValueError(f"'{spelled[0]}' combines rules; move {', '.join(extra)} inside")
        return self

    def _operators_used(self) -> list[str]:
        """Operator fields given a value (a dumped rule carries the others as None)."""
        return [name for name in (*_COMBINATORS, *_COMPARISONS) if getattr(self, name) is not None]

    @property
    def operator(self) -> str:
        """The operator as written in YAML: all, any, not, equals, in, ..."""
        name = self._operators_used()[0]
        return _COMBINATORS.get(name) or _COMPARISONS[name]

    def leaves(self, path: str) -> Iterator[tuple[str, Rule]]:
        """Every comparison with its place in the file (e.g. 'visible_if.all[1]')."""
        if self.all_ is not None or self.any_ is not None:
            name, children = ("all", self.all_) if self.all_ is not None else ("any", self.any_)
            for position, child in enumerate(children or []):
                yield from child.leaves(f"{path}.{name}[{position}]")
        elif self.not_ is not None:
            yield from self.not_.leaves(f"{path}.not")
        else:
            yield path, self

    def referenced_questions(self, default_question: str | None = None) -> set[str]:
        """The questions this rule reads; a leaf without `question` reads `default_question`."""
        named = {leaf.question or default_question for _, leaf in self.leaves("")}
        return {question_id for question_id in named if question_id}


class Trigger(_Definition):
    """An answer that suggests a risk for the register, with a default rating."""

    when: Rule
    risk: RiskTemplate


class Level(_Definition):
    id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    rank: int = Field(ge=1)
    title: Text
    max_share: float = Field(gt=0, le=1)
    summary: Text
    requires: list[Text] = Field(min_length=1)


class MitigationRule(_Definition):
    """When mitigation reaches `threshold_share` of its maximum, impact drops by `reduction`."""

    threshold_share: float = Field(gt=0, le=1)
    reduction: float = Field(ge=0, lt=1)


class RegulatoryFacts(Protocol):
    """What a floor's `screening` condition reads: the facts of a system's current regulatory
    screening (assessments.regulatory.ScreeningFacts has this shape)."""

    @property
    def eu_class(self) -> str | None: ...

    @property
    def fria_required(self) -> bool: ...

    @property
    def colorado_covered(self) -> bool: ...


class FactCondition(_Definition):
    """A condition over the regulatory facts: exactly one of the EU AI Act class being one of
    these, a fundamental rights impact assessment being due, the Colorado law covering it."""

    eu_class: list[RiskClass] | None = Field(default=None, min_length=1)
    fria_required: Literal[True] | None = None
    colorado_covered: Literal[True] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> FactCondition:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "a screening condition needs exactly one of eu_class, fria_required, "
                f"colorado_covered (found: {', '.join(given) or 'none'})"
            )
        return self

    def holds(self, facts: RegulatoryFacts | None) -> bool:
        if facts is None:
            return False
        if self.eu_class is not None:
            return facts.eu_class in self.eu_class
        if self.fria_required:
            return bool(facts.fria_required)
        return bool(facts.colorado_covered)


class Floor(_Definition):
    """A minimum level that applies whatever the score, with the reason shown to people.

    Why: a share of points averages harms away, so a fully automated system with one
    irreversible harm, or one the law treats as high-risk, could otherwise score low. The credit
    for measures is applied before floors, so it never takes a level below one. `stop` marks a
    floor that means the system must not be used (shown as a stop, not only as a level).
    """

    id: Identifier
    level: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    title: Text
    reason: Text
    stop: bool = False
    when: Rule | None = None
    screening: FactCondition | None = None

    @model_validator(mode="after")
    def _one_condition(self) -> Floor:
        if (self.when is None) == (self.screening is None):
            raise ValueError("a floor needs exactly one of 'when' (answers) or 'screening'")
        return self


class Scoring(_Definition):
    levels: list[Level] = Field(min_length=1)
    mitigation: MitigationRule | None = None
    floors: list[Floor] = Field(default_factory=list)

    def level(self, level_id: str) -> Level:
        return next(level for level in self.levels if level.id == level_id)

    @model_validator(mode="after")
    def _floors_name_levels(self) -> Scoring:
        ids = {level.id for level in self.levels}
        seen: set[str] = set()
        for position, floor in enumerate(self.floors):
            if floor.id in seen:
                raise _definition_error(
                    f"floor id '{floor.id}' is used twice", field=f"floors[{position}].id"
                )
            seen.add(floor.id)
            if floor.level not in ids:
                raise _definition_error(
                    f"floor '{floor.id}' names level '{floor.level}'; the levels are "
                    f"{', '.join(level.id for level in self.levels)}",
                    field=f"floors[{position}].level",
                )
        return self

    @model_validator(mode="after")
    def _levels_in_order(self) -> Scoring:
        seen_ids: set[str] = set()
        previous_share = 0.0
        for position, level in enumerate(self.levels):
            field = f"levels[{position}]"
            if level.id in seen_ids:
                raise _definition_error(f"level id '{level.id}' is used twice", field=f"{field}.id")
            seen_ids.add(level.id)
            if level.rank != position + 1:
                raise _definition_error(
                    f"levels must be ranked 1, 2, 3... in order; expected {position + 1}",
                    field=f"{field}.rank",
                )
            if level.max_share <= previous_share:
                raise _definition_error(
                    "max_share must rise from one level to the next", field=f"{field}.max_share"
                )
            previous_share = level.max_share
        if not math.isclose(self.levels[-1].max_share, 1.0):
            raise _definition_error(
                "the last level must have max_share 1.0 so every score has a level",
                field=f"levels[{len(self.levels) - 1}].max_share",
            )
        return self


class Question(_Definition):
    id: Identifier
    text: Text
    help: Text
    type: QuestionType
    required: bool = False
    role: Role = "context"
    dimensions: list[Dimension] = Field(default_factory=list)
    source: str | None = None
    visible_if: Rule | None = None
    choices: list[Choice] = Field(default_factory=list)
    yes_weight: Weight = 0.0
    no_weight: Weight = 0.0
    min: float | None = Field(default=None, allow_inf_nan=False, validate_default=True)
    max: float | None = Field(default=None, allow_inf_nan=False, validate_default=True)
    step: float | None = Field(default=None, gt=0, allow_inf_nan=False, validate_default=True)
    weight_per_step: Weight = 0.0
    scale_labels: dict[int, str] = Field(default_factory=dict)
    max_length: int | None = Field(default=None, ge=1, validate_default=True)
    rows: list[GridRow] = Field(default_factory=list)
    columns: list[GridColumn] = Field(default_factory=list)
    cell_choices: list[Choice] = Field(default_factory=list)
    column_heading: str | None = Field(
        default=None, max_length=80, description="A grid's heading above its column labels."
    )
    triggers: list[Trigger] = Field(default_factory=list)

    @field_validator("min", "max", "step")
    @classmethod
    def _scale_defaults(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is None and info.data.get("type") == "scale":
            return DEFAULT_SCALE[info.field_name or ""]
        return value

    @field_validator("max_length")
    @classmethod
    def _text_default(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None:
            return DEFAULT_MAX_LENGTH.get(info.data.get("type", ""))
        return value

    @model_validator(mode="after")
    def _fields_fit_type(self) -> Question:
        for problem_field, message in _shape_problems(self):
            raise _definition_error(message, field=problem_field)
        return self

    def choice(self, value: str) -> Choice:
        return next(choice for choice in self.choices if choice.value == value)

    def cell_choice(self, value: str) -> Choice:
        return next(choice for choice in self.cell_choices if choice.value == value)

    @property
    def scored(self) -> bool:
        return self.role in ("impact", "mitigation")


def _shape_problems(question: Question) -> Iterator[tuple[str, str]]:
    """(field, message) for each field that does not fit the question's type."""
    kind = question.type
    if kind in CHOICE_TYPES:
        needed = 2 if kind == "single_choice" else 1
        if len(question.choices) < needed:
            yield "choices", f"a {kind} question needs at least {needed} choices"
        yield from _duplicate_keys("choices", [choice.value for choice in question.choices])
        if kind == "single_choice" and any(choice.exclusive for choice in question.choices):
            yield "choices", "'exclusive' only makes sense on a multiple_choice question"
    elif question.choices:
        yield "choices", f"only choice questions take choices; this one is {kind}"
    if kind == "grid":
        for name, keys in (
            ("rows", [row.key for row in question.rows]),
            ("columns", [column.key for column in question.columns]),
            ("cell_choices", [choice.value for choice in question.cell_choices]),
        ):
            if not keys:
                yield name, "a grid question needs at least one entry here"
            yield from _duplicate_keys(name, keys)
        current = {column.key for column in question.columns}
        for column in question.columns:
            for old_key in column.replaces:
                if old_key in current:
                    yield (
                        "columns",
                        (f"column '{column.key}' replaces '{old_key}', which is a column now"),
                    )
    else:
        for name in ("rows", "columns", "cell_choices", "column_heading"):
            if getattr(question, name):
                yield name, f"only grid questions take {name}; this one is {kind}"
    if kind != "yes_no" and (question.yes_weight or question.no_weight):
        yield "yes_weight", f"only yes_no questions take yes_weight / no_weight; this one is {kind}"
    if kind not in NUMERIC_TYPES:
        for name in ("min", "max", "step"):
            if getattr(question, name) is not None:
                yield name, f"only scale and number questions take {name}; this one is {kind}"
    elif question.min is not None and question.max is not None:
        if question.min >= question.max:
            yield "max", "max must be greater than min"
        elif kind == "scale" and not _on_step(question.max, question.min, question.step):
            yield "step", "the scale from min to max must be a whole number of steps"
    if kind != "scale":
        if question.weight_per_step:
            yield "weight_per_step", f"only scale questions take weight_per_step; this is {kind}"
        if question.scale_labels:
            yield "scale_labels", f"only scale questions take scale_labels; this one is {kind}"
    elif question.min is not None and question.max is not None:
        for point in question.scale_labels:
            if not question.min <= point <= question.max:
                yield "scale_labels", f"label for {point} is outside the scale"
    if kind not in DEFAULT_MAX_LENGTH and question.max_length is not None:
        yield "max_length", f"only text questions take max_length; this one is {kind}"
    if question.scored:
        if kind not in SCORABLE_TYPES:
            yield "role", f"a {kind} question cannot be scored; make it a context question"
        elif max_weight(question) <= 0:
            yield "role", f"an {question.role} question needs at least one positive weight"
    elif kind in SCORABLE_TYPES and max_weight(question) > 0:
        yield "role", "weights on a context question never count; set role impact or mitigation"


def _duplicate_keys(field: str, keys: list[str]) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            yield field, f"'{key}' appears twice"
        seen.add(key)


def _on_step(value: float, start: float | None, step: float | None) -> bool:
    if step is None:
        return True
    steps = (value - (start or 0.0)) / step
    return math.isclose(steps, round(steps), abs_tol=1e-6)


class Section(_Definition):
    id: Identifier
    title: Text
    description: str = ""
    questions: list[Question] = Field(min_length=1)


class Questionnaire(_Definition):
    id: Identifier
    version: str = Field(min_length=1, max_length=20)
    title: Text
    description: str = ""
    kind: Kind = "scored"
    sections: list[Section] = Field(min_length=1)
    scoring: Scoring | None = None

    _questions: dict[str, Question] = PrivateAttr(default_factory=dict)
    _positions: dict[str, int] = PrivateAttr(default_factory=dict)
    _sections_by_question: dict[str, Section] = PrivateAttr(default_factory=dict)

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_text(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(f'write the version as text in quotes, e.g. "{value}"')
        return value

    @model_validator(mode="after")
    def _check_whole(self) -> Questionnaire:
        section_ids: set[str] = set()
        for section in self.sections:
            if section.id in section_ids:
                raise _definition_error("section id is used twice", field="id", section=section.id)
            section_ids.add(section.id)
            for question in section.questions:
                if question.id in self._questions:
                    first = self._sections_by_question[question.id].id
                    raise _definition_error(
                        f"question id '{question.id}' is already used in section '{first}'",
                        field="id",
                        question=question.id,
                        section=section.id,
                    )
                self._positions[question.id] = len(self._questions)
                self._questions[question.id] = question
                self._sections_by_question[question.id] = section
        for question in self.questions:
            self._check_rules(question)
        self._check_scoring()
        return self

    def _check_rules(self, question: Question) -> None:
        rules: list[tuple[str, Rule, bool]] = []
        if question.visible_if is not None:
            rules.append(("visible_if", question.visible_if, False))
        rules += [(f"triggers[{n}].when", t.when, True) for n, t in enumerate(question.triggers)]
        for root, rule, is_trigger in rules:
            for path, leaf in rule.leaves(root):
                problem = self._leaf_problem(question, leaf, is_trigger)
                if problem:
                    raise _definition_error(
                        problem,
                        field=path,
                        question=question.id,
                        section=self._sections_by_question[question.id].id,
                    )

    def _leaf_problem(self, owner: Question, leaf: Rule, is_trigger: bool) -> str | None:
        target_id = leaf.question or (owner.id if is_trigger else None)
        if target_id is None:
            return "the rule names no question; add 'question: <id>'"
        target = self._questions.get(target_id)
        if target is None:
            return f"the rule refers to unknown question '{target_id}'"
        here, there = self._positions[owner.id], self._positions[target_id]
        if there > here or (there == here and not is_trigger):
            where = "this question itself" if there == here else "a later question"
            return f"the rule refers to '{target_id}', {where}; rules may only use earlier answers"
        return _operator_problem(target, leaf)

    def _check_scoring(self) -> None:
        if self.kind == "decision":
            if self.scoring is not None:
                raise _definition_error(
                    "a decision questionnaire is evaluated in code, not scored; remove scoring",
                    field="scoring",
                )
            return
        if self.scoring is None:
            raise _definition_error("a scored questionnaire needs a scoring block", field="scoring")
        if not any(q.role == "impact" for q in self.questions):
            raise _definition_error(
                "a scored questionnaire needs at least one impact question", field="scoring"
            )
        if self.scoring.mitigation and not any(q.role == "mitigation" for q in self.questions):
            raise _definition_error(
                "mitigation credit is declared but no question has role mitigation",
                field="scoring.mitigation",
            )
        for position, floor in enumerate(self.scoring.floors):
            if floor.when is None:
                continue
            for path, leaf in floor.when.leaves(f"scoring.floors[{position}].when"):
                problem = self._floor_leaf_problem(leaf)
                if problem:
                    raise _definition_error(problem, field=path)

    def _floor_leaf_problem(self, leaf: Rule) -> str | None:
        """A floor comes after every question, so it may read any of them, by name."""
        if leaf.question is None:
            return "a floor's rule names no question; add 'question: <id>'"
        target = self._questions.get(leaf.question)
        if target is None:
            return f"the rule refers to unknown question '{leaf.question}'"
        return _operator_problem(target, leaf)

    @property
    def questions(self) -> list[Question]:
        """Every question in the order people meet them."""
        return list(self._questions.values())

    def find(self, question_id: str) -> Question | None:
        return self._questions.get(question_id)

    def question(self, question_id: str) -> Question:
        question = self._questions.get(question_id)
        if question is None:
            raise KeyError(f"questionnaire '{self.id}' has no question '{question_id}'")
        return question

    def section_of(self, question_id: str) -> Section:
        self.question(question_id)
        return self._sections_by_question[question_id]


def _operator_problem(target: Question, leaf: Rule) -> str | None:
    """Why this comparison cannot work on the target question, or None when it can."""
    operator, kind = leaf.operator, target.type
    if leaf.row or leaf.column:
        if kind != "grid":
            return f"'row' and 'column' only apply to grid questions; '{target.id}' is {kind}"
        if leaf.row and leaf.row not in {row.key for row in target.rows}:
            return f"'{target.id}' has no row '{leaf.row}'"
        if leaf.column and leaf.column not in {column.key for column in target.columns}:
            return f"'{target.id}' has no column '{leaf.column}'"
    if operator == "includes" and kind != "multiple_choice":
        return f"'includes' only works on a multiple_choice question; '{target.id}' is {kind}"
    if operator in ("at_least", "at_most") and kind not in NUMERIC_TYPES:
        return f"'{operator}' only works on a number or scale question; '{target.id}' is {kind}"
    if kind == "grid" and operator not in ("equals", "in", "answered", "is_empty"):
        return f"'{operator}' does not work on a grid; use equals, in, answered or is_empty"
    operands = {"equals": [leaf.equals], "in": leaf.in_, "includes": [leaf.includes]}
    for operand in operands.get(operator) or []:
        try:
            _operand(target, operator, operand)
        except AnswerError as error:
            return f"'{operator}' value {echo(operand)} is not a possible answer: {error.message}"
    return None


def _operand(target: Question, operator: str, operand: Any) -> Any:
    """A rule's value in the same normal form as a validated answer, so comparisons are exact."""
    if target.type == "grid":
        return _grid_cell(target, operand)
    if target.type == "multiple_choice" and operator in ("in", "includes"):
        return _one_choice(target, operand)
    normalised = validate_answer(target, operand)
    if normalised is None:
        raise AnswerError(target.id, "an empty value; use is_empty or answered instead")
    return normalised


# --- Loading -----------------------------------------------------------------------------------


class _StrictLoader(SafeLoader):
    """YAML with only true/false as booleans (so a choice 'no' stays text) and no duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, list | dict):
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}'", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_yaml(text: str, name: str = "the answer file") -> Any:
    """An answer file written by hand, read as questionnaire files are (true/false the only
    booleans, no duplicate keys) and checked as every answer file is (no aliases, little
    nesting): yaml.YAMLError for bad syntax, AnswerFileRefused for what is refused."""
    return load_answer_yaml(text, name, loader=_StrictLoader)


def default_directory() -> Path:
    """`$AIMS_DATA_DIR/questionnaires`, or data/questionnaires in the repository."""
    return data_dir() / "questionnaires"


def parse_questionnaire(text: str, source: str = "<text>") -> Questionnaire:
    """A questionnaire from YAML text; `source` names it in error messages."""
    try:
        raw = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as error:
        raise QuestionnaireError(_describe_yaml_error(source, error)) from error
    if not isinstance(raw, dict):
        raise QuestionnaireError(
            f"{source}: expected a mapping with id, version, title and sections at the top"
        )
    try:
        return Questionnaire.model_validate(raw)
    except ValidationError as error:
        raise QuestionnaireError(_describe_validation_error(source, raw, error)) from error


def load_questionnaire(path: str | Path) -> Questionnaire:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise QuestionnaireError(f"{path}: no such file") from error
    except (OSError, UnicodeDecodeError) as error:
        raise QuestionnaireError(f"{path}: cannot read the file ({error})") from error
    return parse_questionnaire(text, source=str(path))


def _questionnaire_files(directory: Path) -> list[Path]:
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def load_all(directory: str | Path | None = None) -> dict[str, Questionnaire]:
    """Every questionnaire in the folder by id; the first broken file raises QuestionnaireError."""
    folder = Path(directory) if directory is not None else default_directory()
    loaded: dict[str, Questionnaire] = {}
    origin: dict[str, Path] = {}
    for path in _questionnaire_files(folder):
        questionnaire = load_questionnaire(path)
        if questionnaire.id in loaded:
            raise QuestionnaireError(
                f"{path}: questionnaire id '{questionnaire.id}' is already used by "
                f"{origin[questionnaire.id].name}"
            )
        loaded[questionnaire.id] = questionnaire
        origin[questionnaire.id] = path
    return loaded


def check_all(directory: str | Path | None = None) -> list[str]:
    """One line per problem across the folder (empty when all is well), for the CLI check."""
    folder = Path(directory) if directory is not None else default_directory()
    if not folder.is_dir():
        return [f"{folder}: no such folder"]
    files = _questionnaire_files(folder)
    if not files:
        return [f"{folder}: no questionnaire files (*.yaml)"]
    problems: list[str] = []
    origin: dict[str, Path] = {}
    for path in files:
        try:
            questionnaire = load_questionnaire(path)
        except QuestionnaireError as error:
            problems.append(str(error))
            continue
        if questionnaire.id in origin:
            problems.append(
                f"{path}: questionnaire id '{questionnaire.id}' is already used by "
                f"{origin[questionnaire.id].name}"
            )
        origin.setdefault(questionnaire.id, path)
    return problems


def _describe_yaml_error(source: str, error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    line = f"line {mark.line + 1}: " if mark is not None else ""
    return f"{source}: {line}not valid YAML: {problem}"


def _describe_validation_error(source: str, raw: dict[str, Any], error: ValidationError) -> str:
    """Pydantic's error list as one line: file, question (or section), field, what is wrong."""
    problems = error.errors(include_url=False)
    first = problems[0]
    section, question, field_path = _locate(raw, first["loc"])
    context = first.get("ctx") or {}
    question = context.get("question", question)
    section = context.get("section", section)
    field_path = ".".join(part for part in (field_path, context.get("field", "")) if part)
    where: list[str] = []
    if question:
        where.append(f"question '{question}'" + (f" (section '{section}')" if section else ""))
    elif section:
        where.append(f"section '{section}'")
    if field_path:
        where.append(f"field '{field_path}'")
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    prefix = f"{source}: {', '.join(where)}: " if where else f"{source}: "
    return " ".join(f"{prefix}{_plain_message(first)}{more}".split())


def _locate(raw: Any, loc: tuple[int | str, ...]) -> tuple[str | None, str | None, str]:
    """Section id, question id and the remaining field path of a pydantic error location."""
    parts = list(loc)
    section_id = question_id = None
    if len(parts) >= 2 and parts[0] == "sections" and isinstance(parts[1], int):
        section = _item(raw.get("sections"), parts[1])
        section_id = _identify(section, parts[1])
        parts = parts[2:]
        if len(parts) >= 2 and parts[0] == "questions" and isinstance(parts[1], int):
            question = _item(
                section.get("questions") if isinstance(section, dict) else None, parts[1]
            )
            question_id = _identify(question, parts[1])
            parts = parts[2:]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return section_id, question_id, path


def _item(container: Any, position: int) -> Any:
    if isinstance(container, list) and 0 <= position < len(container):
        return container[position]
    return None


def _identify(node: Any, position: int) -> str:
    if isinstance(node, dict) and isinstance(node.get("id"), str):
        return node["id"]
    return f"#{position + 1}"


def _plain_message(problem: Mapping[str, Any]) -> str:
    kind, message = problem["type"], str(problem["msg"])
    if kind == "missing":
        return "is required but missing"
    if kind == "string_too_short" and problem.get("input") is not None:
        return "must not be empty"
    if kind == "extra_forbidden":
        return "is not a known field (check the spelling)"
    if kind == "string_pattern_mismatch":
        return f"must be a lower-case key of letters, digits and _ (got {echo(problem['input'])})"
    if kind == "literal_error":
        return f"{message} (got {echo(problem['input'])})"
    return message.removeprefix("Value error, ")


# --- Answers -----------------------------------------------------------------------------------


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
            f"at least {_plain_number(low)}" if low is not None else "",
            f"at most {_plain_number(high)}" if high is not None else "",
        ]
        allowed = " and ".join(bound for bound in bounds if bound)
        raise AnswerError(question.id, f"{_plain_number(value)} is out of range: must be {allowed}")
    if not _on_step(value, question.min, question.step):
        raise AnswerError(
            question.id,
            f"{_plain_number(value)} is not a step of {_plain_number(question.step or 1)}",
        )
    return _plain_number(float(value))


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


def normal_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Stored answers as this version of the questionnaire reads them (e.g. a grid rating under
    a column key of an earlier version moved to the columns that replace it), hidden ones kept;
    blank, invalid and unknown ones left out. For forms that show what is stored."""
    return _valid_answers(questionnaire, answers)


def _valid_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
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


# --- Visibility --------------------------------------------------------------------------------


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
        return value == _operand(question, operator, rule.equals)
    if operator == "in":
        options = [_operand(question, operator, option) for option in rule.in_ or []]
        if question.type == "multiple_choice":
            return any(chosen in options for chosen in value)
        return value in options
    if operator == "includes":
        return rule.includes in value
    if operator == "at_least":
        return value >= (rule.at_least or 0) - _TOLERANCE
    return value <= (rule.at_most or 0) + _TOLERANCE


def _holds(
    questionnaire: Questionnaire, rule: Rule, answers: Mapping[str, Any], own_id: str | None
) -> bool:
    if rule.all_ is not None:
        return all(_holds(questionnaire, child, answers, own_id) for child in rule.all_)
    if rule.any_ is not None:
        return any(_holds(questionnaire, child, answers, own_id) for child in rule.any_)
    if rule.not_ is not None:
        return not _holds(questionnaire, rule.not_, answers, own_id)
    target = questionnaire.question(rule.question or own_id or "")
    return _leaf_holds(target, answers.get(target.id), rule)


def _visibility(questionnaire: Questionnaire, valid: Mapping[str, Any]) -> dict[str, bool]:
    """Visible or not for every question, in order, from answers already in normal form."""
    visible: dict[str, bool] = {}
    for question in questionnaire.questions:
        rule = question.visible_if
        if rule is None:
            visible[question.id] = True
        elif not all(visible[ref] for ref in rule.referenced_questions()):
            visible[question.id] = False
        else:
            visible[question.id] = _holds(questionnaire, rule, valid, None)
    return visible


def visible_questions(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[Question]:
    visibility = _visibility(questionnaire, _valid_answers(questionnaire, answers))
    return [question for question in questionnaire.questions if visibility[question.id]]


def is_visible(questionnaire: Questionnaire, question_id: str, answers: Mapping[str, Any]) -> bool:
    questionnaire.question(question_id)
    return _visibility(questionnaire, _valid_answers(questionnaire, answers))[question_id]


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
    visibility = _visibility(questionnaire, valid)
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
    valid = _valid_answers(questionnaire, answers)
    visibility = _visibility(questionnaire, valid)
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
    valid = _valid_answers(questionnaire, answers)
    visibility = _visibility(questionnaire, valid)
    shown = [question for question in questionnaire.questions if visibility[question.id]]
    answered = sum(is_complete(question, valid.get(question.id)) for question in shown)
    return answered, len(shown)


# --- Answers for people ------------------------------------------------------------------------


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


# --- Scoring -----------------------------------------------------------------------------------


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


def _dimension_parts(question: Question, value: Any) -> Iterator[tuple[str, float, float]]:
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


class TriggeredRisk(BaseModel):
    question_id: str
    answer: Any
    title: str
    description: str
    harm_category: str
    risk_source: str
    affected_parties: list[str]
    likelihood: int
    severity: int


class AppliedFloor(BaseModel):
    """A floor that holds for one answer set: the minimum level it sets and why, in words.

    `rationale` is the floor's reason as declared; `because` lists the answers that triggered
    it (empty for a screening floor, whose rationale names the finding); `reason` is the two
    together, one text for a report, an export or the CLI, opening with "Stop." for a floor
    that means the system must not be used.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    level: str
    level_rank: int
    title: str
    reason: str
    rationale: str = ""
    because: list[str] = Field(default_factory=list)
    stop: bool = False
    source: Literal["answers", "screening"]

    @property
    def heading(self) -> str:
        """The floor in one line, as the result page and the PDF head it."""
        return f"{'Stop. ' if self.stop else ''}At least level {self.level}: {self.title}."


class ScoreResult(BaseModel):
    """The outcome of one answer set, everything a results page, a report or the store needs.

    `impact_score` is after any mitigation credit, `impact_raw` before it. `points_level` is the
    level the share alone gives; `level` is the level of record: the points level raised to the
    highest floor that holds (`floors`, every one that holds, highest first). `dimension_scores`
    (for the radar chart) and `section_scores` (the per-section table: impact questions, score
    and max, plus the section's mitigation score and max) are before credit. `notes` says which
    answers were left out and why.
    """

    questionnaire_id: str
    questionnaire_version: str
    impact_raw: float
    impact_score: float
    impact_max: float
    mitigation_score: float
    mitigation_max: float
    credit_applied: bool
    share: float
    level: Level
    level_rank: int
    points_level: Level
    points_level_rank: int
    floors: list[AppliedFloor] = Field(default_factory=list)
    dimension_scores: dict[str, dict[str, float]]
    section_scores: list[dict[str, Any]]
    triggered_risks: list[TriggeredRisk]
    notes: list[str] = Field(default_factory=list)

    @property
    def raised(self) -> bool:
        """Whether a floor put the level above what the points alone give."""
        return self.level_rank > self.points_level_rank

    @property
    def stop(self) -> bool:
        """Whether a floor that holds says the system must not be used."""
        return any(floor.stop for floor in self.floors)


def _round(value: float) -> float:
    return round(value + 0.0, 6)


def level_for_share(questionnaire: Questionnaire, share: float) -> Level:
    """The first level whose max_share is not below the share (exactly 0.25 is still level I)."""
    if questionnaire.scoring is None:
        raise QuestionnaireError(f"questionnaire '{questionnaire.id}' has no scoring")
    for level in questionnaire.scoring.levels:
        if share <= level.max_share + _TOLERANCE:
            return level
    return questionnaire.scoring.levels[-1]


def _triggered(
    questionnaire: Questionnaire,
    question: Question,
    kept: Mapping[str, Any],
    visibility: Mapping[str, bool],
) -> list[TriggeredRisk]:
    """The risks this (visible) question's answer suggests; rules on hidden questions never fire."""
    fired: list[TriggeredRisk] = []
    for trigger in question.triggers:
        if not all(visibility[ref] for ref in trigger.when.referenced_questions(question.id)):
            continue
        if _holds(questionnaire, trigger.when, kept, question.id):
            fired.append(
                TriggeredRisk(
                    question_id=question.id,
                    answer=kept.get(question.id),
                    **trigger.risk.model_dump(),
                )
            )
    return fired


def _evidence(questionnaire: Questionnaire, rule: Rule, answers: Mapping[str, Any]) -> list[str]:
    """The answers that make a (holding) rule hold, in words: every part of an `all`, the
    parts of an `any` that hold, the matching cells of a grid."""
    if rule.all_ is not None:
        return [line for child in rule.all_ for line in _evidence(questionnaire, child, answers)]
    if rule.any_ is not None:
        return [
            line
            for child in rule.any_
            if _holds(questionnaire, child, answers, None)
            for line in _evidence(questionnaire, child, answers)
        ]
    if rule.not_ is not None:
        return []
    question = questionnaire.question(rule.question or "")
    value = answers.get(question.id)
    if value is None:
        return [f"{question.text} → not answered"]
    if question.type != "grid":
        return [f"{question.text} → {describe_answer(question, value)}"]
    wanted = [rule.equals] if rule.operator == "equals" else list(rule.in_ or [])
    rows = {row.key: row.label for row in question.rows}
    columns = {column.key: column.label for column in question.columns}
    cells = [
        f"{rows[row]}, {columns[column]}: {question.cell_choice(cell).label}"
        for row, rated in value.items()
        if rule.row in (None, row)
        for column, cell in rated.items()
        if rule.column in (None, column) and (cell in wanted or rule.operator == "answered")
    ]
    shown = "; ".join(cells[:3]) + (f"; and {len(cells) - 3} more" if len(cells) > 3 else "")
    return [f"{question.text} → {shown}"]


def _applied(scoring: Scoring, floor: Floor, because: list[str]) -> AppliedFloor:
    level = scoring.level(floor.level)
    triggers = f" Triggered by: {'; '.join(because)}." if because else ""
    stop = "Stop. " if floor.stop else ""
    return AppliedFloor(
        id=floor.id,
        level=level.id,
        level_rank=level.rank,
        title=floor.title,
        reason=f"{stop}{floor.reason}{triggers}",
        rationale=floor.reason,
        because=because,
        stop=floor.stop,
        source="answers" if floor.when is not None else "screening",
    )


def screening_floors(
    questionnaire: Questionnaire, facts: RegulatoryFacts | None
) -> list[AppliedFloor]:
    """The floors the regulatory facts alone set (highest first); none without facts. They do
    not depend on the answers, so they also tell whether an approved level still stands after
    the screening changed."""
    scoring = questionnaire.scoring
    if scoring is None:
        return []
    found = [
        _applied(scoring, floor, [])
        for floor in scoring.floors
        if floor.screening is not None and floor.screening.holds(facts)
    ]
    return sorted(found, key=lambda floor: -floor.level_rank)


def _floors(
    questionnaire: Questionnaire, kept: Mapping[str, Any], facts: RegulatoryFacts | None
) -> list[AppliedFloor]:
    """Every floor that holds for the answers that count and the facts, highest first."""
    scoring = questionnaire.scoring
    assert scoring is not None
    found = [
        _applied(scoring, floor, _evidence(questionnaire, floor.when, kept))
        for floor in scoring.floors
        if floor.when is not None and _holds(questionnaire, floor.when, kept, None)
    ]
    found += screening_floors(questionnaire, facts)
    return sorted(found, key=lambda floor: -floor.level_rank)


def score(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    facts: RegulatoryFacts | None = None,
) -> ScoreResult:
    """Impact, mitigation credit, level, floors, breakdowns and triggered risks of one answer set.

    The maximum is fixed over every impact question, hidden ones included, so a level cannot be
    raised or lowered by steering around questions; hidden answers never score. The credit is
    applied to the points; the floors then raise the level (`facts`: the system's regulatory
    screening; None: no screening floor applies).
    """
    if questionnaire.kind != "scored" or questionnaire.scoring is None:
        raise QuestionnaireError(
            f"questionnaire '{questionnaire.id}' is a {questionnaire.kind} questionnaire; "
            "it has no score"
        )
    kept, notes = clean_answers(questionnaire, answers)
    visibility = _visibility(questionnaire, kept)
    totals = {"impact": [0.0, 0.0], "mitigation": [0.0, 0.0]}
    dimensions = {key: {"score": 0.0, "max": 0.0} for key in DIMENSIONS}
    sections: list[dict[str, Any]] = []
    triggered: list[TriggeredRisk] = []
    for section in questionnaire.sections:
        row: dict[str, Any] = {
            "section_id": section.id,
            "title": section.title,
            "questions": 0,
            "score": 0.0,
            "max": 0.0,
            "mitigation_score": 0.0,
            "mitigation_max": 0.0,
        }
        for question in section.questions:
            value = kept.get(question.id)
            if visibility[question.id]:
                triggered += _triggered(questionnaire, question, kept, visibility)
            if not question.scored:
                continue
            gained, most = answer_weight(question, value), max_weight(question)
            totals[question.role][0] += gained
            totals[question.role][1] += most
            if question.role == "impact":
                row["questions"] += 1
                row["score"] += gained
                row["max"] += most
                for dimension, part, part_max in _dimension_parts(question, value):
                    dimensions[dimension]["score"] += part
                    dimensions[dimension]["max"] += part_max
            else:
                row["mitigation_score"] += gained
                row["mitigation_max"] += most
        sections.append({key: _round(v) if isinstance(v, float) else v for key, v in row.items()})
    impact_raw, impact_max = totals["impact"]
    mitigation_score, mitigation_max = totals["mitigation"]
    rule = questionnaire.scoring.mitigation
    credit = bool(
        rule
        and mitigation_max > 0
        and mitigation_score >= rule.threshold_share * mitigation_max - _TOLERANCE
    )
    impact_score = impact_raw * (1 - rule.reduction) if credit and rule else impact_raw
    share = min(1.0, max(0.0, _round(impact_score / impact_max))) if impact_max > 0 else 0.0
    points_level = level_for_share(questionnaire, share)
    floors = _floors(questionnaire, kept, facts)
    level = points_level
    if floors and floors[0].level_rank > points_level.rank:
        level = questionnaire.scoring.level(floors[0].level)
    return ScoreResult(
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        impact_raw=_round(impact_raw),
        impact_score=_round(impact_score),
        impact_max=_round(impact_max),
        mitigation_score=_round(mitigation_score),
        mitigation_max=_round(mitigation_max),
        credit_applied=credit,
        share=share,
        level=level,
        level_rank=level.rank,
        points_level=points_level,
        points_level_rank=points_level.rank,
        floors=floors,
        dimension_scores={
            key: {"score": _round(part["score"]), "max": _round(part["max"])}
            for key, part in dimensions.items()
        },
        section_scores=sections,
        triggered_risks=triggered,
        notes=notes,
    )


# --- Re-assessment and files -------------------------------------------------------------------


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
