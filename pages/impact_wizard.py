"""The impact questionnaire, one section at a time; every answer is saved the moment it is given.

The response id and the section live in the URL, so a refresh or a closed tab resumes where the
person left off. Answers are validated by the domain; a refused answer shows its message beside
the question and the stored answer stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
from assessments.identity import Permission
from assessments.impact import ImpactResponse, InventoryConflict
from assessments.inventory import AISystem
from assessments.questionnaire.answers import is_complete, normal_answers
from assessments.questionnaire.errors import AnswerError
from assessments.questionnaire.model import Question, Questionnaire, Section
from assessments.questionnaire.visibility import (
    clean_answers,
    missing_required,
    progress,
    visible_questions,
)
from assessments.store import impact as impact_store
from assessments.store import inventory as inventory_store
from assessments.store.db import Database, utc_now
from assessments.text import first_few
from ui.common import (
    IMPACT_ASSESSMENTS,
    IMPACT_RESULT,
    IMPACT_WIZARD,
    attempt,
    database,
    flash,
    plain,
    record_from_query,
    show_flash,
)
from ui.date_fields import date_field
from ui.identity import current_actor, require_actor_notice
from ui.impact_widgets import missing_answer_links, show_errors, submit_for_approval
from ui.navigation import page_link, run_page

# Widgets where the person picks: a refused pick is put back to the stored answer, so the
# widget shows what was kept. Typed answers (text, numbers, dates) stay as typed, to correct.
PICKED_TYPES = {"multiple_choice", "single_choice", "yes_no", "scale"}


@dataclass
class Wizard:
    """One run of the page: the assessment, its answers as stored, the sections shown."""

    db: Database
    response: ImpactResponse
    questionnaire: Questionnaire
    system: AISystem
    records: dict[str, dict[str, Any]]
    answers: dict[str, Any]
    shown: set[str]
    conflicts: dict[str, InventoryConflict]
    sections: list[Section]
    current_id: str = ""
    actor: str | None = None
    missing_marks: set[str] = field(default_factory=set)

    @property
    def prefix(self) -> str:
        return f"iw{self.response.id}_"

    @property
    def errors_key(self) -> str:
        return self.prefix + "errors"

    @property
    def missing_key(self) -> str:
        return self.prefix + "missing"

    @property
    def saved_key(self) -> str:
        return self.prefix + "saved"

    @property
    def errors(self) -> dict[str, str]:
        """Refused answers by question, kept across runs until the answer is saved."""
        return st.session_state.setdefault(self.errors_key, {})

    @property
    def section_ids(self) -> list[str]:
        return [section.id for section in self.sections]

    @property
    def position(self) -> int:
        return self.section_ids.index(self.current_id)

    @property
    def section(self) -> Section:
        return self.sections[self.position]

    def section_counts(self, section: Section) -> tuple[int, int]:
        """(answered, shown) in one section, as the progress of the whole uses."""
        questions = [question for question in section.questions if question.id in self.shown]
        done = sum(is_complete(question, self.answers.get(question.id)) for question in questions)
        return done, len(questions)

    def widget_key(self, question: Question, row: str = "", column: str = "") -> str:
        return self.prefix + question.id + (f"__{row}__{column}" if row else "")


def load_wizard(db: Database) -> Wizard:
    """The assessment the URL names (?id=) with its answers as this version reads them."""
    response = record_from_query(
        lambda response_id: impact_store.get_response(db, response_id),
        title="Impact questionnaire",
        noun="impact assessment",
        hint="Choose an AI system on the impact assessments page to start or continue.",
        alternatives=lambda: page_link(
            IMPACT_ASSESSMENTS, label="Impact assessments", icon=":material/arrow_back:"
        ),
    )
    questionnaire = impact.get_questionnaire(response.questionnaire_id)
    system = inventory_store.get_system(db, response.system_id)
    records = impact_store.answer_records(db, response.id)
    # As this version of the questionnaire reads them (answers from an earlier version included).
    answers = normal_answers(questionnaire, {key: item["value"] for key, item in records.items()})
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
    wizard = Wizard(
        db, response, questionnaire, system, records, answers, shown, conflicts, sections
    )
    wizard.current_id = current_section(wizard)
    return wizard


def current_section(wizard: Wizard) -> str:
    """The section the URL names, else the first one not fully answered."""
    current_id = st.query_params.get("section")
    if current_id not in wizard.section_ids:
        current_id = next(
            (
                section.id
                for section in wizard.sections
                if wizard.section_counts(section)[0] < wizard.section_counts(section)[1]
            ),
            wizard.section_ids[0],
        )
    # Written on every run: a link to another section of this same page changes the page's query
    # parameters but not the browser's address, and a refresh must come back to this section.
    st.query_params["section"] = current_id
    return current_id


def render_header(wizard: Wizard) -> None:
    """Link back, title, caption; a locked assessment stops here with a link to its result."""
    response = wizard.response
    page_link(IMPACT_ASSESSMENTS, label="Impact assessments", icon=":material/arrow_back:")
    st.title(f"Impact assessment: {plain(wizard.system.name)}", anchor=False)
    st.caption(
        f"{wizard.questionnaire.title} (version {wizard.questionnaire.version}) · assessment "
        f"#{response.id}, version {response.version_no} · {impact.STATUSES[response.status]}"
    )
    show_flash()
    if not response.editable:
        st.info(
            f"This assessment is {impact.STATUSES[response.status].lower()}: its answers are "
            "locked.",
            icon=":material/lock:",
        )
        page_link(
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
        carried = sum(1 for record in wizard.records.values() if record["carried_from"] is not None)
        st.caption(
            f"A re-assessment: {carried} answers are carried over from version "
            f"{response.version_no - 1} and still as they were. Change whatever is different now."
        )


def render_conflicts(wizard: Wizard) -> None:
    """Answers that differ from the inventory record, with links to their sections."""
    conflicts, section_ids = wizard.conflicts, wizard.section_ids
    if not conflicts:
        return
    section_of = {
        question.id: item for item in wizard.questionnaire.sections for question in item.questions
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
                if section_id in section_ids and section_id != wizard.current_id:
                    position_of = section_ids.index(section_id)
                    page_link(
                        IMPACT_WIZARD,
                        label=f"Go to {position_of + 1}. {wizard.sections[position_of].title}",
                        icon=":material/arrow_forward:",
                        query_params={"id": str(wizard.response.id), "section": section_id},
                    )


def go_to(section_id: str) -> None:
    st.query_params["section"] = section_id


def render_progress(wizard: Wizard) -> None:
    """Progress of the whole and the note that every answer is saved as it is given."""
    answered_total, shown_total = progress(wizard.questionnaire, wizard.answers)
    st.progress(
        answered_total / shown_total if shown_total else 0.0,
        text=f"{answered_total} of {shown_total} questions answered · section "
        f"{wizard.position + 1} of {len(wizard.sections)}",
    )
    saved_note = st.session_state.get(wizard.saved_key)
    st.caption(
        ":material/cloud_done: Every answer is saved as you give it; you can leave and come back."
        + (f" Last saved: {saved_note}." if saved_note else "")
    )


def render_section_picker(wizard: Wizard) -> None:
    """Any section of those shown, each with how much of it is answered."""

    def section_label(section_id: str) -> str:
        index = wizard.section_ids.index(section_id)
        done, total = wizard.section_counts(wizard.sections[index])
        mark = "✓ " if done == total else ""
        return f"{index + 1}. {wizard.sections[index].title} ({mark}{done} of {total})"

    pick_key = wizard.prefix + "section_pick"
    st.session_state[pick_key] = wizard.current_id
    st.selectbox(
        "Section",
        wizard.section_ids,
        format_func=section_label,
        key=pick_key,
        on_change=lambda: go_to(st.session_state[pick_key]),
    )


# --- Questions ---------------------------------------------------------------------------------


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


def from_widget(wizard: Wizard, question: Question) -> Any:
    """The widget's value as an answer for the domain to validate."""
    if question.type == "grid":
        table: dict[str, dict[str, str]] = {}
        for row in question.rows:
            for column in question.columns:
                cell = st.session_state.get(wizard.widget_key(question, row.key, column.key))
                if cell:
                    table.setdefault(row.key, {})[column.key] = cell
        return table
    value = st.session_state.get(wizard.widget_key(question))
    if question.type == "yes_no":
        return None if value is None else value == "yes"
    if question.type == "date":
        return value.isoformat() if value else None
    return value


