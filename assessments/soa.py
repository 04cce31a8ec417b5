"""The Statement of Applicability and clause readiness: the rules, the findings, the figures.

ISO/IEC 42001 6.1.3 asks for a Statement of Applicability (SoA): every Annex A control, whether
it applies, why it is included or excluded, and how far it is implemented. Certification starts
with a gap analysis of clauses 4 to 10. This module holds what those records may contain, the
consistency findings an auditor would raise, the readiness figures and the "ready for a stage 1
audit?" summary. It is pure: the store reads and writes, the pages render.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from assessments import catalog
from assessments.references import risk_references
from assessments.text import echo

TEXT_MAX = 4000
PERSON_MAX = 120

INCLUSION_REASONS: dict[str, str] = {
    "risk_treatment": "Treats an assessed risk",
    "legal": "Legal or regulatory requirement",
    "interested_party": "Expected by an interested party",
    "best_practice": "Best practice",
}

IMPLEMENTATION_STATUSES: dict[str, str] = {
    "not_started": "Not started",
    "planned": "Planned",
    "partial": "Partially implemented",
    "implemented": "Implemented",
    "not_applicable": "Not applicable",
}
EXCLUDED_STATUS = "not_applicable"
# Shown (and exported) for a control nobody has assessed yet: never silently "applicable".
NOT_ASSESSED = "not_assessed"
NOT_ASSESSED_LABEL = "Not assessed"

# Our own plain-language maturity scale for the gap analysis of clauses 4 to 10.
MATURITY_LEVELS: dict[int, str] = {
    0: "0 · Absent: nothing exists yet",
    1: "1 · Initial: done ad hoc, depends on individuals",
    2: "2 · Developing: partly defined or documented",
    3: "3 · Defined: documented, approved and in use",
    4: "4 · Managed: measured, reviewed and records kept",
    5: "5 · Optimising: improved from results, embedded",
}
MATURITY_MIN, MATURITY_MAX = 0, 5
# The level at which an auditor can be shown a working, documented practice.
STAGE1_MATURITY = 3

# Clause items whose documented evidence a stage 1 audit looks at first, with what to show.
STAGE1_KEY_ITEMS: dict[str, str] = {
    "4.3": "the scope of the AI management system",
    "5.2": "the approved AI policy",
    "6.1.2": "the AI risk assessment process and its results",
    "6.1.3": "the risk treatment plan and the Statement of Applicability",
    "6.1.4": "the AI system impact assessment process",
    "6.2": "the AI objectives",
    "8.2": "records of AI risk assessments carried out",
    "8.3": "records of AI risk treatment carried out",
    "8.4": "records of AI system impact assessments carried out",
    "9.2.1": "an internal audit carried out",
    "9.2.2": "the internal audit programme",
    "9.3.1": "a management review held",
    "9.3.3": "the results of the management review",
}


def _known(vocabulary: Mapping[str, str], value: str, what: str) -> str:
    if value not in vocabulary:
        raise ValueError(
            f"{echo(value)} is not a known {what}; choose one of {', '.join(vocabulary.values())}"
        )
    return value


def status_label(status: str) -> str:
    """The label of an implementation status, 'Not assessed' for a control with no entry."""
    if status == NOT_ASSESSED:
        return NOT_ASSESSED_LABEL
    return IMPLEMENTATION_STATUSES.get(status, status)


class SoAEntryInput(BaseModel):
    """One control's line of the SoA as a person states it (validated at every boundary).

    The form shows the fields of both sides (inclusion and exclusion) at once, so the side that
    does not apply is cleared here rather than refused.
    """

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    control_id: str
    applicable: bool
    inclusion_reasons: list[str] = Field(default_factory=list, validate_default=True)
    justification: str = Field(default="", max_length=TEXT_MAX)
    exclusion_reason: str = Field(default="", max_length=TEXT_MAX, validate_default=True)
    status: str
    owner: str = Field(default="", max_length=PERSON_MAX)
    evidence: str = Field(default="", max_length=TEXT_MAX)
    last_reviewed: date | None = None

    @field_validator("applicable", "status", mode="before")
    @classmethod
    def _chosen(cls, value: object, info: ValidationInfo) -> object:
        if value is None:
            what = "whether this control applies" if info.field_name == "applicable" else "a status"
            raise ValueError(f"choose {what}")
        return value

    @field_validator("control_id")
    @classmethod
    def _known_control(cls, value: str) -> str:
        if value not in catalog.control_ids():
            raise ValueError(f"{echo(value)} is not an Annex A control (A.2.2 to A.10.4)")
        return value

    @field_validator("inclusion_reasons")
    @classmethod
    def _known_reasons(cls, values: list[str], info: ValidationInfo) -> list[str]:
        cleaned = {value.strip() for value in values if value.strip()}
        for value in cleaned:
            _known(INCLUSION_REASONS, value, "reason for inclusion")
        if info.data.get("applicable") is True and not cleaned:
            raise ValueError("choose at least one reason why this control applies")
        return [key for key in INCLUSION_REASONS if key in cleaned]

    @field_validator("exclusion_reason")
    @classmethod
    def _exclusion_explained(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("applicable") is False and not value:
            raise ValueError(
                "say why this control does not apply: an exclusion needs a justification"
            )
        return value

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str, info: ValidationInfo) -> str:
        _known(IMPLEMENTATION_STATUSES, value, "implementation status")
        applicable = info.data.get("applicable")
        if applicable is True and value == EXCLUDED_STATUS:
            raise ValueError(
                "an applicable control needs an implementation status other than 'Not applicable'"
            )
        if applicable is False and value != EXCLUDED_STATUS:
            raise ValueError("an excluded control has the status 'Not applicable'")
        return value

    @field_validator("last_reviewed")
    @classmethod
    def _not_in_the_future(cls, value: date | None) -> date | None:
        if value is not None and value > date.today():
            raise ValueError("a review date cannot be in the future")
        return value

    @model_validator(mode="after")
    def _one_side_only(self) -> SoAEntryInput:
        """Keep only the side that applies: the reasons for inclusion or for exclusion."""
        if self.applicable:
            self.exclusion_reason = ""
        else:
            self.inclusion_reasons = []
            self.justification = ""
        return self


class SoAEntry(BaseModel):
    """A stored SoA line (one version), read back as it was written, without re-checking rules:
    the findings report what no longer holds."""

    model_config = ConfigDict(extra="ignore")

    id: int
    control_id: str
    applicable: bool
    inclusion_reasons: list[str] = Field(default_factory=list)
    justification: str = ""
    exclusion_reason: str = ""
    status: str
    owner: str = ""
    evidence: str = ""
    last_reviewed: date | None = None
    changed_at: datetime
    changed_by: str

    def as_input_values(self) -> dict[str, object]:
        """The editable fields, to prefill a form or compare with a new input."""
        return self.model_dump(include=set(SoAEntryInput.model_fields))


def same_entry(entry: SoAEntry | None, data: SoAEntryInput) -> bool:
    """Whether saving `data` would change nothing (then no new version is written)."""
    return entry is not None and entry.as_input_values() == data.model_dump()


def made_applicable(entry: SoAEntry | None, control_id: str) -> SoAEntryInput:
    """The one-click fix for a control that a risk treatment uses: include it, tagged as
    treating an assessed risk, keeping what was said before where it still fits.

    The fix is no review: the line keeps its last review date (none for a control never
    assessed), which only a person sets."""
    if entry is None:
        return SoAEntryInput(
            control_id=control_id,
            applicable=True,
            inclusion_reasons=["risk_treatment"],
            status="not_started",
        )
    values = entry.as_input_values()
    previous_exclusion = entry.exclusion_reason.strip()
    note = (
        f"Included because risk treatments use it (previously excluded: {previous_exclusion})"
        if previous_exclusion and not entry.applicable
        else "Included because risk treatments use it."
    )
    justification = entry.justification.strip() if entry.applicable else ""
    values.update(
        applicable=True,
        inclusion_reasons=[*entry.inclusion_reasons, "risk_treatment"],
        justification=(justification or note)[:TEXT_MAX],
        status="not_started" if entry.status == EXCLUDED_STATUS else entry.status,
    )
    return SoAEntryInput.model_validate(values)


# Findings


# A control a risk treatment uses, excluded or never assessed: the one-click fix's finding.
TREATED_BUT_NOT_APPLICABLE = "treated_but_not_applicable"
FINDING_KINDS: dict[str, str] = {
    TREATED_BUT_NOT_APPLICABLE: "Used by a risk treatment but not applicable",
    "implemented_without_evidence": "Implemented without evidence",
    "exclusion_without_justification": "Excluded without a justification",
    "inclusion_without_justification": "Applicable without a reason",
    "status_contradicts_applicability": "Status contradicts applicability",
    "risk_reason_without_treatment": "Said to treat a risk, but no treatment uses it",
}


@dataclass(frozen=True)
class Finding:
    """One inconsistency in the SoA, with what to do about it; `fixable` offers the one-click
    fix (make the control applicable)."""

    kind: str
    control_id: str
    message: str
    fixable: bool = False

    @property
    def title(self) -> str:
        return FINDING_KINDS[self.kind]


def _risk_list(risk_ids: Sequence[int]) -> str:
    shown = risk_references(risk_ids[:8])
    more = f" and {len(risk_ids) - 8} more" if len(risk_ids) > 8 else ""
    return f"risk{'s' if len(risk_ids) > 1 else ''} {shown}{more}"


def consistency_findings(
    entries: Mapping[str, SoAEntry],
    treated_by: Mapping[str, Sequence[int]],
    controls: Iterable[str] | None = None,
) -> list[Finding]:
    """What an auditor would flag in the SoA, in control order.

    `entries` is the current line per control; `treated_by` maps a control to the risks whose
    treatments use it. A control used by a treatment must be applicable, whether it was
    excluded or never assessed.
    """
    order = list(controls) if controls is not None else [c.id for c in catalog.annex_a_controls()]
    findings: list[Finding] = []
    for control_id in order:
        entry = entries.get(control_id)
        risks = list(treated_by.get(control_id, ()))
        if risks and (entry is None or not entry.applicable):
            state = "has not been assessed" if entry is None else "is marked as not applicable"
            findings.append(
                Finding(
                    TREATED_BUT_NOT_APPLICABLE,
                    control_id,
                    f"The treatment of {_risk_list(risks)} uses {control_id}, but it {state}.",
                    fixable=True,
                )
            )
        if entry is None:
            continue
        if entry.applicable and entry.status == "implemented" and not entry.evidence.strip():
            findings.append(
                Finding(
                    "implemented_without_evidence",
                    control_id,
                    f"{control_id} is marked implemented but no evidence is recorded.",
                )
            )
        if not entry.applicable and not entry.exclusion_reason.strip():
            findings.append(
                Finding(
                    "exclusion_without_justification",
                    control_id,
                    f"{control_id} is excluded without saying why.",
                )
            )
        if entry.applicable and not entry.inclusion_reasons and not entry.justification.strip():
            findings.append(
                Finding(
                    "inclusion_without_justification",
                    control_id,
                    f"{control_id} is applicable without a reason for its inclusion.",
                )
            )
        if entry.applicable == (entry.status == EXCLUDED_STATUS):
            findings.append(
                Finding(
                    "status_contradicts_applicability",
                    control_id,
                    f"{control_id} is {'applicable' if entry.applicable else 'excluded'} but its"
                    f" status is '{status_label(entry.status)}'.",
                )
            )
        if entry.applicable and "risk_treatment" in entry.inclusion_reasons and not risks:
            findings.append(
                Finding(
                    "risk_reason_without_treatment",
                    control_id,
                    f"{control_id} is included to treat an assessed risk, but no risk"
                    " treatment links it.",
                )
            )
    return findings


def fixable_controls(findings: Iterable[Finding]) -> list[str]:
    """The controls the one-click fix would make applicable."""
    return [finding.control_id for finding in findings if finding.fixable]


@dataclass(frozen=True)
class SoASummary:
    total: int
    assessed: int
    applicable: int
    excluded: int
    by_status: dict[str, int]

    @property
    def not_assessed(self) -> int:
        return self.total - self.assessed


def soa_summary(
    entries: Mapping[str, SoAEntry], controls: Iterable[str] | None = None
) -> SoASummary:
    """Counts for the page header and the reports (a control without an entry is not assessed)."""
    order = list(controls) if controls is not None else [c.id for c in catalog.annex_a_controls()]
    present = [entries[control_id] for control_id in order if control_id in entries]
    by_status = {key: 0 for key in IMPLEMENTATION_STATUSES}
    for entry in present:
        by_status[entry.status] = by_status.get(entry.status, 0) + 1
    applicable = sum(entry.applicable for entry in present)
    return SoASummary(
        total=len(order),
        assessed=len(present),
        applicable=applicable,
        excluded=len(present) - applicable,
        by_status=by_status,
    )


# Clause readiness


class ReadinessInput(BaseModel):
    """The maturity of one clause item, with what shows it and a note."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    item_id: str
    maturity: int = Field(ge=MATURITY_MIN, le=MATURITY_MAX)
    evidence: str = Field(default="", max_length=TEXT_MAX)
    note: str = Field(default="", max_length=TEXT_MAX)

    @field_validator("item_id")
    @classmethod
    def _known_item(cls, value: str) -> str:
        if value not in {item.id for item in catalog.clause_items()}:
            raise ValueError(f"{echo(value)} is not a readiness item of clauses 4 to 10")
        return value


