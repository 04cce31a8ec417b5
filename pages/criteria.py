"""Risk criteria (settings): the scales, levels, grid and appetite every rating is made under.

The editor works on a draft (assessments.criteria_editing). Widgets are keyed by a generation
number: a change of shape (steps added or removed, levels renamed, added, removed or
reordered, a preset loaded) folds everything typed so far into the draft and starts a new
generation, so every widget and table is rebuilt from one consistent draft.
"""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import streamlit as st

from assessments import catalog
from assessments.catalog import Taxonomy
from assessments.criteria import (
    MAX_STEPS,
    MIN_STEPS,
    PRESET_NAMES,
    RiskCriteria,
    presets,
)
from assessments.criteria_editing import (
    NEW_LEVEL_COLOUR,
    SCALES,
    CriteriaDraftError,
    Draft,
    apply_levels,
    build_criteria,
    change_summary,
    draft_from,
    grid_frame,
    grid_from_frame,
    level_matrix,
    level_rows,
    renamed_levels,
    resize_scale,
)
from assessments.errors import ConflictError, FieldErrors
from assessments.identity import Permission
from assessments.store import criteria as criteria_store
from assessments.store.db import Database
from assessments.text import escape_markdown_line
from ui.common import (
    attempt,
    database,
    field_error,
    flash,
    plain,
    show_flash,
)
from ui.identity import require_actor_notice
from ui.navigation import run_page
from ui.risk_widgets import level_chip, level_styles, styled_levels

DRAFT = "crit_draft"
GENERATION = "crit_gen"
STARTED_FROM = "crit_from"
ERRORS = "crit_errors"
SAME_AS_APPETITE = ""
SCALE_HELP = {
    "likelihood": "How probable the harm is over the assessment horizon; say what each step "
    "means, ideally with a rough probability.",
    "severity": "How bad the harm is. Describe it for individuals, for groups and for society, "
    "not only for the organisation.",
}


def main() -> None:
    db = database()
    current = criteria_store.current_criteria(db)
    terms = catalog.taxonomy()
    if DRAFT not in st.session_state:
        st.session_state[ERRORS] = {}
        start_generation(terms, draft_from(current), current.version)
    errors: dict[str, Any] = st.session_state.get(ERRORS, {})
    render_intro()
    # Keyed, so editing in the second tab does not jump back to the first on every rerun.
    view_tab, edit_tab, history_tab = st.tabs(
        [f"Current criteria (version {current.version})", "Change the criteria", "Version history"],
        key="crit_tabs",
    )
    with view_tab:
        show_criteria(current, terms)
    with edit_tab:
        render_editor(db, current, terms, errors)
    with history_tab:
        render_history(db, terms)


def key(name: str) -> str:
    return f"crit_{st.session_state[GENERATION]}_{name}"


def start_generation(terms: Taxonomy, draft: Draft, started_from: int | None = None) -> None:
    """Make `draft` the base of the editor and put its values into fresh widget keys."""
    note = st.session_state.get(key("note"), "") if GENERATION in st.session_state else ""
    st.session_state[DRAFT] = copy.deepcopy(draft)
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
    if started_from is not None:
        st.session_state[STARTED_FROM] = started_from
    st.session_state[key("name")] = draft["name"]
    for scale in SCALES:
        st.session_state[key(f"{scale}_count")] = len(draft[scale])
        for index, step in enumerate(draft[scale]):
            st.session_state[key(f"{scale}_{index}_label")] = step["label"]
            st.session_state[key(f"{scale}_{index}_description")] = step["description"]
    names = [level["name"] for level in draft["levels"]]
    st.session_state[key("appetite")] = draft["appetite"] if draft["appetite"] in names else None
    for category in terms.harm_categories:
        level = draft["tolerances"].get(category, SAME_AS_APPETITE)
        st.session_state[key(f"tolerance_{category}")] = level if level in names else ""
    st.session_state[key("review")] = draft["review_interval_months"]
    st.session_state[key("note")] = note if started_from is None else ""


def restart(terms: Taxonomy, draft: Draft, started_from: int) -> None:
    st.session_state[ERRORS] = {}
    start_generation(terms, draft, started_from)


def rebase(version: int) -> None:
    """Keep the draft, now knowingly based on `version` (saved by someone else meanwhile)."""
    st.session_state[ERRORS] = {}
    st.session_state[STARTED_FROM] = version


def render_intro() -> None:
    st.title("Risk criteria")
    st.caption(
        "How a likelihood and a severity become a risk level, and which levels the organisation "
        "is prepared to retain (ISO/IEC 42001 6.1.1). Saving a change creates a new version. "
        "Every rating keeps the version it was made under and is shown with it: nothing already "
        "rated is rescaled or re-levelled."
    )
    show_flash()


