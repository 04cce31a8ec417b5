"""The AI system inventory: what a record holds and the rules it must satisfy.

An AI system is the unit of the AI management system's scope (ISO/IEC 42001 4.3) and the parent
of every risk, impact assessment and workshop.

Each field of `AISystemInput` declares, beside its type and limits, how people meet it
(`described(...)`): its label, its vocabulary, its widget, whether the inventory list shows and
filters by it, whether it is exported and whether its change makes an impact assessment or a
screening stale. `system_fields()` reads that once, in model order; the pages (list, filters,
detail, form), the export, the import and the audit trail's labels all read it, so a new field
is declared here (plus a migration adding its column) and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, Literal, get_args, get_origin

import annotated_types
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from assessments import vocab
from assessments.audit import field_changes
from assessments.dates import REVIEW_HORIZON_YEARS, check_plausible, review_date_problem
from assessments.errors import field_messages
from assessments.text import echo

NAME_MAX = 120
PURPOSE_MAX = 2000
DESCRIPTION_MAX = 4000
PERSON_MAX = 120
LIST_ITEM_MAX = 200
LIST_MAX_ITEMS = 30

# Where the form and the detail page place a field: "top" spans the page above the two columns
# (the name, purpose and description, which the detail page shows as its title and lead).
Side = Literal["top", "left", "right"]
# How the form asks for a field. Derived from its type when not given: a text "input" (a
# "select" with a vocabulary), a "multiselect" of a vocabulary or "lines" (one per line) for a
# list, a "checkbox" for a flag, a "date" for a date; "area" is a long text, "tags" a list of
# free words with suggestions.
Widget = Literal["input", "area", "select", "multiselect", "tags", "lines", "checkbox", "date"]


def described(
    label: str,
    *,
    vocabulary: Mapping[Any, str] | None = None,
    widget: Widget | None = None,
    filter: str | None = None,
    listed: bool = False,
    search: bool = False,
    side: Side = "left",
    help: str | None = None,
    form_label: str | None = None,
    form_default: Any = None,
    suggestions: Sequence[str] = (),
    detail: bool = True,
    export: bool = True,
    material_for_impact: bool = False,
    material_for_screening: bool = False,
    **field: Any,
) -> Any:
    """A model field with what people see of it (`field` goes to pydantic's Field).

    `filter`: the name of the inventory list's filter by this field (a SystemFilter keyword,
    e.g. `statuses`); `listed`: a column of the inventory list; `search`: the list's search
    box looks in it; `detail`: the detail page lists it (False: shown there otherwise, as the
    status badge); `form_default`: what a new record's form starts with (else the model's
    default, or a vocabulary's first value).

    Two staleness flags, because the two records depend on different facts:
    `material_for_impact`: a change makes an approved impact assessment out of date (it weighs
    who is affected, with what data and how much autonomy); `material_for_screening`: a change
    makes a regulatory screening out of date (the EU AI Act class turns on purpose, context and
    technique; an owner or a stakeholder list does not move a system between classes).
    """
    extra = {
        "vocabulary": vocabulary,
        "widget": widget,
        "filter": filter,
        "listed": listed,
        "search": search,
        "side": side,
        "help": help,
        "form_label": form_label,
        "form_default": form_default,
        "suggestions": tuple(suggestions),
        "detail": detail,
        "export": export,
        "material_for_impact": material_for_impact,
        "material_for_screening": material_for_screening,
    }
    return Field(title=label, json_schema_extra=extra, **field)


def _with_vocabulary(namespace: Mapping[str, Any]) -> list[str]:
    """The names of the fields declared with a vocabulary in a class body's namespace."""
    return [
        name
        for name, value in namespace.items()
        if isinstance(value, FieldInfo)
        and isinstance(value.json_schema_extra, dict)
        and value.json_schema_extra.get("vocabulary")
    ]


@cache
def _vocabulary_of(model: type[BaseModel], name: str) -> tuple[Mapping[Any, str] | None, bool]:
    """A field's vocabulary, and whether it may be left empty (its default is '')."""
    field = model.__pydantic_fields__.get(name)
    extra = field.json_schema_extra if field is not None else None
    vocabulary = extra.get("vocabulary") if isinstance(extra, dict) else None
    return vocabulary, field is not None and field.default == ""  # type: ignore[return-value]


