"""One risk's workspace (`?id=<risk id>`): what identifies it, the guided path inherent rating ->
treatment -> residual rating -> target rating, acceptance, actions, checks and the full history.

Every write happens in a button callback that validates through the domain and leaves either
a flash message or the messages to show beside the fields, so nothing half-typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from assessments import catalog
from assessments.catalog import LibraryRisk, Taxonomy
from assessments.criteria import RiskCriteria
from assessments.dates import EARLIEST_DAY, HORIZON_YEARS
from assessments.identification import library_entry
from assessments.identity import Actor, Permission
from assessments.impact import parse_origin
from assessments.inventory import AISystem
from assessments.risk_checks import CHECKS
from assessments.risk_workflow import (
    RATED_STEPS,
    STEP_GUIDANCE,
    STEPS,
    StartingPoint,
    acceptance_need,
    acceptance_warnings,
    action_is_overdue,
    action_warnings,
    appetite_verdict,
    completed_steps,
    next_step,
    parse_acceptance,
    parse_action,
    parse_rating,
    starting_points,
    step_after_rating,
    tier_order_warning,
)
from assessments.risks import (
    ACCEPTANCE_MAX_YEARS,
    ACTION_STATUSES,
    RATING_METHODS,
    RATIONALE_MIN,
    RISK_STATUSES,
    STRENGTH_OF_KNOWLEDGE,
    TIERS,
    Rating,
    Risk,
    RiskInput,
    TreatmentInput,
)
from assessments.store import criteria as criteria_store
from assessments.store import impact as impact_store
from assessments.store import inventory as inventory_store
from assessments.store import register as register_store
from assessments.store import risk_summary
from assessments.store import risks as risks_store
from assessments.store.db import Database
from ui.common import (
    CHOICE_LIMIT,
    IMPACT_RESULT,
    REGISTER,
    RISK_CRITERIA,
    RISK_NEW,
    SYSTEM,
    attempt,
    capped_list_note,
    database,
    field_error,
    flash,
    labelled,
    plain,
    record_from_query,
    show_flash,
)
from ui.date_fields import date_field
from ui.identity import current_actor, may, require_actor_notice
from ui.navigation import page_link, run_page
from ui.risk_widgets import (
    field_warning,
    level_chip,
    level_styles,
    risk_fields,
    risk_values,
    seed_risk_fields,
    show_level_chip,
    styled_levels,
)

Result = TypeVar("Result")

NO_NAME = "Enter your name in the sidebar first: every change records who made it."
ACCEPTANCE_STATES = {
    "in_force": "in force",
    "pending": "approved for a later day",
    "expired": "expired",
    "revoked": "revoked",
}
# Widget keys of the picker shown when the URL names no risk.
FIND_KEY = "risk_find"
PICK_KEY = "risk_pick"


@dataclass(frozen=True)
class RiskView:
    """One risk as its page shows it: the risk and what every section reads, loaded once a run."""

    db: Database
    risk: Risk
    system: AISystem
    criteria: RiskCriteria
    current: dict[str, Rating]
    entry: LibraryRisk | None
    impact_source: tuple[int, str, int] | None
    impact_suggestion: tuple[int, int, str] | None
    terms: Taxonomy

    @property
    def prefix(self) -> str:
        """Every widget and session key of this risk's page starts with it."""
        return f"risk_{self.risk.id}_"

    @property
    def step_key(self) -> str:
        return self.prefix + "step"

    def version_of(self, version: int) -> RiskCriteria:
        return criteria_store.criteria_version(self.db, int(version))

    def level_of(self, rating: Rating) -> Any:
        return self.version_of(rating.criteria_version).level_by_name(rating.level)


def main() -> None:
    db = database()
    risk = record_from_query(
        lambda risk_id: risks_store.get_risk(db, risk_id),
        title="Risk",
        noun="risk",
        alternatives=lambda: risk_finder(db),
    )
    view = load_view(db, risk)
    render_header(view)
    render_current_ratings(view)
    render_findings(view)
    render_guided_path(view)
    render_identity(view)
    render_history(view)


