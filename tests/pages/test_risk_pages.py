"""The risk pages through AppTest: identify from the library, the guided rating flow, treatment,
actions and acceptance on the risk workspace, and the criteria settings page."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from assessments import catalog
from assessments.criteria import default_criteria, presets
from assessments.identification import suggestions
from assessments.risks import ActionInput
from assessments.store import criteria as criteria_store
from assessments.store import inventory as inventory_store
from assessments.store import risks as risks_store
from assessments.store.db import Database
from assessments.text import escape_markdown as plain
from tests.factories import system_input
from tests.risk_factories import rating_input, risk_input
from tests.support.apptest import no_exceptions

RISK_PAGE = "pages/risk.py"
NEW_PAGE = "pages/risk_new.py"
CRITERIA_PAGE = "pages/criteria.py"


def button(at, label: str):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button '{label}' among {[b.label for b in at.button]}"
    return matches[0]


def texts(at) -> str:
    """Every message on the page, with markdown escapes (and the word joiner after an escaped
    colon) removed."""
    return (
        " ".join(
            item.value
            for kind in (at.markdown, at.caption, at.error, at.warning, at.info, at.success)
            for item in kind
        )
        .replace("\\", "")
        .replace("\u2060", "")
    )


@pytest.fixture
def risk_id(db_path: Path) -> int:
    database = Database(db_path)
    system = inventory_store.create_system(database, "Ada", system_input())
    risk = risks_store.create_risk(database, "Ada", risk_input(system.id, library_id="LIB-001"))
    database.close()
    return risk.id


def read(db_path: Path, work):
    database = Database(db_path)
    try:
        return work(database)
    finally:
        database.close()


# --- the rating flow ---------------------------------------------------------------------------


def test_rating_shows_the_level_at_once_refuses_no_rationale_then_saves(
    app_test, db_path, risk_id
) -> None:
    at = app_test(RISK_PAGE, id=str(risk_id))
    no_exceptions(at)
    prefix = f"risk_{risk_id}_inherent_"
    assert at.radio(key=f"risk_{risk_id}_step").value == "inherent"
    likelihood = at.radio(key=prefix + "likelihood")
    assert likelihood.value is None, "no rating is preselected"
    captions = list(likelihood.proto.captions)
    assert len(captions) == 5 and "Roughly 50 to 80 %" in captions[3], "descriptions beside"
    likelihood.set_value(4)
    at.radio(key=prefix + "severity").set_value(4).run()
    expected = default_criteria().level_for(4, 4).name
    level_lines = [m.value for m in at.markdown if m.value.startswith("**Level:**")]
    assert level_lines and f">{expected}</span>" in level_lines[0]
    assert "above the tolerance for Fairness" in level_lines[0]

    button(at, "Save the inherent rating").click().run()
    no_exceptions(at)
    assert "Give the reason for this rating" in texts(at)
    assert read(db_path, lambda d: risks_store.rating_history(d, risk_id)).empty
    assert at.radio(key=prefix + "likelihood").value == 4, "the choices are kept"

    at.text_area(key=prefix + "rationale").set_value("Seen in last quarter's fairness report.")
    at.radio(key=prefix + "knowledge").set_value("high")
    button(at, "Save the inherent rating").click().run()
    no_exceptions(at)
    history = read(db_path, lambda d: risks_store.rating_history(d, risk_id))
    assert history[["tier", "likelihood", "severity", "level"]].values.tolist() == [
        ["inherent", 4, 4, expected]
    ]
    assert history["rated_by"].tolist() == ["Test User"]
    assert history["strength_of_knowledge"].tolist() == ["high"]
    assert "Saved the inherent rating" in texts(at)
    assert at.radio(key=f"risk_{risk_id}_step").value == "treatment"
    frames = [frame.value for frame in at.dataframe]
    assert any(
        "Rationale" in frame.columns and "Seen in last quarter" in " ".join(frame["Rationale"])
        for frame in frames
    ), "the rating appears in the history"


def test_library_typical_rating_is_offered_never_applied_silently(app_test, risk_id) -> None:
    at = app_test(RISK_PAGE, id=str(risk_id))
    prefix = f"risk_{risk_id}_inherent_"
    assert at.radio(key=prefix + "likelihood").value is None
    entry = next(e for e in catalog.risk_library() if e.id == "LIB-001")
    label = (
        f"Start from the library's typical rating "
        f"(L{entry.typical_likelihood} × S{entry.typical_severity})"
    )
    button(at, label).click().run()
    no_exceptions(at)
    assert at.radio(key=prefix + "likelihood").value == entry.typical_likelihood
    assert at.radio(key=prefix + "severity").value == entry.typical_severity


def test_treatment_actions_residual_and_acceptance(app_test, db_path, risk_id) -> None:
    read(db_path, lambda d: risks_store.record_rating(d, "Ben", rating_input(risk_id)))
    at = app_test(RISK_PAGE, id=str(risk_id))
    assert at.radio(key=f"risk_{risk_id}_step").value == "treatment"
    keys = f"risk_{risk_id}_1_treatment_"
    button(at, "Save the treatment").click().run()
    assert "Choose how the organisation responds" in texts(at)
    at.radio(key=keys + "option").set_value("change_likelihood")
    button(at, "Add the suggested controls").click().run()
    assert at.multiselect(key=keys + "controls").value == ["A.6.2.4", "A.7.4", "A.5.4", "A.6.2.6"]
    button(at, "Save the treatment").click().run()
    no_exceptions(at)
    risk = read(db_path, lambda d: risks_store.get_risk(d, risk_id))
    assert risk.treatment_option == "change_likelihood" and "A.7.4" in risk.controls

    action = f"risk_{risk_id}_action_"
    at.text_input(key=action + "title").set_value("Re-weight the training data")
    button(at, "Add the action").click().run()
    assert "Give a due date." in texts(at)
    assert read(db_path, lambda d: risks_store.actions_for(d, risk_id)).empty
    at.date_input(key=action + "due_date").set_value(date.today() - timedelta(days=3))
    button(at, "Add the action").click().run()
    no_exceptions(at)
    actions = read(db_path, lambda d: risks_store.actions_for(d, risk_id))
    assert actions["title"].tolist() == ["Re-weight the training data"]
    assert actions["owner"].tolist() == ["Ada Park"]
    table = next(f.value for f in at.dataframe if "Overdue" in f.value.columns)
    assert table["Overdue"].tolist() == ["overdue"]
    status_box = next(s for s in at.selectbox if s.label == "Status" and "_change_" in s.key)
    status_box.set_value("done")
    button(at, "Save the action").click().run()
    no_exceptions(at)
    actions = read(db_path, lambda d: risks_store.actions_for(d, risk_id))
    assert actions["status"].tolist() == ["done"]

    at.radio(key=f"risk_{risk_id}_step").set_value("residual").run()
    prefix = f"risk_{risk_id}_residual_"
    at.radio(key=prefix + "likelihood").set_value(5)
    at.radio(key=prefix + "severity").set_value(5)
    at.text_area(key=prefix + "rationale").set_value("Controls not yet effective.")
    button(at, "Save the residual rating").click().run()
    no_exceptions(at)
    assert at.radio(key=f"risk_{risk_id}_step").value == "residual", "stays for the acceptance"
    assert "above the appetite" in texts(at)

    accept = f"risk_{risk_id}_accept_"
    at.text_area(key=accept + "rationale").set_value("Benefit outweighs; reviewed monthly.")
    button(at, "Record the acceptance").click().run()
    messages = texts(at)
    assert "Give the date until which" in messages
    assert read(db_path, lambda d: risks_store.acceptances_for(d, risk_id)).empty
    at.date_input(key=accept + "valid_until").set_value(date.today() + timedelta(days=90))
    button(at, "Record the acceptance").click().run()
    no_exceptions(at)
    acceptances = read(db_path, lambda d: risks_store.acceptances_for(d, risk_id))
    assert acceptances["approved_by"].tolist() == ["Test User"], "the signed-in approver"
    assert "in force" in texts(at)
    button(at, "Revoke").click().run()
    no_exceptions(at)
    acceptances = read(db_path, lambda d: risks_store.acceptances_for(d, risk_id))
    assert acceptances["revoked_by"].tolist() == ["Test User"]


def test_a_target_above_the_residual_is_warned_then_found(app_test, db_path, risk_id) -> None:
    def rated(database: Database) -> None:
        risks_store.record_rating(database, "Ben", rating_input(risk_id, likelihood=4))
        risks_store.record_rating(
            database, "Ben", rating_input(risk_id, "residual", likelihood=2, severity=2)
        )

    read(db_path, rated)
    at = app_test(RISK_PAGE, id=str(risk_id))
    at.radio(key=f"risk_{risk_id}_step").set_value("target").run()
    prefix = f"risk_{risk_id}_target_"
    at.radio(key=prefix + "likelihood").set_value(5)
    at.radio(key=prefix + "severity").set_value(5).run()
    assert "is above the current residual rating (Low)" in texts(at), "warned while choosing"
    at.text_area(key=prefix + "rationale").set_value("short")
    button(at, "Save the target rating").click().run()
    no_exceptions(at)
    assert "at least 10 characters" in texts(at), "a rationale of 5 characters is refused"
    assert read(db_path, lambda d: "target" not in risks_store.current_ratings(d, risk_id))
    at.text_area(key=prefix + "rationale").set_value("Expected to grow with the new market.")
    button(at, "Save the target rating").click().run()
    no_exceptions(at)
    assert read(db_path, lambda d: risks_store.current_ratings(d, risk_id)["target"].level)
    warnings = " ".join(item.value for item in at.warning).replace("\\", "")
    assert "Target above residual" in warnings and "re-rate the target" in warnings


def test_dates_far_ahead_or_past_get_a_message_beside_the_field(app_test, db_path, risk_id) -> None:
    def rated(database: Database) -> None:
        risks_store.record_rating(database, "Ben", rating_input(risk_id))
        risks_store.record_rating(
            database, "Ben", rating_input(risk_id, "residual", likelihood=5, severity=5)
        )

    read(db_path, rated)
    at = app_test(RISK_PAGE, id=str(risk_id))
    at.radio(key=f"risk_{risk_id}_step").set_value("residual").run()
    accept = f"risk_{risk_id}_accept_"
    at.text_area(key=accept + "rationale").set_value("Benefit outweighs; reviewed monthly.")
    at.date_input(key=accept + "valid_until").set_value(date.today() + timedelta(days=3650))
    button(at, "Record the acceptance").click().run()
    no_exceptions(at)
    assert "runs at most 3 years" in texts(at)
    assert read(db_path, lambda d: risks_store.acceptances_for(d, risk_id)).empty
    at.date_input(key=accept + "valid_until").set_value(date.today() + timedelta(days=540)).run()
    assert "past the review interval of the criteria (12 months" in texts(at), "a warning"
    button(at, "Record the acceptance").click().run()
    no_exceptions(at)
    assert len(read(db_path, lambda d: risks_store.acceptances_for(d, risk_id))) == 1

    at.radio(key=f"risk_{risk_id}_step").set_value("treatment").run()
    action = f"risk_{risk_id}_action_"
    at.text_input(key=action + "title").set_value("Retrain with recent data")
    at.date_input(key=action + "due_date").set_value(date.today() - timedelta(days=7)).run()
    assert "This day has already passed" in texts(at), "warned, not refused"
    button(at, "Add the action").click().run()
    no_exceptions(at)
    assert len(read(db_path, lambda d: risks_store.actions_for(d, risk_id))) == 1
    table = next(f.value for f in at.dataframe if "Completed" in f.value.columns)
    assert table["Completed"].tolist() == [""], "an open action shows no completion day"


def test_editing_what_identifies_a_risk(app_test, db_path, risk_id) -> None:
    at = app_test(RISK_PAGE, id=str(risk_id))
    keys = f"risk_{risk_id}_1_identity_"
    assert at.text_input(key=keys + "title").value == "Unequal error rates for older applicants"
    at.text_input(key=keys + "owner").set_value("")
    button(at, "Save the changes").click().run()
    assert "this field is required" in texts(at)
    at.text_input(key=keys + "owner").set_value("Grace Hopper")
    button(at, "Save the changes").click().run()
    no_exceptions(at)
    risk = read(db_path, lambda d: risks_store.get_risk(d, risk_id))
    assert risk.owner == "Grace Hopper" and risk.revision == 2


def test_risk_page_without_an_id_and_on_an_empty_database(app_test, risk_id) -> None:
    at = app_test(RISK_PAGE, id="999")
    no_exceptions(at)
    assert "There is no risk with id 999" in texts(at)
    assert at.selectbox(key="risk_pick").options


def test_empty_database_pages_say_what_to_do_next(app_test) -> None:
    at = app_test(RISK_PAGE)
    no_exceptions(at)
    assert "No risk has been identified yet" in texts(at)
    at = app_test(NEW_PAGE)
    no_exceptions(at)
    assert "There is no active or planned AI system yet" in texts(at)


# --- identification -------------------------------------------------------------------------


def test_identify_from_the_library_prefills_and_saves(app_test, db_path) -> None:
    system = read(db_path, lambda d: inventory_store.create_system(d, "Ada", system_input()))
    at = app_test(NEW_PAGE, system=str(system.id))
    no_exceptions(at)
    first = suggestions(system.model_dump())[0].entry
    assert any("Why it fits" in m.value for m in at.markdown)
    at.button(key=f"risknew_use_{first.id}").click().run()
    no_exceptions(at)
    assert at.text_input(key="risknew_title").value == first.title
    assert at.selectbox(key="risknew_harm_category").value == first.harm_category
    at.text_input(key="risknew_owner").set_value("Grace Hopper")
    button(at, "Save the risk").click().run()
    no_exceptions(at)
    frame = read(db_path, lambda d: d.query_df("SELECT * FROM risks"))
    assert frame["library_id"].tolist() == [first.id]
    assert frame["owner"].tolist() == ["Grace Hopper"]
    assert read(db_path, lambda d: risks_store.rating_history(d, int(frame["id"][0]))).empty
    assert at.title[0].value == first.title, "the new risk's workspace opens"


def test_writing_a_risk_from_scratch_refuses_missing_fields(app_test, db_path) -> None:
    system = read(db_path, lambda d: inventory_store.create_system(d, "Ada", system_input()))
    at = app_test(NEW_PAGE, system=str(system.id))
    button(at, "Write a risk of your own").click().run()
    at.text_input(key="risknew_title").set_value("Chatbot gives wrong loan terms")
    button(at, "Save the risk").click().run()
    no_exceptions(at)
    assert "Nothing was saved" in texts(at)
    assert "this field is required" in texts(at)
    assert at.text_input(key="risknew_title").value == "Chatbot gives wrong loan terms"
    assert read(db_path, lambda d: d.query_one("SELECT count(*) FROM risks")[0]) == 0


# --- criteria settings -----------------------------------------------------------------------


def generation(at) -> int:
    return at.session_state["crit_gen"]


def test_criteria_page_shows_the_current_version(app_test) -> None:
    at = app_test(CRITERIA_PAGE)
    no_exceptions(at)
    assert "Current criteria (version 1)" in [tab.label for tab in at.tabs]
    assert "nothing already rated is rescaled" in texts(at)


def test_saving_a_preset_creates_a_new_version(app_test, db_path) -> None:
    at = app_test(CRITERIA_PAGE)
    at.selectbox(key="crit_start_from").set_value("preset_3x3").run()
    button(at, "Load into the draft").click().run()
    no_exceptions(at)
    gen = generation(at)
    assert at.number_input(key=f"crit_{gen}_likelihood_count").value == 3
    assert "The likelihood scale goes from 5 to 3 steps" in texts(at)
    button(at, "Save as a new version").click().run()
    assert "Say what changed and why" in texts(at)
    assert read(db_path, criteria_store.current_version) == 1
    at.text_input(key=f"crit_{generation(at)}_note").set_value("Smaller grid for pilots")
    button(at, "Save as a new version").click().run()
    no_exceptions(at)
    current = read(db_path, criteria_store.current_criteria)
    assert current.version == 2 and len(current.severity) == 3
    versions = read(db_path, criteria_store.list_versions)
    assert versions["note"].tolist()[0] == "Smaller grid for pilots"
    assert versions["created_by"].tolist()[0] == "Test User"
    assert "Saved the criteria as version 2" in texts(at)


def test_a_new_step_leaves_missing_cells_that_are_refused(app_test, db_path) -> None:
    at = app_test(CRITERIA_PAGE)
    at.number_input(key=f"crit_{generation(at)}_severity_count").set_value(6).run()
    no_exceptions(at)
    gen = generation(at)
    at.text_input(key=f"crit_{gen}_severity_5_label").set_value("Catastrophic")
    at.text_area(key=f"crit_{gen}_severity_5_description").set_value("Harm to many, for good.")
    at.text_input(key=f"crit_{gen}_note").set_value("Six severity steps")
    button(at, "Save as a new version").click().run()
    no_exceptions(at)
    refusal = " ".join(e.value for e in at.error).replace("\\", "").replace("\u2060", "")
    assert "Nothing was saved" in refusal
    assert "column 6 (severity 'Catastrophic') is empty; every cell needs a level" in refusal
    assert read(db_path, criteria_store.current_version) == 1


def test_grid_cells_are_edited_and_a_non_monotonic_grid_only_warns(app_test, db_path) -> None:
    at = app_test(CRITERIA_PAGE)
    gen = generation(at)
    # Row 0 of the grid table is the highest likelihood; make its most severe cell 'Low'.
    at.session_state[f"crit_{gen}_grid"] = {
        "edited_rows": {0: {"S5": "Low"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    no_exceptions(at)
    assert "a higher likelihood should not lower the level" in texts(at)
    assert "1 grid cell change level." in texts(at)
    at.text_input(key=f"crit_{gen}_note").set_value("Testing a lenient corner")
    button(at, "Save as a new version").click().run()
    no_exceptions(at)
    current = read(db_path, criteria_store.current_criteria)
    assert current.version == 2 and current.grid[4][4] == "Low"


def test_renaming_a_level_in_use_is_refused_beside_the_levels(app_test, db_path, risk_id) -> None:
    read(
        db_path,
        lambda d: risks_store.record_rating(
            d, "Ben", rating_input(risk_id, likelihood=5, severity=5)
        ),
    )
    at = app_test(CRITERIA_PAGE)
    gen = generation(at)
    at.session_state[f"crit_{gen}_levels"] = {
        "edited_rows": {3: {"name": "Extreme"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    no_exceptions(at)
    gen = generation(at)
    assert "Levels removed: Critical." in texts(at) and "Levels added: Extreme." in texts(at)
    at.text_input(key=f"crit_{gen}_note").set_value("Rename the top level")
    button(at, "Save as a new version").click().run()
    no_exceptions(at)
    assert "A level still in use cannot be deleted" in texts(at)
    assert read(db_path, criteria_store.current_version) == 1


def test_removing_a_level_names_the_cells_to_fix(app_test, db_path) -> None:
    at = app_test(CRITERIA_PAGE)
    at.session_state[f"crit_{generation(at)}_levels"] = {
        "edited_rows": {},
        "added_rows": [],
        "deleted_rows": [3],
    }
    at.run()
    no_exceptions(at)
    assert "names the level 'Critical', which is not defined" in texts(at)


def test_a_rating_under_older_criteria_keeps_its_version(app_test, db_path, risk_id) -> None:
    def prepare(database: Database) -> None:
        risks_store.record_rating(database, "Ben", rating_input(risk_id, likelihood=4, severity=4))
        three = presets()["preset_3x3"]
        criteria_store.save_criteria(database, "Ada", three, "Pilot grid")

    read(db_path, prepare)
    at = app_test(RISK_PAGE, id=str(risk_id))
    no_exceptions(at)
    at.radio(key=f"risk_{risk_id}_step").set_value("inherent").run()
    assert "made under criteria version 1 and keeps its level" in texts(at)
    assert at.radio(key=f"risk_{risk_id}_inherent_likelihood").options == [
        "1 · Unlikely",
        "2 · Possible",
        "3 · Likely",
    ]
    history = next(f.value for f in at.dataframe if "Criteria version" in f.value.columns)
    assert history[["Level", "Criteria version", "Likelihood"]].values.tolist() == [["High", 1, 4]]


def test_adding_a_level_warns_until_a_cell_uses_it(app_test) -> None:
    at = app_test(CRITERIA_PAGE)
    at.session_state[f"crit_{generation(at)}_levels"] = {
        "edited_rows": {},
        "added_rows": [{"position": 5, "name": "Extreme", "colour": "#4A0D1F"}],
        "deleted_rows": [],
    }
    at.run()
    no_exceptions(at)
    assert "Levels added: Extreme." in texts(at)
    assert "The level 'Extreme' is used in no grid cell" in texts(at)
    gen = generation(at)
    at.session_state[f"crit_{gen}_grid"] = {
        "edited_rows": {0: {"S5": "Extreme"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert "used in no grid cell" not in texts(at)


def test_the_system_page_counts_risks_by_residual_level(app_test, db_path, risk_id) -> None:
    read(
        db_path,
        lambda d: risks_store.record_rating(
            d, "Ben", rating_input(risk_id, "residual", likelihood=5, severity=5)
        ),
    )
    at = app_test("pages/system.py", id="1")
    no_exceptions(at)
    chips = " ".join(m.value for m in at.markdown if "<span" in m.value)
    assert ">Critical\\: 1</span>" in chips  # the chip's text is Markdown-escaped
    assert "1 risk, counted by their current residual level" in texts(at)


# --- review fixes: actions, stale edits, user text -------------------------------------------


def done_action(db_path: Path, risk_id: int, completed: date) -> int:
    def prepare(database: Database) -> int:
        risks_store.record_rating(database, "Ben", rating_input(risk_id))
        return risks_store.add_action(
            database,
            "Ada",
            risk_id,
            ActionInput(
                title="Re-weight the data",
                owner="Ada Park",
                due_date=completed,
                status="done",
                completed_at=completed,
            ),
        )

    return read(db_path, prepare)


def change_field(at, label: str):
    return next(box for box in at.text_input if box.label == label and "_change_" in box.key)


def test_editing_a_done_action_keeps_its_completion_date(app_test, db_path, risk_id) -> None:
    completed = date.today() - timedelta(days=10)
    done_action(db_path, risk_id, completed)
    at = app_test(RISK_PAGE, id=str(risk_id))
    assert at.radio(key=f"risk_{risk_id}_step").value == "treatment"
    change_field(at, "Owner *").set_value("Grace Hopper")
    button(at, "Save the action").click().run()
    no_exceptions(at)
    action = read(db_path, lambda d: risks_store.actions_for(d, risk_id)).iloc[0]
    assert action["owner"] == "Grace Hopper" and action["status"] == "done"
    assert action["completed_at"].date() == completed


def test_a_stale_action_edit_is_refused_on_the_page(app_test, db_path, risk_id) -> None:
    action_id = done_action(db_path, risk_id, date.today() - timedelta(days=10))
    at = app_test(RISK_PAGE, id=str(risk_id))
    change_field(at, "Owner *").set_value("Grace Hopper")
    read(
        db_path,
        lambda d: risks_store.update_action(
            d,
            "Someone Else",
            action_id,
            ActionInput(title="Re-weight the data", owner="Ben", due_date=date.today()),
        ),
    )
    button(at, "Save the action").click().run()
    no_exceptions(at)
    assert "Someone Else changed this action since you opened it" in texts(at)
    assert read(db_path, lambda d: risks_store.actions_for(d, risk_id))["owner"].tolist() == ["Ben"]


def test_peoples_words_are_never_rendered_as_markdown(app_test, db_path) -> None:
    def prepare(database: Database) -> int:
        system = inventory_store.create_system(
            database, "Ada", system_input(name="**Loud** system")
        )
        risk = risks_store.create_risk(
            database,
            "Ada",
            risk_input(system.id, title="Bias :red[alarm] **now**", owner="[Ada](http://x)"),
        )
        return risk.id

    risk_id = read(db_path, prepare)
    at = app_test(RISK_PAGE, id=str(risk_id))
    no_exceptions(at)
    assert at.title[0].value == plain("Bias :red[alarm] **now**")
    links = [link.proto.label for link in at.get("page_link")]
    assert plain("**Loud** system") in links
    assert "**Loud** system" not in links
    action = f"risk_{risk_id}_action_"
    read(db_path, lambda d: risks_store.record_rating(d, "Ben", rating_input(risk_id)))
    at = app_test(RISK_PAGE, id=str(risk_id))
    at.text_input(key=action + "title").set_value("Fix *everything*")
    at.date_input(key=action + "due_date").set_value(date.today() + timedelta(days=3))
    button(at, "Add the action").click().run()
    no_exceptions(at)
    assert any(plain("Fix *everything*") in item.value for item in at.success), [
        (e.type, e.value) for e in (*at.success, *at.error, *at.warning)
    ]


def test_saving_criteria_over_a_version_saved_meanwhile_is_refused(app_test, db_path) -> None:
    at = app_test(CRITERIA_PAGE)
    looser = default_criteria().model_copy(update={"appetite": "High"})
    read(db_path, lambda d: criteria_store.save_criteria(d, "Ada Admin", looser, "Looser"))
    at.text_input(key=f"crit_{generation(at)}_note").set_value("Stricter review")
    button(at, "Save as a new version").click().run()
    no_exceptions(at)
    assert "Ada Admin saved version 2 of the criteria" in texts(at)
    assert read(db_path, criteria_store.current_version) == 2
    button(at, "Keep my draft: I have checked version 2").click().run()
    at.text_input(key=f"crit_{generation(at)}_note").set_value("Back to a Medium appetite")
    button(at, "Save as a new version").click().run()
    no_exceptions(at)
    current = read(db_path, criteria_store.current_criteria)
    assert current.version == 3 and current.appetite == "Medium"


def test_a_risk_raised_by_an_impact_answer_links_back_and_offers_its_suggested_rating(
    app_test, db_path
) -> None:
    from assessments.store import impact as impact_store
    from tests.impact_data import complete_answers, grid

    database = Database(db_path)
    system_id = inventory_store.create_system(database, "Ada", system_input()).id
    response = impact_store.start_assessment(database, "Ada", system_id)
    answers = complete_answers(
        harm_grid=grid("none", society__discrimination="high"),
        harm_description="Some groups could be routed to slower queues.",
        failure_exposure="anyone_free_text",
    )
    for question_id, value in answers.items():
        impact_store.save_answer(database, "Ada", response.id, question_id, value)
    risk_id = impact_store.add_suggested_risk(database, "Ada", response.id, "harm_grid", 0)
    database.close()

    at = app_test("pages/risk.py", id=str(risk_id))
    assert not at.exception
    links = [link.proto for link in at.get("page_link")]
    assert any(
        link.page == "impact_result" and link.query_string == f"id={response.id}" for link in links
    )
    start = next(
        button for button in at.button if "the rating the impact answer suggests" in button.label
    )
    assert "(L3 × S4)" in start.label
    start.click().run()
    assert at.session_state[f"risk_{risk_id}_inherent_likelihood"] == 3
    assert at.session_state[f"risk_{risk_id}_inherent_severity"] == 4
