"""Storage of the risk criteria: each saved change is a new, immutable version.

A version is kept as its export JSON plus three derived tables (cells, levels, appetite) and a
map from every older version onto it, all written from the same `RiskCriteria` object in one
transaction, so SQL aggregations and Python lookups can never disagree.
"""

from __future__ import annotations

import json
import threading
from datetime import date

import pandas as pd

from assessments.criteria import (
    RiskCriteria,
    default_criteria,
    map_rating,
    removed_levels,
    to_export_dict,
)
from assessments.errors import ConflictError, NotFoundError
from assessments.identity import Actor, Permission, requires
from assessments.store import risk_rules as rules
from assessments.store.db import Database, Transaction

ENTITY = "criteria"
SYSTEM_ACTOR = "system (default criteria)"

_parsed: dict[tuple[str, int], RiskCriteria] = {}
_parsed_lock = threading.Lock()


def _parse(definition: str, version: int) -> RiskCriteria:
    data = json.loads(definition)
    data["version"] = version
    return RiskCriteria.model_validate(data)


def _insert_version(transaction: Transaction, criteria: RiskCriteria, note: str) -> RiskCriteria:
    row = transaction.fetchone("SELECT coalesce(max(version), 0) FROM criteria_versions")
    previous_version = int(row[0]) if row else 0
    version = previous_version + 1
    saved = criteria.model_copy(update={"version": version})
    definition = to_export_dict(saved)
    transaction.execute(
        "INSERT INTO criteria_versions VALUES (?, ?, ?, ?, ?, ?)",
        [version, saved.name, json.dumps(definition), note, transaction.at, transaction.actor],
    )
    transaction.executemany(
        "INSERT INTO criteria_cells VALUES (?, ?, ?, ?, ?, ?)",
        [
            [
                version,
                cell["likelihood"],
                cell["severity"],
                cell["level"],
                cell["rank"],
                cell["colour"],
            ]
            for cell in saved.cells()
        ],
    )
    transaction.executemany(
        "INSERT INTO criteria_levels VALUES (?, ?, ?, ?)",
        [
            [version, level.name, rank, level.colour]
            for rank, level in enumerate(saved.levels, start=1)
        ],
    )
    appetite = [[version, "", saved.level_rank(saved.appetite)]] + [
        [version, category, saved.level_rank(level)] for category, level in saved.tolerances.items()
    ]
    transaction.executemany("INSERT INTO criteria_appetite VALUES (?, ?, ?)", appetite)
    older = [
        _parse(definition_text, int(old_version))
        for old_version, definition_text in transaction.fetchall(
            "SELECT version, definition FROM criteria_versions ORDER BY version"
        )
    ]
    mapping = []
    for old in older:
        for likelihood in range(1, len(old.likelihood) + 1):
            for severity in range(1, len(old.severity) + 1):
                mapped = map_rating(old, saved, likelihood, severity)
                mapping.append([old.version, version, likelihood, severity, *mapped])
    transaction.executemany("INSERT INTO criteria_cell_map VALUES (?, ?, ?, ?, ?, ?)", mapping)
    before = None
    if previous_version:
        before_row = transaction.fetchone(
            "SELECT definition FROM criteria_versions WHERE version = ?", [previous_version]
        )
        before = json.loads(before_row[0]) if before_row else None
    transaction.audit(
        "create", ENTITY, version, before, definition, f"Criteria version {version}: {saved.name}"
    )
    return saved


def seed_default_criteria(database: Database) -> None:
    """A new database starts with the default 5 x 5 criteria as version 1."""
    row = database.query_one("SELECT count(*) FROM criteria_versions")
    if row and row[0]:
        return

    def work(transaction: Transaction) -> None:
        exists = transaction.fetchone("SELECT count(*) FROM criteria_versions")
        if exists and exists[0]:
            return
        _insert_version(transaction, default_criteria(), "Default criteria, created on first start")

    database.write(SYSTEM_ACTOR, work)


def levels_in_use(
    transaction_or_database: Transaction | Database, names: list[str]
) -> dict[str, str]:
    """Where each level name is still used: current ratings, and acceptances not expired or
    revoked (in force, or approved for a later day)."""
    if not names:
        return {}
    params: dict[str, object] = {f"level{index}": name for index, name in enumerate(names)}
    placeholders = ", ".join(f"${key}" for key in params)
    params["today"] = date.today()
    sql = (
        "SELECT level, 'current ratings', count(*) FROM risk_current_ratings"
        f" WHERE level IN ({placeholders}) GROUP BY level"
        " UNION ALL SELECT a.level, 'acceptances in force', count(*) FROM risk_acceptances a"
        f" WHERE {rules.acceptance_live('a', 'CAST($today AS DATE)')}"
        f" AND a.level IN ({placeholders}) GROUP BY a.level"
    )
    rows = (
        transaction_or_database.fetchall(sql, params)
        if isinstance(transaction_or_database, Transaction)
        else transaction_or_database.query_rows(sql, params)
    )
    usage: dict[str, list[str]] = {}
    for level, where, count in rows:
        usage.setdefault(level, []).append(f"{count} {where}")
    return {level: " and ".join(parts) for level, parts in usage.items()}


