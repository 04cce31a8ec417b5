"""The scoring rule: presets, validation messages, level lookup, appetite, mapping and export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from assessments import catalog
from assessments.criteria import (
    CriteriaFileError,
    OutOfScaleError,
    RiskCriteria,
    UnknownLevelError,
    best_text_contrast,
    default_criteria,
    load_criteria_file,
    map_rating,
    presets,
    problems_of,
    removed_levels,
    to_export_dict,
)

BANDS_5X5 = {"Low": range(1, 5), "Medium": range(5, 10), "High": range(10, 17)}


@pytest.fixture
def default_dict() -> dict[str, Any]:
    return to_export_dict(default_criteria())


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        RiskCriteria.model_validate(data)
    return problems_of(caught.value)


def _assert_problem(data: dict[str, Any], expected: str) -> None:
    problems = _problems(data)
    assert any(expected in problem for problem in problems), problems


def _steps(count: int, prefix: str) -> list[dict[str, Any]]:
    return [
        {"value": value, "label": f"{prefix} {value}", "description": f"{prefix} step {value}."}
        for value in range(1, count + 1)
    ]


# Presets


def test_presets_load_with_the_documented_keys() -> None:
    loaded = presets()
    assert list(loaded) == ["default_5x5", "preset_4x4", "preset_3x3"]
    sizes = {name: (len(c.likelihood), len(c.severity)) for name, c in loaded.items()}
    assert sizes == {"default_5x5": (5, 5), "preset_4x4": (4, 4), "preset_3x3": (3, 3)}
    for criteria in loaded.values():
        assert criteria.version == 0
        assert criteria.appetite == "Medium"
        assert criteria.warnings() == [], criteria.name


def test_default_criteria_is_the_5x5_preset() -> None:
    assert default_criteria() == presets()["default_5x5"]


def test_default_scales_use_the_documented_labels() -> None:
    criteria = default_criteria()
    assert [step.label for step in criteria.likelihood] == [
        "Rare",
        "Unlikely",
        "Possible",
        "Likely",
        "Almost certain",
    ]
    assert criteria.severity[0].label == "Negligible"
    assert criteria.severity[-1].label == "Severe"
    assert criteria.level_names() == ["Low", "Medium", "High", "Critical"]
    assert all("%" in step.description for step in criteria.likelihood)


@pytest.mark.parametrize("name", ["default_5x5", "preset_4x4", "preset_3x3"])
def test_every_severity_step_speaks_of_individuals_groups_and_society(name: str) -> None:
    for step in presets()[name].severity:
        for party in ("Individual:", "Group:", "Society:"):
            assert party in step.description, (name, step.label, party)


def test_default_grid_follows_the_bands_with_the_severity_overrides() -> None:
    # Severity 5 is at least High and severity 4 at least Medium (the latter moves only
    # likelihood 1 x severity 4 off Low; the reason is in data/criteria/default_5x5.yaml).
    criteria = default_criteria()
    for likelihood in range(1, 6):
        for severity in range(1, 6):
            score = likelihood * severity
            expected = next((name for name, band in BANDS_5X5.items() if score in band), "Critical")
            if severity == 5 and expected in ("Low", "Medium"):
                expected = "High"
            if severity == 4 and expected == "Low":
                expected = "Medium"
            assert criteria.level_for(likelihood, severity).name == expected, (
                likelihood,
                severity,
            )


@pytest.mark.parametrize("name", ["default_5x5", "preset_4x4", "preset_3x3"])
def test_level_for_agrees_with_the_grid(name: str) -> None:
    criteria = presets()[name]
    for likelihood, row in enumerate(criteria.grid, start=1):
        for severity, level_name in enumerate(row, start=1):
            assert criteria.level_for(likelihood, severity).name == level_name


def test_preset_colours_are_readable_and_consistent_across_presets() -> None:
    colour_of: dict[str, str] = {}
    for criteria in presets().values():
        for level in criteria.levels:
            assert best_text_contrast(level.colour) >= 4.5, level
            assert colour_of.setdefault(level.name, level.colour) == level.colour, level.name
    default = default_criteria()
    assert [level.text_colour() for level in default.levels] == [
        "#000000",
        "#000000",
        "#000000",
        "#FFFFFF",
    ]


def test_preset_tolerance_is_stricter_than_the_appetite() -> None:
    criteria = default_criteria()
    assert criteria.tolerances == {"fairness": "Low"}
    assert criteria.is_above_appetite("Medium", "fairness")
    assert not criteria.is_above_appetite("Medium", "privacy")


# Validation


def test_a_row_with_a_missing_cell_is_refused(default_dict: dict[str, Any]) -> None:
    default_dict["grid"][2] = default_dict["grid"][2][:4]
    _assert_problem(
        default_dict,
        "Grid row 3 (likelihood 'Possible') has 4 cells; the severity scale has 5 steps",
    )


def test_a_null_cell_is_refused_with_its_place(default_dict: dict[str, Any]) -> None:
    default_dict["grid"][2][4] = None
    _assert_problem(default_dict, "Grid row 3, column 5")


def test_an_empty_cell_is_refused(default_dict: dict[str, Any]) -> None:
    default_dict["grid"][1][0] = " "
    _assert_problem(
        default_dict,
        "Grid row 2 (likelihood 'Unlikely'), column 1 (severity 'Negligible') is empty",
    )


def test_a_missing_row_is_refused(default_dict: dict[str, Any]) -> None:
    default_dict["grid"].pop()
    _assert_problem(default_dict, "The grid has 4 rows; it needs one row for each of the 5")


def test_an_unknown_level_in_the_grid_is_refused(default_dict: dict[str, Any]) -> None:
    default_dict["grid"][0][1] = "Hgh"
    _assert_problem(
        default_dict,
        "Grid row 1 (likelihood 'Rare'), column 2 (severity 'Minor') names the level 'Hgh', "
        "which is not defined",
    )


def test_an_unknown_appetite_is_refused(default_dict: dict[str, Any]) -> None:
    default_dict["appetite"] = "Moderate"
    _assert_problem(default_dict, "The appetite 'Moderate' is not a defined level")


@pytest.mark.parametrize(("scale", "count"), [("likelihood", 2), ("severity", 2), ("severity", 7)])
def test_scales_need_3_to_6_steps(default_dict: dict[str, Any], scale: str, count: int) -> None:
    default_dict[scale] = _steps(count, scale)
    rows = count if scale == "likelihood" else 5
    columns = count if scale == "severity" else 5
    default_dict["grid"] = [["Low"] * columns for _ in range(rows)]
    _assert_problem(
        default_dict, f"The {scale} scale has {count} steps; a scale needs 3 to 6 steps."
    )


def test_a_bad_colour_is_refused(default_dict: dict[str, Any]) -> None:
    default_dict["levels"][0]["colour"] = "red"
    _assert_problem(default_dict, "Level 'Low' has the colour 'red', which is not a hex colour")


def test_step_values_must_run_from_one_in_order(default_dict: dict[str, Any]) -> None:
    default_dict["likelihood"][1]["value"] = 3
    _assert_problem(default_dict, "Likelihood step 2 ('Unlikely') has the value 3")


def test_step_labels_must_be_unique_and_steps_described(default_dict: dict[str, Any]) -> None:
    default_dict["severity"][1]["label"] = "negligible"
    default_dict["severity"][2]["description"] = ""
    problems = _problems(default_dict)
    assert "The severity scale uses the label 'negligible' more than once." in problems
    assert "Severity step 3 ('Moderate') has no description." in problems


def test_at_least_two_uniquely_named_levels_are_needed(default_dict: dict[str, Any]) -> None:
    default_dict["levels"] = default_dict["levels"][:1]
    default_dict["grid"] = [["Low"] * 5 for _ in range(5)]
    default_dict["appetite"] = "Low"
    default_dict["tolerances"] = {}
    _assert_problem(default_dict, "The criteria define 1 risk level; at least 2 are needed.")
    default_dict["levels"] = [default_dict["levels"][0], default_dict["levels"][0]]
    _assert_problem(default_dict, "The level name 'Low' is used more than once.")


def test_tolerances_need_known_categories_and_levels(default_dict: dict[str, Any]) -> None:
    default_dict["tolerances"] = {"fairnes": "Low", "privacy": "Lowest"}
    problems = _problems(default_dict)
    assert any("The tolerance for 'fairnes' names no known harm category" in p for p in problems)
    assert any("The tolerance for 'privacy' is 'Lowest'" in p for p in problems)


def test_all_problems_are_reported_at_once(default_dict: dict[str, Any]) -> None:
    default_dict["grid"][0][0] = "Nope"
    default_dict["appetite"] = "Nope"
    assert len(_problems(default_dict)) == 2


def test_missing_and_unexpected_fields_read_as_sentences(default_dict: dict[str, Any]) -> None:
    del default_dict["likelihood"][0]["label"]
    default_dict["apetite"] = "Medium"
    problems = _problems(default_dict)
    assert "Likelihood step 1 has no 'label' field." in problems
    assert "'apetite' is not a field the criteria know." in problems


# Lookup, appetite, warnings


@pytest.mark.parametrize(
    ("likelihood", "severity", "scale"),
    [(0, 1, "likelihood"), (6, 1, "likelihood"), (1, 0, "severity"), (1, 6, "severity")],
)
def test_out_of_scale_ratings_name_the_scale_and_range(
    likelihood: int, severity: int, scale: str
) -> None:
    with pytest.raises(OutOfScaleError, match=f"outside the {scale} scale.*from 1 to 5"):
        default_criteria().level_for(likelihood, severity)


@pytest.mark.parametrize("value", [True, 2.0, "3", None])
def test_non_integer_ratings_are_out_of_scale(value: object) -> None:
    with pytest.raises(OutOfScaleError):
        default_criteria().level_for(value, 1)  # type: ignore[arg-type]


def test_numpy_integers_from_a_data_frame_are_accepted() -> None:
    numpy = pytest.importorskip("numpy")
    criteria = default_criteria()
    assert criteria.level_for(numpy.int64(5), numpy.int32(5)).name == "Critical"
    assert map_rating(criteria, presets()["preset_3x3"], numpy.int64(5), 1) == (3, 1)


def test_level_rank_and_lookup_by_name() -> None:
    criteria = default_criteria()
    assert [criteria.level_rank(name) for name in criteria.level_names()] == [1, 2, 3, 4]
    assert criteria.level_by_name("High").colour == "#E0894F"
    with pytest.raises(UnknownLevelError, match="'Extreme' is not a level"):
        criteria.level_rank("Extreme")


def test_step_lookup() -> None:
    criteria = default_criteria()
    assert criteria.step("likelihood", 3).label == "Possible"
    with pytest.raises(OutOfScaleError):
        criteria.step("severity", 9)


def test_appetite_uses_the_category_tolerance_when_set() -> None:
    criteria = default_criteria()
    assert not criteria.is_above_appetite("Low")
    assert not criteria.is_above_appetite("Medium")
    assert criteria.is_above_appetite("High")
    assert criteria.is_above_appetite("Medium", "fairness")
    assert not criteria.is_above_appetite("Low", "fairness")
    assert not criteria.is_above_appetite("Medium", "safety")
    assert not criteria.is_above_appetite("Medium", None)
    assert criteria.acceptable_level("fairness") == "Low"
    assert criteria.acceptable_level("safety") == "Medium"


def test_monotonicity_problems_are_warnings_not_errors(default_dict: dict[str, Any]) -> None:
    default_dict["grid"][3][2] = "Low"
    criteria = RiskCriteria.model_validate(default_dict)
    warnings = criteria.warnings()
    assert any(
        "likelihood 4 ('Likely') and severity 3 ('Moderate') is 'Low', lower than 'Medium' "
        "at the less likely" in warning
        for warning in warnings
    ), warnings
    assert any("a higher severity should not lower the level" in w for w in warnings), warnings


def test_other_warnings(default_dict: dict[str, Any]) -> None:
    default_dict["grid"] = [
        [cell.replace("Critical", "High") for cell in row] for row in default_dict["grid"]
    ]
    default_dict["appetite"] = "Critical"
    default_dict["tolerances"] = {"safety": "Critical"}
    warnings = RiskCriteria.model_validate(default_dict).warnings()
    assert "The level 'Critical' is used in no grid cell, so no rating can reach it." in warnings
    assert any("is the highest level, so every risk counts as acceptable" in w for w in warnings)
    assert any("The tolerance for 'safety' equals the appetite" in w for w in warnings)


def test_default_grid_steps_one_level_at_most_between_neighbouring_cells() -> None:
    # A rare but major harm (L1 x S4) sits at Medium, between Low at S3 and High at S5.
    criteria = default_criteria()
    assert criteria.level_for(1, 4).name == "Medium"
    for likelihood in range(1, 6):
        for severity in range(1, 6):
            rank = criteria.level_rank(criteria.level_for(likelihood, severity).name)
            if likelihood < 5:
                above = criteria.level_for(likelihood + 1, severity).name
                assert 0 <= criteria.level_rank(above) - rank <= 1, (likelihood, severity)
            if severity < 5:
                right = criteria.level_for(likelihood, severity + 1).name
                assert 0 <= criteria.level_rank(right) - rank <= 1, (likelihood, severity)


def test_cells_cover_the_grid_with_rank_and_colour() -> None:
    criteria = default_criteria()
    cells = criteria.cells()
    assert len(cells) == 25
    assert cells[0] == {
        "likelihood": 1,
        "severity": 1,
        "level": "Low",
        "rank": 1,
        "colour": "#D6EAF5",
    }
    for cell in cells:
        level = criteria.level_for(cell["likelihood"], cell["severity"])
        assert (cell["level"], cell["colour"]) == (level.name, level.colour)
        assert cell["rank"] == criteria.level_rank(level.name)


def test_removed_levels(default_dict: dict[str, Any]) -> None:
    old = default_criteria()
    default_dict["levels"] = default_dict["levels"][:3]
    default_dict["grid"] = [
        [cell.replace("Critical", "High") for cell in row] for row in default_dict["grid"]
    ]
    new = RiskCriteria.model_validate(default_dict)
    assert removed_levels(old, new) == ["Critical"]
    assert removed_levels(new, old) == []


# Mapping between versions


def test_map_rating_keeps_values_when_step_counts_match() -> None:
    criteria = default_criteria()
    assert map_rating(criteria, criteria, 4, 2) == (4, 2)


def test_map_rating_keeps_the_relative_position() -> None:
    five, four, three = (presets()[n] for n in ("default_5x5", "preset_4x4", "preset_3x3"))
    assert [map_rating(five, three, v, v) for v in range(1, 6)] == [
        (1, 1),
        (2, 2),
        (2, 2),
        (3, 3),
        (3, 3),
    ]
    assert [map_rating(three, five, v, v) for v in range(1, 4)] == [(1, 1), (3, 3), (5, 5)]
    assert [map_rating(five, four, v, 1)[0] for v in range(1, 6)] == [1, 2, 3, 3, 4]
    assert [map_rating(four, five, v, 1)[0] for v in range(1, 5)] == [1, 2, 4, 5]


def test_map_rating_refuses_a_rating_off_the_old_scale() -> None:
    with pytest.raises(OutOfScaleError):
        map_rating(presets()["preset_3x3"], default_criteria(), 4, 1)


# Export and files


def test_export_dict_has_the_documented_shape() -> None:
    exported = to_export_dict(default_criteria())
    assert list(exported) == [
        "version",
        "name",
        "levels",
        "likelihood",
        "severity",
        "grid",
        "appetite",
        "tolerances",
        "review_interval_months",
    ]
    assert exported["version"] == 0
    assert isinstance(exported["name"], str)
    assert [list(level) for level in exported["levels"]] == [["name", "colour", "description"]] * 4
    assert exported["levels"][0]["name"] == "Low"
    for scale in ("likelihood", "severity"):
        assert [list(step) for step in exported[scale]] == [["value", "label", "description"]] * 5
        assert [step["value"] for step in exported[scale]] == [1, 2, 3, 4, 5]
    assert exported["grid"][0] == ["Low", "Low", "Low", "Medium", "High"]
    assert exported["appetite"] == "Medium"
    assert exported["tolerances"] == {"fairness": "Low"}
    assert json.loads(json.dumps(exported)) == exported


def test_export_round_trips() -> None:
    criteria = default_criteria()
    assert RiskCriteria.model_validate(to_export_dict(criteria)) == criteria


def test_a_json_export_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "criteria.json"
    path.write_text(json.dumps(to_export_dict(default_criteria())), encoding="utf-8")
    assert load_criteria_file(path) == default_criteria()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("name: [unclosed", "is not valid YAML or JSON at line"),
        ("- just\n- a list\n", "must contain a mapping"),
        ("name: Broken\n", "The field 'appetite' is missing."),
    ],
)
def test_a_broken_criteria_file_names_the_file(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CriteriaFileError, match=r"broken\.yaml") as caught:
        load_criteria_file(path)
    assert expected in str(caught.value) or any(expected in p for p in caught.value.problems)


def test_a_missing_criteria_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CriteriaFileError, match="cannot be read"):
        load_criteria_file(tmp_path / "absent.yaml")


# Properties

_labels = st.text(min_size=1, max_size=16).filter(lambda text: text.strip())


@st.composite
def valid_criteria(draw: st.DrawFn) -> RiskCriteria:
    """Random criteria that satisfy every validation rule."""
    likelihood_steps = draw(st.integers(3, 6))
    severity_steps = draw(st.integers(3, 6))
    names = draw(st.lists(_labels, min_size=2, max_size=5, unique=True))
    colours = draw(
        st.lists(
            st.from_regex(r"#[0-9A-Fa-f]{6}", fullmatch=True),
            min_size=len(names),
            max_size=len(names),
        )
    )

    def scale(count: int) -> list[dict[str, Any]]:
        labels = draw(
            st.lists(
                _labels,
                min_size=count,
                max_size=count,
                unique_by=lambda text: text.strip().casefold(),
            )
        )
        return [
            {"value": value, "label": label, "description": f"Step {value}."}
            for value, label in enumerate(labels, start=1)
        ]

    row = st.lists(st.sampled_from(names), min_size=severity_steps, max_size=severity_steps)
    categories = list(catalog.taxonomy().harm_categories)
    return RiskCriteria.model_validate(
        {
            "name": "Generated",
            "likelihood": scale(likelihood_steps),
            "severity": scale(severity_steps),
            "levels": [
                {"name": name, "colour": colour}
                for name, colour in zip(names, colours, strict=True)
            ],
            "grid": draw(st.lists(row, min_size=likelihood_steps, max_size=likelihood_steps)),
            "appetite": draw(st.sampled_from(names)),
            "tolerances": draw(
                st.dictionaries(st.sampled_from(categories), st.sampled_from(names), max_size=3)
            ),
        }
    )


@settings(max_examples=150, deadline=None)
@given(valid_criteria())
def test_every_cell_has_exactly_one_level_and_level_for_agrees(criteria: RiskCriteria) -> None:
    cells = criteria.cells()
    positions = [(cell["likelihood"], cell["severity"]) for cell in cells]
    expected = [
        (likelihood, severity)
        for likelihood in range(1, len(criteria.likelihood) + 1)
        for severity in range(1, len(criteria.severity) + 1)
    ]
    assert positions == expected
    for cell in cells:
        level = criteria.level_for(cell["likelihood"], cell["severity"])
        assert level.name == criteria.grid[cell["likelihood"] - 1][cell["severity"] - 1]
        assert level.name == cell["level"]
        assert cell["rank"] == criteria.level_rank(level.name)
    assert RiskCriteria.model_validate(to_export_dict(criteria)) == criteria


@settings(max_examples=150, deadline=None)
@given(valid_criteria(), st.data())
def test_out_of_scale_ratings_always_raise(criteria: RiskCriteria, data: st.DataObject) -> None:
    likelihood_steps, severity_steps = len(criteria.likelihood), len(criteria.severity)
    outside_likelihood = data.draw(
        st.integers().filter(lambda value: not 1 <= value <= likelihood_steps)
    )
    outside_severity = data.draw(
        st.integers().filter(lambda value: not 1 <= value <= severity_steps)
    )
    inside_severity = data.draw(st.integers(1, severity_steps))
    inside_likelihood = data.draw(st.integers(1, likelihood_steps))
    with pytest.raises(OutOfScaleError):
        criteria.level_for(outside_likelihood, inside_severity)
    with pytest.raises(OutOfScaleError):
        criteria.level_for(inside_likelihood, outside_severity)


@settings(max_examples=150, deadline=None)
@given(valid_criteria(), valid_criteria(), st.data())
def test_mapped_ratings_land_on_the_target_grid_in_order(
    old: RiskCriteria, new: RiskCriteria, data: st.DataObject
) -> None:
    likelihood = data.draw(st.integers(1, len(old.likelihood)))
    severity = data.draw(st.integers(1, len(old.severity)))
    mapped = map_rating(old, new, likelihood, severity)
    new.level_for(*mapped)
    if likelihood < len(old.likelihood):
        assert map_rating(old, new, likelihood + 1, severity)[0] >= mapped[0]
    assert map_rating(old, new, 1, 1) == (1, 1)
    top = map_rating(old, new, len(old.likelihood), len(old.severity))
    assert top == (len(new.likelihood), len(new.severity))


@settings(max_examples=100, deadline=None)
@given(valid_criteria(), st.sampled_from(sorted(catalog.taxonomy().harm_categories)))
def test_above_appetite_follows_the_level_order(criteria: RiskCriteria, category: str) -> None:
    limit = criteria.level_rank(criteria.acceptable_level(category))
    for name in criteria.level_names():
        assert criteria.is_above_appetite(name, category) == (criteria.level_rank(name) > limit)
