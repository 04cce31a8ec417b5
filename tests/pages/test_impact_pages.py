"""The impact pages through AppTest: the wizard saves as answers are given, resumes, refuses bad
input beside the question, lists missing answers on submit; the result page signs off."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assessments.impact import get_questionnaire
from assessments.questionnaire.files import answers_to_json
from assessments.regulatory import ScreeningFacts
from assessments.store import impact as store
from assessments.store import risks as risks_store
from assessments.store.db import Database
from assessments.store.inventory import create_system
from assessments.text import escape_markdown
from tests.factories import system_input
from tests.impact_data import complete_answers, grid, load_impact_demo
from tests.support.apptest import no_exceptions
from tests.support.markdown import as_shown

WIZARD = "pages/impact_wizard.py"
RESULT = "pages/impact_result.py"
LIST = "pages/impact_assessments.py"
AUTHOR = "Test User"


def texts(at) -> str:
    parts = [
        item.value
        for kind in ("markdown", "caption", "error", "warning", "info", "success")
        for item in getattr(at, kind)
    ]
    return as_shown("\n".join(str(part) for part in parts))


def wizard_key(response_id: int, name: str) -> str:
    """A wizard widget's key: the page starts every key with its assessment (iw<id>_)."""
    return f"iw{response_id}_{name}"


def result_key(response_id: int, name: str) -> str:
    """A result page widget's key: the page starts every key with its assessment (ir<id>_)."""
    return f"ir{response_id}_{name}"


def page_links(at) -> list[str]:
    return [element.proto.label for element in at.get("page_link")]


def prepare(db_path: Path, answers: dict[str, Any] | None = None, *, submit: bool = False) -> int:
    """A system with one response; `answers` saved through the store first."""
    database = Database(db_path)
    system = create_system(database, "Ada", system_input())
    response = store.start_assessment(database, AUTHOR, system.id)
    if answers:
        database.write(
            AUTHOR, lambda transaction: store.write_answers(transaction, response.id, answers)
        )
    if submit:
        store.submit(database, AUTHOR, response.id)
    database.close()
    return response.id


def stored(db_path: Path, response_id: int) -> dict[str, Any]:
    database = Database(db_path)
    try:
        return store.current_answers(database, response_id)
    finally:
        database.close()


def test_list_page_on_an_empty_database(app_test) -> None:
    at = app_test(LIST)
    no_exceptions(at)
    assert "No AI systems yet" in at.info[0].value


def test_wizard_and_result_without_an_id_point_back(app_test) -> None:
    for page in (WIZARD, RESULT):
        at = app_test(page)
        no_exceptions(at)
        assert "Impact assessments" in page_links(at)
    at = app_test(WIZARD, id="999")
    assert "There is no impact assessment with id 999" in at.warning[0].value


def test_start_from_the_list_opens_the_wizard(app_test, db_path: Path) -> None:
    database = Database(db_path)
    system = create_system(database, "Ada", system_input())
    database.close()
    at = app_test(LIST, system=str(system.id))
    no_exceptions(at)
    next(b for b in at.button if b.label == "Start the impact assessment").click().run()
    no_exceptions(at)
    assert at.title[0].value == f"Impact assessment: {system.name}"
    database = Database(db_path)
    assert store.latest(database, system.id).status == "draft"
    database.close()


def test_answers_are_saved_as_given_and_resume_after_leaving(app_test, db_path: Path) -> None:
    response_id = prepare(db_path)
    at = app_test(WIZARD, id=str(response_id), section="system")
    no_exceptions(at)
    at.radio(key=wizard_key(response_id, "system_autonomy")).set_value("human_on_the_loop").run()
    at.text_area(key=wizard_key(response_id, "system_purpose")).set_value("Sorts tickets.").run()
    at.radio(key=wizard_key(response_id, "system_legal_effect")).set_value("no").run()
    no_exceptions(at)
    prefilled = {"scope_lifecycle_stage", "scope_org_role", "system_technique"}
    answers = stored(db_path, response_id)
    assert {key: answers[key] for key in set(answers) - prefilled} == {
        "system_autonomy": "human_on_the_loop",
        "system_purpose": "Sorts tickets.",
        "system_legal_effect": False,
    }
    assert "Last saved" in texts(at)

    resumed = app_test(WIZARD, id=str(response_id), section="system")
    no_exceptions(resumed)
    assert (
        resumed.radio(key=wizard_key(response_id, "system_autonomy")).value == "human_on_the_loop"
    )
    assert (
        resumed.text_area(key=wizard_key(response_id, "system_purpose")).value == "Sorts tickets."
    )
    assert resumed.radio(key=wizard_key(response_id, "system_legal_effect")).value == "no"


