"""One impact assessment's result: level and obligations, charts, suggested risks, answers, and
the sign-off workflow (submit, approve, return, re-assess) with the PDF and JSON downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from assessments import catalog, impact
from assessments.charts.impact import impact_radar
from assessments.identity import Actor, Permission, same_person
from assessments.impact import ImpactReport
from assessments.questionnaire.files import answers_to_json, diff_answers
from assessments.questionnaire.terms import DIMENSIONS
from assessments.questionnaire.visibility import visible_questions
from assessments.reports.impact_pdf import build_impact_pdf
from assessments.store import impact as impact_store
from assessments.store.db import Database
from ui.common import (
    IMPACT_ASSESSMENTS,
    IMPACT_RESULT,
    IMPACT_WIZARD,
    RISK,
    SYSTEM,
    attempt,
    database,
    flash,
    plain,
    record_from_query,
    show_flash,
)
from ui.identity import current_actor, require_actor_notice
from ui.impact_widgets import error_text, missing_answer_links, show_errors, submit_for_approval
from ui.navigation import page_link, run_page


def load_report(db: Database) -> ImpactReport:
    """The assessment the URL names (?id=), with everything its result shows."""
    return record_from_query(
        lambda response_id: impact_store.report_data(db, response_id),
        title="Impact assessment result",
        noun="impact assessment",
        hint="Open an assessment from the impact assessments page.",
        alternatives=lambda: page_link(
            IMPACT_ASSESSMENTS, label="Impact assessments", icon=":material/arrow_back:"
        ),
    )


def prefix_of(report: ImpactReport) -> str:
    """The start of this assessment's widget and session keys."""
    return f"ir{report.response.id}_"


def render_header(report: ImpactReport) -> None:
    """Links back, the title, the status badges, the stop (if any)."""
    response, system, level, stop = report.response, report.system, report.level, report.stop_floor
    with st.container(horizontal=True):
        page_link(IMPACT_ASSESSMENTS, label="Impact assessments", icon=":material/arrow_back:")
        page_link(
            SYSTEM,
            label=plain(system.name),
            icon=":material/memory:",
            query_params={"id": str(system.id)},
        )
    st.title(f"Impact assessment: {plain(system.name)}", anchor=False)
    with st.container(horizontal=True):
        st.badge(impact.STATUSES[response.status], color=impact.STATUS_COLOURS[response.status])
        st.badge(f"Level {level.id}: {level.title}", icon=":material/diversity_3:", color="violet")
        if stop is not None:
            st.badge("Stop", icon=":material/block:", color="red")
        if report.stale_reasons:
            st.badge("Stale", icon=":material/update:", color="red")
    st.caption(
        f"Assessment #{response.id}, version {response.version_no} · "
        f"{report.questionnaire.title} (version {response.questionnaire_version}) · started by "
        f"{plain(response.created_by)} on {response.created_at:%Y-%m-%d}"
    )
    show_flash()
    if report.version_note:
        st.caption(f":material/info: {plain(report.version_note)}")
    if stop is not None:
        st.error(f"**Stop: {plain(stop.title)}.** {plain(stop.rationale)}", icon=":material/block:")


def render_notices(db: Database, report: ImpactReport) -> None:
    """Out of date, provisional, answers that differ from the inventory record."""
    response = report.response
    if report.stale_reasons:
        changed = []
        if response.approved_at:
            changed = impact.material_field_labels(
                impact_store.material_changes_since(db, report.system.id, response.approved_at)
            )
        detail = f" Changed since: {', '.join(changed)}." if changed else ""
        st.error(
            "Out of date: "
            + "; ".join(plain(reason) for reason in report.stale_reasons)
            + "."
            + detail
            + " Start a re-assessment to bring it up to date.",
            icon=":material/update:",
        )
    if response.editable:
        done, total = response.answered, response.shown
        st.warning(
            f"Provisional: this assessment is {impact.STATUSES[response.status].lower()} "
            f"({done} of {total} questions answered). The level can still change.",
            icon=":material/edit_note:",
        )
    differences = report.inventory_conflicts
    if differences:
        count = len(differences)
        st.warning(
            f"**{count} {'answer differs' if count == 1 else 'answers differ'} from the AI "
            "system's inventory record.** Correct the answer (in a draft or a re-assessment) or "
            "the inventory record, so both tell the same story.\n\n"
            + "\n".join(f"- {plain(conflict.message)}" for conflict in differences),
            icon=":material/sync_problem:",
        )


# --- Workflow ----------------------------------------------------------------------------------


