"""AI system impact assessments: the workflow, staleness and suggested risks, as pure rules.

ISO/IEC 42001 A.5.2-A.5.5 and 8.4 ask for documented impact assessments on individuals, groups
and society, repeated at planned intervals and after significant change. A response answers one
version of a questionnaire (assessments/questionnaire.py) for one AI system and moves through

    draft -> submitted -> approved
                       -> returned -> submitted -> ...

Draft and returned responses take answers; submitted and approved ones are locked. A second
person (not the submitter) approves or returns, and a return always says why. An approved
response goes stale when the system's material fields change after approval or its review date
passes; a re-assessment is a new version, prefilled from the last one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assessments import vocab
from assessments.errors import WorkbenchError
from assessments.inventory import FIELD_LABELS, MATERIAL_FIELDS, AISystem
from assessments.questionnaire import (
    DIMENSIONS,
    AnswerError,
    MissingAnswer,
    Question,
    Questionnaire,
    QuestionnaireError,
    ScoreResult,
    TriggeredRisk,
    default_directory,
    is_visible,
    load_questionnaire,
    validate_answer,
)
from assessments.risks import TEXT_MAX, RiskInput

DEFAULT_QUESTIONNAIRE = "ai_impact_assessment"
REVIEW_DATE_QUESTION = "scope_next_review"
REVIEW_COMMENT_MAX = 2000
ORIGIN_PREFIX = "impact"

STATUSES: dict[str, str] = {
    "draft": "Draft",
    "submitted": "Submitted for approval",
    "approved": "Approved",
    "returned": "Returned for changes",
}
STATUS_COLOURS: dict[str, str] = {
    "draft": "gray",
    "submitted": "blue",
    "approved": "green",
    "returned": "orange",
}
# The views of the impact assessments list, in the order offered (store.impact.assessment_view).
VIEWS: dict[str, str] = {
    "all": "All systems",
    "attention": "Needs attention (stale, returned or never assessed)",
    "stale": "Stale",
    "submitted": "Waiting for approval",
    "returned": "Returned for changes",
    "draft": "Draft in progress",
    "approved": "Approved and current",
    "never": "Never assessed",
}
NEVER_ASSESSED = "Never assessed"
EDITABLE_STATUSES = frozenset({"draft", "returned"})
OPEN_STATUSES = frozenset({"draft", "submitted", "returned"})

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({"draft", "returned"}), "submitted"),
    "approve": (frozenset({"submitted"}), "approved"),
    "return": (frozenset({"submitted"}), "returned"),
}


class WorkflowError(WorkbenchError):
    """A workflow step that is not allowed in the response's current state."""


class MissingAnswersError(WorkbenchError):
    """Submission refused: `missing` lists every required answer still to give, in order."""

    def __init__(self, missing: list[MissingAnswer]) -> None:
        count = len(missing)
        noun = "answer is" if count == 1 else "answers are"
        super().__init__(f"Not submitted: {count} required {noun} missing.")
        self.missing = missing


class ImpactResponse(BaseModel):
    """A stored response: workflow state, who and when, and the score snapshot of its answers."""

    model_config = ConfigDict(extra="ignore")

    id: int
    system_id: int
    questionnaire_id: str
    questionnaire_version: str
    version_no: int
    previous_id: int | None = None
    status: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    returned_by: str | None = None
    returned_at: datetime | None = None
    review_comment: str = ""
    impact_raw: float | None = None
    impact_score: float | None = None
    impact_max: float | None = None
    mitigation_score: float | None = None
    mitigation_max: float | None = None
    credit_applied: bool | None = None
    share: float | None = None
    level: str | None = None
    level_rank: int | None = None
    dimension_scores: dict[str, dict[str, float]] = Field(default_factory=dict)
    answered: int = 0
    shown: int = 0
    review_due: date | None = None

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def title(self) -> str:
        return f"Impact assessment #{self.id} (version {self.version_no})"


# --- Questionnaires ----------------------------------------------------------------------------

_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple[tuple[str, float], ...], dict[str, Questionnaire]]] = {}


def _fingerprint(folder: Path) -> tuple[tuple[str, float], ...]:
    """Names and modification times: a changed questionnaire file is read again."""
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    return tuple((path.name, path.stat().st_mtime) for path in files)


def questionnaires() -> dict[str, Questionnaire]:
    """Every usable questionnaire in the content folder by id, read once per change of the files.

    A broken file is left out rather than taking every assessment down with it;
    `python -m assessments questionnaires check` names its problem.
    """
    folder = default_directory()
    fingerprint = _fingerprint(folder)
    with _cache_lock:
        cached = _cache.get(str(folder))
        if cached and cached[0] == fingerprint:
            return cached[1]
        loaded: dict[str, Questionnaire] = {}
        for name, _ in fingerprint:
            try:
                questionnaire = load_questionnaire(folder / name)
            except QuestionnaireError:
                continue
            loaded.setdefault(questionnaire.id, questionnaire)
        _cache[str(folder)] = (fingerprint, loaded)
        return loaded


