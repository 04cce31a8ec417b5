"""Regulatory screening as the workbench runs it: questionnaire in, outcome and checklist out.

`assessments.screening` (EU AI Act) and `assessments.colorado` (Colorado's ADMT law, SB 26-189)
hold the decision procedures and their reference data. This module joins them to the
questionnaire engine: it loads the screening
questionnaire (filling its examples from the reference data, the one place they live), turns the
answers collected by the engine into the procedures' inputs, and describes the outcome a system
record keeps: the EU result, the Colorado result, the suggested Annex A controls and the checklist
of obligations. No database and no UI here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assessments.colorado import (
    COLORADO_AREAS,
    COLORADO_QUESTION_KEYS,
    COLORADO_YES_NO_KEYS,
    LEGACY_DATA_VERSIONS,
    LEGACY_REGIME,
    REGIME,
    ColoradoResult,
    colorado_file,
    load_colorado_reference,
    parse_colorado_answers,
    screen_colorado,
    upgrade_keys,
    uses_old_keys,
    without_retired_areas,
)
from assessments.errors import FieldErrors
from assessments.inventory import FIELD_LABELS, SCREENING_FIELDS
from assessments.questionnaire.answers import validate_answer
from assessments.questionnaire.errors import AnswerError, QuestionnaireError
from assessments.questionnaire.loading import default_directory, parse_questionnaire
from assessments.questionnaire.model import Questionnaire
from assessments.questionnaire.visibility import clean_answers, missing_required, visible_questions
from assessments.screening import (
    ANSWER_KEYS,
    MULTI_SELECT_OPTIONS,
    YES_NO_KEYS,
    EuAiActResult,
    Obligation,
    RiskClass,
    load_eu_ai_act_reference,
    needs_impact_assessment,
    parse_answers,
    screen_eu_ai_act,
    suggested_controls,
)
from assessments.yaml_io import safe_load

QUESTIONNAIRE_FILE = "eu_ai_act_screening.yaml"
QUESTIONNAIRE_ID = "eu_ai_act_screening"
# The Colorado part of the questionnaire (SB 26-189): a small answer set of its own, split off
# before the EU procedure runs (its answer file format knows only ANSWER_KEYS). Answers saved
# under the SB 24-205 keys are renamed first (`current_answers`).
COLORADO_KEYS: tuple[str, ...] = COLORADO_QUESTION_KEYS
# Inventory fields whose change after a screening makes it stale: those the model declares
# `material_for_screening` (purpose, technique, context). Narrower than inventory.MATERIAL_FIELDS
# on purpose: an owner or a stakeholder list does not move a system between classes.
STALE_FIELDS: tuple[str, ...] = SCREENING_FIELDS

CLASS_ORDER: tuple[RiskClass, ...] = (
    "prohibited",
    "high_risk",
    "limited_risk",
    "minimal_risk",
    "out_of_scope",
)
# Badge colours, the same everywhere; always shown with the label, never colour alone.
CLASS_COLOURS: dict[str, str] = {
    "prohibited": "red",
    "high_risk": "orange",
    "limited_risk": "blue",
    "minimal_risk": "green",
    "out_of_scope": "gray",
}
NOT_SCREENED = "not_screened"
NOT_SCREENED_LABEL = "Not screened"

ObligationStatus = Literal["to_do", "in_progress", "done", "not_applicable"]
OBLIGATION_STATUSES: dict[str, str] = {
    "to_do": "To do",
    "in_progress": "In progress",
    "done": "Done",
    "not_applicable": "Not applicable",
}
# Statuses that close a checklist item (counted as done in the overview and on the checklist).
CLOSED_STATUSES: tuple[str, ...] = ("done", "not_applicable")
NOTE_MAX = 2000
OWNER_MAX = 120
EVIDENCE_MAX = 2000
COLORADO_PREFIX = "colorado:"


def class_labels() -> dict[str, str]:
    """Class key -> label from the reference data, in CLASS_ORDER."""
    classes = load_eu_ai_act_reference().classes
    return {key: classes[key].label for key in CLASS_ORDER}


def class_label(risk_class: str | None) -> str:
    if not risk_class or risk_class == NOT_SCREENED:
        return NOT_SCREENED_LABEL
    return class_labels().get(risk_class, risk_class)


def class_filter_options() -> dict[str, str]:
    """What a filter by EU AI Act class offers, in order: every class (CLASS_ORDER), then
    NOT_SCREENED for systems never screened; key -> label. Every page filtering by class
    uses this, so they all offer the same choices in the same order."""
    return {**class_labels(), NOT_SCREENED: NOT_SCREENED_LABEL}


# --- the questionnaire ---------------------------------------------------------------------------


def screening_questionnaire_file() -> Path:
    return default_directory() / QUESTIONNAIRE_FILE


def screening_questionnaire(path: str | Path | None = None) -> Questionnaire:
    """The screening questionnaire, checked against the procedure, with its examples filled in.

    Cached per version of the questionnaire and of the two reference files.
    """
    file_path = Path(path) if path else screening_questionnaire_file()
    from assessments.screening import eu_ai_act_file

    stamps = tuple(p.stat().st_mtime_ns for p in (file_path, eu_ai_act_file(), colorado_file()))
    return _screening_questionnaire(file_path, stamps)


@cache
def _screening_questionnaire(path: Path, _stamps: tuple[int, ...]) -> Questionnaire:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise QuestionnaireError(f"{path}: cannot read the file ({error})") from error
    checked = parse_questionnaire(text, source=str(path))
    _check_against_procedure(checked, str(path))
    raw = safe_load(text)
    eu = load_eu_ai_act_reference()
    colorado = load_colorado_reference()
    for section in raw["sections"]:
        for question in section["questions"]:
            for choice in question.get("choices", []):
                if "example" in choice:
                    raise QuestionnaireError(
                        f"{path}: question '{question['id']}', choice '{choice['value']}': "
                        "examples live in data/regulation/; remove 'example' here"
                    )
                examples = _examples(question["id"], choice["value"], eu, colorado)
                if examples:
                    choice["example"] = "For example: " + " · ".join(examples)
    return Questionnaire.model_validate(raw)


def _examples(question_id: str, value: str, eu: Any, colorado: Any) -> list[str]:
    if question_id == "consequential_decision_areas":
        return list(colorado.areas[value].examples)
    question = eu.questions.get(question_id)
    if question is None or value not in question.options:
        return []
    return [example.rstrip(".") for example in question.options[value].examples]


def _check_against_procedure(questionnaire: Questionnaire, source: str) -> None:
    """Refuse a questionnaire whose ids or values drifted from the procedure's stable keys."""
    problems: list[str] = []
    if questionnaire.kind != "decision":
        problems.append("kind must be 'decision'")
    ids = [question.id for question in questionnaire.questions]
    expected = [*ANSWER_KEYS, *COLORADO_KEYS]
    if sorted(ids) != sorted(expected):
        problems.append(f"question ids must be exactly {', '.join(expected)}")
    option_sets: dict[str, tuple[str, ...]] = {
        **MULTI_SELECT_OPTIONS,
        "consequential_decision_areas": COLORADO_AREAS,
    }
    yes_no = {*YES_NO_KEYS, *COLORADO_YES_NO_KEYS}
    for question in questionnaire.questions:
        if question.id in yes_no and question.type != "yes_no":
            problems.append(f"'{question.id}' must be a yes_no question")
        if question.id in option_sets:
            values = tuple(choice.value for choice in question.choices)
            if question.type != "multiple_choice" or set(values) != set(option_sets[question.id]):
                problems.append(
                    f"'{question.id}' must be a multiple_choice with the values "
                    f"{', '.join(option_sets[question.id])}"
                )
    if problems:
        raise QuestionnaireError(f"{source}: " + "; ".join(problems))


