"""Regulatory screening: the EU AI Act decision procedure (Colorado's is assessments.colorado).

The procedure is code and the content is data: labels, examples, dates and obligations live in
`data/regulation/*.yaml`, so a date that moves is changed in one place. Every step of the
procedure writes a plain sentence into `reasons`, so a result can be defended line by line.
"""

from __future__ import annotations

import json
from collections import Counter
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

from assessments.answer_files import (
    AnswerFileRefused,
    answer_text,
    load_answer_json,
    load_answer_yaml,
    read_answer_bytes,
)
from assessments.config import data_dir
from assessments.errors import WorkbenchError
from assessments.text import echo, first_few, shorten
from assessments.yaml_io import safe_load

Role = Literal[
    "provider",
    "deployer",
    "importer",
    "distributor",
    "product_manufacturer",
    "authorised_representative",
]
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
    "non_consensual_intimate_imagery",
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
Basis = Literal["annex_i", "annex_iii", "annex_i_section_b", "art6_3_exemption"]
Regime = Literal["EU AI Act", "Colorado ADMT law", "Colorado AI Act (SB 24-205, repealed)"]
EU_AI_ACT: Regime = "EU AI Act"
# Classes whose transparency duties and FRIA are not assessed: a prohibited system may not be
# used in the EU at all, and a system outside the Act carries none of its duties.
DUTIES_NOT_ASSESSED: tuple[RiskClass, ...] = ("prohibited", "out_of_scope")
GpaiLevel = Literal["none", "gpai", "gpai_systemic"]

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
    "eu_territorial_link",
    "established_outside_eu",
    "annex_i_product",
    "annex_i_section_b",
    "profiles_natural_persons",
    "significant_risk_of_harm",
    "already_on_market",
    "gpai_model_provider",
    "gpai_systemic_risk",
    "open_source_weights",
    "public_authority",
    "public_service_provider",
    "credit_or_insurance_pricing",
)
ANSWER_KEYS: tuple[str, ...] = (
    "ai_system",
    "eu_territorial_link",
    "roles",
    "established_outside_eu",
    "exclusions",
    "prohibited",
    "annex_i_product",
    "annex_i_section_b",
    "annex_iii_areas",
    "profiles_natural_persons",
    "art6_3_conditions",
    "significant_risk_of_harm",
    "art50",
    "gpai_model_provider",
    "gpai_systemic_risk",
    "open_source_weights",
    "public_authority",
    "public_service_provider",
    "credit_or_insurance_pricing",
    "already_on_market",
)
# Keys of older answer files, still read: `public_body_or_public_service` (questionnaire 1.x)
# merged public authorities with private organisations providing a public service. Both owe a
# FRIA (Art. 27(1)), but only public authorities register their use (Art. 26(8), Art. 49(3)), so
# a "yes" becomes public_service_provider (the FRIA still follows) and leaves public_authority
# unanswered, which the reasons then ask for; a "no" answers both.
LEGACY_KEYS: tuple[str, ...] = ("public_body_or_public_service",)
# The high-risk route of Art. 6(1) for Annex I Section B products: classed high-risk, but only
# Art. 6(1), 102-109 and 112 apply (Art. 2(2)), so it carries none of the Act's duties.
SECTION_B_ROUTE: Basis = "annex_i_section_b"
# Milestones of the high-risk duties: Art. 111(2) lifts them for a system already on the market
# (until a significant design change), except that public authorities' systems must comply by
# the date of LEGACY_PUBLIC_AUTHORITY_MILESTONE. The data file must define all three.
HIGH_RISK_MILESTONES: tuple[str, ...] = ("annex_iii_high_risk", "annex_i_high_risk")
LEGACY_PUBLIC_AUTHORITY_MILESTONE = "legacy_public_authority_systems"
# Art. 2 exclusions that take a system out of scope whatever it does; the open-source one does not.
SCOPE_EXCLUSIONS: tuple[str, ...] = (
    "military_defence_national_security",
    "scientific_research_only",
    "personal_non_professional",
)
# Roles that supply a system to others: the personal-use exclusion (Art. 2(10)) never covers them.
SUPPLYING_ROLES: tuple[str, ...] = (
    "provider",
    "importer",
    "distributor",
    "product_manufacturer",
    "authorised_representative",
)
OBLIGATION_TRIGGERS: frozenset[str] = frozenset(
    {
        "in_scope",
        "prohibited",
        "high_risk",
        "high_risk_annex_iii",
        "fria",
        "public_deployer_registration",
        "explanation_right",
        "high_risk_third_country",
        "art6_3_exemption",
        "gpai",
        "gpai_systemic",
        "gpai_documentation",
        "gpai_third_country",
        *(f"art50:{trigger}" for trigger in get_args(Art50Trigger)),
    }
)
# The answers that make a high-risk Annex III system need a FRIA (Art. 27), in words.
_FRIA_TRIGGERS: dict[str, str] = {
    "public_authority": "the system is used by a public authority or on its behalf",
    "public_service_provider": "the deployer is a private organisation providing a public service",
    "credit_or_insurance_pricing": (
        "the system assesses creditworthiness or prices life or health insurance"
    ),
}
_TRUE_WORDS = frozenset({"yes", "true"})
_FALSE_WORDS = frozenset({"no", "false"})


