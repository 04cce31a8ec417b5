"""Storage of risks: identification, append-only ratings, treatment, actions, acceptance.

Every rating is a new row in `risk_ratings` (never updated); `risk_current_ratings` holds the
latest rating per risk and tier and is written in the same transaction, so the register and
the leadership views read one small table while trends read the full history.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from assessments.criteria import OutOfScaleError
from assessments.errors import ConflictError, FieldErrors, NotFoundError
from assessments.identity import Actor, Permission, requires, same_person
from assessments.references import risk_reference
from assessments.risks import (
    AcceptanceInput,
    ActionInput,
    Rating,
    RatingInput,
    Risk,
    RiskInput,
    TreatmentInput,
)
from assessments.store import risk_rules as rules
from assessments.store.criteria import criteria_in_transaction
from assessments.store.db import Database, Transaction
from assessments.store.reach import action_reach, risk_reach, system_reach

ENTITY = "risk"
ACTION_ENTITY = "risk_action"
# An acceptance is audited on its risk (entity ENTITY, the acceptance id in the states), both
# when it is recorded ('accept') and when it is revoked ('revoke'), so a risk's trail holds
# every decision about it; store/health.py finds each acceptance's event by `$.acceptance_id`.

_RISK_FIELDS = list(RiskInput.model_fields)


def _records(result: Any) -> list[dict[str, Any]]:
    columns = [column[0] for column in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def _fetch_risk(transaction: Transaction, risk_id: int) -> Risk | None:
    rows = _records(transaction.execute("SELECT * FROM risks WHERE id = ?", [risk_id]))
    return Risk.model_validate(rows[0]) if rows else None


def _require_risk(transaction: Transaction, risk_id: int) -> Risk:
    risk = _fetch_risk(transaction, risk_id)
    if risk is None:
        raise NotFoundError(f"There is no risk with id {risk_id}.")
    return risk


def _snapshot(risk: Risk) -> dict[str, Any]:
    return risk.model_dump(mode="json")


def insert_risk(transaction: Transaction, data: RiskInput) -> Risk:
    """Add a risk inside a caller's transaction (the register, impact triggers, workshops)."""
    system = transaction.fetchone("SELECT name FROM ai_systems WHERE id = ?", [data.system_id])
    if system is None:
        raise FieldErrors({"system_id": f"There is no AI system with id {data.system_id}."})
    values = data.model_dump()
    row = transaction.fetchone(
        f"INSERT INTO risks ({', '.join(_RISK_FIELDS)}, revision, created_at, created_by,"
        f" updated_at, updated_by) VALUES ({', '.join('?' for _ in _RISK_FIELDS)}, 1, ?, ?, ?, ?)"
        " RETURNING id",
        [values[name] for name in _RISK_FIELDS]
        + [transaction.at, transaction.actor, transaction.at, transaction.actor],
    )
    assert row is not None
    risk = _require_risk(transaction, int(row[0]))
    transaction.audit("create", ENTITY, risk.id, None, _snapshot(risk), f"Identified: {risk.title}")
    return risk


def risk_id_by_title(transaction: Transaction, system_id: int, title: str) -> int | None:
    """The risk of a system with this title (case-insensitive), for loaders that must not add
    it twice."""
    row = transaction.fetchone(
        "SELECT id FROM risks WHERE system_id = ? AND lower(title) = lower(?) ORDER BY id LIMIT 1",
        [system_id, title],
    )
    return int(row[0]) if row else None


@requires(Permission.EDIT_RISKS, reach=system_reach)
def create_risk(database: Database, actor: Actor | str, data: RiskInput) -> Risk:
    return database.write(actor, lambda transaction: insert_risk(transaction, data))


def _check_revision(risk: Risk, expected_revision: int | None) -> None:
    if expected_revision is not None and risk.revision != expected_revision:
        raise ConflictError(
            f"{risk.updated_by} changed this risk since you opened it (revision {risk.revision},"
            f" you edited {expected_revision}). Reload to see their change, then make yours again."
        )