def show_criteria(criteria: RiskCriteria, terms: Taxonomy) -> None:
    """Everything a version says, read-only: appetite, grid, levels, scales."""
    appetite = criteria.level_by_name(criteria.appetite)
    st.markdown(
        f"**{plain(criteria.name)}** · version {criteria.version} · appetite "
        f"{level_chip(appetite)} · ratings are due for review after "
        f"{criteria.review_interval_months} months",
        unsafe_allow_html=True,
    )
    if criteria.tolerances:
        st.markdown(
            "Tolerances (the highest acceptable level for a harm category): "
            + ", ".join(
                f"{plain(terms.harm_categories.get(category, category))} "
                f"{level_chip(criteria.level_by_name(level))}"
                for category, level in criteria.tolerances.items()
            ),
            unsafe_allow_html=True,
        )
    grid_column, levels_column = st.columns([3, 2])
    with grid_column:
        st.markdown("**Level grid** (likelihood down, severity across)")
        show_grid(criteria)
    with levels_column:
        st.markdown("**Levels**, lowest first")
        for level in criteria.levels:
            with st.container(horizontal=True, gap="small"):
                st.markdown(level_chip(level), unsafe_allow_html=True, width="content")
                st.markdown(escape_markdown_line(level.description))
    for scale in SCALES:
        st.markdown(f"**{scale.capitalize()} scale**")
        st.markdown(
            "\n".join(
                f"- **{step.value} · {escape_markdown_line(step.label)}**: "
                f"{escape_markdown_line(step.description)}"
                for step in getattr(criteria, scale)
            )
        )


def show_grid(criteria: RiskCriteria) -> None:
    """The level of every cell, painted in the level's colour. A data grid, not st.table: the
    level names and step labels are the organisation's own words, which st.table would read as
    Markdown (a link, an image, coloured text)."""
    st.dataframe(
        styled_levels(level_matrix(criteria), level_styles(criteria.levels)), width="stretch"
    )


def current_draft(
    terms: Taxonomy, edited_levels: pd.DataFrame, edited_grid: pd.DataFrame
) -> tuple[Draft, bool]:
    """The draft as the widgets show it now, and whether its shape changed (new generation)."""
    base: Draft = st.session_state[DRAFT]
    draft = copy.deepcopy(base)
    draft["name"] = st.session_state.get(key("name"), "")
    for scale in SCALES:
        for index, step in enumerate(draft[scale]):
            step["label"] = st.session_state.get(key(f"{scale}_{index}_label"), "")
            step["description"] = st.session_state.get(key(f"{scale}_{index}_description"), "")
    draft["grid"] = grid_from_frame(edited_grid, base)
    draft["appetite"] = st.session_state.get(key("appetite")) or ""
    draft["tolerances"] = {
        category: level
        for category in terms.harm_categories
        if (level := st.session_state.get(key(f"tolerance_{category}")))
    }
    draft["review_interval_months"] = int(st.session_state.get(key("review")) or 12)
    reshaped = False
    for scale in SCALES:
        count = int(st.session_state.get(key(f"{scale}_count")) or len(base[scale]))
        if count != len(base[scale]):
            draft = resize_scale(draft, scale, count)
            reshaped = True
    rows = edited_levels.to_dict("index")
    new_levels = level_rows(list(rows.values()))
    if new_levels != base["levels"]:
        before = {index: level["name"] for index, level in enumerate(base["levels"])}
        after = {index: row.get("name") for index, row in rows.items()}
        draft = apply_levels(draft, new_levels, renamed_levels(before, after))
        reshaped = True
    return draft, reshaped


def save_version(db: Database, actor: str, candidate: RiskCriteria, note: str) -> RiskCriteria:
    """Save the draft as a new version; a refusal about one part of it names that part."""
    try:
        return criteria_store.save_criteria(
            db, actor, candidate, note, expected_version=st.session_state.get(STARTED_FROM)
        )
    except ConflictError as error:
        if error.field:
            raise FieldErrors({error.field: str(error)}) from error
        raise


def save(db: Database, terms: Taxonomy, actor: str, draft: Draft) -> None:
    new_errors: dict[str, Any] = {}
    note = str(st.session_state.get(key("note")) or "").strip()
    if not note:
        new_errors["note"] = "Say what changed and why; the note is kept with the version."
    try:
        candidate = build_criteria(draft)
    except CriteriaDraftError as error:
        new_errors["form"] = error.problems
    if not new_errors:
        saved, refused = attempt(lambda: save_version(db, actor, candidate, note))
        if saved is not None:
            flash(
                f"Saved the criteria as version {saved.version}. New ratings use it; ratings "
                "made before keep the version they were made under."
            )
            restart(terms, draft_from(saved), saved.version)
            st.rerun()
        new_errors = {**refused}
        if "form" in new_errors:  # the refusals of the whole draft are listed, one a line
            new_errors["form"] = [new_errors["form"]]
    st.session_state[ERRORS] = new_errors
    st.rerun()


