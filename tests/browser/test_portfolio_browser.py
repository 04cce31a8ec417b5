"""The portfolio in a real browser: the management summary downloads as a PDF; click a heatmap
cell, see exactly that cell's risks; the trends page draws on the same data."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from assessments.store.db import Database
from tests.browser.helpers import assert_no_exception, wait_idle
from tests.leadership_fixtures import build_portfolio

pytestmark = pytest.mark.browser


def click_cell(page: Page, chart_title: str, likelihood: int, severity: int) -> None:
    """Click the cell of a 5 x 5 matrix: the clickable layer has one point per cell, in
    likelihood-major order."""
    chart = page.locator("[data-testid='stPlotlyChart']").filter(has_text=chart_title).first
    chart.scroll_into_view_if_needed()
    point = chart.locator(".scatterlayer .point").nth((likelihood - 1) * 5 + (severity - 1))
    box = point.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    wait_idle(page)


def expect_listed_titles(page: Page, titles: list[str]) -> None:
    """The drill-down (the first risk table) lists exactly these risk titles, read from the
    grid's accessible table (the cells themselves are drawn on a canvas); waits for the table
    to show the new cell."""
    grid = page.locator("[data-testid='stDataFrame']").first.locator("table[role='grid']")
    grid.locator("th").first.wait_for(state="attached")
    headers = [text.strip() for text in grid.locator("th").all_text_contents()]
    column = headers.index("Risk title") + 1
    expect(grid.locator(f"td[aria-colindex='{column}']")).to_have_text(titles)


def test_clicking_a_heatmap_cell_lists_exactly_its_risks(browser, live_app_factory) -> None:
    built: dict[str, object] = {}

    def prepare(database: Database) -> None:
        built["portfolio"] = build_portfolio(database)

    app = live_app_factory(prepare)
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(f"{app.url}/portfolio")
    wait_idle(page)
    assert_no_exception(page)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Management summary (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"portfolio-{date.today().isoformat()}.pdf"
    text = subprocess.run(
        ["pdftotext", str(download.path()), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Account data exposed through the model" in text  # the one risk above appetite

    click_cell(page, "Residual:", 4, 4)
    expect(page.get_by_text("Residual · High: likelihood 4 (Likely)")).to_be_visible()
    expect(page.get_by_text("1 risk in this cell")).to_be_visible()
    expect_listed_titles(page, ["Account data exposed through the model"])

    page.get_by_role("radio", name="Inherent", exact=True).click()
    wait_idle(page)
    click_cell(page, "Inherent:", 2, 3)
    expect(page.get_by_text("Inherent · Medium: likelihood 2 (Unlikely)")).to_be_visible()
    expect_listed_titles(page, ["Unsafe advice in an edge case"])
    assert_no_exception(page)

    page.goto(f"{app.url}/trends?risk={built['portfolio'].r1}")
    wait_idle(page)
    assert_no_exception(page)
    expect(page.get_by_text("Older applicants scored lower").first).to_be_visible()
    page.close()


def test_as_of_accepts_a_day_before_any_data(browser, live_app_factory) -> None:
    """The date picker takes any past day (it used to turn red below the first rating and keep
    today); a day before anything was recorded shows an empty state that says so."""
    app = live_app_factory(lambda database: build_portfolio(database))
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(f"{app.url}/portfolio")
    wait_idle(page)
    field = page.get_by_role("group", name="As of")
    field.locator("[role='spinbutton']").first.click()
    page.keyboard.type("20150630", delay=40)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")  # close the calendar the field opened
    wait_idle(page)
    expect(page.get_by_text("was known by 30 June 2015")).to_be_visible()
    expect(page.get_by_text("As of 30 June 2015")).to_be_visible()
    assert_no_exception(page)
    page.close()
