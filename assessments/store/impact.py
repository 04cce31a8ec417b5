"""Storage of impact assessments: responses, append-only answers, the workflow and staleness.

`impact_responses` holds the current state of each response (status, who and when of each step,
the score snapshot); every answer given is a new `impact_answers` row and the current answer to
a question is its latest row. Each answer and each workflow step is one write with its audit
event, so the trail shows who answered what, when, and who signed off.

The snapshot's level is the floored one (points level raised by the floors that hold); the
screening facts behind the regulatory floors are read inside the same transaction as the
rescore, and stored with it, so a locked response shows the floors it was approved with.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from assessments import impact
from assessments.answer_files import answer_text
from assessments.criteria import default_criteria, map_rating
from assessments.dates import export_timestamp
from assessments.errors import ConflictError, NotFoundError, WorkbenchError
from assessments.identity import Actor, Permission, requires
from assessments.impact import (
    DEFAULT_QUESTIONNAIRE,
    ImpactReport,
    ImpactResponse,
    MissingAnswersError,
    check_editable,
    check_reviewer,
    clean_comment,
    get_questionnaire,
    next_status,
    prepare_answer,
    questionnaire_for,
    review_due_from,
    stale_reasons,
)
from assessments.inventory import MATERIAL_FIELDS, AISystem
from assessments.questionnaire.errors import AnswerError, AnswersFileError
from assessments.questionnaire.files import answers_from_json
from assessments.questionnaire.model import Questionnaire
from assessments.questionnaire.scoring import AppliedFloor, ScoreResult, score, screening_floors
from assessments.questionnaire.visibility import clean_answers, missing_required, progress
from assessments.references import risk_reference
from assessments.regulatory import ScreeningFacts
from assessments.risks import Risk
from assessments.store import inventory as inventory_store
from assessments.store.audit import entity_history
from assessments.store.criteria import current_criteria
from assessments.store.db import Database, Transaction, utc_now
from assessments.store.reach import response_reach, system_reach
from assessments.store.risks import insert_risk
from assessments.store.screenings import screening_facts, screening_facts_by_system
from assessments.text import first_few

ENTITY = "impact_response"
ANSWER_ENTITY = "impact_answer"

EXPORT_FIELDS: list[str] = [
    "id",
    "system_id",
    "questionnaire_id",
    "questionnaire_version",
    "version_no",
    "status",
    "impact_score",
    "impact_max",
    "mitigation_score",
    "mitigation_max",
    "level",
    "level_rank",
    "points_level",
    "points_level_rank",
    "floors",
    "screening_facts",
    "dimension_scores",
    "answers",
    "submitted_by",
    "submitted_at",
    "approved_by",
    "approved_at",
]

_SELECT = "SELECT * FROM impact_responses"


# --- Reading inside and outside a transaction ---------------------------------------------------


def _to_response(row: Mapping[str, Any]) -> ImpactResponse:
    data = dict(row)
    data["dimension_scores"] = json.loads(data["dimension_scores"] or "{}")
    for name in ("floors", "screening_facts"):
        stored = data.get(name)
        data[name] = json.loads(stored) if stored else None
    return ImpactResponse.model_validate(data)


def stored_facts(response: ImpactResponse) -> ScreeningFacts | None:
    """The screening facts a response was last scored with (None: none were known)."""
    if response.screening_facts is None:
        return None
    return ScreeningFacts.model_validate(response.screening_facts)


def _fetch(transaction: Transaction, response_id: int) -> ImpactResponse | None:
    result = transaction.execute(f"{_SELECT} WHERE id = ?", [response_id])
    columns = [column[0] for column in result.description]
    row = result.fetchone()
    return _to_response(dict(zip(columns, row, strict=True))) if row else None


def _require(transaction: Transaction, response_id: int) -> ImpactResponse:
    found = _fetch(transaction, response_id)
    if found is None:
        raise NotFoundError(f"There is no impact assessment with id {response_id}.")
    return found


# The whole latest row per question: a cleared answer (NULL) or an answer not carried over
# must win when it is the latest.
_CURRENT_ANSWERS = (
    "SELECT DISTINCT ON (question_id) question_id, value, id, answered_at, answered_by,"
    " carried_from FROM impact_answers WHERE response_id = ? ORDER BY question_id, id DESC"
)


def _records(rows: list[tuple]) -> dict[str, dict[str, Any]]:
    """question id -> the current answer with who and when (cleared answers left out)."""
    return {
        question_id: {
            "value": json.loads(value),
            "answer_id": int(answer_id),
            "answered_at": answered_at,
            "answered_by": answered_by,
            "carried_from": None if carried is None else int(carried),
        }
        for question_id, value, answer_id, answered_at, answered_by, carried in rows
        if value is not None
    }


def _answers_in(transaction: Transaction, response_id: int) -> dict[str, Any]:
    rows = transaction.fetchall(_CURRENT_ANSWERS, [response_id])
    return {key: record["value"] for key, record in _records(rows).items()}


def get_response(database: Database, response_id: int) -> ImpactResponse:
    rows = database.query_records(f"{_SELECT} WHERE id = ?", [response_id])
    if not rows:
        raise NotFoundError(f"There is no impact assessment with id {response_id}.")
    return _to_response(rows[0])


def answer_records(database: Database, response_id: int) -> dict[str, dict[str, Any]]:
    """The current answer per question, with who gave it, when, and whether it was carried over."""
    return _records(database.query_rows(_CURRENT_ANSWERS, [response_id]))


def current_answers(database: Database, response_id: int) -> dict[str, Any]:
    """question id -> the stored answer (everything kept, hidden ones included)."""
    return {key: record["value"] for key, record in answer_records(database, response_id).items()}


def versions(
    database: Database, system_id: int, questionnaire_id: str = DEFAULT_QUESTIONNAIRE
) -> list[ImpactResponse]:
    """Every version of a system's assessment, oldest first."""
    rows = database.query_records(
        f"{_SELECT} WHERE system_id = ? AND questionnaire_id = ? ORDER BY version_no",
        [system_id, questionnaire_id],
    )
    return [_to_response(row) for row in rows]