@requires(Permission.EDIT_RISKS, reach=risk_reach)
def update_risk(
    database: Database,
    actor: Actor | str,
    risk_id: int,
    data: RiskInput,
    expected_revision: int | None = None,
) -> Risk:
    """Save an edit of what identifies a risk (not its ratings or treatment)."""

    def work(transaction: Transaction) -> Risk:
        current = _require_risk(transaction, risk_id)
        _check_revision(current, expected_revision)
        if current.as_input() == data:
            return current
        if data.system_id != current.system_id:
            raise FieldErrors({"system_id": "A risk stays with its AI system; add a new one."})
        values = data.model_dump()
        transaction.execute(
            f"UPDATE risks SET {', '.join(f'{name} = ?' for name in _RISK_FIELDS)},"
            " revision = revision + 1, updated_at = ?, updated_by = ? WHERE id = ?",
            [values[name] for name in _RISK_FIELDS] + [transaction.at, transaction.actor, risk_id],
        )
        updated = _require_risk(transaction, risk_id)
        transaction.audit("update", ENTITY, risk_id, _snapshot(current), _snapshot(updated))
        return updated

    return database.write(actor, work)


def insert_rating(transaction: Transaction, data: RatingInput) -> Rating:
    """Append a rating under the current criteria and move the current-rating pointer.

    The level is computed here by the criteria (never taken from the caller). A rating dated
    before the current one of its tier (a backfilled history) is kept but does not replace it.
    """
    risk = _require_risk(transaction, data.risk_id)
    criteria = criteria_in_transaction(transaction)
    try:
        level = criteria.level_for(data.likelihood, data.severity)
    except OutOfScaleError as error:
        field = "likelihood" if "likelihood" in str(error).lower() else "severity"
        raise FieldErrors({field: str(error)}) from error
    rank = criteria.level_rank(level.name)
    rated_at = data.rated_at or transaction.at
    row = transaction.fetchone(
        "INSERT INTO risk_ratings (risk_id, tier, likelihood, severity, level, level_rank,"
        " criteria_version, rationale, strength_of_knowledge, method, workshop_id, participants,"
        " rated_at, rated_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " RETURNING id",
        [
            data.risk_id,
            data.tier,
            data.likelihood,
            data.severity,
            level.name,
            rank,
            criteria.version,
            data.rationale,
            data.strength_of_knowledge,
            data.method,
            data.workshop_id,
            data.participants,
            rated_at,
            transaction.actor,
            transaction.at,
        ],
    )
    assert row is not None
    rating_id = int(row[0])
    transaction.execute(
        "INSERT INTO risk_current_ratings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (risk_id, tier) DO UPDATE SET rating_id = excluded.rating_id,"
        " likelihood = excluded.likelihood, severity = excluded.severity, level = excluded.level,"
        " level_rank = excluded.level_rank, criteria_version = excluded.criteria_version,"
        " rated_at = excluded.rated_at WHERE excluded.rated_at >= risk_current_ratings.rated_at",
        [
            data.risk_id,
            data.tier,
            rating_id,
            data.likelihood,
            data.severity,
            level.name,
            rank,
            criteria.version,
            rated_at,
        ],
    )
    rating = Rating(
        id=rating_id,
        **data.model_dump(exclude={"rated_at"}),
        level=level.name,
        level_rank=rank,
        criteria_version=criteria.version,
        rated_at=rated_at,
        rated_by=transaction.actor,
    )
    transaction.audit(
        "rate",
        ENTITY,
        risk.id,
        None,
        {**rating.model_dump(mode="json"), "rated_at": rated_at.isoformat()},
        f"{data.tier.capitalize()} rating L{data.likelihood} x S{data.severity} = {level.name}",
    )
    return rating


@requires(Permission.EDIT_RISKS, reach=risk_reach)
def record_rating(database: Database, actor: Actor | str, data: RatingInput) -> Rating:
    """Rate one tier of a risk (the guided rating step and every other rating path)."""
    return database.write(actor, lambda transaction: insert_rating(transaction, data))


