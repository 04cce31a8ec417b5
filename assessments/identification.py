"""Identifying the risks of one AI system: library suggestions, why each fits, and prefills.

The risk library (data/risk_library.yaml) prompts a team with risks that systems like theirs
tend to have; `catalog.library_for_system` picks them from the system's inventory record and
this module explains the pick in words and turns an entry into an editable new risk. A library
entry's typical likelihood and severity are a suggested starting point for the inherent rating
only: they are never stored as a rating without a person choosing them and giving a reason.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from assessments import catalog, vocab
from assessments.catalog import LibraryRisk
from assessments.criteria import RiskCriteria, rescale_step

# The library's typical values are written on the default 5 x 5 criteria.
LIBRARY_SCALE_STEPS = 5


@dataclass(frozen=True)
class Suggestion:
    """A library risk proposed for a system, with the inventory facts that make it fit."""

    entry: LibraryRisk
    reasons: list[str] = field(default_factory=list)
    already_added: bool = False


def match_reasons(entry: LibraryRisk, system: Mapping[str, Any]) -> list[str]:
    """Short phrases naming each inventory fact the entry's conditions matched on."""
    conditions = entry.applies_when
    if entry.is_generic:
        return ["Applies to every AI system"]
    reasons: list[str] = []
    if conditions.ai_technique is not None:
        reasons.append(f"Uses {vocab.label(vocab.AI_TECHNIQUES, system.get('ai_technique'))}")
    if conditions.personal_data is not None:
        reasons.append(
            "Processes personal data" if conditions.personal_data else "Uses no personal data"
        )
    if conditions.special_category_data is not None:
        reasons.append(
            "Processes special-category data"
            if conditions.special_category_data
            else "Uses no special-category data"
        )
    if conditions.autonomy is not None:
        reasons.append(f"Oversight: {vocab.label(vocab.AUTONOMY, system.get('autonomy'))}")
    if conditions.deployment_context is not None:
        context = vocab.label(vocab.DEPLOYMENT_CONTEXTS, system.get("deployment_context"))
        reasons.append(f"Deployment: {context}")
    if conditions.stakeholders is not None:
        shared = [
            key for key in conditions.stakeholders if key in set(system.get("stakeholders") or [])
        ]
        reasons.append("Affects " + ", ".join(vocab.label(vocab.STAKEHOLDERS, k) for k in shared))
    return reasons


def suggestions(
    system: Mapping[str, Any],
    existing_library_ids: Collection[str] = (),
    *,
    search: str = "",
    harm_category: str | None = None,
) -> list[Suggestion]:
    """The library risks that fit the system, most specific first, each with its reasons.

    `existing_library_ids` marks entries the system already has a risk for; `search` keeps
    entries whose title or description contains every word; `harm_category` keeps one category.
    """
    words = search.casefold().split()
    found: list[Suggestion] = []
    for entry in catalog.library_for_system(system):
        if harm_category and entry.harm_category != harm_category:
            continue
        text = f"{entry.title} {entry.description}".casefold()
        if any(word not in text for word in words):
            continue
        found.append(
            Suggestion(
                entry=entry,
                reasons=match_reasons(entry, system),
                already_added=entry.id in existing_library_ids,
            )
        )
    return found


def _stage(system: Mapping[str, Any]) -> str:
    stage = system.get("lifecycle_stage")
    return stage if stage in vocab.LIFECYCLE_STAGES else "concept"


def prefill_from_library(entry: LibraryRisk, system: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a new risk taken from a library entry, for the user to edit before saving.

    The owner and lifecycle stage start as the system's; the entry is remembered as
    `library_id` so its suggested controls and typical rating can be offered later.
    """
    return {
        "system_id": system["id"],
        "title": entry.title,
        "description": entry.description,
        "harm_category": entry.harm_category,
        "risk_source": entry.risk_source,
        "affected_parties": list(entry.affected_parties),
        "lifecycle_stage": _stage(system),
        "owner": system.get("owner") or "",
        "status": "open",
        "library_id": entry.id,
    }


def blank_risk(system: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a risk written from scratch: only the system's owner and stage are filled."""
    return {
        "system_id": system["id"],
        "title": "",
        "description": "",
        "harm_category": None,
        "risk_source": None,
        "affected_parties": [],
        "lifecycle_stage": _stage(system),
        "owner": system.get("owner") or "",
        "status": "open",
        "library_id": None,
    }


def library_entry(library_id: str | None) -> LibraryRisk | None:
    """The library entry a risk came from, if it came from one that still exists."""
    if not library_id:
        return None
    return next((entry for entry in catalog.risk_library() if entry.id == library_id), None)


def typical_rating(entry: LibraryRisk, criteria: RiskCriteria) -> tuple[int, int]:
    """The entry's typical likelihood and severity placed on the criteria's scales."""
    return (
        rescale_step(entry.typical_likelihood, LIBRARY_SCALE_STEPS, len(criteria.likelihood)),
        rescale_step(entry.typical_severity, LIBRARY_SCALE_STEPS, len(criteria.severity)),
    )
