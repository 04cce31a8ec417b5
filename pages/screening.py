"""The regulatory screening of one AI system: answer, see the class and why, track obligations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from assessments import catalog
from assessments.colorado import (
    LAW,
    ColoradoReference,
    ColoradoResult,
    coverage_label,
    history_note,
    load_colorado_reference,
    no_result_note,
)
from assessments.identity import Permission
from assessments.impact_next_step import impact_next_step
from assessments.inventory import AISystem
from assessments.questionnaire.model import Question, Questionnaire
from assessments.questionnaire.visibility import visible_questions
from assessments.regulatory import (
    OBLIGATION_STATUSES,
    answer_problems,
    checklist_progress,
    evaluate,
    obligation_date_text,
    screening_questionnaire,
)
from assessments.screening import EuAiActReference, load_eu_ai_act_reference
from assessments.store import impact as impact_store
from assessments.store import inventory as inventory_store
from assessments.store import screenings as screening_store
from assessments.store.db import Database
from assessments.store.screenings import ChecklistRow, ScreeningRecord
from ui.common import (
    IMPACT_ASSESSMENTS,
    IMPACT_RESULT,
    IMPACT_WIZARD,
    REGULATORY,
    SYSTEM,
    attempt,
    class_badge,
    database,
    field_error,
    flash,
    labelled,
    plain,
    record_from_query,
    show_flash,
    system_picker,
)
from ui.identity import current_actor, require_actor_notice
from ui.navigation import page_link, run_page

SAVE_LABEL = "Screen and save"


@dataclass(frozen=True)
class Screen:
    """What every part of the page reads: the system the URL names, its current screening,
    the questionnaire and the law's reference data."""

    db: Database
    system: AISystem
    record: ScreeningRecord | None
    questionnaire: Questionnaire
    eu: EuAiActReference
    colorado: ColoradoReference

    @property
    def prefix(self) -> str:
        """The start of every session key of this system's questionnaire and checklist."""
        return f"scr_{self.system.id}_"

    def widget_key(self, question: Question, value: str | None = None) -> str:
        """One session key per question (or per choice of a multi-select)."""
        return f"{self.prefix}{question.id}" + (f"__{value}" if value else "")

    def class_labels(self) -> dict[str, str]:
        return {key: value.label for key, value in self.eu.classes.items()}


def main() -> None:
    db = database()
    system = record_from_query(
        lambda wanted: inventory_store.get_system(db, wanted),
        title="Regulatory screening",
        noun="AI system",
        alternatives=lambda: systems_to_screen(db),
    )
    screen = Screen(
        db=db,
        system=system,
        questionnaire=screening_questionnaire(),
        eu=load_eu_ai_act_reference(),
        colorado=load_colorado_reference(),
        record=screening_store.current_screening(db, system.id),
    )
    render_header(system)
    load_widgets_once(screen)
    if screen.record is None:
        st.markdown(
            "Not screened yet. Answer the questions below to find out whether the EU AI Act "
            "bans this system, treats it as high-risk, or asks it to say it is AI, and whether "
            "Colorado's law on automated decision-making technology (SB 26-189) covers it."
        )
        show_questionnaire(screen)
        return
    # Keyed and tracked by the server, so the tab a person is on stays open when a widget
    # inside it reruns the page (untracked, it went back to Result when the message above the
    # tabs changed, e.g. on choosing an obligation right after saving).
    result_tab, checklist_tab, questions_tab, history_tab = st.tabs(
        ["Result", "Obligations", "Answers (screen again)", "History"],
        key=f"{screen.prefix}tabs",
        on_change="rerun",
    )
    with result_tab:
        show_result(screen, screen.record)
    with checklist_tab:
        show_checklist(screen)
    with questions_tab:
        show_questionnaire(screen)
    with history_tab:
        show_history(screen)


def systems_to_screen(db: Database) -> None:
    names = inventory_store.system_names(db)
    empty = "The inventory is empty: add an AI system first, then screen it here."
    if system_picker(names, "Screen a system", key="scr_pick", empty=empty):
        page_link(REGULATORY, label="All screenings", icon=":material/gavel:")


