"""The registry of audited record types: every `entity` the audit trail records, declared once.

Each record type says how people call it ("Treatment action"), the labels of its fields, the
vocabularies of its values (stored key -> label), how one record is named ("R-14: Unequal error
rates") and, where rows of a table must each have an audit event, the rule
`python -m assessments check` applies. The audit log, its detail and its export, a record's
change history and `check` all read this registry; `Transaction.audit` refuses an entity that is
not in it, and tests/unit/test_records_registry.py fails when a call site names one.

A new audited record type: write its store module with `ENTITY = "my_record"`, then add one
`RECORD_TYPES` line here (a label is enough; fields, values, a name and a health rule as needed).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from assessments import vocab
from assessments.inventory import FIELD_LABELS as SYSTEM_FIELDS
from assessments.inventory import FIELD_VOCABULARIES as SYSTEM_VOCABULARIES
from assessments.references import risk_reference

# `Transaction.audit` imports this module on a process's first write, so the feature modules
# that only supply vocabularies, titles or labels (soa, workshops, regulatory...) are imported
# where they are read, on first use: a command-line import does not pay for them.


class UnregisteredRecordError(LookupError):
    """An audit entity no record type declares (add it to `RECORD_TYPES`)."""


@dataclass(frozen=True)
class RecordNames:
    """Names of the records events refer to, read from the store for one list of events."""

    systems: Mapping[int, str] = field(default_factory=dict)
    risks: Mapping[int, str] = field(default_factory=dict)
    workshops: Mapping[int, str] = field(default_factory=dict)


def as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class RecordRef:
    """One event's record as a namer sees it: its id, the state that names it, known names."""

    entity_id: str
    snapshot: Mapping[str, Any]
    names: RecordNames

    def get(self, key: str, default: Any = None) -> Any:
        return self.snapshot.get(key, default)

    @property
    def number(self) -> int:
        return as_int(self.entity_id) or 0

    @property
    def risk(self) -> int | None:
        return as_int(self.snapshot.get("risk_id"))

    @property
    def system_name(self) -> str:
        system = as_int(self.snapshot.get("system_id"))
        return _named(self.names.systems, system, f"AI system {system}")

    @property
    def workshop_name(self) -> str:
        workshop = as_int(self.snapshot.get("workshop_id"))
        return _named(self.names.workshops, workshop, f"Workshop {workshop}")


def _named(names: Mapping[int, str], number: int | None, fallback: str) -> str:
    return names.get(number, fallback) if number is not None else fallback


@dataclass(frozen=True)
class AuditRule:
    """`check`: every row of `table` was written through the audited path.

    By default a 'create' event of the record type whose entity_id is the row's id. `via`
    names another record type whose `action` events prove the row, with the row id at
    `key_path` in the event's after-state (a rating is audited on its risk, the rating id
    inside); the report then names the table. `generated`: rows made in bulk by the
    deterministic generator (store/synthetic.py) are covered by ONE 'generate' event of this
    record type per batch naming the id range (after_state first_id..last_id) and the seed.
    """

    table: str
    id_column: str = "id"
    action: str = "create"
    via: str | None = None
    key_path: str | None = None
    generated: bool = False


class Later(Mapping[str, str]):
    """Field labels that live in a feature module, read from it on first use."""

    def __init__(self, load: Callable[[], Mapping[str, str]]) -> None:
        self._load = load

    @functools.cached_property
    def _labels(self) -> Mapping[str, str]:
        return self._load()

    def __getitem__(self, key: str) -> str:
        return self._labels[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)


def _soa_headers() -> Mapping[str, str]:
    from assessments.reports.soa_xlsx import HEADERS

    return HEADERS


SOA_FIELDS = Later(_soa_headers)

Namer = Callable[[RecordRef], str]
Vocabularies = Callable[[], Mapping[str, Mapping[Any, str]]]


def _no_values() -> Mapping[str, Mapping[Any, str]]:
    return {}


@dataclass(frozen=True)
class RecordType:
    """One audited record type. `values` is called on first use (it reads reference files);
    `names_kind` says which `RecordNames` map holds the record's own id, if any."""

    label: str
    fields: Mapping[str, str] = field(default_factory=dict)
    values: Vocabularies = _no_values
    name: Namer | None = None
    health: AuditRule | None = None
    names_kind: str | None = None