def load_view(db: Database, risk: Risk) -> RiskView:
    origin = parse_origin(risk.origin)
    return RiskView(
        db=db,
        risk=risk,
        system=inventory_store.get_system(db, risk.system_id),
        criteria=criteria_store.current_criteria(db),
        current=risks_store.current_ratings(db, risk.id),
        entry=library_entry(risk.library_id),
        impact_source=origin,
        impact_suggestion=impact_store.suggested_rating(db, risk) if origin else None,
        terms=catalog.taxonomy(),
    )


def risk_finder(db: Database) -> None:
    """The page without a risk: a search that opens one (or, with none yet, where to start)."""
    if register_store.risk_count(db) == 0:
        st.info("No risk has been identified yet.")
        page_link(RISK_NEW, label="Identify risks for an AI system", icon=":material/add:")
        return
    # A search narrows the choice in the database: a select box of every risk would send tens
    # of thousands of options to the browser.
    search = st.text_input(
        "Find a risk",
        placeholder="Words of its title, its AI system, or its reference (R-12)",
        key=FIND_KEY,
    )
    choices, matching = risk_summary.find_risks(db, search, limit=CHOICE_LIMIT)
    if not choices:
        st.info("No risk matches this search. Try fewer words, or open the Risk register.")
    picked = st.selectbox(
        "Open a risk", list(choices), format_func=choices.get, index=None, key=PICK_KEY
    )
    capped_list_note(
        len(choices),
        matching,
        "matching risks",
        page=REGISTER,
        page_label="Search them in the Risk register",
    )
    if picked is not None:
        st.query_params["id"] = str(picked)
        st.rerun()


# --- messages beside the forms, and the one way a form writes ---------------------------------


def errors_key(risk_id: int) -> str:
    return f"risk_{risk_id}_errors"


def state_errors(risk_id: int, section: str) -> dict[str, str]:
    return st.session_state.get(errors_key(risk_id), {}).get(section, {})


def set_errors(risk_id: int, section: str, errors: dict[str, str]) -> None:
    st.session_state.setdefault(errors_key(risk_id), {})[section] = errors


def submit(
    risk_id: int, section: str, work: Callable[[Actor], Result]
) -> tuple[Result | None, bool]:
    """Run a form's write as the acting user through `attempt`, keeping its messages for the
    section's fields: (its result, True) or (None, False) when nothing was saved."""
    actor = current_actor()
    if actor is None:
        set_errors(risk_id, section, {"form": NO_NAME})
        return None, False
    result, errors = attempt(lambda: work(actor))
    set_errors(risk_id, section, errors)
    return result, not errors


def show_form_error(errors: dict[str, str]) -> None:
    if errors.get("form"):
        st.error(plain(errors["form"]))


# --- callbacks: each validates, writes through the store, and leaves messages ----------------


def save_rating(view: RiskView, tier: str, shown_version: int) -> None:
    prefix, risk = view.prefix, view.risk
    keys = {name: f"{prefix}{tier}_{name}" for name in ("likelihood", "severity", "rationale")}
    values = {
        "risk_id": risk.id,
        "tier": tier,
        "likelihood": st.session_state.get(keys["likelihood"]),
        "severity": st.session_state.get(keys["severity"]),
        "rationale": st.session_state.get(keys["rationale"]) or "",
        "strength_of_knowledge": st.session_state.get(f"{prefix}{tier}_knowledge"),
    }
    saved, ok = submit(
        risk.id,
        tier,
        lambda actor: risks_store.record_rating(view.db, actor, parse_rating(values)),
    )
    if not ok or saved is None:
        return
    st.session_state[keys["likelihood"]] = None
    st.session_state[keys["severity"]] = None
    st.session_state[keys["rationale"]] = ""
    message = (
        f"Saved the {tier} rating: likelihood {saved.likelihood} × severity "
        f"{saved.severity} = {saved.level} "
        f"(criteria version {saved.criteria_version})."
    )
    if saved.criteria_version != shown_version:
        message += (
            " The criteria changed while you were rating: the level is the one of the new "
            "version. Check it."
        )
    flash(message)
    st.session_state[view.step_key] = step_after_rating(
        tier, saved.level, view.version_of(saved.criteria_version), risk.harm_category
    )


