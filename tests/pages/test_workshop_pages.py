"""The workshop pages through AppTest: planning, the facilitator console and a participant's
device. (The live one-second refresh needs a browser: tests/browser/test_workshop_browser.py.)"""

from __future__ import annotations

from pathlib import Path

from assessments.store import inventory
from assessments.store import risks as risk_store
from assessments.store import workshops as store
from assessments.store.db import Database
from assessments.workshops import ConsensusInput, JoinInput, VoteInput, WorkshopInput
from tests.factories import system_input
from tests.risk_factories import risk_input

WORKSHOPS = "pages/workshops.py"
CONSOLE = "pages/workshop_console.py"
JOIN = "pages/workshop_join.py"
FACILITATOR = "Helena Brandt"


def no_exceptions(at) -> None:
    assert not at.exception, [item.value for item in at.exception]


def texts(at) -> str:
    """Everything a person reads on the page, with the markdown escapes removed."""
    kinds = ("markdown", "caption", "info", "success", "warning", "error")
    parts = [item.value for kind in kinds for item in getattr(at, kind)]
    parts += [item.value for item in at.metric]
    return "\n".join(str(part) for part in parts).replace("\\", "")


def prepare(db_path: Path, *, start: bool = False, voters: tuple[str, ...] = ()) -> dict:
    database = Database(db_path)
    system = inventory.create_system(database, "Ada", system_input())
    risk_ids = [
        risk_store.create_risk(database, "Ada", risk_input(system.id, title=title)).id
        for title in ("Unequal error rates", "Opaque refusals")
    ]
    created = store.create_workshop(
        database,
        FACILITATOR,
        WorkshopInput(
            title="Lending review",
            facilitator=FACILITATOR,
            system_ids=[system.id],
            risk_ids=risk_ids,
            expected_participants=["Ada", "Bo", "Not Here"],
        ),
    )
    tokens = {}
    for name in voters:
        tokens[name] = store.join_workshop(
            database, created.workshop.code, JoinInput(name=name)
        ).token
    if start:
        store.go_to_item(
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
    created = with_database(db_path, lambda database: store.list_workshops(database))
    row = created[created["title"] == "Second look"].iloc[0]
    assert bool(row["anonymise_names"]) and list(row["expected_participants"]) == ["Ada", "Bo"]
    assert row["facilitator"] == "Test User"
    # Now on the console, with the key shown once beside a warning.
    assert any("Keep the facilitator key" in item.value for item in at.warning)
    key = at.code[0].value
    assert with_database(
        db_path, lambda database: store.is_facilitator(database, int(row["id"]), key)
    )
    next(button for button in at.button if button.label == "I have kept the key").click().run()
    assert not any("Keep the facilitator key" in item.value for item in at.warning)


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
    assert with_database(db_path, lambda database: len(store.list_workshops(database))) == 1


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
        frame = store.list_workshops(database)
        workshop_id = int(frame[frame["title"] == "With a draft"]["id"].item())
        return [item.title for item in store.workshop_items(database, workshop_id)]

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
    assert at.query_params["key"] == [setup["key"]] or at.query_params["key"] == setup["key"]


def test_an_unknown_workshop_id_says_so(app_test) -> None:
    at = app_test(CONSOLE, id="77")
    no_exceptions(at)
    assert "no workshop with id 77" in at.error[0].value


def test_the_console_runs_an_item_from_start_to_consensus(app_test, db_path) -> None:
    setup = prepare(db_path, voters=("Ada", "Bo"))
    at = app_test(CONSOLE, id=str(setup["id"]), key=setup["key"])
    no_exceptions(at)
    shown = texts(at)
    assert "/workshop_join?code=" in shown and "No item is open yet" in shown
    next(button for button in at.button if button.label.startswith("Start item 1")).click().run()
    no_exceptions(at)
    assert any(metric.value == "0 of 2" for metric in at.metric)

    def cast(database: Database) -> None:
        for name, cell in (("Ada", (2, 3)), ("Bo", (4, 3))):
            store.submit_vote(
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


def test_closing_from_the_console(app_test, db_path) -> None:
    setup = prepare(db_path, start=True)
    at = app_test(CONSOLE, id=str(setup["id"]), key=setup["key"])
    close = next(button for button in at.button if button.label == "Close the workshop")
    assert close.disabled
    at.checkbox(key="ws_close_sure").check().run()
    next(button for button in at.button if button.label == "Close the workshop").click().run()
    no_exceptions(at)
    assert "join code no longer works" in texts(at)
    assert with_database(db_path, lambda d: store.get_workshop(d, setup["id"]).status) == "closed"


def test_a_closed_workshop_can_be_reviewed_without_the_key(app_test, db_path) -> None:
    setup = prepare(db_path, start=True, voters=("Ada",))

    def finish(database: Database) -> None:
        store.submit_vote(
            database,
            setup["code"],
            setup["tokens"]["Ada"],
            setup["risk_ids"][0],
            1,
            VoteInput(likelihood=2, severity=2),
        )
        store.reveal_votes(database, FACILITATOR, setup["id"], setup["key"], setup["risk_ids"][0])
        store.record_consensus(
            database,
            FACILITATOR,
            setup["id"],
            setup["key"],
            setup["risk_ids"][0],
            ConsensusInput(likelihood=2, severity=2, rationale="Agreed."),
        )
        store.close_workshop(database, FACILITATOR, setup["id"], setup["key"])

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
    assert with_database(db_path, lambda d: store.participants(d, setup["id"])) == []


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
        store.go_to_item(database, FACILITATOR, setup["id"], setup["key"], setup["risk_ids"][0])
        store.submit_vote(
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
    submissions = with_database(db_path, lambda d: store.all_submissions(d, setup["id"]))
    ada = submissions[submissions["participant"] == "Ada"]
    assert len(ada) == 2 and ada[ada["counts"]]["severity"].item() == 3

    with_database(
        db_path,
        lambda d: store.reveal_votes(
            d, FACILITATOR, setup["id"], setup["key"], setup["risk_ids"][0]
        ),
    )
    again.run()
    no_exceptions(again)
    assert "The votes are revealed on the projector" in texts(again)
    assert "median L4 × S4" in texts(again)


def test_a_vote_sent_after_the_reveal_is_not_taken(app_test, db_path) -> None:
    setup = prepare(db_path, start=True, voters=("Ada",))
    at = app_test(JOIN, code=setup["code"], token=setup["tokens"]["Ada"])
    prefix = f"ws_vote_{setup['id']}_{setup['risk_ids'][0]}_1_"
    at.radio(key=prefix + "likelihood").set_value(2)
    at.radio(key=prefix + "severity").set_value(2)

    def meanwhile(database: Database) -> None:
        store.submit_vote(
            database,
            setup["code"],
            setup["tokens"]["Ada"],
            setup["risk_ids"][0],
            1,
            VoteInput(likelihood=1, severity=1),
        )
        store.reveal_votes(database, FACILITATOR, setup["id"], setup["key"], setup["risk_ids"][0])

    with_database(db_path, meanwhile)
    at.button(key=f"FormSubmitter:{prefix}form-Submit my vote").click().run()
    no_exceptions(at)
    # The page now shows the reveal and which of Ada's votes counted; the late one is not kept.
    assert "The votes are revealed on the projector" in texts(at)
    assert "Your vote: likelihood 1, severity 1." in texts(at)
    assert len(with_database(db_path, lambda d: store.all_submissions(d, setup["id"]))) == 1