def save(wizard: Wizard, question: Question) -> None:
    """on_change of every widget: one answer, one write, one audit event."""
    errors = wizard.errors
    try:
        outcome = impact_store.save_answer(
            wizard.db,
            current_actor(),
            wizard.response.id,
            question.id,
            from_widget(wizard, question),
        )
    except AnswerError as error:
        if question.type in PICKED_TYPES:
            stored = to_widget(question, wizard.answers.get(question.id))
            st.session_state[wizard.widget_key(question)] = stored
            errors[question.id] = f"Not saved: {error.message}. The answer stays as it was."
        else:
            errors[question.id] = f"Not saved: {error.message}."
    except WorkbenchError as error:
        errors[question.id] = f"Not saved: {error}"
    else:
        errors.pop(question.id, None)
        if outcome.changed:
            st.session_state[wizard.saved_key] = utc_now().strftime("%H:%M:%S UTC")


def init(key: str, value: Any) -> None:
    """Fill a widget from the stored answer once; afterwards it keeps what the person typed."""
    if key not in st.session_state:
        st.session_state[key] = value


def render_widget(wizard: Wizard, question: Question, label: str, disabled: bool) -> None:
    kind = question.type
    key = wizard.widget_key(question)
    common: dict[str, Any] = {
        "key": key,
        "disabled": disabled,
        "on_change": save,
        "args": (wizard, question),
    }
    if kind != "grid":
        init(key, to_widget(question, wizard.answers.get(question.id)))
    if kind in ("single_choice", "multiple_choice"):
        render_choice(question, label, common)
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
        render_grid(wizard, question, label, disabled)