def eu_ai_act_file() -> Path:
    """Where the EU AI Act content lives (follows `AIMS_DATA_DIR`)."""
    return data_dir() / "regulation" / "eu_ai_act.yaml"


class ScreeningInputError(WorkbenchError, ValueError):
    """Answers that cannot be screened; `problems` names every bad key or value at once."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("The screening answers have problems: " + first_few(self.problems))


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
    public_authority: bool = False
    public_service_provider: bool = False
    credit_or_insurance_pricing: bool = False
    eu_territorial_link: bool = True
    established_outside_eu: bool = False
    annex_i_section_b: bool = False
    open_source_weights: bool = False
    already_on_market: bool = False

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


def yes_no_answer(key: str, value: object, problems: list[str]) -> bool | None:
    """A yes/no answer of an answer file as a bool; None, with a problem noted, otherwise
    (shared by every screening's file format)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE_WORDS | _FALSE_WORDS:
        return value.strip().lower() in _TRUE_WORDS
    problems.append(f"{key}: {echo(value)} is not yes or no")
    return None


def choices_answer(
    key: str, value: object, options: tuple[str, ...], problems: list[str]
) -> list[str] | None:
    """A multiple-choice answer of an answer file (one value or a list) without repeats; None,
    with every unknown value noted, otherwise."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple | set | frozenset):
        problems.append(f"{key}: expected a list of choices, got {echo(value)}")
        return None
    unknown = [item for item in items if item not in options]
    for item in unknown:
        problems.append(f"{key}: unknown value {echo(item)} (allowed: {', '.join(options)})")
    return None if unknown else list(dict.fromkeys(items))


def parse_answers(data: Mapping[str, Any]) -> EuAiActAnswers:
    """Validate raw answers (a form, a file) and normalise yes/no words to booleans.

    A key with an empty value (None) counts as not answered. Every unknown key and value is
    collected into one ScreeningInputError, so the user can fix them all in one go.
    """
    if not isinstance(data, Mapping):
        raise ScreeningInputError([f"expected a mapping of answers, got {type(data).__name__}"])
    problems: list[str] = []
    cleaned: dict[str, Any] = {}
    legacy: dict[str, bool] = {}
    for key, value in data.items():
        if key not in ANSWER_KEYS and key not in LEGACY_KEYS:
            problems.append(f"unknown key {echo(key)}")
            continue
        if value is None:
            continue
        if key in YES_NO_KEYS or key in LEGACY_KEYS:
            parsed: object = yes_no_answer(key, value, problems)
        else:
            parsed = choices_answer(key, value, MULTI_SELECT_OPTIONS[key], problems)
        if parsed is None:
            continue
        if key in LEGACY_KEYS:
            legacy[key] = bool(parsed)
        else:
            cleaned[key] = parsed
    if problems:
        raise ScreeningInputError(problems)
    return EuAiActAnswers.model_validate({**_from_legacy_keys(legacy), **cleaned})


def _from_legacy_keys(legacy: Mapping[str, bool]) -> dict[str, Any]:
    """The current keys an older answer file's keys stand for (see LEGACY_KEYS); the caller
    lets keys the file also gives directly win."""
    if "public_body_or_public_service" not in legacy:
        return {}
    if legacy["public_body_or_public_service"]:
        return {"public_service_provider": True}
    return {"public_authority": False, "public_service_provider": False}


def read_answer_file(path: str | Path) -> Mapping[str, Any]:
    """The answers in a YAML or JSON file (JSON by `.json` extension or a leading brace), for
    any screening. Every way a file can be unusable (unreadable, larger than the limit, not
    UTF-8, not valid YAML or JSON, aliases, nested too deeply, empty, not a mapping) is one
    ScreeningInputError of one line (see assessments.answer_files)."""
    file_path = Path(path)
    try:
        text = answer_text(read_answer_bytes(file_path), str(file_path))
        looks_like_json = file_path.suffix.lower() == ".json" or text.lstrip().startswith("{")
        data = (
            load_answer_json(text, str(file_path))
            if looks_like_json
            else load_answer_yaml(text, str(file_path))
        )
    except OSError as error:
        raise ScreeningInputError(
            [f"cannot read {file_path}: {error.strerror or error}"]
        ) from error
    except AnswerFileRefused as error:
        raise ScreeningInputError([str(error)]) from None
    except json.JSONDecodeError as error:
        raise ScreeningInputError(
            [f"{file_path} is not valid JSON: {error.msg} (line {error.lineno})"]
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or "cannot be read"
        raise ScreeningInputError(
            [f"{file_path} is not valid YAML: {shorten(problem)}{where}"]
        ) from None
    if not data:
        raise ScreeningInputError([f"{file_path} holds no answers"])
    if not isinstance(data, Mapping):
        raise ScreeningInputError(
            [f"{file_path} must map answer keys to answers, not be a {type(data).__name__}"]
        )
    return data


def load_answers_file(path: str | Path) -> EuAiActAnswers:
    """Read EU AI Act answers from a YAML or JSON file (see read_answer_file)."""
    return parse_answers(read_answer_file(path))


# --- reference data ------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# The legal status of the act that sets a date. "reported" is a date read in the press or a
# draft, not yet in any adopted text; "proposal" is in a proposed act. Neither may stand once the
# date has passed (tests/unit/test_regulation_dates.py): someone must check and update it.
DateStatus = Literal["reported", "proposal", "adopted", "in_force", "repealed"]
UNSETTLED_STATUSES: tuple[str, ...] = ("reported", "proposal")
DATE_STATUS_LABELS: dict[str, str] = {
    "reported": "reported, not verified",
    "proposal": "proposed",
    "adopted": "adopted",
    "in_force": "in force",
    "repealed": "repealed",
}


class ActStep(_Strict):
    date: date
    event: str


class Act(_Strict):
    """A legal act that sets dates of the law: the Regulation itself or an amending act."""

    title: str
    short: str
    status: DateStatus
    source: str
    last_checked: date
    oj_reference: str | None = None
    procedure: str | None = None
    steps: list[ActStep] = Field(default_factory=list)
    note: str | None = None


class EarlierDate(_Strict):
    """A date a milestone had before an amendment moved it (kept as history)."""

    date: date
    set_by: str
    source: str


class Milestone(_Strict):
    """A date of the law, with the act that set it, its status, its source and when someone
    last checked it, and the dates it replaced."""

    date: date
    label: str
    source: str
    last_checked: date
    status: DateStatus
    set_by: str | None = None
    history: list[EarlierDate] = Field(default_factory=list)
    note: str | None = None


class AnswerOption(_Strict):
    label: str
    article: str | None = None
    examples: list[str] = Field(default_factory=list)
    note: str | None = None
    milestone: str | None = None


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
    milestone_from: str | None = None
    source: str
    last_checked: date | None = None
    note: str | None = None


class EuAiActReference(_Strict):
    """The whole EU AI Act data file, validated and cross-checked against the procedure."""

    version: int
    # What changed in this version, in a few words (shown when older screenings go stale).
    version_note: str | None = None
    title: str
    official_text: str
    last_checked: date
    acts: dict[str, Act]
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
        problems += [
            f"milestones must define {key}"
            for key in (*HIGH_RISK_MILESTONES, LEGACY_PUBLIC_AUTHORITY_MILESTONE)
            if key not in self.milestones
        ]
        for key, milestone in self.milestones.items():
            acts = [milestone.set_by, *(earlier.set_by for earlier in milestone.history)]
            problems += [
                f"milestone {key}: unknown act {act!r}"
                for act in acts
                if act is not None and act not in self.acts
            ]
        for key, question in self.questions.items():
            problems += [
                f"question {key}, option {value}: unknown milestone {option.milestone!r}"
                for value, option in question.options.items()
                if option.milestone is not None and option.milestone not in self.milestones
            ]
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
            if spec.milestone_from is not None and spec.milestone_from not in MULTI_SELECT_OPTIONS:
                problems.append(
                    f"obligation {spec.id}: milestone_from must name a multiple choice question"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return safe_load(handle)


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


def unsettled_dates(
    milestones: Mapping[str, Milestone], today: date, *, law: str = "EU AI Act"
) -> list[str]:
    """Milestones whose date has passed while their status still says "proposal" or "reported":
    someone must check the law and record its real status (a test runs this every day)."""
    return [
        f"{law}: milestone {key} ({milestone.date}) has passed but its status is still "
        f"{milestone.status!r}; check it against the official text and update the data"
        for key, milestone in milestones.items()
        if milestone.date <= today and milestone.status in UNSETTLED_STATUSES
    ]


def eu_key_dates(
    reference: EuAiActReference | None = None, today: date | None = None
) -> list[dict[str, Any]]:
    """The Act's dates as rows (Law, Date, What applies, Status, Applies (now, upcoming), Set
    by, Source, Last checked, Note), in date order; each date an amendment replaced follows as
    a row marked replaced. Status is the legal status of the act that set the date."""
    ref = reference or load_eu_ai_act_reference()
    today = today or date.today()
    rows: list[dict[str, Any]] = []
    for milestone in sorted(ref.milestones.values(), key=lambda item: item.date):
        act = ref.acts.get(milestone.set_by or "")
        rows.append(
            {
                "Law": EU_AI_ACT,
                "Date": milestone.date,
                "What applies": milestone.label,
                "Status": DATE_STATUS_LABELS[milestone.status],
                "Applies": "now" if milestone.date <= today else "upcoming",
                "Set by": act.short if act else "",
                "Source": milestone.source,
                "Last checked": milestone.last_checked,
                "Note": milestone.note or "",
            }
        )
        for earlier in milestone.history:
            rows.append(
                {
                    "Law": EU_AI_ACT,
                    "Date": earlier.date,
                    "What applies": f"Replaced: {milestone.label}",
                    "Status": "replaced",
                    "Applies": "no",
                    "Set by": ref.acts[earlier.set_by].short,
                    "Source": earlier.source,
                    "Last checked": milestone.last_checked,
                    "Note": f"Now {milestone.date}.",
                }
            )
    return rows


def amending_acts(reference: EuAiActReference | None = None) -> list[dict[str, Any]]:
    """The acts behind the dates as rows (Act, Status, Official Journal, Procedure, Steps,
    Source, Last checked, Note, Full title), for the page and anyone checking the data."""
    ref = reference or load_eu_ai_act_reference()
    return [
        {
            "Act": act.short,
            "Status": DATE_STATUS_LABELS[act.status],
            "Official Journal": act.oj_reference or "",
            "Procedure": act.procedure or "",
            "Steps": "; ".join(f"{step.date}: {step.event}" for step in act.steps),
            "Source": act.source,
            "Last checked": act.last_checked,
            "Note": act.note or "",
            "Full title": act.title,
        }
        for act in ref.acts.values()
    ]


def eu_ai_act_reference() -> dict[str, Any]:
    """Labels, help, examples, classes, milestones and obligations, for the questionnaire UI."""
    return load_eu_ai_act_reference().model_dump()


# --- EU AI Act result ----------------------------------------------------------------------------


class Obligation(_Strict):
    """One duty the organisation carries, dated from the milestone it depends on: an EU AI Act
    obligation of a screening result, or a Colorado duty on a screening's checklist.

    `regime`, `frequency`, `date_set_by`, `replaced_date` and `condition` are left out of the
    JSON at their defaults, so a duty serialises with only the keys that say something.
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
    # Which act set `applies_from` and its status ("Digital Omnibus on AI (2026), in force"),
    # the date it replaced, and a condition that still has to hold for the duty to bind (the
    # Art. 111(2) relief for systems already on the market).
    date_set_by: str | None = Field(default=None, exclude_if=lambda value: value is None)
    replaced_date: date | None = Field(default=None, exclude_if=lambda value: value is None)
    condition: str | None = Field(default=None, exclude_if=lambda value: value is None)


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

    @property
    def duty_routes(self) -> set[str]:
        """The high-risk routes that carry the Act's own high-risk duties (not Section B)."""
        return self.high_risk_routes - {SECTION_B_ROUTE}

    def reaches_eu(self) -> bool:
        """Art. 2(1): placed on the market or put into service in the EU, a deployer in the EU,
        or output used in the EU. Older answer files never asked: assume it does, and say so."""
        question = self.question("eu_territorial_link")
        if not self.answers.answered("eu_territorial_link"):
            if "eu_territorial_link" not in self.not_asked:
                self.reasons.append(
                    f"{question} was not answered, so the screening assumes the system reaches "
                    "the EU (Art. 2(1)). Answer it to confirm."
                )
            return True
        if self.answers.eu_territorial_link:
            return True
        self.reasons.append(
            f"Out of scope: you answered no to {question}. The Act applies only to systems "
            "placed on the market or put into service in the EU, used by a deployer in the EU, "
            "or whose output is used there (Art. 2(1)). Screen it again before that changes."
        )
        return False

    def section_b_result(self, art50: list[str]) -> EuAiActResult:
        """Art. 2(2): for Annex I Section B products only Art. 6(1), 102-109 and 112 apply."""
        if art50:
            self.reasons.append(
                f"The transparency {self.situations(art50)} "
                f"{'carries' if len(art50) == 1 else 'carry'} no duty under this Act either: "
                "Art. 50 is not among the articles that apply to Section B products."
            )
        return self.finish("high_risk", SECTION_B_ROUTE, gpai=self.gpai_level())

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

        if not self.reaches_eu():
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
        if self.high_risk_routes == {SECTION_B_ROUTE}:
            return self.section_b_result(art50)
        self.note_unanswered("art50")
        if self.duty_routes:
            risk_class: RiskClass = "high_risk"
            basis: Basis | None = "annex_i" if "annex_i" in self.duty_routes else "annex_iii"
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
        options = self.reference.questions["prohibited"].options
        for practice in self.answers.prohibited:
            key = options[practice].milestone
            if key is not None:
                milestone = self.reference.milestones[key]
                self.reasons.append(
                    f'The ban on "{self.option("prohibited", practice)}" applies from '
                    f"{milestone.date} ({self.date_set_by(milestone)})."
                )
        return self.finish("prohibited", None, gpai=self.gpai_level())

    def high_risk_classification(self) -> bool:
        """Fill `high_risk_routes`; return True when the Art. 6(3) exemption applies instead."""
        self.note_unanswered("annex_i_product", "annex_iii_areas")
        if self.answers.annex_i_product:
            self.note_unanswered("annex_i_section_b")
            if self.answers.annex_i_section_b:
                self.high_risk_routes.add(SECTION_B_ROUTE)
                self.reasons.append(
                    "Classed high-risk (Art. 6(1)) as, or as a safety component of, a product "
                    "under an Annex I Section B law, but only Art. 6(1), Art. 102-109 and "
                    "Art. 112 of the Act apply to it (Art. 2(2)): the high-risk requirements "
                    "reach it through its own sector law, so none of the Act's high-risk duties "
                    "is listed for this route."
                )
            else:
                self.high_risk_routes.add("annex_i")
                self.reasons.append(
                    "High-risk because it is, or is a safety component of, a product under "
                    "Annex I law that needs a third-party conformity assessment (Art. 6(1))."
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
        if "annex_i" in self.high_risk_routes:
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
        if self.answers.gpai_model_provider and self.roles == {"authorised_representative"}:
            self.reasons.append(
                "You act as the EU authorised representative of the model's provider: the model "
                "duties below bind the provider; the representative's own tasks are in Art. 54(3)."
            )
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
                "systemic risk): Art. 52, 53 and 55 apply to the model (and Art. 54 if you are "
                "established outside the EU), whatever the class of the system"
                + (
                    "; an open-source release does not lighten the duties of a model with "
                    "systemic risk (Art. 53(2))."
                    if self.answers.open_source_weights
                    else "."
                )
            )
            return "gpai_systemic"
        self.note_unanswered("open_source_weights")
        if self.answers.open_source_weights:
            self.reasons.append(
                "General-purpose model (you provide it to others) released with public weights "
                "under a free and open-source licence and without systemic risk: it is spared "
                "the technical documentation of Art. 53(1)(a)-(b) and the authorised "
                "representative of Art. 54 (Art. 53(2), Art. 54(6)), but the copyright policy "
                "and the training content summary still apply, whatever the class of the system."
            )
        else:
            self.reasons.append(
                "General-purpose model (you provide it to others): Art. 53 applies to the model "
                "(and Art. 54 if you are established outside the EU), whatever the class of "
                "the system."
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
        self.note_unanswered(*_FRIA_TRIGGERS)
        triggers = [key for key in _FRIA_TRIGGERS if getattr(self.answers, key)]
        if not triggers:
            self.reasons.append(
                "No fundamental rights impact assessment: the system is not used by or for a "
                "public authority, the deployer is not a private organisation providing a "
                "public service, and the system neither assesses creditworthiness nor prices "
                "life or health insurance (Art. 27(1))."
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
        high_risk_duties = risk_class == "high_risk" and bool(self.duty_routes)
        if "product_manufacturer" in self.roles and high_risk_duties:
            self.reasons.append(
                "As product manufacturer of an Annex I product you carry the provider's duties "
                "(Art. 25(3))."
                if "annex_i" in self.high_risk_routes
                else "As product manufacturer you carry the provider's duties only for Annex I "
                "products (Art. 25(3)); this system is high-risk through Annex III."
            )
        if "provider" in self.roles and (high_risk_duties or gpai != "none"):
            self.note_unanswered("established_outside_eu")
        if high_risk_duties:
            self.explain_legacy_relief()
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

    def explain_legacy_relief(self) -> None:
        """Art. 111(2): a high-risk system already on the market before its date."""
        self.note_unanswered("already_on_market")
        if not self.answers.already_on_market:
            return
        legacy = self.reference.milestones[LEGACY_PUBLIC_AUTHORITY_MILESTONE]
        if self.answers.public_authority:
            self.reasons.append(
                "Already on the market before its high-risk rules apply: the high-risk duties "
                "bind once its design changes significantly, and because public authorities "
                f"use it, by {legacy.date} at the latest (Art. 111(2))."
            )
        else:
            self.note_unanswered("public_authority")
            self.reasons.append(
                "Already on the market before its high-risk rules apply: the high-risk duties "
                "bind only once its design changes significantly (Art. 111(2)). Each of them "
                "says so below; plan them now if a change is coming."
            )

    def date_set_by(self, milestone: Milestone) -> str:
        """Which act set a milestone's date, and its status, in words."""
        act = self.reference.acts.get(milestone.set_by or "")
        status = DATE_STATUS_LABELS[milestone.status]
        return f"{act.short}, {status}" if act else f"{milestone.source}, {status}"

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
            moved = Counter(
                (item.applies_from, item.replaced_date, item.date_set_by)
                for item in obligations
                if item.replaced_date is not None
            )
            for (applies_from, replaced, set_by), moved_count in sorted(moved.items(), key=str):
                verb = "applies" if moved_count == 1 else "apply"
                self.reasons.append(
                    f"{moved_count} of them {verb} from {applies_from}, the date set by the "
                    f"{set_by}; it was {replaced} before the amendment."
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
        if risk_class != "out_of_scope" and basis != SECTION_B_ROUTE:
            triggers.add("in_scope")
        if risk_class == "prohibited":
            triggers.add("prohibited")
        outside_eu = self.answers.established_outside_eu
        if risk_class == "high_risk" and self.duty_routes:
            triggers.add("high_risk")
            if outside_eu:
                triggers.add("high_risk_third_country")
            if "annex_iii" in self.duty_routes:
                triggers.add("high_risk_annex_iii")
                # Critical infrastructure (Annex III point 2) is left out of the right to an
                # explanation (Art. 86(1)) and registered nationally (Art. 49(3), 49(5)).
                if set(self.areas) != {"critical_infrastructure"}:
                    triggers.add("explanation_right")
                    if self.answers.public_authority:
                        triggers.add("public_deployer_registration")
        if fria:
            triggers.add("fria")
        if basis == "art6_3_exemption":
            triggers.add("art6_3_exemption")
        if gpai != "none":
            triggers.add("gpai")
            # Art. 53(2), Art. 54(6): open-source models without systemic risk are spared.
            if gpai == "gpai_systemic" or not self.answers.open_source_weights:
                triggers.add("gpai_documentation")
                if outside_eu:
                    triggers.add("gpai_third_country")
        if gpai == "gpai_systemic":
            triggers.add("gpai_systemic")
        return triggers

    def roles_carrying(self, spec: ObligationSpec) -> list[str]:
        """The organisation's roles that carry a duty; a product manufacturer of an Annex I
        product counts as its provider (Art. 25(3))."""
        acts_as_provider = "annex_i" in self.duty_routes
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

    def milestone_key(self, spec: ObligationSpec) -> str:
        """The milestone that dates a duty: its route's (Annex I only -> the Annex I date), or
        the earliest of the chosen options' own milestones (a later ban has a later date)."""
        if spec.milestone_annex_i and self.duty_routes == {"annex_i"}:
            return spec.milestone_annex_i
        if spec.milestone_from is None:
            return spec.milestone
        options = self.reference.questions[spec.milestone_from].options
        keys = [
            options[value].milestone or spec.milestone
            for value in getattr(self.answers, spec.milestone_from)
        ]
        milestones = self.reference.milestones
        return min(keys, key=lambda key: milestones[key].date, default=spec.milestone)

    def obligations(self, triggers: set[str]) -> list[Obligation]:
        milestones = self.reference.milestones
        legacy = milestones[LEGACY_PUBLIC_AUTHORITY_MILESTONE]
        result: list[Obligation] = []
        for spec in self.reference.obligations:
            if spec.when not in triggers:
                continue
            roles = self.roles_carrying(spec)
            if not roles:
                continue
            key = self.milestone_key(spec)
            milestone = milestones[key]
            condition: str | None = None
            if key in HIGH_RISK_MILESTONES and self.duty_routes and self.answers.already_on_market:
                if self.answers.public_authority and legacy.date > milestone.date:
                    milestone = legacy
                    condition = (
                        "Earlier, from a significant change to the system's design (Art. 111(2))."
                    )
                else:
                    condition = (
                        "Only once the system's design changes significantly after this date "
                        "(Art. 111(2)): it was on the market before."
                    )
            result.append(
                Obligation(
                    id=spec.id,
                    article=spec.article,
                    title=spec.title,
                    summary=spec.summary,
                    applies_from=milestone.date,
                    roles=roles,
                    source=spec.source,
                    last_checked=spec.last_checked or milestone.last_checked,
                    date_set_by=self.date_set_by(milestone),
                    replaced_date=milestone.history[-1].date if milestone.history else None,
                    condition=condition,
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