def apply_treatment(
    transaction: Transaction,
    risk_id: int,
    treatment: TreatmentInput,
    expected_revision: int | None = None,
) -> Risk:
    """Set the treatment inside a caller's transaction (the demo loader, imports)."""
    current = _require_risk(transaction, risk_id)
    _check_revision(current, expected_revision)
    if (current.treatment_option, current.controls, current.treatment_note) == (
        treatment.option,
        treatment.controls,
        treatment.note,
    ):
        return current
    transaction.execute(
        "UPDATE risks SET treatment_option = ?, controls = ?, treatment_note = ?,"
        " revision = revision + 1, updated_at = ?, updated_by = ? WHERE id = ?",
        [
            treatment.option,
            treatment.controls,
            treatment.note,
            transaction.at,
            transaction.actor,
            risk_id,
        ],
    )
    updated = _require_risk(transaction, risk_id)
    transaction.audit(
        "treat",
        ENTITY,
        risk_id,
        _snapshot(current),
        _snapshot(updated),
        f"Treatment: {treatment.option}; controls {', '.join(treatment.controls) or 'none'}",
    )
    return updated


@requires(Permission.EDIT_RISKS, reach=risk_reach)
def set_treatment(
    database: Database,
    actor: Actor | str,
    risk_id: int,
    treatment: TreatmentInput,
    expected_revision: int | None = None,
) -> Risk:
    """Choose the treatment option and link the Annex A controls that treat the risk."""
    return database.write(
        actor,
        lambda transaction: apply_treatment(transaction, risk_id, treatment, expected_revision),
    )


def _action_snapshot(transaction: Transaction, action_id: int) -> dict[str, Any] | None:
    rows = _records(transaction.execute("SELECT * FROM risk_actions WHERE id = ?", [action_id]))
    if not rows:
        return None
    return {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in rows[0].items()
    }


def _completion_date(action: ActionInput, stored: dict[str, Any] | None) -> date | None:
    """The completion date to store: the one given; else, for a done action, the date it
    already has when it was done before this edit, or today when it becomes done now."""
    if action.status != "done":
        return None
    if action.completed_at is not None:
        return action.completed_at
    if stored is not None and stored["status"] == "done" and stored["completed_at"]:
        return date.fromisoformat(str(stored["completed_at"]))
    return date.today()


def insert_action(transaction: Transaction, risk_id: int, action: ActionInput) -> int:
    _require_risk(transaction, risk_id)
    row = transaction.fetchone(
        "INSERT INTO risk_actions (risk_id, title, owner, due_date, status, completed_at,"
        " revision, created_at, created_by, updated_at, updated_by)"
        " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?) RETURNING id",
        [
            risk_id,
            action.title,
            action.owner,
            action.due_date,
            action.status,
            _completion_date(action, None),
            transaction.at,
            transaction.actor,
            transaction.at,
            transaction.actor,
        ],
    )
    assert row is not None
    action_id = int(row[0])
    transaction.audit(
        "create",
        ACTION_ENTITY,
        action_id,
        None,
        _action_snapshot(transaction, action_id),
        f"Action for risk {risk_reference(risk_id)}: {action.title}",
    )
    return action_id


@requires(Permission.EDIT_RISKS, reach=risk_reach)
def add_action(database: Database, actor: Actor | str, risk_id: int, action: ActionInput) -> int:
    """Plan a treatment action with an owner and a due date."""
    return database.write(actor, lambda transaction: insert_action(transaction, risk_id, action))