def test_the_section_is_kept_in_the_url(app_test, db_path: Path) -> None:
    response_id = prepare(db_path)
    at = app_test(WIZARD, id=str(response_id), section="scope")
    next(b for b in at.button if b.label == "Next section").click().run()
    no_exceptions(at)
    assert at.query_params["section"] == "system"
    assert at.subheader[0].value == "2. The system and what it is for"


def test_out_of_range_number_is_refused_beside_the_field(app_test, db_path: Path) -> None:
    response_id = prepare(db_path, {"data_personal": True, "data_retention_days": 30})
    at = app_test(WIZARD, id=str(response_id), section="data")
    key = wizard_key(response_id, "data_retention_days")
    at.number_input(key=key).set_value(40000).run()
    no_exceptions(at)
    assert "Not saved: 40000 is out of range: must be at least 0 and at most 36500" in texts(at)
    assert at.number_input(key=key).value == 40000
    assert stored(db_path, response_id)["data_retention_days"] == 30


def test_text_over_the_limit_is_refused_and_kept_in_the_field(app_test, db_path: Path) -> None:
    response_id = prepare(db_path, {"deploy_regions": "EU"})
    at = app_test(WIZARD, id=str(response_id), section="deployment")
    key = wizard_key(response_id, "deploy_regions")
    at.text_input(key=key).set_value("x" * 250).run()
    no_exceptions(at)
    assert "Not saved: text is 250 characters; the limit is 200" in texts(at)
    assert at.text_input(key=key).value == "x" * 250
    assert stored(db_path, response_id)["deploy_regions"] == "EU"


def test_submit_with_a_missing_answer_lists_it_with_a_link(app_test, db_path: Path) -> None:
    answers = complete_answers()
    del answers["measure_owner"]
    response_id = prepare(db_path, answers)
    at = app_test(WIZARD, id=str(response_id), section="scope")
    at.button(key=wizard_key(response_id, "submit")).click().run()
    no_exceptions(at)
    assert escape_markdown("Not submitted: 1 required answer is missing") in at.error[0].value
    link = (
        "Measures to prevent and repair harm: Who is accountable for this system and for "
        "carrying out these measures? Give a name and a role."
    )
    assert escape_markdown(link) in page_links(at), "the question is shown as written"
    database = Database(db_path)
    assert store.get_response(database, response_id).status == "draft"
    database.close()

    at.query_params["section"] = "measures"
    at.run()
    assert "Required: please answer this question." in texts(at)
    at.text_input(key=wizard_key(response_id, "measure_owner")).set_value("Ada Park").run()
    at.button(key=wizard_key(response_id, "submit")).click().run()
    no_exceptions(at)
    assert at.title[0].value.startswith("Impact assessment:")
    assert "Submitted the impact assessment" in texts(at)


def test_reviewer_approves_and_the_submitter_cannot(app_test, db_path: Path) -> None:
    response_id = prepare(db_path, complete_answers(), submit=True)
    at = app_test(RESULT, id=str(response_id))
    no_exceptions(at)
    assert next(b for b in at.button if b.label == "Approve").disabled
    assert "someone else approves or returns it" in texts(at)

    reviewer = app_test(RESULT, actor="Nadia Okafor", id=str(response_id))
    reviewer.text_area(key=result_key(response_id, "comment")).set_value("Fine for level I.")
    next(b for b in reviewer.button if b.label == "Approve").click().run()
    no_exceptions(reviewer)
    assert "Approved: the assessment is signed off." in texts(reviewer)
    database = Database(db_path)
    approved = store.get_response(database, response_id)
    database.close()
    assert (approved.status, approved.approved_by) == ("approved", "Nadia Okafor")
    assert any(b.label == "Start a re-assessment" for b in reviewer.button)


def test_return_needs_a_comment(app_test, db_path: Path) -> None:
    response_id = prepare(db_path, complete_answers(), submit=True)
    at = app_test(RESULT, actor="Nadia Okafor", id=str(response_id))
    next(b for b in at.button if b.label == "Return for changes").click().run()
    assert "a return needs a comment" in at.error[0].value
    at.text_area(key=result_key(response_id, "comment")).set_value("Name the owner's role.")
    next(b for b in at.button if b.label == "Return for changes").click().run()
    no_exceptions(at)
    assert "Name the owner's role" in texts(at)
    wizard = app_test(WIZARD, id=str(response_id))
    assert "Returned by Nadia Okafor: Name the owner's role" in wizard.warning[0].value


