"""Colorado screening: SB 26-189, the automated decision-making technology (ADMT) law.

SB 26-189 (signed 2026-05-14, in effect from 2027-01-01) repealed and re-enacted the 2024
Colorado AI Act (SB 24-205) before that law ever applied. The procedure is code and the content is
data (`data/regulation/colorado_ai_act.yaml`): areas, obligations, sections and dates live there,
so a date or a section that moves is changed in one place. Every step writes a plain sentence
into `reasons`, naming the answer that led to it and the section of the statute.

Covered = consumers in Colorado AND at least one consequential-decision area AND the output
materially influences the decision. Obligations follow the roles (developer, deployer; the EU AI
Act roles of the combined screening map onto them). SB 24-205 is kept only as history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assessments.config import data_dir
from assessments.screening import (
    DATE_STATUS_LABELS,
    ROLES,
    DateStatus,
    LabelledExplanation,
    Milestone,
    Regime,
    ScreeningInputError,
    choices_answer,
    read_answer_file,
    yes_no_answer,
)
from assessments.text import echo
from assessments.yaml_io import safe_load

ColoradoArea = Literal[
    "education",
    "employment",
    "financial_lending",
    "essential_government_services",
    "health_care",
    "housing",
    "insurance",
]
# Area values of SB 24-205 screenings that SB 26-189 no longer lists: accepted, mapped to nothing.
RetiredArea = Literal["legal_services"]
ColoradoRole = Literal["developer", "deployer"]
ColoradoBasis = Literal[
    "covered_admt",
    "no_colorado_consumers",
    "no_consequential_decision",
    "no_material_influence",
]

COLORADO_AREAS: tuple[str, ...] = get_args(ColoradoArea)
RETIRED_AREAS: tuple[str, ...] = get_args(RetiredArea)
COLORADO_ROLES: tuple[str, ...] = get_args(ColoradoRole)
# The checklist's name for this law, and for duties of SB 24-205 on screenings saved before it
# was replaced (see assessments.screening.Regime).
REGIME: Regime = "Colorado ADMT law"
LEGACY_REGIME: Regime = "Colorado AI Act (SB 24-205, repealed)"
# Versions of the Colorado data file that described SB 24-205: a verdict reached under one of
# them says nothing about the law in force (a later version of SB 26-189 data still does).
LEGACY_DATA_VERSIONS: tuple[int, ...] = (1,)
LAW = "SB 26-189"
LEGACY_LAW = "SB 24-205"

# The keys of an answer file (`python -m assessments screen colorado --answers FILE`).
COLORADO_ANSWER_KEYS: tuple[str, ...] = (
    "colorado_consumers",
    "consequential_decision_areas",
    "roles",
    "materially_influences",
    "small_deployer",
)
COLORADO_YES_NO_KEYS: tuple[str, ...] = (
    "colorado_consumers",
    "materially_influences",
    "small_deployer",
)
# The questions of the screening questionnaire's `colorado` section (roles come from the EU part).
COLORADO_QUESTION_KEYS: tuple[str, ...] = tuple(
    key for key in COLORADO_ANSWER_KEYS if key != "roles"
)
# Keys of screenings and answer files made under SB 24-205 -> the SB 26-189 key they answer.
OLD_KEYS: dict[str, str] = {
    "colorado_applies": "colorado_consumers",
    "colorado_areas": "consequential_decision_areas",
    "colorado_substantial_factor": "materially_influences",
}


def colorado_file() -> Path:
    """Where the Colorado content lives (follows `AIMS_DATA_DIR`)."""
    return data_dir() / "regulation" / "colorado_ai_act.yaml"


# --- reference data ------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    url: str
    what: str


class Definition(_Strict):
    label: str
    meaning: str
    section: str


class RoleSpec(_Strict):
    label: str
    section: str
    duties_section: str


class AreaSpec(_Strict):
    label: str
    examples: list[str] = Field(default_factory=list)


class RetiredAreaSpec(_Strict):
    label: str
    reason: str


class ObligationSpec(_Strict):
    """One duty as stored in the data file; `milestone` names the date it applies from."""

    id: str
    title: str
    summary: str
    section: str
    roles: list[ColoradoRole] = Field(min_length=1)
    milestone: str
    frequency: str
    source: str
    last_checked: date | None = None


class Enforcement(_Strict):
    summary: str
    section: str
    source: str


class SmallDeployers(_Strict):
    relief: Literal["none", "some"]
    reason: str


class FormerDuty(_Strict):
    id: str
    title: str
    section: str


class EffectiveDate(_Strict):
    date: date
    set_by: str


class Repeal(_Strict):
    date: date
    by: str


class HistoricLaw(_Strict):
    """A Colorado law that no longer applies (SB 24-205): shown as history, never screened."""

    id: str
    title: str
    short_title: str
    status: Literal["repealed"]
    in_force: Literal[False]
    signed: str
    effective_dates: list[EffectiveDate]
    repealed: Repeal
    summary: str
    former_duties: list[FormerDuty]
    sources: list[str]


class ColoradoReference(_Strict):
    """The Colorado data file, validated against what the procedure needs."""

    version: int
    # What changed in this version, in a few words (shown when older screenings go stale).
    version_note: str | None = None
    title: str
    short_title: str
    citation: str
    codified_as: str
    status: DateStatus
    signed: date
    last_checked: date
    sources: list[Source] = Field(min_length=1)
    note: str | None = None
    milestones: dict[str, Milestone]
    definitions: dict[str, Definition]
    coverage_rule: str
    bases: dict[ColoradoBasis, LabelledExplanation]
    roles: dict[ColoradoRole, RoleSpec]
    eu_role_equivalents: dict[str, ColoradoRole]
    areas: dict[ColoradoArea, AreaSpec]
    retired_areas: dict[RetiredArea, RetiredAreaSpec]
    obligations: list[ObligationSpec]
    enforcement: Enforcement
    small_deployers: SmallDeployers
    history: list[HistoricLaw]

    @model_validator(mode="after")
    def _consistent_with_procedure(self) -> ColoradoReference:
        """Refuse data the procedure could not use: a missing area or label, an unknown date."""
        problems: list[str] = []
        for name, expected in (
            ("areas", COLORADO_AREAS),
            ("retired_areas", RETIRED_AREAS),
            ("bases", get_args(ColoradoBasis)),
            ("roles", COLORADO_ROLES),
        ):
            if set(getattr(self, name)) != set(expected):
                problems.append(f"{name} must be exactly {sorted(expected)}")
        unknown_roles = set(self.eu_role_equivalents) - set(ROLES)
        if unknown_roles:
            problems.append(f"eu_role_equivalents: unknown EU roles {sorted(unknown_roles)}")
        if "effective" not in self.milestones:
            problems.append("milestones must include 'effective'")
        seen: set[str] = set()
        for spec in self.obligations:
            if spec.id in seen:
                problems.append(f"obligation id {spec.id} is used twice")
            seen.add(spec.id)
            if spec.milestone not in self.milestones:
                problems.append(f"obligation {spec.id}: unknown milestone {spec.milestone!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def effective(self) -> Milestone:
        """The date the law's duties apply from."""
        return self.milestones["effective"]

    @property
    def set_by(self) -> str:
        """The act behind the law's dates and its status, in words (a checklist item's and a
        key date's "set by")."""
        return f"{LAW} (signed {self.signed}), {DATE_STATUS_LABELS[self.status]}"


