"""The inventory in a real browser: create, reload, find, edit, see the change in its history."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_no_exception, set_actor, wait_idle

pytestmark = pytest.mark.browser


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option in a Streamlit multiselect by its visible label, once the rerun of the
    previous choice is over (a rerun redraws the list and closes a list opened meanwhile)."""
    wait_idle(page)
    box = page.get_by_label(label, exact=True)
    # Typing opens the list wherever the box is: a click that first scrolls the box into view
    # only focuses it (the scroll closes the list it opened).
    box.scroll_into_view_if_needed()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def select(page: Page, label: str, option: str) -> None:
    """Pick an option in a Streamlit selectbox (it closes by itself)."""
    wait_idle(page)
    page.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_create_reload_find_edit_and_history(browser, live_app_factory) -> None:
    app = live_app_factory()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(app.url)
    wait_idle(page)
    set_actor(page, "Browser Tester")

    page.goto(f"{app.url}/system_edit")
    wait_idle(page)
    page.get_by_label("Name *", exact=True).fill("Queue Sorter")
    page.get_by_label("Purpose and intended use *", exact=True).fill(
        "Orders incoming support tickets by urgency."
    )
    page.get_by_label("Owner *", exact=True).fill("Ada Park")
    page.get_by_label("Business unit *", exact=True).fill("Support")
    choose(page, "Our roles *", "AI user")
    choose(page, "Affected stakeholders *", "Customers")
    page.get_by_role("button", name="Save").click()
    wait_idle(page)
    # A name has to be given in this session (a reload starts a new session).
    if page.get_by_text("Enter your name in the sidebar first").count():
        set_actor(page, "Browser Tester")
        page.get_by_role("button", name="Save").click()
        wait_idle(page)
    expect(page.get_by_role("heading", name="Queue Sorter")).to_be_visible()
    assert_no_exception(page)

    page.reload()
    wait_idle(page)
    # The name is remembered by this browser: a reload does not ask again.
    expect(page.get_by_role("textbox", name="Your name", exact=True)).to_have_value(
        "Browser Tester"
    )
    page.goto(f"{app.url}/inventory")
    wait_idle(page)
    set_actor(page, "Second Editor")
    page.get_by_role("textbox", name="Search", exact=True).fill("queue")
    page.get_by_role("textbox", name="Search", exact=True).press("Enter")
    wait_idle(page)
    expect(page.get_by_text("1 AI systems")).to_be_visible()
    select(page, "Open a system", "Queue Sorter")
    expect(page.get_by_role("heading", name="Queue Sorter")).to_be_visible(timeout=15_000)
    wait_idle(page)

    page.get_by_role("link", name="Edit").click()
    wait_idle(page)
    owner = page.get_by_label("Owner *", exact=True)
    expect(owner).to_have_value("Ada Park")
    owner.fill("Grace Hopper")
    page.get_by_role("button", name="Save").click()
    wait_idle(page)
    expect(page.get_by_text("Saved Queue Sorter.")).to_be_visible()
    history = page.get_by_text(re.compile(r"update · Second Editor"))
    expect(history).to_be_visible()
    history.click()
    wait_idle(page)
    expect(page.get_by_text("Grace Hopper").first).to_be_visible()
    assert_no_exception(page)

    for path in ["", "inventory", "system_edit", "audit_log", "system?id=1", "system?id=999"]:
        page.goto(f"{app.url}/{path}")
        wait_idle(page)
        assert_no_exception(page)
    context.close()


def test_bad_input_in_the_browser_keeps_what_was_typed(browser, live_app_factory) -> None:
    """Also: a deep link as the very first request after a start opens the right page."""
    app = live_app_factory()
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{app.url}/system_edit")
    wait_idle(page)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page.get_by_role("heading", name="Add an AI system")).to_be_visible()
    set_actor(page, "Browser Tester")
    page.get_by_label("Name *", exact=True).fill("Half Filled")
    page.get_by_role("button", name="Save").click()
    wait_idle(page)
    expect(page.get_by_text("Nothing was saved")).to_be_visible()
    expect(page.get_by_text("this field is required").first).to_be_visible()
    expect(page.get_by_label("Name *", exact=True)).to_have_value("Half Filled")
    assert_no_exception(page)
    page.close()