def start_from(prefix: str, tier: str, likelihood: int, severity: int) -> None:
    st.session_state[f"{prefix}{tier}_likelihood"] = likelihood
    st.session_state[f"{prefix}{tier}_severity"] = severity


def save_treatment(view: RiskView, revision: int) -> None:
    keys = f"{view.prefix}{revision}_treatment_"
    values = {
        "option": st.session_state.get(keys + "option"),
        "controls": st.session_state.get(keys + "controls") or [],
        "note": st.session_state.get(keys + "note") or "",
    }

    def work(actor: str) -> Risk:
        treatment = TreatmentInput.model_validate(
            {k: v for k, v in values.items() if v is not None}
        )
        return risks_store.set_treatment(
            view.db, actor, view.risk.id, treatment, expected_revision=revision
        )

    _, ok = submit(view.risk.id, "treatment", work)
    if not ok:
        errors = state_errors(view.risk.id, "treatment")
        if "option" in errors:
            errors["option"] = "Choose how the organisation responds to this risk."
        return
    flash("Saved the treatment.")


def add_suggested_controls(view: RiskView, revision: int) -> None:
    if view.entry is None:
        return
    key = f"{view.prefix}{revision}_treatment_controls"
    chosen = list(st.session_state.get(key) or [])
    st.session_state[key] = chosen + [c for c in view.entry.suggested_controls if c not in chosen]


def add_action(view: RiskView) -> None:
    keys = view.prefix + "action_"
    values = {name: st.session_state.get(keys + name) for name in ("title", "owner", "due_date")}
    values["status"] = st.session_state.get(keys + "status") or "planned"
    _, ok = submit(
        view.risk.id,
        "action",
        lambda actor: risks_store.add_action(view.db, actor, view.risk.id, parse_action(values)),
    )
    if not ok:
        return
    for name in ("title", "due_date"):
        st.session_state[keys + name] = None if name == "due_date" else ""
    flash(f"Added the action '{values['title']}'.")


def update_action(view: RiskView, action_id: int, stamp: str, revision: int) -> None:
    keys = f"{view.prefix}change_{action_id}_{stamp}_"
    values = {
        name: st.session_state.get(keys + name) for name in ("title", "owner", "due_date", "status")
    }
    _, ok = submit(
        view.risk.id,
        "change_action",
        lambda actor: risks_store.update_action(
            view.db, actor, action_id, parse_action(values), expected_revision=revision
        ),
    )
    if ok:
        flash(f"Updated the action '{values['title']}'.")


def record_acceptance(view: RiskView) -> None:
    keys = view.prefix + "accept_"
    names = ("approved_at", "rationale", "valid_until")
    values = {name: st.session_state.get(keys + name) for name in names}
    values["risk_id"] = view.risk.id
    _, ok = submit(
        view.risk.id,
        "acceptance",
        lambda actor: risks_store.record_acceptance(view.db, actor, parse_acceptance(values)),
    )
    if not ok:
        return
    for name in ("rationale", "valid_until"):
        st.session_state[keys + name] = None if name == "valid_until" else ""
    flash(f"Recorded your acceptance until {values['valid_until']}.")


def revoke(view: RiskView, acceptance_id: int) -> None:
    _, ok = submit(
        view.risk.id,
        "acceptance",
        lambda actor: risks_store.revoke_acceptance(view.db, actor, acceptance_id),
    )
    if ok:
        flash("Revoked the acceptance; it stays in the history as revoked.")


def save_identity(view: RiskView, revision: int) -> None:
    risk = view.risk
    values = {
        **risk_values(f"{view.prefix}{revision}_identity_"),
        "system_id": risk.system_id,
        "library_id": risk.library_id,
        "origin": risk.origin,
    }

    def work(actor: str) -> Risk:
        data = RiskInput.model_validate({k: v for k, v in values.items() if v is not None})
        return risks_store.update_risk(view.db, actor, risk.id, data, expected_revision=revision)

    _, ok = submit(risk.id, "identity", work)
    if ok:
        flash("Saved the changes to this risk.")


# --- header ----------------------------------------------------------------------------------