# --- answers -------------------------------------------------------------------------------------


class SplitAnswers(BaseModel):
    """The engine's answers cut into the two procedures' inputs."""

    model_config = ConfigDict(frozen=True)

    kept: dict[str, Any]
    eu: dict[str, Any]
    colorado: dict[str, Any]
    not_asked: list[str]


def split_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> SplitAnswers:
    """The answers that count, split into EU and Colorado parts.

    A multiple choice the person saw and left empty means "none of these" (an explicit empty
    list for the procedure); a question the questionnaire hid was not asked, because earlier
    answers made it irrelevant.
    """
    kept, _ = clean_answers(questionnaire, answers)
    shown = {question.id: question for question in visible_questions(questionnaire, kept)}
    eu: dict[str, Any] = {}
    for key in ANSWER_KEYS:
        if key in kept:
            eu[key] = kept[key]
        elif key in shown and shown[key].type == "multiple_choice":
            eu[key] = []
    colorado = {key: kept[key] for key in COLORADO_KEYS if key in kept}
    if "consequential_decision_areas" in shown and "consequential_decision_areas" not in kept:
        colorado["consequential_decision_areas"] = []
    not_asked = [key for key in ANSWER_KEYS if key not in shown]
    return SplitAnswers(kept=kept, eu=eu, colorado=colorado, not_asked=not_asked)


