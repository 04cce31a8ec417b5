"""Regulatory screening: the EU AI Act decision procedure and the Colorado AI Act test.

The procedure is code and the content is data: labels, examples, dates and obligations live in
`data/regulation/*.yaml`, so a date that moves is changed in one place. Every step of the
procedure writes a plain sentence into `reasons`, so a result can be defended line by line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from assessments.config import data_dir
from assessments.errors import WorkbenchError

Role = Literal["provider", "deployer", "importer", "distributor", "product_manufacturer"]
Exclusion = Literal[
    "military_defence_national_security",
    "scientific_research_only",
    "personal_non_professional",
    "free_open_source",
]
ProhibitedPractice = Literal[
    "manipulation",
    "exploitation_of_vulnerabilities",
    "social_scoring",
    "crime_prediction_profiling",
    "facial_scraping",
    "emotion_recognition_work_education",
    "biometric_categorisation_sensitive",
    "realtime_remote_biometric_id_law_enforcement",
]
AnnexIIIArea = Literal[
    "biometrics",
    "critical_infrastructure",
    "education",
    "employment",
    "essential_services",
    "law_enforcement",
    "migration_border",
    "justice_democracy",
]
Art63Condition = Literal[
    "narrow_procedural_task",
    "improves_completed_human_activity",
    "detects_patterns_without_replacing_review",
    "preparatory_task",
]
Art50Trigger = Literal[
    "interacts_with_people",
    "generates_synthetic_content",
    "emotion_recognition_or_biometric_categorisation",
    "deep_fake",
    "public_interest_text",
]
RiskClass = Literal["out_of_scope", "prohibited", "high_risk", "limited_risk", "minimal_risk"]
Basis = Literal["annex_i", "annex_iii", "art6_3_exemption"]
Regime = Literal["EU AI Act", "Colorado AI Act"]
EU_AI_ACT: Regime = "EU AI Act"
# Classes whose transparency duties and FRIA are not assessed: a prohibited system may not be
# used in the EU at all, and a system outside the Act carries none of its duties.
DUTIES_NOT_ASSESSED: tuple[RiskClass, ...] = ("prohibited", "out_of_scope")
GpaiLevel = Literal["none", "gpai", "gpai_systemic"]
ColoradoArea = Literal[
    "education",
    "employment",
    "financial_lending",
    "essential_government_services",
    "health_care",
    "housing",
    "insurance",
    "legal_services",
]
ColoradoRole = Literal["deployer", "developer"]

ROLES: tuple[str, ...] = get_args(Role)
MULTI_SELECT_OPTIONS: dict[str, tuple[str, ...]] = {
    "roles": ROLES,
    "exclusions": get_args(Exclusion),
    "prohibited": get_args(ProhibitedPractice),
    "annex_iii_areas": get_args(AnnexIIIArea),
    "art6_3_conditions": get_args(Art63Condition),
    "art50": get_args(Art50Trigger),
}
YES_NO_KEYS: tuple[str, ...] = (
    "ai_system",
    "annex_i_product",
    "profiles_natural_persons",
    "significant_risk_of_harm",
    "gpai_model_provider",
    "gpai_systemic_risk",
    "public_body_or_public_service",
    "credit_or_insurance_pricing",
)
ANSWER_KEYS: tuple[str, ...] = (
    "ai_system",
    "roles",
    "exclusions",
    "prohibited",
    "annex_i_product",
    "annex_iii_areas",
    "profiles_natural_persons",
    "art6_3_conditions",
    "significant_risk_of_harm",
    "art50",
    "gpai_model_provider",
    "gpai_systemic_risk",
    "public_body_or_public_service",
    "credit_or_insurance_pricing",
)
# Art. 2 exclusions that take a system out of scope whatever it does; the open-source one does not.
SCOPE_EXCLUSIONS: tuple[str, ...] = (
    "military_defence_national_security",
    "scientific_research_only",
    "personal_non_professional",
)
# Roles that supply a system to others: the personal-use exclusion (Art. 2(10)) never covers them.
SUPPLYING_ROLES: tuple[str, ...] = ("provider", "importer", "distributor", "product_manufacturer")
# Section ids of the impact questionnaire (data/questionnaires/ai_impact_assessment.yaml) that
# the Colorado elements map onto; a test keeps this list equal to the questionnaire's sections.
IMPACT_QUESTIONNAIRE_SECTIONS: tuple[str, ...] = (
    "scope",
    "system",
    "intended_uses",
    "unintended_uses",
    "data",
    "model",
    "deployment",
    "affected_parties",
    "benefits_harms",
    "failures",
    "measures",
)
OBLIGATION_TRIGGERS: frozenset[str] = frozenset(
    {
        "in_scope",
        "prohibited",
        "high_risk",
        "high_risk_annex_iii",
        "fria",
        "public_deployer_registration",
        "art6_3_exemption",
        "gpai",
        "gpai_systemic",
        *(f"art50:{trigger}" for trigger in get_args(Art50Trigger)),
    }
)
# The answers that make a high-risk Annex III system need a FRIA (Art. 27), in words.
_FRIA_TRIGGERS: dict[str, str] = {
    "public_body_or_public_service": (
        "the deployer is a public body or a private organisation providing a public service"
    ),
    "credit_or_insurance_pricing": (
        "the system assesses creditworthiness or prices life or health insurance"
    ),
}
_TRUE_WORDS = frozenset({"yes", "true"})
_FALSE_WORDS = frozenset({"no", "false"})


def eu_ai_act_file() -> Path:
    """Where the EU AI Act content lives (follows `AIMS_DATA_DIR`)."""
    return data_dir() / "regulation" / "eu_ai_act.yaml"


def colorado_file() -> Path:
    """Where the Colorado AI Act content lives (follows `AIMS_DATA_DIR`)."""
    return data_dir() / "regulation" / "colorado_ai_act.yaml"


class ScreeningInputError(WorkbenchError, ValueError):
    """Answers that cannot be screened; `problems` names every bad key or value at once."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("The screening answers have problems: " + "; ".join(self.problems))


