"""Storage of regulatory screenings and of the checklist of obligations they lead to.

Both are append-only (`screenings`, `obligation_updates`); the current screening of a system and
the current state of a checklist item are the latest rows (views `current_screenings` and
`current_obligations`, migration 004). Other store modules join `current_screenings` to filter by
class; pages and other features call `current_classes`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from assessments.errors import FieldErrors, NotFoundError, WorkbenchError, field_messages
from assessments.identity import Actor, Permission, requires
from assessments.questionnaire.model import Questionnaire
from assessments.questionnaire.visibility import clean_answers
from assessments.regulatory import (
    CLOSED_STATUSES,
    NOT_SCREENED,
    OBLIGATION_STATUSES,
    STALE_FIELDS,
    ObligationUpdate,
    ScreeningFacts,
    ScreeningOutcome,
    class_label,
    colorado_verdict_repealed,
    current_answers,
    evaluate,
    is_stale,
    law_changes,
    outcome_from_json,
    screening_note,
    screening_questionnaire,
    stale_reasons,
)
from assessments.screening import Obligation
from assessments.store.db import Database, Transaction, to_json
from assessments.store.inventory import last_changed
from assessments.store.reach import system_reach
from assessments.vocab import IN_SCOPE_STATUSES

SCREENING_ENTITY = "screening"
OBLIGATION_ENTITY = "obligation_update"


class ScreeningRecord(BaseModel):
    """A stored screening with its outcome, and whether the system or the law changed since."""

    model_config = ConfigDict(frozen=True)

    id: int
    system_id: int
    questionnaire_id: str
    questionnaire_version: str
    answers: dict[str, Any]
    outcome: ScreeningOutcome
    note: str
    screened_at: datetime
    screened_by: str
    law_version: str | None = None
    changed_at: datetime | None = None

    @property
    def risk_class(self) -> str:
        return self.outcome.risk_class

    @property
    def stale_reasons(self) -> list[str]:
        """Why this screening no longer holds (empty when it does)."""
        return stale_reasons(self.screened_at, self.changed_at, self.law_version)

    @property
    def stale(self) -> bool:
        return bool(self.stale_reasons)


class ChecklistRow(BaseModel):
    """A checklist item of the current screening with its current status."""

    model_config = ConfigDict(frozen=True)

    item: Obligation
    status: str = "to_do"
    owner: str = ""
    evidence: str = ""
    updated_at: datetime | None = None
    updated_by: str | None = None


# --- screenings ----------------------------------------------------------------------------------


def _system_name(transaction: Transaction, system_id: int) -> str:
    row = transaction.fetchone("SELECT name FROM ai_systems WHERE id = ?", [system_id])
    if row is None:
        raise NotFoundError(f"There is no AI system with id {system_id}.")
    return str(row[0])


def insert_screening(
    transaction: Transaction,
    system_id: int,
    outcome: ScreeningOutcome,
    answers: Mapping[str, Any],
    note: str = "",
) -> int:
    """Append a screening inside a caller's transaction (the page's save and the demo loader)."""
    name = _system_name(transaction, system_id)
    previous = transaction.fetchone(
        "SELECT id, risk_class FROM current_screenings WHERE system_id = ?", [system_id]
    )
    row = transaction.fetchone(
        "INSERT INTO screenings (system_id, questionnaire_id, questionnaire_version, answers,"
        " result, risk_class, fria_required, colorado_covered, obligation_ids, note,"
        " screened_at, screened_by, law_version)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [
            system_id,
            outcome.questionnaire_id,
            outcome.questionnaire_version,
            to_json(dict(answers)),
            outcome.model_dump_json(),
            outcome.risk_class,
            outcome.eu.fria_required,
            outcome.colorado.covered if outcome.colorado else None,
            outcome.obligation_ids,
            note,
            transaction.at,
            transaction.actor,
            outcome.law_version or None,
        ],
    )
    assert row is not None
    screening_id = int(row[0])
    before = {"screening_id": previous[0], "class": previous[1]} if previous else None
    after = {
        "system_id": system_id,
        "class": outcome.risk_class,
        "basis": outcome.eu.basis,
        "fria_required": outcome.eu.fria_required,
        "gpai": outcome.eu.gpai,
        "transparency_duties": outcome.eu.transparency_duties,
        "colorado_covered": outcome.colorado.covered if outcome.colorado else None,
        "questionnaire_version": outcome.questionnaire_version,
        "law_version": outcome.law_version,
        "answers": dict(answers),
        "note": note,
    }
    change = f" (was {class_label(previous[1])})" if previous else ""
    transaction.audit(
        "create",
        SCREENING_ENTITY,
        screening_id,
        before,
        after,
        f"Screened {name}: {class_label(outcome.risk_class)}{change}",
    )
    # The impact level's floors follow the screening: an open assessment is rescored now, in
    # the same transaction. (Imported here: the impact store reads screenings itself.)
    from assessments.store.impact import rescore_open

    rescore_open(transaction, system_id)
    return screening_id


@requires(Permission.SCREEN, reach=system_reach)
def record_screening(
    database: Database,
    actor: Actor | str,
    system_id: int,
    answers: Mapping[str, Any],
    note: str | None = "",
    questionnaire: Questionnaire | None = None,
) -> ScreeningRecord:
    """Screen a system from the questionnaire's answers and keep the result as its current one.

    The outcome is always computed here by the procedure, never taken from the caller. Raises
    FieldErrors (question id or 'note' -> message) when the answers cannot be screened.
    """
    questionnaire = questionnaire or screening_questionnaire()
    outcome = evaluate(answers, questionnaire)
    text = screening_note(note)
    kept, _ = clean_answers(questionnaire, current_answers(answers))
    database.write(
        actor, lambda transaction: insert_screening(transaction, system_id, outcome, kept, text)
    )
    record = current_screening(database, system_id)
    assert record is not None
    return record


_SCREENING_COLUMNS = (
    "id, system_id, questionnaire_id, questionnaire_version, answers, result, note, screened_at,"
    " screened_by, law_version"
)


def _record(row: dict[str, Any], changed_at: datetime | None) -> ScreeningRecord:
    return ScreeningRecord(
        id=row["id"],
        system_id=row["system_id"],
        questionnaire_id=row["questionnaire_id"],
        questionnaire_version=row["questionnaire_version"],
        # Screenings saved under SB 24-205 answered its questions: read as today's keys.
        answers=current_answers(json.loads(row["answers"])),
        outcome=outcome_from_json(json.loads(row["result"])),
        note=row["note"],
        screened_at=row["screened_at"],
        screened_by=row["screened_by"],
        law_version=row["law_version"],
        changed_at=changed_at,
    )


def current_screening(database: Database, system_id: int) -> ScreeningRecord | None:
    """The latest screening of a system (None when never screened), with its staleness."""
    rows = database.query_records(
        f"SELECT {_SCREENING_COLUMNS} FROM current_screenings WHERE system_id = ?", [system_id]
    )
    if not rows:
        return None
    changed = last_changed(database, STALE_FIELDS, system_id=system_id).get(system_id)
    return _record(rows[0], changed)


_FACT_COLUMNS = "system_id, risk_class, fria_required, colorado_covered, law_version"


def _facts(row: Sequence[Any]) -> ScreeningFacts:
    """Facts from a current_screenings row (_FACT_COLUMNS): a Colorado verdict reached under
    the repealed SB 24-205 covers nothing under the law in force."""
    _, risk_class, fria_required, colorado_covered, law_version = row
    return ScreeningFacts(
        eu_class=risk_class,
        fria_required=bool(fria_required),
        colorado_covered=bool(colorado_covered) and not colorado_verdict_repealed(law_version),
    )


def screening_facts(source: Database | Transaction, system_id: int) -> ScreeningFacts | None:
    """The facts of a system's current screening that other rules use (None when never
    screened); reads inside a caller's transaction too, so a rescore sees its own writes."""
    sql = f"SELECT {_FACT_COLUMNS} FROM current_screenings WHERE system_id = ?"
    row = (
        source.fetchone(sql, [system_id])
        if isinstance(source, Transaction)
        else source.query_one(sql, [system_id])
    )
    return None if row is None else _facts(row)