def test_suggested_risk_is_added_in_one_click(app_test, db_path: Path) -> None:
    response_id = prepare(db_path, complete_answers(failure_exposure="anyone_free_text"))
    at = app_test(RESULT, id=str(response_id))
    no_exceptions(at)
    assert "System manipulated through crafted inputs" in texts(at)
    at.button(key=result_key(response_id, "risk_failure_exposure_0")).click().run()
    no_exceptions(at)
    assert "Added as risk #1" in texts(at)
    assert not any(b.key == result_key(response_id, "risk_failure_exposure_0") for b in at.button)


def test_reassess_from_the_result_page(app_test, db_path: Path) -> None:
    response_id = prepare(db_path, complete_answers(), submit=True)
    database = Database(db_path)
    store.approve(database, "Nadia Okafor", response_id)
    database.close()
    at = app_test(RESULT, id=str(response_id))
    next(b for b in at.button if b.label == "Start a re-assessment").click().run()
    no_exceptions(at)
    assert "A re-assessment" in texts(at)
    database = Database(db_path)
    newest = store.latest(database, store.get_response(database, response_id).system_id)
    database.close()
    assert newest.version_no == 2 and newest.previous_id == response_id


@pytest.mark.parametrize("page", [LIST, RESULT, WIZARD])
def test_pages_on_the_demo_portfolio(app_test, db_path: Path, page: str) -> None:
    database = Database(db_path)
    load_impact_demo(database)
    draft = database.query_one("SELECT max(id) FROM impact_responses WHERE status = 'draft'")[0]
    database.close()
    at = app_test(page, id=str(draft))
    no_exceptions(at)


def test_import_leaves_out_hidden_answers_with_a_message(app_test, db_path: Path) -> None:
    response_id = prepare(db_path)
    payload = json.loads(answers_to_json(get_questionnaire(), complete_answers()))
    payload["answers"]["data_special"] = ["health"]
    at = app_test(WIZARD, id=str(response_id), section="scope")
    at.file_uploader(key=wizard_key(response_id, "upload")).set_value(
        ("answers.json", json.dumps(payload).encode(), "application/json")
    ).run()
    next(b for b in at.button if b.label == "Import the answers").click().run()
    no_exceptions(at)
    message = at.warning[0].value
    # The inventory prefilled three context answers; the file changes two of them. Version 2.0
    # added the two rated-benefit answers to the complete set (37 before, 39 now).
    assert "Imported 39 answers (1 unchanged)" in as_shown(message)
    assert "Does the personal data include any of these especially sensitive kinds?" in as_shown(
        message
    )
    assert "data_special" not in as_shown(message)
    answers = stored(db_path, response_id)
    assert (
        "data_special" not in answers and answers["measure_owner"] == "Ada Park, service desk lead"
    )
    assert at.text_area(key=wizard_key(response_id, "scope_boundaries")).value.startswith(
        "The ticket"
    )


def test_a_suggested_risk_is_added_unrated_with_its_starting_point_offered(
    app_test, db_path: Path
) -> None:
    response_id = prepare(db_path, complete_answers(failure_exposure="anyone_free_text"))
    at = app_test(RESULT, id=str(response_id))
    no_exceptions(at)
    assert "suggested starting rating: likelihood" in texts(at)
    assert "never saved for you" in texts(at)
    at.button(key=result_key(response_id, "risk_failure_exposure_0")).click().run()
    no_exceptions(at)
    assert "It is not rated yet: rate it on its page." in texts(at)
    database = Database(db_path)
    try:
        (risk_id,) = database.query_one("SELECT id FROM risks")
        assert database.query_one("SELECT count(*) FROM risk_ratings")[0] == 0
        assert store.suggested_rating(database, risks_store.get_risk(database, risk_id))
    finally:
        database.close()


def test_the_result_page_names_answers_that_contradict_the_inventory(
    app_test, db_path: Path
) -> None:
    response_id = prepare(db_path, {"system_technique": "generative_llm"})
    at = app_test(RESULT, id=str(response_id))
    no_exceptions(at)
    assert "1 answer differs from the AI system's inventory record." in texts(at)
    assert 'the inventory record says AI technique: "Machine learning"' in texts(at)
    wizard = app_test(WIZARD, id=str(response_id), section="system")
    no_exceptions(wizard)
    assert 'but the inventory record says AI technique: "Machine learning"' in texts(wizard)
    assert "Agrees with the AI system's inventory record." not in texts(wizard)


