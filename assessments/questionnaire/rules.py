"""Rules over answers (`visible_if`, trigger `when`, a floor's `when`) and conditions over the
regulatory facts (a floor's `screening`), as they are written in a questionnaire file.
Evaluating them against answers lives in assessments.questionnaire.visibility."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, Protocol

from pydantic import ConfigDict, Field, model_validator

from assessments.questionnaire.terms import Definition, Identifier, Key
from assessments.screening import RiskClass

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


class Rule(Definition):
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


class RegulatoryFacts(Protocol):
    """What a floor's `screening` condition reads: the facts of a system's current regulatory
    screening (assessments.regulatory.ScreeningFacts has this shape)."""

    @property
    def eu_class(self) -> str | None: ...

    @property
    def fria_required(self) -> bool: ...

    @property
    def colorado_covered(self) -> bool: ...


class FactCondition(Definition):
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