def screening_facts_by_system(database: Database) -> dict[int, ScreeningFacts]:
    """System id -> the facts of its current screening, for every screened system in one
    query (lists of systems never ask system by system)."""
    rows = database.query_rows(f"SELECT {_FACT_COLUMNS} FROM current_screenings")
    return {int(row[0]): _facts(row) for row in rows}


def screening_history(database: Database, system_id: int) -> pd.DataFrame:
    """Every screening of a system, newest first (id, screened_at, screened_by, class, note)."""
    return database.query_df(
        "SELECT id, screened_at, screened_by, risk_class, fria_required, questionnaire_version,"
        " note FROM screenings WHERE system_id = ? ORDER BY screened_at DESC, id DESC",
        [system_id],
    )


def has_screening(transaction: Transaction, system_id: int) -> bool:
    """Whether the system has been screened at least once (inside a caller's transaction)."""
    row = transaction.fetchone("SELECT 1 FROM screenings WHERE system_id = ? LIMIT 1", [system_id])
    return row is not None


def current_classes(database: Database) -> dict[int, str]:
    """System id -> EU AI Act class of its current screening (systems never screened are
    absent). For filters in the register, the leadership view and elsewhere."""
    rows = database.query_rows("SELECT system_id, risk_class FROM current_screenings")
    return {int(system_id): str(risk_class) for system_id, risk_class in rows}


