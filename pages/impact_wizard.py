"""The impact questionnaire, one section at a time; every answer is saved the moment it is given.

The response id and the section live in the URL, so a refresh or a closed tab resumes where the
person left off. Answers are validated by the domain; a refused answer shows its message beside
the question and the stored answer stays as it was.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from assessments import impact
from assessments.answer_files import (
    ANSWER_FILE_MAX_MB,
    ANSWER_FILE_MAX_SIZE_TEXT,
    AnswerFileRefused,
    check_answer_file_size,
)
from assessments.errors import WorkbenchError
from assessments.questionnaire import (
    AnswerError,
    Question,
    Section,
    clean_answers,
    is_complete,
    missing_required,
    normal_answers,
    progress,
    visible_questions,
)
from assessments.store import impact as impact_store
from assessments.store import inventory as inventory_store
from assessments.store.db import utc_now
from assessments.text import first_few
from ui.common import (
    IMPACT_ASSESSMENTS,
    IMPACT_RESULT,
    IMPACT_WIZARD,
    current_actor,
    database,
    flash,
    plain,
    record_from_query,
    require_actor_notice,
    show_flash,
)
from ui.date_fields import date_field

db = database()
response = record_from_query(
    lambda response_id: impact_store.get_response(db, response_id),
    title="Impact questionnaire",
    noun="impact assessment",
    hint="Choose an AI system on the impact assessments page to start or continue.",
    alternatives=lambda: st.page_link(
        IMPACT_ASSESSMENTS, label="Impact assessments", icon=":material/arrow_back:"
    ),
)

questionnaire = impact.get_questionnaire(response.questionnaire_id)
system = inventory_store.get_system(db, response.system_id)
PREFIX = f"iw{response.id}_"
ERRORS = PREFIX + "errors"
MISSING = PREFIX + "missing"
SAVED = PREFIX + "saved"
errors: dict[str, str] = st.session_state.setdefault(ERRORS, {})

records = impact_store.answer_records(db, response.id)
# As this version of the questionnaire reads them (answers from an earlier version included).
answers = normal_answers(questionnaire, {key: record["value"] for key, record in records.items()})
shown = {question.id for question in visible_questions(questionnaire, answers)}
conflicts = {
    conflict.question_id: conflict
    for conflict in impact.inventory_conflicts(
        questionnaire, clean_answers(questionnaire, answers)[0], system
    )
}
sections = [
    section
    for section in questionnaire.sections
    if any(question.id in shown for question in section.questions)
]
section_ids = [section.id for section in sections]


def section_counts(section: Section) -> tuple[int, int]:
    """(answered, shown) in one section, as the progress of the whole uses."""
    questions = [question for question in section.questions if question.id in shown]
    done = sum(is_complete(question, answers.get(question.id)) for question in questions)
    return done, len(questions)


def first_open_section() -> str:
    for section in sections:
        done, total = section_counts(section)
        if done < total:
            return section.id
    return section_ids[0]


current_id = st.query_params.get("section")
if current_id not in section_ids:
    current_id = first_open_section()
# Written on every run: a link to another section of this same page changes the page's query
# parameters but not the browser's address, and a refresh must come back to this section.
st.query_params["section"] = current_id
position = section_ids.index(current_id)
section = sections[position]

st.page_link(IMPACT_ASSESSMENTS, label="Impact assessments", icon=":material/arrow_back:")
st.title(f"Impact assessment: {plain(system.name)}", anchor=False)
st.caption(
    f"{questionnaire.title} (version {questionnaire.version}) · assessment #{response.id}, "
    f"version {response.version_no} · {impact.STATUSES[response.status]}"
)
show_flash()

if not response.editable:
    st.info(
        f"This assessment is {impact.STATUSES[response.status].lower()}: its answers are locked.",
        icon=":material/lock:",
    )
    st.page_link(
        IMPACT_RESULT,
        label="See the result and the sign-off",
        icon=":material/assessment:",
        query_params={"id": str(response.id)},
    )
    st.stop()

if response.status == "returned" and response.review_comment:
    st.warning(
        f"Returned by {plain(response.returned_by)}: {plain(response.review_comment)}",
        icon=":material/undo:",
    )
if response.previous_id:
    carried = sum(1 for record in records.values() if record["carried_from"] is not None)
    st.caption(
        f"A re-assessment: {carried} answers are carried over from version "
        f"{response.version_no - 1} and still as they were. Change whatever is different now."
    )

if conflicts:
    section_of = {
        question.id: item for item in questionnaire.sections for question in item.questions
    }
    with st.container(border=True):
        count = len(conflicts)
        st.markdown(
            f":orange[:material/sync_problem:] **{count} "
            f"{'answer differs' if count == 1 else 'answers differ'} from the AI system's "
            "inventory record.** Correct the answer or the inventory record, so the assessment "
            "and the inventory tell the same story."
        )
        st.markdown("\n".join(f"- {plain(conflict.message)}" for conflict in conflicts.values()))
        with st.container(horizontal=True):
            for section_id in dict.fromkeys(section_of[key].id for key in conflicts):
                if section_id in section_ids and section_id != current_id:
                    position_of = section_ids.index(section_id)
                    st.page_link(
                        IMPACT_WIZARD,
                        label=f"Go to {position_of + 1}. {sections[position_of].title}",
                        icon=":material/arrow_forward:",
                        query_params={"id": str(response.id), "section": section_id},
                    )

answered_total, shown_total = progress(questionnaire, answers)
st.progress(
    answered_total / shown_total if shown_total else 0.0,
    text=f"{answered_total} of {shown_total} questions answered · section {position + 1} of "
    f"{len(sections)}",
)
saved_note = st.session_state.get(SAVED)
st.caption(
    ":material/cloud_done: Every answer is saved as you give it; you can leave and come back."
    + (f" Last saved: {saved_note}." if saved_note else "")
)
actor = require_actor_notice()


def go_to(section_id: str) -> None:
    st.query_params["section"] = section_id


def pick_section() -> None:
    go_to(st.session_state[PREFIX + "section_pick"])


def section_label(section_id: str) -> str:
    index = section_ids.index(section_id)
    done, total = section_counts(sections[index])
    mark = "✓ " if done == total else ""
    return f"{index + 1}. {sections[index].title} ({mark}{done} of {total})"


st.session_state[PREFIX + "section_pick"] = current_id
st.selectbox(
    "Section",
    section_ids,
    format_func=section_label,
    key=PREFIX + "section_pick",
    on_change=pick_section,
)

# --- Questions ---------------------------------------------------------------------------------


def widget_key(question: Question, row: str = "", column: str = "") -> str:
    return PREFIX + question.id + (f"__{row}__{column}" if row else "")


def to_widget(question: Question, value: Any) -> Any:
    """A stored answer as the widget's value."""
    kind = question.type
    if kind == "multiple_choice":
        return list(value or [])
    if kind == "yes_no":
        return None if value is None else ("yes" if value else "no")
    if kind in ("short_text", "long_text"):
        return value or ""
    if kind == "date":
        return date.fromisoformat(value) if value else None
    if kind == "scale":
        return None if value is None else int(value)
    return value


