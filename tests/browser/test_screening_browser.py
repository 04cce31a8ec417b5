"""Screen a system in a real browser and see its class badge in the inventory."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from assessments.store import inventory as inventory_store
from assessments.store.db import Database
from tests.browser.helpers import assert_no_exception, set_actor, wait_idle
from tests.factories import system_input

pytestmark = pytest.mark.browser


def escaped(text: str) -> re.Pattern[str]:
    """Text as the page shows it: Markdown escaping puts an invisible word joiner after each
    colon of text rendered with `plain`."""
    return re.compile(re.escape(text).replace(":", ":\u2060?"))


def answer(page: Page, question: str, option: str) -> None:
    """Pick Yes or No in the radio group of a question (its label is the question text)."""
    page.get_by_role("radiogroup", name=question).get_by_text(option, exact=True).click()
    wait_idle(page)


def tick(page: Page, label: str) -> None:
    page.get_by_text(label, exact=True).click()
    wait_idle(page)


def test_screen_a_system_and_see_the_badge_in_the_inventory(browser, live_app_factory) -> None:
    def prepare(database: Database) -> None:
        inventory_store.create_system(database, "Ada", system_input(name="Shift Planner"))

    app = live_app_factory(prepare)
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{app.url}/screening?id=1")
    wait_idle(page)
    set_actor(page, "Browser Tester")
    expect(page.get_by_text("Not screened yet")).to_be_visible()

    answer(page, "Does the system infer from its input how to produce outputs", "Yes")
    answer(page, "Is the system offered or put into use in the EU", "Yes")
    tick(page, "Deployer: we use it under our own authority at work")
    answer(page, "Is the system a regulated product", "No")
    tick(
        page,
        "Employment: recruiting, promoting, dismissing, allocating tasks or monitoring workers",
    )
    answer(page, "Does the system evaluate individual people", "Yes")
    answer(page, "Was the system already on the market or in use before", "No")
    answer(page, "Is the system used by a public authority", "No")
    answer(page, "Is your organisation a private one providing a public service", "No")
    answer(page, "Does your organisation provide a general-purpose AI model", "No")
    answer(page, "Is the system used in decisions about consumers (people) in Colorado", "Yes")
    tick(page, "Employment (hiring, pay, promotion or an employment opportunity)")
    answer(page, "Does the system's output materially influence those decisions", "Yes")
    expect(page.get_by_text("Result if you save now:")).to_be_visible()
    page.get_by_role("button", name="Screen and save").click()
    wait_idle(page)
    expect(page.get_by_text(escaped("Screened Shift Planner: High risk."))).to_be_visible()
    expect(page.get_by_text("EU AI Act: High risk").first).to_be_visible()
    # Colorado SB 26-189: covered, with each duty's date.
    expect(page.get_by_text("Colorado: covered")).to_be_visible()
    expect(page.get_by_text("Colorado obligations for your roles")).to_be_visible()
    expect(page.get_by_text("never took effect").first).to_be_visible()
    # The EU high-risk duties carry the amended date and the act that set it.
    page.get_by_role("tab", name="Obligations").click()
    wait_idle(page)
    page.get_by_label("Obligation", exact=True).click()
    page.get_by_role("option", name="Deployer duties for high-risk systems (Art. 26)").click()
    wait_idle(page)
    expect(
        page.get_by_text(
            "Applies from 2027-12-02 (date set by the Digital Omnibus on AI (2026), in force; "
            "it was 2026-08-02)"
        )
    ).to_be_visible()
    assert_no_exception(page)

    # The inventory grid is drawn on a canvas: reach the class through its filter, then open
    # the system and see the badge.
    page.goto(f"{app.url}/inventory")
    wait_idle(page)
    page.get_by_label("EU AI Act class", exact=True).click()
    page.get_by_role("option", name="Limited risk", exact=True).click()
    page.keyboard.press("Escape")
    wait_idle(page)
    expect(page.get_by_text("No system matches these filters")).to_be_visible()
    page.get_by_label("EU AI Act class", exact=True).click()
    page.get_by_role("option", name="High risk", exact=True).click()
    page.keyboard.press("Escape")
    wait_idle(page)
    expect(page.get_by_text("1 AI systems")).to_be_visible()
    page.get_by_label("Open a system", exact=True).click()
    page.get_by_role("option", name="Shift Planner", exact=True).click()
    expect(page.get_by_role("heading", name="Shift Planner")).to_be_visible(timeout=15_000)
    wait_idle(page)
    expect(page.get_by_text("EU AI Act: High risk")).to_be_visible()
    assert_no_exception(page)

    page.goto(f"{app.url}/regulatory")
    wait_idle(page)
    expect(page.get_by_text("High risk: 1")).to_be_visible()
    assert_no_exception(page)
    page.close()