def render_header(system: AISystem) -> None:
    with st.container(horizontal=True):
        page_link(
            SYSTEM,
            label=plain(system.name),
            icon=":material/arrow_back:",
            query_params={"id": system.id},
        )
        page_link(REGULATORY, label="All screenings", icon=":material/gavel:")
    st.title(f"Regulatory screening: {plain(system.name)}", anchor=False)
    show_flash()


# --- the questionnaire's state: one session key per question (or per choice of a multi-select) --


def load_widgets_once(screen: Screen) -> None:
    """Fill the questionnaire from the current screening once, so reruns keep what is typed."""
    if st.session_state.get(f"{screen.prefix}loaded"):
        return
    load_answers_into_widgets(screen, screen.record.answers if screen.record else {})
    st.session_state[f"{screen.prefix}note"] = screen.record.note if screen.record else ""
    st.session_state[f"{screen.prefix}loaded"] = True


def load_answers_into_widgets(screen: Screen, answers: dict[str, Any]) -> None:
    for question in screen.questionnaire.questions:
        value = answers.get(question.id)
        if question.type == "multiple_choice":
            for choice in question.choices:
                st.session_state[screen.widget_key(question, choice.value)] = choice.value in (
                    value or []
                )
        elif question.type == "yes_no":
            st.session_state[screen.widget_key(question)] = (
                None if value is None else ("yes" if value else "no")
            )


def answers_from_widgets(screen: Screen) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in screen.questionnaire.questions:
        if question.type == "multiple_choice":
            chosen = [
                choice.value
                for choice in question.choices
                if st.session_state.get(screen.widget_key(question, choice.value))
            ]
            if chosen:
                answers[question.id] = chosen
        elif question.type == "yes_no":
            value = st.session_state.get(screen.widget_key(question))
            if value is not None:
                answers[question.id] = value
    return answers


def save_screening(screen: Screen) -> None:
    """Button callback: screen and save, or keep the messages for the fields."""
    prefix = screen.prefix
    st.session_state.pop(f"{prefix}errors", None)
    saved, errors = attempt(
        lambda: screening_store.record_screening(
            screen.db,
            current_actor(),
            screen.system.id,
            answers_from_widgets(screen),
            st.session_state.get(f"{prefix}note", ""),
            screen.questionnaire,
        )
    )
    if saved is None:
        st.session_state[f"{prefix}errors"] = errors
        return
    flash(f"Screened {screen.system.name}: {screen.class_labels()[saved.risk_class]}.")


# --- the current result --------------------------------------------------------------------------


def answer_label(screen: Screen, question_id: str, values: list[str]) -> str:
    question = screen.questionnaire.question(question_id)
    labels = {choice.value: choice.label for choice in question.choices}
    return "; ".join(labels.get(value, value) for value in values)


def show_impact_next_step(screen: Screen) -> None:
    """Where the system's impact assessment stands, and the link that takes it forward."""
    system_id = screen.system.id
    versions = impact_store.versions(screen.db, system_id)
    approved = versions[-1] if versions and versions[-1].status == "approved" else None
    reasons = impact_store.stale_reasons_for(screen.db, approved) if approved else []
    step = impact_next_step(versions, reasons)
    st.markdown(plain(step.text))
    page, params = {
        "assessments": (IMPACT_ASSESSMENTS, {"system": str(system_id)}),
        "wizard": (IMPACT_WIZARD, {"id": str(step.response_id)}),
        "result": (IMPACT_RESULT, {"id": str(step.response_id)}),
    }[step.target]
    page_link(page, label=step.action, icon=":material/diversity_3:", query_params=params)