def render_header(view: RiskView) -> None:
    risk, system, terms = view.risk, view.system, view.terms
    page_link(
        SYSTEM,
        label=plain(system.name),
        icon=":material/arrow_back:",
        query_params={"id": system.id},
    )
    st.title(plain(risk.title), anchor=False)
    if view.impact_source:
        page_link(
            IMPACT_RESULT,
            label=f"Raised by an answer in impact assessment #{view.impact_source[0]}: open it",
            icon=":material/diversity_3:",
            query_params={"id": view.impact_source[0]},
        )
    with st.container(horizontal=True):
        st.badge(RISK_STATUSES.get(risk.status, risk.status), color="blue")
        st.badge(terms.harm_categories.get(risk.harm_category, risk.harm_category), color="violet")
        st.badge(f"Owner: {plain(risk.owner)}", color="gray", icon=":material/person:")
    show_flash()
    if risk.description:
        st.markdown(plain(risk.description))


def render_current_ratings(view: RiskView) -> None:
    for column, tier in zip(st.columns(3), RATED_STEPS, strict=True):
        with column:
            rating = view.current.get(tier)
            st.markdown(f"**{TIERS[tier]}**")
            if rating is None:
                st.caption("Not rated yet")
                continue
            show_level_chip(
                view.level_of(rating), after=f"L{rating.likelihood} × S{rating.severity}"
            )
            st.caption(
                f"Criteria version {rating.criteria_version} · {plain(rating.rated_by)} · "
                f"{pd.Timestamp(rating.rated_at):%Y-%m-%d}"
            )


def render_findings(view: RiskView) -> None:
    findings = register_store.consistency_checks(view.db, risk_ids=[view.risk.id])
    for finding in findings.itertuples():
        check = CHECKS.get(finding.check)
        text = f"**{plain(check.label if check else finding.check)}:** {plain(finding.message)}"
        if finding.kind == "note":
            st.info(text, icon=":material/info:")
        else:
            st.warning(text, icon=":material/report:")


# --- the guided path -------------------------------------------------------------------------


def render_guided_path(view: RiskView) -> None:
    done = completed_steps(view.current, view.risk.treatment_option)
    if view.step_key not in st.session_state:
        st.session_state[view.step_key] = next_step(done)
    st.subheader("Assess and treat", anchor=False)
    step_numbers = {step: number for number, step in enumerate(STEPS, start=1)}
    step = st.radio(
        "Step",
        list(STEPS),
        key=view.step_key,
        horizontal=True,
        label_visibility="collapsed",
        format_func=lambda s: f"{step_numbers[s]}. {STEPS[s]}{' ✓' if s in done else ''}",
    )
    st.caption(STEP_GUIDANCE[step])
    if step in RATED_STEPS:
        rating_step(view, step)
        if step == "residual":
            acceptance_section(view)
    else:
        treatment_step(view)


def rating_step(view: RiskView, tier: str) -> None:
    errors = state_errors(view.risk.id, tier)
    existing = view.current.get(tier)
    if existing is not None:
        existing_rating_note(view, tier, existing)
    starting_point_buttons(view, tier)
    keys = {name: f"{view.prefix}{tier}_{name}" for name in ("likelihood", "severity", "rationale")}
    knowledge_key = f"{view.prefix}{tier}_knowledge"
    scale_choices(view, keys, errors)
    level_preview(view, tier, keys)
    st.text_area(
        "Rationale *",
        key=keys["rationale"],
        placeholder="What you know, what you assumed, which evidence you used.",
        help=f"Required, at least {RATIONALE_MIN} characters: a rating someone else can "
        "follow and challenge.",
    )
    field_error(errors, "rationale")
    st.session_state.setdefault(knowledge_key, "medium")
    st.radio(
        "Strength of knowledge",
        list(STRENGTH_OF_KNOWLEDGE),
        key=knowledge_key,
        horizontal=True,
        format_func=lambda key: STRENGTH_OF_KNOWLEDGE[key].split(":")[0],
        help=" · ".join(STRENGTH_OF_KNOWLEDGE.values()),
    )
    show_form_error(errors)
    actor = require_actor_notice(Permission.EDIT_RISKS)
    st.button(
        f"Save the {tier} rating",
        type="primary",
        icon=":material/save:",
        key=f"{view.prefix}{tier}_save",
        on_click=save_rating,
        args=(view, tier, view.criteria.version),
        disabled=actor is None,
    )
    st.caption(
        f"Recorded as an individual rating under criteria version {view.criteria.version}. "
        "Ratings are never changed afterwards: a new rating is added to the history."
    )