def answer_problems(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, str]:
    """Question id -> message, for every invalid answer and every required visible question left
    unanswered; empty when the answers can be screened."""
    problems: dict[str, str] = {}
    for question_id, value in answers.items():
        question = questionnaire.find(question_id)
        if question is None:
            problems[question_id] = "not a question of this screening"
            continue
        try:
            validate_answer(question, value)
        except AnswerError as error:
            problems[question_id] = error.message
    for missing in missing_required(questionnaire, answers):
        problems.setdefault(missing.question_id, "please answer this question")
    return problems


# --- the outcome ---------------------------------------------------------------------------------


class ScreeningOutcome(BaseModel):
    """Everything one screening decides, as stored with it and shown on its page."""

    model_config = ConfigDict(frozen=True, serialize_by_alias=True)

    questionnaire_id: str
    questionnaire_version: str
    eu: EuAiActResult
    colorado: ColoradoResult | None = None
    suggested_controls: list[str] = Field(default_factory=list)
    impact_assessment_suggested: bool = False
    checklist: list[Obligation] = Field(default_factory=list)
    # The law data versions this outcome was worked out under (law_version_text); empty for
    # screenings made before they were recorded, which counts as version 1 of each.
    law_version: str = ""

    @property
    def risk_class(self) -> RiskClass:
        return self.eu.risk_class

    @property
    def obligation_ids(self) -> list[str]:
        return [item.id for item in self.checklist]

    @model_validator(mode="before")
    @classmethod
    def _upgrade_sb24_205_checklist(cls, data: Any) -> Any:
        """Checklist items of screenings saved under SB 24-205 carry the regime "Colorado AI
        Act": name them as the repealed law's, so they never pass for SB 26-189 duties."""
        if not isinstance(data, Mapping) or not isinstance(data.get("checklist"), list):
            return data
        checklist = [
            {**item, "regime": LEGACY_REGIME}
            if isinstance(item, Mapping) and item.get("regime") == "Colorado AI Act"
            else item
            for item in data["checklist"]
        ]
        return {**data, "checklist": checklist}

    @property
    def colorado_covered(self) -> bool:
        """Whether Colorado's ADMT law (SB 26-189) covers the system, so its duties apply. A
        screening saved under the repealed SB 24-205 says nothing about the law in force."""
        return self.colorado is not None and self.colorado.covered and not self.colorado.legacy


class ScreeningFacts(BaseModel):
    """The few results of a system's current screening that other rules depend on: the EU AI
    Act class, whether a fundamental rights impact assessment is due, and whether the Colorado
    law covers the system. The impact level's floors read these (from the store, or from the
    command line's flags)."""

    model_config = ConfigDict(frozen=True)

    eu_class: RiskClass | None = None
    fria_required: bool = False
    colorado_covered: bool = False