@requires(Permission.EDIT_RISKS, reach=action_reach)
def update_action(
    database: Database,
    actor: Actor | str,
    action_id: int,
    action: ActionInput,
    expected_revision: int | None = None,
) -> None:
    """Change an action (status, due date, owner, ...). A done action keeps its completion date
    while it stays done. With `expected_revision` (the revision the user edited), a change
    saved by someone else meanwhile is refused instead of silently overwritten."""

    def work(transaction: Transaction) -> None:
        before = _action_snapshot(transaction, action_id)
        if before is None:
            raise NotFoundError(f"There is no action with id {action_id}.")
        if expected_revision is not None and before["revision"] != expected_revision:
            raise ConflictError(
                f"{before['updated_by']} changed this action since you opened it (revision "
                f"{before['revision']}, you edited {expected_revision}). Reload to see their "
                "change, then make yours again."
            )
        transaction.execute(
            "UPDATE risk_actions SET title = ?, owner = ?, due_date = ?, status = ?,"
            " completed_at = ?, revision = revision + 1, updated_at = ?, updated_by = ?"
            " WHERE id = ?",
            [
                action.title,
                action.owner,
                action.due_date,
                action.status,
                _completion_date(action, before),
                transaction.at,
                transaction.actor,
                action_id,
            ],
        )
        transaction.audit(
            "update", ACTION_ENTITY, action_id, before, _action_snapshot(transaction, action_id)
        )

    database.write(actor, work)


def _above_appetite(transaction: Transaction, risk: Risk, residual: tuple) -> bool:
    """The residual rating exceeds what its criteria version accepts for the risk's harm
    category (or in general)."""
    row = transaction.fetchone(
        "SELECT max_rank FROM criteria_appetite WHERE version = ? AND harm_category IN (?, '')"
        " ORDER BY harm_category DESC LIMIT 1",
        [residual[3], risk.harm_category or ""],
    )
    return row is not None and int(residual[2]) > int(row[0])


def insert_acceptance(transaction: Transaction, data: AcceptanceInput) -> int:
    """Record management's acceptance of the current residual rating of a risk."""
    risk = _require_risk(transaction, data.risk_id)
    residual = transaction.fetchone(
        "SELECT rating_id, level, level_rank, criteria_version FROM risk_current_ratings"
        " WHERE risk_id = ? AND tier = 'residual'",
        [data.risk_id],
    )
    if residual is None:
        raise FieldErrors(
            {"form": "Rate the residual risk first: an acceptance accepts a residual rating."}
        )
    if same_person(transaction.identity or transaction.actor, risk.owner) and _above_appetite(
        transaction, risk, residual
    ):
        raise FieldErrors(
            {
                "form": f"You own this risk and its residual level {residual[1]} is above what "
                "the criteria accept for it: someone other than the owner must accept it."
            }
        )
    row = transaction.fetchone(
        "INSERT INTO risk_acceptances (risk_id, rating_id, level, level_rank, criteria_version,"
        " approved_by, approved_at, rationale, valid_until, recorded_at, recorded_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [
            data.risk_id,
            *residual,
            transaction.actor,
            data.approved_at,
            data.rationale,
            data.valid_until,
            transaction.at,
            transaction.actor,
        ],
    )
    assert row is not None
    acceptance_id = int(row[0])
    transaction.audit(
        "accept",
        ENTITY,
        data.risk_id,
        None,
        {
            "acceptance_id": acceptance_id,
            "level": residual[1],
            "approved_by": transaction.actor,
            **data.model_dump(mode="json"),
        },
        f"Residual {residual[1]} accepted by {transaction.actor} until {data.valid_until}",
    )
    return acceptance_id


@requires(Permission.ACCEPT_RISKS)
def record_acceptance(database: Database, actor: Actor | str, data: AcceptanceInput) -> int:
    return database.write(actor, lambda transaction: insert_acceptance(transaction, data))


@requires(Permission.ACCEPT_RISKS)
def revoke_acceptance(database: Database, actor: Actor | str, acceptance_id: int) -> None:
    """Withdraw an acceptance before its expiry (it stays in the history as revoked)."""

    def work(transaction: Transaction) -> None:
        row = transaction.fetchone(
            "SELECT risk_id, revoked_at, level, valid_until FROM risk_acceptances WHERE id = ?",
            [acceptance_id],
        )
        if row is None:
            raise NotFoundError(f"There is no acceptance with id {acceptance_id}.")
        risk_id, revoked_at, level, valid_until = row
        if revoked_at is not None:
            raise ConflictError("This acceptance is already revoked.")
        transaction.execute(
            "UPDATE risk_acceptances SET revoked_at = ?, revoked_by = ? WHERE id = ?",
            [transaction.at, transaction.actor, acceptance_id],
        )
        transaction.audit(
            "revoke",
            ENTITY,
            risk_id,
            {"acceptance_id": acceptance_id, "revoked_at": None, "revoked_by": None},
            {
                "acceptance_id": acceptance_id,
                "revoked_at": transaction.at.isoformat(),
                "revoked_by": transaction.actor,
            },
            f"Acceptance {acceptance_id} (residual {level}, valid until {valid_until}) revoked",
        )

    database.write(actor, work)


