"""The workshop pages through AppTest: planning, the facilitator console and a participant's
device. (The live one-second refresh needs a browser: tests/browser/test_workshop_browser.py.)"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.proto.Block_pb2 import Block as BlockProto

from assessments.criteria import presets
from assessments.store import inventory, workshop_consensus, workshop_sessions, workshop_votes
from assessments.store import risks as risk_store
from assessments.store.criteria import save_criteria
from assessments.store.db import Database
from assessments.text import escape_markdown
from assessments.workshops import (
    AGREEMENT_RULE,
    NOTE_MAX,
    WORD_JOINER,
    ConsensusInput,
    JoinInput,
    VoteInput,
    WorkshopInput,
    markdown_text,
)
from tests.factories import system_input
from tests.risk_factories import risk_input
from tests.support.apptest import no_exceptions

WORKSHOPS = "pages/workshops.py"
CONSOLE = "pages/workshop_console.py"
JOIN = "pages/workshop_join.py"
FACILITATOR = "Helena Brandt"


def texts(at) -> str:
    """Everything a person reads on the page, with the markdown escapes removed."""
    kinds = ("markdown", "caption", "info", "success", "warning", "error")
    parts = [item.value for kind in kinds for item in getattr(at, kind)]
    parts += [item.value for item in at.metric]
    return "\n".join(str(part) for part in parts).replace("\\", "").replace(WORD_JOINER, "")


def prepare(
    db_path: Path,
    *,
    start: bool = False,
    voters: tuple[str, ...] = (),
    anonymise: bool = False,
    title: str = "Lending review",
    risk_titles: tuple[str, str] = ("Unequal error rates", "Opaque refusals"),
    tier: str = "inherent",
) -> dict:
    database = Database(db_path)
    system = inventory.create_system(database, "Ada", system_input())
    risk_ids = [
        risk_store.create_risk(database, "Ada", risk_input(system.id, title=risk_title)).id
        for risk_title in risk_titles
    ]
    created = workshop_sessions.create_workshop(
        database,
        FACILITATOR,
        WorkshopInput(
            title=title,
            facilitator=FACILITATOR,
            system_ids=[system.id],
            risk_ids=risk_ids,
            anonymise_names=anonymise,
            tier=tier,
            expected_participants=["Ada", "Bo", "Not Here"],
        ),
    )
    tokens = {}
    for name in voters:
        tokens[name] = workshop_sessions.join_workshop(
            database, created.workshop.code, JoinInput(name=name)
        ).token
    if start:
        workshop_votes.go_to_item(
            database, FACILITATOR, created.workshop.id, created.facilitator_key, risk_ids[0]
        )
    database.close()
    return {
        "id": created.workshop.id,
        "code": created.workshop.code,
        "key": created.facilitator_key,
        "risk_ids": risk_ids,
        "system_id": system.id,
        "tokens": tokens,
    }


def with_database(db_path: Path, work):
    database = Database(db_path)
    try:
        return work(database)
    finally:
        database.close()


def open_console(app_test, setup: dict, *, actor: str | None = "Test User"):
    """The console as its facilitator opens it: the id in the address, the key typed."""
    at = app_test(CONSOLE, actor=actor, id=str(setup["id"]))
    at.text_input(key="ws_key_typed").set_value(setup["key"])
    at.button(key="FormSubmitter:ws_key_form-Open the console").click().run()
    no_exceptions(at)
    return at


def vote_and_reveal(database: Database, setup: dict, votes: dict[str, tuple[int, int]]) -> None:
    for name, (likelihood, severity) in votes.items():
        workshop_votes.submit_vote(
            database,
            setup["code"],
            setup["tokens"][name],
            setup["risk_ids"][0],
            1,
            VoteInput(likelihood=likelihood, severity=severity),
        )
    workshop_votes.reveal_votes(
        database, FACILITATOR, setup["id"], setup["key"], setup["risk_ids"][0]
    )


# --- the workshops page --------------------------------------------------------------------------


def test_workshops_page_on_an_empty_database_says_what_to_do_first(app_test) -> None:
    at = app_test(WORKSHOPS)
    no_exceptions(at)
    shown = texts(at)
    assert "No workshops yet" in shown
    assert "Add an AI system first" in shown


def test_planning_a_workshop_opens_its_console_with_the_key_once(app_test, db_path) -> None:
    setup = prepare(db_path)
    at = app_test(WORKSHOPS)
    no_exceptions(at)
    assert "Lending review" in texts(at)
    at.text_input(key="ws_new_title").set_value("Second look")
    at.multiselect(key="ws_new_systems").set_value([setup["system_id"]]).run()
    at.multiselect(key="ws_new_risks").set_value([setup["risk_ids"][1]])
    at.text_area(key="ws_new_expected").set_value("Ada\nBo")
    at.checkbox(key="ws_new_anonymise").check()
    next(button for button in at.button if button.label == "Create the workshop").click().run()
    no_exceptions(at)
    created = with_database(db_path, lambda database: workshop_sessions.list_workshops(database))
    row = created[created["title"] == "Second look"].iloc[0]
    assert bool(row["anonymise_names"]) and list(row["expected_participants"]) == ["Ada", "Bo"]
    assert row["facilitator"] == "Test User"
    # Now on the console, with the key shown once beside a warning, and never in the address.
    assert any("Keep the facilitator key" in item.value for item in at.warning)
    assert any("asks for it again" in item.value for item in at.warning)
    assert "key" not in at.query_params
    assert at.query_params["id"] in (str(row["id"]), [str(row["id"])])
    key = at.code[0].value
    assert with_database(
        db_path, lambda database: workshop_sessions.is_facilitator(database, int(row["id"]), key)
    )
    start = next(button for button in at.button if button.label.startswith("Start item 1"))
    assert not start.disabled
    next(button for button in at.button if button.label == "I have kept the key").click()
    # (AppTest returns to the page it was switched to last; the browser stays on the console.)
    at.switch_page(CONSOLE).run()
    no_exceptions(at)
    assert not any("Keep the facilitator key" in item.value for item in at.warning)
    # This session holds the key: the console stays open without the key in the address.
    assert not any("This console is for the facilitator" in item.value for item in at.warning)
    start = next(button for button in at.button if button.label.startswith("Start item 1"))
    assert not start.disabled
    assert "key" not in at.query_params


def test_a_workshop_without_risks_is_refused_and_the_form_keeps_its_values(
    app_test, db_path
) -> None:
    setup = prepare(db_path)
    at = app_test(WORKSHOPS)
    at.text_input(key="ws_new_title").set_value("Nothing to rate")
    at.multiselect(key="ws_new_systems").set_value([setup["system_id"]]).run()
    next(button for button in at.button if button.label == "Create the workshop").click().run()
    no_exceptions(at)
    assert "Choose at least one risk" in texts(at)
    assert "Nothing was saved" in at.error[0].value
    assert at.text_input(key="ws_new_title").value == "Nothing to rate"
    assert (
        with_database(db_path, lambda database: len(workshop_sessions.list_workshops(database)))
        == 1
    )


def test_planning_messages_follow_the_last_attempt_and_go_once_a_field_changes(
    app_test, db_path
) -> None:
    setup = prepare(db_path)
    at = app_test(WORKSHOPS)
    create = next(button for button in at.button if button.label == "Create the workshop")
    create.click().run()
    no_exceptions(at)
    shown = texts(at)
    assert "this field is required" in shown and "choose at least one" in shown
    assert "Nothing was saved" in shown
    # Typing a title and choosing a system takes their messages away before the next attempt,
    # and with no field marked any more the summary goes too.
    at.text_input(key="ws_new_title").set_value("Second look").run()
    assert "this field is required" not in texts(at)
    assert "choose at least one" in texts(at) and "Nothing was saved" in texts(at)
    at.multiselect(key="ws_new_systems").set_value([setup["system_id"]]).run()
    no_exceptions(at)
    shown = texts(at)
    assert "choose at least one" not in shown and "Nothing was saved" not in shown
    # The next attempt shows what is wrong now, and only that.
    next(button for button in at.button if button.label == "Create the workshop").click().run()
    shown = texts(at)
    assert "Choose at least one risk" in shown and "Nothing was saved" in shown
    assert "this field is required" not in shown
    at.multiselect(key="ws_new_risks").set_value([setup["risk_ids"][0]]).run()
    assert "Choose at least one risk" not in texts(at) and "Nothing was saved" not in texts(at)


def test_a_risk_drafted_on_the_spot_joins_the_agenda(app_test, db_path) -> None:
    setup = prepare(db_path)
    at = app_test(WORKSHOPS)
    at.text_input(key="ws_new_title").set_value("With a draft")
    at.multiselect(key="ws_new_systems").set_value([setup["system_id"]]).run()
    at.text_input(key="ws_new_draft_title").set_value("Chatbot invents loan terms")
    at.button(key="FormSubmitter:ws_new_draft_form-Add to the agenda").click().run()
    no_exceptions(at)
    assert "choose at least one" in texts(at)  # affected parties missing: beside the field
    at.multiselect(key="ws_new_draft_parties").set_value(["individuals"])
    at.text_input(key="ws_new_draft_owner").set_value("Ada Park")
    at.button(key="FormSubmitter:ws_new_draft_form-Add to the agenda").click().run()
    assert "Chatbot invents loan terms" in texts(at)
    next(button for button in at.button if button.label == "Create the workshop").click().run()
    no_exceptions(at)

    def agenda(database: Database) -> list[str]:
        frame = workshop_sessions.list_workshops(database)
        workshop_id = int(frame[frame["title"] == "With a draft"]["id"].item())
        return [item.title for item in workshop_sessions.workshop_items(database, workshop_id)]

    assert with_database(db_path, agenda) == ["Chatbot invents loan terms"]


# --- the facilitator console ---------------------------------------------------------------------


def test_the_console_of_an_open_workshop_needs_the_key(app_test, db_path) -> None:
    setup = prepare(db_path)
    at = app_test(CONSOLE, id=str(setup["id"]))
    no_exceptions(at)
    assert "This console is for the facilitator" in at.warning[0].value
    assert not [button for button in at.button if button.label.startswith("Start item")]
    at.text_input(key="ws_key_typed").set_value("a guess")
    at.button(key="FormSubmitter:ws_key_form-Open the console").click().run()
    assert "not this workshop's facilitator key" in texts(at)
    at.text_input(key="ws_key_typed").set_value(setup["key"])
    at.button(key="FormSubmitter:ws_key_form-Open the console").click().run()
    no_exceptions(at)
    # The key opens the console for this session, and stays out of the address.
    assert "key" not in at.query_params
    assert [button for button in at.button if button.label.startswith("Start item 1")]
    assert setup["key"] in at.session_state[f"workshop_key_{setup['id']}"]


def test_a_key_in_the_address_is_removed_and_not_used(app_test, db_path) -> None:
    setup = prepare(db_path)
    at = app_test(CONSOLE, id=str(setup["id"]), key=setup["key"])
    no_exceptions(at)
    assert "key" not in at.query_params
    assert "This console is for the facilitator" in at.warning[0].value
    assert "removed from it and not used" in texts(at)
    assert not [button for button in at.button if button.label.startswith("Start item")]


def test_facilitator_actions_need_the_name_in_the_sidebar(app_test, db_path) -> None:
    setup = prepare(db_path, voters=("Ada",))
    at = open_console(app_test, setup, actor=None)
    assert "Enter your name in the sidebar" in texts(at)
    start = next(button for button in at.button if button.label.startswith("Start item 1"))
    assert start.disabled
    close = next(button for button in at.button if button.label == "Close the workshop")
    assert close.disabled
    assert (
        with_database(db_path, lambda d: workshop_sessions.workshop_state(d, setup["id"]).current)
        is None
    )


def test_an_unknown_workshop_id_says_so(app_test) -> None:
    at = app_test(CONSOLE, id="77")
    no_exceptions(at)
    assert "no workshop with id 77" in at.warning[0].value


def test_the_console_without_an_id_offers_the_workshops(app_test, db_path) -> None:
    setup = prepare(db_path)
    at = app_test(CONSOLE)
    no_exceptions(at)
    shown = texts(at)
    assert "(none)" not in shown and "There is no workshop" not in shown
    assert "Choose the workshop to open its console" in shown
    assert "This console is for the facilitator" not in shown and setup["key"] not in shown
    links = {link.proto.label: link.proto.query_string for link in at.get("page_link")}
    assert links[f"Lending review (open, {date.today():%Y-%m-%d})"] == f"id={setup['id']}"


def test_the_console_without_an_id_on_an_empty_database_says_what_to_do(app_test) -> None:
    at = app_test(CONSOLE)
    no_exceptions(at)
    assert "There are no workshops yet" in texts(at)


def test_the_console_runs_an_item_from_start_to_consensus(app_test, db_path) -> None:
    setup = prepare(db_path, voters=("Ada", "Bo"))
    at = open_console(app_test, setup)
    shown = texts(at)
    assert "/workshop_join?code=" in shown and "No item is open yet" in shown
    next(button for button in at.button if button.label.startswith("Start item 1")).click().run()
    no_exceptions(at)
    assert any(metric.value == "0 of 2" for metric in at.metric)

    def cast(database: Database) -> None:
        for name, cell in (("Ada", (2, 3)), ("Bo", (4, 3))):
            workshop_votes.submit_vote(
                database,
                setup["code"],
                setup["tokens"][name],
                setup["risk_ids"][0],
                1,
                VoteInput(likelihood=cell[0], severity=cell[1], comment=f"{name} thinks so"),
            )

    with_database(db_path, cast)
    at.run()
    assert any(metric.value == "2 of 2" for metric in at.metric)
    assert "Not Here" in texts(at)
    next(button for button in at.button if button.label == "Reveal the votes").click().run()
    no_exceptions(at)
    assert any(metric.label == "Median" and metric.value == "L3 × S3" for metric in at.metric)
    prefix = f"ws_consensus_{setup['risk_ids'][0]}_1_"
    assert at.selectbox(key=prefix + "likelihood").value == 3
    # Another rating than the median, without a reason: refused beside the field.
    at.selectbox(key=prefix + "likelihood").set_value(4)
    at.text_area(key=prefix + "rationale").set_value("The complaints tip it.")
    at.button(key=f"FormSubmitter:{prefix}form-Record the consensus").click().run()
    assert "say why the committee settles on another rating" in texts(at)
    assert at.text_area(key=prefix + "rationale").value == "The complaints tip it."
    assert with_database(
        db_path, lambda d: risk_store.rating_history(d, setup["risk_ids"][0])
    ).empty
    at.text_area(key=prefix + "override_reason").set_value("Two complaints since the votes.")
    at.multiselect(key=prefix + "dissenting").set_value(["Ada"])
    at.text_area(key=prefix + "dissent").set_value("Ada keeps it unlikely.")
    at.button(key=f"FormSubmitter:{prefix}form-Record the consensus").click().run()
    no_exceptions(at)
    assert "Consensus recorded: L4 × S3" in texts(at)
    history = with_database(db_path, lambda d: risk_store.rating_history(d, setup["risk_ids"][0]))
    assert history.iloc[0]["method"] == "workshop"
    assert list(history.iloc[0]["participants"]) == ["Ada", "Bo"]
    assert history.iloc[0]["rated_by"] == "Test User"
    next(button for button in at.button if button.label.startswith("Next item")).click().run()
    no_exceptions(at)
    assert "Item 2 of 2: Opaque refusals" in [header.value for header in at.header]
    # Every facilitator step was recorded under the name in the sidebar, not the facilitator's.
    actors = with_database(
        db_path,
        lambda d: d.query_rows(
            "SELECT DISTINCT actor FROM audit_events WHERE entity = 'workshop'"
            " AND action IN ('focus', 'reveal', 'record')"
        ),
    )
    assert actors == [("Test User",)]


def tab_containers(node) -> list:
    """The st.tabs blocks under `node` (AppTest has no accessor for the open tab)."""
    proto = getattr(node, "proto", None)
    found = [node] if isinstance(proto, BlockProto) and proto.HasField("tab_container") else []
    for child in getattr(node, "children", {}).values():
        found += tab_containers(child)
    return found


def test_after_a_second_reveal_the_console_opens_on_the_newest_round(app_test, db_path) -> None:
    setup = prepare(db_path, start=True, voters=("Ada", "Bo"))

    def two_rounds(database: Database) -> None:
        vote_and_reveal(database, setup, {"Ada": (3, 3), "Bo": (4, 4)})
        workshop_votes.start_new_round(
            database, FACILITATOR, setup["id"], setup["key"], setup["risk_ids"][0]
        )

    with_database(db_path, two_rounds)
    at = open_console(app_test, setup)
    assert not at.tabs  # one revealed round: shown as it is, without tabs

    def second_reveal(database: Database) -> None:
        for name in ("Ada", "Bo"):
            workshop_votes.submit_vote(
                database,
                setup["code"],
                setup["tokens"][name],
                setup["risk_ids"][0],
                2,
                VoteInput(likelihood=4, severity=4),
            )
        workshop_votes.reveal_votes(
            database, FACILITATOR, setup["id"], setup["key"], setup["risk_ids"][0]
        )

    with_database(db_path, second_reveal)
    at.run()
    no_exceptions(at)
    assert [tab.label for tab in at.tabs] == ["Round 1", "Round 2 (latest)"]
    (container,) = tab_containers(at.main)
    assert container.proto.tab_container.default_tab_index == 1
    # The consensus follows the newest round.
    assert at.selectbox(key=f"ws_consensus_{setup['risk_ids'][0]}_2_likelihood").value == 4


def test_a_split_vote_is_not_shown_as_strong_agreement(app_test, db_path) -> None:
    """The new-user test: L3 × S3 (Medium) and L4 × S4 (High) read '100% (strong)'."""
    setup = prepare(db_path, start=True, voters=("Ada", "Bo"))
    with_database(db_path, lambda d: vote_and_reveal(d, setup, {"Ada": (3, 3), "Bo": (4, 4)}))
    at = open_console(app_test, setup)
    agreement = next(metric for metric in at.metric if metric.label == "Agreement")
    assert agreement.value == "50% (weak)"
    assert agreement.proto.help == AGREEMENT_RULE
    assert "1 of 2 votes give High and lie within one step of the median" in texts(at)
    assert "never called strong" in texts(at)


def test_the_console_shows_dissenters_by_number_in_an_anonymised_workshop(
    app_test, db_path
) -> None:
    setup = prepare(db_path, start=True, voters=("Ada", "Bo"), anonymise=True)

    def decide(database: Database) -> None:
        vote_and_reveal(database, setup, {"Ada": (2, 2), "Bo": (4, 4)})
        workshop_consensus.record_consensus(
            database,
            FACILITATOR,
            setup["id"],
            setup["key"],
            setup["risk_ids"][0],
            ConsensusInput(
                likelihood=3,
                severity=3,
                rationale="Middle ground.",
                dissent="Sees it as far worse.",
                dissenting=["Bo"],
            ),
        )

    with_database(db_path, decide)
    at = open_console(app_test, setup)
    shown = texts(at)
    assert "**Dissent (Member 2):** Sees it as far worse." in shown
    assert "Dissent (Bo)" not in shown


def test_the_console_offers_dissenters_by_number_when_anonymised(app_test, db_path) -> None:
    setup = prepare(db_path, start=True, voters=("Ada", "Bo"), anonymise=True)
    with_database(db_path, lambda d: vote_and_reveal(d, setup, {"Ada": (2, 2), "Bo": (4, 4)}))
    at = open_console(app_test, setup)
    dissenting = at.multiselect(key=f"ws_consensus_{setup['risk_ids'][0]}_1_dissenting")
    assert dissenting.options == ["Member 1", "Member 2"]


def test_what_people_typed_is_shown_literally_on_the_console(app_test, db_path) -> None:
    setup = prepare(
        db_path,
        title="Review *of* [x](http://evil.example)",
        risk_titles=("**Loud** risk :red[alarm]", "Second"),
    )
    at = open_console(app_test, setup)
    assert at.title[0].value == markdown_text("Review *of* [x](http://evil.example)")
    start = next(button for button in at.button if button.label.startswith("Start item 1"))
    assert start.label == f"Start item 1: {markdown_text('**Loud** risk :red[alarm]')}"
    start.click().run()
    no_exceptions(at)
    header = f"Item 1 of 2: {markdown_text('**Loud** risk :red[alarm]')}"
    assert header in [item.value for item in at.header]


def test_addresses_in_titles_show_as_typed_and_never_as_links(app_test, db_path) -> None:
    """The new-user test: 'Review http://x' showed a link with a stray backslash."""
    title = "Review http://x.example/a_b"
    setup = prepare(
        db_path, title=title, risk_titles=("See www.example.org", "Mail risk@x.example")
    )
    pages = [
        app_test(WORKSHOPS),
        app_test(CONSOLE),  # the list of workshops to open
        open_console(app_test, setup),
        app_test(JOIN, code=setup["code"]),
    ]
    for at in pages:
        no_exceptions(at)
        shown = [item.value for kind in ("title", "markdown", "caption") for item in at.get(kind)]
        shown += [link.proto.label for link in at.get("page_link")]
        shown += [button.label for button in at.button]
        for text in shown:  # nothing left that Markdown could link, escaped or not
            assert not re.search(r"://|www\\?\.|[\w.+-]@", text, re.IGNORECASE), text
        read = "\n".join(shown).replace("\\", "").replace(WORD_JOINER, "")
        assert title in read
    assert pages[2].title[0].value == markdown_text(title)


def test_the_note_field_holds_at_most_what_the_note_model_takes(app_test, db_path) -> None:
    """The field stops at the model's limit (Streamlit cuts longer input on the server too),
    and what is saved went through NoteInput (trimmed)."""
    setup = prepare(db_path, start=True, voters=("Ada",))
    with_database(db_path, lambda d: vote_and_reveal(d, setup, {"Ada": (2, 2)}))
    at = open_console(app_test, setup)
    note_key = f"ws_note_{setup['risk_ids'][0]}_1"
    assert at.text_area(key=note_key).max_chars == NOTE_MAX
    at.text_area(key=note_key).set_value("A long discussion. " * 250)
    at.button(key=f"{note_key}_save").click().run()
    no_exceptions(at)
    assert "Note saved." in texts(at)
    saved = with_database(
        db_path, lambda d: workshop_consensus.note_for(d, setup["id"], setup["risk_ids"][0], 1)
    )
    assert saved == ("A long discussion. " * 250)[:NOTE_MAX].strip()


def test_closing_from_the_console(app_test, db_path) -> None:
    setup = prepare(db_path, start=True)
    at = open_console(app_test, setup)
    close = next(button for button in at.button if button.label == "Close the workshop")
    assert close.disabled
    at.checkbox(key="ws_close_sure").check().run()
    next(button for button in at.button if button.label == "Close the workshop").click().run()
    no_exceptions(at)
    assert "join code no longer works" in texts(at)
    assert (
        with_database(db_path, lambda d: workshop_sessions.get_workshop(d, setup["id"]).status)
        == "closed"
    )


def test_a_closed_workshop_can_be_reviewed_without_the_key(app_test, db_path) -> None:
    setup = prepare(db_path, start=True, voters=("Ada",))

    def finish(database: Database) -> None:
        workshop_votes.submit_vote(
            database,
            setup["code"],
            setup["tokens"]["Ada"],
            setup["risk_ids"][0],
            1,
            VoteInput(likelihood=2, severity=2),
        )
        workshop_votes.reveal_votes(
            database, FACILITATOR, setup["id"], setup["key"], setup["risk_ids"][0]
        )
        workshop_consensus.record_consensus(
            database,
            FACILITATOR,
            setup["id"],
            setup["key"],
            setup["risk_ids"][0],
            ConsensusInput(likelihood=2, severity=2, rationale="Agreed."),
        )
        workshop_sessions.close_workshop(database, FACILITATOR, setup["id"], setup["key"])

    with_database(db_path, finish)
    at = app_test(CONSOLE, id=str(setup["id"]))
    no_exceptions(at)
    assert not at.warning or "This console is for the facilitator" not in at.warning[0].value
    assert "Consensus recorded: L2 × S2" in texts(at)
    assert not [
        button for button in at.button if button.label in {"Reveal the votes", "Go to this item"}
    ]


# --- a participant's device ----------------------------------------------------------------------


def test_a_wrong_code_is_explained_beside_the_field(app_test, db_path) -> None:
    prepare(db_path)
    at = app_test(JOIN)
    no_exceptions(at)
    at.text_input(key="ws_code").set_value("ZZZ-ZZZ")
    at.button(key="FormSubmitter:ws_code_form-Continue").click().run()
    assert "does not match any open workshop" in texts(at)
    at = app_test(JOIN, code="NOTACODE")
    assert "does not match any open workshop" in texts(at)


def test_typing_the_code_leads_to_the_name_form(app_test, db_path) -> None:
    setup = prepare(db_path)
    at = app_test(JOIN)
    at.text_input(key="ws_code").set_value(setup["code"][:3].lower() + "-" + setup["code"][3:])
    at.button(key="FormSubmitter:ws_code_form-Continue").click().run()
    no_exceptions(at)
    assert at.query_params["code"] in (setup["code"], [setup["code"]])
    assert "Lending review" in [title.value for title in at.title]


def test_an_empty_name_is_refused_and_nothing_is_written(app_test, db_path) -> None:
    setup = prepare(db_path)
    at = app_test(JOIN, code=setup["code"])
    at.text_input(key="ws_join_name").set_value("   ")
    at.button(key="FormSubmitter:ws_join_form-Join").click().run()
    no_exceptions(at)
    assert "this field is required" in texts(at)
    assert with_database(db_path, lambda d: workshop_sessions.participants(d, setup["id"])) == []


def test_a_participant_joins_votes_blind_and_comes_back_after_a_reload(app_test, db_path) -> None:
    setup = prepare(db_path, voters=("Bo",))
    at = app_test(JOIN, code=setup["code"])
    at.text_input(key="ws_join_name").set_value("Ada")
    at.button(key="FormSubmitter:ws_join_form-Join").click().run()
    no_exceptions(at)
    token = at.query_params["token"]
    token = token[0] if isinstance(token, list) else token
    assert "Waiting for the facilitator" in texts(at)

    def start_and_bo_votes(database: Database) -> None:
        workshop_votes.go_to_item(
            database, FACILITATOR, setup["id"], setup["key"], setup["risk_ids"][0]
        )
        workshop_votes.submit_vote(
            database,
            setup["code"],
            setup["tokens"]["Bo"],
            setup["risk_ids"][0],
            1,
            VoteInput(likelihood=5, severity=5, comment="Bo's secret view"),
        )

    with_database(db_path, start_and_bo_votes)
    at.run()
    no_exceptions(at)
    assert "Item 1 of 2: Unequal error rates" in [header.value for header in at.subheader]
    # Blind: nothing of Bo's vote (not even that Bo voted) reaches Ada's screen.
    assert "Bo" not in texts(at)
    prefix = f"ws_vote_{setup['id']}_{setup['risk_ids'][0]}_1_"
    at.button(key=f"FormSubmitter:{prefix}form-Submit my vote").click().run()
    assert "Choose a likelihood." in texts(at)
    at.radio(key=prefix + "likelihood").set_value(2)
    at.radio(key=prefix + "severity").set_value(4)
    at.radio(key=prefix + "confidence").set_value("high")
    at.text_area(key=prefix + "comment").set_value("Seen in the pilot.")
    at.button(key=f"FormSubmitter:{prefix}form-Submit my vote").click().run()
    no_exceptions(at)
    assert "Your vote is in: likelihood 2, severity 4" in texts(at)

    # A reload is a new session: the code and token in the address bring Ada back.
    again = app_test(JOIN, code=setup["code"], token=token)
    no_exceptions(again)
    assert again.radio(key=prefix + "likelihood").value == 2
    assert again.text_area(key=prefix + "comment").value == "Seen in the pilot."
    again.radio(key=prefix + "severity").set_value(3)
    again.button(key=f"FormSubmitter:{prefix}form-Change my vote").click().run()
    assert "severity 3" in texts(again)
    ada_votes = with_database(db_path, lambda d: submitted_severities(d, "Ada"))
    assert ada_votes == [4, 3]  # both kept; the last one counts

    with_database(
        db_path,
        lambda d: workshop_votes.reveal_votes(
            d, FACILITATOR, setup["id"], setup["key"], setup["risk_ids"][0]
        ),
    )
    again.run()
    no_exceptions(again)
    assert "The votes are revealed on the projector" in texts(again)
    assert "median L4 × S4" in texts(again)


@pytest.mark.parametrize(
    ("tier", "line"),
    [
        ("inherent", "You rate the inherent risk: how likely this harm is and how bad"),
        ("residual", "You rate the residual risk: how likely this harm is and how bad"),
        ("target", "You rate the target risk: how likely this harm will be"),
    ],
)
def test_a_member_is_told_which_tier_they_rate_above_the_scales(
    app_test, db_path, tier: str, line: str
) -> None:
    setup = prepare(db_path, start=True, voters=("Ada",), tier=tier)
    at = app_test(JOIN, code=setup["code"], token=setup["tokens"]["Ada"])
    no_exceptions(at)
    form = at.get("form")[0]
    first = form.children[0]
    assert line in first.value.replace("**", "")
    assert [radio.label for radio in form.radio][:2] == ["Likelihood", "Severity"]


def test_a_vote_sent_after_the_reveal_is_not_taken(app_test, db_path) -> None:
    setup = prepare(db_path, start=True, voters=("Ada",))
    at = app_test(JOIN, code=setup["code"], token=setup["tokens"]["Ada"])
    prefix = f"ws_vote_{setup['id']}_{setup['risk_ids'][0]}_1_"
    at.radio(key=prefix + "likelihood").set_value(2)
    at.radio(key=prefix + "severity").set_value(2)

    def meanwhile(database: Database) -> None:
        workshop_votes.submit_vote(
            database,
            setup["code"],
            setup["tokens"]["Ada"],
            setup["risk_ids"][0],
            1,
            VoteInput(likelihood=1, severity=1),
        )
        workshop_votes.reveal_votes(
            database, FACILITATOR, setup["id"], setup["key"], setup["risk_ids"][0]
        )

    with_database(db_path, meanwhile)
    at.button(key=f"FormSubmitter:{prefix}form-Submit my vote").click().run()
    no_exceptions(at)
    # The page now shows the reveal and which of Ada's votes counted; the late one is not kept.
    assert "The votes are revealed on the projector" in texts(at)
    assert "Your vote: likelihood 1, severity 1." in texts(at)
    assert with_database(db_path, lambda d: submitted_severities(d, "Ada")) == [1]


def submitted_severities(database: Database, name: str) -> list[int]:
    """A member's submissions, oldest first, read straight from the table (the store offers
    no read that skips the blind)."""
    rows = database.query_rows(
        "SELECT v.severity FROM workshop_votes v JOIN workshop_participants p"
        " ON p.id = v.participant_id WHERE p.name = ? ORDER BY v.id",
        [name],
    )
    return [row[0] for row in rows]


def test_a_member_keeps_the_scale_the_round_opened_with(app_test, db_path) -> None:
    """The criteria change to 3 x 3 after Ada voted 4 x 5 in a 5 x 5 round: her page still
    draws, shows her vote's level under the round's criteria and lets her change it there."""
    setup = prepare(db_path, start=True, voters=("Ada",))

    def vote_then_change_criteria(database: Database) -> None:
        workshop_votes.submit_vote(
            database,
            setup["code"],
            setup["tokens"]["Ada"],
            setup["risk_ids"][0],
            1,
            VoteInput(likelihood=4, severity=5),
        )
        save_criteria(database, "Ada", presets()["preset_3x3"], "Smaller scales")

    with_database(db_path, vote_then_change_criteria)
    at = app_test(JOIN, code=setup["code"], token=setup["tokens"]["Ada"])
    no_exceptions(at)
    assert "Your vote is in: likelihood 4, severity 5" in texts(at)
    prefix = f"ws_vote_{setup['id']}_{setup['risk_ids'][0]}_1_"
    assert at.radio(key=prefix + "likelihood").options[-1].startswith("5")
    at.radio(key=prefix + "likelihood").set_value(5)
    at.button(key=f"FormSubmitter:{prefix}form-Change my vote").click().run()
    no_exceptions(at)
    assert "Your vote is in: likelihood 5, severity 5" in texts(at)


def test_what_people_typed_is_shown_literally_on_a_members_device(app_test, db_path) -> None:
    setup = prepare(
        db_path,
        start=True,
        title="Review *of* [x](http://evil.example)",
        risk_titles=("**Loud** risk :red[alarm]", "Second"),
    )
    at = app_test(JOIN, code=setup["code"])
    assert at.title[0].value == markdown_text("Review *of* [x](http://evil.example)")
    at.text_input(key="ws_join_name").set_value("Ada *the* [Great](http://x)")
    at.button(key="FormSubmitter:ws_join_form-Join").click().run()
    no_exceptions(at)
    assert [item.value for item in at.success] == [
        escape_markdown("Welcome, Ada *the* [Great](http://x).")
    ]
    header = f"Item 1 of 2: {markdown_text('**Loud** risk :red[alarm]')}"
    assert header in [item.value for item in at.subheader]


def test_an_anonymised_member_is_told_their_number(app_test, db_path) -> None:
    setup = prepare(db_path, voters=("Ada", "Bo"), anonymise=True)
    at = app_test(JOIN, code=setup["code"], token=setup["tokens"]["Bo"])
    no_exceptions(at)
    assert "show your votes as **Member 2**" in texts(at)


def test_an_item_whose_system_was_retired_since_says_so(app_test, db_path) -> None:
    setup = prepare(db_path, voters=("Ada",), start=True)
    at = open_console(app_test, setup)
    assert not [w.value for w in at.warning if "retired" in w.value]
    with_database(
        db_path, lambda database: inventory.retire_system(database, "Ada", setup["system_id"])
    )
    at.run()
    no_exceptions(at)
    assert "has been retired since the agenda was set" in texts(at)
