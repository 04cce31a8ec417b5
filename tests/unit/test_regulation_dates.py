"""Law dates are data with a status: a date that has passed may not still be a proposal or a
press report. This test fails on the day it happens, so someone checks the law and updates it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from assessments.screening import (
    eu_ai_act_file,
    load_eu_ai_act_reference,
    unsettled_dates,
)


def test_no_eu_ai_act_milestone_has_passed_while_still_a_proposal_or_a_report() -> None:
    reference = load_eu_ai_act_reference()
    assert unsettled_dates(reference.milestones, date.today()) == []


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
    assert omnibus.oj_reference == "to verify"
    assert [step.date for step in omnibus.steps][-2:] == [date(2026, 6, 16), date(2026, 6, 29)]
    assert date(2026, 5, 7) in [step.date for step in omnibus.steps]


def test_an_unknown_act_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(eu_ai_act_file().read_text(encoding="utf-8"))
    data["milestones"]["gpai"]["set_by"] = "a_rumour"
    doctored = tmp_path / "eu_ai_act.yaml"
    doctored.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ValueError, match="a_rumour"):
        load_eu_ai_act_reference(doctored)
