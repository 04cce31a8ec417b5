"""An impact assessment in a real browser: answer the last questions (saved as given, kept over a
reload), submit, have a second person approve, download the PDF and read its text back."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessments.store import impact as store
from assessments.store.db import Database
from assessments.store.inventory import create_system
from tests.browser.helpers import assert_no_exception, set_actor, wait_idle
from tests.factories import system_input
from tests.impact_data import complete_answers

pytestmark = pytest.mark.browser


def escaped(text: str) -> re.Pattern[str]:
    """Text as the page shows it: Markdown escaping puts an invisible word joiner after each
    colon of text rendered with `plain`."""
    return re.compile(re.escape(text).replace(":", ":\u2060?"))


OWNER_QUESTION = (
    "Who is accountable for this system and for carrying out these measures? "
    "Give a name and a role. *"
)
CONTEST_CHOICE = "Yes, through a published process with a time limit"
# The inventory record also fills in the organisation's role, which the answer set leaves out.
ANSWERED = len(complete_answers()) + 1


def seed(database: Database) -> None:
    """Everything answered through the store except two questions of the last section."""
    system = create_system(database, "Setup", system_input(name="Ticket Router"))
    response = store.start_assessment(database, "Browser Author", system.id)
    answers = complete_answers()
    del answers["measure_owner"], answers["measure_contest"]
    database.write(
        "Browser Author",
        lambda transaction: store.write_answers(transaction, response.id, answers),
    )


def test_complete_submit_approve_and_download_the_pdf(
    browser, live_app_factory, tmp_path: Path
) -> None:
    app = live_app_factory(seed)
    author = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = author.new_page()
    page.goto(f"{app.url}/impact_wizard?id=1&section=scope")
    wait_idle(page)
    set_actor(page, "Browser Author")
    page.get_by_role("button", name="Submit for approval").click()
    wait_idle(page)
    expect(
        page.get_by_text(escaped("Not submitted: 2 required answers are missing."))
    ).to_be_visible()
    # Questionnaire text is escaped for Markdown: an invisible word joiner follows each colon.
    page.get_by_role(
        "link",
        name=re.compile(
            "Measures to prevent and repair harm:\u2060? " + re.escape(OWNER_QUESTION[:-2])
        ),
    ).click()
    wait_idle(page)
    expect(
        page.get_by_role("heading", name="11. Measures to prevent and repair harm")
    ).to_be_visible()
    expect(page.get_by_text("Required: please answer this question.")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"section=measures"))

    page.get_by_text(CONTEST_CHOICE, exact=True).click()
    wait_idle(page)
    page.reload()
    wait_idle(page)
    expect(page.get_by_role("radio", name=CONTEST_CHOICE)).to_be_checked()
    set_actor(page, "Browser Author")

    owner = page.get_by_role("textbox", name=OWNER_QUESTION, exact=True)
    owner.fill("Browser Owner, product lead")
    owner.press("Enter")
    wait_idle(page)
    # Version 2.0 shows two more questions to every system: the rated benefits (66 before).
    expect(page.get_by_text(f"{ANSWERED} of 68 questions answered")).to_be_visible()

    page.get_by_role("button", name="Submit for approval").click()
    wait_idle(page)
    expect(page.get_by_text("Submitted the impact assessment of Ticket Router")).to_be_visible()
    expect(page.get_by_text("Impact level I: Low impact")).to_be_visible()
    # The name given before the switch to the result page is still known there.
    expect(page.get_by_text("Enter your name in the sidebar")).to_have_count(0)
    assert_no_exception(page)
    author.close()

    reviewer = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = reviewer.new_page()
    page.goto(f"{app.url}/impact_result?id=1")
    wait_idle(page)
    set_actor(page, "Nadia Okafor")
    page.get_by_role("textbox", name="Reviewer's comment", exact=True).fill("Signed off.")
    page.get_by_role("button", name="Approve").click()
    wait_idle(page)
    expect(page.get_by_text(escaped("Approved: the assessment is signed off."))).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("button", name="Report (PDF)").click()
    target = tmp_path / "report.pdf"
    download.value.save_as(target)
    assert download.value.suggested_filename == "impact-assessment-1-v1.pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    for expected in (
        "Ticket Router",
        "Impact level I: Low impact",
        "Browser Owner, product lead",
        CONTEST_CHOICE,
        "Prepared and submitted by Browser Author",
        "Approved by Nadia Okafor",
        "Signed off.",
    ):
        assert expected in flat, expected
    assert_no_exception(page)
    reviewer.close()
