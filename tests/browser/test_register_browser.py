"""The risk register in a real browser: clicking a heatmap cell lists the risks in that cell
(a plain heatmap emits no click; only the overlaid square markers make this work)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from assessments.store import inventory as inventory_store
from assessments.store import risks as store
from assessments.store.db import Database
from tests.browser.helpers import assert_no_exception, wait_idle
from tests.factories import system_input
from tests.risk_factories import rating_input, risk_input

pytestmark = pytest.mark.browser

LISTED = "Wrong credit limits for young applicants"
ELSEWHERE = "Slow answers at month end"


def prepare(database: Database) -> None:
    system = inventory_store.create_system(database, "Ada", system_input()).id
    listed = store.create_risk(
        database, "Ada", risk_input(system, title=LISTED, harm_category="robustness")
    ).id
    store.record_rating(database, "Ben", rating_input(listed, "inherent", likelihood=4, severity=4))
    store.record_rating(database, "Ben", rating_input(listed, "residual", likelihood=2, severity=3))
    other = store.create_risk(
        database, "Ada", risk_input(system, title=ELSEWHERE, harm_category="robustness")
    ).id
    store.record_rating(database, "Ben", rating_input(other, "inherent", likelihood=1, severity=1))
    store.record_rating(database, "Ben", rating_input(other, "residual", likelihood=1, severity=1))


def click_cell(page: Page, chart: int, likelihood: int, severity: int) -> None:
    """Click the centre of a matrix cell, located through the chart's own axes."""
    plot = page.locator(".js-plotly-plot").nth(chart)
    plot.wait_for(timeout=60_000)
    x, y = plot.evaluate(
        "(element, cell) => { const layout = element._fullLayout;"
        " return [layout.xaxis.l2p(cell[1]) + layout._size.l,"
        " layout.yaxis.l2p(cell[0]) + layout._size.t]; }",
        [likelihood, severity],
    )
    box = plot.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + x, box["y"] + y)
    wait_idle(page)


def test_clicking_a_residual_cell_lists_its_risk(browser, live_app_factory) -> None:
    app = live_app_factory(prepare)
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    page.goto(f"{app.url}/register?system=1")
    wait_idle(page)
    assert_no_exception(page)
    # Plotly's script loads on first use: give a busy machine time to draw both charts.
    expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=60_000)
    expect(page.get_by_text("Residual (controls in place): 2 rated")).to_be_visible(timeout=30_000)

    click_cell(page, 1, 2, 3)  # the residual heatmap, likelihood 2 x severity 3
    heading = page.get_by_role(
        "heading", name="Residual Medium: likelihood 2 (Unlikely) × severity 3 (Moderate)"
    )
    expect(heading).to_be_visible(timeout=15_000)
    assert_no_exception(page)
    cell_table = page.locator("[data-testid='stDataFrame']").first
    expect(
        cell_table.get_by_role("gridcell", name=LISTED, exact=True, include_hidden=True)
    ).to_have_count(1)
    expect(
        cell_table.get_by_role("gridcell", name=ELSEWHERE, exact=True, include_hidden=True)
    ).to_have_count(0)
    expect(page.get_by_text("1 risk in this cell")).to_be_visible()

    click_cell(page, 1, 1, 1)  # another cell replaces the list
    expect(
        page.get_by_role(
            "heading", name="Residual Low: likelihood 1 (Rare) × severity 1 (Negligible)"
        )
    ).to_be_visible(timeout=15_000)
    cell_table = page.locator("[data-testid='stDataFrame']").first
    expect(
        cell_table.get_by_role("gridcell", name=ELSEWHERE, exact=True, include_hidden=True)
    ).to_have_count(1)
    context.close()


def test_a_findings_risk_reference_opens_the_risk(browser, live_app_factory) -> None:
    """The consistency findings name each risk by a link ('R-1'): it opens the risk's page."""
    app = live_app_factory(prepare)
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    page.goto(f"{app.url}/register?system=1")
    wait_idle(page, timeout=90_000)
    assert_no_exception(page)
    expect(page.get_by_role("heading", name="Consistency findings (1)")).to_be_visible(
        timeout=30_000
    )
    findings = page.locator("[data-testid='stDataFrame']").last
    findings.scroll_into_view_if_needed()
    expect(
        findings.get_by_role("gridcell", name=LISTED, exact=True, include_hidden=True)
    ).to_have_count(1)
    box = findings.bounding_box()
    assert box is not None
    # The first data row's "Risk" cell, under the header row: its link text "R-1".
    x, y = box["x"] + 18, box["y"] + 54
    page.mouse.move(x, y)
    with context.expect_page(timeout=30_000) as opened:
        page.mouse.click(x, y)
    risk_page = opened.value
    assert risk_page.url.endswith("/risk?id=1#R-1")
    expect(risk_page.get_by_role("heading", name=LISTED)).to_be_visible(timeout=60_000)
    context.close()