def start_reassessment(db: Database, report: ImpactReport) -> None:
    """on_click: a new version prefilled from this one, opened once the page runs again."""
    prefix = prefix_of(report)
    created, errors = attempt(
        lambda: impact_store.start_assessment(
            db, current_actor(), report.system.id, report.questionnaire.id
        )
    )
    if created is None:
        st.session_state[prefix + "error"] = error_text(errors)
        return
    version = report.response.version_no
    flash(f"Started version {created.version_no}, prefilled from version {version}.")
    st.session_state[prefix + "open"] = created.id


def render_sign_off(db: Database, report: ImpactReport) -> Actor | None:
    """The sign-off box for the assessment's status; the person signed in (or None)."""
    prefix = prefix_of(report)
    with st.container(border=True):
        st.markdown("**Sign-off**")
        reviewing = report.response.status == "submitted"
        actor = require_actor_notice(
            Permission.APPROVE_IMPACT if reviewing else Permission.ANSWER_IMPACT
        )
        if st.session_state.get(prefix + "error"):
            st.error(plain(st.session_state.pop(prefix + "error")))
        if report.response.status in impact.EDITABLE_STATUSES:
            render_submit(db, report, actor)
        elif report.response.status == "submitted":
            render_review(db, report, actor)
        else:
            render_approved(db, report, actor)
    opened = st.session_state.pop(prefix + "open", None)
    if opened:
        st.switch_page(IMPACT_WIZARD, query_params={"id": str(opened)})
    return actor


def render_submit(db: Database, report: ImpactReport, actor: Actor | None) -> None:
    """A draft or a returned assessment: continue it, or submit it for approval."""
    response = report.response
    if response.status == "returned":
        st.markdown(
            f"Returned by **{plain(response.returned_by)}** on "
            f"{response.returned_at:%Y-%m-%d}: {plain(response.review_comment)}"
        )
    with st.container(horizontal=True):
        page_link(
            IMPACT_WIZARD,
            label="Continue the questionnaire",
            icon=":material/edit_note:",
            query_params={"id": str(response.id)},
        )
        submit = st.button(
            "Submit for approval",
            icon=":material/send:",
            type="primary",
            disabled=actor is None,
            key=prefix_of(report) + "submit",
        )
    if not submit:
        return
    missing, errors = attempt(lambda: submit_for_approval(db, actor, response.id))
    if errors:
        show_errors(errors)
    elif missing is not None:
        missing_answer_links(missing, report.questionnaire, response.id)
    else:
        flash("Submitted for approval. The answers are locked until a reviewer decides.")
        st.rerun()


def render_review(db: Database, report: ImpactReport, actor: Actor | None) -> None:
    """A submitted assessment: the reviewer's comment, approve or return."""
    response, level, prefix = report.response, report.level, prefix_of(report)
    st.markdown(
        f"Submitted by **{plain(response.submitted_by)}** on "
        f"{response.submitted_at:%Y-%m-%d %H:%M} UTC, waiting for a reviewer. "
        f"At level {level.id}: {plain(level.requires[0])}"
    )
    own = same_person(actor, response.submitted_by)
    if own:
        st.info(
            "You submitted this assessment: someone else approves or returns it.",
            icon=":material/group:",
        )
    comment = st.text_area(
        "Reviewer's comment",
        key=prefix + "comment",
        max_chars=impact.REVIEW_COMMENT_MAX,
        placeholder="Required when returning: say what needs to change.",
    )
    with st.container(horizontal=True):
        approve = st.button(
            "Approve",
            icon=":material/task_alt:",
            type="primary",
            disabled=actor is None or own,
        )
        send_back = st.button(
            "Return for changes", icon=":material/undo:", disabled=actor is None or own
        )
    if not (approve or send_back):
        return
    decide = impact_store.approve if approve else impact_store.return_for_changes
    _, errors = attempt(lambda: decide(db, actor, response.id, comment))
    if errors:
        show_errors(errors)
        return
    flash("Approved: the assessment is signed off." if approve else "Returned.")
    st.session_state.pop(prefix + "comment", None)
    st.rerun()


