"""Hostile and careless input on the impact wizard, through AppTest: an upload too large or not
UTF-8 is refused in one line beside the uploader with nothing saved, and an exclusive choice
picked with another is refused by its label while the widget shows the answer that was kept."""

from __future__ import annotations

import json
from pathlib import Path

from assessments.answer_files import ANSWER_FILE_MAX_BYTES
from assessments.impact import get_questionnaire
from assessments.questionnaire.files import answers_to_json
from tests.impact_data import complete_answers
from tests.pages.test_impact_pages import WIZARD, prepare, stored, texts
from tests.support.apptest import no_exceptions
from tests.support.markdown import as_shown


def upload(at, response_id: int, name: str, data: bytes) -> None:
    at.file_uploader(key=f"iw{response_id}_upload").set_value(
        (name, data, "application/json")
    ).run()


def import_button(at):
    return next(button for button in at.button if button.label == "Import the answers")


def errors_shown(at) -> list[str]:
    return [as_shown(item.value) for item in at.error]


def test_an_exclusive_choice_with_another_is_refused_by_label_and_the_widget_shows_what_was_kept(
    app_test, db_path: Path
) -> None:
    response_id = prepare(db_path)
    at = app_test(WIZARD, id=str(response_id), section="system")
    key = f"iw{response_id}_system_decision_areas"
    at.multiselect(key=key).set_value(["employment"]).run()
    at.multiselect(key=key).set_value(["none", "employment"]).run()
    no_exceptions(at)
    assert stored(db_path, response_id)["system_decision_areas"] == ["employment"]
    assert at.multiselect(key=key).value == ["employment"]
    shown = texts(at)
    assert '"None of these" cannot be combined with other choices' in shown
    assert "The answer stays as it was." in shown
    assert "'none'" not in shown

    # Both tags on a question never answered: nothing is kept, and nothing stays on screen.
    at = app_test(WIZARD, id=str(response_id), section="unintended_uses")
    key = f"iw{response_id}_misuse_foreseeable"
    first_other = next(
        choice.value
        for choice in get_questionnaire().question("misuse_foreseeable").choices
        if not choice.exclusive
    )
    at.multiselect(key=key).set_value(["none", first_other]).run()
    no_exceptions(at)
    assert at.multiselect(key=key).value == []
    assert "misuse_foreseeable" not in stored(db_path, response_id)
    assert '"We have not found any realistic misuse" cannot be combined' in texts(at)


def test_an_upload_over_the_limit_is_refused_beside_the_uploader_before_it_is_read(
    app_test, db_path: Path
) -> None:
    response_id = prepare(db_path)
    at = app_test(WIZARD, id=str(response_id), section="scope")
    before = stored(db_path, response_id)
    payload = json.loads(answers_to_json(get_questionnaire(), complete_answers()))
    payload["padding"] = "x" * ANSWER_FILE_MAX_BYTES
    upload(at, response_id, "answers.json", json.dumps(payload).encode())
    no_exceptions(at)
    (message,) = errors_shown(at)
    assert "answers.json is larger than 1 MB, the limit for an answer file" in message
    assert "\n" not in message and len(message) < 200
    assert import_button(at).disabled
    assert stored(db_path, response_id) == before


def test_an_upload_that_is_not_utf8_is_refused_not_read_with_replacement_characters(
    app_test, db_path: Path
) -> None:
    response_id = prepare(db_path)
    at = app_test(WIZARD, id=str(response_id), section="scope")
    before = stored(db_path, response_id)
    payload = json.loads(answers_to_json(get_questionnaire(), complete_answers()))
    payload["answers"]["system_purpose"] = "Sorts tickets for the caf\u00e9."
    # Saved as Latin-1 by an old editor: 'é' is the byte 0xE9, not valid UTF-8.
    upload(
        at, response_id, "answers.json", json.dumps(payload, ensure_ascii=False).encode("latin-1")
    )
    import_button(at).click().run()
    no_exceptions(at)
    (message,) = errors_shown(at)
    assert "answers.json is not UTF-8 text" in message and "save it as UTF-8" in message
    assert stored(db_path, response_id) == before


def test_an_upload_nested_too_deeply_is_refused_in_one_line(app_test, db_path: Path) -> None:
    response_id = prepare(db_path)
    at = app_test(WIZARD, id=str(response_id), section="scope")
    before = stored(db_path, response_id)
    deep = '{"questionnaire_id": "ai_impact_assessment", "answers": ' + "[" * 100_000
    upload(at, response_id, "deep.json", (deep + "]" * 100_000 + "}").encode())
    import_button(at).click().run()
    no_exceptions(at)
    (message,) = errors_shown(at)
    assert "nested more than 32 levels deep" in message and len(message) < 200
    assert stored(db_path, response_id) == before
