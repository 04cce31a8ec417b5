"""Whose records a contributor may change: the people named on an AI system, a risk, a
treatment action or an impact assessment. `@requires(..., reach=...)` reads these before a write
by a signed-in contributor; the rule itself is `identity.check_reach`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assessments.identity import Reach
from assessments.store.db import Database


def _first(database: Database, sql: str, value: Any) -> tuple | None:
    if value is None:
        return None
    return database.query_one(sql, [value])


def system_reach(database: Database, arguments: Mapping[str, Any]) -> Reach | None:
    """An AI system (argument `system_id`, or `data.system_id`): its owner."""
    system_id = arguments.get("system_id")
    if system_id is None and hasattr(arguments.get("data"), "system_id"):
        system_id = arguments["data"].system_id
    row = _first(database, "SELECT name, owner FROM ai_systems WHERE id = ?", system_id)
    return Reach(f"the AI system '{row[0]}'", (row[1],)) if row else None


def risk_reach(database: Database, arguments: Mapping[str, Any]) -> Reach | None:
    """A risk (argument `risk_id`, or `data.risk_id`): its owner and its AI system's owner."""
    risk_id = arguments.get("risk_id")
    if risk_id is None and hasattr(arguments.get("data"), "risk_id"):
        risk_id = arguments["data"].risk_id
    row = _first(
        database,
        "SELECT r.title, r.owner, s.owner FROM risks r JOIN ai_systems s ON s.id = r.system_id"
        " WHERE r.id = ?",
        risk_id,
    )
    return Reach(f"the risk '{row[0]}'", (row[1], row[2])) if row else None


def action_reach(database: Database, arguments: Mapping[str, Any]) -> Reach | None:
    """A treatment action: its owner, its risk's owner and the AI system's owner."""
    row = _first(
        database,
        "SELECT a.title, a.owner, r.owner, s.owner FROM risk_actions a"
        " JOIN risks r ON r.id = a.risk_id JOIN ai_systems s ON s.id = r.system_id"
        " WHERE a.id = ?",
        arguments.get("action_id"),
    )
    return Reach(f"the action '{row[0]}'", tuple(row[1:])) if row else None


def response_reach(database: Database, arguments: Mapping[str, Any]) -> Reach | None:
    """An impact assessment: whoever started it and its AI system's owner."""
    row = _first(
        database,
        "SELECT s.name, i.created_by, s.owner FROM impact_responses i"
        " JOIN ai_systems s ON s.id = i.system_id WHERE i.id = ?",
        arguments.get("response_id"),
    )
    return Reach(f"the impact assessment of '{row[0]}'", tuple(row[1:])) if row else None
