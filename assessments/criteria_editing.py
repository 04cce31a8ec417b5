"""Editing risk criteria on a settings page: a draft that may be incomplete until it is saved.

The settings page edits a *draft*: the criteria in their export shape (`to_export_dict`, without
the version), in which grid cells may still be empty and levels may still be unnamed. The page
changes the draft only through these functions, so resizing a scale, renaming or removing a
level and reading the grid editor behave the same way in tests as on screen. `build_criteria`
turns a draft into `RiskCriteria` or says in plain sentences why it cannot be saved yet.
Nothing here rescales a stored rating: a saved version is immutable and ratings keep theirs.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
from pydantic import ValidationError

from assessments import catalog
from assessments.criteria import (
    MAX_STEPS,
    MIN_STEPS,
    RiskCriteria,
    ScaleName,
    problems_of,
    removed_levels,
    to_export_dict,
)
from assessments.errors import WorkbenchError

Draft = dict[str, Any]
NEW_LEVEL_COLOUR = "#BDBDBD"
SCALES: tuple[ScaleName, ScaleName] = ("likelihood", "severity")


class CriteriaDraftError(WorkbenchError):
    """The draft cannot become criteria yet; `problems` holds one sentence per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


def draft_from(criteria: RiskCriteria) -> Draft:
    """A deep, editable copy of saved criteria (the version number is the store's business)."""
    draft = to_export_dict(criteria)
    draft.pop("version", None)
    return copy.deepcopy(draft)


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _text(value: object) -> str:
    return "" if _blank(value) else str(value).strip()


def resize_scale(draft: Draft, scale: ScaleName, count: int) -> Draft:
    """The draft with `count` steps on one scale.

    Steps past `count` are dropped with their grid row or column; new steps get empty words and
    empty grid cells, which the user must fill before the draft can be saved (a level is never
    guessed for a cell).
    """
    if not MIN_STEPS <= count <= MAX_STEPS:
        raise ValueError(f"A scale needs {MIN_STEPS} to {MAX_STEPS} steps, not {count}.")
    steps = [dict(step) for step in draft[scale]][:count]
    steps += [
        {"value": value, "label": "", "description": ""}
        for value in range(len(steps) + 1, count + 1)
    ]
    grid = [list(row) for row in draft["grid"]]
    if scale == "likelihood":
        width = len(draft["severity"])
        grid = grid[:count] + [[None] * width for _ in range(count - len(grid))]
    else:
        grid = [row[:count] + [None] * (count - len(row)) for row in grid]
    return {**copy.deepcopy(draft), scale: steps, "grid": grid}