def get_questionnaire(questionnaire_id: str = DEFAULT_QUESTIONNAIRE) -> Questionnaire:
    found = questionnaires().get(questionnaire_id)
    if found is None:
        raise QuestionnaireError(
            f"There is no questionnaire '{questionnaire_id}' in {default_directory()}."
        )
    return found


# --- Workflow ----------------------------------------------------------------------------------


def next_status(status: str, action: str) -> str:
    """The status an action leads to, or WorkflowError saying why it is not possible now."""
    if action not in TRANSITIONS:
        raise WorkflowError(f"Unknown workflow step '{action}'.")
    allowed_from, target = TRANSITIONS[action]
    if status not in allowed_from:
        label = STATUSES.get(status, status).lower()
        raise WorkflowError(f"This assessment is {label}; it cannot be {_past(action)} now.")
    return target


def _past(action: str) -> str:
    return {"submit": "submitted", "approve": "approved", "return": "returned"}[action]


def state_text(status: str | None, version_no: int | None, approved_before: bool) -> str:
    """The state of a system's latest assessment in a few words ("Draft (re-assessment, v2)")."""
    if status is None:
        return NEVER_ASSESSED
    text = STATUSES.get(status, status)
    if status != "approved" and approved_before:
        text += f" (re-assessment, v{version_no})"
    return text


def check_editable(status: str) -> None:
    """Answers may change only in a draft or a returned response."""
    if status not in EDITABLE_STATUSES:
        label = STATUSES.get(status, status).lower()
        raise WorkflowError(
            f"This assessment is {label} and locked: answers can no longer change. "
            "Start a re-assessment to record new answers."
        )


def is_submitter(actor: str | None, submitted_by: str | None) -> bool:
    """The same person (names compared without case and surrounding spaces)."""
    return bool(
        actor and submitted_by and actor.strip().casefold() == submitted_by.strip().casefold()
    )


def check_reviewer(actor: str, submitted_by: str | None) -> None:
    """Four eyes: the person who submitted an assessment does not sign it off themselves."""
    if is_submitter(actor, submitted_by):
        raise WorkflowError(
            f"{submitted_by} submitted this assessment; someone else must approve or return it."
        )


def clean_comment(action: str, comment: str | None) -> str:
    """The reviewer's comment: required when returning, limited in length."""
    text = (comment or "").strip()
    if action == "return" and not text:
        raise WorkflowError("Say what needs to change: a return needs a comment for the author.")
    if len(text) > REVIEW_COMMENT_MAX:
        raise WorkflowError(
            f"The comment is {len(text)} characters; the limit is {REVIEW_COMMENT_MAX}."
        )
    return text


def prepare_answer(
    questionnaire: Questionnaire,
    current: Mapping[str, Any],
    question_id: str,
    value: Any,
) -> Any:
    """The answer in normal form (None clears it), or AnswerError with the message to show.

    An answer to an unknown question, or to one the earlier answers hide, is refused: it would
    never count, and keeping it would surprise the person later.
    """
    question = questionnaire.find(question_id)
    if question is None:
        raise AnswerError(question_id, "there is no such question in this questionnaire")
    normalised = validate_answer(question, value)
    if not is_visible(questionnaire, question_id, current):
        raise AnswerError(
            question_id,
            "this question does not apply given the earlier answers; the answer was not saved",
        )
    return normalised


def review_due_from(answers: Mapping[str, Any]) -> date | None:
    """The assessment's own next-review date, when the answers give one."""
    value = answers.get(REVIEW_DATE_QUESTION)
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, date) else None


# --- Staleness ---------------------------------------------------------------------------------


def stale_reasons(
    *,
    approved_at: datetime | None,
    material_change_at: datetime | None,
    review_due: date | None,
    system_next_review: date | None,
    today: date,
) -> list[str]:
    """Why an approved assessment no longer describes the system (empty: it still does).

    Material change: a field of MATERIAL_FIELDS changed after approval. Review date: the
    assessment's own review date has passed, or the system's next review fell due after the
    approval and has passed (an approval given after that date is itself the review).
    """
    if approved_at is None:
        return []
    reasons: list[str] = []
    if material_change_at is not None and material_change_at > approved_at:
        reasons.append(f"material change on {material_change_at:%Y-%m-%d}")
    if review_due is not None and review_due < today:
        reasons.append(f"review date {review_due:%Y-%m-%d} passed")
    elif system_next_review is not None and approved_at.date() < system_next_review < today:
        reasons.append(f"the system's review date {system_next_review:%Y-%m-%d} passed")
    return reasons


