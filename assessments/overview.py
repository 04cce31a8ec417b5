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


def impact_next_steps(impact: dict[str, int]) -> list[NextStep]:
    """Impact assessment suggestions from `store.impact.status_counts`, most urgent first."""

    def count(key: str, one: str, many: str) -> str:
        number = impact.get(key, 0)
        return f"{number} {one if number == 1 else many}"

    steps: list[NextStep] = []
    if impact.get("stale", 0):
        text = count("stale", "approved impact assessment is", "approved impact assessments are")
        steps.append(NextStep(f"{text} out of date: re-assess.", "impact_stale"))
    if impact.get("returned", 0):
        text = count("returned", "impact assessment was", "impact assessments were")
        steps.append(
            NextStep(f"{text} returned for changes: revise and resubmit.", "impact_returned")
        )
    if impact.get("awaiting_approval", 0):
        text = count("awaiting_approval", "impact assessment waits", "impact assessments wait")
        steps.append(NextStep(f"{text} for approval: review and sign off.", "impact_submitted"))
    if impact.get("never_assessed", 0):
        text = count("never_assessed", "AI system in scope has", "AI systems in scope have")
        steps.append(NextStep(f"{text} no impact assessment yet: start one.", "impact_never"))
    return steps


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def risk_next_steps(risks: dict[str, int], classes: dict[str, int]) -> list[NextStep]:
    """Risk and regulatory suggestions from the register's headline counts (`register_summary`)
    and the EU AI Act classes of the systems in scope (`class_counts`), most urgent first."""
    steps: list[NextStep] = []
    if classes.get("prohibited", 0):
        text = _count(classes["prohibited"], "AI system is", "AI systems are")
        steps.append(
            NextStep(f"{text} screened as a prohibited practice: stop or redesign.", "regulatory")
        )
    if risks.get("not_accepted", 0):
        text = _count(risks["not_accepted"], "risk is", "risks are")
        steps.append(
            NextStep(
                f"{text} above the appetite with no acceptance in force: treat further or "
                "record management's acceptance.",
                "portfolio",
            )
        )
    if risks.get("overdue_actions", 0):
        text = _count(risks["overdue_actions"], "treatment action is", "treatment actions are")
        steps.append(NextStep(f"{text} overdue: follow up with the owners.", "portfolio"))
    if risks.get("findings", 0):
        text = _count(risks["findings"], "consistency finding", "consistency findings")
        steps.append(NextStep(f"{text} in the risk register: fix them.", "register"))
    if risks.get("risks", 0) == 0:
        steps.append(
            NextStep("No risk is identified yet: start with the risk library.", "risk_new")
        )
    not_screened = classes.get("not_screened", 0)
    if not_screened:
        text = _count(not_screened, "AI system in scope is", "AI systems in scope are")
        steps.append(
            NextStep(f"{text} not screened against the EU AI Act yet: screen them.", "regulatory")
        )
    return steps