def show_result(screen: Screen, record: ScreeningRecord) -> None:
    outcome = record.outcome
    eu = outcome.eu
    class_badge(eu.risk_class)
    st.markdown(screen.eu.classes[eu.risk_class].explanation)
    if eu.risk_class == "prohibited":
        st.error(
            "Stop: the practice must end before the system is offered or used in the EU. "
            "Remove it (or withdraw the system), then screen the system again.",
            icon=":material/block:",
        )
    for reason in record.stale_reasons:
        st.warning(
            f"Stale: {plain(reason)}. Check the answers and screen it again.",
            icon=":material/update:",
        )
    show_facts(screen, record)
    st.subheader("Why", anchor=False)
    st.markdown("\n".join(f"{n}. {plain(reason)}" for n, reason in enumerate(eu.reasons, 1)))
    if outcome.impact_assessment_suggested or outcome.suggested_controls:
        st.subheader("What to do next", anchor=False)
    if outcome.impact_assessment_suggested:
        st.info(
            "This result calls for an impact assessment"
            + (" (the Art. 27 fundamental rights impact assessment)" if eu.fria_required else "")
            + ". Our impact assessment covers what it asks for.",
            icon=":material/assignment:",
        )
        show_impact_next_step(screen)
    if outcome.suggested_controls:
        controls = pd.DataFrame(
            [
                {"Control": control_id, "Title": catalog.control_by_id(control_id).title}
                for control_id in outcome.suggested_controls
            ]
        )
        st.markdown("**ISO/IEC 42001 Annex A controls that serve these duties**")
        st.dataframe(
            controls, hide_index=True, width="stretch", height=35 * (len(controls) + 1) + 3
        )
    show_colorado(screen, outcome.colorado, record.answers)


def show_facts(screen: Screen, record: ScreeningRecord) -> None:
    """The EU result's basis and duties, who screened it when, and the note."""
    eu = record.outcome.eu
    assessed = eu.duties_assessed
    facts = [
        f"- **Basis:** {screen.eu.bases[eu.basis].label}" if eu.basis else None,
        "- **Transparency duties:** "
        + (answer_label(screen, "art50", list(eu.transparency_duties)) or "none")
        if assessed
        else None,
        f"- **General-purpose AI model:** {screen.eu.gpai_levels[eu.gpai].label}",
        "- **Fundamental rights impact assessment (Art. 27):** "
        + ("required" if eu.fria_required else "not required")
        if assessed
        else None,
    ]
    st.markdown("\n".join(fact for fact in facts if fact))
    st.caption(
        f"Screened by {plain(record.screened_by)} on {record.screened_at:%Y-%m-%d %H:%M} UTC "
        f"· questionnaire version {plain(record.questionnaire_version)}"
    )
    if record.note:
        st.markdown(f"**Note.** {plain(record.note)}")


def show_colorado(screen: Screen, colorado: ColoradoResult | None, answers: dict[str, Any]) -> None:
    """The Colorado ADMT law part of the result: covered or not, why, and each duty's date."""
    reference = screen.colorado
    st.subheader(f"{reference.short_title} ({LAW})", anchor=False)
    if colorado is None:
        st.markdown(plain(no_result_note(answers)))
        st.caption(plain(history_note(reference)))
        return
    if colorado.legacy:
        st.badge(
            "Colorado: screened under SB 24-205 (repealed)",
            icon=":material/history:",
            color="gray",
        )
    else:
        st.badge(
            f"Colorado: {coverage_label(colorado.covered)}",
            icon=":material/balance:",
            color="orange" if colorado.covered else "green",
        )
    basis = reference.bases[colorado.basis]
    roles = ", ".join(colorado.roles) or "none given"
    st.markdown(
        f"- **Basis:** {plain(basis.label)}. {plain(basis.explanation)}\n"
        f"- **Roles under the Colorado law:** {plain(roles)}\n"
        f"- **In effect from:** {reference.effective.date} "
        f"({plain(reference.effective.source)})"
    )
    st.markdown("\n".join(f"{n}. {plain(reason)}" for n, reason in enumerate(colorado.reasons, 1)))
    if colorado.obligations:
        show_colorado_obligations(colorado)
    st.caption(plain(history_note(reference)))


def show_colorado_obligations(colorado: ColoradoResult) -> None:
    st.markdown("**Colorado obligations for your roles, with the date each applies from**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Obligation": item.title,
                    "Section": item.section,
                    "Roles": ", ".join(item.roles),
                    "Applies from": item.applies_from,
                    "When": item.frequency,
                    "Source": item.source,
                    "Last checked": item.last_checked,
                }
                for item in colorado.obligations
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Obligation": st.column_config.TextColumn(width=250),
            "Section": st.column_config.TextColumn(width=170),
            "Roles": st.column_config.TextColumn(width=70),
            "Applies from": st.column_config.DateColumn(width=90),
            "When": st.column_config.TextColumn(width=230),
            "Last checked": st.column_config.DateColumn(),
        },
    )