def latest(
    database: Database, system_id: int, questionnaire_id: str = DEFAULT_QUESTIONNAIRE
) -> ImpactResponse | None:
    found = versions(database, system_id, questionnaire_id)
    return found[-1] if found else None


def history(database: Database, response_id: int) -> list[dict[str, Any]]:
    """The workflow steps of a response (created, submitted, returned, approved), oldest first."""
    return entity_history(database, ENTITY, response_id)


# --- Writing -----------------------------------------------------------------------------------


# What an impact assessment's audit events carry: its place and sign-off, and its scores (which
# follow every draft answer, so `check` compares them only once the assessment is locked).
SIGN_OFF_FIELDS = (
    "system_id",
    "questionnaire_id",
    "version_no",
    "previous_id",
    "status",
    "submitted_by",
    "submitted_at",
    "approved_by",
    "approved_at",
    "returned_by",
    "returned_at",
    "review_comment",
)
SCORE_FIELDS = ("questionnaire_version", "impact_score", "impact_max", "level", "points_level")


def _snapshot(response: ImpactResponse) -> dict[str, Any]:
    return response.model_dump(mode="json", include={"id", *SIGN_OFF_FIELDS, *SCORE_FIELDS})


def _rescore(
    transaction: Transaction,
    response_id: int,
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    *,
    actor: Actor | str,
    at: datetime,
    extra: Mapping[str, Any] | None = None,
) -> ScoreResult:
    """Write the score snapshot and progress of the answers onto the response row, with the
    questionnaire version they were scored on (only editable or submitting responses). The
    system's screening facts are read here, in the same transaction, for the floors."""
    system_row = transaction.fetchone(
        "SELECT system_id FROM impact_responses WHERE id = ?", [response_id]
    )
    assert system_row is not None
    facts = screening_facts(transaction, int(system_row[0]))
    result = score(questionnaire, answers, facts)
    answered, shown = progress(questionnaire, answers)
    kept, _ = clean_answers(questionnaire, answers)
    values: dict[str, Any] = {
        "impact_raw": result.impact_raw,
        "impact_score": result.impact_score,
        "impact_max": result.impact_max,
        "mitigation_score": result.mitigation_score,
        "mitigation_max": result.mitigation_max,
        "credit_applied": result.credit_applied,
        "share": result.share,
        "level": result.level.id,
        "level_rank": result.level_rank,
        "points_level": result.points_level.id,
        "points_level_rank": result.points_level_rank,
        "floors": json.dumps(
            [floor.model_dump(mode="json") for floor in result.floors], ensure_ascii=False
        ),
        "screening_facts": None if facts is None else facts.model_dump_json(),
        "dimension_scores": json.dumps(result.dimension_scores, sort_keys=True),
        "answered": answered,
        "shown": shown,
        "review_due": review_due_from(kept),
        "questionnaire_version": questionnaire.version,
        "updated_at": at,
        "updated_by": actor,
        **(extra or {}),
    }
    assignments = ", ".join(f"{name} = ?" for name in values)
    transaction.execute(
        f"UPDATE impact_responses SET {assignments} WHERE id = ?", [*values.values(), response_id]
    )
    return result


def rescore_open(transaction: Transaction, system_id: int) -> ImpactResponse | None:
    """Refresh the snapshot of the system's editable assessment (draft or returned), in a
    caller's transaction, after something outside its answers changed: a new screening sets
    other floors. Nothing is written when the score stays as stored; a change is audited.
    Submitted and approved responses keep what was signed; their stale reasons say when the
    screening now asks for more.

    The screening store calls it whenever it saves a screening.
    """
    row = transaction.fetchone(
        "SELECT id FROM impact_responses WHERE system_id = ? AND status IN ('draft', 'returned')"
        " ORDER BY version_no DESC LIMIT 1",
        [system_id],
    )
    if row is None:
        return None
    before = _require(transaction, int(row[0]))
    questionnaire = get_questionnaire(before.questionnaire_id)
    answers = _answers_in(transaction, before.id)
    facts = screening_facts(transaction, system_id)
    fresh = score(questionnaire, answers, facts)
    # Only a change a person would see counts: a snapshot migrated without floors (None) or
    # without the facts it was scored with is no reason to write, or to audit "level I -> I".
    same = (
        before.questionnaire_version == questionnaire.version
        and before.level == fresh.level.id
        and before.points_level == fresh.points_level.id
        and (before.floors or []) == fresh.floors
    )
    if same:
        return before
    _rescore(
        transaction, before.id, questionnaire, answers, actor=transaction.actor, at=transaction.at
    )
    after = _require(transaction, before.id)
    name, _ = _system_row(transaction, system_id)
    transaction.audit(
        "update",
        ENTITY,
        before.id,
        _snapshot(before),
        _snapshot(after),
        f"Rescored the impact assessment of {name} with its current screening "
        f"(level {before.level} → {after.level})",
    )
    return after


