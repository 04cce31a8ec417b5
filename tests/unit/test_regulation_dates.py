"""Law dates are data with a status: a date that has passed may not still be a proposal or a
press report. This test fails on the day it happens, so someone checks the law and updates it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from assessments.colorado import load_colorado_reference
from assessments.screening import (
    eu_ai_act_file,
    load_eu_ai_act_reference,
    unsettled_dates,
)


def test_no_eu_ai_act_milestone_has_passed_while_still_a_proposal_or_a_report() -> None:
    reference = load_eu_ai_act_reference()
    assert unsettled_dates(reference.milestones, date.today()) == []


def test_no_colorado_milestone_has_passed_while_still_a_proposal_or_a_report() -> None:
    reference = load_colorado_reference()
    assert unsettled_dates(reference.milestones, date.today(), law=reference.short_title) == []
    assert reference.status not in ("proposal", "reported")


def test_a_passed_date_that_is_only_reported_is_caught(tmp_path: Path) -> None:
    data = yaml.safe_load(eu_ai_act_file().read_text(encoding="utf-8"))
    data["milestones"]["annex_iii_high_risk"]["status"] = "reported"
    doctored = tmp_path / "eu_ai_act.yaml"
    doctored.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    milestones = load_eu_ai_act_reference(doctored).milestones

    assert unsettled_dates(milestones, date(2027, 12, 1)) == []
    problems = unsettled_dates(milestones, date(2027, 12, 2))
    assert len(problems) == 1
    assert "annex_iii_high_risk" in problems[0] and "'reported'" in problems[0]


def test_a_proposal_is_caught_too_but_an_adopted_date_is_not(tmp_path: Path) -> None:
    data = yaml.safe_load(eu_ai_act_file().read_text(encoding="utf-8"))
    data["milestones"]["intimate_imagery_prohibition"]["status"] = "proposal"
    data["milestones"]["annex_i_high_risk"]["status"] = "adopted"
    doctored = tmp_path / "eu_ai_act.yaml"
    doctored.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    problems = unsettled_dates(load_eu_ai_act_reference(doctored).milestones, date(2030, 1, 1))
    assert len(problems) == 1
    assert "milestone intimate_imagery_prohibition " in problems[0]


def test_every_milestone_names_the_act_that_set_it_and_the_acts_are_described() -> None:
    reference = load_eu_ai_act_reference()
    for key, milestone in reference.milestones.items():
        assert milestone.set_by in reference.acts, key
        for earlier in milestone.history:
            assert earlier.set_by in reference.acts and earlier.date < milestone.date
    omnibus = reference.acts["digital_omnibus_on_ai"]
    assert omnibus.status == "in_force"
    assert omnibus.oj_reference, "say 'to verify' until the Official Journal number is checked"
    assert [step.date for step in omnibus.steps][-2:] == [date(2026, 6, 16), date(2026, 6, 29)]
    assert date(2026, 5, 7) in [step.date for step in omnibus.steps]


def test_an_unknown_act_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(eu_ai_act_file().read_text(encoding="utf-8"))
    data["milestones"]["gpai"]["set_by"] = "a_rumour"
    doctored = tmp_path / "eu_ai_act.yaml"
    doctored.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ValueError, match="a_rumour"):
        load_eu_ai_act_reference(doctored)


def _strings_and_dates(node: object) -> tuple[list[str], set[date]]:
    """Every text and every date value in a YAML tree."""
    if isinstance(node, dict):
        parts = [_strings_and_dates(value) for value in node.values()]
    elif isinstance(node, list):
        parts = [_strings_and_dates(value) for value in node]
    elif isinstance(node, str):
        return [node], set()
    elif isinstance(node, date):
        return [], {node}
    else:
        return [], set()
    texts = [text for part in parts for text in part[0]]
    return texts, {day for part in parts for day in part[1]}


def _prose_dates_missing_from_data(*trees: object) -> set[date]:
    """Dates written in the texts of these YAML trees that none of them holds as a date value."""
    texts: list[str] = []
    known: set[date] = set()
    for tree in trees:
        found_texts, found_dates = _strings_and_dates(tree)
        texts += found_texts
        known |= found_dates
    written = {
        date.fromisoformat(day)
        for text in texts
        for day in re.findall(r"\b(20\d\d-\d\d-\d\d)\b", text)
    }
    return written - known


def test_every_date_written_in_prose_is_a_date_the_data_holds() -> None:
    """A date that moves is changed in one place: every YYYY-MM-DD in a label, help text or note
    of the screening must also be a date value of the law data (a milestone, an earlier date, an
    act's step), so moving a milestone without its texts fails here."""
    from assessments.colorado import colorado_file
    from assessments.regulatory import screening_questionnaire_file

    eu, colorado, questionnaire = (
        yaml.safe_load(path.read_text("utf-8"))
        for path in (eu_ai_act_file(), colorado_file(), screening_questionnaire_file())
    )
    assert _prose_dates_missing_from_data(eu, colorado, questionnaire) == set()
    eu["milestones"]["annex_iii_high_risk"]["date"] = date(2028, 1, 1)
    assert _prose_dates_missing_from_data(eu, colorado, questionnaire) == {date(2027, 12, 2)}