def _one_of(vocabulary: Mapping[Any, str], value: str) -> str:
    if value not in vocabulary:
        choices = ", ".join(f"'{key}' ({text})" for key, text in vocabulary.items())
        raise ValueError(f"{echo(value)} is not a known value; choose one of {choices}")
    return value


# Validation context key of a form or CLI edit: the next review date already saved (None for a
# new system) and today. With it, a newly set review date must be a real plan
# (assessments.dates.review_date_problem); stored rows and import files are validated without it.
REVIEW_PLANNING = "review_planning"
# Validation context key of an import file: dates must be plausible (assessments.dates), though
# a review already overdue in the source register is kept as it is.
PLAUSIBLE_DATES = "plausible_dates"


def review_planning(previous: date | None, today: date | None = None) -> dict[str, Any]:
    """The validation context under which a person's edit is checked:
    `AISystemInput.model_validate(values, context=review_planning(saved.next_review))`."""
    return {REVIEW_PLANNING: {"previous": previous, "today": today or date.today()}}


def _clean_list(values: list[str]) -> list[str]:
    """Trimmed, non-empty, first occurrence kept: lists are sets with a stable order."""
    seen: list[str] = []
    for value in values:
        item = value.strip()
        if item and item not in seen:
            seen.append(item)
    return seen


class AISystemInput(BaseModel):
    """What a person (or an import file) provides for an AI system.

    Field order is the order of the export, the import template, the form and the detail page.
    """

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: str = described(
        "Name", listed=True, search=True, side="top", min_length=1, max_length=NAME_MAX
    )
    purpose: str = described(
        "Purpose and intended use",
        widget="area",
        search=True,
        side="top",
        help="What the system is for and how it is meant to be used; this drives the "
        "impact assessment and the regulatory screening.",
        material_for_impact=True,
        material_for_screening=True,
        min_length=1,
        max_length=PURPOSE_MAX,
    )
    description: str = described(
        "Description",
        widget="area",
        search=True,
        side="top",
        help="How it works: inputs, outputs, who acts on them.",
        default="",
        max_length=DESCRIPTION_MAX,
    )
    owner: str = described(
        "Owner",
        listed=True,
        search=True,
        help="The person accountable for the system.",
        min_length=1,
        max_length=PERSON_MAX,
    )
    business_unit: str = described(
        "Business unit",
        filter="business_units",
        listed=True,
        search=True,
        side="right",
        min_length=1,
        max_length=PERSON_MAX,
    )
    roles: list[str] = described(
        "Our roles",
        vocabulary=vocab.ROLES,
        help="Producer: we build it. Provider: we offer it to others. "
        "User: we deploy it. Several can apply.",
        min_length=1,
    )
    lifecycle_stage: str = described(
        "Lifecycle stage",
        vocabulary=vocab.LIFECYCLE_STAGES,
        filter="lifecycle_stages",
        listed=True,
        side="right",
    )
    ai_technique: str = described(
        "AI technique",
        vocabulary=vocab.AI_TECHNIQUES,
        filter="ai_techniques",
        listed=True,
        material_for_impact=True,
        material_for_screening=True,
    )
    autonomy: str = described(
        "Autonomy and human oversight",
        vocabulary=vocab.AUTONOMY,
        side="right",
        material_for_impact=True,
    )
    stakeholders: list[str] = described(
        "Affected stakeholders",
        vocabulary=vocab.STAKEHOLDERS,
        material_for_impact=True,
        min_length=1,
    )
    personal_data: bool = described(
        "Personal data",
        vocabulary=vocab.PERSONAL_DATA,
        filter="personal_data",
        listed=True,
        form_label="Processes personal data",
        material_for_impact=True,
    )
    special_category_data: bool = described(
        "Special-category data",
        vocabulary=vocab.PERSONAL_DATA,
        form_label="Processes special-category data (health, biometrics, beliefs, …)",
        material_for_impact=True,
        default=False,
    )
    deployment_context: str = described(
        "Deployment context",
        vocabulary=vocab.DEPLOYMENT_CONTEXTS,
        filter="deployment_contexts",
        listed=True,
        material_for_impact=True,
        material_for_screening=True,
    )
    geography: list[str] = described(
        "Geographic scope",
        widget="tags",
        suggestions=vocab.COMMON_GEOGRAPHIES,
        side="right",
        help="Where it is used or affects people; type to add another.",
        default_factory=list,
        max_length=LIST_MAX_ITEMS,
    )
    suppliers: list[str] = described(
        "Third-party suppliers or models",
        search=True,
        side="right",
        default_factory=list,
        max_length=LIST_MAX_ITEMS,
    )
    status: str = described(
        "Status",
        vocabulary=vocab.SYSTEM_STATUSES,
        filter="statuses",
        listed=True,
        side="right",
        detail=False,
        form_default="planned",
        default="active",
    )
    next_review: date | None = described(
        "Next review",
        listed=True,
        side="right",
        help=f"When the system is next reviewed: from today up to {REVIEW_HORIZON_YEARS} "
        "years ahead. A date already saved can stay as it is, even when it has passed.",
        default=None,
    )

    @field_validator("roles", "stakeholders", "geography", "suppliers", mode="before")
    @classmethod
    def _split_text_lists(cls, value: Any) -> Any:
        """Import files carry lists as `a;b`; forms carry Python lists."""
        if value is None:
            return []
        if isinstance(value, str):
            return value.split(";")
        return value

    @field_validator("roles", "stakeholders", "geography", "suppliers")
    @classmethod
    def _dedupe(cls, values: list[str]) -> list[str]:
        cleaned = _clean_list(values)
        for item in cleaned:
            if len(item) > LIST_ITEM_MAX:
                raise ValueError(f"'{item[:40]}…' is longer than {LIST_ITEM_MAX} characters")
        return cleaned

    @field_validator("roles")
    @classmethod
    def _some_role(cls, values: list[str]) -> list[str]:
        if not values:
            raise ValueError("choose at least one role")
        return values

    @field_validator("stakeholders")
    @classmethod
    def _some_stakeholder(cls, values: list[str]) -> list[str]:
        if not values:
            raise ValueError("name at least one group of people the system affects")
        return values

    # Every field declared above with a vocabulary (read from the class body being defined).
    @field_validator(*_with_vocabulary(locals()))
    @classmethod
    def _in_vocabulary(cls, value: Any, info: ValidationInfo) -> Any:
        """A field with a vocabulary holds its keys (an optional one whose default is '' may
        also be left empty)."""
        vocabulary, may_be_empty = _vocabulary_of(cls, info.field_name or "")
        if not vocabulary or isinstance(value, bool):
            return value
        if isinstance(value, list):
            for item in value:
                _one_of(vocabulary, item)
        elif not (value == "" and may_be_empty):
            _one_of(vocabulary, value)
        return value

    @field_validator("next_review")
    @classmethod
    def _planned_review(cls, value: date | None, info: ValidationInfo) -> date | None:
        context = info.context or {}
        if value is not None and context.get(PLAUSIBLE_DATES):
            check_plausible(value)
        planning = context.get(REVIEW_PLANNING)
        if planning is not None:
            problem = review_date_problem(value, planning["previous"], planning["today"])
            if problem:
                raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AISystemInput:
        problems = cross_field_problems(self.model_dump())
        if problems:
            field, message = next(iter(problems.items()))
            raise ValueError(f"{field}: {message}")
        return self