def existing_rating_note(view: RiskView, tier: str, existing: Rating) -> None:
    criteria = view.criteria
    show_level_chip(
        view.level_of(existing),
        before=f"Current {tier} rating: ",
        after=f"L{existing.likelihood} × S{existing.severity}",
    )
    st.caption(
        f"By {plain(existing.rated_by)} on {pd.Timestamp(existing.rated_at):%Y-%m-%d} "
        "under "
        f"criteria version {existing.criteria_version}. Rate again to record a new "
        "rating; the earlier one stays in the history."
    )
    if existing.criteria_version != criteria.version:
        st.info(
            f"This rating was made under criteria version {existing.criteria_version} and "
            f"keeps its level. New ratings use version {criteria.version}.",
            icon=":material/history:",
        )


def starting_point_buttons(view: RiskView, tier: str) -> None:
    suggested = (
        StartingPoint("the rating the impact answer suggests", *view.impact_suggestion[:2])
        if view.impact_suggestion
        else None
    )
    starts = starting_points(tier, view.current, view.criteria, view.entry, suggested)
    if not starts:
        return
    with st.container(horizontal=True):
        for start in starts:
            st.button(
                f"Start from {start.label} (L{start.likelihood} × S{start.severity})",
                key=f"{view.prefix}{tier}_start_{start.label}",
                icon=":material/content_copy:",
                on_click=start_from,
                args=(view.prefix, tier, start.likelihood, start.severity),
                help="Fills in the choices below for you to check; nothing is saved.",
            )


def scale_choices(view: RiskView, keys: dict[str, str], errors: dict[str, str]) -> None:
    criteria = view.criteria
    for name in ("likelihood", "severity"):
        # A choice made before the criteria changed may lie outside the new scale.
        steps = len(criteria.likelihood if name == "likelihood" else criteria.severity)
        if st.session_state.get(keys[name]) not in range(1, steps + 1):
            st.session_state[keys[name]] = None
    for column, scale in zip(st.columns(2), ("likelihood", "severity"), strict=True):
        steps = criteria.likelihood if scale == "likelihood" else criteria.severity
        with column:
            st.radio(
                f"{scale.capitalize()} *",
                [step.value for step in steps],
                key=keys[scale],
                format_func=lambda v, scale=scale: f"{v} · {plain(criteria.step(scale, v).label)}",
                captions=[plain(step.description) for step in steps],
            )
            field_error(errors, scale)


def level_preview(view: RiskView, tier: str, keys: dict[str, str]) -> None:
    criteria = view.criteria
    likelihood = st.session_state.get(keys["likelihood"])
    severity = st.session_state.get(keys["severity"])
    with st.container(border=True):
        if likelihood is None or severity is None:
            st.markdown("**Level:** choose a likelihood and a severity to see the level.")
            return
        level = criteria.level_for(likelihood, severity)
        verdict = plain(appetite_verdict(criteria, level.name, view.risk.harm_category))
        st.markdown(
            f"**Level:** {level_chip(level)} &nbsp; likelihood {likelihood} × severity "
            f"{severity} · {verdict}",
            unsafe_allow_html=True,
        )
        if level.description:
            st.caption(plain(level.description))
        ordering = tier_order_warning(tier, level.name, view.current, criteria)
        if ordering:
            st.warning(plain(ordering), icon=":material/swap_vert:")


def treatment_step(view: RiskView) -> None:
    risk, terms = view.risk, view.terms
    errors = state_errors(risk.id, "treatment")
    keys = f"{view.prefix}{risk.revision}_treatment_"
    if keys + "option" not in st.session_state:
        st.session_state[keys + "option"] = risk.treatment_option
        st.session_state[keys + "controls"] = list(risk.controls)
        st.session_state[keys + "note"] = risk.treatment_note
    options = list(terms.treatment_options)
    st.radio(
        "Treatment option *",
        options,
        key=keys + "option",
        format_func=labelled(terms.treatment_options),
        captions=[terms.describe("treatment_options", option) for option in options],
    )
    field_error(errors, "option")
    control_choice(view, keys, errors)
    st.text_area("Treatment note", key=keys + "note", placeholder="How the controls are applied.")
    field_error(errors, "note")
    show_form_error(errors)
    actor = require_actor_notice(Permission.EDIT_RISKS)
    st.button(
        "Save the treatment",
        type="primary",
        icon=":material/save:",
        key=f"{view.prefix}treatment_save",
        on_click=save_treatment,
        args=(view, risk.revision),
        disabled=actor is None,
    )
    actions_section(view, actor)