class ReadinessRating(BaseModel):
    """A stored readiness rating (one version)."""

    model_config = ConfigDict(extra="ignore")

    id: int
    item_id: str
    maturity: int
    evidence: str = ""
    note: str = ""
    changed_at: datetime
    changed_by: str

    def as_input(self) -> ReadinessInput:
        return ReadinessInput.model_validate(
            self.model_dump(include=set(ReadinessInput.model_fields))
        )


@dataclass(frozen=True)
class ClauseReadiness:
    """Readiness of one clause: the mean maturity of its items over the top of the scale."""

    clause: str
    title: str
    items: int
    rated: int
    mean_maturity: float
    percent: float


@dataclass(frozen=True)
class ReadinessFigures:
    clauses: list[ClauseReadiness]
    items: int
    rated: int
    mean_maturity: float
    percent: float


def _percent(mean_maturity: float) -> float:
    return round(mean_maturity / MATURITY_MAX * 100, 1)


def readiness_figures(
    maturities: Mapping[str, int], items: Sequence[catalog.ClauseItem] | None = None
) -> ReadinessFigures:
    """Readiness per clause and overall.

    The rule: an item not rated yet counts as maturity 0 (nothing shown, nothing assumed). A
    clause's readiness is the mean maturity of its items divided by 5, as a percentage; the
    overall figure is the same over all items, so every item weighs the same.
    """
    items = list(items) if items is not None else catalog.clause_items()
    by_clause: dict[str, list[catalog.ClauseItem]] = {}
    for item in items:
        by_clause.setdefault(item.clause, []).append(item)
    clauses: list[ClauseReadiness] = []
    for clause, members in by_clause.items():
        values = [maturities.get(item.id, 0) for item in members]
        mean = sum(values) / len(values)
        clauses.append(
            ClauseReadiness(
                clause=clause,
                title=members[0].clause_title,
                items=len(members),
                rated=sum(item.id in maturities for item in members),
                mean_maturity=round(mean, 2),
                percent=_percent(mean),
            )
        )
    all_values = [maturities.get(item.id, 0) for item in items]
    overall = sum(all_values) / len(all_values) if all_values else 0.0
    return ReadinessFigures(
        clauses=clauses,
        items=len(items),
        rated=sum(item.id in maturities for item in items),
        mean_maturity=round(overall, 2),
        percent=_percent(overall),
    )