def _system_row(transaction: Transaction, system_id: int) -> tuple[str, str]:
    row = transaction.fetchone("SELECT name, status FROM ai_systems WHERE id = ?", [system_id])
    if row is None:
        raise NotFoundError(f"There is no AI system with id {system_id}.")
    return str(row[0]), str(row[1])


def _insert_answer(
    transaction: Transaction,
    response: ImpactResponse,
    question_id: str,
    value: Any,
    previous: Any,
    *,
    actor: Actor | str,
    at: datetime,
    carried_from: int | None = None,
    from_inventory: bool = False,
) -> int:
    row = transaction.fetchone(
        "INSERT INTO impact_answers (response_id, question_id, value, answered_at, answered_by,"
        " carried_from) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        [
            response.id,
            question_id,
            None if value is None else json.dumps(value, ensure_ascii=False),
            at,
            actor,
            carried_from,
        ],
    )
    assert row is not None
    answer_id = int(row[0])
    if carried_from is not None:
        summary = f"Carried over '{question_id}' into impact assessment #{response.id}"
    elif from_inventory:
        summary = (
            f"Filled in '{question_id}' from the inventory record in impact assessment "
            f"#{response.id}"
        )
    elif value is None:
        summary = f"Cleared '{question_id}' in impact assessment #{response.id}"
    else:
        summary = f"Answered '{question_id}' in impact assessment #{response.id}"
    transaction.audit(
        "create",
        ANSWER_ENTITY,
        answer_id,
        None if previous is None else {"value": previous},
        {"response_id": response.id, "question_id": question_id, "value": value},
        summary,
    )
    return answer_id


def has_assessment(transaction: Transaction, system_id: int, questionnaire_id: str) -> bool:
    """Whether the system has any version of this questionnaire's assessment (in a caller's
    transaction)."""
    row = transaction.fetchone(
        "SELECT 1 FROM impact_responses WHERE system_id = ? AND questionnaire_id = ? LIMIT 1",
        [system_id, questionnaire_id],
    )
    return row is not None


def insert_response(
    transaction: Transaction,
    system_id: int,
    questionnaire_id: str = DEFAULT_QUESTIONNAIRE,
    *,
    acting_as: str | None = None,
    at: datetime | None = None,
) -> ImpactResponse:
    """Start version 1, or a re-assessment prefilled from the latest approved version.

    Context questions the inventory record already answers (assessments.impact.
    INVENTORY_MIRRORS) and that have no answer yet start with the record's value.

    Refused while another version of the same assessment is still open (draft, submitted or
    returned): that one is resumed instead.
    """
    actor, when = acting_as or transaction.actor, at or transaction.at
    name, status = _system_row(transaction, system_id)
    if status == "retired":
        raise ConflictError(f"{name} is retired; retired systems are not assessed any more.")
    questionnaire = get_questionnaire(questionnaire_id)
    last = transaction.fetchone(
        "SELECT id, version_no, status FROM impact_responses WHERE system_id = ?"
        " AND questionnaire_id = ? ORDER BY version_no DESC LIMIT 1",
        [system_id, questionnaire_id],
    )
    if last is not None and last[2] in impact.OPEN_STATUSES:
        raise ConflictError(
            f"Impact assessment #{last[0]} of {name} is still "
            f"{impact.STATUSES[last[2]].lower()}; continue that one instead."
        )
    previous_id = int(last[0]) if last else None
    version_no = int(last[1]) + 1 if last else 1
    row = transaction.fetchone(
        "INSERT INTO impact_responses (system_id, questionnaire_id, questionnaire_version,"
        " version_no, previous_id, status, created_at, created_by, updated_at, updated_by)"
        " VALUES (?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?) RETURNING id",
        [
            system_id,
            questionnaire.id,
            questionnaire.version,
            version_no,
            previous_id,
            when,
            actor,
            when,
            actor,
        ],
    )
    assert row is not None
    response = _require(transaction, int(row[0]))
    answers: dict[str, Any] = {}
    if previous_id is not None:
        records = _records(transaction.fetchall(_CURRENT_ANSWERS, [previous_id]))
        kept, _ = clean_answers(questionnaire, {k: r["value"] for k, r in records.items()})
        for question_id, value in kept.items():
            _insert_answer(
                transaction,
                response,
                question_id,
                value,
                None,
                actor=actor,
                at=when,
                carried_from=records[question_id]["answer_id"],
            )
        answers = kept
    system = _system_in(transaction, system_id)
    for question_id, value in impact.inventory_prefill(questionnaire, system).items():
        if question_id in answers:
            continue
        try:
            normalised = prepare_answer(questionnaire, answers, question_id, value)
        except AnswerError:
            continue
        _insert_answer(
            transaction,
            response,
            question_id,
            normalised,
            None,
            actor=actor,
            at=when,
            from_inventory=True,
        )
        answers[question_id] = normalised
    _rescore(transaction, response.id, questionnaire, answers, actor=actor, at=when)
    created = _require(transaction, response.id)
    summary = (
        f"Started a re-assessment of {name} (version {version_no})"
        if previous_id
        else f"Started the impact assessment of {name}"
    )
    transaction.audit("create", ENTITY, created.id, None, _snapshot(created), summary)
    return created


