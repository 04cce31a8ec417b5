"""The demo portfolio: realistic content from data/demo, loaded without ever duplicating.

Each step adds what is missing and leaves what is there (matched by natural keys such as the
system name), so loading twice changes nothing the second time. The demo's records name its
own invented people (assessments/demo_people.py); the person who loads it is recorded once, in
one audit event for the load itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assessments.config import data_dir
from assessments.demo_dates import relative_day
from assessments.demo_people import DEMO_ACTOR, acting_as
from assessments.demo_screenings import apply_changes_after_screening, load_screenings
from assessments.identity import Actor, Permission, on_behalf_of_the_operator, requires
from assessments.impact_demo import load_impact_assessments
from assessments.inventory import AISystemInput
from assessments.risk_demo import load_risks
from assessments.soa_demo import load_soa
from assessments.store.db import Database, Transaction
from assessments.store.inventory import insert_system, system_id_by_name
from assessments.workshop_demo import load_workshops
from assessments.yaml_io import safe_load

# The audit trail's record type of a load of the demo portfolio (assessments/records.py).
DEMO_LOAD_ENTITY = "demo_load"


def demo_file(name: str) -> Path:
    return data_dir() / "demo" / name


def read_demo_yaml(name: str) -> dict[str, Any]:
    with demo_file(name).open(encoding="utf-8") as handle:
        return safe_load(handle)


def load_systems(transaction: Transaction) -> int:
    """Add the demo AI systems that are not in the inventory yet, each registered by its owner;
    their review dates count from the day of loading."""
    day = transaction.at.date()
    added = 0
    for entry in read_demo_yaml("systems.yaml")["systems"]:
        if entry.get("next_review"):
            entry = {**entry, "next_review": relative_day(entry["next_review"], day)}
        data = AISystemInput.model_validate(entry)
        if system_id_by_name(transaction, data.name) is None:
            with acting_as(transaction, data.owner or DEMO_ACTOR):
                insert_system(transaction, data)
            added += 1
    return added


@dataclass
class DemoReport:
    added: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.added.values())

    def lines(self) -> list[str]:
        return [
            f"{name}: {count} {'record' if count == 1 else 'records'} added"
            for name, count in self.added.items()
        ]

    def summary(self) -> str:
        """The load in one line, for the audit trail."""
        if not self.total:
            return "Loaded the demo portfolio (nothing added: it was already there)"
        parts = "; ".join(f"{name} {count}" for name, count in self.added.items() if count)
        return f"Loaded the demo portfolio: {self.total} records added ({parts})"


# Each feature appends its step; steps run in order, each in its own transaction.
DEMO_STEPS: list[tuple[str, Callable[[Transaction], int]]] = [
    ("AI systems", load_systems),
    ("Risks", load_risks),
    ("Regulatory screenings", load_screenings),
    ("Changes after screening", apply_changes_after_screening),
    ("Impact assessments", load_impact_assessments),
]
# After the demo risks: it makes every control their treatments use applicable.
DEMO_STEPS.append(("Statement of Applicability", load_soa))
# After the demo risks: the workshops rate them and add consensus ratings to their histories.
DEMO_STEPS.append(("Committee workshops", load_workshops))


@requires(Permission.LOAD_DEMO)
def load_demo(database: Database, actor: Actor | str = DEMO_ACTOR) -> DemoReport:
    """Load every demo step; returns how many records each step added.

    The steps write as the demo's own people ("Demo loader" where the demo has none), so no
    back-dated rating or approval names the person loading it; `actor` is recorded once, for
    the load, dated now."""
    report = DemoReport()
    with on_behalf_of_the_operator():
        for name, step in DEMO_STEPS:
            report.added[name] = database.write(DEMO_ACTOR, step)
    database.write(actor, lambda transaction: _record_load(transaction, report))
    return report


def _record_load(transaction: Transaction, report: DemoReport) -> None:
    transaction.audit(
        "load",
        DEMO_LOAD_ENTITY,
        "demo",
        after={
            "records_added": report.total,
            "records_added_by_part": [f"{name}: {count}" for name, count in report.added.items()],
        },
        summary=report.summary(),
    )