def get_risk(database: Database, risk_id: int) -> Risk:
    rows = database.query_records("SELECT * FROM risks WHERE id = ?", [risk_id])
    if not rows:
        raise NotFoundError(f"There is no risk with id {risk_id}.")
    return Risk.model_validate(rows[0])


def rating_history(database: Database, risk_id: int) -> pd.DataFrame:
    """Every rating of a risk, oldest first, each with the criteria version it was made under."""
    return database.query_df(
        "SELECT id, tier, likelihood, severity, level, level_rank, criteria_version, rationale,"
        " strength_of_knowledge, method, workshop_id, participants, rated_at, rated_by"
        " FROM risk_ratings WHERE risk_id = ? ORDER BY rated_at, id",
        [risk_id],
    )


def current_ratings(database: Database, risk_id: int) -> dict[str, Rating]:
    """The latest rating of each tier of one risk, by tier."""
    rows = database.query_records(
        "SELECT c.rating_id AS id, c.risk_id, c.tier, c.likelihood, c.severity, c.level,"
        " c.level_rank, c.criteria_version, c.rated_at, r.rationale, r.strength_of_knowledge,"
        " r.method, r.workshop_id, r.participants, r.rated_by"
        " FROM risk_current_ratings c JOIN risk_ratings r ON r.id = c.rating_id"
        " WHERE c.risk_id = ?",
        [risk_id],
    )
    return {row["tier"]: Rating.model_validate(row) for row in rows}


def actions_for(database: Database, risk_id: int) -> pd.DataFrame:
    """The actions of a risk, by due date, with the revision an edit must name."""
    return database.query_df(
        "SELECT id, title, owner, due_date, status, completed_at, revision, updated_at,"
        " updated_by FROM risk_actions WHERE risk_id = ? ORDER BY due_date, id",
        [risk_id],
    )


def acceptances_for(database: Database, risk_id: int, as_of: date | None = None) -> pd.DataFrame:
    """Acceptances of a risk, newest first, judged on `as_of` (default today) by the register's
    rule (store/risk_rules.py).

    `in_force`: approved by then, not expired, not revoked. `covers_current`: it accepts the
    current residual rating (that rating, or one of the same criteria version at a level no
    higher); only an acceptance both in force and covering retains the risk. `state`:
    'in_force', 'pending' (approved for a later day), 'expired' or 'revoked'.
    """
    day = "$day"
    return database.query_df(
        "SELECT a.id, a.level, a.criteria_version, a.approved_by, a.approved_at, a.rationale,"
        " a.valid_until, a.revoked_at, a.revoked_by, a.recorded_by,"
        f" coalesce({rules.acceptance_in_force('a', day)}, FALSE) AS in_force,"
        f" coalesce({rules.acceptance_covers('a', 'res')}, FALSE) AS covers_current,"
        f" CASE WHEN a.revoked_at IS NOT NULL AND CAST(a.revoked_at AS DATE) <= {day}"
        "  THEN 'revoked'"
        f" WHEN a.valid_until < {day} THEN 'expired'"
        f" WHEN a.approved_at > {day} THEN 'pending' ELSE 'in_force' END AS state"
        f" FROM risk_acceptances a LEFT JOIN ({rules.CURRENT_RESIDUAL}) res"
        "  ON res.risk_id = a.risk_id"
        " WHERE a.risk_id = $risk_id ORDER BY a.approved_at DESC, a.id DESC",
        {"day": as_of or date.today(), "risk_id": risk_id},
    )