def control_choice(view: RiskView, keys: str, errors: dict[str, str]) -> None:
    controls = catalog.annex_a_controls()
    titles = {control.id: f"{control.id} · {control.title}" for control in controls}
    if view.entry is not None:
        st.caption(
            "The library suggests: "
            + plain("; ".join(titles[control_id] for control_id in view.entry.suggested_controls))
        )
        st.button(
            "Add the suggested controls",
            key=f"{view.prefix}add_suggested",
            icon=":material/playlist_add:",
            on_click=add_suggested_controls,
            args=(view, view.risk.revision),
        )
    st.multiselect(
        "Annex A controls that treat this risk",
        list(titles),
        key=keys + "controls",
        format_func=titles.get,
        help="The controls in place or planned; the Statement of Applicability counts them.",
    )
    field_error(errors, "controls")
    chosen = st.session_state.get(keys + "controls") or []
    if chosen:
        with st.expander(f"What the {len(chosen)} chosen controls ask for"):
            for control in controls:
                if control.id in chosen:
                    st.markdown(
                        f"**{control.id} {plain(control.title)}.** {plain(control.guidance)}"
                    )


# --- actions ---------------------------------------------------------------------------------


def actions_section(view: RiskView, actor: str | None) -> None:
    st.markdown("#### Actions")
    actions = risks_store.actions_for(view.db, view.risk.id)
    if actions.empty:
        st.caption("No action planned yet.")
    else:
        actions_table(actions)
    add_column, change_column = st.columns(2)
    with add_column, st.container(border=True):
        new_action_form(view, actor)
    if actions.empty:
        return
    with change_column, st.container(border=True):
        change_action_form(view, actions, actor)


def actions_table(actions: pd.DataFrame) -> None:
    today = date.today()
    table = pd.DataFrame(
        {
            "Action": actions["title"],
            "Owner": actions["owner"],
            "Due": pd.to_datetime(actions["due_date"]).dt.date,
            "Status": [ACTION_STATUSES.get(s, s) for s in actions["status"]],
            "Overdue": [
                "overdue" if action_is_overdue(status, due, today) else ""
                for status, due in zip(actions["status"], actions["due_date"], strict=True)
            ],
            "Completed": [
                "" if pd.isna(day) else f"{pd.Timestamp(day):%Y-%m-%d}"
                for day in actions["completed_at"]
            ],
        }
    )
    st.dataframe(
        table.style.map(
            lambda value: "color: #B00020; font-weight: 600" if value == "overdue" else "",
            subset=["Overdue"],
        ),
        hide_index=True,
        width="stretch",
    )


def action_fields(keys: str, errors: dict[str, str]) -> None:
    st.text_input("What is to be done *", key=keys + "title")
    field_error(errors, "title")
    st.text_input("Owner *", key=keys + "owner")
    field_error(errors, "owner")
    due_date_field(keys)
    field_error(errors, "due_date")
    st.selectbox(
        "Status", list(ACTION_STATUSES), key=keys + "status", format_func=ACTION_STATUSES.get
    )


def new_action_form(view: RiskView, actor: str | None) -> None:
    errors = state_errors(view.risk.id, "action")
    keys = view.prefix + "action_"
    st.session_state.setdefault(keys + "owner", view.risk.owner)
    st.session_state.setdefault(keys + "due_date", None)
    st.markdown("**Plan an action**")
    action_fields(keys, errors)
    field_warning(
        action_warnings(
            st.session_state.get(keys + "due_date"), st.session_state.get(keys + "status")
        ),
        "due_date",
    )
    show_form_error(errors)
    st.button(
        "Add the action",
        key=keys + "save",
        icon=":material/add_task:",
        on_click=add_action,
        args=(view,),
        disabled=actor is None,
    )


