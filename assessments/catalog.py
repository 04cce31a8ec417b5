"""Content catalogs: Annex A controls, clause readiness items, the taxonomy and the risk library.

Content lives as YAML in the data directory (`config.data_dir()`: `$AIMS_DATA_DIR`, else the
repository's data/) so an organisation can adapt it without touching code. Each file is loaded
once per data directory, checked against the others (a library risk may only name known
categories and controls), and a broken file fails with one error that names the file, the entry
and the field instead of a stack of pydantic internals.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assessments import vocab
from assessments.config import data_dir
from assessments.inventory import FIELD_VOCABULARIES
from assessments.text import echo
from assessments.yaml_io import safe_load

Vocabulary = Literal[
    "harm_categories", "risk_sources", "affected_parties", "treatment_options", "mit_domains"
]


ModelT = TypeVar("ModelT", bound=BaseModel)


class CatalogError(ValueError):
    """A content file is missing or malformed; the message names the file, entry and field."""


# Inventory fields a library risk can be conditioned on by the keys of their vocabulary (the
# vocabularies themselves are declared on the AI system model).
_CONDITIONED_FIELDS: tuple[str, ...] = (
    "ai_technique",
    "autonomy",
    "deployment_context",
    "stakeholders",
)
_INVENTORY_VOCABULARIES: dict[str, Mapping[Any, str]] = {
    field: FIELD_VOCABULARIES[field] for field in _CONDITIONED_FIELDS
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ControlGroup(_Frozen):
    """One of the nine Annex A groups, such as A.6 AI system life cycle."""

    id: str = Field(pattern=r"^A\.\d+$")
    title: str = Field(min_length=1)


class Control(_Frozen):
    """One Annex A control: its identifier, short title and our one-line guidance."""

    id: str = Field(pattern=r"^A\.\d+(\.\d+)+$")
    group: str
    group_title: str
    title: str = Field(min_length=1)
    guidance: str = Field(min_length=1)


class ClauseItem(_Frozen):
    """A readiness item of clauses 4 to 10, with what good looks like and an evidence example."""

    id: str = Field(pattern=r"^\d+(\.\d+)+$")
    clause: str
    clause_title: str
    parent: str | None = None
    parent_title: str | None = None
    title: str = Field(min_length=1)
    guidance: str = Field(min_length=1)
    evidence: str = Field(min_length=1)

    @property
    def display_title(self) -> str:
        """A title that stands alone: several items are just called 'General' in the standard."""
        if self.parent_title:
            return f"{self.parent_title}: {self.title}"
        return self.title


class Taxonomy(_Frozen):
    """The vocabularies used to classify risks, each an ordered mapping of key to label.

    `mit_domains` holds the seven MIT AI Risk Repository domains ("1" .. "7") and
    `mit_subdomains` the 24 subdomains ("1.1" .. "7.6") that library risks refer to.
    `descriptions[vocabulary][key]` holds the one-line explanation where there is one.
    """

    version: int
    harm_categories: dict[str, str]
    risk_sources: dict[str, str]
    mit_domains: dict[str, str]
    mit_subdomains: dict[str, str]
    affected_parties: dict[str, str]
    treatment_options: dict[str, str]
    descriptions: dict[str, dict[str, str]]

    def describe(self, vocabulary: Vocabulary, key: str) -> str:
        """The description of a key, or an empty string when it has none."""
        return self.descriptions.get(vocabulary, {}).get(key, "")


class AppliesWhen(_Frozen):
    """Inventory conditions under which a library risk is relevant; unset means 'any'."""

    ai_technique: list[str] | None = Field(default=None, min_length=1)
    personal_data: bool | None = None
    special_category_data: bool | None = None
    autonomy: list[str] | None = Field(default=None, min_length=1)
    deployment_context: list[str] | None = Field(default=None, min_length=1)
    stakeholders: list[str] | None = Field(default=None, min_length=1)

    def condition_count(self) -> int:
        """How many conditions are set: more conditions make a match more specific."""
        return sum(value is not None for value in self.model_dump().values())

    def selectivity(self) -> float:
        """How much of the inventory the conditions rule out: the higher, the more specific.

        A list condition weighs the share of its vocabulary it excludes (one technique of five
        weighs 0.8, three of five 0.4); a yes/no condition weighs 0.5.
        """
        total = 0.0
        for field, value in self.model_dump().items():
            if isinstance(value, list):
                vocabulary_size = len(_INVENTORY_VOCABULARIES[field])
                total += 1 - len(set(value)) / vocabulary_size
            elif value is not None:
                total += 0.5
        return total

    def matches(self, system: Mapping[str, object]) -> bool:
        """Whether every set condition holds; a value the system leaves unknown never matches.

        Special-category data counts as personal data.
        """
        special = system.get("special_category_data")
        personal = True if special is True else system.get("personal_data")
        for condition, value in (
            (self.personal_data, personal),
            (self.special_category_data, special),
        ):
            if condition is not None and value is not condition:
                return False
        for field in ("ai_technique", "autonomy", "deployment_context"):
            allowed: list[str] | None = getattr(self, field)
            if allowed is not None and system.get(field) not in allowed:
                return False
        if self.stakeholders is not None:
            present = system.get("stakeholders")
            if not isinstance(present, Iterable) or not set(present) & set(self.stakeholders):
                return False
        return True


class LibraryRisk(_Frozen):
    """A reusable risk description that prompts a team when identifying risks for a system."""

    id: str = Field(pattern=r"^LIB-\d{3,}$")
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    harm_category: str
    risk_source: str
    mit_domain: str
    affected_parties: list[str] = Field(min_length=1)
    suggested_controls: list[str] = Field(min_length=2, max_length=5)
    applies_when: AppliesWhen = AppliesWhen()
    typical_likelihood: int = Field(ge=1, le=5)
    typical_severity: int = Field(ge=1, le=5)

    @property
    def is_generic(self) -> bool:
        """True when the risk applies to every system, whatever its inventory says."""
        return self.applies_when.condition_count() == 0


class MitRepository(_Frozen):
    """The edition of the MIT AI Risk Repository whose domain taxonomy the `mit_domain` codes
    follow, with where that edition was read and when someone last checked it."""

    title: str = Field(min_length=1)
    version: str = Field(min_length=1)
    url: str = Field(pattern=r"^https?://\S+$")
    last_checked: date
    source: str = ""
    note: str = ""


class LibraryInfo(_Frozen):
    """The risk library's header: its content version and the MIT repository edition it cites.

    `mit_repository` may be left out of an organisation's own library file; the library shipped
    with the workbench always names it.
    """

    version: int = Field(default=1, ge=1)
    mit_repository: MitRepository | None = None


class _TaxonomyTerm(_Frozen):
    key: str = Field(min_length=1)
    label: str = Field(min_length=1)
    description: str = ""


class _MitDomain(_Frozen):
    key: str = Field(pattern=r"^\d+$")
    label: str = Field(min_length=1)
    subdomains: list[_TaxonomyTerm] = Field(min_length=1)


class _ClauseHeading(_Frozen):
    id: str
    title: str = Field(min_length=1)


class _ClauseItemEntry(_Frozen):
    id: str = Field(pattern=r"^\d+(\.\d+)+$")
    parent: str | None = None
    title: str = Field(min_length=1)
    guidance: str = Field(min_length=1)
    evidence: str = Field(min_length=1)


class _ClauseEntry(_Frozen):
    id: str = Field(pattern=r"^\d+$")
    title: str = Field(min_length=1)
    headings: list[_ClauseHeading] = []
    items: list[_ClauseItemEntry] = Field(min_length=1)


class _ControlEntry(_Frozen):
    id: str = Field(pattern=r"^A\.\d+(\.\d+)+$")
    group: str
    title: str = Field(min_length=1)
    guidance: str = Field(min_length=1)


def _display(path: Path) -> str:
    """The file as people know it: 'data/annex_a.yaml' rather than a long absolute path."""
    directory = data_dir()
    try:
        return f"{directory.name}/{path.relative_to(directory).as_posix()}"
    except ValueError:
        return str(path)


def _fail(path: Path, entry: str, field: str, problem: str) -> CatalogError:
    where = f"{_display(path)}, {entry}"
    if field:
        where += f", field '{field}'"
    return CatalogError(f"{where}: {problem}")


def _read_yaml(path: Path) -> dict[str, Any]:
    """Read one content file as a mapping, turning I/O and syntax errors into a CatalogError."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogError(f"{_display(path)} cannot be read: {error.strerror}.") from error
    try:
        content = safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "it is not valid YAML"
        raise CatalogError(f"{_display(path)} is not valid YAML{place}: {problem}.") from error
    if not isinstance(content, dict):
        raise CatalogError(f"{_display(path)} must contain a mapping at the top level.")
    return content


