"""Where the organisation stands and what to do next: the home page's rules, kept out of the UI."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NextStep:
    """A suggestion: what to do, why, and which part of the app does it (a logical target)."""

    text: str
    target: str


def next_steps(inventory: dict[str, int]) -> list[NextStep]:
    """Suggestions ordered by urgency, from the headline figures."""
    steps: list[NextStep] = []
    if inventory.get("total", 0) == 0:
        return [
            NextStep(
                "Add your first AI system to the inventory, or load the demo portfolio.",
                "system_edit",
            )
        ]
    overdue = inventory.get("review_overdue", 0)
    if overdue:
        noun = "system is" if overdue == 1 else "systems are"
        steps.append(
            NextStep(
                f"{overdue} AI {noun} past the next review date: review them.", "inventory_overdue"
            )
        )
    planned = inventory.get("planned", 0)
    if planned:
        noun = "system is" if planned == 1 else "systems are"
        steps.append(
            NextStep(
                f"{planned} planned AI {noun} not live yet: assess impact and risk before launch.",
                "inventory_planned",
            )
        )
    steps.append(
        NextStep("Keep the inventory complete: add any AI system not listed yet.", "system_edit")
    )
    return steps
