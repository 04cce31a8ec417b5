"""A questionnaire's content: sections, questions, choices, grids, triggers, levels and floors,
checked as a whole when loaded (unknown keys, duplicate ids, rules that only look back,
weights that fit each type). Never mutated once loaded."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import (
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from assessments.questionnaire.answers import rule_operand
from assessments.questionnaire.errors import AnswerError, definition_error
from assessments.questionnaire.rules import FactCondition, Rule
from assessments.questionnaire.terms import (
    CHOICE_TYPES,
    DEFAULT_MAX_LENGTH,
    DEFAULT_SCALE,
    NUMERIC_TYPES,
    SCORABLE_TYPES,
    Definition,
    Dimension,
    Identifier,
    Key,
    Kind,
    QuestionType,
    Role,
    Text,
    Weight,
    on_step,
)
from assessments.questionnaire.weights import max_weight
from assessments.text import echo


class Choice(Definition):
    value: Key
    label: Text
    weight: Weight = 0.0
    example: str | None = None
    exclusive: bool = Field(
        default=False, description="Cannot be combined with other choices (e.g. 'none of these')."
    )


class GridRow(Definition):
    key: Key
    label: Text
    description: str | None = None


class GridColumn(Definition):
    key: Key
    label: Text
    description: str | None = None
    dimensions: list[Dimension] = Field(default_factory=list)
    replaces: list[Key] = Field(
        default_factory=list,
        description="Keys this column had in earlier versions: a rating stored under one of "
        "them counts for this column (two columns may take over the same old key).",
    )


class RiskTemplate(Definition):
    """A candidate risk for the register; keys follow data/taxonomy.yaml (owned by the taxonomy)."""

    title: Text
    description: Text
    harm_category: Key
    risk_source: Key
    affected_parties: list[Key] = Field(min_length=1)
    likelihood: int = Field(ge=1, le=5)
    severity: int = Field(ge=1, le=5)


class Trigger(Definition):
    """An answer that suggests a risk for the register, with a default rating."""

    when: Rule
    risk: RiskTemplate


class Level(Definition):
    id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    rank: int = Field(ge=1)
    title: Text
    max_share: float = Field(gt=0, le=1)
    summary: Text
    requires: list[Text] = Field(min_length=1)


class MitigationRule(Definition):
    """When mitigation reaches `threshold_share` of its maximum, impact drops by `reduction`."""

    threshold_share: float = Field(gt=0, le=1)
    reduction: float = Field(ge=0, lt=1)


class Floor(Definition):
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


class Scoring(Definition):
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
                raise definition_error(
                    f"floor id '{floor.id}' is used twice", field=f"floors[{position}].id"
                )
            seen.add(floor.id)
            if floor.level not in ids:
                raise definition_error(
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
                raise definition_error(f"level id '{level.id}' is used twice", field=f"{field}.id")
            seen_ids.add(level.id)
            if level.rank != position + 1:
                raise definition_error(
                    f"levels must be ranked 1, 2, 3... in order; expected {position + 1}",
                    field=f"{field}.rank",
                )
            if level.max_share <= previous_share:
                raise definition_error(
                    "max_share must rise from one level to the next", field=f"{field}.max_share"
                )
            previous_share = level.max_share
        if not math.isclose(self.levels[-1].max_share, 1.0):
            raise definition_error(
                "the last level must have max_share 1.0 so every score has a level",
                field=f"levels[{len(self.levels) - 1}].max_share",
            )
        return self


class Question(Definition):
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
            raise definition_error(message, field=problem_field)
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
        elif kind == "scale" and not on_step(question.max, question.min, question.step):
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


class Section(Definition):
    id: Identifier
    title: Text
    description: str = ""
    questions: list[Question] = Field(min_length=1)


class Questionnaire(Definition):
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
                raise definition_error("section id is used twice", field="id", section=section.id)
            section_ids.add(section.id)
            for question in section.questions:
                if question.id in self._questions:
                    first = self._sections_by_question[question.id].id
                    raise definition_error(
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
                    raise definition_error(
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
                raise definition_error(
                    "a decision questionnaire is evaluated in code, not scored; remove scoring",
                    field="scoring",
                )
            return
        if self.scoring is None:
            raise definition_error("a scored questionnaire needs a scoring block", field="scoring")
        if not any(q.role == "impact" for q in self.questions):
            raise definition_error(
                "a scored questionnaire needs at least one impact question", field="scoring"
            )
        if self.scoring.mitigation and not any(q.role == "mitigation" for q in self.questions):
            raise definition_error(
                "mitigation credit is declared but no question has role mitigation",
                field="scoring.mitigation",
            )
        for position, floor in enumerate(self.scoring.floors):
            if floor.when is None:
                continue
            for path, leaf in floor.when.leaves(f"scoring.floors[{position}].when"):
                problem = self._floor_leaf_problem(leaf)
                if problem:
                    raise definition_error(problem, field=path)

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
            rule_operand(target, operator, operand)
        except AnswerError as error:
            return f"'{operator}' value {echo(operand)} is not a possible answer: {error.message}"
    return None