def overview(
    database: Database,
    classes: Sequence[str] | None = None,
    *,
    stale_only: bool = False,
    fria_only: bool = False,
) -> pd.DataFrame:
    """Every AI system with its current class, FRIA, Colorado flag, checklist progress
    (`obligations_closed` of `obligations_total`, `progress` in whole percent, empty without
    obligations) and staleness. `classes` narrows it (NOT_SCREENED selects systems never
    screened), `stale_only` to stale screenings, `fria_only` to those requiring a FRIA."""
    return overview_page(database, classes, stale_only=stale_only, fria_only=fria_only, limit=None)[
        0
    ]


def overview_page(
    database: Database,
    classes: Sequence[str] | None = None,
    *,
    stale_only: bool = False,
    fria_only: bool = False,
    limit: int | None,
) -> tuple[pd.DataFrame, int]:
    """The first `limit` rows of `overview` by name (None: all) and how many match in all.

    The cut is SQL's LIMIT with the total counted in the same query; only "stale only" reads
    every candidate, since staleness is judged here from the audit trail and the law data."""
    params: list[Any] = []
    conditions: list[str] = []
    if classes:
        conditions.append(
            f"coalesce(c.risk_class, '{NOT_SCREENED}') IN ({', '.join('?' for _ in classes)})"
        )
        params.extend(classes)
    if stale_only:
        conditions.append("c.id IS NOT NULL")
    if fria_only:
        conditions.append("coalesce(c.fria_required, false)")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    closed = ", ".join(f"'{status}'" for status in CLOSED_STATUSES)
    bounded = ""
    if limit is not None and not stale_only:
        bounded = " LIMIT ?"
    frame = database.query_df(
        "SELECT *, CASE WHEN obligations_total > 0"
        " THEN CAST(round(100.0 * obligations_closed / obligations_total) AS INTEGER) END"
        " AS progress, count(*) OVER () AS matching FROM ("
        "SELECT s.id AS system_id, s.name, s.business_unit, s.owner, s.status,"
        f" coalesce(c.risk_class, '{NOT_SCREENED}') AS risk_class, c.id AS screening_id,"
        " c.screened_at, c.screened_by, c.fria_required, c.colorado_covered,"
        " c.law_version,"
        " CAST(coalesce(cardinality(c.obligation_ids), 0) AS BIGINT) AS obligations_total,"
        " coalesce(done.closed, 0) AS obligations_closed"
        " FROM ai_systems s"
        " LEFT JOIN current_screenings c ON c.system_id = s.id"
        " LEFT JOIN (SELECT o.system_id, count(*) AS closed FROM current_obligations o"
        "   JOIN current_screenings cs ON cs.system_id = o.system_id"
        f"   WHERE o.status IN ({closed}) AND o.obligation_id = ANY(cs.obligation_ids)"
        "   GROUP BY o.system_id) done ON done.system_id = s.id"
        f" {where}) systems ORDER BY lower(name), system_id{bounded}",
        [*params, *([int(limit)] if bounded else [])],
    )
    total = int(frame["matching"].iloc[0]) if len(frame) else 0
    frame = frame.drop(columns="matching")
    changed = last_changed(database, STALE_FIELDS)
    # One verdict per distinct law version (a handful), never one per system; a screening with
    # no recorded version was made under version 1 of each law ("" stands for it).
    versions = [
        (text if isinstance(text, str) else "") if pd.notna(screening) else None
        for screening, text in zip(frame["screening_id"], frame["law_version"], strict=True)
    ]
    law = {text: law_changes(text) for text in set(versions) - {None}}
    frame["law_changed"] = [bool(law.get(text)) for text in versions]
    frame["colorado_repealed_law"] = [
        text is not None and colorado_verdict_repealed(text) for text in versions
    ]
    frame["stale"] = [
        law_changed or bool(pd.notna(when) and is_stale(when, changed.get(int(system_id))))
        for system_id, when, law_changed in zip(
            frame["system_id"], frame["screened_at"], frame["law_changed"], strict=True
        )
    ]
    if stale_only:
        # Staleness compares the screening with the audit trail's last change of STALE_FIELDS
        # and with the law data it was made under.
        frame = frame[frame["stale"].astype(bool)].reset_index(drop=True)
        total = len(frame)
        if limit is not None:
            frame = frame.head(limit)
    return frame, total


