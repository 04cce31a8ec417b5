"""Typed dates outside the plausible range on the risk and impact pages: refused beside the
field with the day kept, nothing saved (the widgets no longer drop such a day themselves)."""

from __future__ import annotations

from datetime import date

from assessments.store import impact as impact_store
from assessments.store import risks as risks_store
from assessments.store.db import Database
from assessments.store.inventory import create_system
from tests.factories import system_input
from tests.pages.test_risk_pages import RISK_PAGE, button, no_exceptions, read, risk_id, texts

__all__ = ["risk_id"]  # the fixture, used by name below


def test_an_action_due_in_1999_is_refused_beside_the_field(app_test, db_path, risk_id) -> None:
    at = app_test(RISK_PAGE, id=str(risk_id))
    at.radio(key=f"risk_{risk_id}_step").set_value("treatment").run()
    action = f"risk_{risk_id}_action_"
    at.text_input(key=action + "title").set_value("Retrain with recent data")
    at.date_input(key=action + "due_date").set_value(date(1999, 12, 31))
    button(at, "Add the action").click().run()
    no_exceptions(at)
    assert "1999-12-31 is not a plausible date: give a day from 2000-01-01" in texts(at)
    assert at.date_input(key=action + "due_date").value == date(1999, 12, 31)
    assert read(db_path, lambda d: risks_store.actions_for(d, risk_id)).empty


def test_an_impact_date_answer_in_2999_is_refused_beside_the_question(app_test, db_path) -> None:
    database = Database(db_path)
    system = create_system(database, "Ada", system_input())
    response = impact_store.start_assessment(database, "Ada", system.id)
    database.close()
    at = app_test("pages/impact_wizard.py", id=str(response.id), section="scope")
    no_exceptions(at)
    key = f"iw{response.id}_scope_next_review"
    at.date_input(key=key).set_value(date(2999, 12, 31)).run()
    no_exceptions(at)
    assert "Not saved: 2999-12-31 is not a plausible date" in texts(at)
    assert at.date_input(key=key).value == date(2999, 12, 31)
    database = Database(db_path)
    answers = impact_store.current_answers(database, response.id)
    database.close()
    assert "scope_next_review" not in answers
