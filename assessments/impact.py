"""AI system impact assessments: the workflow, staleness and suggested risks, as pure rules.

ISO/IEC 42001 A.5.2-A.5.5 and 8.4 ask for documented impact assessments on individuals, groups
and society, repeated at planned intervals and after significant change. A response answers one
version of a questionnaire (assessments/questionnaire/) for one AI system and moves through

    draft -> submitted -> approved
                       -> returned -> submitted -> ...

Draft and returned responses take answers; submitted and approved ones are locked. A second
person (not the submitter) approves or returns, and a return always says why. An approved
response goes stale when the system's material fields change after approval, its review date
passes, or the system's regulatory screening now sets a floor above the approved level; a
re-assessment is a new version, prefilled from the last one.

Questionnaire versions: an editable response is always answered and scored on the current
questionnaire file (its stored answers read through `normal_answers`, so a rating stored under a
grid column of an earlier version moves to the columns that replace it). A locked response is
shown with the version it answered, kept under data/questionnaires/versions/ when the file has
moved on, so its level, floors and answers read exactly as they were signed off.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assessments import vocab
from assessments.errors import WorkbenchError
from assessments.identity import Actor, same_person
from assessments.inventory import FIELD_LABELS, FIELD_VOCABULARIES, MATERIAL_FIELDS, AISystem
from assessments.questionnaire.answers import describe_answer, validate_answer
from assessments.questionnaire.errors import AnswerError, QuestionnaireError
from assessments.questionnaire.loading import default_directory, load_questionnaire
from assessments.questionnaire.model import Level, Question, Questionnaire
from assessments.questionnaire.scoring import AppliedFloor, ScoreResult, TriggeredRisk
from assessments.questionnaire.terms import DIMENSIONS
from assessments.questionnaire.visibility import MissingAnswer, is_visible
from assessments.risks import TEXT_MAX, RiskInput

DEFAULT_QUESTIONNAIRE = "ai_impact_assessment"
REVIEW_DATE_QUESTION = "scope_next_review"
# The questions the result shows side by side: the harm table, one likelihood question per
# kind of harm (`likelihood_<column key>`), and the benefit table.
HARM_GRID = "harm_grid"
LIKELIHOOD_PREFIX = "likelihood_"
BENEFIT_GRID = "benefit_grid"
# Earlier versions of a questionnaire, kept to read the responses that answered them.
VERSIONS_FOLDER = "versions"
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
    points_level: str | None = None
    points_level_rank: int | None = None
    # The floors that held when it was scored; None: scored before floors existed.
    floors: list[AppliedFloor] | None = None
    # The screening facts it was scored with (EU class, FRIA, Colorado); None: not screened.
    screening_facts: dict[str, Any] | None = None
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


_earlier: dict[tuple[str, float], Questionnaire] = {}


def earlier_version(questionnaire_id: str, version: str) -> Questionnaire | None:
    """An earlier version kept as `versions/<id>-<version>.yaml` in the content folder (None
    when it was not kept, or the file no longer loads)."""
    path = default_directory() / VERSIONS_FOLDER / f"{questionnaire_id}-{version}.yaml"
    try:
        key = (str(path), path.stat().st_mtime)
    except OSError:
        return None
    with _cache_lock:
        if key not in _earlier:
            try:
                loaded = load_questionnaire(path)
            except QuestionnaireError:
                return None
            if (loaded.id, loaded.version) != (questionnaire_id, version):
                return None
            _earlier[key] = loaded
        return _earlier[key]


def questionnaire_for(response: ImpactResponse) -> Questionnaire:
    """The questionnaire to read a response with: an editable one is on the current file; a
    locked one on the version it answered when that version is kept, else on the current file
    (ImpactReport.version_note then says so)."""
    current = get_questionnaire(response.questionnaire_id)
    if response.editable or response.questionnaire_version == current.version:
        return current
    return earlier_version(response.questionnaire_id, response.questionnaire_version) or current


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


def check_reviewer(actor: Actor | str, submitted_by: str | None) -> None:
    """Four eyes: the person who submitted an assessment does not sign it off themselves."""
    if same_person(actor, submitted_by):
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
    approved_level_rank: int | None = None,
    screening_floors: Sequence[AppliedFloor] = (),
) -> list[str]:
    """Why an approved assessment no longer describes the system (empty: it still does).

    Material change: a field of MATERIAL_FIELDS changed after approval. Review date: the
    assessment's own review date has passed, or the system's next review fell due after the
    approval and has passed (an approval given after that date is itself the review).
    Screening: the floors the system's current screening sets (`screening_floors`) require a
    higher level than the one approved, e.g. the system was screened EU high-risk afterwards.
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
    reason = screening_reason(approved_level_rank, screening_floors)
    if reason:
        reasons.append(reason)
    return reasons