def render_choice(question: Question, label: str, common: dict[str, Any]) -> None:
    """A single choice as radio buttons, a multiple choice as a multiselect with examples."""
    labels = {choice.value: choice.label for choice in question.choices}
    if question.type == "single_choice":
        captions = [choice.example or "" for choice in question.choices]
        st.radio(
            label,
            list(labels),
            format_func=labels.get,
            index=None,
            captions=captions if any(captions) else None,
            **common,
        )
        return
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


def render_grid(wizard: Wizard, question: Question, label: str, disabled: bool) -> None:
    """The grid's columns (kinds of harm, say) down, groups of people across; one rating per
    cell."""
    st.markdown(f"**{label}**")
    stored = wizard.answers.get(question.id) or {}
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
            key = wizard.widget_key(question, row.key, harm.key)
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
                args=(wizard, question),
            )


def inventory_note(wizard: Wizard, question: Question) -> None:
    """For a question the inventory record also answers: whether the two agree."""
    mirror = impact.inventory_mirror(question.id)
    if mirror is None:
        return
    conflict = wizard.conflicts.get(question.id)
    if conflict is not None:
        st.markdown(f":orange[:material/sync_problem: {plain(conflict.difference)}]")
    elif not mirror.compared:
        if wizard.answers.get(question.id) == getattr(wizard.system, mirror.field):
            st.caption(":material/inventory_2: Taken from the AI system's inventory record.")
    elif question.id in wizard.answers:
        st.caption(":material/inventory_2: Agrees with the AI system's inventory record.")
    else:
        st.caption(
            ":material/inventory_2: The inventory record says: "
            f"{plain(impact.record_text(mirror, wizard.system))}."
        )


def render_question(wizard: Wizard, question: Question) -> None:
    """The question with its answer widget, messages and, beside it, why we ask."""
    label = question.text + (" *" if question.required else "")
    record = wizard.records.get(question.id)
    errors = wizard.errors

    def messages() -> None:
        answered = is_complete(question, wizard.answers.get(question.id))
        if question.id in errors:
            st.markdown(f":red[:material/error: {plain(errors[question.id])}]")
        elif question.id in wizard.missing_marks and not answered:
            st.markdown(":red[:material/error: Required: please answer this question.]")
        if record and record["carried_from"] is not None:
            st.caption(":material/history: Carried over from the previous version.")
        inventory_note(wizard, question)

    def why() -> None:
        st.caption(f"**Why we ask.** {plain(question.help)}")
        if question.source:
            st.caption(f"Reference: {plain(question.source)}")

    if question.type == "grid":
        render_widget(wizard, question, plain(label), disabled=wizard.actor is None)
        why()
        messages()
        return
    ask, reason = st.columns([3, 2], gap="large")
    with ask:
        render_widget(wizard, question, label, disabled=wizard.actor is None)
        messages()
    with reason:
        why()