# --- answers -------------------------------------------------------------------------------------


class EuAiActAnswers(BaseModel):
    """The answers of one EU AI Act screening. Keys never given stay out of `model_fields_set`,
    which is how the procedure tells "answered no" from "not answered"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ai_system: bool = False
    roles: tuple[Role, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    prohibited: tuple[ProhibitedPractice, ...] = ()
    annex_i_product: bool = False
    annex_iii_areas: tuple[AnnexIIIArea, ...] = ()
    profiles_natural_persons: bool = False
    art6_3_conditions: tuple[Art63Condition, ...] = ()
    significant_risk_of_harm: bool = False
    art50: tuple[Art50Trigger, ...] = ()
    gpai_model_provider: bool = False
    gpai_systemic_risk: bool = False
    public_body_or_public_service: bool = False
    credit_or_insurance_pricing: bool = False

    @field_validator(*MULTI_SELECT_OPTIONS, mode="after")
    @classmethod
    def _canonical_order(cls, chosen: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        """Drop duplicates and keep the options' own order, so equal answers compare equal."""
        options = MULTI_SELECT_OPTIONS[info.field_name or ""]
        return tuple(option for option in options if option in chosen)

    def answered(self, key: str) -> bool:
        """Whether the key was given in the answers (as opposed to left at its default)."""
        return key in self.model_fields_set

    def to_file_dict(self) -> dict[str, Any]:
        """The answers in the file format (only the answered keys, yes/no as words)."""
        data: dict[str, Any] = {}
        for key in ANSWER_KEYS:
            if not self.answered(key):
                continue
            value = getattr(self, key)
            data[key] = ("yes" if value else "no") if isinstance(value, bool) else list(value)
        return data


def _yes_no(key: str, value: object, problems: list[str]) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE_WORDS | _FALSE_WORDS:
        return value.strip().lower() in _TRUE_WORDS
    problems.append(f"{key}: {value!r} is not yes or no")
    return None


def _multi_select(
    key: str, value: object, options: tuple[str, ...], problems: list[str]
) -> list[str] | None:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple | set | frozenset):
        problems.append(f"{key}: expected a list of choices, got {value!r}")
        return None
    unknown = [item for item in items if item not in options]
    for item in unknown:
        problems.append(f"{key}: unknown value {item!r} (allowed: {', '.join(options)})")
    return None if unknown else list(items)


def parse_answers(data: Mapping[str, Any]) -> EuAiActAnswers:
    """Validate raw answers (a form, a file) and normalise yes/no words to booleans.

    A key with an empty value (None) counts as not answered. Every unknown key and value is
    collected into one ScreeningInputError, so the user can fix them all in one go.
    """
    if not isinstance(data, Mapping):
        raise ScreeningInputError([f"expected a mapping of answers, got {type(data).__name__}"])
    problems: list[str] = []
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        if key not in ANSWER_KEYS:
            problems.append(f"unknown key {key!r}")
            continue
        if value is None:
            continue
        if key in YES_NO_KEYS:
            parsed: object = _yes_no(key, value, problems)
        else:
            parsed = _multi_select(key, value, MULTI_SELECT_OPTIONS[key], problems)
        if parsed is not None:
            cleaned[key] = parsed
    if problems:
        raise ScreeningInputError(problems)
    return EuAiActAnswers.model_validate(cleaned)


def load_answers_file(path: str | Path) -> EuAiActAnswers:
    """Read answers from a YAML or JSON file (JSON by `.json` extension or a leading brace)."""
    file_path = Path(path)
    try:
        text = file_path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScreeningInputError(
            [f"cannot read {file_path}: {error.strerror or error}"]
        ) from error
    looks_like_json = file_path.suffix.lower() == ".json" or text.lstrip().startswith("{")
    try:
        data = json.loads(text) if looks_like_json else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        kind = "JSON" if looks_like_json else "YAML"
        raise ScreeningInputError([f"{file_path} is not valid {kind}: {error}"]) from error
    if data is None:
        data = {}
    return parse_answers(data)


# --- reference data ------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Milestone(_Strict):
    """A date of the Act, with where it comes from and when someone last checked it."""

    date: date
    label: str
    source: str
    last_checked: date
    note: str | None = None


class AnswerOption(_Strict):
    label: str
    article: str | None = None
    examples: list[str] = Field(default_factory=list)
    note: str | None = None


class Question(_Strict):
    kind: Literal["yes_no", "multi"]
    label: str
    article: str | None = None
    help: str | None = None
    examples: list[str] = Field(default_factory=list)
    note: str | None = None
    options: dict[str, AnswerOption] = Field(default_factory=dict)


class LabelledExplanation(_Strict):
    label: str
    explanation: str