@requires(Permission.ANSWER_IMPACT, reach=system_reach)
def start_assessment(
    database: Database,
    actor: Actor | str,
    system_id: int,
    questionnaire_id: str = DEFAULT_QUESTIONNAIRE,
) -> ImpactResponse:
    """Start the first assessment of a system, or re-assess it after approval."""
    return database.write(
        actor, lambda transaction: insert_response(transaction, system_id, questionnaire_id)
    )


@dataclass(frozen=True)
class AnswerOutcome:
    """What a save did: the answer as stored (normal form) and whether anything changed."""

    value: Any
    changed: bool


def write_answer(
    transaction: Transaction,
    response_id: int,
    question_id: str,
    value: Any,
    *,
    acting_as: str | None = None,
    at: datetime | None = None,
) -> AnswerOutcome:
    """Validate and append one answer, then refresh the score snapshot (locked once submitted)."""
    actor, when = acting_as or transaction.actor, at or transaction.at
    response = _require(transaction, response_id)
    check_editable(response.status)
    questionnaire = get_questionnaire(response.questionnaire_id)
    answers = _answers_in(transaction, response_id)
    normalised = prepare_answer(questionnaire, answers, question_id, value)
    previous = answers.get(question_id)
    if previous == normalised:
        return AnswerOutcome(normalised, changed=False)
    _insert_answer(transaction, response, question_id, normalised, previous, actor=actor, at=when)
    if normalised is None:
        answers.pop(question_id, None)
    else:
        answers[question_id] = normalised
    _rescore(transaction, response_id, questionnaire, answers, actor=actor, at=when)
    return AnswerOutcome(normalised, changed=True)


def write_answers(
    transaction: Transaction,
    response_id: int,
    answers: Mapping[str, Any],
    *,
    acting_as: str | None = None,
    at: datetime | None = None,
    spacing: timedelta = timedelta(0),
) -> int:
    """Many answers in questionnaire order, each validated against the ones before it and
    audited, with one score refresh at the end (the demo loader); returns how many changed."""
    actor, when = acting_as or transaction.actor, at or transaction.at
    response = _require(transaction, response_id)
    check_editable(response.status)
    questionnaire = get_questionnaire(response.questionnaire_id)
    current = _answers_in(transaction, response_id)
    changed = 0
    for question in questionnaire.questions:
        if question.id not in answers:
            continue
        normalised = prepare_answer(questionnaire, current, question.id, answers[question.id])
        previous = current.get(question.id)
        if previous == normalised:
            continue
        changed += 1
        _insert_answer(
            transaction,
            response,
            question.id,
            normalised,
            previous,
            actor=actor,
            at=when + spacing * changed,
        )
        if normalised is None:
            current.pop(question.id, None)
        else:
            current[question.id] = normalised
    if changed:
        _rescore(
            transaction,
            response_id,
            questionnaire,
            current,
            actor=actor,
            at=when + spacing * changed,
        )
    return changed


@requires(Permission.ANSWER_IMPACT, reach=response_reach)
def save_answer(
    database: Database, actor: Actor | str, response_id: int, question_id: str, value: Any
) -> AnswerOutcome:
    """Save one answer as a draft the moment it is given (AnswerError: refused, nothing saved)."""
    return database.write(
        actor, lambda transaction: write_answer(transaction, response_id, question_id, value)
    )


@dataclass
class ImportOutcome:
    saved: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@requires(Permission.ANSWER_IMPACT, reach=response_reach)