# Field labels ---------------------------------------------------------------------------------


def _risk_labels() -> Mapping[str, str]:
    from assessments.risks import FIELD_LABELS

    return FIELD_LABELS


# A risk, its ratings, actions and acceptances: the labels the risk models declare.
RISK_FIELDS = Later(_risk_labels)
SCREENING_FIELDS: dict[str, str] = {
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
IMPACT_FIELDS: dict[str, str] = {
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
WORKSHOP_FIELDS: dict[str, str] = {
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
CRITERIA_FIELDS: dict[str, str] = {
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


# Value vocabularies (read on first use: the reference files are cached anyway) ---------------


@functools.cache
def system_values() -> Mapping[str, Mapping[Any, str]]:
    return SYSTEM_VOCABULARIES


@functools.cache
def risk_values() -> Mapping[str, Mapping[Any, str]]:
    from assessments import catalog, risks

    taxonomy = catalog.taxonomy()
    return {
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


@functools.cache
def screening_values() -> Mapping[str, Mapping[Any, str]]:
    from assessments import regulatory

    eu = regulatory.load_eu_ai_act_reference()
    art50 = regulatory.screening_questionnaire().question("art50").choices
    return {
        "class": regulatory.class_labels(),
        "basis": {key: value.label for key, value in eu.bases.items()},
        "gpai": {key: value.label for key, value in eu.gpai_levels.items()},
        "transparency_duties": {choice.value: choice.label for choice in art50},
        "obligation_id": {spec.id: spec.title for spec in eu.obligations},
        "status": regulatory.OBLIGATION_STATUSES,
    }


@functools.cache
def soa_values() -> Mapping[str, Mapping[Any, str]]:
    from assessments import soa

    return {
        "status": {**soa.IMPLEMENTATION_STATUSES, soa.NOT_ASSESSED: soa.NOT_ASSESSED_LABEL},
        "inclusion_reasons": soa.INCLUSION_REASONS,
        "maturity": soa.MATURITY_LEVELS,
    }


def action_values() -> Mapping[str, Mapping[Any, str]]:
    from assessments import risks

    return {"status": risks.ACTION_STATUSES}


def impact_values() -> Mapping[str, Mapping[Any, str]]:
    from assessments import impact

    return {"status": impact.STATUSES}


def workshop_values() -> Mapping[str, Mapping[Any, str]]:
    from assessments import risks, workshops

    return {"tier": risks.TIERS, "confidence": workshops.CONFIDENCE}


# Record names ---------------------------------------------------------------------------------


def _control_title(control_id: str) -> str:
    from assessments import catalog

    try:
        return catalog.control_by_id(control_id).title
    except KeyError:
        return ""


def _clause_title(item_id: str) -> str:
    from assessments import catalog

    return next((i.display_title for i in catalog.clause_items() if i.id == item_id), "")


def _risk_name(r: RecordRef) -> str:
    title = r.get("title") or r.names.risks.get(r.number, "")
    return f"{risk_reference(r.entity_id)}: {title}"


# The registry ---------------------------------------------------------------------------------

RECORD_TYPES: dict[str, RecordType] = {
    "ai_system": RecordType(
        "AI system",
        SYSTEM_FIELDS,
        system_values,
        lambda r: str(r.get("name") or r.names.systems.get(r.number, "")),
        AuditRule("ai_systems", generated=True),
        names_kind="systems",
    ),
    "risk": RecordType(
        "Risk",
        RISK_FIELDS,
        risk_values,
        _risk_name,
        AuditRule("risks", generated=True),
        names_kind="risks",
    ),
    "risk_rating": RecordType(
        "Risk ratings (generated)",
        RISK_FIELDS,
        risk_values,
        health=AuditRule(
            "risk_ratings", action="rate", via="risk", key_path="$.id", generated=True
        ),
    ),
    "risk_action": RecordType(
        "Treatment action",
        RISK_FIELDS,
        action_values,
        lambda r: f"{r.get('title', '')} ({risk_reference(r.risk)})",
        AuditRule("risk_actions", generated=True),
    ),
    "risk_acceptance": RecordType(
        "Risk acceptance",
        RISK_FIELDS,
        risk_values,
        health=AuditRule(
            "risk_acceptances",
            action="accept",
            via="risk",
            key_path="$.acceptance_id",
            generated=True,
        ),
    ),
    "screening": RecordType(
        "Regulatory screening",
        SCREENING_FIELDS,
        screening_values,
        lambda r: r.system_name,
        AuditRule("screenings"),
    ),
    "obligation_update": RecordType(
        "Regulatory obligation",
        SCREENING_FIELDS,
        screening_values,
        lambda r: r.system_name,
        AuditRule("obligation_updates"),
    ),
    "impact_response": RecordType(
        "Impact assessment",
        IMPACT_FIELDS,
        impact_values,
        lambda r: f"{r.system_name}, version {r.get('version_no', '?')}",
        AuditRule("impact_responses"),
    ),
    "impact_answer": RecordType(
        "Impact assessment answer",
        IMPACT_FIELDS,
        name=lambda r: f"Impact assessment #{r.get('response_id', '?')}",
        health=AuditRule("impact_answers"),
    ),
    # SoA lines and readiness ratings are audited per control / clause item (the first version
    # is the 'create'), so the check runs on their current tables.
    "soa_control": RecordType(
        "Statement of Applicability",
        SOA_FIELDS,
        soa_values,
        lambda r: f"{r.entity_id} {_control_title(r.entity_id)}",
        AuditRule("soa_current", "control_id"),
    ),
    "clause_readiness": RecordType(
        "Clause readiness",
        SOA_FIELDS,
        soa_values,
        lambda r: f"{r.entity_id} {_clause_title(r.entity_id)}",
        AuditRule("readiness_current", "item_id"),
    ),
    "workshop": RecordType(
        "Workshop",
        WORKSHOP_FIELDS,
        workshop_values,
        lambda r: str(r.get("title") or r.names.workshops.get(r.number, "")),
        AuditRule("workshops"),
        names_kind="workshops",
    ),
    "workshop_participant": RecordType(
        "Workshop participant",
        WORKSHOP_FIELDS,
        name=lambda r: r.workshop_name,
        health=AuditRule("workshop_participants"),
    ),
    "workshop_vote": RecordType(
        "Workshop vote",
        WORKSHOP_FIELDS,
        name=lambda r: f"{r.workshop_name}, {risk_reference(r.risk)}",
        health=AuditRule("workshop_votes"),
    ),
    "person": RecordType(
        "Person and roles",
        {"name": "Name", "email": "E-mail", "roles": "Roles", "verified": "Signed in"},
        name=lambda r: str(r.get("name") or r.entity_id),
        health=AuditRule("people", "subject"),
    ),
    "criteria": RecordType(
        "Risk criteria",
        CRITERIA_FIELDS,
        name=lambda r: f"Version {r.entity_id}: {r.get('name', '')}",
    ),
    # One event per load of the demo portfolio, by the person who loaded it (assessments/demo.py).
    "demo_load": RecordType("Demo portfolio", name=lambda r: "Demo portfolio"),
}


def record_type(entity: str) -> RecordType:
    """The registered record type of an audit entity; fails loudly for an unregistered one."""
    try:
        return RECORD_TYPES[entity]
    except KeyError:
        raise UnregisteredRecordError(
            f"'{entity}' is not an audited record type: add it to RECORD_TYPES in"
            " assessments/records.py"
        ) from None


def require_registered(entity: str) -> None:
    """`Transaction.audit`'s guard: only registered record types enter the trail."""
    if entity not in RECORD_TYPES:
        record_type(entity)


def shown_record_type(entity: str) -> RecordType:
    """The record type for reading the trail. Events already stored outlive the code that wrote
    them (a record type renamed or retired since), and the audit log must still open on them:
    an unregistered entity reads as its raw key, with no field labels, values or name. New
    events cannot be unregistered (`require_registered` runs on every write)."""
    known = RECORD_TYPES.get(entity)
    return known if known is not None else RecordType(entity)


def entity_label(entity: str) -> str:
    """The record type as people call it ('Treatment action'); the raw key if unregistered."""
    return shown_record_type(entity).label