def _ticked(value: Any) -> bool:
    return value is True or str(value).strip().lower() in {"true", "yes", "1"}


def cross_field_problems(values: Mapping[str, Any]) -> dict[str, str]:
    """Rules between fields, checked on raw values too, so a form shows them together with
    the field errors instead of one round later."""
    problems: dict[str, str] = {}
    if _ticked(values.get("special_category_data")) and not _ticked(values.get("personal_data")):
        problems["special_category_data"] = (
            "special-category data is personal data; tick 'Personal data' as well"
        )
    retired_status = values.get("status", "active") == "retired"
    if retired_status != (values.get("lifecycle_stage") == "retired"):
        problems["status"] = (
            "a retired system has both status 'retired' and lifecycle stage 'retired'; "
            "set both or neither"
        )
    return problems


class AISystem(AISystemInput):
    """A stored AI system with its identity and bookkeeping."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    id: int
    revision: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str

    def as_input(self) -> AISystemInput:
        return AISystemInput(**self.model_dump(include=set(AISystemInput.model_fields)))


FieldKind = Literal["text", "list", "flag", "date"]
_DEFAULT_WIDGETS: dict[tuple[FieldKind, bool], Widget] = {
    ("text", False): "input",
    ("text", True): "select",
    ("list", False): "lines",
    ("list", True): "multiselect",
    ("flag", False): "checkbox",
    ("flag", True): "checkbox",
    ("date", False): "date",
}


@dataclass(frozen=True)
class FieldSpec:
    """One field of an AI system as people meet it, read from the model (`described`)."""

    name: str
    label: str
    kind: FieldKind  # what it stores: text, a list of texts, a yes/no flag or a date
    required: bool
    default: Any
    vocabulary: Mapping[Any, str] | None
    widget: Widget
    filter: str | None
    listed: bool
    search: bool
    side: Side
    help: str | None
    form_label: str
    form_default: Any
    suggestions: tuple[str, ...]
    max_length: int | None
    detail: bool
    export: bool
    material_for_impact: bool
    material_for_screening: bool

    def text(self, value: Any) -> str:
        """A value as people read it: vocabulary labels, lists joined, 'not set' for no date.
        (Plain text: a page escapes it before markdown.)"""
        if self.kind == "list":
            items = [
                vocab.label(self.vocabulary, item) if self.vocabulary else item for item in value
            ]
            return ("; " if self.vocabulary is None else ", ").join(items) or "—"
        if self.kind == "date":
            return value.isoformat() if value else "not set"
        if self.kind == "flag":
            return vocab.label(self.vocabulary or vocab.PERSONAL_DATA, bool(value))
        if self.vocabulary is not None:
            return vocab.label(self.vocabulary, value) if value != "" else "—"
        return str(value) if value not in (None, "") else "—"


def _kind(annotation: Any) -> FieldKind:
    if annotation is bool:
        return "flag"
    if get_origin(annotation) is list:
        return "list"
    if annotation is date or date in get_args(annotation):
        return "date"
    return "text"


def _spec(name: str, info: Any) -> FieldSpec:
    extra: dict[str, Any] = (
        info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    )
    if info.title is None:
        raise TypeError(f"AISystemInput.{name} has no label: declare it with described(...)")
    kind = _kind(info.annotation)
    vocabulary = extra.get("vocabulary")
    widget = extra.get("widget") or _DEFAULT_WIDGETS[(kind, vocabulary is not None)]
    required = info.is_required()
    default = None if required else info.get_default(call_default_factory=True)
    form_default = extra.get("form_default")
    if form_default is None:
        if not required:
            form_default = default
        elif vocabulary and kind == "text":
            form_default = next(iter(vocabulary))
        else:
            form_default = {"text": "", "list": [], "flag": False, "date": None}[kind]
    # A choice with no empty option is always answered, so the form marks it as required too.
    starred = required or (widget == "select" and default != "")
    form_label = extra.get("form_label") or (
        info.title + (" *" if starred else "") + (" (one per line)" if widget == "lines" else "")
    )
    max_length = next(
        (item.max_length for item in info.metadata if isinstance(item, annotated_types.MaxLen)),
        None,
    )
    return FieldSpec(
        name=name,
        label=info.title,
        kind=kind,
        required=required,
        default=default,
        vocabulary=vocabulary,
        widget=widget,
        filter=extra.get("filter"),
        listed=bool(extra.get("listed")),
        search=bool(extra.get("search")),
        side=extra.get("side", "left"),
        help=extra.get("help"),
        form_label=form_label,
        form_default=form_default,
        suggestions=tuple(extra.get("suggestions", ())),
        max_length=max_length if kind == "text" else None,
        detail=extra.get("detail", True),
        export=extra.get("export", True),
        material_for_impact=bool(extra.get("material_for_impact")),
        material_for_screening=bool(extra.get("material_for_screening")),
    )


@cache
def system_fields() -> tuple[FieldSpec, ...]:
    """Every field a person gives an AI system, in model order, with its label, vocabulary,
    widget and roles: the one list the pages, the export, the import and the audit read."""
    return tuple(_spec(name, info) for name, info in AISystemInput.model_fields.items())


def field_spec(name: str) -> FieldSpec:
    """The spec of one field by name (KeyError for a name that is not a field)."""
    return {spec.name: spec for spec in system_fields()}[name]


def filter_fields() -> list[FieldSpec]:
    """The fields the inventory list can be narrowed by, in model order."""
    return [spec for spec in system_fields() if spec.filter]


# Field key -> label, for the change history and the audit log (what the form and page show).
FIELD_LABELS: dict[str, str] = {spec.name: spec.label for spec in system_fields()}
# Field key -> vocabulary, so the audit trail shows value labels instead of stored keys.
FIELD_VOCABULARIES: dict[str, Mapping[Any, str]] = {
    spec.name: spec.vocabulary for spec in system_fields() if spec.vocabulary is not None
}
# Fields whose change makes an approved impact assessment out of date (see `described`).
MATERIAL_FIELDS: tuple[str, ...] = tuple(
    spec.name for spec in system_fields() if spec.material_for_impact
)
# Fields whose change makes a regulatory screening out of date: narrower, on purpose (see
# `described`); regulatory.STALE_FIELDS.
SCREENING_FIELDS: tuple[str, ...] = tuple(
    spec.name for spec in system_fields() if spec.material_for_screening
)


class SystemFilter(BaseModel):
    """What the inventory list can be narrowed by: the search box, the fields declared with a
    `filter` (their filter names are keywords here: `statuses=["active"]`,
    `personal_data=True`), overdue reviews and the EU AI Act class."""

    model_config = ConfigDict(extra="forbid")

    search: str = Field(default="", max_length=200)
    # Field name -> the values kept (any of them); for a list field, any item matches.
    values: dict[str, list[Any]] = Field(default_factory=dict)
    review_overdue: bool = False
    # EU AI Act classes of the current screening; "not_screened" selects systems never screened.
    eu_ai_act_classes: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _filters_by_name(cls, data: Any) -> Any:
        """`business_units=[...]` is `values={"business_unit": [...]}`; a flag's filter takes
        True, False or None (any)."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        values = dict(data.get("values") or {})
        for spec in filter_fields():
            if spec.filter in data and spec.filter not in cls.model_fields:
                chosen = data.pop(spec.filter)
                if spec.kind == "flag":
                    chosen = [] if chosen is None else [bool(chosen)]
                if chosen:
                    values[spec.name] = list(chosen)
        data["values"] = values
        return data

    @field_validator("values")
    @classmethod
    def _known_fields(cls, values: dict[str, list[Any]]) -> dict[str, list[Any]]:
        known = {spec.name for spec in filter_fields()}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"the inventory cannot be filtered by {', '.join(unknown)}")
        return {name: chosen for name, chosen in values.items() if chosen}


