"""Answer sets for the built-in impact questionnaire, so tests state only what they vary."""

from __future__ import annotations

from typing import Any

from assessments.demo import load_systems
from assessments.impact_demo import load_impact_assessments
from assessments.store.db import Database, Transaction

GRID_ROWS = ("individuals", "groups", "society")
# Version 2.0 split "environment_democracy" into "environment" and "public_debate".
GRID_COLUMNS = (
    "discrimination",
    "privacy",
    "physical_psychological",
    "economic",
    "autonomy",
    "environment",
    "public_debate",
)
LIKELIHOOD_QUESTIONS = tuple(f"likelihood_{column}" for column in GRID_COLUMNS)
BENEFIT_ROWS = ("individuals", "groups", "society", "organisation")


def benefits(size: str = "small", **rows: str) -> dict[str, dict[str, str]]:
    """The benefit table: every group gains `size`; `organisation="large"` overrides one."""
    return {row: {"size": rows.get(row, size)} for row in BENEFIT_ROWS}


def likelihoods(value: str = "possible", **kinds: str) -> dict[str, str]:
    """A likelihood answer for every kind of harm (`economic="likely"` overrides one); only
    the kinds rated above none in the harm table are asked, so pass what the grid rates."""
    return {f"likelihood_{column}": kinds.get(column, value) for column in GRID_COLUMNS}


def grid(rating: str = "low", **cells: str) -> dict[str, dict[str, str]]:
    """Every cell rated `rating`; `row__column="high"` overrides one cell."""
    table = {row: dict.fromkeys(GRID_COLUMNS, rating) for row in GRID_ROWS}
    for key, value in cells.items():
        row, column = key.split("__")
        table[row][column] = value
    return table


def complete_answers(**overrides: Any) -> dict[str, Any]:
    """Every required answer of a low-impact internal tool (level I), plus a review date."""
    answers: dict[str, Any] = {
        "scope_reason": "new_system",
        "scope_boundaries": "The ticket router in the EU service desk; nothing else.",
        "scope_lifecycle_stage": "deployment",
        "scope_next_review": "2030-01-31",
        "system_purpose": "Routes internal IT tickets to the right support queue.",
        "system_technique": "machine_learning",
        "system_function": "recommends",
        "system_decision_areas": ["none"],
        "system_legal_effect": False,
        "system_autonomy": "human_in_the_loop",
        "system_people_reached": "up_to_10k",
        "system_reversibility": "at_once",
        "system_generates_content": False,
        "use_intended": "Agents see a suggested queue and move the ticket themselves.",
        "misuse_foreseeable": ["none"],
        "data_sources": ["internal_records"],
        "data_personal": False,
        "data_representative": "checked_good",
        "model_origin": "in_house",
        "model_explainability": "overall",
        "deploy_setting": "internal",
        "deploy_regions": "EU",
        "deploy_physical": "digital_only",
        "parties_groups": ["employees"],
        "parties_non_users": False,
        "parties_children": False,
        "parties_vulnerable": ["none"],
        "parties_opt_out": "easily",
        "benefit_kinds": ["money_time"],
        "benefit_grid": benefits("small", individuals="moderate", society="none"),
        "benefits_description": "Tickets reach the right team faster.",
        "harm_grid": grid("none"),
        "harm_worst_severity": 2,
        "harm_unequal_outcomes": "checked_none",
        "failure_consequence": "inconvenience",
        "failure_exposure": "internal_trusted",
        "measure_human_review": "every_case",
        "measure_contest": "informal",
        "measure_notice": "plain_notice",
        "measure_owner": "Ada Park, service desk lead",
    }
    answers.update(overrides)
    return answers


def load_impact_demo(database: Database) -> int:
    """Only the demo steps this feature needs (the whole demo is slow); returns versions added."""

    def run(step) -> int:
        def work(transaction: Transaction) -> int:
            added = step(transaction)
            return added

        return database.write("Demo loader", work)

    run(load_systems)
    return run(load_impact_assessments)