@requires(Permission.EDIT_CRITERIA)
def save_criteria(
    database: Database,
    actor: Actor | str,
    criteria: RiskCriteria,
    note: str = "",
    expected_version: int | None = None,
) -> RiskCriteria:
    """Save the criteria as a new version; refuses to drop a level that is still in use.

    `expected_version` is the version the editor started from: when someone saved another
    version meanwhile, the save is refused (ConflictError naming them) rather than silently
    replacing their changes.
    """

    def work(transaction: Transaction) -> RiskCriteria:
        current = _current_in(transaction)
        latest = current.version if current is not None else 0
        if expected_version is not None and latest != expected_version:
            row = transaction.fetchone(
                "SELECT created_by, created_at FROM criteria_versions WHERE version = ?",
                [latest],
            )
            who, when = (row[0], f"{row[1]:%Y-%m-%d %H:%M} UTC") if row else ("someone", "")
            raise ConflictError(
                f"{who} saved version {latest} of the criteria{' on ' + when if when else ''}"
                f" after you started from version {expected_version}. Nothing was saved: start "
                "again from the current version to keep their changes, then make yours."
            )
        if current is not None and _same(current, criteria):
            raise ConflictError("Nothing changed: these criteria are the current version.")
        if current is not None:
            dropped = removed_levels(current, criteria)
            in_use = levels_in_use(transaction, dropped)
            if in_use:
                details = "; ".join(f"'{level}' by {where}" for level, where in in_use.items())
                raise ConflictError(
                    f"A level still in use cannot be deleted: {details}. Re-rate those risks "
                    "(or let the acceptances expire) first, or keep the level.",
                    field="levels",
                )
        return _insert_version(transaction, criteria, note)

    return database.write(actor, work)


def _same(left: RiskCriteria, right: RiskCriteria) -> bool:
    return to_export_dict(left.model_copy(update={"version": 0})) == to_export_dict(
        right.model_copy(update={"version": 0})
    )


def _current_in(transaction: Transaction) -> RiskCriteria | None:
    row = transaction.fetchone(
        "SELECT version, definition FROM criteria_versions ORDER BY version DESC LIMIT 1"
    )
    return _parse(row[1], int(row[0])) if row else None


def current_version(database: Database) -> int:
    row = database.query_one("SELECT coalesce(max(version), 0) FROM criteria_versions")
    return int(row[0]) if row else 0


def criteria_version(database: Database, version: int) -> RiskCriteria:
    """A saved version (immutable, so parsed once per process)."""
    key = (database.location, version)
    with _parsed_lock:
        cached = _parsed.get(key)
    if cached is not None:
        return cached
    row = database.query_one(
        "SELECT definition FROM criteria_versions WHERE version = ?", [version]
    )
    if row is None:
        raise NotFoundError(f"There is no criteria version {version}.")
    parsed = _parse(row[0], version)
    with _parsed_lock:
        _parsed[key] = parsed
    return parsed


def current_criteria(database: Database) -> RiskCriteria:
    """The criteria every new rating is made under."""
    version = current_version(database)
    if version == 0:
        seed_default_criteria(database)
        version = current_version(database)
    return criteria_version(database, version)


def list_versions(database: Database) -> pd.DataFrame:
    return database.query_df(
        "SELECT v.version, v.name, v.note, v.created_at, v.created_by,"
        " (SELECT count(*) FROM risk_ratings r WHERE r.criteria_version = v.version) AS ratings"
        " FROM criteria_versions v ORDER BY v.version DESC"
    )


def criteria_in_transaction(transaction: Transaction) -> RiskCriteria:
    """The current criteria, read inside a write (so a rating uses what it validated against)."""
    current = _current_in(transaction)
    if current is None:
        return default_criteria()
    return current


def review_rules(database: Database) -> tuple[int, int]:
    """The current criteria version and its review interval in months (what the register's
    checks and the leadership figures judge 'review overdue' by)."""
    criteria = current_criteria(database)
    return criteria.version, criteria.review_interval_months