def load_colorado_reference(path: str | Path | None = None) -> ColoradoReference:
    """Load and check the Colorado data file (cached per file version, so an edit is picked up
    without a restart)."""
    file_path = Path(path) if path else colorado_file()
    return _load_colorado_reference(file_path, file_path.stat().st_mtime_ns)


@cache
def _load_colorado_reference(path: Path, _version: int) -> ColoradoReference:
    try:
        with path.open(encoding="utf-8") as handle:
            return ColoradoReference.model_validate(safe_load(handle))
    except ValidationError as error:
        raise ValueError(f"{path} does not fit the Colorado screening: {error}") from error


def colorado_reference() -> dict[str, Any]:
    """The Colorado labels, areas, obligations, dates and history, for the UI."""
    return load_colorado_reference().model_dump()


# --- answers -------------------------------------------------------------------------------------


class ColoradoAnswers(_Strict):
    """One Colorado answer set, validated. None = not answered; `areas` may hold retired values
    (old SB 24-205 answers), which the procedure explains and leaves out."""

    colorado_consumers: bool | None = None
    consequential_decision_areas: tuple[ColoradoArea | RetiredArea, ...] | None = None
    roles: tuple[str, ...] = ()
    materially_influences: bool | None = None
    small_deployer: bool | None = None
    # Whether the answers came under the SB 24-205 keys (an old screening or answer file).
    old_keys_used: bool = False


