"""Workshops with sign-in: the facilitator role, not the key, opens the console; a signed-in
person without the role is refused whatever key they hold; local mode still asks for the key.
(Participants join by code without an account either way: tests/pages/test_workshop_pages.py.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from assessments.identity import (
    LOCAL_NEWCOMER_ROLES,
    Actor,
    Permission,
    PermissionDenied,
    local_actor,
    signed_in_actor,
)
from assessments.store import inventory, people, workshop_sessions, workshop_votes
from assessments.store import risks as risk_store
from assessments.store.db import Database
from assessments.workshops import WorkshopAccessError, WorkshopInput
from tests.factories import system_input
from tests.risk_factories import risk_input
from tests.support.apptest import no_exceptions
from tests.support.database import with_database
from tests.support.sign_in_apptest import AUTH, app_in_mode
from ui.common import WORKSHOP_KEY, WORKSHOP_NEW_KEY

WORKSHOPS = "pages/workshops.py"
CONSOLE = "pages/workshop_console.py"
# Roles a provider asserts in the `roles` claim count as well as the stored ones.
ROLE_SETTINGS = {"role_claims": ["roles"]}
FAY = {
    "is_logged_in": True,
    "sub": "u-1",
    "iss": "https://idp.example",
    "email": "fay@example.org",
    "name": "Fay Facilitator",
}
GUS = {
    "is_logged_in": True,
    "sub": "u-2",
    "iss": "https://idp.example",
    "email": "gus@example.org",
    "name": "Gus Viewer",
}
FINN = {
    "is_logged_in": True,
    "sub": "u-3",
    "iss": "https://idp.example",
    "email": "finn@example.org",
    "name": "Finn Standin",
    "roles": ["facilitator"],
}
KEY_WARNING = "This console is for the facilitator"


def person(db_path: Path, claims: dict[str, Any]) -> Actor:
    """The signed-in person as the app sees them: recorded on first sign-in, with their stored
    roles (the first person of a database gets every role, later ones Viewer)."""
    actor = signed_in_actor(claims)
    roles = with_database(db_path, lambda database: people.sign_in(database, actor))
    return actor.with_roles(roles)


def prepare(db_path: Path) -> dict[str, Any]:
    """An AI system with two risks, and a workshop set up from the command line (its key known
    to the test only)."""

    def work(database: Database) -> dict[str, Any]:
        system = inventory.create_system(database, "Ada", system_input())
        risk_ids = [
            risk_store.create_risk(database, "Ada", risk_input(system.id, title=title)).id
            for title in ("Unequal error rates", "Opaque refusals")
        ]
        created = workshop_sessions.create_workshop(
            database,
            "Ada",
            WorkshopInput(
                title="Lending review",
                facilitator="Ada",
                system_ids=[system.id],
                risk_ids=risk_ids,
            ),
        )
        return {
            "id": created.workshop.id,
            "key": created.facilitator_key,
            "risk_ids": risk_ids,
            "system_id": system.id,
        }

    return with_database(db_path, work)


@pytest.fixture
def signed_in_app(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., AppTest]]:
    """An AppTest of app.py with sign-in configured and `user` signed in, opened on `page` as a
    link to it would open it (a page the person's menu lacks falls back to Home)."""
    import streamlit as st

    st.cache_resource.clear()

    def make(user: dict[str, Any], page: str | None = None, **query: str) -> AppTest:
        secrets = {"auth": AUTH, "aims": ROLE_SETTINGS}
        return app_in_mode(monkeypatch, "oidc", secrets, user, page, **query)

    yield make
    st.cache_resource.clear()


def warnings(at: AppTest) -> str:
    return "\n".join(str(item.value) for item in at.warning)


def console_links(at: AppTest) -> list[Any]:
    return [link for link in at.get("page_link") if link.proto.page == Path(CONSOLE).stem]


def button(at: AppTest, starts_with: str) -> Any:
    return next(item for item in at.button if item.label.startswith(starts_with))


def current_item(db_path: Path, workshop_id: int) -> int | None:
    return with_database(
        db_path,
        lambda database: workshop_sessions.workshop_state(database, workshop_id).current_risk_id,
    )


# --- a signed-in facilitator ---------------------------------------------------------------------


def test_a_signed_in_facilitator_creates_a_workshop_and_runs_it_without_a_key(
    signed_in_app, db_path
) -> None:
    setup = prepare(db_path)
    at = signed_in_app(FAY, WORKSHOPS)
    no_exceptions(at)
    assert len(console_links(at)) == 1
    # The facilitator is the signed-in person, not a typed field.
    assert not [field for field in at.text_input if field.label == "Facilitator *"]
    assert any("Fay Facilitator" in str(item.value) for item in at.markdown)
    at.text_input(key="ws_new_title").set_value("Signed-in review")
    at.multiselect(key="ws_new_systems").set_value([setup["system_id"]]).run()
    at.multiselect(key="ws_new_risks").set_value([setup["risk_ids"][1]])
    button(at, "Create the workshop").click().run()
    no_exceptions(at)

    listed = with_database(db_path, workshop_sessions.list_workshops)
    row = listed[listed["title"] == "Signed-in review"].iloc[0]
    workshop_id = int(row["id"])
    assert row["facilitator"] == "Fay Facilitator"
    # The console opened at once: no key to keep, no key asked for, none held by the session.
    assert at.query_params["id"] in (str(workshop_id), [str(workshop_id)])
    assert "Keep the facilitator key" not in warnings(at)
    assert KEY_WARNING not in warnings(at)
    assert not at.code
    assert WORKSHOP_KEY.format(workshop_id) not in at.session_state
    assert WORKSHOP_NEW_KEY.format(workshop_id) not in at.session_state
    created = [str(item.value).replace("\\", "") for item in at.success]
    assert created == ["Workshop 'Signed-in review' created: share its join code in the room."]

    start = button(at, "Start item 1")
    assert not start.disabled
    # (AppTest reruns the page it was switched to last; the browser stays on the console.)
    at.switch_page(CONSOLE).run()
    no_exceptions(at)
    assert KEY_WARNING not in warnings(at)
    button(at, "Start item 1").click().run()
    no_exceptions(at)
    assert current_item(db_path, workshop_id) == setup["risk_ids"][1]
    recorded_by = with_database(
        db_path,
        lambda database: database.query_one(
            "SELECT actor FROM workshop_events WHERE workshop_id = ? ORDER BY id DESC LIMIT 1",
            [workshop_id],
        ),
    )
    assert recorded_by == ("Fay Facilitator <fay@example.org>",)


def test_another_signed_in_facilitator_takes_over_a_console_without_its_key(
    signed_in_app, db_path
) -> None:
    setup = prepare(db_path)
    person(db_path, FAY)  # the first person of the database; Finn is a facilitator by claim
    at = signed_in_app(FINN, CONSOLE, id=str(setup["id"]))
    no_exceptions(at)
    assert KEY_WARNING not in warnings(at)
    assert not [field for field in at.text_input if field.key == "ws_key_typed"]
    button(at, "Start item 1").click().run()
    no_exceptions(at)
    assert current_item(db_path, setup["id"]) == setup["risk_ids"][0]


def test_a_signed_in_facilitator_is_let_in_by_the_store_without_the_key(db_path) -> None:
    setup = prepare(db_path)
    fay = person(db_path, FAY)
    assert fay.verified and with_database(
        db_path,
        lambda database: workshop_sessions.console_access(database, fay, setup["id"], None),
    )
    with_database(
        db_path,
        lambda database: workshop_votes.go_to_item(
            database, fay, setup["id"], "", setup["risk_ids"][1]
        ),
    )
    assert current_item(db_path, setup["id"]) == setup["risk_ids"][1]


# --- a signed-in person without the role -------------------------------------------------------


def test_a_signed_in_person_without_the_role_is_refused_even_with_the_key(db_path) -> None:
    setup = prepare(db_path)
    person(db_path, FAY)
    gus = person(db_path, GUS)
    assert not gus.may(Permission.FACILITATE)

    def try_with(key: str) -> None:
        with_database(
            db_path,
            lambda database: workshop_votes.go_to_item(
                database, gus, setup["id"], key, setup["risk_ids"][0]
            ),
        )

    for key in ("", setup["key"]):
        with pytest.raises(PermissionDenied, match="Gus Viewer may not create or run workshops"):
            try_with(key)
        assert not with_database(
            db_path,
            lambda database, key=key: workshop_sessions.console_access(
                database, gus, setup["id"], key
            ),
        )
    with pytest.raises(PermissionDenied):
        with_database(
            db_path,
            lambda database: workshop_sessions.as_facilitator(
                database, gus, setup["id"], setup["key"], lambda transaction, workshop: None
            ),
        )
    assert current_item(db_path, setup["id"]) is None


def test_a_signed_in_person_without_the_role_does_not_get_the_console(
    signed_in_app, db_path
) -> None:
    setup = prepare(db_path)
    person(db_path, FAY)
    at = signed_in_app(GUS, WORKSHOPS)
    no_exceptions(at)
    # Gus reads the workshops and their minutes, with no way into a console.
    assert any("Lending review" in str(item.value) for item in at.markdown)
    assert not console_links(at)
    create = button(at, "Create the workshop")
    assert create.disabled
    assert any("Gus Viewer may not create or run workshops" in str(i.value) for i in at.info)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(CONSOLE)
    # The console's address opens Home instead: no console, no key form.
    linked = signed_in_app(GUS, CONSOLE, id=str(setup["id"]))
    assert [str(item.value) for item in linked.title] == ["AI risk & impact workbench"]
    assert not [item for item in linked.button if item.label.startswith("Start item")]
    assert not [field for field in linked.text_input if field.key == "ws_key_typed"]


# --- local mode ----------------------------------------------------------------------------------


def test_local_mode_still_asks_for_the_key(app_test, db_path) -> None:
    setup = prepare(db_path)
    at = app_test(CONSOLE, actor="Test User", id=str(setup["id"]))
    no_exceptions(at)
    assert KEY_WARNING in warnings(at)
    assert not [item for item in at.button if item.label.startswith("Start item")]
    at.text_input(key="ws_key_typed").set_value(setup["key"])
    at.button(key="FormSubmitter:ws_key_form-Open the console").click().run()
    no_exceptions(at)
    assert KEY_WARNING not in warnings(at)
    assert not button(at, "Start item 1").disabled


@pytest.mark.parametrize(
    "actor",
    [local_actor("Test User", LOCAL_NEWCOMER_ROLES), "Test User"],
    ids=["typed name", "command line"],
)
def test_a_typed_name_or_a_process_still_needs_the_key(db_path, actor: Actor | str) -> None:
    setup = prepare(db_path)

    def go(key: str) -> None:
        with_database(
            db_path,
            lambda database: workshop_votes.go_to_item(
                database, actor, setup["id"], key, setup["risk_ids"][0]
            ),
        )

    with pytest.raises(WorkshopAccessError):
        go("not the key")
    assert not with_database(
        db_path,
        lambda database: workshop_sessions.console_access(database, actor, setup["id"], ""),
    )
    go(setup["key"])
    assert current_item(db_path, setup["id"]) == setup["risk_ids"][0]