# --- the obligations checklist -------------------------------------------------------------------


def show_checklist(screen: Screen) -> None:
    rows = screening_store.checklist(screen.db, screen.system.id)
    if not rows:
        st.info("This result carries no obligations for your roles.")
        return
    progress = checklist_progress(row.status for row in rows)
    st.progress(
        progress.share,
        text=f"{progress.closed} of {progress.total} obligations done or set aside",
    )
    show_checklist_table(rows)
    st.markdown("**Update an obligation**")
    show_obligation_editor(screen, rows)


def show_checklist_table(rows: list[ChecklistRow]) -> None:
    table = pd.DataFrame(
        [
            {
                "Obligation": row.item.title,
                "Law": row.item.regime,
                "Article": row.item.article,
                "Applies from": row.item.applies_from,
                "Status": OBLIGATION_STATUSES[row.status],
                "Owner": row.owner,
                "Evidence": row.evidence,
                "Date set by": row.item.date_set_by or row.item.source,
                "Earlier date": row.item.replaced_date,
                "Condition": row.item.condition or "",
                "Source": row.item.source,
                "Last checked": row.item.last_checked,
            }
            for row in rows
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=35 * (min(len(table), 25) + 1) + 3,
        column_config={
            "Obligation": st.column_config.TextColumn(width="large"),
            "Applies from": st.column_config.DateColumn(),
            "Earlier date": st.column_config.DateColumn(
                help="The date this duty had before an amendment moved it"
            ),
            "Last checked": st.column_config.DateColumn(),
        },
    )
    st.caption(
        "Dates of the law move: each comes from the data file with its source and the date it "
        "was last checked."
    )


def show_obligation_editor(screen: Screen, rows: list[ChecklistRow]) -> None:
    """One obligation's status, owner and evidence; a refusal is shown beside its field."""
    prefix = screen.prefix
    by_id = {row.item.id: row for row in rows}
    chosen = st.selectbox(
        "Obligation",
        list(by_id),
        format_func=lambda key: f"{by_id[key].item.title} ({by_id[key].item.article})",
        key=f"{prefix}obligation",
    )
    row = by_id[chosen]
    st.markdown(plain(row.item.summary))
    st.caption(plain(obligation_date_text(row.item)))
    if row.item.frequency:
        st.caption(f"When: {plain(row.item.frequency)}")
    errors_key = f"{prefix}obligation_errors_{chosen}"
    errors: dict[str, str] = st.session_state.get(errors_key, {})
    actor = require_actor_notice(Permission.SCREEN)
    with st.form(f"{prefix}obligation_form_{chosen}"):
        statuses = list(OBLIGATION_STATUSES)
        status = st.selectbox(
            "Status",
            statuses,
            index=statuses.index(row.status),
            format_func=labelled(OBLIGATION_STATUSES),
            key=f"{prefix}status_{chosen}",
        )
        field_error(errors, "status")
        owner = st.text_input(
            "Owner", value=row.owner, max_chars=120, key=f"{prefix}owner_{chosen}"
        )
        field_error(errors, "owner")
        evidence = st.text_area(
            "Evidence",
            value=row.evidence,
            max_chars=2000,
            help="Where an auditor finds the proof: a document, a link or a record reference.",
            key=f"{prefix}evidence_{chosen}",
        )
        field_error(errors, "evidence")
        submitted = st.form_submit_button("Save obligation", disabled=actor is None)
    if submitted:
        changed, refused = attempt(
            lambda: screening_store.update_obligation(
                screen.db, actor, screen.system.id, chosen, status, owner, evidence
            )
        )
        if "form" in refused:
            st.error(plain(refused["form"]))
        elif refused:
            st.session_state[errors_key] = refused
            st.rerun()
        else:
            st.session_state.pop(errors_key, None)
            flash(f"Saved: {row.item.title}." if changed else "Nothing changed.", "success")
            st.rerun()
    if errors:
        st.error("Nothing was saved: see the message under the field.")


# --- the questionnaire ---------------------------------------------------------------------------


def show_questionnaire(screen: Screen) -> None:
    st.caption(
        "Answer from what the system is intended to do. Questions appear as they become "
        "relevant; the result is worked out step by step from your answers, not scored."
    )
    prefix = screen.prefix
    errors: dict[str, str] = st.session_state.get(f"{prefix}errors", {})
    answers = answers_from_widgets(screen)
    shown = {question.id for question in visible_questions(screen.questionnaire, answers)}
    for section in screen.questionnaire.sections:
        questions = [question for question in section.questions if question.id in shown]
        if not questions:
            continue
        st.markdown(f"##### {plain(section.title)}")
        for question in questions:
            ask(screen, question)
            field_error(errors, question.id)
    st.text_area(
        "Note (optional): why these answers, what was checked, what is assumed",
        key=f"{prefix}note",
        max_chars=2000,
    )
    field_error(errors, "note")
    preview(screen, answers)
    actor = require_actor_notice(Permission.SCREEN)
    st.button(
        SAVE_LABEL,
        type="primary",
        on_click=save_screening,
        args=(screen,),
        disabled=actor is None,
        icon=":material/gavel:",
    )
    if errors:
        st.error(
            "Nothing was saved: "
            + plain(errors.get("form", "see the messages under the questions."))
        )


def ask(screen: Screen, question: Question) -> None:
    """One question: its text, why we ask, then the answer widgets (examples in the tooltips)."""
    # A yes/no question that may be left open says so (an empty multiple choice means none).
    optional = " (optional)" if question.type == "yes_no" and not question.required else ""
    st.markdown(f"**{plain(question.text)}**{optional}", help=question_note(screen, question.id))
    st.caption(plain(question.help))
    if question.type == "yes_no":
        st.radio(
            question.text,
            ["yes", "no"],
            format_func=str.capitalize,
            horizontal=True,
            index=None,
            key=screen.widget_key(question),
            label_visibility="collapsed",
        )
        return
    for choice in question.choices:
        tips = [choice.example, option_note(screen, question.id, choice.value)]
        st.checkbox(
            choice.label,
            key=screen.widget_key(question, choice.value),
            help="\n\n".join(tip for tip in tips if tip) or None,
        )
    if any(choice.example for choice in question.choices):
        st.caption("Point at the ? beside an option to see examples.")


def question_note(screen: Screen, question_id: str) -> str | None:
    reference = screen.eu.questions.get(question_id)
    if reference is None:
        return None
    parts = [
        f"For example: {' · '.join(reference.examples)}" if reference.examples else "",
        reference.note or "",
        f"See {reference.article}." if reference.article else "",
    ]
    return "\n\n".join(part for part in parts if part) or None


def option_note(screen: Screen, question_id: str, value: str) -> str | None:
    reference = screen.eu.questions.get(question_id)
    if reference is None or value not in reference.options:
        return None
    option = reference.options[value]
    parts = [option.note or "", f"See {option.article}." if option.article else ""]
    return "\n\n".join(part for part in parts if part) or None


def preview(screen: Screen, answers: dict[str, Any]) -> None:
    """The result these answers would give, before saving (nothing is stored)."""
    if answer_problems(screen.questionnaire, answers):
        st.caption("Answer every question shown (except those marked optional) to see the result.")
        return
    outcome = evaluate(answers, screen.questionnaire)
    with st.container(horizontal=True):
        st.markdown("**Result if you save now:**")
        class_badge(outcome.risk_class)


def show_history(screen: Screen) -> None:
    history = screening_store.screening_history(screen.db, screen.system.id)
    history = history.assign(risk_class=history["risk_class"].map(screen.class_labels()))
    st.dataframe(
        history,
        hide_index=True,
        width="stretch",
        column_order=["screened_at", "screened_by", "risk_class", "fria_required", "note"],
        column_config={
            "screened_at": st.column_config.DatetimeColumn("Screened (UTC)"),
            "screened_by": "By",
            "risk_class": "Class",
            "fria_required": st.column_config.CheckboxColumn("FRIA"),
            "note": "Note",
        },
    )


run_page(main)