def material_field_labels(fields: list[str]) -> list[str]:
    return [FIELD_LABELS.get(name, name) for name in fields if name in MATERIAL_FIELDS]


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


# --- What the inventory record already says --------------------------------------------------


@dataclass(frozen=True)
class InventoryMirror:
    """A question that asks again what the AI system's inventory record already holds.

    `prefill`: a context question filled from the record when an assessment starts (only where
    it has no answer yet); impact questions are never prefilled, since they carry the score and
    deserve a deliberate answer. `to_record` turns an answer into the record's value for the
    comparison when the two are not the same keys (None: they are).
    """

    question_id: str
    field: str
    prefill: bool = False
    to_record: Callable[[Any], Any] | None = None

    @property
    def compared(self) -> bool:
        """Free text is never compared: the same purpose can be worded in many ways."""
        return self.field != "purpose"


def _has_special_kind(answer: Any) -> bool:
    return any(kind != "none" for kind in answer or [])


# question id -> inventory field; the choice values of these questions are the inventory's keys.
INVENTORY_MIRRORS: tuple[InventoryMirror, ...] = (
    InventoryMirror("scope_lifecycle_stage", "lifecycle_stage", prefill=True),
    InventoryMirror("scope_org_role", "roles", prefill=True),
    InventoryMirror("system_purpose", "purpose", prefill=True),
    InventoryMirror("system_technique", "ai_technique", prefill=True),
    InventoryMirror("system_autonomy", "autonomy"),
    InventoryMirror("data_personal", "personal_data"),
    InventoryMirror("data_special", "special_category_data", to_record=_has_special_kind),
    InventoryMirror("deploy_setting", "deployment_context"),
)
_RECORD_VOCABULARIES: dict[str, Mapping[Any, str]] = {
    "lifecycle_stage": vocab.LIFECYCLE_STAGES,
    "roles": vocab.ROLES,
    "ai_technique": vocab.AI_TECHNIQUES,
    "autonomy": vocab.AUTONOMY,
    "personal_data": vocab.PERSONAL_DATA,
    "special_category_data": vocab.PERSONAL_DATA,
    "deployment_context": vocab.DEPLOYMENT_CONTEXTS,
}


def inventory_mirror(question_id: str) -> InventoryMirror | None:
    return next((item for item in INVENTORY_MIRRORS if item.question_id == question_id), None)


def record_text(mirror: InventoryMirror, system: AISystem) -> str:
    """The inventory's value for a mirrored question, as the inventory page shows it."""
    value = getattr(system, mirror.field)
    labels = _RECORD_VOCABULARIES.get(mirror.field)
    if labels is None:
        return str(value)
    if isinstance(value, list):
        return "; ".join(vocab.label(dict(labels), item) for item in value)
    return vocab.label(dict(labels), value)


def inventory_prefill(questionnaire: Questionnaire, system: AISystem) -> dict[str, Any]:
    """The answers a new assessment starts with: the context questions the inventory record
    already answers, in normal form. A value the questionnaire does not accept (an
    organisation's own version of it, say) is left for the person to answer."""
    prefilled: dict[str, Any] = {}
    for mirror in INVENTORY_MIRRORS:
        question = questionnaire.find(mirror.question_id)
        if not mirror.prefill or question is None:
            continue
        try:
            value = validate_answer(question, getattr(system, mirror.field))
        except AnswerError:
            continue
        if value is not None:
            prefilled[question.id] = value
    return prefilled


@dataclass(frozen=True)
class InventoryConflict:
    """An answer that says something else than the AI system's inventory record."""

    question_id: str
    question_text: str
    field_label: str
    answer_text: str
    record_text: str

    @property
    def difference(self) -> str:
        """Said beside the question itself."""
        return (
            f'This answer is "{self.answer_text}", but the inventory record says '
            f'{self.field_label}: "{self.record_text}". Correct whichever is wrong: this answer, '
            "or the AI system's record in the inventory."
        )

    @property
    def message(self) -> str:
        """Said anywhere else (the result page, the PDF): names the question."""
        return (
            f'"{self.question_text}" is answered "{self.answer_text}", but the inventory record '
            f'says {self.field_label}: "{self.record_text}".'
        )


def _disagrees(mirror: InventoryMirror, answer: Any, system: AISystem) -> bool:
    recorded = getattr(system, mirror.field)
    if mirror.to_record is not None:
        return mirror.to_record(answer) != recorded
    if isinstance(answer, list):
        return set(answer) != set(recorded or [])
    return answer != recorded