# --- the editor ------------------------------------------------------------------------------


def render_editor(
    db: Database, current: RiskCriteria, terms: Taxonomy, errors: dict[str, Any]
) -> None:
    base: Draft = st.session_state[DRAFT]
    if st.session_state.get(STARTED_FROM) != current.version:
        stale_draft_notice(current, terms)
    st.markdown(
        "Edit a draft here; nothing changes until you save it as a new version. Ratings already "
        "made keep their version."
    )
    start_from_choice(current, terms)
    st.text_input("Name of the criteria *", key=key("name"), max_chars=120)
    scale_fields(base)
    edited_levels = levels_editor(base, errors)
    edited_grid = grid_editor(base)
    appetite_fields(base, terms)
    draft, reshaped = current_draft(terms, edited_levels, edited_grid)
    if reshaped:
        st.session_state[ERRORS] = {}
        start_generation(terms, draft)
        st.rerun()
    render_check_and_save(db, current, terms, draft, errors)


def stale_draft_notice(current: RiskCriteria, terms: Taxonomy) -> None:
    st.warning(
        f"Version {current.version} was saved by someone else after you started this draft "
        f"(from version {st.session_state.get(STARTED_FROM)}). Saving is refused until you "
        "either start again from it or confirm your draft after checking it, so their "
        "changes are not lost unnoticed.",
        icon=":material/sync_problem:",
    )
    with st.container(horizontal=True):
        st.button(
            "Discard my draft and start from the current version",
            on_click=restart,
            args=(terms, draft_from(current), current.version),
        )
        st.button(
            f"Keep my draft: I have checked version {current.version}",
            on_click=rebase,
            args=(current.version,),
            help="Your draft then replaces version "
            f"{current.version} when you save it; the comparison below shows what changes.",
        )


def start_from_choice(current: RiskCriteria, terms: Taxonomy) -> None:
    preset_options = {"current": f"The current criteria (version {current.version})"}
    loaded_presets = presets()
    preset_options.update({name: loaded_presets[name].name for name in PRESET_NAMES})
    with st.container(horizontal=True, vertical_alignment="bottom"):
        start_from = st.selectbox(
            "Start from",
            list(preset_options),
            format_func=preset_options.get,
            key="crit_start_from",
            help="Replaces the draft (and anything typed in it) with these criteria.",
        )
        st.button(
            "Load into the draft",
            icon=":material/restart_alt:",
            on_click=restart,
            args=(
                terms,
                draft_from(current if start_from == "current" else loaded_presets[start_from]),
                current.version,
            ),
        )


def scale_fields(base: Draft) -> None:
    st.subheader("Scales", anchor=False)
    for column, scale in zip(st.columns(2), SCALES, strict=True):
        with column:
            st.number_input(
                f"Number of {scale} steps",
                min_value=MIN_STEPS,
                max_value=MAX_STEPS,
                step=1,
                key=key(f"{scale}_count"),
                help=f"{MIN_STEPS} to {MAX_STEPS}. A new step starts with empty words and "
                "empty grid cells for you to fill.",
            )
            st.caption(SCALE_HELP[scale])
            for index in range(len(base[scale])):
                with st.container(border=True):
                    st.text_input(
                        f"{scale.capitalize()} {index + 1}: label *",
                        key=key(f"{scale}_{index}_label"),
                        max_chars=60,
                    )
                    st.text_area(
                        f"{scale.capitalize()} {index + 1}: description *",
                        key=key(f"{scale}_{index}_description"),
                        height=90,
                    )


def levels_editor(base: Draft, errors: dict[str, Any]) -> pd.DataFrame:
    st.subheader("Levels", anchor=False)
    st.caption(
        "Ordered by position, 1 = lowest. Colours are hex values such as #E0894F. Add a row "
        "for a new level; select a row and delete it to remove one. A level still used by a "
        "current rating or an acceptance in force cannot be removed or renamed."
    )
    levels_frame = pd.DataFrame(
        [{"position": position, **level} for position, level in enumerate(base["levels"], start=1)],
        columns=["position", "name", "colour", "description"],
    )
    edited_levels = st.data_editor(
        levels_frame,
        key=key("levels"),
        num_rows="dynamic",
        hide_index=True,
        column_config={
            "position": st.column_config.NumberColumn("Position", min_value=1, step=1),
            "name": st.column_config.TextColumn("Name", required=True, max_chars=40),
            "colour": st.column_config.TextColumn(
                "Colour", validate=r"^#[0-9A-Fa-f]{6}$", default=NEW_LEVEL_COLOUR
            ),
            "description": st.column_config.TextColumn("What it means", width="large"),
        },
    )
    field_error(errors, "levels")
    return edited_levels