def change_action_form(view: RiskView, actions: pd.DataFrame, actor: str | None) -> None:
    errors = state_errors(view.risk.id, "change_action")
    st.markdown("**Change an action**")
    titles = dict(zip(actions["id"].astype(int), actions["title"], strict=True))
    action_id = st.selectbox(
        "Action", list(titles), format_func=titles.get, key=view.prefix + "change_pick"
    )
    row = actions[actions["id"] == action_id].iloc[0]
    stamp = pd.Timestamp(row["updated_at"]).strftime("%Y%m%d%H%M%S%f")
    keys = f"{view.prefix}change_{action_id}_{stamp}_"
    if keys + "title" not in st.session_state:
        st.session_state[keys + "title"] = row["title"]
        st.session_state[keys + "owner"] = row["owner"]
        st.session_state[keys + "due_date"] = pd.Timestamp(row["due_date"]).date()
        st.session_state[keys + "status"] = row["status"]
    action_fields(keys, errors)
    changed_due = st.session_state.get(keys + "due_date")
    if changed_due != pd.Timestamp(row["due_date"]).date():  # warn about a new date only
        field_warning(
            action_warnings(changed_due, st.session_state.get(keys + "status")), "due_date"
        )
    show_form_error(errors)
    st.button(
        "Save the action",
        key=keys + "save",
        icon=":material/save:",
        on_click=update_action,
        args=(view, int(action_id), stamp, int(row["revision"])),
        disabled=actor is None,
    )


def due_date_field(keys: str) -> None:
    date_field(
        "Due date *",
        key=keys + "due_date",
        help=f"A day from {EARLIEST_DAY:%Y} up to {HORIZON_YEARS} years ahead; a day already "
        "past is accepted, with a warning (the action is overdue).",
    )


# --- acceptance ------------------------------------------------------------------------------


def acceptance_section(view: RiskView) -> None:
    st.markdown("#### Acceptance of the residual risk")
    acceptances = risks_store.acceptances_for(view.db, view.risk.id)
    residual = view.current.get("residual")
    need = acceptance_need(
        residual,
        view.version_of(residual.criteria_version) if residual else None,
        view.risk.harm_category,
        acceptances.to_dict("records"),
    )
    if need.needed and need.accepted_until is None:
        st.warning(plain(need.message), icon=":material/gpp_maybe:")
    else:
        st.info(plain(need.message), icon=":material/verified_user:")
    errors = state_errors(view.risk.id, "acceptance")
    if need.needed:
        acceptance_form(view, errors, renews=need.accepted_until is not None)
    else:
        show_form_error(errors)
    if not acceptances.empty:
        acceptance_list(view, acceptances)


def acceptance_form(view: RiskView, errors: dict[str, str], renews: bool) -> None:
    keys = view.prefix + "accept_"
    st.session_state.setdefault(keys + "approved_at", date.today())
    st.session_state.setdefault(keys + "valid_until", None)
    review_months = view.criteria.review_interval_months
    with st.container(border=True):
        st.markdown(
            "**Record management's acceptance** of the current residual rating"
            + (" (a new one replaces nothing: both stay in the history)" if renews else "")
        )
        left, right = st.columns(2)
        with left:
            date_field(
                "Approved on *",
                key=keys + "approved_at",
                help="The day management decided (a later day makes it pending until then).",
            )
            field_error(errors, "approved_at")
        with right:
            date_field(
                "Valid until *",
                key=keys + "valid_until",
                help=f"At most {ACCEPTANCE_MAX_YEARS} years after the approval; past the "
                f"criteria's review interval ({review_months} months) "
                "you get a warning.",
            )
            field_error(errors, "valid_until")
            field_warning(
                acceptance_warnings(
                    st.session_state.get(keys + "approved_at"),
                    st.session_state.get(keys + "valid_until"),
                    review_months,
                ),
                "valid_until",
            )
        st.text_area("Why the organisation retains it *", key=keys + "rationale")
        field_error(errors, "rationale")
        show_form_error(errors)
        st.caption(
            "Recorded as approved by you. The owner of a risk above what the criteria accept "
            "cannot accept it."
        )
        actor = require_actor_notice(Permission.ACCEPT_RISKS)
        st.button(
            "Record the acceptance",
            type="primary",
            key=keys + "save",
            icon=":material/approval:",
            on_click=record_acceptance,
            args=(view,),
            disabled=actor is None,
        )