def _checklist(eu: EuAiActResult, colorado: ColoradoResult | None) -> list[Obligation]:
    """The EU obligations, then the Colorado ones when the law covers the system (each
    `colorado:<id>`, its section as the article)."""
    items = list(eu.obligations)
    if colorado is None or not colorado.covered:
        return items
    set_by = load_colorado_reference().set_by
    items += [
        Obligation(
            id=f"{COLORADO_PREFIX}{item.id}",
            regime=REGIME,
            article=item.section,
            title=item.title,
            summary=item.summary,
            applies_from=item.applies_from,
            roles=list(item.roles),
            source=item.source,
            last_checked=item.last_checked,
            frequency=item.frequency,
            date_set_by=set_by,
        )
        for item in colorado.obligations
    ]
    return items


def current_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers as today's questionnaire asks them: SB 24-205 keys of older screenings renamed to
    the SB 26-189 ones, and area values the law no longer lists left out (the result explains
    them). For forms filled from a stored screening, and for storing answers."""
    upgraded, _ = without_retired_areas(upgrade_keys(answers))
    return upgraded


def _screen_colorado(
    split: SplitAnswers, retired_areas: list[str], old_keys: bool
) -> ColoradoResult | None:
    """The Colorado result, or None when the Colorado questions were not asked (not an AI
    system). Retired areas and old keys go in too, so the result can say what became of them."""
    if "colorado_consumers" not in split.colorado:
        return None
    given = dict(split.colorado)
    if retired_areas:
        given["consequential_decision_areas"] = [
            *given.get("consequential_decision_areas", []),
            *retired_areas,
        ]
    parsed = parse_colorado_answers({**given, "roles": split.eu.get("roles") or []})
    if old_keys:
        parsed = parsed.model_copy(update={"old_keys_used": True})
    return screen_colorado(parsed)


def evaluate(
    answers: Mapping[str, Any], questionnaire: Questionnaire | None = None
) -> ScreeningOutcome:
    """Screen one system from the questionnaire's answers.

    Raises FieldErrors (question id -> message) when an answer is invalid or a required question
    that is shown is unanswered, so a form can show each message beside its question. Answers
    under the SB 24-205 keys are read as their SB 26-189 questions (`current_answers`).
    """
    questionnaire = questionnaire or screening_questionnaire()
    old_keys = uses_old_keys(answers)
    answers, retired_areas = without_retired_areas(upgrade_keys(answers))
    problems = answer_problems(questionnaire, answers)
    if problems:
        raise FieldErrors(problems)
    split = split_answers(questionnaire, answers)
    eu = screen_eu_ai_act(parse_answers(split.eu), not_asked=split.not_asked)
    colorado = _screen_colorado(split, retired_areas, old_keys)
    return ScreeningOutcome(
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        eu=eu,
        colorado=colorado,
        suggested_controls=suggested_controls(eu),
        impact_assessment_suggested=needs_impact_assessment(eu),
        checklist=_checklist(eu, colorado),
        law_version=law_version_text(current_law_versions()),
    )


def outcome_from_json(data: Mapping[str, Any]) -> ScreeningOutcome:
    return ScreeningOutcome.model_validate(data)


def current_law_versions() -> dict[str, int]:
    """The version of each law's data file that a screening made now is made under."""
    return {
        "eu_ai_act": load_eu_ai_act_reference().version,
        "colorado": load_colorado_reference().version,
    }


def law_version_text(versions: Mapping[str, int]) -> str:
    """The versions as stored with a screening and compared in SQL ('colorado=2;eu_ai_act=2')."""
    return ";".join(f"{key}={versions[key]}" for key in sorted(versions))


def _law_versions_from_text(text: str | None) -> dict[str, int]:
    pairs = (item.partition("=") for item in (text or "").split(";") if item)
    return {key: int(value) for key, _, value in pairs if value.isdigit()}


def law_version_of(law_version: str | None, key: str) -> int:
    """The version of one law's data a screening was made under (never recorded: 1)."""
    return _law_versions_from_text(law_version).get(key, 1)


