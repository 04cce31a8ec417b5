"""The SoA in a real browser: edit a control, then download the XLSX and read it back."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from assessments.risks import TreatmentInput
from assessments.soa import SoAEntryInput
from assessments.store import inventory as inventory_store
from assessments.store import risks as risks_store
from assessments.store import soa as soa_store
from assessments.store.db import Database
from tests.browser.helpers import assert_no_exception, set_actor, wait_idle
from tests.factories import system_input
from tests.risk_factories import risk_input

pytestmark = pytest.mark.browser


def escaped(text: str) -> re.Pattern[str]:
    """Text as the page shows it: Markdown escaping puts an invisible word joiner after each
    colon of text rendered with `plain`."""
    return re.compile(re.escape(text).replace(":", ":\u2060?"))


def treated_and_excluded(database: Database) -> None:
    """Risk 1 is treated with A.6.2.4 and A.8.2; A.10.4 is excluded."""
    system = inventory_store.create_system(database, "Ada", system_input())
    risk = risks_store.create_risk(database, "Ada", risk_input(system.id))
    risks_store.set_treatment(
        database,
        "Ada",
        risk.id,
        TreatmentInput(option="change_likelihood", controls=["A.6.2.4", "A.8.2"]),
    )
    soa_store.save_entry(
        database,
        "Ada",
        SoAEntryInput(
            control_id="A.10.4",
            applicable=False,
            exclusion_reason="We supply no AI to customer organisations.",
            status="not_applicable",
        ),
    )


def open_options(page: Page, label: str) -> None:
    """Open a select box's list; a click that lands while the widget is still settling
    after a rerun is lost, so click again until the options show."""
    options = page.get_by_role("option").first
    for _ in range(3):
        page.get_by_label(label, exact=True).click()
        try:
            expect(options).to_be_visible(timeout=3_000)
            return
        except AssertionError:
            continue
    expect(options).to_be_visible()


def choose(page: Page, label: str, option: str, *, closes: bool = True) -> None:
    """Pick an option of a select box (it closes by itself) or a multiselect (closed with
    Escape)."""
    open_options(page, label)
    page.get_by_role("option", name=option, exact=True).click()
    if not closes:
        page.keyboard.press("Escape")


def test_edit_a_control_then_download_the_xlsx(browser, live_app_factory) -> None:
    app = live_app_factory(treated_and_excluded)
    context = browser.new_context(viewport={"width": 1400, "height": 1400}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{app.url}/soa?control=A.6.2.4")
    wait_idle(page)
    set_actor(page, "Browser Auditor")
    # The rerun that takes the name has finished once the form stops asking for it.
    expect(page.get_by_text("Enter your name in the sidebar (top left)")).to_have_count(0)
    wait_idle(page)
    expect(
        page.get_by_role("heading", name="A.6.2.4 AI system verification and validation")
    ).to_be_visible()
    expect(
        page.get_by_text(escaped("R-1: Unequal error rates for older applicants"))
    ).to_be_visible()

    page.get_by_text("Yes, applicable", exact=True).click()
    choose(page, "Implementation status *", "Partially implemented")
    page.get_by_role("textbox", name="Owner", exact=True).fill("Grace Hopper")
    choose(page, "Reasons for inclusion", "Treats an assessed risk", closes=False)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved A.6.2.4.")).to_be_visible(timeout=30_000)
    wait_idle(page)
    assert_no_exception(page)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Excel (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename == "statement-of-applicability.xlsx"
    workbook = load_workbook(BytesIO(download.path().read_bytes()))
    sheet = workbook["Statement of Applicability"]
    header = [cell.value for cell in sheet[1]]
    rows = {
        row[0]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(2, values_only=True)
    }
    assert len(rows) == 38
    edited = rows["A.6.2.4"]
    assert (edited["Applicable"], edited["Implementation status"], edited["Owner"]) == (
        "Yes",
        "Partially implemented",
        "Grace Hopper",
    )
    assert edited["Reasons for inclusion"] == "Treats an assessed risk"
    assert (edited["Risks"], edited["Risk references"]) == (1, "R-1")
    assert edited["Changed by"] == "Browser Auditor"
    # Nobody set a review date: saving does not invent one.
    assert edited["Last reviewed"] is None
    assert (rows["A.10.4"]["Applicable"], rows["A.10.4"]["Implementation status"]) == (
        "No",
        "Not applicable",
    )
    assert rows["A.8.2"]["Implementation status"] == "Not assessed"
    assert (rows["A.8.2"]["Risks"], rows["A.8.2"]["Risk references"]) == (1, "R-1")
    context.close()