def import_answers(
    database: Database,
    actor: Actor | str,
    response_id: int,
    content: bytes | str,
    name: str = "the answer file",
) -> ImportOutcome:
    """Load an answer file (`answers_to_json`) into an editable response, in one transaction.

    Bad answers and answers to questions the file's own answers hide are left out and named in
    `notes` by the question's text; the rest is saved. A file for another questionnaire is
    refused outright, and so is an upload (`content` as bytes, `name` as uploaded) larger than
    the answer-file limit or not UTF-8, before it is decoded or parsed.
    """
    text = answer_text(content, name) if isinstance(content, bytes) else content
    response = get_response(database, response_id)
    check_editable(response.status)
    questionnaire = get_questionnaire(response.questionnaire_id)
    notes: list[str] = []
    try:
        incoming = answers_from_json(questionnaire, text)
    except AnswersFileError as error:
        if not error.answers and error.problems:
            raise AnswersFileError(
                f"{len(error.worded)} answer(s) refused, none imported: " + first_few(error.worded)
            ) from None
        if not error.answers:
            raise
        incoming, notes = error.answers, [f"refused: {problem}" for problem in error.worded]

    def work(transaction: Transaction) -> ImportOutcome:
        outcome = ImportOutcome(notes=list(notes))
        current = _answers_in(transaction, response_id)
        _, hidden_notes = clean_answers(questionnaire, current | incoming)
        hidden = {
            note.rsplit(" ", 1)[-1]
            for note in hidden_notes
            if note.startswith("ignored: answer to hidden question")
        }
        for question in questionnaire.questions:
            if question.id not in incoming:
                continue
            if question.id in hidden:
                outcome.notes.append(f'ignored: "{question.text}" does not apply given the answers')
                continue
            if current.get(question.id) == incoming[question.id]:
                outcome.unchanged.append(question.id)
                continue
            fresh = _require(transaction, response_id)
            check_editable(fresh.status)
            _insert_answer(
                transaction,
                fresh,
                question.id,
                incoming[question.id],
                current.get(question.id),
                actor=transaction.actor,
                at=transaction.at,
            )
            current[question.id] = incoming[question.id]
            outcome.saved.append(question.id)
        if outcome.saved:
            _rescore(
                transaction,
                response_id,
                questionnaire,
                current,
                actor=transaction.actor,
                at=transaction.at,
            )
        return outcome

    return database.write(actor, work)


def apply_transition(
    transaction: Transaction,
    response_id: int,
    action: str,
    comment: str = "",
    *,
    acting_as: str | None = None,
    at: datetime | None = None,
) -> ImpactResponse:
    """Submit, approve or return a response; the rules live in assessments.impact."""
    actor, when = acting_as or transaction.actor, at or transaction.at
    response = _require(transaction, response_id)
    target = next_status(response.status, action)
    note = clean_comment(action, comment)
    if action == "submit":
        questionnaire = get_questionnaire(response.questionnaire_id)
        answers = _answers_in(transaction, response_id)
        missing = missing_required(questionnaire, answers)
        if missing:
            raise MissingAnswersError(missing)
        # The snapshot written now is the one the reviewer signs off.
        extra = {"status": target, "submitted_by": actor, "submitted_at": when}
        _rescore(
            transaction, response_id, questionnaire, answers, actor=actor, at=when, extra=extra
        )
    else:
        reviewer = transaction.identity if acting_as is None and transaction.identity else actor
        check_reviewer(reviewer, response.submitted_by)
        stamp = "approved" if action == "approve" else "returned"
        transaction.execute(
            f"UPDATE impact_responses SET status = ?, {stamp}_by = ?, {stamp}_at = ?,"
            " review_comment = ?, updated_at = ?, updated_by = ? WHERE id = ?",
            [target, actor, when, note, when, actor, response_id],
        )
    after = _require(transaction, response_id)
    name, _ = _system_row(transaction, response.system_id)
    summary = {
        "submit": f"Submitted the impact assessment of {name} for approval (level {after.level})",
        "approve": f"Approved the impact assessment of {name} (level {after.level})",
        "return": f"Returned the impact assessment of {name} for changes",
    }[action]
    transaction.audit(action, ENTITY, response_id, _snapshot(response), _snapshot(after), summary)
    return after


@requires(Permission.ANSWER_IMPACT, reach=response_reach)
def submit(database: Database, actor: Actor | str, response_id: int) -> ImpactResponse:
    """Send for approval; MissingAnswersError lists every required answer still missing."""
    return database.write(
        actor, lambda transaction: apply_transition(transaction, response_id, "submit")
    )


@requires(Permission.APPROVE_IMPACT)
def approve(
    database: Database, actor: Actor | str, response_id: int, comment: str = ""
) -> ImpactResponse:
    """Sign off a submitted response (not by its submitter); its answers are locked for good."""
    return database.write(
        actor, lambda transaction: apply_transition(transaction, response_id, "approve", comment)
    )


@requires(Permission.APPROVE_IMPACT)
def return_for_changes(
    database: Database, actor: Actor | str, response_id: int, comment: str
) -> ImpactResponse:
    """Send a submitted response back to its author with the reviewer's comment."""
    return database.write(
        actor, lambda transaction: apply_transition(transaction, response_id, "return", comment)
    )


def report_data(database: Database, response_id: int, today: date | None = None) -> ImpactReport:
    """What the result page, the PDF and the JSON download of one response show.

    An editable response is scored as it stands now, with the system's current screening; a
    locked one with the questionnaire version it answered and the screening facts stored when it
    was submitted, so it reads as it was signed off (a screening that now asks for more shows
    as a stale reason).
    """
    response = get_response(database, response_id)
    questionnaire = questionnaire_for(response)
    kept, _ = clean_answers(questionnaire, current_answers(database, response_id))
    previous = get_response(database, response.previous_id) if response.previous_id else None
    facts = (
        screening_facts(database, response.system_id)
        if response.editable
        else stored_facts(response)
    )
    return ImpactReport(
        system=inventory_store.get_system(database, response.system_id),
        response=response,
        questionnaire=questionnaire,
        answers=kept,
        result=score(questionnaire, kept, facts),
        stale_reasons=stale_reasons_for(database, response, today),
        previous=previous,
        generated_at=utc_now(),
    )