def upgrade_keys(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers with SB 24-205 keys renamed to their SB 26-189 keys (values unchanged); other
    keys pass through. A new key given too wins, so a re-answered screening is never overruled."""
    upgraded = {key: value for key, value in answers.items() if key not in OLD_KEYS}
    for old, new in OLD_KEYS.items():
        if old in answers and new not in upgraded:
            upgraded[new] = answers[old]
    return upgraded


def uses_old_keys(answers: Mapping[str, Any]) -> bool:
    """Whether any answer is given under an SB 24-205 key."""
    return any(key in OLD_KEYS for key in answers)


def without_retired_areas(answers: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The answers without retired area values (which no question offers any more), and the
    retired values found, so the procedure can still explain them."""
    kept = dict(answers)
    areas = kept.get("consequential_decision_areas")
    if not isinstance(areas, list | tuple):
        return kept, []
    retired = [area for area in areas if area in RETIRED_AREAS]
    if retired:
        kept["consequential_decision_areas"] = [a for a in areas if a not in RETIRED_AREAS]
    return kept, retired


def parse_colorado_answers(data: Mapping[str, Any]) -> ColoradoAnswers:
    """Validate raw answers (a file, the questionnaire) into ColoradoAnswers.

    Old SB 24-205 keys are read as their new ones. Every unknown key, unknown value and
    non-yes/no answer is collected into one ScreeningInputError, so all are fixed in one go.
    """
    if not isinstance(data, Mapping):
        raise ScreeningInputError([f"expected a mapping of answers, got {type(data).__name__}"])
    problems: list[str] = []
    for old, new in OLD_KEYS.items():
        if old in data and new in data:
            problems.append(f"{old}: the old name of {new}; give only one of them")
    cleaned: dict[str, Any] = {"old_keys_used": uses_old_keys(data)}
    for key, value in upgrade_keys(data).items():
        if key not in COLORADO_ANSWER_KEYS:
            problems.append(f"unknown key {echo(key)} (allowed: {', '.join(COLORADO_ANSWER_KEYS)})")
            continue
        if value is None:
            continue
        if key in COLORADO_YES_NO_KEYS:
            parsed: object = yes_no_answer(key, value, problems)
        elif key == "roles":
            parsed = choices_answer(
                key, value, tuple(dict.fromkeys((*COLORADO_ROLES, *ROLES))), problems
            )
        else:
            parsed = choices_answer(key, value, (*COLORADO_AREAS, *RETIRED_AREAS), problems)
        if parsed is not None:
            cleaned[key] = tuple(parsed) if isinstance(parsed, list) else parsed
    if problems:
        raise ScreeningInputError(problems)
    return ColoradoAnswers.model_validate(cleaned)


def load_colorado_answers_file(path: str | Path) -> ColoradoAnswers:
    """Read Colorado answers from a YAML or JSON file (see screening.read_answer_file)."""
    return parse_colorado_answers(read_answer_file(path))


# --- the result ----------------------------------------------------------------------------------

CLI_OBLIGATION_KEYS: tuple[str, ...] = (
    "id",
    "title",
    "section",
    "applies_from",
    "roles",
    "source",
    "last_checked",
)


class ColoradoObligation(_Strict):
    """One duty the organisation carries under the law, dated from the milestone it depends on.
    `roles` are the organisation's roles it binds (of the result's roles)."""

    id: str
    title: str
    section: str
    applies_from: date
    roles: list[ColoradoRole]
    source: str
    last_checked: date
    summary: str
    frequency: str


class ColoradoResult(_Strict):
    """The outcome of the Colorado screening: covered or not, why, and the obligations by role.

    `law` and `data_version` say which law and which version of the data file the result was
    worked out under, so a result made before the law changed can be recognised as stale.
    """

    covered: bool
    basis: ColoradoBasis
    obligations: list[ColoradoObligation] = Field(default_factory=list)
    reasons: list[str] = Field(min_length=1)
    areas: list[ColoradoArea] = Field(default_factory=list)
    roles: list[ColoradoRole] = Field(default_factory=list)
    law: str = LAW
    data_version: int

    @model_validator(mode="before")
    @classmethod
    def _upgrade_sb24_205_result(cls, data: Any) -> Any:
        """Read a result stored under SB 24-205 (`high_risk`, duties, impact elements) as a
        result of this model, so an old screening still opens: it keeps its old verdict, loses
        the duties of the repealed law and says so first."""
        if not isinstance(data, Mapping) or "high_risk" not in data:
            return data
        high_risk = bool(data["high_risk"])
        areas = [area for area in data.get("areas", []) if area in COLORADO_AREAS]
        roles = [
            role
            for role, key in (("developer", "developer_duties"), ("deployer", "deployer_duties"))
            if data.get(key)
        ]
        if high_risk:
            basis = "covered_admt"
        elif not data.get("areas"):
            basis = "no_consequential_decision"
        else:
            basis = "no_material_influence"
        note = (
            f"This result was worked out under {LEGACY_LAW}, which was repealed and never took "
            f"effect; its duties no longer apply. Screen the system again to apply {LAW}."
        )
        return {
            "covered": high_risk,
            "basis": basis,
            "obligations": [],
            "reasons": [note, *data.get("reasons", [])],
            "areas": areas,
            "roles": roles,
            "law": LEGACY_LAW,
            "data_version": 1,
        }

    @property
    def legacy(self) -> bool:
        """Whether the result was made under the repealed SB 24-205."""
        return self.law != LAW

    def to_cli_json(self) -> dict[str, Any]:
        """The command line's JSON: covered, basis, obligations (their fixed keys), reasons."""
        dumped = self.model_dump(mode="json")
        return {
            "covered": dumped["covered"],
            "basis": dumped["basis"],
            "obligations": [
                {key: item[key] for key in CLI_OBLIGATION_KEYS} for item in dumped["obligations"]
            ],
            "reasons": dumped["reasons"],
        }


def _quoted(labels: Iterable[str]) -> str:
    items = [f'"{label}"' for label in labels]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _map_roles(
    roles: Iterable[str], reference: ColoradoReference
) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """(Colorado roles, roles without a counterpart, (EU role, Colorado role) mappings)."""
    mapped: list[str] = []
    without: list[str] = []
    translated: list[tuple[str, str]] = []
    for role in roles:
        if role in COLORADO_ROLES:
            target: str | None = role
        else:
            target = reference.eu_role_equivalents.get(role)
            if target is None:
                without.append(role)
                continue
            translated.append((role, target))
        if target not in mapped:
            mapped.append(target)
    order = {role: position for position, role in enumerate(COLORADO_ROLES)}
    return sorted(mapped, key=order.__getitem__), without, translated


def _obligations(reference: ColoradoReference, roles: list[str]) -> list[ColoradoObligation]:
    """The obligations of the given roles, each dated from its milestone."""
    result: list[ColoradoObligation] = []
    for spec in reference.obligations:
        bound = [role for role in spec.roles if role in roles]
        if not bound:
            continue
        milestone = reference.milestones[spec.milestone]
        result.append(
            ColoradoObligation(
                id=spec.id,
                title=spec.title,
                section=spec.section,
                applies_from=milestone.date,
                roles=bound,  # type: ignore[arg-type]
                source=spec.source,
                last_checked=spec.last_checked or reference.last_checked,
                summary=spec.summary,
                frequency=spec.frequency,
            )
        )
    return result


def screen_colorado(
    answers: ColoradoAnswers | Mapping[str, Any], *, reference: ColoradoReference | None = None
) -> ColoradoResult:
    """Screen one system against SB 26-189 (C.R.S. 6-1-1701 et seq.).

    Covered when consumers in Colorado are affected, at least one consequential-decision area is
    chosen and the output materially influences the decision (assumed yes when areas are given
    and the question is not answered: the cautious reading). Raises ScreeningInputError naming
    every bad key or value.
    """
    parsed = answers if isinstance(answers, ColoradoAnswers) else parse_colorado_answers(answers)
    ref = reference or load_colorado_reference()
    law = f"the {ref.short_title} ({LAW}, {ref.citation})"
    definitions = ref.definitions
    reasons: list[str] = []
    if parsed.old_keys_used:
        reasons.append(
            f"These answers were given to the questions on {LEGACY_LAW}, which was repealed and "
            f"never took effect; they were read as the matching {LAW} questions (doing business "
            "in Colorado as consumers in Colorado, a substantial factor as material influence)."
        )

    # Areas: the current ones in the law's order; retired ones explained and left out.
    chosen = parsed.consequential_decision_areas or ()
    areas = [area for area in COLORADO_AREAS if area in chosen]
    retired_reasons = [
        f'The area "{spec.label}" was left out. {spec.reason}'
        for retired, spec in ref.retired_areas.items()
        if retired in chosen
    ]

    # Material influence: assumed when areas are given and the question was not answered.
    influences = parsed.materially_influences
    influence_assumed = influences is None and bool(areas)
    if influence_assumed:
        influences = True

    basis: ColoradoBasis
    consequential = definitions["consequential_decision"].section
    if not parsed.colorado_consumers:
        basis = "no_colorado_consumers"
        said = (
            "you answered that the system is not used for decisions about consumers in Colorado"
            if parsed.colorado_consumers is False
            else "whether the system is used for decisions about consumers in Colorado was not "
            "answered, so it counts as no"
        )
        reasons.append(f"Not covered by {law}: {said}.")
    else:
        reasons.append(
            "The system is used for decisions about consumers in Colorado (your answer), so "
            f"{law} may reach it; it applies from {ref.effective.date}."
        )
        reasons.extend(retired_reasons)
        if not areas:
            basis = "no_consequential_decision"
            reasons.append(
                "Not covered: you chose no area of consequential decisions (education, "
                "employment, financial or lending services, essential government services, "
                f"health care, housing, insurance); see {consequential}."
            )
        else:
            noun = "area" if len(areas) == 1 else "areas"
            named = _quoted(ref.areas[area].label for area in areas)
            reasons.append(
                f"It plays a part in decisions in the {noun} {named} (your answer): "
                f"consequential decisions under {consequential}."
            )
            material = definitions["materially_influence"].section
            if influence_assumed:
                reasons.append(
                    "Whether its output materially influences those decisions was not answered; "
                    "it is taken as yes, the cautious reading, because areas were given. Answer "
                    f"no if its output plays no real part in them ({material})."
                )
            elif influences:
                reasons.append(
                    "Its output materially influences those decisions (your answer), so it is "
                    f"covered ADMT ({material})."
                )
            if not influences:
                basis = "no_material_influence"
                reasons.append(
                    "Not covered: you answered that its output does not materially influence "
                    f"those decisions ({material}). Keep the reasoning on file: this is the "
                    "answer the law turns on."
                )
            else:
                basis = "covered_admt"
                effective = ref.effective
                reasons.append(
                    f"Covered by {law}. Its duties apply from {effective.date} "
                    f"({effective.source}; last checked {effective.last_checked})."
                )
    covered = basis == "covered_admt"

    colorado_roles, without, translated = _map_roles(parsed.roles, ref)
    for eu_role, target in translated:
        reasons.append(
            f'Your EU AI Act role "{eu_role.replace("_", " ")}" counts as "{target}" under '
            "the Colorado law."
        )
    for role in without:
        reasons.append(
            f"The role {role.replace('_', ' ')} has no counterpart in the Colorado law and adds "
            "no duties."
        )
    obligations = _obligations(ref, colorado_roles) if covered else []
    if covered:
        for role in colorado_roles:
            titles = [item.title.lower() for item in obligations if role in item.roles]
            sections = ref.roles[role].duties_section  # type: ignore[index]
            reasons.append(
                f"As {role} you carry {len(titles)} duties ({sections}): " + "; ".join(titles) + "."
            )
        if not colorado_roles:
            reasons.append(
                "No developer or deployer role was given, so no duties are listed; a developer "
                "or deployer of this system would carry them."
            )
        reasons.append(f"Enforcement ({ref.enforcement.section}): {ref.enforcement.summary}")
        rules = ref.milestones.get("attorney_general_rules")
        if rules is not None:
            reasons.append(
                f"The Attorney General must adopt rules to clarify and carry out the act before "
                f"{rules.date} ({rules.source}); they may add detail to these duties."
            )
    if parsed.small_deployer:
        context = (
            ""
            if "deployer" in colorado_roles
            else " It changes nothing here, as no deployer role was given."
        )
        reasons.append(f"You answered that you are a small deployer. {ref.small_deployers.reason}")
        if context:
            reasons[-1] += context
    return ColoradoResult(
        covered=covered,
        basis=basis,
        obligations=obligations,
        reasons=reasons,
        areas=areas,  # type: ignore[arg-type]
        roles=colorado_roles,  # type: ignore[arg-type]
        law=LAW,
        data_version=ref.version,
    )


def history_note(reference: ColoradoReference | None = None) -> str:
    """The repealed laws in one paragraph (SB 24-205), for pages that show the law's history."""
    ref = reference or load_colorado_reference()
    notes = []
    for law in ref.history:
        dates = ", then ".join(str(item.date) for item in law.effective_dates)
        notes.append(
            f"{law.title} was repealed on {law.repealed.date} ({law.repealed.by}) and never took "
            f"effect: its duties were to apply from {dates}. Its former duties are history only: "
            + "; ".join(duty.title for duty in law.former_duties)
            + "."
        )
    return " ".join(notes)


def no_result_note(answers: Mapping[str, Any]) -> str:
    """Why a screening has no Colorado result, from its answers: the system is used for no
    consumers in Colorado (screenings saved under SB 24-205 stored no result then), or the
    questions were never reached."""
    if upgrade_keys(answers).get("colorado_consumers") is False:
        return (
            "Not covered: the answers say the system is not used in decisions about consumers "
            "in Colorado."
        )
    return "Not asked: the Colorado questions follow once the system is an AI system."


def coverage_label(covered: bool | None, repealed_law: bool = False) -> str:
    """The words for a stored Colorado verdict, the same on every page: None when the Colorado
    questions were not asked; `repealed_law` for a verdict reached under SB 24-205."""
    if covered is None:
        return "not asked"
    if repealed_law:
        return f"screened under {LEGACY_LAW} (repealed)"
    return "covered" if covered else "not covered"


def colorado_key_dates(
    reference: ColoradoReference | None = None, today: date | None = None
) -> list[dict[str, Any]]:
    """The law's dates as rows (Law, Date, What applies, Status, Set by, Source, Last checked,
    Note, as the EU AI Act's): SB 26-189's milestones, then the dates SB 24-205 would have
    applied from, marked repealed."""
    ref = reference or load_colorado_reference()
    today = today or date.today()
    rows = [
        {
            "Law": f"{ref.short_title} ({LAW})",
            "Date": milestone.date,
            "What applies": milestone.label,
            "Status": DATE_STATUS_LABELS[milestone.status],
            "Applies": "now" if milestone.date <= today else "upcoming",
            "Set by": ref.set_by,
            "Source": milestone.source,
            "Last checked": milestone.last_checked,
            "Note": milestone.note or "",
        }
        for milestone in sorted(ref.milestones.values(), key=lambda item: item.date)
    ]
    rows += [
        {
            "Law": f"{law.short_title}: repealed, never in force",
            "Date": when.date,
            "What applies": "Nothing: the date its duties would have applied from",
            "Status": DATE_STATUS_LABELS[law.status],
            "Applies": "no",
            "Set by": when.set_by,
            "Source": ", ".join(law.sources),
            "Last checked": ref.last_checked,
            "Note": f"Repealed on {law.repealed.date}: {law.repealed.by}.",
        }
        for law in ref.history
        for when in law.effective_dates
    ]
    return rows