def class_counts(database: Database) -> dict[str, int]:
    """How many systems in scope (vocab.IN_SCOPE_STATUSES) are in each class, NOT_SCREENED
    included."""
    rows = database.query_rows(
        f"SELECT coalesce(c.risk_class, '{NOT_SCREENED}'), count(*) FROM ai_systems s"
        " LEFT JOIN current_screenings c ON c.system_id = s.id"
        f" WHERE s.status IN ({', '.join('?' for _ in IN_SCOPE_STATUSES)}) GROUP BY 1",
        list(IN_SCOPE_STATUSES),
    )
    return {str(risk_class): int(count) for risk_class, count in rows}


# --- the checklist -------------------------------------------------------------------------------


def _current_state(
    transaction_or_db: Transaction | Database, system_id: int, obligation_id: str | None = None
) -> dict[str, dict[str, Any]]:
    sql = (
        "SELECT obligation_id, status, owner, evidence, updated_at, updated_by"
        " FROM current_obligations WHERE system_id = ?"
    )
    params: list[Any] = [system_id]
    if obligation_id is not None:
        sql += " AND obligation_id = ?"
        params.append(obligation_id)
    if isinstance(transaction_or_db, Transaction):
        result = transaction_or_db.execute(sql, params)
        columns = [column[0] for column in result.description]
        rows = [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
    else:
        rows = transaction_or_db.query_records(sql, params)
    return {row["obligation_id"]: row for row in rows}


def checklist(database: Database, system_id: int) -> list[ChecklistRow]:
    """The obligations of the system's current screening, each with its current status."""
    record = current_screening(database, system_id)
    if record is None:
        return []
    states = _current_state(database, system_id)
    rows: list[ChecklistRow] = []
    for item in record.outcome.checklist:
        state = states.get(item.id)
        rows.append(
            ChecklistRow(
                item=item,
                status=state["status"] if state else "to_do",
                owner=state["owner"] if state else "",
                evidence=state["evidence"] if state else "",
                updated_at=state["updated_at"] if state else None,
                updated_by=state["updated_by"] if state else None,
            )
        )
    return rows


def insert_obligation_update(
    transaction: Transaction, system_id: int, obligation_id: str, update: ObligationUpdate
) -> bool:
    """Append a checklist change inside a caller's transaction; False when nothing changed."""
    name = _system_name(transaction, system_id)
    row = transaction.fetchone(
        "SELECT obligation_ids FROM current_screenings WHERE system_id = ?", [system_id]
    )
    if row is None:
        raise WorkbenchError(f"{name} has not been screened yet, so it has no obligations.")
    if obligation_id not in list(row[0]):
        raise NotFoundError(
            f"'{obligation_id}' is not an obligation of the current screening of {name}."
        )
    previous = _current_state(transaction, system_id, obligation_id).get(obligation_id)
    before = (
        {key: previous[key] for key in ("status", "owner", "evidence")}
        if previous
        else {"status": "to_do", "owner": "", "evidence": ""}
    )
    after = update.model_dump()
    if before == after:
        return False
    inserted = transaction.fetchone(
        "INSERT INTO obligation_updates (system_id, obligation_id, status, owner, evidence,"
        " updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [
            system_id,
            obligation_id,
            update.status,
            update.owner,
            update.evidence,
            transaction.at,
            transaction.actor,
        ],
    )
    assert inserted is not None
    transaction.audit(
        "create",
        OBLIGATION_ENTITY,
        int(inserted[0]),
        {"system_id": system_id, "obligation_id": obligation_id, **before},
        {"system_id": system_id, "obligation_id": obligation_id, **after},
        f"Obligation {obligation_id} of {name}: {before['status']} -> {update.status}",
    )
    return True


