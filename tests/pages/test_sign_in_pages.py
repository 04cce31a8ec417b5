"""Sign-in through AppTest: which mode the app runs in, what a visitor who has not signed in can
reach, what the sidebar says about the signed-in person, the pages and forms each person's roles
open, the local-mode banner, and the People and roles page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from assessments.identity import ALL_ROLES, Role, signed_in_actor
from assessments.store import inventory, people
from assessments.store.audit import list_events
from tests.factories import system_input
from tests.support.apptest import no_exceptions
from tests.support.database import with_database
from tests.support.sign_in_apptest import AUTH, app_in_mode
from ui.common import PEOPLE, RISK_NEW, SYSTEM_EDIT, WORKSHOP_JOIN
from ui.identity import ACTOR_KEY, LOCAL_BANNER
from ui.navigation import MENU, MenuEntry

# A section that is not [auth], so the run reads these secrets, not a secrets.toml on the machine.
NO_AUTH = {"aims": {"role_claims": []}}
ALICE = {
    "is_logged_in": True,
    "sub": "alice-1",
    "iss": "https://id.example.org",
    "email": "alice@example.org",
    "name": "Alice Example",
}
BOB = {
    "is_logged_in": True,
    "sub": "bob-2",
    "iss": "https://id.example.org",
    "email": "bob@example.org",
    "name": "Bob Example",
}
EVERY_ROLE_CAPTION = "Roles: Admin, Approver, Auditor, Contributor, Facilitator, Viewer"
BANNER_START = "Local mode: names are typed, not verified"
EVERY_PAGE: list[MenuEntry] = [entry for entries in MENU.values() for entry in entries]
OPEN_TO_EVERYONE = [entry for entry in EVERY_PAGE if entry.needs is None and not entry.hidden]


def signed_in_before(db_path: Path, user: dict[str, Any]) -> str:
    """Record `user` as the app does on their first sign-in; returns their subject."""
    actor = signed_in_actor(user)
    with_database(db_path, lambda database: people.sign_in(database, actor))
    return actor.subject


@pytest.fixture
def make_app(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., AppTest]]:
    """An AppTest of app.py in the mode `auth` chooses (None: AIMS_AUTH unset), with these
    secrets and this user, opened on `page` as a link would open it."""
    import streamlit as st

    st.cache_resource.clear()

    def make(
        auth: str | None,
        secrets: dict[str, Any],
        user: dict[str, Any] | None = None,
        page: str | None = None,
        typed_name: str | None = None,
        **query: str,
    ) -> AppTest:
        return app_in_mode(monkeypatch, auth, secrets, user, page, typed_name, **query)

    yield make
    st.cache_resource.clear()


def reachable(at: AppTest, page: str) -> bool:
    """Whether `page` is in this run's navigation (AppTest refuses to switch to any other)."""
    try:
        at.switch_page(page)
    except ValueError:
        return False
    return True


def sidebar_texts(at: AppTest) -> list[str]:
    return [item.value for item in [*at.sidebar.markdown, *at.sidebar.caption]]


def banner_shown(at: AppTest) -> bool:
    return any(str(warning.value).startswith(BANNER_START) for warning in at.warning)


# --- the mode ------------------------------------------------------------------------------------


@pytest.mark.parametrize("auth", [None, "oidc"])
def test_without_sign_in_or_local_mode_only_the_setup_page_shows(make_app, auth) -> None:
    at = make_app(auth, NO_AUTH)
    no_exceptions(at)
    assert [title.value for title in at.title] == ["Set up sign-in"]
    assert "AIMS_AUTH=local" in " ".join(str(item.value) for item in at.markdown)
    assert not [entry.path for entry in EVERY_PAGE if reachable(at, entry.path)]


def test_an_explicit_local_mode_wins_over_a_configured_sign_in(make_app) -> None:
    at = make_app("local", {"auth": AUTH}, user=ALICE)
    no_exceptions(at)
    assert banner_shown(at)
    assert [title.value for title in at.title] != ["Sign in"]
    assert at.sidebar.text_input(key=ACTOR_KEY).label == "Your name"
    assert not any("Signed in as" in text for text in sidebar_texts(at))


# --- before signing in ---------------------------------------------------------------------------