def _entries(path: Path, content: Mapping[str, Any], section: str) -> list[Any]:
    entries = content.get(section)
    if not isinstance(entries, list) or not entries:
        raise _fail(path, f"section '{section}'", "", "it is missing or not a non-empty list.")
    return entries


def _entry_name(raw: object, number: int) -> str:
    """'entry A.6.2.4' when the entry has an id or key, else 'entry number 7'."""
    if isinstance(raw, Mapping):
        identifier = raw.get("id", raw.get("key"))
        if identifier is not None:
            return f"entry {identifier}"
    return f"entry number {number}"


def _validate(model: type[ModelT], raw: object, path: Path, entry: str) -> ModelT:
    """Validate one entry and report its first problem with the field it concerns."""
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        problem = first["msg"]
        if first["type"] == "missing":
            problem = "this field is required"
        elif first["type"] == "extra_forbidden":
            problem = "this field is not expected here"
        more = len(error.errors()) - 1
        suffix = f" ({more} more problem{'s' if more > 1 else ''} in this entry)" if more else ""
        raise _fail(path, entry, field, f"{problem}{suffix}.") from error


def _ensure_unique(path: Path, identifiers: list[str], what: str) -> None:
    seen: set[str] = set()
    for identifier in identifiers:
        if identifier in seen:
            raise _fail(path, f"entry {identifier}", what, "this value is used more than once.")
        seen.add(identifier)