def level_rows(rows: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Level rows as typed in a table, cleaned: blank rows dropped, ordered by position.

    A row's `position` (1 = lowest) sets the order; rows without one keep their place after the
    numbered ones, so a newly added level becomes the highest until it is given a position.
    A row with a name but no colour gets a neutral grey the user can change.
    """
    kept: list[tuple[float, int, dict[str, str]]] = []
    for index, row in enumerate(rows):
        name, colour = _text(row.get("name")), _text(row.get("colour"))
        description = _text(row.get("description"))
        if not (name or colour or description):
            continue
        position = row.get("position")
        order = math.inf if _blank(position) else float(position)  # type: ignore[arg-type]
        level = {"name": name, "colour": colour or NEW_LEVEL_COLOUR, "description": description}
        kept.append((order, index, level))
    return [level for _, _, level in sorted(kept, key=lambda item: (item[0], item[1]))]


def renamed_levels(before: Mapping[Any, str], after: Mapping[Any, str]) -> dict[str, str]:
    """Old name -> new name for rows (matched by their key) whose level name changed."""
    renames: dict[str, str] = {}
    for key, old in before.items():
        new = after.get(key)
        if new is not None and not _blank(new) and _text(new) != old:
            renames[old] = _text(new)
    return renames


def apply_levels(draft: Draft, levels: list[dict[str, str]], renames: Mapping[str, str]) -> Draft:
    """The draft with a new list of levels (lowest first).

    Renamed levels are renamed everywhere: in grid cells, the appetite and the tolerances.
    Grid cells naming a level that no longer exists keep the old name, so the check says which
    cells need a new level. A tolerance naming a removed level is dropped (tolerances are
    optional); an appetite naming one becomes empty and must be chosen again.
    """
    names = {level["name"] for level in levels}
    grid = [
        [renames.get(cell, cell) if isinstance(cell, str) else cell for cell in row]
        for row in draft["grid"]
    ]
    appetite = renames.get(draft.get("appetite") or "", draft.get("appetite") or "")
    tolerances = {
        category: renames.get(level, level) for category, level in draft["tolerances"].items()
    }
    return {
        **copy.deepcopy(draft),
        "levels": [dict(level) for level in levels],
        "grid": grid,
        "appetite": appetite if appetite in names else "",
        "tolerances": {category: level for category, level in tolerances.items() if level in names},
    }


def grid_frame(draft: Draft) -> pd.DataFrame:
    """The grid as an editable table: one row per likelihood (highest first, as a risk matrix is
    read), a `likelihood` column naming the step and one column `S1` .. `Sn` per severity step.
    The index is the likelihood value."""
    rows = []
    for value in range(len(draft["likelihood"]), 0, -1):
        step = draft["likelihood"][value - 1]
        row: dict[str, Any] = {"likelihood": f"{value} · {step['label']}".rstrip(" ·")}
        for column, cell in enumerate(draft["grid"][value - 1], start=1):
            row[f"S{column}"] = None if _blank(cell) else cell
        rows.append(row)
    columns = ["likelihood", *(f"S{j}" for j in range(1, len(draft["severity"]) + 1))]
    return pd.DataFrame(rows, index=pd.Index(range(len(rows), 0, -1), name="value"))[columns]


def grid_from_frame(frame: pd.DataFrame, draft: Draft) -> list[list[str | None]]:
    """Read an edited `grid_frame` back into grid rows (row i = likelihood i + 1)."""
    grid: list[list[str | None]] = []
    for likelihood in range(1, len(draft["likelihood"]) + 1):
        row: list[str | None] = []
        for severity in range(1, len(draft["severity"]) + 1):
            value = frame.loc[likelihood, f"S{severity}"]
            row.append(None if _blank(value) else str(value))
        grid.append(row)
    return grid


def build_criteria(draft: Draft) -> RiskCriteria:
    """The draft as valid criteria, or CriteriaDraftError listing every problem in plain words.

    Step values are renumbered 1, 2, 3 in order (the page never asks for them) and empty grid
    cells are reported as missing levels.
    """
    data = copy.deepcopy(draft)
    for scale in SCALES:
        data[scale] = [
            {
                "value": position,
                "label": _text(step.get("label")),
                "description": _text(step.get("description")),
            }
            for position, step in enumerate(data[scale], start=1)
        ]
    data["grid"] = [["" if _blank(cell) else str(cell) for cell in row] for row in data["grid"]]
    data["name"] = _text(data.get("name"))
    data["appetite"] = _text(data.get("appetite"))
    problems: list[str] = []
    if not data["name"]:
        problems.append("Give the criteria a name.")
    if not data["appetite"]:
        problems.append("Choose the appetite: the highest level the organisation accepts.")
        # Check the rest against a stand-in; the sentence above already says what to do.
        names = [_text(level.get("name")) for level in data["levels"]]
        data["appetite"] = next((name for name in names if name), "")
    try:
        criteria = RiskCriteria.model_validate(data)
    except ValidationError as error:
        problems.extend(
            problem for problem in problems_of(error) if not problem.startswith("The appetite ''")
        )
        raise CriteriaDraftError(problems) from error
    if problems:
        raise CriteriaDraftError(problems)
    return criteria


def level_matrix(criteria: RiskCriteria) -> pd.DataFrame:
    """The level of every cell as a table to read: likelihood rows highest first, severity
    columns lowest first, labelled '5 · Almost certain' and '1 · Negligible'."""
    columns = [f"{step.value} · {step.label}" for step in criteria.severity]
    index = [f"{step.value} · {step.label}" for step in reversed(criteria.likelihood)]
    rows = [list(criteria.grid[step.value - 1]) for step in reversed(criteria.likelihood)]
    frame = pd.DataFrame(rows, index=pd.Index(index, name="Likelihood"), columns=columns)
    frame.columns.name = "Severity"
    return frame


def change_summary(old: RiskCriteria, new: RiskCriteria) -> list[str]:
    """What a new version changes compared with the current one, one sentence per change."""
    lines: list[str] = []
    if old.name != new.name:
        lines.append(f"Name: '{old.name}' becomes '{new.name}'.")
    for scale in SCALES:
        before, after = getattr(old, scale), getattr(new, scale)
        if len(before) != len(after):
            lines.append(
                f"The {scale} scale goes from {len(before)} to {len(after)} steps: ratings "
                f"made before keep their {len(before)}-step values."
            )
        reworded = sum(
            1
            for a, b in zip(before, after, strict=False)
            if (a.label, a.description) != (b.label, b.description)
        )
        if reworded:
            lines.append(f"{reworded} {scale} step{'s' if reworded > 1 else ''} reworded.")
    removed = removed_levels(old, new)
    added = [name for name in new.level_names() if name not in old.level_names()]
    if removed:
        lines.append(f"Levels removed: {', '.join(removed)}.")
    if added:
        lines.append(f"Levels added: {', '.join(added)}.")
    kept = [name for name in new.level_names() if name in old.level_names()]
    if [n for n in old.level_names() if n in kept] != kept:
        lines.append("The order of the levels changes.")
    recoloured = [
        name
        for name in kept
        if old.level_by_name(name).colour.upper() != new.level_by_name(name).colour.upper()
    ]
    if recoloured:
        lines.append(f"New colour for: {', '.join(recoloured)}.")
    if (len(old.likelihood), len(old.severity)) == (len(new.likelihood), len(new.severity)):
        changed = sum(
            1
            for old_row, new_row in zip(old.grid, new.grid, strict=True)
            for a, b in zip(old_row, new_row, strict=True)
            if a != b
        )
        if changed:
            lines.append(f"{changed} grid cell{'s' if changed > 1 else ''} change level.")
    else:
        lines.append(
            f"The grid goes from {len(old.likelihood)} × {len(old.severity)} to "
            f"{len(new.likelihood)} × {len(new.severity)} cells (likelihood × severity)."
        )
    if old.appetite != new.appetite:
        lines.append(f"Appetite: {old.appetite} becomes {new.appetite}.")
    labels = catalog.taxonomy().harm_categories
    for category in sorted(set(old.tolerances) | set(new.tolerances)):
        before_level, after_level = old.tolerances.get(category), new.tolerances.get(category)
        if before_level != after_level:
            name = labels.get(category, category)
            lines.append(
                f"Tolerance for {name}: {before_level or 'the appetite'} becomes "
                f"{after_level or 'the appetite'}."
            )
    if old.review_interval_months != new.review_interval_months:
        lines.append(
            f"Review interval: {old.review_interval_months} becomes "
            f"{new.review_interval_months} months."
        )
    return lines