def screening_reason(approved_level_rank: int | None, floors: Sequence[AppliedFloor]) -> str | None:
    """A stale reason when the screening's floors now require more than the approved level."""
    above = [
        floor
        for floor in floors
        if approved_level_rank is not None and floor.level_rank > approved_level_rank
    ]
    if not above:
        return None
    top = above[0]
    titles = "; ".join(dict.fromkeys(f.title for f in above if f.level_rank == top.level_rank))
    verb = "says stop: " if top.stop else ""
    return (
        f"screening now {verb}requires at least level {top.level} ({titles}), above the "
        "approved level"
    )


def material_field_labels(fields: list[str]) -> list[str]:
    return [FIELD_LABELS.get(name, name) for name in fields if name in MATERIAL_FIELDS]


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


def inventory_mirror(question_id: str) -> InventoryMirror | None:
    return next((item for item in INVENTORY_MIRRORS if item.question_id == question_id), None)


def record_text(mirror: InventoryMirror, system: AISystem) -> str:
    """The inventory's value for a mirrored question, as the inventory page shows it."""
    value = getattr(system, mirror.field)
    labels = FIELD_VOCABULARIES.get(mirror.field)
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
    def level(self) -> Level:
        """The level of record. It is the result's, except for a locked response read with
        another questionnaire version than it answered (that version was not kept): its level
        recorded at submission stands."""
        recorded = self.response.level
        same = self.questionnaire.version == self.response.questionnaire_version
        if self.response.editable or same or not recorded or self.questionnaire.scoring is None:
            return self.result.level
        levels = self.questionnaire.scoring.levels
        return next((level for level in levels if level.id == recorded), self.result.level)

    @property
    def floors(self) -> list[AppliedFloor]:
        """The floors behind the level shown: the result's, unless a locked response is read
        with another questionnaire version than it answered (its recorded level stands)."""
        return self.result.floors if self.level == self.result.level else []

    @property
    def stop_floor(self) -> AppliedFloor | None:
        """The floor that says the system must not be used, when one holds."""
        return next((floor for floor in self.floors if floor.stop), None)

    @property
    def level_explanation(self) -> str:
        return level_explanation(self.result) if self.level == self.result.level else ""

    @property
    def version_note(self) -> str:
        """Said when the questionnaire file changed version since this response was answered:
        a draft continues on the new version, a locked response is shown as answered (or, when
        that version was not kept, with today's questions and weights)."""
        answered, shown = self.response.questionnaire_version, self.questionnaire.version
        if self.response.editable:
            if answered == shown:
                return ""
            return (
                f"Started on questionnaire version {answered}; it continues on version {shown}, "
                "with the answers that still fit carried across. Answer the questions that are "
                "new; the level shown is scored on the new version."
            )
        if answered != shown:
            return (
                f"Answered on questionnaire version {answered}; shown with version {shown}. "
                f"The level recorded at submission was {self.response.level or 'not recorded'}."
            )
        current = questionnaires().get(self.questionnaire.id)
        if current is None or current.version == answered:
            return ""
        return (
            f"Answered on questionnaire version {answered} and shown as it was answered and "
            f"scored. The current version is {current.version}; a re-assessment uses it."
        )

    @property
    def harms(self) -> list[HarmLine]:
        return harm_lines(self.questionnaire, self.answers)

    @property
    def benefits(self) -> list[StakeholderLine]:
        return stakeholder_lines(self.questionnaire, self.answers)


# --- Level, harms and benefits in words -----------------------------------------------------------