@functools.cache
def _load_annex_a(directory: Path) -> tuple[tuple[ControlGroup, ...], tuple[Control, ...]]:
    path = directory / "annex_a.yaml"
    content = _read_yaml(path)
    groups = [
        _validate(ControlGroup, raw, path, "group " + _entry_name(raw, number))
        for number, raw in enumerate(_entries(path, content, "groups"), start=1)
    ]
    _ensure_unique(path, [group.id for group in groups], "id")
    titles = {group.id: group.title for group in groups}
    controls: list[Control] = []
    for number, raw in enumerate(_entries(path, content, "controls"), start=1):
        entry_name = _entry_name(raw, number)
        entry = _validate(_ControlEntry, raw, path, entry_name)
        if entry.group not in titles:
            raise _fail(path, entry_name, "group", f"'{entry.group}' is not a listed group.")
        if not entry.id.startswith(entry.group + "."):
            raise _fail(
                path, entry_name, "group", f"'{entry.id}' does not belong to group {entry.group}."
            )
        controls.append(Control(group_title=titles[entry.group], **entry.model_dump()))
    _ensure_unique(path, [control.id for control in controls], "id")
    return tuple(groups), tuple(controls)


def annex_a_controls() -> list[Control]:
    """The 38 Annex A controls in the order of the standard."""
    return list(_load_annex_a(data_dir())[1])


def control_ids() -> set[str]:
    """The identifiers of all Annex A controls, for validating references to them."""
    return {control.id for control in annex_a_controls()}


def control_groups() -> list[ControlGroup]:
    """The nine Annex A groups (A.2 .. A.10) in order."""
    return list(_load_annex_a(data_dir())[0])


def control_by_id(control_id: str) -> Control:
    """One control by its identifier; a KeyError names the unknown identifier."""
    for control in annex_a_controls():
        if control.id == control_id:
            return control
    raise KeyError(f"'{control_id}' is not an Annex A control.")


def _terms(path: Path, content: Mapping[str, Any], section: str) -> list[_TaxonomyTerm]:
    terms = [
        _validate(_TaxonomyTerm, raw, path, f"{section} {_entry_name(raw, number)}")
        for number, raw in enumerate(_entries(path, content, section), start=1)
    ]
    _ensure_unique(path, [term.key for term in terms], f"{section} key")
    return terms