def from_widget(question: Question) -> Any:
    """The widget's value as an answer for the domain to validate."""
    if question.type == "grid":
        table: dict[str, dict[str, str]] = {}
        for row in question.rows:
            for column in question.columns:
                cell = st.session_state.get(widget_key(question, row.key, column.key))
                if cell:
                    table.setdefault(row.key, {})[column.key] = cell
        return table
    value = st.session_state.get(widget_key(question))
    if question.type == "yes_no":
        return None if value is None else value == "yes"
    if question.type == "date":
        return value.isoformat() if value else None
    return value


# Widgets where the person picks: a refused pick is put back to the stored answer, so the
# widget shows what was kept. Typed answers (text, numbers, dates) stay as typed, to correct.
PICKED_TYPES = {"multiple_choice", "single_choice", "yes_no", "scale"}


def save(question: Question) -> None:
    """on_change of every widget: one answer, one write, one audit event."""
    try:
        outcome = impact_store.save_answer(
            db, current_actor() or "", response.id, question.id, from_widget(question)
        )
    except AnswerError as error:
        if question.type in PICKED_TYPES:
            st.session_state[widget_key(question)] = to_widget(question, answers.get(question.id))
            errors[question.id] = f"Not saved: {error.message}. The answer stays as it was."
        else:
            errors[question.id] = f"Not saved: {error.message}."
    except WorkbenchError as error:
        errors[question.id] = f"Not saved: {error}"
    else:
        errors.pop(question.id, None)
        if outcome.changed:
            st.session_state[SAVED] = utc_now().strftime("%H:%M:%S UTC")


def init(key: str, value: Any) -> None:
    """Fill a widget from the stored answer once; afterwards it keeps what the person typed."""
    if key not in st.session_state:
        st.session_state[key] = value