class ObligationSpec(_Strict):
    """One duty of the Act as stored in the data file; `when` says which result triggers it."""

    id: str
    article: str
    title: str
    summary: str
    when: str
    roles: list[Role]
    any_role: bool = False
    milestone: str
    milestone_annex_i: str | None = None
    source: str
    last_checked: date | None = None
    note: str | None = None


class EuAiActReference(_Strict):
    """The whole EU AI Act data file, validated and cross-checked against the procedure."""

    version: int
    title: str
    official_text: str
    last_checked: date
    milestones: dict[str, Milestone]
    questions: dict[str, Question]
    classes: dict[RiskClass, LabelledExplanation]
    bases: dict[Basis, LabelledExplanation]
    gpai_levels: dict[GpaiLevel, LabelledExplanation]
    obligations: list[ObligationSpec]
    control_suggestions: dict[str, list[str]]

    @model_validator(mode="after")
    def _consistent_with_procedure(self) -> EuAiActReference:
        """Refuse data that the procedure could not use: a missing label, an unknown milestone."""
        problems: list[str] = []
        if set(self.questions) != set(ANSWER_KEYS):
            problems.append(f"questions must be exactly {sorted(ANSWER_KEYS)}")
        for key, options in MULTI_SELECT_OPTIONS.items():
            question = self.questions.get(key)
            if question is not None and set(question.options) != set(options):
                problems.append(f"question {key} must list the options {sorted(options)}")
        for missing in {"classes": get_args(RiskClass), "bases": get_args(Basis)}.items():
            name, expected = missing
            if set(getattr(self, name)) != set(expected):
                problems.append(f"{name} must label {sorted(expected)}")
        seen_ids: set[str] = set()
        for spec in self.obligations:
            if spec.id in seen_ids:
                problems.append(f"obligation id {spec.id} is used twice")
            seen_ids.add(spec.id)
            if spec.when not in OBLIGATION_TRIGGERS:
                problems.append(f"obligation {spec.id}: unknown trigger {spec.when!r}")
            for milestone in (spec.milestone, spec.milestone_annex_i):
                if milestone is not None and milestone not in self.milestones:
                    problems.append(f"obligation {spec.id}: unknown milestone {milestone!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ColoradoDuty(_Strict):
    """A duty under the Colorado act, with how often it falls due."""

    id: str
    title: str
    summary: str
    frequency: str


class ColoradoImpactElement(_Strict):
    """What a Colorado impact assessment covers, and which questionnaire section answers it."""

    id: str
    title: str
    maps_to_section: str


class _ColoradoDutySpec(ColoradoDuty):
    article: str


class _ColoradoArea(_Strict):
    label: str
    examples: list[str] = Field(default_factory=list)


class _ColoradoRole(_Strict):
    label: str
    article: str


class ColoradoReference(_Strict):
    """The Colorado data file, validated against the areas and questionnaire sections."""

    version: int
    title: str
    citation: str
    last_checked: date
    note: str | None = None
    effective: Milestone
    roles: dict[ColoradoRole, _ColoradoRole]
    eu_role_equivalents: dict[Role, ColoradoRole]
    high_risk_rule: str
    areas: dict[ColoradoArea, _ColoradoArea]
    deployer_duties: list[_ColoradoDutySpec]
    small_deployer_note: str
    developer_duties: list[_ColoradoDutySpec]
    impact_assessment_elements: list[ColoradoImpactElement]

    @model_validator(mode="after")
    def _consistent_with_procedure(self) -> ColoradoReference:
        problems = [
            f"impact element {element.id}: unknown section {element.maps_to_section!r}"
            for element in self.impact_assessment_elements
            if element.maps_to_section not in IMPACT_QUESTIONNAIRE_SECTIONS
        ]
        if set(self.areas) != set(get_args(ColoradoArea)):
            problems.append(f"areas must be exactly {sorted(get_args(ColoradoArea))}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_eu_ai_act_reference(path: str | Path | None = None) -> EuAiActReference:
    """Load and check the EU AI Act data file (the default one, or an organisation's copy).

    Cached per file version, so an edited file is picked up without a restart.
    """
    file_path = Path(path) if path else eu_ai_act_file()
    return _load_eu_ai_act_reference(file_path, file_path.stat().st_mtime_ns)


@cache
def _load_eu_ai_act_reference(path: Path, _version: int) -> EuAiActReference:
    try:
        return EuAiActReference.model_validate(_read_yaml(path))
    except ValidationError as error:
        raise ValueError(f"{path} does not fit the screening procedure: {error}") from error


def load_colorado_reference(path: str | Path | None = None) -> ColoradoReference:
    """Load and check the Colorado data file (cached per file version, like the EU one)."""
    file_path = Path(path) if path else colorado_file()
    return _load_colorado_reference(file_path, file_path.stat().st_mtime_ns)


@cache
def _load_colorado_reference(path: Path, _version: int) -> ColoradoReference:
    try:
        return ColoradoReference.model_validate(_read_yaml(path))
    except ValidationError as error:
        raise ValueError(f"{path} does not fit the screening procedure: {error}") from error


def eu_ai_act_reference() -> dict[str, Any]:
    """Labels, help, examples, classes, milestones and obligations, for the questionnaire UI."""
    return load_eu_ai_act_reference().model_dump()


def colorado_reference() -> dict[str, Any]:
    """The Colorado labels, areas, duties, elements and effective date, for the UI."""
    return load_colorado_reference().model_dump()


# --- EU AI Act result ----------------------------------------------------------------------------


class Obligation(_Strict):
    """One duty the organisation carries, dated from the milestone it depends on: an EU AI Act
    obligation of a screening result, or a Colorado AI Act duty on a screening's checklist.

    `regime` and `frequency` are left out of the JSON at their defaults, so an EU AI Act result
    serialises with its fixed keys (the `screen eu-ai-act` output).
    """

    id: str
    article: str
    title: str
    summary: str
    applies_from: date
    roles: list[str]
    source: str
    last_checked: date
    regime: Regime = Field(default=EU_AI_ACT, exclude_if=lambda regime: regime == EU_AI_ACT)
    frequency: str | None = Field(default=None, exclude_if=lambda frequency: frequency is None)


class EuAiActResult(BaseModel):
    """The outcome of the EU AI Act screening. `class` is the JSON key of `risk_class`."""

    model_config = ConfigDict(
        frozen=True, serialize_by_alias=True, validate_by_alias=True, validate_by_name=True
    )

    risk_class: RiskClass = Field(alias="class")
    basis: Basis | None = None
    transparency_duties: list[Art50Trigger] = Field(default_factory=list)
    gpai: GpaiLevel = "none"
    fria_required: bool = False
    obligations: list[Obligation] = Field(default_factory=list)
    reasons: list[str] = Field(min_length=1)

    @property
    def duties_assessed(self) -> bool:
        """Whether the transparency duties and the FRIA were assessed at all (see
        DUTIES_NOT_ASSESSED); when not, "none" and "not required" would mislead."""
        return self.risk_class not in DUTIES_NOT_ASSESSED


def _listing(values: Iterable[str]) -> str:
    return ", ".join(values)


def _joined(values: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c': a list inside a sentence."""
    items = list(values)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _quoted(labels: Iterable[str]) -> str:
    return _joined(f'"{label}"' for label in labels)


def _counted(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def _short_label(label: str) -> str:
    """An option's label without its closing explanation in brackets: 'Provider (develops …)'
    reads 'Provider' inside a sentence."""
    head, bracket, _ = label.partition(" (")
    return head if bracket and label.endswith(")") else label


class _Screening:
    """One run of the EU AI Act procedure; collects the reasons as it goes."""

    def __init__(
        self,
        answers: EuAiActAnswers,
        reference: EuAiActReference,
        not_asked: Iterable[str] = (),
    ) -> None:
        self.answers = answers
        self.reference = reference
        self.reasons: list[str] = []
        self.roles: set[str] = set(answers.roles)
        self.high_risk_routes: set[str] = set()
        self.areas: list[str] = list(answers.annex_iii_areas)
        self.unanswered: list[str] = []
        self.not_asked: frozenset[str] = frozenset(not_asked)

    # Reasons are read by people: they name questions and options by their labels in the
    # reference data, never by their answer keys.

    def question(self, key: str) -> str:
        """A question as quoted in a reason."""
        return f'"{self.reference.questions[key].label}"'

    def option(self, key: str, value: str) -> str:
        return _short_label(self.reference.questions[key].options[value].label)

    def options(self, key: str, values: Iterable[str], quoted: bool = False) -> str:
        labels = [self.option(key, value) for value in values]
        return _quoted(labels) if quoted else _joined(labels)

    def note_unanswered(self, *keys: str) -> None:
        """Remember keys left unanswered; a key the questionnaire did not ask (its earlier
        answers made it irrelevant) is not a gap and is not reported."""
        for key in keys:
            if (
                not self.answers.answered(key)
                and key not in self.not_asked
                and key not in self.unanswered
            ):
                self.unanswered.append(key)

    def run(self) -> EuAiActResult:
        if not self.answers.ai_system:
            if self.answers.answered("ai_system"):
                self.reasons.append(
                    f"Out of scope: you answered no to {self.question('ai_system')}, and the "
                    "Act only covers AI systems (Art. 3(1)). Record why the system does not "
                    "infer its outputs."
                )
            else:
                self.reasons.append(
                    f"Out of scope because {self.question('ai_system')} was not answered and "
                    "counts as no. Answer it to complete the screening."
                )
            return self.finish("out_of_scope", None, gpai=self.gpai_level())

        excluded_by = self.scope_exclusion()
        if excluded_by is not None:
            research_only = excluded_by == "scientific_research_only"
            return self.finish("out_of_scope", None, gpai=self.gpai_level(research_only))

        self.note_unanswered("prohibited")
        if self.answers.prohibited:
            return self.prohibited_result()

        exemption = self.high_risk_classification()
        art50 = list(self.answers.art50)
        self.note_unanswered("art50")
        if self.high_risk_routes:
            risk_class: RiskClass = "high_risk"
            basis: Basis | None = "annex_i" if "annex_i" in self.high_risk_routes else "annex_iii"
        elif art50:
            risk_class = "limited_risk"
            basis = "art6_3_exemption" if exemption else None
            self.reasons.append(
                f"Limited risk because of the transparency {self.situations(art50)}: people "
                "must be told they deal with AI or AI-generated content."
            )
        elif "free_open_source" in self.answers.exclusions:
            self.reasons.append(
                "Out of scope: the system is released under a free and open-source licence and "
                "is neither prohibited, high-risk nor subject to the transparency duties of "
                "Art. 50 (Art. 2(12))."
            )
            if exemption:
                self.reasons.append("So the Art. 6(4) documentation and registration do not apply.")
            return self.finish("out_of_scope", None, gpai=self.gpai_level())
        else:
            risk_class = "minimal_risk"
            basis = "art6_3_exemption" if exemption else None
            self.reasons.append(
                "Minimal risk: no prohibited practice, no high-risk route and no transparency "
                "situation of Art. 50 applies."
            )
        if risk_class == "high_risk" and art50:
            self.reasons.append(
                f"Transparency duties stack on top of high risk because of the Art. 50 "
                f"{self.situations(art50)}."
            )
        if "free_open_source" in self.answers.exclusions:
            self.reasons.append(
                "The exclusion for free and open-source software does not apply, because the "
                f"system is {self.reference.classes[risk_class].label.lower()} (Art. 2(12) "
                "keeps high-risk systems and those with Art. 50 duties in scope)."
            )
        self.caution_on_emotion_recognition()
        return self.finish(
            risk_class,
            basis,
            transparency=art50,
            gpai=self.gpai_level(),
            fria=self.fria_required(risk_class),
        )

    def situations(self, art50: Iterable[str]) -> str:
        chosen = list(art50)
        noun = "situation" if len(chosen) == 1 else "situations"
        return f"{noun} {self.options('art50', chosen, quoted=True)}"

    def scope_exclusion(self) -> str | None:
        """The Art. 2 exclusion that takes the system out of scope, if any (not open source)."""
        chosen = [key for key in SCOPE_EXCLUSIONS if key in self.answers.exclusions]
        supplying = [role for role in SUPPLYING_ROLES if role in self.roles]
        for exclusion in chosen:
            if exclusion == "personal_non_professional" and supplying:
                self.reasons.append(
                    "The exclusion for private, non-professional use is ignored: it covers "
                    "individuals using a system privately (Art. 2(10)), not an organisation "
                    f"acting as {self.options('roles', supplying).lower()}."
                )
                continue
            article = self.reference.questions["exclusions"].options[exclusion].article
            practices = (
                f" The prohibited {self.practices(self.answers.prohibited)} "
                f"{'is' if len(self.answers.prohibited) == 1 else 'are'} not assessed, because "
                "the Act does not reach this system."
                if self.answers.prohibited
                else ""
            )
            self.reasons.append(
                f'Out of scope because of the exclusion "{self.option("exclusions", exclusion)}" '
                f"({article}).{practices}"
            )
            return exclusion
        return None

    def practices(self, chosen: Iterable[str]) -> str:
        listed = list(chosen)
        noun = "practice" if len(listed) == 1 else "practices"
        return f"{noun} {self.options('prohibited', listed, quoted=True)}"

    def prohibited_result(self) -> EuAiActResult:
        overridden = [
            label
            for label, present in (
                ("the Annex I product", self.answers.annex_i_product),
                ("the Annex III areas", bool(self.answers.annex_iii_areas)),
                ("the transparency situations", bool(self.answers.art50)),
                ("the open-source licence", "free_open_source" in self.answers.exclusions),
            )
            if present
        ]
        extra = (
            f" This wins over the other answers ({_joined(overridden)}), which were not assessed."
            if overridden
            else ""
        )
        self.reasons.append(
            f"Prohibited because of the Art. 5 {self.practices(self.answers.prohibited)}: the "
            f"system must not be placed on the market, put into service or used in the EU.{extra}"
        )
        return self.finish("prohibited", None, gpai=self.gpai_level())

    def high_risk_classification(self) -> bool:
        """Fill `high_risk_routes`; return True when the Art. 6(3) exemption applies instead."""
        self.note_unanswered("annex_i_product", "annex_iii_areas")
        if self.answers.annex_i_product:
            self.high_risk_routes.add("annex_i")
            self.reasons.append(
                "High-risk because it is, or is a safety component of, a product under Annex I "
                "law that needs a third-party conformity assessment (Art. 6(1))."
            )
        if self.answers.credit_or_insurance_pricing and "essential_services" not in self.areas:
            self.areas.append("essential_services")
            area = self.option("annex_iii_areas", "essential_services")
            self.reasons.append(
                "The system assesses creditworthiness or prices life or health insurance, so it "
                f'counts as in the Annex III area "{area}" (point 5(b) and 5(c)).'
            )
        if not self.areas:
            return False
        noun = "area" if len(self.areas) == 1 else "areas"
        areas = f"the Annex III {noun} {self.options('annex_iii_areas', self.areas, quoted=True)}"
        conditions = list(self.answers.art6_3_conditions)
        condition_noun = "condition" if len(conditions) == 1 else "conditions"
        chosen = self.options("art6_3_conditions", conditions, quoted=True)
        met = f"Art. 6(3) {condition_noun} {chosen}"
        if self.answers.profiles_natural_persons:
            self.high_risk_routes.add("annex_iii")
            self.reasons.append(
                f"High-risk because the intended use is in {areas} and the system profiles "
                "people, so the Art. 6(3) exemption cannot apply."
            )
            return False
        if not conditions:
            self.high_risk_routes.add("annex_iii")
            self.reasons.append(
                f"High-risk because the intended use is in {areas} and none of the Art. 6(3) "
                "conditions was chosen (Art. 6(2))."
            )
            return False
        if self.answers.significant_risk_of_harm:
            self.high_risk_routes.add("annex_iii")
            self.reasons.append(
                f"High-risk because the intended use is in {areas} and it could pose a "
                f"significant risk of harm, so the {met} "
                f"{'does' if len(conditions) == 1 else 'do'} not exempt it."
            )
            return False
        missing = [
            self.question(key)
            for key in ("profiles_natural_persons", "significant_risk_of_harm")
            if not self.answers.answered(key)
        ]
        if missing:
            self.high_risk_routes.add("annex_iii")
            self.reasons.append(
                f"High-risk because the intended use is in {areas} and {_joined(missing)} "
                f"{'was' if len(missing) == 1 else 'were'} not answered; the Art. 6(3) exemption "
                "needs an explicit no to both profiling and significant risk of harm."
            )
            return False
        if self.high_risk_routes:
            self.reasons.append(
                f"The use in {areas} would be exempt under the {met}, but the system is "
                "high-risk through Annex I anyway."
            )
            return False
        self.reasons.append(
            f"Not high-risk although the intended use is in {areas}: it meets the {met}, does "
            "not profile people and poses no significant risk of harm. The provider must "
            "document this assessment and register the system (Art. 6(4), Art. 49(2))."
        )
        return True

    def caution_on_emotion_recognition(self) -> None:
        if (
            "emotion_recognition_or_biometric_categorisation" in self.answers.art50
            and "biometrics" not in self.areas
        ):
            situation = self.option("art50", "emotion_recognition_or_biometric_categorisation")
            area = self.option("annex_iii_areas", "biometrics")
            self.reasons.append(
                f'Check: the transparency situation "{situation}" was chosen but the Annex III '
                f'area "{area}" was not; emotion recognition and categorisation by sensitive '
                "traits are also Annex III uses (point 1)."
            )

    def gpai_level(self, research_only: bool = False) -> GpaiLevel:
        self.note_unanswered("gpai_model_provider")
        if not self.answers.gpai_model_provider:
            if self.answers.gpai_systemic_risk:
                self.reasons.append(
                    "You said the model has systemic risk, but not that you provide a "
                    "general-purpose model: the duties for general-purpose models fall on "
                    "whoever provides the model, not on you."
                )
            return "none"
        if research_only:
            self.reasons.append(
                "No general-purpose model duties: you provide a general-purpose model, but the "
                "exclusion for scientific research and development covers models as well "
                "(Art. 2(6))."
            )
            return "none"
        if self.answers.gpai_systemic_risk:
            self.reasons.append(
                "General-purpose model with systemic risk (you provide the model, and it has "
                "systemic risk): Art. 52, 53, 54 and 55 apply to the model, whatever the class "
                "of the system."
            )
            return "gpai_systemic"
        self.reasons.append(
            "General-purpose model (you provide it to others): Art. 53 and 54 apply to the "
            "model, whatever the class of the system."
        )
        return "gpai"

    def fria_required(self, risk_class: RiskClass) -> bool:
        """Art. 27: Annex III high-risk (not critical infrastructure only), used by a deployer
        that is public or serves the public, or that scores credit or prices insurance."""
        if risk_class != "high_risk":
            return False
        if "annex_iii" not in self.high_risk_routes:
            self.reasons.append(
                "No fundamental rights impact assessment: Art. 27 covers Annex III systems, and "
                "this one is high-risk only through Annex I."
            )
            return False
        if set(self.areas) == {"critical_infrastructure"}:
            self.reasons.append(
                "No fundamental rights impact assessment: Art. 27 excludes critical "
                "infrastructure systems (Annex III, point 2)."
            )
            return False
        self.note_unanswered("public_body_or_public_service", "credit_or_insurance_pricing")
        triggers = [
            key
            for key in ("public_body_or_public_service", "credit_or_insurance_pricing")
            if getattr(self.answers, key)
        ]
        if not triggers:
            self.reasons.append(
                "No fundamental rights impact assessment: the deployer is neither a public body "
                "nor a private organisation providing a public service, and the system neither "
                "assesses creditworthiness nor prices life or health insurance (Art. 27(1))."
            )
            return False
        because = _joined(_FRIA_TRIGGERS[key] for key in triggers)
        if "deployer" not in self.roles:
            self.reasons.append(
                f"A fundamental rights impact assessment is due because {because}, but it "
                "falls on the deployer, and you did not choose the deployer role (Art. 27)."
            )
            return False
        self.reasons.append(
            f"Fundamental rights impact assessment required (Art. 27): you deploy a high-risk "
            f"Annex III system and {because}."
        )
        return True

    def finish(
        self,
        risk_class: RiskClass,
        basis: Basis | None,
        *,
        transparency: list[str] | None = None,
        gpai: GpaiLevel = "none",
        fria: bool = False,
    ) -> EuAiActResult:
        transparency = transparency or []
        if "product_manufacturer" in self.roles and risk_class == "high_risk":
            self.reasons.append(
                "As product manufacturer of an Annex I product you carry the provider's duties "
                "(Art. 25(3))."
                if "annex_i" in self.high_risk_routes
                else "As product manufacturer you carry the provider's duties only for Annex I "
                "products (Art. 25(3)); this system is high-risk through Annex III."
            )
        if self.unanswered and risk_class != "out_of_scope":
            count = len(self.unanswered)
            self.reasons.append(
                f"Not answered, so counted as no (or none): "
                f"{'; '.join(self.question(key) for key in self.unanswered)}. Answer "
                f"{'it' if count == 1 else 'them'} to confirm this result."
            )
        triggers = self.active_triggers(risk_class, basis, transparency, gpai, fria)
        obligations = self.obligations(triggers)
        self.explain_obligations(risk_class, obligations)
        return EuAiActResult(
            risk_class=risk_class,
            basis=basis,
            transparency_duties=transparency,
            gpai=gpai,
            fria_required=fria,
            obligations=obligations,
            reasons=self.reasons,
        )

    def explain_obligations(self, risk_class: RiskClass, obligations: list[Obligation]) -> None:
        chosen = list(self.answers.roles)
        roles = self.options("roles", chosen).lower()
        your_roles = f"your {'role' if len(chosen) == 1 else 'roles'} ({roles})"
        if obligations:
            count = len(obligations)
            for_whom = f"for {your_roles}" if chosen else "whatever the role"
            verb = "follows" if count == 1 else "follow"
            self.reasons.append(
                f"{_counted(count, 'obligation', 'obligations')} {verb} {for_whom}, dated from "
                f"the milestones in the data file (last checked {self.reference.last_checked})."
            )
        elif risk_class != "out_of_scope":
            self.reasons.append(
                f"No obligation of this class falls on {your_roles}."
                if chosen
                else "No obligations are listed because no role was chosen for "
                f"{self.question('roles')}."
            )

    def active_triggers(
        self,
        risk_class: RiskClass,
        basis: Basis | None,
        transparency: list[str],
        gpai: GpaiLevel,
        fria: bool,
    ) -> set[str]:
        triggers = {f"art50:{trigger}" for trigger in transparency}
        if risk_class != "out_of_scope":
            triggers.add("in_scope")
        if risk_class == "prohibited":
            triggers.add("prohibited")
        if risk_class == "high_risk":
            triggers.add("high_risk")
            if "annex_iii" in self.high_risk_routes:
                triggers.add("high_risk_annex_iii")
                # Art. 49(3): critical infrastructure (Annex III point 2) is registered nationally.
                critical_only = set(self.areas) == {"critical_infrastructure"}
                if self.answers.public_body_or_public_service and not critical_only:
                    triggers.add("public_deployer_registration")
        if fria:
            triggers.add("fria")
        if basis == "art6_3_exemption":
            triggers.add("art6_3_exemption")
        if gpai != "none":
            triggers.add("gpai")
        if gpai == "gpai_systemic":
            triggers.add("gpai_systemic")
        return triggers

    def roles_carrying(self, spec: ObligationSpec) -> list[str]:
        """The organisation's roles that carry a duty; a product manufacturer of an Annex I
        product counts as its provider (Art. 25(3))."""
        acts_as_provider = "annex_i" in self.high_risk_routes
        carrying = [
            role
            for role in ROLES
            if role in self.roles
            and (
                role in spec.roles
                or (
                    role == "product_manufacturer" and acts_as_provider and "provider" in spec.roles
                )
            )
        ]
        if spec.any_role and not carrying:
            return list(spec.roles)
        return carrying

    def obligations(self, triggers: set[str]) -> list[Obligation]:
        milestones = self.reference.milestones
        only_annex_i = self.high_risk_routes == {"annex_i"}
        result: list[Obligation] = []
        for spec in self.reference.obligations:
            if spec.when not in triggers:
                continue
            roles = self.roles_carrying(spec)
            if not roles:
                continue
            milestone_key = (
                spec.milestone_annex_i
                if only_annex_i and spec.milestone_annex_i
                else spec.milestone
            )
            result.append(
                Obligation(
                    id=spec.id,
                    article=spec.article,
                    title=spec.title,
                    summary=spec.summary,
                    applies_from=milestones[milestone_key].date,
                    roles=roles,
                    source=spec.source,
                    last_checked=spec.last_checked or self.reference.last_checked,
                )
            )
        return result


def screen_eu_ai_act(
    answers: EuAiActAnswers | Mapping[str, Any],
    *,
    reference: EuAiActReference | None = None,
    not_asked: Iterable[str] = (),
) -> EuAiActResult:
    """Run the EU AI Act decision procedure (Art. 2, 5, 6, 27, 50, 51) on one system's answers.

    Order: AI system? -> Art. 2 exclusions (military, research, personal) -> prohibited practices
    -> Annex I -> Annex III with the Art. 6(3) exemption -> Art. 50 -> open-source exclusion,
    which only removes a system that is none of the above -> GPAI flags -> FRIA.

    `not_asked`: keys the questionnaire hid because earlier answers made them irrelevant; they
    count as "no" like any missing key but are not listed as unanswered in the reasons.
    """
    parsed = answers if isinstance(answers, EuAiActAnswers) else parse_answers(answers)
    return _Screening(parsed, reference or load_eu_ai_act_reference(), not_asked).run()


def _control_sort_key(control_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in control_id.removeprefix("A.").split("."))


def suggested_controls(
    result: EuAiActResult, *, reference: EuAiActReference | None = None
) -> list[str]:
    """ISO/IEC 42001 Annex A controls that help meet the duties of a screening result."""
    suggestions = (reference or load_eu_ai_act_reference()).control_suggestions
    keys: list[str] = []
    if result.risk_class in ("prohibited", "high_risk"):
        keys.append(result.risk_class)
    if result.basis == "art6_3_exemption":
        keys.append("art6_3_exemption")
    if result.fria_required:
        keys.append("fria")
    if result.transparency_duties:
        keys.append("transparency")
    if result.gpai != "none":
        keys.append("gpai")
    if result.gpai == "gpai_systemic":
        keys.append("gpai_systemic")
    if any(obligation.id == "ai_literacy" for obligation in result.obligations):
        keys.append("ai_literacy")
    controls = {control for key in keys for control in suggestions.get(key, [])}
    return sorted(controls, key=_control_sort_key)


def needs_impact_assessment(result: EuAiActResult) -> bool:
    """Whether the result calls for an impact assessment: high risk, or a FRIA is required."""
    return result.risk_class == "high_risk" or result.fria_required


# --- Colorado AI Act -----------------------------------------------------------------------------


class ColoradoResult(_Strict):
    """The outcome of the Colorado AI Act (SB 24-205) screening."""

    high_risk: bool
    areas: list[ColoradoArea]
    reasons: list[str] = Field(min_length=1)
    deployer_duties: list[ColoradoDuty]
    developer_duties: list[ColoradoDuty] = Field(default_factory=list)
    impact_assessment_elements: list[ColoradoImpactElement]


def _colorado_roles(
    roles: Iterable[str], reference: ColoradoReference, problems: list[str]
) -> tuple[list[str], list[str]]:
    """Map the given roles (Colorado's own, or the EU screening's) onto Colorado roles."""
    colorado_roles: list[str] = []
    without_equivalent: list[str] = []
    for role in roles:
        if role in reference.roles:
            mapped: str | None = role
        elif role in ROLES:
            mapped = reference.eu_role_equivalents.get(role)
            if mapped is None:
                without_equivalent.append(role)
        else:
            problems.append(
                f"roles: unknown value {role!r} (allowed: {_listing([*reference.roles, *ROLES])})"
            )
            continue
        if mapped and mapped not in colorado_roles:
            colorado_roles.append(mapped)
    return colorado_roles, without_equivalent


def screen_colorado(
    consequential_areas: Iterable[str],
    makes_or_substantially_factors: bool | str,
    roles: Iterable[str],
    *,
    reference: ColoradoReference | None = None,
) -> ColoradoResult:
    """Screen a system against the Colorado AI Act: high-risk when it makes, or is a substantial
    factor in, a consequential decision in one of the listed areas."""
    ref = reference or load_colorado_reference()
    problems: list[str] = []
    area_options = tuple(ref.areas)
    # Problems name the answer keys of the screening questionnaire (its file format); reasons
    # are for people and name areas by their labels.
    chosen = _multi_select("colorado_areas", list(consequential_areas), area_options, problems)
    factor = _yes_no("colorado_substantial_factor", makes_or_substantially_factors, problems)
    colorado_roles, without_equivalent = _colorado_roles(list(roles), ref, problems)
    if problems:
        raise ScreeningInputError(problems)
    areas = [area for area in get_args(ColoradoArea) if area in (chosen or [])]

    effective = ref.effective
    reasons: list[str] = []
    noun = "area" if len(areas) == 1 else "areas"
    named_areas = f"{noun} {_quoted(ref.areas[area].label for area in areas)}"
    if not areas:
        reasons.append(
            "Not high-risk under the Colorado AI Act: no area of consequential decisions was "
            "chosen."
        )
    elif not factor:
        reasons.append(
            f"Not high-risk under the Colorado AI Act: the system plays a part in decisions in "
            f"the {named_areas}, but it neither makes them nor is a substantial factor in "
            "making them."
        )
    else:
        reasons.append(
            "High-risk under the Colorado AI Act because it makes, or is a substantial factor "
            f"in, consequential decisions in the {named_areas}. The duties apply from "
            f"{effective.date} ({effective.source}; last checked {effective.last_checked})."
        )
    high_risk = bool(areas) and bool(factor)
    for role in without_equivalent:
        reasons.append(
            f"The role {role.replace('_', ' ')} has no counterpart in the Colorado act and adds "
            "no duties."
        )

    deployer_duties: list[ColoradoDuty] = []
    developer_duties: list[ColoradoDuty] = []
    elements: list[ColoradoImpactElement] = []
    if high_risk:
        if "deployer" in colorado_roles:
            deployer_duties = [
                ColoradoDuty(**spec.model_dump(exclude={"article"})) for spec in ref.deployer_duties
            ]
            elements = list(ref.impact_assessment_elements)
            reasons.append(
                "As deployer you carry the deployer duties and the impact assessment "
                "(C.R.S. 6-1-1703). " + ref.small_deployer_note
            )
        if "developer" in colorado_roles:
            developer_duties = [
                ColoradoDuty(**spec.model_dump(exclude={"article"}))
                for spec in ref.developer_duties
            ]
            reasons.append("As developer you carry the developer duties (C.R.S. 6-1-1702).")
        if not colorado_roles:
            reasons.append(
                "No deployer or developer role was given, so no duties are listed; a deployer or "
                "developer of this system would carry them."
            )
    return ColoradoResult(
        high_risk=high_risk,
        areas=areas,
        reasons=reasons,
        deployer_duties=deployer_duties,
        developer_duties=developer_duties,
        impact_assessment_elements=elements,
    )