def render_section(wizard: Wizard) -> None:
    """The current section's questions that are shown, each in its own box."""
    wizard.missing_marks = set(st.session_state.get(wizard.missing_key, []))
    section = wizard.section
    st.subheader(f"{wizard.position + 1}. {section.title}", anchor=False)
    if section.description:
        st.caption(section.description)
    for question in section.questions:
        if question.id in wizard.shown:
            with st.container(border=True):
                render_question(wizard, question)
    st.caption("Questions marked * are required before the assessment can be submitted.")


# --- Navigation and submission -----------------------------------------------------------------


def render_navigation(wizard: Wizard) -> None:
    """Previous and next section, and the provisional result."""
    position, section_ids = wizard.position, wizard.section_ids
    with st.container(horizontal=True):
        if position > 0:
            st.button(
                "Previous section",
                icon=":material/arrow_back:",
                on_click=go_to,
                args=(section_ids[position - 1],),
            )
        if position < len(wizard.sections) - 1:
            st.button(
                "Next section",
                icon=":material/arrow_forward:",
                type="primary",
                on_click=go_to,
                args=(section_ids[position + 1],),
            )
        page_link(
            IMPACT_RESULT,
            label="See the provisional result",
            icon=":material/assessment:",
            query_params={"id": str(wizard.response.id)},
        )


def render_submit(wizard: Wizard) -> None:
    """Submit for approval; the required answers still missing are listed and marked."""
    response = wizard.response
    with st.container(border=True):
        st.markdown("**Submit for approval**")
        st.caption(
            "Submitting locks the answers and sends the assessment to a reviewer, who approves "
            "it or returns it with a comment."
        )
        if st.button(
            "Submit for approval",
            icon=":material/send:",
            disabled=wizard.actor is None,
            key=wizard.prefix + "submit",
        ):
            missing, errors = attempt(
                lambda: submit_for_approval(wizard.db, wizard.actor, response.id)
            )
            if errors:
                show_errors(errors)
            elif missing is not None:
                marked = [item.question_id for item in missing.missing]
                st.session_state[wizard.missing_key] = marked
                missing_answer_links(missing, wizard.questionnaire, response.id)
            else:
                st.session_state.pop(wizard.missing_key, None)
                flash(f"Submitted the impact assessment of {wizard.system.name} for approval.")
                st.query_params.clear()
                st.switch_page(IMPACT_RESULT, query_params={"id": str(response.id)})
        elif st.session_state.get(wizard.missing_key):
            still = missing_required(wizard.questionnaire, wizard.answers)
            if still:
                st.caption(f"{len(still)} required answers still missing (marked in red).")


def render_import(wizard: Wizard) -> None:
    """Answers imported from an answer file, each validated; the left-out ones listed."""
    prefix = wizard.prefix
    with st.expander("Import answers from a file", icon=":material/upload_file:"):
        st.caption(
            "An answer file downloaded from a result page (JSON). Answers that are not valid, or "
            "that do not apply given the other answers, are left out and listed."
        )
        upload = st.file_uploader(
            "Answer file",
            type=["json"],
            key=prefix + "upload",
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
        disabled = upload is None or wizard.actor is None or too_large
        if not st.button("Import the answers", disabled=disabled):
            return
        outcome, errors = attempt(
            lambda: impact_store.import_answers(
                wizard.db, wizard.actor, wizard.response.id, upload.getvalue(), upload.name
            )
        )
        if errors:
            show_errors(errors, icon=":material/error:")
            return
        for key in [key for key in st.session_state if str(key).startswith(prefix)]:
            if key not in (wizard.errors_key, prefix + "upload"):
                del st.session_state[key]
        message = f"Imported {len(outcome.saved)} answers ({len(outcome.unchanged)} unchanged)."
        if outcome.notes:
            message += " Left out: " + first_few(outcome.notes)
        flash(message, "warning" if outcome.notes else "success")
        st.rerun()


def main() -> None:
    wizard = load_wizard(database())
    render_header(wizard)
    render_conflicts(wizard)
    render_progress(wizard)
    wizard.actor = require_actor_notice(Permission.ANSWER_IMPACT)
    render_section_picker(wizard)
    render_section(wizard)
    render_navigation(wizard)
    render_submit(wizard)
    render_import(wizard)


run_page(main)