@requires(Permission.SCREEN, reach=system_reach)
def update_obligation(
    database: Database,
    actor: Actor | str,
    system_id: int,
    obligation_id: str,
    status: str,
    owner: str = "",
    evidence: str = "",
) -> bool:
    """Set the status, owner and evidence of one checklist item; False when nothing changed.

    Raises FieldErrors (status, owner, evidence -> message) on bad input."""
    try:
        update = ObligationUpdate.model_validate(
            {"status": status, "owner": owner, "evidence": evidence}
        )
    except ValidationError as error:
        raise FieldErrors(field_messages(error)) from error

    def work(transaction: Transaction) -> bool:
        changed = insert_obligation_update(transaction, system_id, obligation_id, update)
        return changed

    return database.write(actor, work)


def obligation_history(database: Database, system_id: int, obligation_id: str) -> pd.DataFrame:
    """Every change of one checklist item, newest first."""
    return database.query_df(
        "SELECT updated_at, updated_by, status, owner, evidence FROM obligation_updates"
        " WHERE system_id = ? AND obligation_id = ? ORDER BY updated_at DESC, id DESC",
        [system_id, obligation_id],
    )


# Columns of the obligations export, in order: what an auditor checks for each duty.
OBLIGATION_EXPORT_COLUMNS: tuple[str, ...] = (
    "system_id",
    "system",
    "eu_ai_act_class",
    "screened_at",
    "screened_by",
    "screening_stale",
    "law",
    "obligation_id",
    "article",
    "title",
    "roles",
    "applies_from",
    "date_set_by",
    "earlier_date",
    "condition",
    "status",
    "owner",
    "evidence",
    "updated_at",
    "updated_by",
    "source",
    "last_checked",
)


def obligations_frame(database: Database) -> pd.DataFrame:
    """Every obligation of every system's current screening, one row each, with its dates (and
    the act that set them), its checklist state and whether the screening is stale: the
    `export obligations` file."""
    screenings = database.query_records(
        f"SELECT {_SCREENING_COLUMNS}, system FROM ("
        "  SELECT c.*, s.name AS system FROM current_screenings c"
        "  JOIN ai_systems s ON s.id = c.system_id"
        ") screened ORDER BY lower(system), system_id"
    )
    states: dict[tuple[int, str], dict[str, Any]] = {
        (row["system_id"], row["obligation_id"]): row
        for row in database.query_records(
            "SELECT system_id, obligation_id, status, owner, evidence, updated_at, updated_by"
            " FROM current_obligations"
        )
    }
    changed = last_changed(database, STALE_FIELDS)
    rows: list[dict[str, Any]] = []
    for screening in screenings:
        record = _record(screening, changed.get(int(screening["system_id"])))
        stale = "; ".join(record.stale_reasons)
        for item in record.outcome.checklist:
            state = states.get((record.system_id, item.id), {})
            rows.append(
                {
                    "system_id": record.system_id,
                    "system": screening["system"],
                    "eu_ai_act_class": class_label(record.risk_class),
                    "screened_at": record.screened_at,
                    "screened_by": record.screened_by,
                    "screening_stale": stale,
                    "law": item.regime,
                    "obligation_id": item.id,
                    "article": item.article,
                    "title": item.title,
                    "roles": ", ".join(item.roles),
                    "applies_from": item.applies_from,
                    "date_set_by": item.date_set_by or "",
                    "earlier_date": item.replaced_date,
                    "condition": item.condition or "",
                    "status": OBLIGATION_STATUSES[state.get("status", "to_do")],
                    "owner": state.get("owner", ""),
                    "evidence": state.get("evidence", ""),
                    "updated_at": state.get("updated_at"),
                    "updated_by": state.get("updated_by", ""),
                    "source": item.source,
                    "last_checked": item.last_checked,
                }
            )
    return pd.DataFrame(rows, columns=list(OBLIGATION_EXPORT_COLUMNS))