def render_widget(question: Question, label: str, disabled: bool) -> None:
    kind = question.type
    key = widget_key(question)
    common: dict[str, Any] = {
        "key": key,
        "disabled": disabled,
        "on_change": save,
        "args": (question,),
    }
    if kind != "grid":
        init(key, to_widget(question, answers.get(question.id)))
    if kind == "single_choice":
        labels = {choice.value: choice.label for choice in question.choices}
        captions = [choice.example or "" for choice in question.choices]
        st.radio(
            label,
            list(labels),
            format_func=labels.get,
            index=None,
            captions=captions if any(captions) else None,
            **common,
        )
    elif kind == "multiple_choice":
        labels = {choice.value: choice.label for choice in question.choices}
        st.multiselect(
            label,
            list(labels),
            format_func=labels.get,
            placeholder="Choose all that apply",
            **common,
        )
        examples = [f"{c.label}: {c.example}" for c in question.choices if c.example]
        if examples:
            st.caption("For example — " + " · ".join(plain(text) for text in examples))
    elif kind == "yes_no":
        st.radio(
            label,
            ["yes", "no"],
            format_func={"yes": "Yes", "no": "No"}.get,
            index=None,
            horizontal=True,
            **common,
        )
    elif kind == "scale":
        points = list(range(int(question.min or 1), int(question.max or 5) + 1))
        st.radio(
            label,
            points,
            format_func=lambda point: f"{point}: {question.scale_labels.get(point, '')}".rstrip(
                ": "
            ),
            index=None,
            **common,
        )
    elif kind == "short_text":
        st.text_input(label, help=f"Up to {question.max_length} characters.", **common)
    elif kind == "long_text":
        st.text_area(label, height=110, help=f"Up to {question.max_length} characters.", **common)
    elif kind == "number":
        bounds = " to ".join(
            str(int(bound)) if float(bound).is_integer() else str(bound)
            for bound in (question.min, question.max)
            if bound is not None
        )
        st.number_input(
            label,
            value=None,
            step=question.step or 1.0,
            help=f"Allowed: {bounds}." if bounds else None,
            placeholder="Enter a number",
            **common,
        )
    elif kind == "date":
        date_field(label, value=None, **common)
    else:
        render_grid(question, label, disabled)


def render_grid(question: Question, label: str, disabled: bool) -> None:
    """The grid's columns (kinds of harm, say) down, groups of people across; one rating per
    cell."""
    st.markdown(f"**{label}**")
    stored = answers.get(question.id) or {}
    ratings = {choice.value: choice.label for choice in question.cell_choices}
    widths = [2] + [1] * len(question.rows)
    header = st.columns(widths)
    header[0].caption(plain(question.column_heading or ""))
    for column, row in zip(header[1:], question.rows, strict=True):
        column.caption(f"**{plain(row.label)}**")
    for harm in question.columns:
        cells = st.columns(widths, vertical_alignment="center")
        cells[0].markdown(plain(harm.label))
        if harm.description:
            cells[0].caption(plain(harm.description))
        for cell, row in zip(cells[1:], question.rows, strict=True):
            key = widget_key(question, row.key, harm.key)
            init(key, stored.get(row.key, {}).get(harm.key))
            cell.selectbox(
                f"{harm.label}: {row.label}",
                list(ratings),
                format_func=ratings.get,
                index=None,
                placeholder="Rate…",
                label_visibility="collapsed",
                key=key,
                disabled=disabled,
                on_change=save,
                args=(question,),
            )


missing_marks = set(st.session_state.get(MISSING, []))
st.subheader(f"{position + 1}. {section.title}", anchor=False)
if section.description:
    st.caption(section.description)


def inventory_note(question: Question) -> None:
    """For a question the inventory record also answers: whether the two agree."""
    mirror = impact.inventory_mirror(question.id)
    if mirror is None:
        return
    conflict = conflicts.get(question.id)
    if conflict is not None:
        st.markdown(f":orange[:material/sync_problem: {plain(conflict.difference)}]")
    elif not mirror.compared:
        if answers.get(question.id) == getattr(system, mirror.field):
            st.caption(":material/inventory_2: Taken from the AI system's inventory record.")
    elif question.id in answers:
        st.caption(":material/inventory_2: Agrees with the AI system's inventory record.")
    else:
        st.caption(
            ":material/inventory_2: The inventory record says: "
            f"{plain(impact.record_text(mirror, system))}."
        )