def law_outdated(law_version: str | None, key: str) -> bool:
    """Whether one law's data changed since a screening made under `law_version`."""
    return law_version_of(law_version, key) != current_law_versions()[key]


def colorado_verdict_repealed(law_version: str | None) -> bool:
    """Whether a screening's Colorado verdict was reached under the repealed SB 24-205."""
    return law_version_of(law_version, "colorado") in LEGACY_DATA_VERSIONS


def law_changes(law_version: str | None) -> list[str]:
    """What changed in the law data since a screening was made, one phrase per law; empty when
    it was made under today's data."""
    eu = load_eu_ai_act_reference()
    colorado = load_colorado_reference()
    notes = {
        "eu_ai_act": f"EU AI Act: {eu.version_note or eu.title}",
        "colorado": f"Colorado: {colorado.version_note or colorado.title}",
    }
    return [notes[key] for key in ("eu_ai_act", "colorado") if law_outdated(law_version, key)]


def is_stale(screened_at: datetime, changed_at: datetime | None) -> bool:
    """The inventory side of staleness: purpose, context or technique changed after the
    screening was made (the law side is `law_changes`)."""
    return changed_at is not None and changed_at > screened_at


def stale_reasons(
    screened_at: datetime, changed_at: datetime | None, law_version: str | None
) -> list[str]:
    """Why a screening no longer holds, in words: the system changed, or the law changed since.
    A screening made before law versions were recorded was made under version 1 of each."""
    reasons: list[str] = []
    if is_stale(screened_at, changed_at):
        assert changed_at is not None
        fields = ", ".join(FIELD_LABELS[name] for name in STALE_FIELDS)
        reasons.append(
            f"the system's inventory record changed on {changed_at:%Y-%m-%d %H:%M} UTC, after "
            f"this screening (one of: {fields})"
        )
    changes = law_changes(law_version)
    if changes:
        reasons.append("the law changed since this screening (" + "; ".join(changes) + ")")
    return reasons


# --- the checklist -------------------------------------------------------------------------------


def obligation_date_text(item: Obligation) -> str:
    """When a duty applies, which act set that date and what it replaced, in one line."""
    text = f"Applies from {item.applies_from}"
    if item.date_set_by:
        text += f" (date set by the {item.date_set_by}"
        text += f"; it was {item.replaced_date})" if item.replaced_date else ")"
    text += f". Source: {item.source}, last checked {item.last_checked}."
    return text + (f" {item.condition}" if item.condition else "")


@dataclass(frozen=True)
class ChecklistProgress:
    """How far a checklist is: items closed (done or set aside) of all items."""

    closed: int
    total: int

    @property
    def share(self) -> float:
        """Closed items as a share of all, 0.0 to 1.0 (0.0 for an empty checklist)."""
        return self.closed / self.total if self.total else 0.0


def checklist_progress(statuses: Iterable[str]) -> ChecklistProgress:
    """The progress of a checklist from its items' current statuses (see CLOSED_STATUSES)."""
    listed = list(statuses)
    return ChecklistProgress(
        closed=sum(status in CLOSED_STATUSES for status in listed), total=len(listed)
    )


class ObligationUpdate(BaseModel):
    """A change to one checklist item, as a person or a file gives it."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    status: ObligationStatus
    owner: str = Field(default="", max_length=OWNER_MAX)
    evidence: str = Field(default="", max_length=EVIDENCE_MAX)

    @model_validator(mode="after")
    def _done_has_evidence(self) -> ObligationUpdate:
        """An auditor asks "how do you know?": a duty is only done with evidence named."""
        if self.status == "done" and not self.evidence:
            raise ValueError(
                "evidence: name the evidence (a document, a link or a reference) before marking "
                "it done"
            )
        return self


def screening_note(note: str | None) -> str:
    """The screener's note, trimmed; too long is refused beside the note field."""
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise FieldErrors({"note": f"at most {NOTE_MAX} characters, please"})
    return text