def acceptance_list(view: RiskView, acceptances: pd.DataFrame) -> None:
    st.markdown("**Acceptances**, newest first")
    for row in acceptances.itertuples():
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            state = ACCEPTANCE_STATES.get(row.state, row.state)
            if row.state == "revoked":
                state += f" by {row.revoked_by} on {pd.Timestamp(row.revoked_at):%Y-%m-%d}"
            elif row.in_force and not row.covers_current:
                state += ", but not of the current residual rating (it was rated again since)"
            st.markdown(
                f"**{plain(row.level)}** (criteria version {row.criteria_version}) accepted by "
                f"{plain(row.approved_by)} on {pd.Timestamp(row.approved_at):%Y-%m-%d}, valid "
                f"until {pd.Timestamp(row.valid_until):%Y-%m-%d} · **{plain(state)}**  \n"
                f"{plain(row.rationale)}"
            )
            if row.state in ("in_force", "pending"):
                st.button(
                    "Revoke",
                    key=f"{view.prefix}revoke_{row.id}",
                    icon=":material/block:",
                    on_click=revoke,
                    args=(view, int(row.id)),
                    disabled=not may(Permission.ACCEPT_RISKS),
                )


# --- identity, history -----------------------------------------------------------------------


def render_identity(view: RiskView) -> None:
    risk = view.risk
    with st.expander("Edit what identifies this risk", icon=":material/edit:"):
        errors = state_errors(risk.id, "identity")
        keys = f"{view.prefix}{risk.revision}_identity_"
        if keys + "title" not in st.session_state:
            seed_risk_fields(keys, risk.model_dump())
        show_form_error(errors)
        risk_fields(keys, errors)
        actor = require_actor_notice(Permission.EDIT_RISKS)
        st.button(
            "Save the changes",
            key=keys + "save",
            icon=":material/save:",
            on_click=save_identity,
            args=(view, risk.revision),
            disabled=actor is None,
        )
        source = f" from library entry {risk.library_id}" if risk.library_id else ""
        st.caption(
            f"Identified{source} by {plain(risk.created_by)} on {risk.created_at:%Y-%m-%d}; "
            f"revision {risk.revision}, last changed by {plain(risk.updated_by)} on "
            f"{risk.updated_at:%Y-%m-%d}."
        )


def render_history(view: RiskView) -> None:
    st.subheader("Rating history", anchor=False)
    history = risks_store.rating_history(view.db, view.risk.id)
    if history.empty:
        st.caption("No rating yet. Every rating is kept here with its criteria version.")
        return
    styles: dict[str, str] = {}
    for version in sorted(history["criteria_version"].unique()):
        styles.update(level_styles(view.version_of(int(version)).levels))
    table = pd.DataFrame(
        {
            "Rated at (UTC)": pd.to_datetime(history["rated_at"]),
            "Tier": [TIERS.get(t, t).split(" (")[0] for t in history["tier"]],
            "Likelihood": history["likelihood"],
            "Severity": history["severity"],
            "Level": history["level"],
            "Criteria version": history["criteria_version"],
            "Rated by": history["rated_by"],
            "Method": [RATING_METHODS.get(m, m) for m in history["method"]],
            "Knowledge": [
                STRENGTH_OF_KNOWLEDGE.get(k, k).split(":")[0]
                for k in history["strength_of_knowledge"]
            ],
            "Rationale": history["rationale"],
        }
    ).iloc[::-1]
    st.dataframe(
        styled_levels(table, styles, ["Level"]),
        hide_index=True,
        width="stretch",
        column_config={
            "Rated at (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Rationale": st.column_config.TextColumn(width="large"),
        },
    )
    st.caption(
        "Newest first. Each rating keeps the level of the criteria version it was made under."
    )
    page_link(RISK_CRITERIA, label="See the criteria versions", icon=":material/tune:")


run_page(main)