# --- Lists, staleness and the portfolio view ---------------------------------------------------


def _timestamp(value: Any) -> datetime | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _day(value: Any) -> date | None:
    stamp = _timestamp(value)
    if stamp is None:
        return None
    return stamp.date() if isinstance(stamp, datetime) else stamp


def assessment_status_by_system(
    database: Database,
    questionnaire_id: str = DEFAULT_QUESTIONNAIRE,
    today: date | None = None,
) -> pd.DataFrame:
    """One row per AI system: its latest assessment version and whether the approved one is stale.

    Columns: system_id, system_name, system_status, owner, next_review, response_id,
    version_no, status, level, level_rank, points_level, answered, shown, updated_at (all of the
    latest version; empty when never assessed), approved_id, approved_level,
    approved_level_rank, approved_at (of the latest approved version), stale (bool),
    stale_reason (text). `level` is the floored level; `points_level` what the points alone give.
    """
    today = today or date.today()
    frame = database.query_df(
        "WITH latest AS (SELECT DISTINCT ON (system_id) * FROM impact_responses"
        "  WHERE questionnaire_id = ? ORDER BY system_id, version_no DESC),"
        " approved AS (SELECT DISTINCT ON (system_id) * FROM impact_responses"
        "  WHERE questionnaire_id = ? AND status = 'approved' ORDER BY system_id, version_no DESC)"
        " SELECT s.id AS system_id, s.name AS system_name, s.status AS system_status, s.owner,"
        " s.next_review, l.id AS response_id, l.version_no, l.status, l.level, l.level_rank,"
        " l.points_level, l.answered, l.shown, l.updated_at, a.id AS approved_id,"
        " a.level AS approved_level, a.level_rank AS approved_level_rank, a.approved_at,"
        " a.review_due"
        " FROM ai_systems s LEFT JOIN latest l ON l.system_id = s.id"
        " LEFT JOIN approved a ON a.system_id = s.id ORDER BY lower(s.name), s.id",
        [questionnaire_id, questionnaire_id],
    )
    for column in (
        "response_id",
        "version_no",
        "level_rank",
        "answered",
        "shown",
        "approved_id",
        "approved_level_rank",
    ):
        frame[column] = frame[column].astype("Int64")
    changed = inventory_store.last_changed(database, list(MATERIAL_FIELDS))
    floors = _approved_screening_floors(database, questionnaire_id, frame)
    reasons = [
        "; ".join(
            stale_reasons(
                approved_at=_timestamp(approved_at),
                material_change_at=changed.get(int(system_id)),
                review_due=_day(review_due),
                system_next_review=_day(next_review),
                today=today,
                approved_level_rank=None if pd.isna(rank) else int(rank),
                screening_floors=floors.get(int(system_id), []),
            )
        )
        for system_id, approved_at, review_due, next_review, rank in zip(
            frame["system_id"],
            frame["approved_at"],
            frame["review_due"],
            frame["next_review"],
            frame["approved_level_rank"],
            strict=True,
        )
    ]
    frame["stale_reason"] = pd.Series(reasons, index=frame.index, dtype="string")
    frame["stale"] = frame["stale_reason"].str.len() > 0
    return frame


def _approved_screening_floors(
    database: Database, questionnaire_id: str, frame: pd.DataFrame
) -> dict[int, list[AppliedFloor]]:
    """System id -> the floors its current screening sets, for systems with an approved
    assessment (the only ones a floor can make stale). The facts come in one query, and the
    floors are worked out once per distinct set of facts (a handful), not once per system."""
    questionnaire = impact.questionnaires().get(questionnaire_id)
    if questionnaire is None or not questionnaire.scoring or not questionnaire.scoring.floors:
        return {}
    facts = screening_facts_by_system(database)
    floors: dict[ScreeningFacts | None, list[AppliedFloor]] = {}
    result: dict[int, list[AppliedFloor]] = {}
    for system_id in frame.loc[frame["approved_id"].notna(), "system_id"]:
        key = facts.get(int(system_id))
        if key not in floors:
            floors[key] = screening_floors(questionnaire, key)
        result[int(system_id)] = floors[key]
    return result


def assessment_view(
    database: Database,
    view: str = "all",
    *,
    include_retired: bool = False,
    today: date | None = None,
) -> pd.DataFrame:
    """The systems one view of the impact assessments list shows (`impact.VIEWS`), with the
    columns of `assessment_status_by_system` plus `state` (the state in words)."""
    return assessment_view_page(
        database, view, include_retired=include_retired, today=today, limit=None
    )[0]


