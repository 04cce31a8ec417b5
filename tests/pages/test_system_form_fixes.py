"""The system form and page through AppTest: review dates refused beside the field with the
typed day kept, an overdue review left alone, the duplicate name naming the existing record,
and the retirement confirmation counting what is under way."""

from __future__ import annotations

from datetime import date, timedelta

from assessments.store import inventory as store
from assessments.store import risks as risk_store
from assessments.store.db import Database
from tests.factories import system_input
from tests.pages.test_inventory_pages import fill_new_form, no_exceptions
from tests.risk_factories import risk_input


def field_texts(at) -> str:
    return " ".join(item.value for item in at.markdown)


def saved_system(db_path, name: str = "Loan Advisor"):
    database = Database(db_path)
    try:
        return store.find_system_by_name(database, name)
    finally:
        database.close()


def create(db_path, **overrides):
    database = Database(db_path)
    try:
        return store.create_system(database, "Ada", system_input(**overrides))
    finally:
        database.close()


def test_a_new_system_with_a_review_in_the_past_is_refused_and_keeps_the_day(
    app_test, db_path
) -> None:
    at = app_test("pages/system_edit.py")
    fill_new_form(at)
    at.date_input(key="sysform_new_next_review").set_value(date(1900, 1, 1))
    at.button(key="FormSubmitter:sysform_new_form-Save").click().run()
    no_exceptions(at)
    assert "a review cannot be planned in the past" in field_texts(at)
    assert "Nothing was saved" in at.error[0].value
    assert at.date_input(key="sysform_new_next_review").value == date(1900, 1, 1)
    assert saved_system(db_path, "Triage Helper") is None


def test_an_edit_to_a_far_review_is_refused_and_the_saved_date_stays(app_test, db_path) -> None:
    created = create(db_path, next_review=date.today() + timedelta(days=30))
    at = app_test("pages/system_edit.py", id=str(created.id))
    prefix = f"sysform_{created.id}_"
    at.date_input(key=prefix + "next_review").set_value(date(2999, 12, 31))
    at.button(key=f"FormSubmitter:{prefix}form-Save").click().run()
    no_exceptions(at)
    assert "plan the next review at most 5 years ahead" in field_texts(at)
    assert at.date_input(key=prefix + "next_review").value == date(2999, 12, 31)
    stored = saved_system(db_path)
    assert stored is not None and stored.revision == 1
    assert stored.next_review == created.next_review


def test_a_system_whose_review_is_overdue_stays_editable(app_test, db_path) -> None:
    overdue = date.today() - timedelta(days=59)
    created = create(db_path, next_review=overdue)
    at = app_test("pages/system_edit.py", id=str(created.id))
    prefix = f"sysform_{created.id}_"
    at.text_input(key=prefix + "owner").set_value("Grace Hopper")
    at.button(key=f"FormSubmitter:{prefix}form-Save").click().run()
    no_exceptions(at)
    stored = saved_system(db_path)
    assert stored is not None and stored.owner == "Grace Hopper"
    assert stored.next_review == overdue


def test_a_duplicate_name_names_and_links_the_existing_record(app_test, db_path) -> None:
    existing = create(db_path, name="Card Fraud Sentinel")
    at = app_test("pages/system_edit.py")
    fill_new_form(at, name="card fraud SENTINEL")
    at.button(key="FormSubmitter:sysform_new_form-Save").click().run()
    no_exceptions(at)
    assert "'Card Fraud Sentinel' already exists" in field_texts(at)
    assert "SENTINEL" not in field_texts(at)
    links = [link.proto for link in at.get("page_link") if link.proto.label.startswith("Open ")]
    assert [(link.label, link.page, link.query_string) for link in links] == [
        ("Open Card Fraud Sentinel", "system", f"id={existing.id}")
    ]


def test_retire_confirmation_counts_open_risks(app_test, db_path) -> None:
    created = create(db_path)
    database = Database(db_path)
    for title in ("First risk", "Second risk"):
        risk_store.create_risk(database, "Ada", risk_input(created.id, title=title))
    database.close()
    at = app_test("pages/system.py", id=str(created.id))
    no_exceptions(at)
    text = field_texts(at)
    assert "It has 2 open risks" in text
    assert "leave the register, portfolio and trend figures" in text