def render_approved(db: Database, report: ImpactReport, actor: Actor | None) -> None:
    """An approved assessment: who signed it off, a newer version or a re-assessment."""
    response, system = report.response, report.system
    st.markdown(
        f"Submitted by **{plain(response.submitted_by)}** on "
        f"{response.submitted_at:%Y-%m-%d}; approved by **{plain(response.approved_by)}** "
        f"on {response.approved_at:%Y-%m-%d}."
        + (f" Comment: {plain(response.review_comment)}" if response.review_comment else "")
    )
    newest = impact_store.latest(db, system.id, report.questionnaire.id)
    if newest is not None and newest.id != response.id:
        st.info(
            f"A newer version exists: #{newest.id} (version {newest.version_no}, "
            f"{impact.STATUSES[newest.status].lower()}).",
            icon=":material/info:",
        )
        page_link(
            IMPACT_WIZARD if newest.editable else IMPACT_RESULT,
            label=f"Open version {newest.version_no}",
            icon=":material/arrow_forward:",
            query_params={"id": str(newest.id)},
        )
    elif system.status != "retired":
        st.button(
            "Start a re-assessment",
            icon=":material/restart_alt:",
            type="primary" if report.stale_reasons else "secondary",
            disabled=actor is None,
            on_click=start_reassessment,
            args=(db, report),
            help="A new version, prefilled with these answers; this one stays as it is.",
        )


# --- Result ------------------------------------------------------------------------------------


def render_level(report: ImpactReport) -> None:
    """The level with its floors, the scores, and what the level requires."""
    level, result = report.level, report.result
    st.subheader(f"Impact level {level.id}: {level.title}", anchor=False)
    st.markdown(plain(level.summary))
    if report.floors:
        render_floors(report)
    metrics = st.columns(4)
    metrics[0].metric(
        "Impact score",
        impact.points(result.impact_score),
        help=f"Out of a maximum of {impact.points(result.impact_max)}, after any mitigation "
        "credit; the maximum counts every impact question.",
    )
    metrics[1].metric("Share of the maximum", f"{100 * result.share:.0f}%")
    metrics[2].metric(
        "Measures",
        f"{impact.points(result.mitigation_score)} of {impact.points(result.mitigation_max)}",
    )
    metrics[3].metric(
        "Mitigation credit",
        "applied" if result.credit_applied else "not reached",
        help="When the measures reach their threshold, the impact score is reduced.",
    )
    st.markdown("**What this level requires**")
    if report.stop_floor is not None:
        # No approval makes a prohibited practice usable: the level's requirements do not apply.
        st.markdown(
            "Nothing makes this system usable as it is: no approval or measure lifts a ban. End "
            "the practice (or the system), screen the system again, then re-assess."
        )
    else:
        st.markdown("\n".join(f"- {plain(requirement)}" for requirement in level.requires))


def render_floors(report: ImpactReport) -> None:
    """The minimum levels that apply, each with the answers that set it."""
    with st.container(border=True):
        st.markdown("**Minimum levels that apply (floors)**")
        st.caption(
            "A floor holds whatever the points: neither a low score nor the mitigation credit "
            "takes the level below it. The level's requirements, approval included, follow the "
            "level above."
        )
        if report.level_explanation:
            st.markdown(f":material/vertical_align_top: {plain(report.level_explanation)}")
        for floor in report.floors:
            st.markdown(f"**{plain(floor.heading)}** {plain(floor.rationale)}")
            if floor.because:
                st.markdown(
                    "\n".join(f"- Answer: {plain(line)}" for line in floor.because)
                    if len(floor.because) > 1
                    else f"Answer: {plain(floor.because[0])}"
                )


def render_benefits_and_harms(report: ImpactReport) -> None:
    """Who gains beside the worst harm rated for them; the harms and how likely they are."""
    st.markdown("**Benefits beside the harms**")
    st.caption(
        "Who gains from the system next to the worst harm rated for them. Benefits are for the "
        "approver to weigh: they never lower the impact score or the level."
    )
    if report.benefits:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Who": line.who,
                        "What they gain": line.benefit,
                        "Worst harm rated": line.worst_harm,
                    }
                    for line in report.benefits
                ]
            ),
            hide_index=True,
            width="stretch",
            height="content",
        )
    else:
        st.caption("The benefits are not rated in this version of the questionnaire.")
    st.markdown("**Harms and how likely they are**")
    if report.harms:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Kind of harm": line.kind,
                        "Worst rating": line.worst,
                        "For whom": line.who,
                        "How likely": line.likelihood,
                    }
                    for line in report.harms
                ]
            ),
            hide_index=True,
            width="stretch",
            height="content",
            column_config={
                "Kind of harm": st.column_config.TextColumn(width=300),
                "Worst rating": st.column_config.TextColumn(width=110),
                "For whom": st.column_config.TextColumn(width=440),
                "How likely": st.column_config.TextColumn(
                    "How likely",
                    width=160,
                    help="Already happening is an actual impact; the others are foreseeable ones.",
                ),
            },
        )
    elif report.answers.get("harm_grid"):
        st.caption("No harm is rated above none in the harm table.")
    else:
        st.caption("The harm table is not answered yet.")


