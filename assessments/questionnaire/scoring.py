"""The outcome of one answer set: impact and mitigation points, the credit, the level the share
gives, the floors that raise it, breakdowns by dimension and section, and the risks the
answers suggest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assessments.questionnaire.answers import describe_answer
from assessments.questionnaire.errors import QuestionnaireError
from assessments.questionnaire.model import Level
from assessments.questionnaire.terms import DIMENSIONS, TOLERANCE
from assessments.questionnaire.visibility import clean_answers, rule_holds, visibility_of
from assessments.questionnaire.weights import answer_weight, dimension_parts, max_weight

if TYPE_CHECKING:
    from assessments.questionnaire.model import Floor, Question, Questionnaire, Scoring
    from assessments.questionnaire.rules import RegulatoryFacts, Rule


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
        if share <= level.max_share + TOLERANCE:
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
        if rule_holds(questionnaire, trigger.when, kept, question.id):
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
            if rule_holds(questionnaire, child, answers, None)
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
        if floor.when is not None and rule_holds(questionnaire, floor.when, kept, None)
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
    visibility = visibility_of(questionnaire, kept)
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
                for dimension, part, part_max in dimension_parts(question, value):
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
        and mitigation_score >= rule.threshold_share * mitigation_max - TOLERANCE
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
