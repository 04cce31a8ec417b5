"""Editing criteria as a draft: resizing scales, renaming and removing levels, the grid table,
and the plain-language refusals and change summary the settings page shows."""

from __future__ import annotations

import pytest

from assessments.criteria import default_criteria, presets, rescale_step
from assessments.criteria_editing import (
    CriteriaDraftError,
    apply_levels,
    build_criteria,
    change_summary,
    draft_from,
    grid_frame,
    grid_from_frame,
    level_matrix,
    level_rows,
    renamed_levels,
    resize_scale,
)


def test_an_unchanged_draft_builds_the_same_criteria() -> None:
    criteria = default_criteria()
    assert build_criteria(draft_from(criteria)) == criteria


def test_growing_a_scale_leaves_new_cells_empty_and_refuses_them_by_name() -> None:
    draft = resize_scale(draft_from(presets()["preset_3x3"]), "severity", 4)
    assert [len(row) for row in draft["grid"]] == [4, 4, 4]
    assert all(row[3] is None for row in draft["grid"])
    draft["severity"][3].update(label="Catastrophic", description="Harm to many, for good.")
    with pytest.raises(CriteriaDraftError) as caught:
        build_criteria(draft)
    empty = [p for p in caught.value.problems if "is empty; every cell needs a level" in p]
    assert len(empty) == 3
    assert "severity 'Catastrophic'" in empty[0]


def test_shrinking_a_scale_drops_its_row_and_keeps_the_rest() -> None:
    draft = draft_from(default_criteria())
    smaller = resize_scale(draft, "likelihood", 4)
    assert len(smaller["likelihood"]) == 4 and len(smaller["grid"]) == 4
    assert smaller["grid"] == draft["grid"][:4]
    assert len(draft["grid"]) == 5, "the original draft is not changed"
    with pytest.raises(ValueError, match="3 to 6 steps"):
        resize_scale(draft, "likelihood", 7)


def test_new_steps_need_words_before_saving() -> None:
    draft = resize_scale(draft_from(presets()["preset_3x3"]), "likelihood", 4)
    draft["grid"][3] = ["High", "High", "High"]
    with pytest.raises(CriteriaDraftError) as caught:
        build_criteria(draft)
    assert "Likelihood step 4 has no label." in caught.value.problems


def test_level_rows_are_cleaned_and_ordered_by_position() -> None:
    rows = [
        {"position": 2, "name": " Medium ", "colour": "#F3D37C", "description": None},
        {"position": 1, "name": "Low", "colour": "#D6EAF5", "description": "fine"},
        {"position": None, "name": "Extreme", "colour": None, "description": None},
        {"position": None, "name": None, "colour": None, "description": None},
    ]
    assert level_rows(rows) == [
        {"name": "Low", "colour": "#D6EAF5", "description": "fine"},
        {"name": "Medium", "colour": "#F3D37C", "description": ""},
        {"name": "Extreme", "colour": "#BDBDBD", "description": ""},
    ]


def test_renaming_a_level_follows_it_into_cells_appetite_and_tolerances() -> None:
    draft = draft_from(presets()["preset_3x3"])  # appetite Medium, fairness tolerance Low
    before = {index: level["name"] for index, level in enumerate(draft["levels"])}
    after = {0: "Minor", 1: "Medium", 2: "High"}
    renames = renamed_levels(before, after)
    assert renames == {"Low": "Minor"}
    levels = [dict(level, name=after[index]) for index, level in enumerate(draft["levels"])]
    renamed = apply_levels(draft, levels, renames)
    assert renamed["grid"][0] == ["Minor", "Minor", "High"]
    assert renamed["tolerances"] == {"fairness": "Minor"}
    assert build_criteria(renamed).level_names() == ["Minor", "Medium", "High"]


def test_removing_a_level_names_the_cells_that_still_use_it() -> None:
    draft = draft_from(default_criteria())
    kept = [level for level in draft["levels"] if level["name"] != "Critical"]
    without = apply_levels(draft, kept, {})
    with pytest.raises(CriteriaDraftError) as caught:
        build_criteria(without)
    assert any(
        "names the level 'Critical', which is not defined" in p for p in caught.value.problems
    )


def test_removing_the_appetite_level_asks_for_a_new_appetite() -> None:
    draft = draft_from(presets()["preset_3x3"])
    kept = [level for level in draft["levels"] if level["name"] != "Medium"]
    without = apply_levels(draft, kept, {})
    assert without["appetite"] == ""
    without["grid"] = [["Low", "Low", "High"]] * 3
    with pytest.raises(CriteriaDraftError) as caught:
        build_criteria(without)
    assert caught.value.problems == [
        "Choose the appetite: the highest level the organisation accepts."
    ]


def test_grid_table_round_trip_reads_highest_likelihood_first() -> None:
    draft = draft_from(default_criteria())
    frame = grid_frame(draft)
    assert frame.index.tolist() == [5, 4, 3, 2, 1]
    assert frame.iloc[0]["likelihood"] == "5 · Almost certain"
    assert grid_from_frame(frame, draft) == draft["grid"]
    frame.loc[1, "S5"] = None
    grid = grid_from_frame(frame, draft)
    assert grid[0][4] is None


def test_level_matrix_reads_like_a_risk_matrix() -> None:
    criteria = default_criteria()
    matrix = level_matrix(criteria)
    assert matrix.index[0] == "5 · Almost certain"
    assert matrix.columns[0] == "1 · Negligible"
    assert matrix.iloc[0, 0] == criteria.level_for(5, 1).name
    assert matrix.iloc[-1, -1] == criteria.level_for(1, 5).name


def test_change_summary_names_what_a_new_version_changes() -> None:
    old = default_criteria()
    new = presets()["preset_3x3"]
    lines = change_summary(old, new)
    assert (
        "The likelihood scale goes from 5 to 3 steps: ratings made before keep their "
        "5-step values." in lines
    )
    assert "Levels removed: Critical." in lines
    assert "The grid goes from 5 × 5 to 3 × 3 cells (likelihood × severity)." in lines
    assert change_summary(old, old) == []


def test_change_summary_counts_changed_cells_and_appetite() -> None:
    old = default_criteria()
    draft = draft_from(old)
    draft["grid"][0][0] = "Medium"
    draft["appetite"] = "Low"
    lines = change_summary(old, build_criteria(draft))
    assert "1 grid cell change level." in lines
    assert "Appetite: Medium becomes Low." in lines


def test_rescale_step_keeps_ends_and_refuses_values_off_the_scale() -> None:
    assert [rescale_step(v, 5, 3) for v in range(1, 6)] == [1, 2, 2, 3, 3]
    assert rescale_step(4, 5, 5) == 4
    with pytest.raises(ValueError):
        rescale_step(6, 5, 3)