# Ready for a stage 1 audit?


@dataclass(frozen=True)
class Gap:
    subject: str
    message: str


STAGE1_SECTIONS: dict[str, str] = {
    "below_maturity": f"Clause items below maturity {STAGE1_MATURITY}",
    "key_evidence": "Key documented information without evidence",
    "not_assessed": "Annex A controls not assessed in the SoA",
    "not_started": "Applicable Annex A controls not started",
    "findings": "Open consistency findings in the SoA",
}
# How the headline counts each section: (one, several).
_STAGE1_COUNTED: dict[str, tuple[str, str]] = {
    "below_maturity": (
        f"clause item below maturity {STAGE1_MATURITY}",
        f"clause items below maturity {STAGE1_MATURITY}",
    ),
    "key_evidence": ("key document without evidence", "key documents without evidence"),
    "not_assessed": ("Annex A control not assessed", "Annex A controls not assessed"),
    "not_started": ("applicable control not started", "applicable controls not started"),
    "findings": ("SoA finding", "SoA findings"),
}


@dataclass
class Stage1Summary:
    """What is missing before a stage 1 audit, by section; ready when nothing is."""

    sections: dict[str, list[Gap]] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return not any(self.sections.values())

    @property
    def missing_count(self) -> int:
        return sum(len(gaps) for gaps in self.sections.values())

    def headline(self) -> str:
        if self.ready:
            return "Ready for a stage 1 audit: nothing is missing on the checks we make."
        parts = [
            f"{len(gaps)} {_STAGE1_COUNTED[key][len(gaps) > 1]}"
            for key, gaps in self.sections.items()
            if gaps
        ]
        return "Not ready for a stage 1 audit yet: " + "; ".join(parts) + "."