def inventory_conflicts(
    questionnaire: Questionnaire, answers: Mapping[str, Any], system: AISystem
) -> list[InventoryConflict]:
    """Every answer (of those that count) that contradicts the inventory record, in
    questionnaire order; the person decides which of the two is right."""
    found: list[InventoryConflict] = []
    for question in questionnaire.questions:
        mirror = inventory_mirror(question.id)
        answer = answers.get(question.id)
        if mirror is None or not mirror.compared or answer is None:
            continue
        if _disagrees(mirror, answer, system):
            found.append(
                InventoryConflict(
                    question_id=question.id,
                    question_text=question.text,
                    field_label=FIELD_LABELS.get(mirror.field, mirror.field),
                    answer_text=describe_answer(question, answer),
                    record_text=record_text(mirror, system),
                )
            )
    return found


def points(value: float | None) -> str:
    """A score as people read it: at most two decimals, no trailing zeros."""
    return "—" if value is None else f"{round(float(value), 2):g}"


def dimension_shares(result: ScoreResult | Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Share of the maximum (0-100) per dimension that can score, labelled for charts."""
    scores = result.dimension_scores if isinstance(result, ScoreResult) else result
    shares: dict[str, float] = {}
    for key, label in DIMENSIONS.items():
        part = scores.get(key) or {}
        most = float(part.get("max") or 0)
        if most > 0:
            shares[label] = round(100 * float(part.get("score") or 0) / most, 1)
    return shares


# --- Suggested risks ---------------------------------------------------------------------------

_ORIGIN = re.compile(rf"^{ORIGIN_PREFIX}:(\d+):([a-z][a-z0-9_]*)(?::(\d+))?$")


@dataclass(frozen=True)
class Suggestion:
    """A risk an answer suggests, with where it came from (the origin stored on the risk)."""

    question_id: str
    trigger_index: int
    risk: TriggeredRisk

    def origin(self, response_id: int) -> str:
        return origin_for(response_id, self.question_id, self.trigger_index)


def origin_for(response_id: int, question_id: str, trigger_index: int = 0) -> str:
    """`impact:<response>:<question>`; a question's second and later triggers add `:<n>`."""
    base = f"{ORIGIN_PREFIX}:{response_id}:{question_id}"
    return base if trigger_index == 0 else f"{base}:{trigger_index}"


def parse_origin(origin: str) -> tuple[int, str, int] | None:
    """(response id, question id, trigger index) of a risk raised by an impact answer."""
    match = _ORIGIN.match(origin or "")
    if not match:
        return None
    return int(match.group(1)), match.group(2), int(match.group(3) or 0)


def suggestions(questionnaire: Questionnaire, result: ScoreResult) -> list[Suggestion]:
    """The triggered risks of a score, each with the position of its trigger in its question."""
    found: list[Suggestion] = []
    for risk in result.triggered_risks:
        question = questionnaire.question(risk.question_id)
        index = next(
            (
                position
                for position, trigger in enumerate(question.triggers)
                if trigger.risk.title == risk.title
            ),
            0,
        )
        found.append(Suggestion(risk.question_id, index, risk))
    return found


def risk_input_for(
    suggestion: Suggestion,
    response_id: int,
    questionnaire: Questionnaire,
    system: AISystem,
) -> RiskInput:
    """The register entry for a suggestion: the system's owner and stage, linked to the answer."""
    question = questionnaire.question(suggestion.question_id)
    note = f'Raised by the answer to "{question.text}" in impact assessment #{response_id}.'
    description = f"{suggestion.risk.description}\n\n{note}"[:TEXT_MAX]
    return RiskInput(
        system_id=system.id,
        title=suggestion.risk.title,
        description=description,
        harm_category=suggestion.risk.harm_category,
        risk_source=suggestion.risk.risk_source,
        affected_parties=suggestion.risk.affected_parties,
        lifecycle_stage=system.lifecycle_stage,
        owner=system.owner,
        origin=suggestion.origin(response_id),
    )


@dataclass(frozen=True)
class ImpactReport:
    """Everything a report of one response shows, gathered once (store.impact.report_data)."""

    system: AISystem
    response: ImpactResponse
    questionnaire: Questionnaire
    answers: dict[str, Any]
    result: ScoreResult
    stale_reasons: list[str]
    previous: ImpactResponse | None
    generated_at: datetime

    @property
    def inventory_conflicts(self) -> list[InventoryConflict]:
        """Answers that contradict the system's inventory record as it is now."""
        return inventory_conflicts(self.questionnaire, self.answers, self.system)

    @property
    def version_note(self) -> str:
        """Said when the questionnaire file changed version since this response was answered:
        the result is shown with today's questions and weights."""
        answered, current = self.response.questionnaire_version, self.questionnaire.version
        if answered == current:
            return ""
        return (
            f"Answered on questionnaire version {answered}; shown with version {current}. "
            f"The level recorded at submission was {self.response.level or 'not recorded'}."
        )