def assessment_view_page(
    database: Database,
    view: str = "all",
    *,
    include_retired: bool = False,
    today: date | None = None,
    limit: int | None,
) -> tuple[pd.DataFrame, int]:
    """The first `limit` systems of `assessment_view` (None: all) and how many the view holds.

    Staleness comes from the inventory's history, so the views that depend on it are filtered
    here, after the query, rather than in SQL; the cut spares the page the rows it would draw.
    """
    if view not in impact.VIEWS:
        raise WorkbenchError(f"Unknown view '{view}'; choose one of {', '.join(impact.VIEWS)}.")
    frame = assessment_status_by_system(database, today=today)
    if not include_retired:
        frame = frame[frame["system_status"] != "retired"]
    status = frame["status"].astype("string")
    stale = frame["stale"].astype(bool)
    never = frame["response_id"].isna()
    masks = {
        "all": pd.Series(True, index=frame.index),
        "attention": stale | (status == "returned") | never,
        "stale": stale,
        "submitted": status == "submitted",
        "returned": status == "returned",
        "draft": status == "draft",
        "approved": (status == "approved") & ~stale,
        "never": never,
    }
    matching = frame[masks[view].fillna(False).astype(bool)]
    shown = (matching if limit is None else matching.head(limit)).copy()
    shown["state"] = pd.Series(
        [
            impact.state_text(
                None if pd.isna(status_value) else str(status_value),
                None if pd.isna(version_no) else int(version_no),
                pd.notna(approved_id),
            )
            for status_value, version_no, approved_id in zip(
                shown["status"], shown["version_no"], shown["approved_id"], strict=True
            )
        ],
        index=shown.index,
        dtype="string",
    )
    return shown, len(matching)


def stale_reasons_for(
    database: Database, response: ImpactResponse, today: date | None = None
) -> list[str]:
    """Why this approved response no longer describes its system (empty when it still does)."""
    if response.status != "approved":
        return []
    system = inventory_store.get_system(database, response.system_id)
    changed = inventory_store.last_changed(
        database, list(MATERIAL_FIELDS), system_id=response.system_id
    )
    questionnaire = impact.questionnaires().get(response.questionnaire_id)
    facts = screening_facts(database, response.system_id)
    return stale_reasons(
        approved_at=response.approved_at,
        material_change_at=changed.get(response.system_id),
        review_due=response.review_due,
        system_next_review=system.next_review,
        today=today or date.today(),
        approved_level_rank=response.level_rank,
        screening_floors=screening_floors(questionnaire, facts) if questionnaire else [],
    )


def material_changes_since(database: Database, system_id: int, since: datetime) -> list[str]:
    """The material fields of a system that changed after `since`, from its history."""
    changed: list[str] = []
    for event in entity_history(database, inventory_store.ENTITY, system_id):
        if event["before"] is None or _timestamp(event["at"]) <= since:
            continue
        for name in MATERIAL_FIELDS:
            if event["before"].get(name) != (event["after"] or {}).get(name):
                changed.append(name)
    return list(dict.fromkeys(changed))


def status_counts(database: Database, today: date | None = None) -> dict[str, int]:
    """Headline figures over systems in scope (not retired).

    Work to do: `draft`, `returned` and `awaiting_approval` count the systems whose latest
    version is in that state (re-assessments included); `approved` counts systems with an
    approved version, `stale` those whose approved version is out of date, `current` the rest.

    The `first_*` keys with `current`, `stale` and `never_assessed` count each system once and
    add up to `systems`: a system with an approved version counts as current or stale even
    while a re-assessment is in progress (`reassessing_current`, `reassessing_stale` say how
    many), and `first_draft`, `first_returned`, `first_submitted` count the systems whose first
    assessment is not approved yet.
    """
    frame = assessment_status_by_system(database, today=today)
    frame = frame[frame["system_status"] != "retired"]
    status = frame["status"]
    approved = frame["approved_id"].notna()
    stale = frame["stale"].astype(bool) & approved
    current = approved & ~stale
    in_progress = status.isin(sorted(impact.OPEN_STATUSES)).fillna(False).astype(bool)
    return {
        "systems": len(frame),
        "never_assessed": int(frame["response_id"].isna().sum()),
        "draft": int((status == "draft").sum()),
        "returned": int((status == "returned").sum()),
        "awaiting_approval": int((status == "submitted").sum()),
        "approved": int(approved.sum()),
        "stale": int(stale.sum()),
        "current": int(current.sum()),
        "reassessing_current": int((current & in_progress).sum()),
        "reassessing_stale": int((stale & in_progress).sum()),
        "first_draft": int((~approved & (status == "draft")).sum()),
        "first_returned": int((~approved & (status == "returned")).sum()),
        "first_submitted": int((~approved & (status == "submitted")).sum()),
    }


def export_records(database: Database) -> list[dict[str, Any]]:
    """Every response with its scores and the answers that count, for JSON exports."""
    responses = database.query_records(f"{_SELECT} ORDER BY id")
    rows = database.query_rows(
        "SELECT DISTINCT ON (response_id, question_id) response_id, question_id, value"
        " FROM impact_answers ORDER BY response_id, question_id, id DESC"
    )
    stored: dict[int, dict[str, Any]] = {}
    for response_id, question_id, value in rows:
        if value is not None:
            stored.setdefault(int(response_id), {})[question_id] = json.loads(value)
    known = impact.questionnaires()
    exported: list[dict[str, Any]] = []
    for row in responses:
        response = _to_response(row)
        answers = stored.get(response.id, {})
        if response.questionnaire_id in known:
            answers, _ = clean_answers(questionnaire_for(response), answers)
        record = response.model_dump(mode="json", include=set(EXPORT_FIELDS) - {"answers"})
        record["answers"] = answers
        for name in EXPORT_FIELDS:
            if isinstance(getattr(response, name, None), datetime):
                record[name] = export_timestamp(getattr(response, name))
        exported.append({name: record.get(name) for name in EXPORT_FIELDS})
    return exported