def render_dimensions(report: ImpactReport) -> None:
    """The radar of the dimensions (against the previous version) beside their scores."""
    result = report.result
    shares = impact.dimension_shares(result)
    previous_shares = (
        impact.dimension_shares(report.previous.dimension_scores) if report.previous else None
    )
    chart, table = st.columns([3, 2])
    with chart:
        st.markdown("**Impact by dimension** (share of each dimension's maximum)")
        st.plotly_chart(
            impact_radar(shares, previous_shares),
            width="stretch",
            key=prefix_of(report) + "radar",
        )
    with table:
        st.markdown("**Score per dimension**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Dimension": label,
                        "Score": f"{impact.points(part['score'])} of {impact.points(part['max'])}",
                        "Share": shares[label],
                    }
                    for key, label in DIMENSIONS.items()
                    if (part := result.dimension_scores.get(key, {})).get("max")
                ]
            ),
            hide_index=True,
            width="stretch",
            height="content",
            column_config={
                "Share": st.column_config.ProgressColumn(
                    "Share", format="%.0f%%", min_value=0, max_value=100
                )
            },
        )


def render_sections(report: ImpactReport) -> None:
    """The score of each section that has impact or mitigation questions."""
    st.markdown("**Score per section**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Section": row["title"],
                    "Questions": row["questions"],
                    "Score": impact.points(row["score"]) if row["max"] else "",
                    "Maximum": impact.points(row["max"]) if row["max"] else "",
                    "Measures": f"{impact.points(row['mitigation_score'])} of "
                    f"{impact.points(row['mitigation_max'])}"
                    if row["mitigation_max"]
                    else "",
                }
                for row in report.result.section_scores
                if row["max"] or row["mitigation_max"]
            ]
        ),
        hide_index=True,
        width="stretch",
        height="content",
        column_config={
            "Section": st.column_config.TextColumn(width="medium"),
            "Questions": st.column_config.NumberColumn(
                width="small", help="Impact questions in the section"
            ),
            "Score": st.column_config.TextColumn(width="small"),
            "Maximum": st.column_config.TextColumn(width="small"),
            "Measures": st.column_config.TextColumn(
                width="small", help="Mitigation score of its maximum"
            ),
        },
    )


# --- What changed ------------------------------------------------------------------------------


def render_changes(db: Database, report: ImpactReport) -> None:
    """Level, score and answers compared with the previous version."""
    previous, questionnaire = report.previous, report.questionnaire
    if previous is None:
        return
    st.subheader(f"What changed since version {previous.version_no}", anchor=False)
    old_answers = impact_store.current_answers(db, previous.id)
    changes = diff_answers(questionnaire, old_answers, report.answers)
    st.markdown(
        f"Level {plain(previous.level)} → **{report.level.id}** · impact score "
        f"{impact.points(previous.impact_score)} → "
        f"**{impact.points(report.result.impact_score)}** · {len(changes)} answers changed."
    )
    if not changes:
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Question": change["text"],
                    "Before": impact.describe_answer(
                        questionnaire.question(change["question_id"]), change["old"]
                    ),
                    "Now": impact.describe_answer(
                        questionnaire.question(change["question_id"]), change["new"]
                    ),
                }
                for change in changes
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Question": st.column_config.TextColumn(width="large"),
            "Before": st.column_config.TextColumn(width="medium"),
            "Now": st.column_config.TextColumn(width="medium"),
        },
    )


# --- Suggested risks ---------------------------------------------------------------------------


def open_risk_link(risk_id: int) -> None:
    """A link to the risk; plain text when the register page is not part of this app yet."""
    try:
        page_link(
            RISK,
            label=f"Open risk #{risk_id} in the register",
            icon=":material/open_in_new:",
            query_params={"id": str(risk_id)},
        )
    except StreamlitAPIException:
        st.caption(f"Risk #{risk_id} is in the register.")


def render_suggestions(db: Database, report: ImpactReport, actor: Actor | None) -> None:
    """The risks the answers suggest, each added to the register in one click."""
    st.subheader("Risks the answers suggest", anchor=False)
    suggested = impact.suggestions(report.questionnaire, report.result)
    if not suggested:
        st.caption("None of the answers suggests a specific risk for the register.")
    else:
        st.caption(
            "Each is added to the risk register in one click, with the system's owner and "
            "lifecycle stage and a link back to the answer. It is added unrated: the suggested "
            "rating is offered as a starting point when someone rates it, never saved for you."
        )
    links = impact_store.risk_links(db, report.response)
    for suggestion in suggested:
        with st.container(border=True):
            text, action = st.columns([4, 1.4], vertical_alignment="center")
            with text:
                describe_suggestion(report, suggestion)
            with action:
                existing = links.get((suggestion.question_id, suggestion.trigger_index))
                if existing:
                    st.markdown(f":green[:material/check_circle: Added as risk #{existing}]")
                    open_risk_link(existing)
                else:
                    add_suggestion_button(db, report, suggestion, actor)