def stage1_summary(
    ratings: Mapping[str, ReadinessRating],
    entries: Mapping[str, SoAEntry],
    findings: Sequence[Finding],
    items: Sequence[catalog.ClauseItem] | None = None,
    controls: Sequence[catalog.Control] | None = None,
) -> Stage1Summary:
    """Combine clause readiness and the SoA into the list of what is still missing."""
    items = list(items) if items is not None else catalog.clause_items()
    controls = list(controls) if controls is not None else catalog.annex_a_controls()
    summary = Stage1Summary({key: [] for key in STAGE1_SECTIONS})
    for item in items:
        rating = ratings.get(item.id)
        maturity = rating.maturity if rating else None
        if maturity is None or maturity < STAGE1_MATURITY:
            state = "not rated yet" if maturity is None else f"maturity {maturity}"
            summary.sections["below_maturity"].append(
                Gap(item.id, f"{item.id} {item.display_title}: {state}")
            )
        if item.id in STAGE1_KEY_ITEMS and not (rating and rating.evidence.strip()):
            summary.sections["key_evidence"].append(
                Gap(item.id, f"{item.id}: no evidence of {STAGE1_KEY_ITEMS[item.id]}")
            )
    for control in controls:
        entry = entries.get(control.id)
        if entry is None:
            summary.sections["not_assessed"].append(
                Gap(control.id, f"{control.id} {control.title}")
            )
        elif entry.applicable and entry.status == "not_started":
            summary.sections["not_started"].append(Gap(control.id, f"{control.id} {control.title}"))
    summary.sections["findings"] = [
        Gap(finding.control_id, finding.message) for finding in findings
    ]
    return summary