@pytest.mark.parametrize("auth", [None, "oidc"])
def test_a_visitor_who_has_not_signed_in_sees_only_sign_in_and_join(make_app, auth) -> None:
    at = make_app(auth, {"auth": AUTH})
    no_exceptions(at)
    assert [title.value for title in at.title] == ["Sign in"]
    assert [button.label for button in at.button] == ["Sign in"]
    assert not banner_shown(at)
    assert not sidebar_texts(at)
    opened = [entry.path for entry in EVERY_PAGE if reachable(at, entry.path)]
    assert opened == [WORKSHOP_JOIN], "only joining a workshop needs no account"
    at.switch_page(WORKSHOP_JOIN).run()
    no_exceptions(at)
    assert at.title[0].value != "Sign in"


def test_each_named_provider_has_its_own_button(make_app) -> None:
    named = {
        "redirect_uri": AUTH["redirect_uri"],
        "cookie_secret": AUTH["cookie_secret"],
        "microsoft": {k: v for k, v in AUTH.items() if k.startswith(("client", "server"))},
        "okta": {k: v for k, v in AUTH.items() if k.startswith(("client", "server"))},
    }
    at = make_app(None, {"auth": named})
    no_exceptions(at)
    assert [button.label for button in at.button] == ["Sign in with Microsoft", "Sign in with Okta"]


# --- signed in -----------------------------------------------------------------------------------


def test_the_first_person_to_sign_in_gets_every_role(make_app, db_path: Path) -> None:
    at = make_app("oidc", {"auth": AUTH}, user=ALICE)
    no_exceptions(at)
    assert at.sidebar.markdown[0].value == "Signed in as **Alice Example**"
    captions = [caption.value for caption in at.sidebar.caption]
    assert captions == ["alice@example\\.org", EVERY_ROLE_CAPTION]
    assert [button.label for button in at.sidebar.button] == ["Sign out"]
    assert not banner_shown(at)
    assert reachable(at, PEOPLE)
    at.run()
    no_exceptions(at)
    assert at.title[0].value == "People and roles"
    subject = signed_in_actor(ALICE).subject
    assert with_database(db_path, lambda database: people.stored_roles(database, subject)) == (
        ALL_ROLES
    )
    events = with_database(db_path, lambda database: list_events(database, entity="person"))
    assert events["actor"].tolist() == ["Alice Example <alice@example.org>"]


def test_a_later_person_is_a_viewer_without_the_admin_and_contributor_pages(
    make_app, db_path: Path
) -> None:
    signed_in_before(db_path, ALICE)
    at = make_app(None, {"auth": AUTH}, user=BOB)
    assert at.sidebar.markdown[0].value == "Signed in as **Bob Example**"
    assert "Roles: Viewer" in sidebar_texts(at)
    assert not reachable(at, PEOPLE)
    assert not reachable(at, SYSTEM_EDIT)
    assert not reachable(at, RISK_NEW)


def test_a_viewer_is_refused_the_forms_of_other_roles(make_app, db_path: Path) -> None:
    signed_in_before(db_path, ALICE)
    at = make_app(None, {"auth": AUTH}, user=BOB)
    demo = next(button for button in at.button if button.label == "Load the demo portfolio")
    assert demo.disabled
    refusals = [str(info.value) for info in at.info]
    assert any("Bob Example may not load the demo portfolio" in text for text in refusals)
    assert not with_database(db_path, inventory.all_systems)


@pytest.mark.parametrize("with_a_system", [False, True], ids=["empty", "one-system"])
@pytest.mark.parametrize("entry", OPEN_TO_EVERYONE, ids=lambda entry: entry.title)
def test_a_viewer_opens_every_page_of_their_navigation(
    make_app, db_path: Path, entry: MenuEntry, with_a_system: bool
) -> None:
    """Links to pages a viewer's menu lacks (Add AI system, Identify risks) must not break the
    pages that hold them: Streamlit refuses a link to a page outside the navigation."""
    signed_in_before(db_path, ALICE)
    if with_a_system:
        with_database(
            db_path, lambda database: inventory.create_system(database, "Setup", system_input())
        )
    at = make_app(None, {"auth": AUTH}, user=BOB, page=entry.path)
    no_exceptions(at)
    assert at.title[0].value


