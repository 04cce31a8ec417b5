"""Sign-in end to end: the app signs people in through a real OpenID Connect provider running on
this machine (oidc-provider-mock), and their roles decide what they see and may do.

Alice has no roles claim and is the first to sign in, so she administers; Bob's provider sends
the roles claim ["approver"]. Each uses a browser context of their own, as two people would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.helpers import assert_no_exception, wait_drawn, wait_idle
from tests.support.live_app import LiveApp, free_port
from tests.support.oidc import (
    OidcProvider,
    Person,
    block_external_requests,
    choose_person_at_provider,
    end_session_at_provider,
    running_provider,
    write_auth_secrets,
)

pytestmark = pytest.mark.browser

ALICE = Person(sub="alice", name="Alice Example", email="alice@example.org")
BOB = Person(sub="bob", name="Bob Example", email="bob@example.org", roles=("approver",))
# The app reads roles from the provider's `roles` claim.
ROLE_SETTINGS = '[aims]\nrole_claims = ["roles"]\n'
HOME_HEADING = "AI risk & impact workbench"
# The first person to sign in on an empty database gets every role.
EVERY_ROLE = "Admin, Approver, Auditor, Contributor, Facilitator, Viewer"


@dataclass(frozen=True)
class SignInApp:
    app: LiveApp
    provider: OidcProvider


@pytest.fixture
def signin_app(tmp_path: Path) -> Iterator[SignInApp]:
    """The app on an empty database, in sign-in mode, with the provider knowing Alice and Bob."""
    with running_provider([ALICE, BOB]) as provider:
        port = free_port()
        secrets = write_auth_secrets(
            tmp_path / "secrets.toml", app_port=port, provider=provider, more_toml=ROLE_SETTINGS
        )
        app = LiveApp(
            tmp_path / "aims.duckdb",
            port=port,
            secrets_file=secrets,
            env={"AIMS_AUTH": "oidc"},
        )
        try:
            yield SignInApp(app, provider)
        finally:
            app.stop()


def new_visitor(browser: Browser) -> tuple[BrowserContext, Page]:
    """A browser of a person's own: its own cookies, and no way out to the internet."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    block_external_requests(context)
    return context, context.new_page()


def sign_in(browser: Browser, signin: SignInApp, person: Person) -> tuple[BrowserContext, Page]:
    """Open the app, press "Sign in", pick `person` on the provider's page, and wait until the
    app greets them in the sidebar."""
    context, page = new_visitor(browser)
    page.goto(signin.app.url)
    wait_idle(page)
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_role("button", name="Sign in", exact=True).click()
    choose_person_at_provider(page, signin.provider, person)
    page.wait_for_url(f"{signin.app.url}/**")
    wait_idle(page)
    expect(sidebar(page).get_by_text(f"Signed in as {person.name}", exact=True)).to_be_visible()
    assert_no_exception(page)
    return context, page


def sidebar(page: Page) -> Locator:
    return page.locator("[data-testid='stSidebar']")


def menu_section(page: Page, section: str) -> Locator:
    """Open a section of the top navigation; the dropdown that lists its pages."""
    page.locator("header").get_by_role("button", name=section, exact=True).click()
    menu = page.locator("[data-testid='stTopNavPopover']")
    expect(menu).to_be_visible()
    return menu


def close_menu(page: Page) -> None:
    page.keyboard.press("Escape")
    expect(page.locator("[data-testid='stTopNavPopover']")).to_have_count(0)


def menu_has(page: Page, section: str, title: str) -> bool:
    menu = menu_section(page, section)
    expect(menu.get_by_role("menuitem").first).to_be_visible()
    present = menu.get_by_role("menuitem", name=title, exact=True).count() == 1
    close_menu(page)
    return present


def audit_rows(page: Page, actor: str, summary: str) -> Locator:
    """The Audit log's rows that name both `actor` (who) and `summary` (what)."""
    table = page.locator("[data-testid='stDataFrame']").first

    def cell(text: str) -> Locator:
        # A `has=` locator is matched inside each row, so it starts from the page, not the table.
        return page.get_by_role("gridcell", name=text, exact=True, include_hidden=True)

    rows = table.get_by_role("row", include_hidden=True)
    return rows.filter(has=cell(actor)).filter(has=cell(summary))