# The statement as a table (page, exports, PDF)

STATEMENT_COLUMNS = [
    "control_id",
    "group",
    "group_title",
    "title",
    "guidance",
    "applicable",
    "inclusion_reasons",
    "justification",
    "exclusion_reason",
    "status",
    "owner",
    "evidence",
    "risks",
    "risk_references",
    "last_reviewed",
    "changed_at",
    "changed_by",
]


def statement_rows(
    entries: Mapping[str, SoAEntry],
    treated_by: Mapping[str, Sequence[int]],
    controls: Sequence[catalog.Control] | None = None,
) -> list[dict[str, object]]:
    """One row per Annex A control, in the standard's order, with stable values for exports.

    `applicable` is 'yes', 'no' or '' (not assessed); `status` is a status key or
    'not_assessed'; reasons are joined with ';'. `risks` counts the risks whose treatment uses
    the control and `risk_references` names them as everywhere else ('R-3, R-12').
    """
    controls = list(controls) if controls is not None else catalog.annex_a_controls()
    rows: list[dict[str, object]] = []
    for control in controls:
        entry = entries.get(control.id)
        risks = treated_by.get(control.id, ())
        row: dict[str, object] = {
            "control_id": control.id,
            "group": control.group,
            "group_title": control.group_title,
            "title": control.title,
            "guidance": control.guidance,
            "applicable": "",
            "inclusion_reasons": "",
            "justification": "",
            "exclusion_reason": "",
            "status": NOT_ASSESSED,
            "owner": "",
            "evidence": "",
            "risks": len(risks),
            "risk_references": risk_references(risks),
            "last_reviewed": None,
            "changed_at": None,
            "changed_by": "",
        }
        if entry is not None:
            row.update(
                applicable="yes" if entry.applicable else "no",
                inclusion_reasons=";".join(entry.inclusion_reasons),
                justification=entry.justification,
                exclusion_reason=entry.exclusion_reason,
                status=entry.status,
                owner=entry.owner,
                evidence=entry.evidence,
                last_reviewed=entry.last_reviewed,
                changed_at=entry.changed_at,
                changed_by=entry.changed_by,
            )
        rows.append(row)
    return rows


def reason_labels(keys: str | Iterable[str]) -> str:
    """Inclusion reason keys ('a;b' or a list) as their labels, for people."""
    if isinstance(keys, str):
        keys = [key for key in keys.split(";") if key]
    return "; ".join(INCLUSION_REASONS.get(key, key) for key in keys)


READINESS_COLUMNS = [
    "item_id",
    "clause",
    "clause_title",
    "title",
    "maturity",
    "evidence",
    "note",
    "key_for_stage1",
    "changed_at",
    "changed_by",
]


def readiness_rows(
    ratings: Mapping[str, ReadinessRating],
    items: Sequence[catalog.ClauseItem] | None = None,
) -> list[dict[str, object]]:
    """One row per clause item; `maturity` is None for an item not rated yet."""
    items = list(items) if items is not None else catalog.clause_items()
    rows: list[dict[str, object]] = []
    for item in items:
        rating = ratings.get(item.id)
        rows.append(
            {
                "item_id": item.id,
                "clause": item.clause,
                "clause_title": item.clause_title,
                "title": item.display_title,
                "maturity": rating.maturity if rating else None,
                "evidence": rating.evidence if rating else "",
                "note": rating.note if rating else "",
                "key_for_stage1": item.id in STAGE1_KEY_ITEMS,
                "changed_at": rating.changed_at if rating else None,
                "changed_by": rating.changed_by if rating else "",
            }
        )
    return rows
