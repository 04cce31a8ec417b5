"""Who did what in the demo portfolio: its own invented people, never the person loading it.

The demo replays a year of a fictional company's work (ratings, screenings, approvals, votes).
Each record names the demo person who would have made it, in its "by" fields and in the audit
trail; "Demo loader" stands in where the demo has no person for a record. The person who loads
the demo is recorded once, for the load itself (assessments/demo.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from assessments.config import data_dir
from assessments.store.db import Transaction
from assessments.yaml_io import safe_load

DEMO_ACTOR = "Demo loader"
# The AIMS manager of the fictional company: keeps the SoA and readiness, reviews assessments.
DEMO_AIMS_MANAGER = "Nadia Okafor"


@contextmanager
def acting_as(transaction: Transaction, name: str) -> Iterator[None]:
    """Record `name` as the actor of the writes that follow, in the audit trail and in every
    "by" field the store fills from the transaction, as the app would have for that person."""
    previous = transaction.actor
    transaction.actor = name
    try:
        yield
    finally:
        transaction.actor = previous


def system_owners() -> dict[str, str]:
    """Each demo AI system's owner by system name (data/demo/systems.yaml): the person who
    registers, screens and changes the system in the demo story."""
    with (data_dir() / "demo" / "systems.yaml").open(encoding="utf-8") as handle:
        systems = safe_load(handle)["systems"]
    return {entry["name"]: entry.get("owner") or DEMO_ACTOR for entry in systems}
