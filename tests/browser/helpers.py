"""Small Playwright helpers for Streamlit pages."""

from __future__ import annotations

from playwright.sync_api import Page, expect

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def wait_idle(page: Page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=timeout)


def assert_no_exception(page: Page) -> None:
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def set_actor(page: Page, name: str) -> None:
    """Type the user's name in the sidebar (the actor of every write)."""
    box = page.get_by_role("textbox", name="Your name", exact=True)
    box.fill(name)
    box.press("Enter")
    wait_idle(page)


def wait_drawn(page: Page, timeout: float = 30_000) -> None:
    """Wait until the current script run is over and every element is drawn: Streamlit shows a
    skeleton (stSkeleton) while the code of an element such as a data frame is still loading."""
    wait_idle(page, timeout=timeout)
    expect(page.locator("[data-testid='stSkeleton']")).to_have_count(0, timeout=timeout)