@functools.cache
def _load_taxonomy(directory: Path) -> Taxonomy:
    path = directory / "taxonomy.yaml"
    content = _read_yaml(path)
    vocabularies: dict[str, dict[str, str]] = {}
    descriptions: dict[str, dict[str, str]] = {}
    for section in ("harm_categories", "risk_sources", "affected_parties", "treatment_options"):
        terms = _terms(path, content, section)
        vocabularies[section] = {term.key: term.label for term in terms}
        descriptions[section] = {term.key: term.description for term in terms if term.description}
    domains = [
        _validate(_MitDomain, raw, path, f"mit_domains {_entry_name(raw, number)}")
        for number, raw in enumerate(_entries(path, content, "mit_domains"), start=1)
    ]
    _ensure_unique(path, [domain.key for domain in domains], "mit_domains key")
    subdomains: dict[str, str] = {}
    for domain in domains:
        for sub in domain.subdomains:
            if not sub.key.startswith(domain.key + "."):
                raise _fail(
                    path,
                    f"mit_domains entry {sub.key}",
                    "key",
                    f"a subdomain of domain {domain.key} must start with '{domain.key}.'.",
                )
            subdomains[sub.key] = sub.label
    _ensure_unique(
        path, [s.key for d in domains for s in d.subdomains], "mit_domains subdomain key"
    )
    return Taxonomy(
        version=int(content.get("version", 1)),
        mit_domains={domain.key: domain.label for domain in domains},
        mit_subdomains=subdomains,
        descriptions=descriptions,
        **vocabularies,
    )


def taxonomy() -> Taxonomy:
    """Harm categories, risk sources, MIT domains, affected parties and treatment options.

    The returned object is shared between callers: read it, do not change its dictionaries.
    """
    return _load_taxonomy(data_dir())


@functools.cache
def _load_clauses(directory: Path) -> tuple[ClauseItem, ...]:
    path = directory / "clauses.yaml"
    content = _read_yaml(path)
    items: list[ClauseItem] = []
    for number, raw in enumerate(_entries(path, content, "clauses"), start=1):
        clause_name = "clause " + _entry_name(raw, number)
        clause = _validate(_ClauseEntry, raw, path, clause_name)
        headings = {heading.id: heading.title for heading in clause.headings}
        for entry in clause.items:
            entry_name = f"entry {entry.id}"
            if entry.id.split(".")[0] != clause.id:
                raise _fail(path, entry_name, "id", f"it is not part of clause {clause.id}.")
            if entry.parent is not None and entry.parent not in headings:
                raise _fail(
                    path, entry_name, "parent", f"'{entry.parent}' is not under 'headings'."
                )
            items.append(
                ClauseItem(
                    clause=clause.id,
                    clause_title=clause.title,
                    parent_title=headings.get(entry.parent) if entry.parent else None,
                    **entry.model_dump(),
                )
            )
    _ensure_unique(path, [item.id for item in items], "id")
    return tuple(items)


def clause_items() -> list[ClauseItem]:
    """Readiness items of clauses 4 to 10 (4.1 .. 10.2, with sub-items) in order."""
    return list(_load_clauses(data_dir()))


def _check_keys(
    path: Path, entry: str, field: str, values: Iterable[str], known: Mapping[str, str]
) -> None:
    for value in values:
        if value not in known:
            raise _fail(path, entry, field, f"{echo(value)} is not one of: {', '.join(known)}.")


