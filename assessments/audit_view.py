"""The audit trail for people: field and value labels, record names, and the export.

Snapshots in the trail keep stable keys (`lifecycle_stage: retired`); people read labels
("Lifecycle stage: Retired"). The labels are the ones each feature already shows: the
inventory's FIELD_LABELS (as on the system page's change history), the SoA export headers,
the vocabularies of risks, screenings and impact assessments.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from assessments import catalog, impact, regulatory, risks, soa, vocab, workshops
from assessments.audit import describe_value, entity_label, field_changes
from assessments.inventory import FIELD_LABELS
from assessments.references import risk_reference
from assessments.reports.soa_xlsx import HEADERS as SOA_HEADERS
from assessments.reports.tabular import encode

AUDIT_EXPORT_FORMATS = ("csv", "json")

_RISK_FIELDS: dict[str, str] = {
    "title": "Title",
    "description": "Description",
    "system_id": "AI system",
    "harm_category": "Harm category",
    "risk_source": "Risk source",
    "affected_parties": "Affected parties",
    "lifecycle_stage": "Lifecycle stage",
    "owner": "Owner",
    "status": "Status",
    "treatment_option": "Treatment option",
    "treatment_note": "Treatment note",
    "controls": "Annex A controls",
    "library_id": "Library risk",
    "origin": "Origin",
    "risk_id": "Risk",
    "tier": "Rating",
    "likelihood": "Likelihood",
    "severity": "Severity",
    "level": "Level",
    "rationale": "Rationale",
    "method": "How it was rated",
    "participants": "Participants",
    "strength_of_knowledge": "Strength of knowledge",
    "rated_at": "Rated at",
    "rated_by": "Rated by",
    "criteria_version": "Criteria version",
    "workshop_id": "Workshop",
    "approved_by": "Approved by",
    "approved_at": "Approved on",
    "valid_until": "Valid until",
    "acceptance_id": "Acceptance",
    "due_date": "Due date",
    "completed_at": "Completed on",
}
_SCREENING_FIELDS: dict[str, str] = {
    "system_id": "AI system",
    "class": "EU AI Act class",
    "basis": "Basis",
    "gpai": "General-purpose AI model",
    "fria_required": "Fundamental rights impact assessment required",
    "transparency_duties": "Transparency duties",
    "colorado_covered": "Colorado ADMT law (SB 26-189): covered",
    # Screenings saved before SB 26-189 replaced SB 24-205.
    "colorado_high_risk": "Colorado AI Act (SB 24-205, repealed): high-risk",
    "answers": "Answers",
    "note": "Note",
    "questionnaire_version": "Questionnaire version",
    "obligation_id": "Obligation",
    "status": "Status",
    "owner": "Owner",
    "evidence": "Evidence",
}
_IMPACT_FIELDS: dict[str, str] = {
    "system_id": "AI system",
    "status": "Status",
    "version_no": "Version",
    "level": "Impact level",
    "points_level": "Level from the points alone (before floors)",
    "impact_score": "Impact score",
    "impact_max": "Highest possible score",
    "submitted_by": "Submitted by",
    "submitted_at": "Submitted at",
    "approved_by": "Approved by",
    "approved_at": "Approved at",
    "returned_by": "Returned by",
    "returned_at": "Returned at",
    "review_comment": "Reviewer's comment",
    "previous_id": "Previous version",
    "questionnaire_id": "Questionnaire",
    "questionnaire_version": "Questionnaire version",
    "response_id": "Impact assessment",
    "question_id": "Question",
    "value": "Answer",
}
_WORKSHOP_FIELDS: dict[str, str] = {
    "title": "Title",
    "facilitator": "Facilitator",
    "status": "Status",
    "tier": "Rating",
    "risk_ids": "Risks",
    "risk_id": "Risk",
    "system_ids": "AI systems",
    "system_names": "AI systems",
    "expected_participants": "Expected participants",
    "anonymise_names": "Anonymised names",
    "closed_at": "Closed at",
    "name": "Name",
    "workshop_id": "Workshop",
    "round": "Round",
    "round_opened": "Round opened",
    "note": "Discussion note",
    "dissent": "Dissent",
    "dissenting": "Dissenting",
    "actions": "Actions",
}
_CRITERIA_FIELDS: dict[str, str] = {
    "name": "Name",
    "version": "Version",
    "appetite": "Appetite",
    "tolerances": "Appetite per harm category",
    "likelihood": "Likelihood scale",
    "severity": "Severity scale",
    "levels": "Levels",
    "grid": "Level grid",
    "review_interval_months": "Review interval (months)",
}

FIELD_LABELS_BY_ENTITY: dict[str, Mapping[str, str]] = {
    "ai_system": FIELD_LABELS,
    "risk": _RISK_FIELDS,
    "risk_rating": _RISK_FIELDS,
    "risk_action": _RISK_FIELDS,
    "risk_acceptance": _RISK_FIELDS,
    "soa_control": SOA_HEADERS,
    "clause_readiness": SOA_HEADERS,
    "screening": _SCREENING_FIELDS,
    "obligation_update": _SCREENING_FIELDS,
    "impact_response": _IMPACT_FIELDS,
    "impact_answer": _IMPACT_FIELDS,
    "workshop": _WORKSHOP_FIELDS,
    "workshop_participant": _WORKSHOP_FIELDS,
    "workshop_vote": _WORKSHOP_FIELDS,
    "criteria": _CRITERIA_FIELDS,
}


def field_label(entity: str, name: str) -> str:
    """The label a field has on its own page, else its key in words ('risk_source' -> 'Risk
    source')."""
    labels = FIELD_LABELS_BY_ENTITY.get(entity, {})
    return labels.get(name) or name.replace("_", " ").capitalize()


@functools.cache
def _value_vocabularies() -> dict[str, dict[str, Mapping[Any, str]]]:
    """entity -> field -> key -> label, read once (the reference files are cached anyway)."""
    taxonomy = catalog.taxonomy()
    eu = regulatory.load_eu_ai_act_reference()
    obligations = {spec.id: spec.title for spec in eu.obligations}
    art50 = {
        choice.value: choice.label
        for choice in regulatory.screening_questionnaire().question("art50").choices
    }
    system = {
        "roles": vocab.ROLES,
        "lifecycle_stage": vocab.LIFECYCLE_STAGES,
        "ai_technique": vocab.AI_TECHNIQUES,
        "autonomy": vocab.AUTONOMY,
        "stakeholders": vocab.STAKEHOLDERS,
        "personal_data": vocab.PERSONAL_DATA,
        "special_category_data": vocab.PERSONAL_DATA,
        "deployment_context": vocab.DEPLOYMENT_CONTEXTS,
        "status": vocab.SYSTEM_STATUSES,
    }
    risk = {
        "harm_category": taxonomy.harm_categories,
        "risk_source": taxonomy.risk_sources,
        "affected_parties": taxonomy.affected_parties,
        "treatment_option": taxonomy.treatment_options,
        "lifecycle_stage": vocab.LIFECYCLE_STAGES,
        "status": risks.RISK_STATUSES,
        "tier": risks.TIERS,
        "method": risks.RATING_METHODS,
        "strength_of_knowledge": risks.STRENGTH_OF_KNOWLEDGE,
    }
    screening = {
        "class": regulatory.class_labels(),
        "basis": {key: value.label for key, value in eu.bases.items()},
        "gpai": {key: value.label for key, value in eu.gpai_levels.items()},
        "transparency_duties": art50,
        "obligation_id": obligations,
        "status": regulatory.OBLIGATION_STATUSES,
    }
    soa_values = {
        "status": {**soa.IMPLEMENTATION_STATUSES, soa.NOT_ASSESSED: soa.NOT_ASSESSED_LABEL},
        "inclusion_reasons": soa.INCLUSION_REASONS,
        "maturity": soa.MATURITY_LEVELS,
    }
    return {
        "ai_system": system,
        "risk": risk,
        "risk_rating": risk,
        "risk_acceptance": risk,
        "risk_action": {"status": risks.ACTION_STATUSES},
        "screening": screening,
        "obligation_update": screening,
        "soa_control": soa_values,
        "clause_readiness": soa_values,
        "impact_response": {"status": impact.STATUSES},
        "workshop": {"tier": risks.TIERS, "confidence": workshops.CONFIDENCE},
    }


def value_text(entity: str, name: str, value: Any) -> str:
    """A snapshot value as people read it: vocabulary keys as their labels, lists joined, and
    risks named as everywhere else (R-14)."""
    labels = _value_vocabularies().get(entity, {}).get(name)
    if name in ("risk_id", "risk_ids") and value not in (None, "", []):
        ids = value if isinstance(value, list) else [value]
        return ", ".join(risk_reference(risk_id) for risk_id in ids)
    if labels is None:
        return describe_value(value)
    if isinstance(value, list):
        return describe_value([labels.get(item, item) for item in value]) if value else "—"
    if isinstance(value, bool | int | str) and value in labels:
        return labels[value]
    return describe_value(value)


@dataclass(frozen=True)
class RecordNames:
    """Names of the records events refer to, read from the store for one list of events."""

    systems: Mapping[int, str] = field(default_factory=dict)
    risks: Mapping[int, str] = field(default_factory=dict)
    workshops: Mapping[int, str] = field(default_factory=dict)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def referenced_ids(events: Sequence[tuple[str, str, dict[str, Any]]]) -> dict[str, set[int]]:
    """Which systems, risks and workshops (entity, entity_id, snapshot) events name."""
    wanted: dict[str, set[int]] = {"systems": set(), "risks": set(), "workshops": set()}
    own = {"ai_system": "systems", "risk": "risks", "workshop": "workshops"}
    for entity, entity_id, snapshot in events:
        if entity in own and (number := _int(entity_id)) is not None:
            wanted[own[entity]].add(number)
        for key, kind in (
            ("system_id", "systems"),
            ("risk_id", "risks"),
            ("workshop_id", "workshops"),
        ):
            if (number := _int(snapshot.get(key))) is not None:
                wanted[kind].add(number)
    return wanted


def labelled_changes(
    entity: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    names: RecordNames | None = None,
) -> list[dict[str, str]]:
    """The fields that changed, as rows of Field, Before and After in people's words (an AI
    system or workshop by its name when `names` knows it)."""

    def text(name: str, value: Any) -> str:
        named = {"system_id": names.systems, "workshop_id": names.workshops} if names else {}
        number = _int(value)
        if name in named and number in named[name]:
            return named[name][number]
        return value_text(entity, name, value)

    return [
        {
            "Field": field_label(entity, name),
            "Before": text(name, old) if before else "",
            "After": text(name, new) if after is not None else "",
        }
        for name, old, new in field_changes(before, after)
    ]


def _named(names: Mapping[int, str], number: int | None, fallback: str) -> str:
    return names.get(number, fallback) if number is not None else fallback


def record_name(entity: str, entity_id: str, snapshot: dict[str, Any], names: RecordNames) -> str:
    """The record an event is about, as people know it ('Card Fraud Sentinel', 'R-14: Unequal
    error rates', 'A.6.2.4 AI system verification and validation')."""
    number = _int(entity_id)
    system = _int(snapshot.get("system_id"))
    system_name = _named(names.systems, system, f"AI system {system}")
    risk = _int(snapshot.get("risk_id"))
    workshop = _int(snapshot.get("workshop_id"))
    namers: dict[str, Callable[[], str]] = {
        "ai_system": lambda: str(snapshot.get("name") or names.systems.get(number or 0, "")),
        "risk": lambda: (
            f"{risk_reference(entity_id)}: "
            + str(snapshot.get("title") or names.risks.get(number or 0, ""))
        ),
        "risk_action": lambda: f"{snapshot.get('title', '')} ({risk_reference(risk)})",
        "soa_control": lambda: f"{entity_id} {_control_title(entity_id)}",
        "clause_readiness": lambda: f"{entity_id} {_clause_title(entity_id)}",
        "screening": lambda: system_name,
        "obligation_update": lambda: system_name,
        "impact_response": lambda: f"{system_name}, version {snapshot.get('version_no', '?')}",
        "impact_answer": lambda: f"Impact assessment #{snapshot.get('response_id', '?')}",
        "workshop": lambda: str(snapshot.get("title") or names.workshops.get(number or 0, "")),
        "workshop_participant": lambda: _named(names.workshops, workshop, f"Workshop {workshop}"),
        "workshop_vote": lambda: (
            f"{_named(names.workshops, workshop, f'Workshop {workshop}')}, {risk_reference(risk)}"
        ),
        "criteria": lambda: f"Version {entity_id}: {snapshot.get('name', '')}",
    }
    namer = namers.get(entity)
    name = namer().strip(" :") if namer else ""
    return name or f"{entity_label(entity)} {entity_id}"


def _control_title(control_id: str) -> str:
    try:
        return catalog.control_by_id(control_id).title
    except KeyError:
        return ""


def _clause_title(item_id: str) -> str:
    return next((i.display_title for i in catalog.clause_items() if i.id == item_id), "")


def snapshot_of(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """The fields that name the record: the state after the event, else before it."""
    return {**(before or {}), **(after or {})}


def parse_state(text: object) -> dict[str, Any] | None:
    """A stored before or after state (JSON text or empty)."""
    if text is None or (isinstance(text, float) and text != text) or text == "":
        return None
    return json.loads(str(text))


def audit_export(events: pd.DataFrame, record_names: Sequence[str], fmt: str) -> bytes:
    """The events shown (newest first) with who, when, what, the record and the state before
    and after: CSV (formula characters neutralised) or JSON (before and after as objects)."""
    if fmt not in AUDIT_EXPORT_FORMATS:
        raise ValueError(f"The audit log exports as {', '.join(AUDIT_EXPORT_FORMATS)}, not {fmt}")
    frame = pd.DataFrame(
        {
            "event_id": events["id"].astype("Int64"),
            "occurred_at_utc": events["at"],
            "actor": events["actor"],
            "action": events["action"],
            "record_type": events["entity"].map(entity_label),
            "entity": events["entity"],
            "entity_id": events["entity_id"],
            "record": list(record_names),
            "summary": events["summary"],
            "before": events["before"],
            "after": events["after"],
        }
    )
    if fmt == "json":
        frame["before"] = frame["before"].map(parse_state)
        frame["after"] = frame["after"].map(parse_state)
    return encode(frame, fmt)
