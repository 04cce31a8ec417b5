"""A typed next-review date outside what the widget used to allow reaches the server in a real
browser: the save is refused with the message beside the field, the typed day stays in the
field and nothing is saved (before, the browser dropped the day and Save went through)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from assessments.store import inventory as inventory_store
from assessments.store.db import Database
from tests.browser.helpers import assert_no_exception, set_actor, wait_idle
from tests.browser.test_inventory_browser import choose
from tests.factories import system_input

pytestmark = pytest.mark.browser

PLANNED = date.today() + timedelta(days=30)


def one_system(database: Database) -> None:
    inventory_store.create_system(database, "Ada", system_input(next_review=PLANNED))


def type_date(page: Page, label: str, digits: str) -> None:
    """Type a day into Streamlit's segmented date field, as a person does."""
    page.get_by_role("group", name=label).locator("[role='spinbutton']").first.click()
    page.keyboard.type(digits, delay=40)
    page.keyboard.press("Escape")  # close the calendar the field opened


def expect_message_beside(page: Page, label: str, message: str) -> None:
    """The message sits right under the field, in the same column."""
    field = page.get_by_role("group", name=label)
    shown = page.get_by_text(message)
    expect(shown).to_be_visible()
    field_box, message_box = field.bounding_box(), shown.bounding_box()
    assert field_box is not None and message_box is not None
    assert abs(message_box["x"] - field_box["x"]) < 40
    assert 0 <= message_box["y"] - (field_box["y"] + field_box["height"]) < 60


def test_out_of_range_review_dates_are_refused_beside_the_field(browser, live_app_factory) -> None:
    app = live_app_factory(one_system)
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(f"{app.url}/system_edit")
    wait_idle(page)
    set_actor(page, "Browser Tester")

    # A new system planned for review in 1900.
    page.get_by_label("Name *", exact=True).fill("Queue Sorter")
    page.get_by_label("Purpose and intended use *", exact=True).fill("Orders support tickets.")
    page.get_by_label("Owner *", exact=True).fill("Ada Park")
    page.get_by_label("Business unit *", exact=True).fill("Support")
    choose(page, "Our roles *", "AI user")
    choose(page, "Affected stakeholders *", "Customers")
    type_date(page, "Next review", "19000101")
    page.get_by_role("button", name="Save").click()
    wait_idle(page)
    expect(page.get_by_text("Nothing was saved")).to_be_visible()
    expect_message_beside(page, "Next review", "a review cannot be planned in the past")
    expect(page.get_by_role("group", name="Next review")).to_contain_text(
        re.compile(r"1900\s*-\s*01\s*-\s*01")
    )
    expect(page.get_by_label("Name *", exact=True)).to_have_value("Queue Sorter")
    assert_no_exception(page)

    # An existing system moved to 2999: refused, and the saved date is still the planned one.
    page.goto(f"{app.url}/system_edit?id=1")
    wait_idle(page)
    type_date(page, "Next review", "29991231")
    page.get_by_role("button", name="Save").click()
    wait_idle(page)
    expect_message_beside(page, "Next review", "plan the next review at most 5 years ahead")
    expect(page.get_by_role("group", name="Next review")).to_contain_text(
        re.compile(r"2999\s*-\s*12\s*-\s*31")
    )
    assert_no_exception(page)

    page.goto(f"{app.url}/inventory")
    wait_idle(page)
    expect(page.get_by_text("Queue Sorter")).to_have_count(0)
    page.goto(f"{app.url}/system?id=1")
    wait_idle(page)
    expect(page.get_by_text(f"Next review: {PLANNED.isoformat()}")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Revision 1 "))).to_be_visible()
    page.close()