def test_a_viewer_opens_a_system_and_is_refused_its_changes(make_app, db_path: Path) -> None:
    signed_in_before(db_path, ALICE)
    system = with_database(
        db_path, lambda database: inventory.create_system(database, "Setup", system_input())
    )
    at = make_app(None, {"auth": AUTH}, user=BOB, page="pages/system.py", id=str(system.id))
    no_exceptions(at)
    assert at.title[0].value == "Loan Advisor"
    retire = next(button for button in at.button if button.label == "Retire this system")
    assert retire.disabled
    assert any(
        "Bob Example may not add, edit, import or retire AI systems" in str(info.value)
        for info in at.info
    )


def test_a_roles_claim_lets_a_later_person_add_an_ai_system(make_app, db_path: Path) -> None:
    signed_in_before(db_path, ALICE)
    bob = {**BOB, "roles": ["contributor"]}
    at = make_app(None, {"auth": AUTH, "aims": {"role_claims": ["roles"]}}, user=bob)
    no_exceptions(at)
    assert "Roles: Contributor, Viewer" in sidebar_texts(at)
    assert not reachable(at, PEOPLE)
    assert reachable(at, SYSTEM_EDIT)
    at.run()
    no_exceptions(at)
    at.text_input(key="sysform_new_name").set_value("Triage Helper")
    at.text_area(key="sysform_new_purpose").set_value("Orders the queue of support tickets.")
    at.text_input(key="sysform_new_owner").set_value("Ada Park")
    at.text_input(key="sysform_new_business_unit").set_value("Support")
    at.multiselect(key="sysform_new_roles").set_value(["ai_user"])
    at.multiselect(key="sysform_new_stakeholders").set_value(["customers"])
    at.button(key="FormSubmitter:sysform_new_form-Save").click().run()
    no_exceptions(at)
    saved = with_database(
        db_path, lambda database: inventory.find_system_by_name(database, "Triage Helper")
    )
    assert saved is not None and saved.created_by == "Bob Example <bob@example.org>"


def test_a_role_map_turns_a_group_into_a_role(make_app, db_path: Path) -> None:
    signed_in_before(db_path, ALICE)
    settings = {"role_claims": ["groups"], "role_map": {"aims-approvers": "approver"}}
    bob = {**BOB, "groups": ["aims-approvers", "staff"]}
    at = make_app(None, {"auth": AUTH, "aims": settings}, user=bob)
    assert "Roles: Approver, Viewer" in sidebar_texts(at)
    subject = signed_in_actor(BOB).subject
    stored = with_database(db_path, lambda database: people.stored_roles(database, subject))
    assert stored == {Role.VIEWER}, "roles from a claim are not stored"


# --- local mode ----------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", EVERY_PAGE, ids=lambda entry: entry.title)
def test_local_mode_shows_its_banner_on_every_page(make_app, entry: MenuEntry) -> None:
    # A fresh AppTest a page: AppTest runs the pages/ folder as a legacy multipage app after
    # its first run, so only a first run draws app.py's frame (banner, sidebar, navigation).
    at = make_app("local", NO_AUTH, page=entry.path, typed_name="Test User")
    no_exceptions(at)
    assert [str(warning.value) for warning in at.warning][:1] == [LOCAL_BANNER]
    assert at.sidebar.text_input(key=ACTOR_KEY).value == "Test User"


# --- People and roles ----------------------------------------------------------------------------


def test_an_admin_changes_a_role_and_the_audit_trail_names_them(make_app, db_path: Path) -> None:
    signed_in_before(db_path, ALICE)
    bob_subject = signed_in_before(db_path, BOB)
    at = make_app(None, {"auth": AUTH}, user=ALICE, page=PEOPLE)
    no_exceptions(at)
    assert at.title[0].value == "People and roles"
    at.selectbox(key="people_subject").set_value(bob_subject).run()
    at.multiselect(key=f"people_roles_{bob_subject}").set_value([Role.APPROVER, Role.VIEWER])
    next(button for button in at.button if button.label == "Save roles").click().run()
    no_exceptions(at)
    stored = with_database(db_path, lambda database: people.stored_roles(database, bob_subject))
    assert stored == {Role.APPROVER, Role.VIEWER}
    latest = with_database(
        db_path, lambda database: list_events(database, entity="person", limit=1)
    ).iloc[0]
    assert latest["actor"] == "Alice Example <alice@example.org>"
    assert latest["summary"] == "Roles of Bob Example: Approver, Viewer"
    at.switch_page("pages/audit_log.py").run()
    no_exceptions(at)
    shown = " ".join(frame.value.to_string() for frame in at.dataframe)
    assert "Alice Example <alice@example.org>" in shown
