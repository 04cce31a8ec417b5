"""Identify a risk from the library and rate it through the UI in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from assessments.store import inventory as inventory_store
from assessments.store.db import Database
from tests.browser.helpers import assert_no_exception, set_actor, wait_idle
from tests.factories import system_input

pytestmark = pytest.mark.browser


def one_system(database: Database) -> None:
    inventory_store.create_system(database, "Ada", system_input())


def test_identify_from_the_library_then_rate_the_inherent_risk(browser, live_app_factory) -> None:
    app = live_app_factory(one_system)
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    page.goto(f"{app.url}/risk_new?system=1")
    wait_idle(page)
    set_actor(page, "Browser Rater")

    page.get_by_text("Proxy variables bring back protected characteristics").click()
    wait_idle(page)
    page.get_by_role("button", name="Add this risk").first.click()
    wait_idle(page)
    title = page.get_by_role("textbox", name="Title *", exact=True)
    expect(title).to_have_value("Proxy variables bring back protected characteristics")
    page.get_by_role("button", name="Save the risk").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Proxy variables bring back")).to_be_visible()
    expect(page.get_by_text("Added the risk")).to_be_visible()

    page.get_by_text("4 · Likely", exact=True).click()
    wait_idle(page)
    page.get_by_text("4 · Major", exact=True).click()
    wait_idle(page)
    level = page.get_by_text("likelihood 4 × severity 4")
    expect(level).to_be_visible()
    expect(level).to_contain_text("High")

    page.get_by_role("button", name="Save the inherent rating").click()
    wait_idle(page)
    expect(page.get_by_text("Give the reason for this rating")).to_be_visible()
    expect(page.get_by_text("No rating yet.")).to_be_visible()

    page.get_by_role("textbox", name="Rationale *", exact=True).fill(
        "Career gaps correlate with sex in our applicant data."
    )
    page.get_by_role("button", name="Save the inherent rating").click()
    wait_idle(page)
    expect(page.get_by_text("Saved the inherent rating")).to_be_visible()
    history = page.get_by_test_id("stDataFrame").last
    expect(history).to_contain_text("Browser Rater")
    expect(history).to_contain_text("Inherent")
    assert_no_exception(page)
    context.close()