def insulin_controller() -> dict[str, Any]:
    """A fully automated insulin-dosing controller: its points are low, its harm is not."""
    return complete_answers(
        system_function="acts_physically",
        system_autonomy="none",
        system_reversibility="cannot",
        harm_grid=grid("none", individuals__physical_psychological="high"),
        likelihood_physical_psychological="possible",
        harm_description="A wrong dose can put a patient in hospital.",
        harm_worst_severity=5,
    )


def test_the_result_page_shows_the_floors_with_their_reasons(app_test, db_path: Path) -> None:
    response_id = prepare(db_path, insulin_controller())
    at = app_test(RESULT, id=str(response_id))
    no_exceptions(at)
    shown = texts(at)
    assert "Impact level III: High impact" in [item.value for item in at.subheader]
    assert "Minimum levels that apply (floors)" in shown
    assert "Points alone give level I; raised to level III because: Severe or irreversible" in (
        shown
    )
    assert "At least level III: Severe or irreversible harm, and no person reviews each case." in (
        shown
    )
    assert "→ It cannot be undone" in shown and "→ No person is involved once it runs" in shown
    # What the level requires follows the raised level: the ethics committee approves.
    assert "Approval: the ethics committee approves the system" in shown


def test_a_prohibited_system_says_stop_on_its_result(
    app_test, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        store, "screening_facts", lambda source, system_id: ScreeningFacts(eu_class="prohibited")
    )
    response_id = prepare(db_path, complete_answers())
    at = app_test(RESULT, id=str(response_id))
    no_exceptions(at)
    assert at.error[0].value.startswith("**Stop: A practice the EU AI Act prohibits.**")
    shown = texts(at)
    assert "Points alone give level I; raised to level IV because" in shown
    assert "Stop. At least level IV: A practice the EU AI Act prohibits." in shown


def test_the_result_page_shows_benefits_beside_harms_and_likelihoods(
    app_test, db_path: Path
) -> None:
    answers = complete_answers(
        harm_grid=grid("none", groups__privacy="medium"),
        likelihood_privacy="occurring",
        harm_description="Leaked addresses.",
    )
    response_id = prepare(db_path, answers)
    at = app_test(RESULT, id=str(response_id))
    no_exceptions(at)
    assert "they never lower the impact score or the level" in texts(at)
    tables = [frame.value for frame in at.dataframe]
    beside = next(table for table in tables if "What they gain" in table.columns)
    rows = beside.set_index("Who")
    assert rows.loc["Individuals directly affected", "What they gain"] == "Noticeably"
    assert rows.loc["Groups and communities", "Worst harm rated"] == "Medium (Loss of privacy)"
    likely = next(table for table in tables if "How likely" in table.columns)
    assert likely.to_dict("records") == [
        {
            "Kind of harm": "Loss of privacy",
            "Worst rating": "Medium",
            "For whom": "Groups and communities",
            "How likely": "Already happening",
        }
    ]


def test_the_wizard_asks_benefits_and_a_likelihood_for_each_rated_harm(
    app_test, db_path: Path
) -> None:
    response_id = prepare(db_path)
    at = app_test(WIZARD, id=str(response_id), section="benefits_harms")
    no_exceptions(at)
    assert at.selectbox(key=wizard_key(response_id, "benefit_grid__organisation__size")) is not None
    assert not any(radio.key == wizard_key(response_id, "likelihood_privacy") for radio in at.radio)
    at.selectbox(key=wizard_key(response_id, "harm_grid__groups__privacy")).set_value("high").run()
    no_exceptions(at)
    at.radio(key=wizard_key(response_id, "likelihood_privacy")).set_value("likely").run()
    no_exceptions(at)
    assert stored(db_path, response_id)["likelihood_privacy"] == "likely"
    assert "Harm to public debate or trust in information" in texts(at)


def test_a_response_answered_on_version_1_0_opens(app_test, db_path: Path) -> None:
    response_id = prepare(db_path, complete_answers(), submit=True)
    database = Database(db_path)
    with database.cursor() as cursor:
        cursor.execute(
            "UPDATE impact_responses SET questionnaire_version = '1.0', floors = NULL WHERE id = ?",
            [response_id],
        )
    database.close()
    at = app_test(RESULT, id=str(response_id))
    no_exceptions(at)
    assert "Answered on questionnaire version 1.0 and shown as it was answered" in texts(at)
    assert "Impact level I: Low impact" in [item.value for item in at.subheader]
