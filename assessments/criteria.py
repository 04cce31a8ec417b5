"""Risk criteria: the likelihood and severity scales, the level grid, the appetite and tolerances.

This is the one scoring rule of the workbench. The register, heatmaps, trends, exports and
workshops all place a rating through `RiskCriteria.level_for`, and the store copies
`RiskCriteria.cells()` into the database so SQL aggregations read exactly the same grid.
A level comes from a grid cell chosen by the organisation, not from a formula, because no
standard prescribes one (ISO/IEC 42001 6.1.1 leaves the criteria to the organisation).
"""

from __future__ import annotations

import math
import numbers
import re
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from assessments import catalog
from assessments.config import data_dir
from assessments.text import echo
from assessments.yaml_io import safe_load

MIN_STEPS = 3
MAX_STEPS = 6
MIN_LEVELS = 2
PRESET_NAMES = ("default_5x5", "preset_4x4", "preset_3x3")
DEFAULT_PRESET = "default_5x5"

_HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# pydantic error type of our own checks: their message is already a plain sentence.
_CRITERIA_ERROR = "criteria"

ScaleName = Literal["likelihood", "severity"]


class OutOfScaleError(ValueError):
    """A likelihood or severity value lies outside the scale of the criteria in use."""


class UnknownLevelError(ValueError):
    """A level name is not one of the levels the criteria define."""


class CriteriaFileError(ValueError):
    """A criteria file cannot be read or is not valid; `problems` lists each issue."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class Step(BaseModel):
    """One step of a likelihood or severity scale, with the words raters read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: int
    label: str
    description: str


class RiskLevel(BaseModel):
    """A named risk level with the colour it has in every chart and table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    colour: str
    description: str = ""

    @model_validator(mode="after")
    def _colour_is_hex(self) -> Self:
        if not _HEX_COLOUR.match(self.colour):
            raise PydanticCustomError(
                _CRITERIA_ERROR,
                "{problem}",
                {
                    "problem": f"Level '{self.name}' has the colour '{self.colour}', which is "
                    "not a hex colour such as '#E0894F'."
                },
            )
        return self

    def text_colour(self) -> str:
        """Black or white, whichever reads better on this level's colour."""
        return (
            "#000000"
            if _contrast_with_black(self.colour) >= _contrast_with_white(self.colour)
            else "#FFFFFF"
        )