def add_ai_system(page: Page, app: LiveApp, name: str) -> None:
    """Fill in the required fields of "Add AI system" and save."""
    page.goto(f"{app.url}/system_edit")
    wait_idle(page)
    page.get_by_label("Name *", exact=True).fill(name)
    page.get_by_label("Purpose and intended use *", exact=True).fill("Routes supplier invoices.")
    page.get_by_label("Owner *", exact=True).fill("Ada Park")
    page.get_by_label("Business unit *", exact=True).fill("Finance")
    for label, option in [("Our roles *", "AI user"), ("Affected stakeholders *", "Employees")]:
        # Typing opens the list even when a click only focused the box (a first click after
        # another list closed sometimes does no more than that).
        page.get_by_label(label, exact=True).fill(option)
        page.get_by_role("option", name=option, exact=True).click()
        page.keyboard.press("Escape")
    page.get_by_role("button", name="Save").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    assert_no_exception(page)


def test_a_deep_link_before_sign_in_opens_only_the_sign_in_page(browser, signin_app) -> None:
    """The very first visit after a start asks for an admin page by its URL: the app answers
    with the sign-in page, and its navigation holds nothing else but joining a workshop."""
    context, page = new_visitor(browser)
    page.goto(f"{signin_app.app.url}/people")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="People and roles")).to_have_count(0)
    expect(page.get_by_text("Nobody has signed in yet.")).to_have_count(0)
    navigation = page.locator("header").get_by_role("link")
    expect(navigation).to_have_text([re.compile("Sign in$"), re.compile("Join a workshop$")])
    expect(sidebar(page).get_by_text("Signed in as")).to_have_count(0)
    assert_no_exception(page)
    context.close()


def test_signed_in_people_see_their_roles_pages_and_their_name_in_the_audit_log(
    browser, signin_app
) -> None:
    app = signin_app.app

    alice_context, alice = sign_in(browser, signin_app, ALICE)
    expect(sidebar(alice).get_by_text(ALICE.email, exact=True)).to_be_visible()
    expect(sidebar(alice).get_by_text(f"Roles: {EVERY_ROLE}", exact=True)).to_be_visible()
    menu_section(alice, "Assurance").get_by_role(
        "menuitem", name="People and roles", exact=True
    ).click()
    wait_idle(alice)
    expect(alice.get_by_role("heading", name="People and roles", level=1)).to_be_visible()

    bob_context, bob = sign_in(browser, signin_app, BOB)
    expect(sidebar(bob).get_by_text("Roles: Approver, Viewer", exact=True)).to_be_visible()
    assert menu_has(bob, "Assurance", "Audit log")
    assert not menu_has(bob, "Assurance", "People and roles")
    assert not menu_has(bob, "Inventory", "Add AI system")
    bob.goto(f"{app.url}/people")
    wait_idle(bob)
    expect(bob.get_by_role("heading", name=HOME_HEADING, level=1)).to_be_visible()
    expect(bob.get_by_role("heading", name="People and roles")).to_have_count(0)
    expect(bob.get_by_text("Change a person's roles")).to_have_count(0)

    # Alice makes Bob a contributor; his next run reads the stored role.
    alice.reload()
    wait_idle(alice)
    alice.get_by_label("Person", exact=True).click()
    alice.get_by_role("option", name=f"{BOB.name} {BOB.email}", exact=True).click()
    wait_idle(alice)
    alice.get_by_label("Roles", exact=True).click()
    alice.get_by_role("option", name="Contributor", exact=True).click()
    alice.keyboard.press("Escape")
    alice.get_by_role("button", name="Save roles").click()
    wait_idle(alice)
    expect(alice.get_by_text(f"Saved the roles of {BOB.name} {BOB.email}.")).to_be_visible()
    assert_no_exception(alice)

    bob.goto(app.url)
    wait_idle(bob)
    expect(
        sidebar(bob).get_by_text("Roles: Approver, Contributor, Viewer", exact=True)
    ).to_be_visible()
    assert menu_has(bob, "Inventory", "Add AI system")
    add_ai_system(bob, app, "Invoice Router")

    alice.goto(f"{app.url}/audit_log")
    wait_drawn(alice)
    assert_no_exception(alice)
    alice_signed = f"{ALICE.name} <{ALICE.email}>"
    bob_signed = f"{BOB.name} <{BOB.email}>"
    for actor, summary in [
        (alice_signed, f"{ALICE.name} used the workbench for the first time (roles: {EVERY_ROLE})"),
        (bob_signed, f"{BOB.name} used the workbench for the first time (roles: Viewer)"),
        (alice_signed, f"Roles of {BOB.name}: Contributor, Viewer"),
        (bob_signed, "Added Invoice Router"),
    ]:
        expect(audit_rows(alice, actor, summary)).to_have_count(1)

    # Signing out goes through the provider's end-session page and back to "Sign in".
    bob.get_by_role("button", name="Sign out").click()
    end_session_at_provider(bob, signin_app.provider)
    bob.wait_for_url(f"{app.url}/**")
    wait_idle(bob)
    expect(bob.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(sidebar(bob).get_by_text("Signed in as")).to_have_count(0)

    alice_context.close()
    bob_context.close()