def field_errors(error: ValidationError, values: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Validation errors of an AI system, one sentence per field; given the raw `values`, the
    rules between fields are reported in the same round."""
    messages = field_messages(error)
    for field, message in cross_field_problems(values or {}).items():
        messages.setdefault(field, message)
    return messages


@dataclass(frozen=True)
class RetirementEffects:
    """What is still under way for a system when it is retired (store.inventory.
    retirement_effects counts it), so the confirmation can say what happens to it."""

    open_risks: int
    open_workshops: int
    impact_in_progress: int


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def retirement_notice(effects: RetirementEffects) -> list[str]:
    """The sentences the retirement confirmation shows: what is under way and what becomes of
    it. Retiring changes only the system's status; nothing is closed or deleted."""
    lines = [
        "Retiring keeps the record and its whole history; it only leaves the active scope. "
        "You can reactivate it later by editing its status."
    ]
    if effects.open_risks:
        one = effects.open_risks == 1
        lines.append(
            f"It has {_count(effects.open_risks, 'open risk', 'open risks')}. "
            f"{'It stays as it is' if one else 'They stay as they are'}, with ratings, actions "
            f"and acceptances, but {'leaves' if one else 'leave'} the register, portfolio and "
            "trend figures (a filter that names this system still shows "
            f"{'it' if one else 'them'})."
        )
    if effects.impact_in_progress:
        one = effects.impact_in_progress == 1
        lines.append(
            "It has "
            f"{_count(effects.impact_in_progress, 'impact assessment', 'impact assessments')}"
            " in progress (draft, submitted or returned), which "
            f"{'stays as it is but leaves' if one else 'stay as they are but leave'} the impact "
            "assessment figures; no new assessment of a retired system can start."
        )
    if effects.open_workshops:
        one = effects.open_workshops == 1
        lines.append(
            f"{_count(effects.open_workshops, 'open workshop covers', 'open workshops cover')} "
            f"it. {'It carries' if one else 'They carry'} on until the facilitator closes "
            f"{'it' if one else 'them'}; a consensus recorded there still joins the risk's "
            "history."
        )
    if len(lines) == 1:
        lines.append("Nothing is under way for it: no open risk, workshop or impact assessment.")
    return lines


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """Which fields differ between two snapshots (the change history shows these)."""
    return [name for name, _, _ in field_changes(before, after)]


def is_material_change(before: dict[str, Any], after: dict[str, Any]) -> bool:
    return any(field in MATERIAL_FIELDS for field in changed_fields(before, after))