def _relative_luminance(colour: str) -> float:
    channels = [int(colour[index : index + 2], 16) / 255 for index in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast_with_black(colour: str) -> float:
    """WCAG contrast ratio of the colour against black text."""
    return (_relative_luminance(colour) + 0.05) / 0.05


def _contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of the colour against white text."""
    return 1.05 / (_relative_luminance(colour) + 0.05)


def best_text_contrast(colour: str) -> float:
    """The WCAG contrast of the better of black or white text on a '#RRGGBB' background."""
    return max(_contrast_with_black(colour), _contrast_with_white(colour))


class RiskCriteria(BaseModel):
    """Scales, level grid, appetite and tolerances: how ratings turn into levels and decisions.

    `grid[i][j]` is the level name for likelihood i + 1 and severity j + 1. `levels` is ordered
    lowest first. `appetite` is the highest level the organisation accepts; `tolerances` sets a
    different highest acceptable level for particular harm categories. `version` is assigned
    by the store when the criteria are saved (0 = not saved yet). A rating older than
    `review_interval_months` is due for another look.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    version: int = 0
    likelihood: list[Step]
    severity: list[Step]
    levels: list[RiskLevel]
    grid: list[list[str]]
    appetite: str
    tolerances: dict[str, str] = {}
    review_interval_months: int = Field(default=12, ge=1, le=60)

    @model_validator(mode="after")
    def _check_consistency(self) -> Self:
        problems = [
            *_scale_problems("likelihood", self.likelihood),
            *_scale_problems("severity", self.severity),
            *_level_problems(self.levels),
            *_grid_problems(self),
            *_appetite_problems(self),
        ]
        if problems:
            raise PydanticCustomError(
                _CRITERIA_ERROR, "{problem}", {"problem": " ".join(problems), "problems": problems}
            )
        return self

    def level_names(self) -> list[str]:
        """The level names, lowest first."""
        return [level.name for level in self.levels]

    def level_by_name(self, name: str) -> RiskLevel:
        """The level with this name; UnknownLevelError lists the names that exist."""
        for level in self.levels:
            if level.name == name:
                return level
        raise UnknownLevelError(
            f"'{name}' is not a level of the criteria '{self.name}'; "
            f"the levels are {_quoted_list(self.level_names())}."
        )

    def level_rank(self, name: str) -> int:
        """The position of a level, 1 for the lowest; UnknownLevelError for an unknown name."""
        self.level_by_name(name)
        return self.level_names().index(name) + 1

    def step(self, scale: ScaleName, value: int) -> Step:
        """The step with this value on the likelihood or severity scale."""
        steps = self.likelihood if scale == "likelihood" else self.severity
        return steps[_check_in_scale(self.name, scale, value, len(steps)) - 1]

    def level_for(self, likelihood: int, severity: int) -> RiskLevel:
        """The level of a rating: the grid cell at (likelihood, severity).

        Raises OutOfScaleError when either value is not a whole number on its scale.
        """
        row = _check_in_scale(self.name, "likelihood", likelihood, len(self.likelihood))
        column = _check_in_scale(self.name, "severity", severity, len(self.severity))
        return self.level_by_name(self.grid[row - 1][column - 1])

    def acceptable_level(self, harm_category: str | None = None) -> str:
        """The highest acceptable level: the category's tolerance when set, else the appetite."""
        if harm_category is not None and harm_category in self.tolerances:
            return self.tolerances[harm_category]
        return self.appetite

    def is_above_appetite(self, level_name: str, harm_category: str | None = None) -> bool:
        """Whether a level exceeds what is acceptable for the harm category (or overall)."""
        return self.level_rank(level_name) > self.level_rank(self.acceptable_level(harm_category))

    def cells(self) -> list[dict[str, Any]]:
        """Every grid cell as a row, likelihood-major: the grid as the database stores it.

        Keys: likelihood, severity, level, rank (1 = lowest level), colour.
        """
        ranks = {name: rank for rank, name in enumerate(self.level_names(), start=1)}
        colours = {level.name: level.colour for level in self.levels}
        return [
            {
                "likelihood": likelihood,
                "severity": severity,
                "level": name,
                "rank": ranks[name],
                "colour": colours[name],
            }
            for likelihood, row in enumerate(self.grid, start=1)
            for severity, name in enumerate(row, start=1)
        ]

    def warnings(self) -> list[str]:
        """Plain sentences about choices that are allowed but probably unintended.

        Flags a cell whose level is lower than that of a neighbour with a lower likelihood or a
        lower severity (the grid should never get milder as things get worse), a level used in
        no cell, an appetite that makes every level acceptable, and tolerances equal to the
        appetite (they change nothing).
        """
        rank = {name: position for position, name in enumerate(self.level_names(), start=1)}
        found: list[str] = []
        for row in range(1, len(self.likelihood)):
            for column in range(len(self.severity)):
                lower, higher = self.grid[row - 1][column], self.grid[row][column]
                if rank[higher] < rank[lower]:
                    found.append(
                        f"The {self._cell_name(row + 1, column + 1)} is '{higher}', lower than "
                        f"'{lower}' at the less likely {self._cell_name(row, column + 1)}; "
                        "a higher likelihood should not lower the level."
                    )
        for row in range(len(self.likelihood)):
            for column in range(1, len(self.severity)):
                lower, higher = self.grid[row][column - 1], self.grid[row][column]
                if rank[higher] < rank[lower]:
                    found.append(
                        f"The {self._cell_name(row + 1, column + 1)} is '{higher}', lower than "
                        f"'{lower}' at the less severe {self._cell_name(row + 1, column)}; "
                        "a higher severity should not lower the level."
                    )
        used = {name for row in self.grid for name in row}
        found.extend(
            f"The level '{name}' is used in no grid cell, so no rating can reach it."
            for name in self.level_names()
            if name not in used
        )
        if rank[self.appetite] == len(self.levels):
            found.append(
                f"The appetite '{self.appetite}' is the highest level, so every risk counts as "
                "acceptable."
            )
        found.extend(
            f"The tolerance for '{category}' equals the appetite '{self.appetite}', so it "
            "changes nothing."
            for category, level in self.tolerances.items()
            if level == self.appetite
        )
        return found

    def _cell_name(self, likelihood: int, severity: int) -> str:
        return (
            f"cell at likelihood {likelihood} ('{self.likelihood[likelihood - 1].label}') "
            f"and severity {severity} ('{self.severity[severity - 1].label}')"
        )


def _quoted_list(names: list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _check_in_scale(criteria_name: str, scale: ScaleName, value: object, steps: int) -> int:
    """The value as a plain int when it is on the scale (numpy integers from a frame included)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and 1 <= value <= steps:
        return int(value)
    raise OutOfScaleError(
        f"{scale.capitalize()} {echo(value)} is outside the {scale} scale of '{criteria_name}'; "
        f"use a whole number from 1 to {steps}."
    )


def _scale_problems(scale: ScaleName, steps: list[Step]) -> list[str]:
    title = scale.capitalize()
    problems: list[str] = []
    if not MIN_STEPS <= len(steps) <= MAX_STEPS:
        problems.append(
            f"The {scale} scale has {len(steps)} step{'s' if len(steps) != 1 else ''}; "
            f"a scale needs {MIN_STEPS} to {MAX_STEPS} steps."
        )
    seen: set[str] = set()
    for position, step in enumerate(steps, start=1):
        label = step.label.strip()
        if step.value != position:
            problems.append(
                f"{title} step {position} ('{label}') has the value {step.value}; values must "
                f"run 1, 2, 3 and so on in order, so this one should be {position}."
            )
        if not label:
            problems.append(f"{title} step {position} has no label.")
        elif label.casefold() in seen:
            problems.append(f"The {scale} scale uses the label '{label}' more than once.")
        seen.add(label.casefold())
        if not step.description.strip():
            problems.append(f"{title} step {position} ('{label}') has no description.")
    return problems


def _level_problems(levels: list[RiskLevel]) -> list[str]:
    problems: list[str] = []
    if len(levels) < MIN_LEVELS:
        problems.append(
            f"The criteria define {len(levels)} risk level{'s' if len(levels) != 1 else ''}; "
            f"at least {MIN_LEVELS} are needed."
        )
    seen: set[str] = set()
    for position, level in enumerate(levels, start=1):
        if not level.name.strip():
            problems.append(f"Level {position} has no name.")
        elif level.name in seen:
            problems.append(f"The level name '{level.name}' is used more than once.")
        seen.add(level.name)
    return problems


def _grid_problems(criteria: RiskCriteria) -> list[str]:
    likelihood, severity, grid = criteria.likelihood, criteria.severity, criteria.grid
    names = criteria.level_names()
    problems: list[str] = []
    if len(grid) != len(likelihood):
        problems.append(
            f"The grid has {len(grid)} row{'s' if len(grid) != 1 else ''}; it needs one row "
            f"for each of the {len(likelihood)} likelihood steps."
        )
    for row_number, row in enumerate(grid, start=1):
        row_name = f"Grid row {row_number}"
        if row_number <= len(likelihood):
            row_name += f" (likelihood '{likelihood[row_number - 1].label}')"
        if len(row) != len(severity):
            problems.append(
                f"{row_name} has {len(row)} cell{'s' if len(row) != 1 else ''}; the severity "
                f"scale has {len(severity)} steps, so each row needs {len(severity)} cells."
            )
        for column_number, cell in enumerate(row, start=1):
            cell_name = f"{row_name}, column {column_number}"
            if column_number <= len(severity):
                cell_name += f" (severity '{severity[column_number - 1].label}')"
            if not cell.strip():
                problems.append(f"{cell_name} is empty; every cell needs a level.")
            elif cell not in names:
                problems.append(
                    f"{cell_name} names the level '{cell}', which is not defined; "
                    f"the levels are {_quoted_list(names)}."
                )
    return problems


def _appetite_problems(criteria: RiskCriteria) -> list[str]:
    names = criteria.level_names()
    problems: list[str] = []
    if criteria.appetite not in names:
        problems.append(
            f"The appetite '{criteria.appetite}' is not a defined level; "
            f"choose one of {_quoted_list(names)}."
        )
    categories = catalog.taxonomy().harm_categories
    for category, level in criteria.tolerances.items():
        if category not in categories:
            problems.append(
                f"The tolerance for '{category}' names no known harm category; "
                f"use one of {_quoted_list(list(categories))}."
            )
        if level not in names:
            problems.append(
                f"The tolerance for '{category}' is '{level}', which is not a defined level; "
                f"choose one of {_quoted_list(names)}."
            )
    return problems


def problems_of(error: ValidationError) -> list[str]:
    """Turn a validation error on criteria into plain sentences fit to show next to a form."""
    sentences: list[str] = []
    for detail in error.errors():
        if detail["type"] == _CRITERIA_ERROR:
            context = detail.get("ctx", {})
            sentences.extend(context.get("problems", [context.get("problem", detail["msg"])]))
            continue
        location = tuple(detail["loc"])
        place = _describe_location(location)
        if detail["type"] == "missing" and len(location) > 1 and isinstance(location[-1], str):
            sentences.append(f"{_describe_location(location[:-1])} has no '{location[-1]}' field.")
        elif detail["type"] == "missing":
            sentences.append(f"The field {place} is missing.")
        elif detail["type"] == "extra_forbidden":
            sentences.append(f"{place} is not a field the criteria know.")
        else:
            sentences.append(f"{place}: {detail['msg']}.")
    return sentences


def _describe_location(location: tuple[int | str, ...]) -> str:
    """('likelihood', 1, 'label') -> "Likelihood step 2, 'label'", readable by non-developers."""
    parts: list[str] = []
    items = list(location)
    while items:
        part = items.pop(0)
        if part in ("likelihood", "severity") and items and isinstance(items[0], int):
            parts.append(f"{part} step {int(items.pop(0)) + 1}")
        elif part == "levels" and items and isinstance(items[0], int):
            parts.append(f"level {int(items.pop(0)) + 1}")
        elif part == "grid" and items and isinstance(items[0], int):
            row = int(items.pop(0)) + 1
            if items and isinstance(items[0], int):
                parts.append(f"grid row {row}, column {int(items.pop(0)) + 1}")
            else:
                parts.append(f"grid row {row}")
        else:
            parts.append(f"'{part}'")
    text = ", ".join(parts) or "The criteria"
    return text[0].upper() + text[1:]


def removed_levels(old: RiskCriteria, new: RiskCriteria) -> list[str]:
    """Level names in `old` that `new` no longer defines, in `old`'s order.

    The store refuses a new version that removes a level still used by a stored rating.
    """
    kept = set(new.level_names())
    return [name for name in old.level_names() if name not in kept]


def _map_step(value: int, steps_from: int, steps_to: int) -> int:
    if steps_from == steps_to:
        return value
    position = 1 + Fraction((value - 1) * (steps_to - 1), steps_from - 1)
    return math.floor(position + Fraction(1, 2))


def rescale_step(value: int, steps_from: int, steps_to: int) -> int:
    """A value of a `steps_from`-step scale at the same relative place on a `steps_to`-step
    scale (the rule of `map_rating`), e.g. the risk library's 5-step suggestions on a 3 x 3."""
    if steps_from < 2 or steps_to < 1:
        raise ValueError("Rescaling needs a scale of at least 2 steps to start from.")
    if not 1 <= value <= steps_from:
        raise OutOfScaleError(f"{value} is outside a scale of {steps_from} steps.")
    return _map_step(value, steps_from, steps_to)


def map_rating(
    from_criteria: RiskCriteria, to_criteria: RiskCriteria, likelihood: int, severity: int
) -> tuple[int, int]:
    """Place a rating made under older criteria on the current grid, for display and totals.

    Each scale is mapped on its own. When both versions have the same number of steps the value
    stays as it is. When the number differs the value keeps its relative position:
    `round(1 + (v - 1) * (n_to - 1) / (n_from - 1))`, with halves rounded up, so the lowest step
    stays the lowest and the highest stays the highest (on 5 -> 3 steps: 1, 2, 3, 4, 5 become
    1, 2, 2, 3, 3). The stored rating is never rewritten: it keeps its values and the version
    it was made under, and this mapping is applied when reading.
    """
    likelihood = _check_in_scale(
        from_criteria.name, "likelihood", likelihood, len(from_criteria.likelihood)
    )
    severity = _check_in_scale(
        from_criteria.name, "severity", severity, len(from_criteria.severity)
    )
    return (
        _map_step(likelihood, len(from_criteria.likelihood), len(to_criteria.likelihood)),
        _map_step(severity, len(from_criteria.severity), len(to_criteria.severity)),
    )


def to_export_dict(criteria: RiskCriteria) -> dict[str, Any]:
    """The criteria in the shape of `python -m assessments export criteria --format json`.

    The same shape is accepted back by `RiskCriteria.model_validate` and by the preset files.
    """
    return {
        "version": criteria.version,
        "name": criteria.name,
        "levels": [
            {"name": level.name, "colour": level.colour, "description": level.description}
            for level in criteria.levels
        ],
        "likelihood": [
            {"value": step.value, "label": step.label, "description": step.description}
            for step in criteria.likelihood
        ],
        "severity": [
            {"value": step.value, "label": step.label, "description": step.description}
            for step in criteria.severity
        ],
        "grid": [list(row) for row in criteria.grid],
        "appetite": criteria.appetite,
        "tolerances": dict(criteria.tolerances),
        "review_interval_months": criteria.review_interval_months,
    }


def load_criteria_file(path: str | Path) -> RiskCriteria:
    """Read criteria from a YAML or JSON file in the export shape.

    Raises CriteriaFileError naming the file, with one plain sentence per problem.
    """
    path = Path(path)
    try:
        content = safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CriteriaFileError(f"{path} cannot be read: {error.strerror}.") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f" at line {mark.line + 1}" if mark is not None else ""
        raise CriteriaFileError(f"{path} is not valid YAML or JSON{place}.") from error
    if not isinstance(content, dict):
        raise CriteriaFileError(f"{path} must contain a mapping with the criteria fields.")
    try:
        return RiskCriteria.model_validate(content)
    except ValidationError as error:
        problems = problems_of(error)
        raise CriteriaFileError(f"{path}: {' '.join(problems)}", problems) from error


def _presets_directory() -> Path:
    return data_dir() / "criteria"


def presets() -> dict[str, RiskCriteria]:
    """The shipped criteria: 'default_5x5', 'preset_4x4' and 'preset_3x3' (version 0)."""
    directory = _presets_directory()
    return {name: load_criteria_file(directory / f"{name}.yaml") for name in PRESET_NAMES}


def default_criteria() -> RiskCriteria:
    """The criteria a new workbench starts with: the 5 x 5 grid anchored in harm to people."""
    return load_criteria_file(_presets_directory() / f"{DEFAULT_PRESET}.yaml")
