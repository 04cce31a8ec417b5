"""Questionnaire files read and checked: strict YAML (true/false the only booleans, no
duplicate keys), one questionnaire or a whole folder, and every problem as one line naming the
file, the question and the field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assessments.config import data_dir
from assessments.questionnaire.errors import QuestionnaireError
from assessments.questionnaire.model import Questionnaire
from assessments.text import echo
from assessments.yaml_io import SafeLoader


class StrictLoader(SafeLoader):
    """YAML with only true/false as booleans (so a choice 'no' stays text) and no duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, list | dict):
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}'", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in SafeLoader.yaml_implicit_resolvers.items()
}
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def default_directory() -> Path:
    """`$AIMS_DATA_DIR/questionnaires`, or data/questionnaires in the repository."""
    return data_dir() / "questionnaires"


def parse_questionnaire(text: str, source: str = "<text>") -> Questionnaire:
    """A questionnaire from YAML text; `source` names it in error messages."""
    try:
        raw = yaml.load(text, Loader=StrictLoader)
    except yaml.YAMLError as error:
        raise QuestionnaireError(_describe_yaml_error(source, error)) from error
    if not isinstance(raw, dict):
        raise QuestionnaireError(
            f"{source}: expected a mapping with id, version, title and sections at the top"
        )
    try:
        return Questionnaire.model_validate(raw)
    except ValidationError as error:
        raise QuestionnaireError(_describe_validation_error(source, raw, error)) from error


def load_questionnaire(path: str | Path) -> Questionnaire:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise QuestionnaireError(f"{path}: no such file") from error
    except (OSError, UnicodeDecodeError) as error:
        raise QuestionnaireError(f"{path}: cannot read the file ({error})") from error
    return parse_questionnaire(text, source=str(path))


def _questionnaire_files(directory: Path) -> list[Path]:
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def load_all(directory: str | Path | None = None) -> dict[str, Questionnaire]:
    """Every questionnaire in the folder by id; the first broken file raises QuestionnaireError."""
    folder = Path(directory) if directory is not None else default_directory()
    loaded: dict[str, Questionnaire] = {}
    origin: dict[str, Path] = {}
    for path in _questionnaire_files(folder):
        questionnaire = load_questionnaire(path)
        if questionnaire.id in loaded:
            raise QuestionnaireError(
                f"{path}: questionnaire id '{questionnaire.id}' is already used by "
                f"{origin[questionnaire.id].name}"
            )
        loaded[questionnaire.id] = questionnaire
        origin[questionnaire.id] = path
    return loaded


def check_all(directory: str | Path | None = None) -> list[str]:
    """One line per problem across the folder (empty when all is well), for the CLI check."""
    folder = Path(directory) if directory is not None else default_directory()
    if not folder.is_dir():
        return [f"{folder}: no such folder"]
    files = _questionnaire_files(folder)
    if not files:
        return [f"{folder}: no questionnaire files (*.yaml)"]
    problems: list[str] = []
    origin: dict[str, Path] = {}
    for path in files:
        try:
            questionnaire = load_questionnaire(path)
        except QuestionnaireError as error:
            problems.append(str(error))
            continue
        if questionnaire.id in origin:
            problems.append(
                f"{path}: questionnaire id '{questionnaire.id}' is already used by "
                f"{origin[questionnaire.id].name}"
            )
        origin.setdefault(questionnaire.id, path)
    return problems


def _describe_yaml_error(source: str, error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    line = f"line {mark.line + 1}: " if mark is not None else ""
    return f"{source}: {line}not valid YAML: {problem}"


def _describe_validation_error(source: str, raw: dict[str, Any], error: ValidationError) -> str:
    """Pydantic's error list as one line: file, question (or section), field, what is wrong."""
    problems = error.errors(include_url=False)
    first = problems[0]
    section, question, field_path = _locate(raw, first["loc"])
    context = first.get("ctx") or {}
    question = context.get("question", question)
    section = context.get("section", section)
    field_path = ".".join(part for part in (field_path, context.get("field", "")) if part)
    where: list[str] = []
    if question:
        where.append(f"question '{question}'" + (f" (section '{section}')" if section else ""))
    elif section:
        where.append(f"section '{section}'")
    if field_path:
        where.append(f"field '{field_path}'")
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    prefix = f"{source}: {', '.join(where)}: " if where else f"{source}: "
    return " ".join(f"{prefix}{_plain_message(first)}{more}".split())


def _locate(raw: Any, loc: tuple[int | str, ...]) -> tuple[str | None, str | None, str]:
    """Section id, question id and the remaining field path of a pydantic error location."""
    parts = list(loc)
    section_id = question_id = None
    if len(parts) >= 2 and parts[0] == "sections" and isinstance(parts[1], int):
        section = _item(raw.get("sections"), parts[1])
        section_id = _identify(section, parts[1])
        parts = parts[2:]
        if len(parts) >= 2 and parts[0] == "questions" and isinstance(parts[1], int):
            question = _item(
                section.get("questions") if isinstance(section, dict) else None, parts[1]
            )
            question_id = _identify(question, parts[1])
            parts = parts[2:]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return section_id, question_id, path


def _item(container: Any, position: int) -> Any:
    if isinstance(container, list) and 0 <= position < len(container):
        return container[position]
    return None


def _identify(node: Any, position: int) -> str:
    if isinstance(node, dict) and isinstance(node.get("id"), str):
        return node["id"]
    return f"#{position + 1}"


def _plain_message(problem: Mapping[str, Any]) -> str:
    kind, message = problem["type"], str(problem["msg"])
    if kind == "missing":
        return "is required but missing"
    if kind == "string_too_short" and problem.get("input") is not None:
        return "must not be empty"
    if kind == "extra_forbidden":
        return "is not a known field (check the spelling)"
    if kind == "string_pattern_mismatch":
        return f"must be a lower-case key of letters, digits and _ (got {echo(problem['input'])})"
    if kind == "literal_error":
        return f"{message} (got {echo(problem['input'])})"
    return message.removeprefix("Value error, ")