@functools.cache
def _load_library(directory: Path) -> tuple[LibraryInfo, tuple[LibraryRisk, ...]]:
    path = directory / "risk_library.yaml"
    content = _read_yaml(path)
    header = {key: content[key] for key in ("version", "mit_repository") if key in content}
    info = _validate(LibraryInfo, header, path, "the header")
    terms = _load_taxonomy(directory)
    known_controls = {control.id for control in _load_annex_a(directory)[1]}
    risks: list[LibraryRisk] = []
    for number, raw in enumerate(_entries(path, content, "risks"), start=1):
        entry = _entry_name(raw, number)
        risk = _validate(LibraryRisk, raw, path, entry)
        _check_keys(path, entry, "harm_category", [risk.harm_category], terms.harm_categories)
        _check_keys(path, entry, "risk_source", [risk.risk_source], terms.risk_sources)
        _check_keys(path, entry, "mit_domain", [risk.mit_domain], terms.mit_subdomains)
        _check_keys(path, entry, "affected_parties", risk.affected_parties, terms.affected_parties)
        for control_id in risk.suggested_controls:
            if control_id not in known_controls:
                raise _fail(
                    path, entry, "suggested_controls", f"'{control_id}' is not an Annex A control."
                )
        if len(set(risk.suggested_controls)) != len(risk.suggested_controls):
            raise _fail(path, entry, "suggested_controls", "a control is listed more than once.")
        for field, known in _INVENTORY_VOCABULARIES.items():
            allowed = getattr(risk.applies_when, field)
            if allowed is not None:
                _check_keys(path, entry, f"applies_when.{field}", allowed, known)
        risks.append(risk)
    _ensure_unique(path, [risk.id for risk in risks], "id")
    return info, tuple(risks)


def risk_library() -> list[LibraryRisk]:
    """Every library risk in file order, checked against the taxonomy and Annex A."""
    return list(_load_library(data_dir())[1])


def risk_library_info() -> LibraryInfo:
    """The library's version and the MIT AI Risk Repository edition its `mit_domain` codes cite."""
    return _load_library(data_dir())[0]


def _normalise_system(system: Mapping[str, object]) -> dict[str, object]:
    """Check and tidy the inventory values the conditions read.

    Unknown keys are refused, because a typo would silently hide risks. Flags may arrive as
    numpy booleans and stakeholders as any sequence when they come from a data frame.
    """
    tidy: dict[str, object] = {}
    for field in ("ai_technique", "autonomy", "deployment_context"):
        value = system.get(field)
        known = _INVENTORY_VOCABULARIES[field]
        if value is not None and value not in known:
            raise ValueError(
                f"The system's {field} {echo(value)} is not one of: {', '.join(known)}."
            )
        tidy[field] = value
    for field in ("personal_data", "special_category_data"):
        value = system.get(field)
        if value is not None and (isinstance(value, str) or value not in (True, False)):
            raise ValueError(f"The system's {field} must be true, false or unknown.")
        tidy[field] = None if value is None else bool(value)
    stakeholders = system.get("stakeholders")
    if stakeholders is None:
        stakeholders = []
    if isinstance(stakeholders, str) or not isinstance(stakeholders, Iterable):
        raise ValueError("The system's stakeholders must be a list of stakeholder keys.")
    stakeholders = list(stakeholders)
    unknown = [str(key) for key in stakeholders if key not in vocab.STAKEHOLDERS]
    if unknown:
        raise ValueError(f"The system's stakeholders include unknown keys: {', '.join(unknown)}.")
    tidy["stakeholders"] = stakeholders
    return tidy


def library_for_system(system: Mapping[str, object]) -> list[LibraryRisk]:
    """The library risks relevant to one AI system, most relevant first.

    `system` carries inventory keys: ai_technique, personal_data, special_category_data,
    autonomy, deployment_context and stakeholders (other keys are ignored). A risk is relevant
    when every condition in its `applies_when` holds; a condition on a value the system leaves
    unset (None or missing) does not hold. Special-category data counts as personal data.

    Order: risks with conditions first, the more selective their conditions the earlier (see
    `AppliesWhen.selectivity`), then higher typical severity, then higher typical likelihood,
    then id. Generic risks without conditions follow, by severity, likelihood and id.
    """
    tidy = _normalise_system(system)

    def order(risk: LibraryRisk) -> tuple[float, ...]:
        return (
            -round(risk.applies_when.selectivity(), 6),
            -risk.typical_severity,
            -risk.typical_likelihood,
        )

    matching = [risk for risk in risk_library() if risk.applies_when.matches(tidy)]
    specific = sorted((r for r in matching if not r.is_generic), key=lambda r: (order(r), r.id))
    generic = sorted((r for r in matching if r.is_generic), key=lambda r: (order(r), r.id))
    return specific + generic


def clear_caches() -> None:
    """Forget loaded content, e.g. after the files were edited or AIMS_DATA_DIR changed."""
    for loader in (_load_annex_a, _load_taxonomy, _load_clauses, _load_library):
        loader.cache_clear()