def describe_suggestion(report: ImpactReport, suggestion: impact.Suggestion) -> None:
    """A suggested risk: title, description, taxonomy, starting rating and the answer behind it."""
    risk, taxonomy = suggestion.risk, catalog.taxonomy()
    question = report.questionnaire.question(suggestion.question_id)
    st.markdown(f"**{plain(risk.title)}**")
    st.markdown(plain(risk.description))
    parties = ", ".join(taxonomy.affected_parties.get(p, p) for p in risk.affected_parties)
    st.caption(
        f"{plain(taxonomy.harm_categories.get(risk.harm_category, risk.harm_category))} · "
        f"source: {plain(taxonomy.risk_sources.get(risk.risk_source, risk.risk_source))} · "
        f"affects {plain(parties)} · suggested starting rating: likelihood "
        f"{risk.likelihood}, severity {risk.severity}"
    )
    answer = (
        "the ratings in the harm table"
        if question.type == "grid"
        else impact.describe_answer(question, risk.answer)
    )
    st.caption(f"Raised by: {plain(question.text)} → {plain(answer)}")


def add_suggestion_button(
    db: Database, report: ImpactReport, suggestion: impact.Suggestion, actor: Actor | None
) -> None:
    """The button that adds one suggested risk to the register, unrated."""
    key = f"{prefix_of(report)}risk_{suggestion.question_id}_{suggestion.trigger_index}"
    if not st.button(
        "Add to the risk register", icon=":material/add:", key=key, disabled=actor is None
    ):
        return
    risk_id, errors = attempt(
        lambda: impact_store.add_suggested_risk(
            db, actor, report.response.id, suggestion.question_id, suggestion.trigger_index
        )
    )
    if errors:
        show_errors(errors)
        return
    flash(
        f"Added risk #{risk_id}: {suggestion.risk.title}. It is not rated yet: rate it on its page."
    )
    st.rerun()


# --- Answers, downloads, history ---------------------------------------------------------------


def render_answers(report: ImpactReport) -> None:
    """Every question shown, with its answer, section by section."""
    questionnaire = report.questionnaire
    st.subheader("All answers", anchor=False)
    shown = {question.id for question in visible_questions(questionnaire, report.answers)}
    for section in questionnaire.sections:
        rows = [
            {
                "Question": question.text + (" *" if question.required else ""),
                "Answer": impact.describe_answer(question, report.answers.get(question.id))
                if question.id in report.answers
                else "Not answered",
            }
            for question in section.questions
            if question.id in shown
        ]
        if not rows:
            continue
        with st.expander(section.title):
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def render_downloads(db: Database, report: ImpactReport) -> None:
    """The PDF report and the answer file, built when clicked."""
    response = report.response
    st.subheader("Downloads", anchor=False)
    stem = f"impact-assessment-{response.id}-v{response.version_no}"
    with st.container(horizontal=True):
        st.download_button(
            "Report (PDF)",
            data=lambda: build_impact_pdf(impact_store.report_data(db, response.id)),
            file_name=f"{stem}.pdf",
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            on_click="ignore",
        )
        st.download_button(
            "Answers (JSON, can be imported again)",
            data=lambda: answers_to_json(report.questionnaire, report.answers).encode("utf-8"),
            file_name=f"{stem}-answers.json",
            mime="application/json",
            icon=":material/data_object:",
            on_click="ignore",
        )


def render_history(db: Database, report: ImpactReport) -> None:
    """Every step of the workflow: when, who, what."""
    with st.expander("Workflow history"):
        events = impact_store.history(db, report.response.id)
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "When (UTC)": pd.Timestamp(event["at"]).strftime("%Y-%m-%d %H:%M"),
                        "Who": event["actor"],
                        "What": event["summary"] or event["action"],
                    }
                    for event in events
                ]
            ),
            hide_index=True,
            width="stretch",
        )


def main() -> None:
    db = database()
    report = load_report(db)
    render_header(report)
    render_notices(db, report)
    actor = render_sign_off(db, report)
    render_level(report)
    render_benefits_and_harms(report)
    render_dimensions(report)
    render_sections(report)
    render_changes(db, report)
    render_suggestions(db, report, actor)
    render_answers(report)
    render_downloads(db, report)
    render_history(db, report)


run_page(main)