def grid_editor(base: Draft) -> pd.DataFrame:
    st.subheader("Level of every cell", anchor=False)
    st.caption(
        "Rows are likelihood (highest at the top), columns severity. Choose the level of each "
        "cell; no formula decides it."
    )
    level_names = [level["name"] for level in base["levels"]]
    return st.data_editor(
        grid_frame(base),
        key=key("grid"),
        hide_index=True,
        column_config={
            "likelihood": st.column_config.TextColumn("Likelihood ↓ / severity →", disabled=True),
            **{
                f"S{index}": st.column_config.SelectboxColumn(
                    f"{index} · {step['label']}".rstrip(" ·"),
                    options=level_names,
                    required=True,
                )
                for index, step in enumerate(base["severity"], start=1)
            },
        },
    )


def appetite_fields(base: Draft, terms: Taxonomy) -> None:
    level_names = [level["name"] for level in base["levels"]]
    st.subheader("Appetite and tolerances", anchor=False)
    appetite_column, review_column = st.columns(2)
    with appetite_column:
        st.selectbox(
            "Appetite: the highest level the organisation retains *",
            level_names,
            key=key("appetite"),
            placeholder="Choose a level",
            help="A residual risk above this level needs further treatment or management's "
            "acceptance with an expiry date.",
        )
    with review_column:
        st.number_input(
            "Review interval (months)",
            min_value=1,
            max_value=60,
            step=1,
            key=key("review"),
            help="A rating older than this is due for another look.",
        )
    with st.expander("Tolerance per harm category (optional)"):
        st.caption(
            "A different highest acceptable level for a harm category, e.g. a stricter one for "
            "fairness. Leave 'Same as the appetite' where none applies."
        )
        tolerance_columns = st.columns(2)
        for position, (category, label) in enumerate(terms.harm_categories.items()):
            with tolerance_columns[position % 2]:
                st.selectbox(
                    label,
                    [SAME_AS_APPETITE, *level_names],
                    key=key(f"tolerance_{category}"),
                    format_func=lambda name: name or "Same as the appetite",
                )


def render_check_and_save(
    db: Database, current: RiskCriteria, terms: Taxonomy, draft: Draft, errors: dict[str, Any]
) -> None:
    st.subheader("Check and save", anchor=False)
    refusal = errors.get("form")
    if refusal:
        st.error("Nothing was saved:\n\n" + "\n".join(f"- {plain(problem)}" for problem in refusal))
    try:
        candidate = build_criteria(draft)
    except CriteriaDraftError as error:
        if not refusal:
            st.error(
                "This draft cannot be saved yet:\n\n"
                + "\n".join(f"- {plain(problem)}" for problem in error.problems),
                icon=":material/block:",
            )
    else:
        draft_review(current, candidate)
    st.text_input(
        "What changed and why *",
        key=key("note"),
        max_chars=500,
        placeholder="e.g. Stricter appetite for fairness after the 2026 ethics review",
        help="Kept with the version in its history.",
    )
    field_error(errors, "note")
    actor = require_actor_notice(Permission.EDIT_CRITERIA)
    if st.button(
        "Save as a new version", type="primary", icon=":material/save:", disabled=actor is None
    ):
        save(db, terms, actor, draft)


def draft_review(current: RiskCriteria, candidate: RiskCriteria) -> None:
    """What the draft changes, what to check in it, and its grid as it will be saved."""
    changes = change_summary(current, candidate)
    if changes:
        st.markdown(
            f"**Compared with version {current.version}:**\n\n"
            + "\n".join(f"- {plain(line)}" for line in changes)
        )
    else:
        st.info("The draft is the same as the current criteria.")
    warnings = candidate.warnings()
    if warnings:
        st.warning(
            "Allowed, but check these before saving:\n\n"
            + "\n".join(f"- {plain(line)}" for line in warnings),
            icon=":material/warning:",
        )
    st.markdown("**The grid as it will be saved**")
    show_grid(candidate)


def render_history(db: Database, terms: Taxonomy) -> None:
    versions = criteria_store.list_versions(db)
    st.caption(
        "Every saved version, newest first, with the number of ratings made under it. Those "
        "ratings keep that version's levels."
    )
    st.dataframe(
        versions.rename(
            columns={
                "version": "Version",
                "name": "Name",
                "note": "Note",
                "created_at": "Saved at (UTC)",
                "created_by": "Saved by",
                "ratings": "Ratings made under it",
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Saved at (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")
        },
    )
    chosen = st.selectbox(
        "Look at a version",
        versions["version"].tolist(),
        format_func=lambda version: f"Version {version}",
        key="crit_history_version",
    )
    if chosen is not None:
        show_criteria(criteria_store.criteria_version(db, int(chosen)), terms)


run_page(main)