def level_explanation(result: ScoreResult) -> str:
    """How floors shaped the level, in one sentence (empty when no floor holds)."""
    if not result.floors:
        return ""
    points_level = result.points_level.id
    if not result.raised:
        return f"The points give level {points_level}, which already meets every floor that holds."
    titles = "; ".join(
        dict.fromkeys(f.title for f in result.floors if f.level_rank == result.level_rank)
    )
    credit = " (after the mitigation credit)" if result.credit_applied else ""
    return (
        f"Points alone give level {points_level}{credit}; raised to level {result.level.id} "
        f"because: {titles}."
    )


@dataclass(frozen=True)
class HarmLine:
    """One kind of harm rated above none: its worst rating, for whom, and how likely."""

    kind: str
    worst: str
    who: str
    likelihood: str


def _worst(question: Question, cells: list[str]) -> str | None:
    """The heaviest rating among cells (by weight, then by its place in the list)."""
    order = {choice.value: (choice.weight, n) for n, choice in enumerate(question.cell_choices)}
    return max(cells, key=lambda cell: order[cell]) if cells else None


def harm_lines(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[HarmLine]:
    """The harm table read per kind of harm, with its likelihood answer, for the result."""
    grid = questionnaire.find(HARM_GRID)
    if grid is None or grid.type != "grid":
        return []
    table = answers.get(HARM_GRID) or {}
    lines: list[HarmLine] = []
    for column in grid.columns:
        rated = {row.label: table.get(row.key, {}).get(column.key) for row in grid.rows}
        worst = _worst(grid, [cell for cell in rated.values() if cell])
        if worst is None or grid.cell_choice(worst).weight <= 0:
            continue
        likely = questionnaire.find(LIKELIHOOD_PREFIX + column.key)
        value = answers.get(likely.id) if likely else None
        lines.append(
            HarmLine(
                kind=column.label,
                worst=grid.cell_choice(worst).label,
                who="; ".join(label for label, cell in rated.items() if cell == worst),
                likelihood=describe_answer(likely, value)
                if likely and value is not None
                else "not answered",
            )
        )
    return lines


@dataclass(frozen=True)
class StakeholderLine:
    """What one group of people gains and the worst harm rated for it, side by side."""

    who: str
    benefit: str
    worst_harm: str


def stakeholder_lines(
    questionnaire: Questionnaire, answers: Mapping[str, Any]
) -> list[StakeholderLine]:
    """Benefits beside harms per group of people (rows of the benefit and the harm tables).
    Benefits are context: they never lower the impact score or the level."""
    benefit = questionnaire.find(BENEFIT_GRID)
    harm = questionnaire.find(HARM_GRID)
    if benefit is None or benefit.type != "grid":
        return []
    gains = answers.get(BENEFIT_GRID) or {}
    harms = answers.get(HARM_GRID) or {}
    harm_rows = {row.key for row in harm.rows} if harm and harm.type == "grid" else set()
    lines: list[StakeholderLine] = []
    for row in benefit.rows:
        cells = gains.get(row.key, {})
        if len(benefit.columns) == 1:
            cell = cells.get(benefit.columns[0].key)
            gained = benefit.cell_choice(cell).label if cell else "not rated"
        else:
            gained = (
                "; ".join(
                    f"{column.label}: {benefit.cell_choice(cells[column.key]).label}"
                    for column in benefit.columns
                    if column.key in cells
                )
                or "not rated"
            )
        worst_harm = "not in the harm table"
        if harm is not None and row.key in harm_rows:
            rated = harms.get(row.key, {})
            worst = _worst(harm, list(rated.values()))
            if worst is None:
                worst_harm = "not rated"
            else:
                kinds = [c.label for c in harm.columns if rated.get(c.key) == worst]
                label = harm.cell_choice(worst).label
                worst_harm = (
                    f"{label} ({'; '.join(kinds)})" if harm.cell_choice(worst).weight > 0 else label
                )
        lines.append(StakeholderLine(who=row.label, benefit=gained, worst_harm=worst_harm))
    return lines


def raised(level: object, points_level: object) -> bool:
    """Whether a stored level differs from its points level (a floor raised it); False when
    either is missing (scored before floors existed, or never scored)."""
    known = all(isinstance(value, str) and value for value in (level, points_level))
    return known and level != points_level