# --- Suggested risks ---------------------------------------------------------------------------


def risk_links(database: Database, response: ImpactResponse) -> dict[tuple[str, int], int]:
    """(question id, trigger index) -> the risk already raised from this assessment chain.

    A re-assessment looks at every version of the same assessment, so a risk added from an
    earlier version is not suggested twice.
    """
    chain = [item.id for item in versions(database, response.system_id, response.questionnaire_id)]
    rows = database.query_rows(
        "SELECT origin, min(id) FROM risks WHERE system_id = ? AND origin LIKE ? GROUP BY origin",
        [response.system_id, f"{impact.ORIGIN_PREFIX}:%"],
    )
    links: dict[tuple[str, int], int] = {}
    for origin, risk_id in rows:
        parsed = impact.parse_origin(origin)
        if parsed and parsed[0] in chain:
            links.setdefault((parsed[1], parsed[2]), int(risk_id))
    return links


class SuggestionError(WorkbenchError):
    """The suggested risk cannot be added: the answers no longer suggest it."""


def _system_in(transaction: Transaction, system_id: int) -> AISystem:
    result = transaction.execute("SELECT * FROM ai_systems WHERE id = ?", [system_id])
    columns = [column[0] for column in result.description]
    row = result.fetchone()
    if row is None:
        raise NotFoundError(f"There is no AI system with id {system_id}.")
    return AISystem.model_validate(dict(zip(columns, row, strict=True)))


@requires(Permission.EDIT_RISKS, reach=response_reach)
def add_suggested_risk(
    database: Database,
    actor: Actor | str,
    response_id: int,
    question_id: str,
    trigger_index: int = 0,
) -> int:
    """Add one suggested risk to the register, not yet rated; returns its id.

    One click = one risk: when this answer (in any version of the assessment) already raised the
    risk, the existing one is returned and nothing is written. The risk takes the system's owner
    and lifecycle stage, and its origin links it back to the answer. The questionnaire's default
    rating is never saved for anyone: `suggested_rating` offers it as a starting point when a
    person rates the risk.
    """

    def work(transaction: Transaction) -> int:
        response = _require(transaction, response_id)
        questionnaire = questionnaire_for(response)
        result = score(questionnaire, _answers_in(transaction, response_id))
        suggestion = next(
            (
                item
                for item in impact.suggestions(questionnaire, result)
                if item.question_id == question_id and item.trigger_index == trigger_index
            ),
            None,
        )
        if suggestion is None:
            raise SuggestionError("The answers of this assessment no longer suggest that risk.")
        chain = transaction.fetchall(
            "SELECT id FROM impact_responses WHERE system_id = ? AND questionnaire_id = ?",
            [response.system_id, response.questionnaire_id],
        )
        origins = [impact.origin_for(int(row[0]), question_id, trigger_index) for row in chain]
        existing = transaction.fetchone(
            f"SELECT min(id) FROM risks WHERE system_id = ? AND origin IN"
            f" ({', '.join('?' for _ in origins)})",
            [response.system_id, *origins],
        )
        if existing and existing[0] is not None:
            return int(existing[0])
        system = _system_in(transaction, response.system_id)
        risk = insert_risk(
            transaction, impact.risk_input_for(suggestion, response.id, questionnaire, system)
        )
        transaction.audit(
            "add_risk",
            ENTITY,
            response.id,
            None,
            {"risk_id": risk.id, "origin": risk.origin},
            f"Added suggested risk {risk_reference(risk.id)} to the register: {risk.title}",
        )
        return risk.id

    return database.write(actor, work)


def suggested_rating(database: Database, risk: Risk) -> tuple[int, int, str] | None:
    """The impact questionnaire's default inherent rating of a risk an answer raised, as
    (likelihood, severity, where it comes from) on the current risk criteria.

    A starting point to offer when a person rates the risk, never a rating: None when the risk
    did not come from an impact answer (its `origin`), or that assessment, question or trigger
    no longer exists.
    """
    parsed = impact.parse_origin(risk.origin)
    if parsed is None:
        return None
    response_id, question_id, trigger_index = parsed
    try:
        response = get_response(database, response_id)
    except NotFoundError:
        return None
    questionnaire = (
        questionnaire_for(response)
        if response.questionnaire_id in impact.questionnaires()
        else None
    )
    question = questionnaire.find(question_id) if questionnaire else None
    if response.system_id != risk.system_id or question is None:
        return None
    if trigger_index >= len(question.triggers):
        return None
    template = question.triggers[trigger_index].risk
    likelihood, severity = map_rating(
        default_criteria(), current_criteria(database), template.likelihood, template.severity
    )
    reason = (
        f'the impact questionnaire\'s default for the answer to "{question.text}" '
        f"(impact assessment #{response_id})"
    )
    return likelihood, severity, reason