def render_question(question: Question) -> None:
    """The question with its answer widget, messages and, beside it, why we ask."""
    label = question.text + (" *" if question.required else "")
    record = records.get(question.id)

    def messages() -> None:
        if question.id in errors:
            st.markdown(f":red[:material/error: {plain(errors[question.id])}]")
        elif question.id in missing_marks and not is_complete(question, answers.get(question.id)):
            st.markdown(":red[:material/error: Required: please answer this question.]")
        if record and record["carried_from"] is not None:
            st.caption(":material/history: Carried over from the previous version.")
        inventory_note(question)

    def why() -> None:
        st.caption(f"**Why we ask.** {plain(question.help)}")
        if question.source:
            st.caption(f"Reference: {plain(question.source)}")

    if question.type == "grid":
        render_widget(question, plain(label), disabled=actor is None)
        why()
        messages()
        return
    ask, reason = st.columns([3, 2], gap="large")
    with ask:
        render_widget(question, label, disabled=actor is None)
        messages()
    with reason:
        why()


for question in section.questions:
    if question.id in shown:
        with st.container(border=True):
            render_question(question)
st.caption("Questions marked * are required before the assessment can be submitted.")

# --- Navigation and submission -----------------------------------------------------------------

with st.container(horizontal=True):
    if position > 0:
        st.button(
            "Previous section",
            icon=":material/arrow_back:",
            on_click=go_to,
            args=(section_ids[position - 1],),
        )
    if position < len(sections) - 1:
        st.button(
            "Next section",
            icon=":material/arrow_forward:",
            type="primary",
            on_click=go_to,
            args=(section_ids[position + 1],),
        )
    st.page_link(
        IMPACT_RESULT,
        label="See the provisional result",
        icon=":material/assessment:",
        query_params={"id": str(response.id)},
    )

with st.container(border=True):
    st.markdown("**Submit for approval**")
    st.caption(
        "Submitting locks the answers and sends the assessment to a reviewer, who approves it "
        "or returns it with a comment."
    )
    if st.button(
        "Submit for approval",
        icon=":material/send:",
        disabled=actor is None,
        key=PREFIX + "submit",
    ):
        try:
            impact_store.submit(db, actor or "", response.id)
        except impact.MissingAnswersError as error:
            st.session_state[MISSING] = [item.question_id for item in error.missing]
            st.error(plain(error) + " Answer these, then submit again:")
            titles = {item.id: item.title for item in questionnaire.sections}
            for item in error.missing:
                st.page_link(
                    IMPACT_WIZARD,
                    label=plain(f"{titles[item.section_id]}: {item.text}"),
                    icon=":material/error:",
                    query_params={"id": str(response.id), "section": item.section_id},
                )
        except WorkbenchError as error:
            st.error(plain(error))
        else:
            st.session_state.pop(MISSING, None)
            flash(f"Submitted the impact assessment of {system.name} for approval.")
            st.query_params.clear()
            st.switch_page(IMPACT_RESULT, query_params={"id": str(response.id)})
    elif st.session_state.get(MISSING):
        still = missing_required(questionnaire, answers)
        if still:
            st.caption(f"{len(still)} required answers still missing (marked in red).")

with st.expander("Import answers from a file", icon=":material/upload_file:"):
    st.caption(
        "An answer file downloaded from a result page (JSON). Answers that are not valid, or "
        "that do not apply given the other answers, are left out and listed."
    )
    upload = st.file_uploader(
        "Answer file",
        type=["json"],
        key=PREFIX + "upload",
        max_upload_size=ANSWER_FILE_MAX_MB,
        help=f"Up to {ANSWER_FILE_MAX_SIZE_TEXT}.",
    )
    too_large = False
    if upload is not None:
        try:
            check_answer_file_size(upload.size, upload.name)
        except AnswerFileRefused as error:
            too_large = True
            st.error(plain(error), icon=":material/error:")
    if st.button("Import the answers", disabled=upload is None or actor is None or too_large):
        try:
            outcome = impact_store.import_answers(
                db, actor or "", response.id, upload.getvalue(), upload.name
            )
        except WorkbenchError as error:
            st.error(plain(error), icon=":material/error:")
        else:
            for key in [key for key in st.session_state if str(key).startswith(PREFIX)]:
                if key not in (ERRORS, PREFIX + "upload"):
                    del st.session_state[key]
            message = f"Imported {len(outcome.saved)} answers ({len(outcome.unchanged)} unchanged)."
            if outcome.notes:
                message += " Left out: " + first_few(outcome.notes)
            flash(message, "warning" if outcome.notes else "success")
            st.rerun()
