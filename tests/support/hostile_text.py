"""Hostile user text in every free-text field, and a check that no page turns it into markup.

The seed writes through the store and domain functions, as the pages and imports do. The check
renders what Streamlit renders as Markdown with a CommonMark renderer (markdown-it-py) that also
knows Streamlit's colour directives (`:red[...]`), and reports any link, image, colour or HTML
element that came from the hostile text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from html.parser import HTMLParser
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from assessments import catalog
from assessments.criteria import RiskCriteria, RiskLevel, Step
from assessments.identity import local_actor, signed_in_actor
from assessments.impact import get_questionnaire
from assessments.questionnaire.visibility import visible_questions
from assessments.risks import AcceptanceInput, ActionInput, TreatmentInput
from assessments.soa import ReadinessInput, SoAEntryInput
from assessments.store import criteria as criteria_store
from assessments.store import impact as impact_store
from assessments.store import inventory as inventory_store
from assessments.store import people, workshop_consensus, workshop_sessions, workshop_votes
from assessments.store import risks as risk_store
from assessments.store import screenings as screening_store
from assessments.store import soa as soa_store
from assessments.store.db import Database
from assessments.workshops import ConsensusInput, JoinInput, NoteInput, VoteInput, WorkshopInput
from tests.factories import system_input
from tests.impact_data import complete_answers, grid
from tests.risk_factories import rating_input, risk_input
from tests.support.screening_answers import HIGH_RISK

# A link to an outside site, an image the viewer's browser would fetch, coloured text and HTML.
HOSTILE = "[x](https://evil.example) ![t](http://127.0.0.1:1/p.png) :red[x] <b>x</b>"
HOSTILE_HTML = '<a href="https://evil.example">y</a><img src="http://127.0.0.1:1/q.png">'
EVIL_HOST = "evil.example"
PROBE_HOST = "127.0.0.1:1"
# The Statement of Applicability lines the seed writes: one applicable, one excluded.
SOA_CONTROL = "A.6.2.4"
EXCLUDED_CONTROL = "A.10.4"


def hostile(tag: object) -> str:
    """One line of hostile text, made unique by `tag` (names, titles, people)."""
    return f"{HOSTILE} {tag}"


def hostile_paragraph(tag: object) -> str:
    """A short name that breaks onto a paragraph of its own (a blank line ends an HTML block
    and a table row, so text after it must be escaped too)."""
    return f"{tag}\n\n{HOSTILE}"


def hostile_lines(tag: object) -> str:
    """Several lines: the hostile text at a line start, as a heading, a list item, a quote,
    in raw HTML, and after a blank line (descriptions, notes, rationales)."""
    return "\n".join(
        [
            f"{tag} {HOSTILE}",
            HOSTILE,
            "",
            f"# {HOSTILE}",
            f"- {HOSTILE}",
            f"> {HOSTILE}",
            HOSTILE_HTML,
            "",
            f"{HOSTILE_HTML} {HOSTILE}",
        ]
    )


@dataclass
class HostileWorld:
    """What the seed made: the ids a page's address names."""

    systems: list[int] = field(default_factory=list)
    risks: list[int] = field(default_factory=list)
    approved_impact: int = 0
    returned_impact: int = 0
    open_workshop: int = 0
    open_workshop_key: str = ""
    join_code: str = ""
    join_token: str = ""
    closed_workshop: int = 0


ACTOR = hostile("actor")
REVIEWER = hostile("reviewer")


def _hostile_criteria(current: RiskCriteria, tag: str, *, rename_levels: bool) -> RiskCriteria:
    """The current criteria with the organisation's own words replaced (the level names too
    unless ratings use them: a level in use cannot be renamed)."""
    renamed = {
        level.name: (hostile if rank % 2 else hostile_paragraph)(f"{tag} L{rank}")
        if rename_levels
        else level.name
        for rank, level in enumerate(current.levels)
    }
    return RiskCriteria(
        name=hostile(f"{tag} criteria"),
        likelihood=[
            Step(
                value=step.value,
                label=hostile_paragraph(f"{tag} lk{step.value}"),
                description=hostile_lines(f"{tag} lk"),
            )
            for step in current.likelihood
        ],
        severity=[
            Step(
                value=step.value,
                label=hostile(f"{tag} sv{step.value}"),
                description=hostile_lines(f"{tag} sv"),
            )
            for step in current.severity
        ],
        levels=[
            RiskLevel(
                name=renamed[level.name],
                colour=level.colour,
                description=hostile_lines(f"{tag} level"),
            )
            for level in current.levels
        ],
        grid=[[renamed[name] for name in row] for row in current.grid],
        appetite=renamed[current.appetite],
        tolerances={category: renamed[name] for category, name in current.tolerances.items()}
        or {"fairness": renamed[current.levels[0].name]},
        review_interval_months=current.review_interval_months,
    )


def seed_hostile_world(database: Database) -> HostileWorld:
    """Every free-text field a person can fill, filled with hostile text."""
    world = HostileWorld()

    criteria_store.seed_default_criteria(database)
    default = criteria_store.current_criteria(database)
    criteria_store.save_criteria(
        database,
        ACTOR,
        _hostile_criteria(default, "v2", rename_levels=True),
        hostile_lines("criteria note"),
    )

    for number in (1, 2):
        system = inventory_store.create_system(
            database,
            ACTOR,
            system_input(
                name=(hostile if number == 1 else hostile_paragraph)(f"system {number}"),
                purpose=hostile_lines("purpose"),
                description=hostile_lines("description"),
                owner=hostile(f"owner {number}"),
                business_unit=hostile(f"unit {number}"),
                geography=[hostile("geography")],
                suppliers=[hostile("supplier")],
                next_review=date.today() - timedelta(days=3),
            ),
        )
        world.systems.append(system.id)

    for system_id in world.systems:
        for number in (1, 2):
            risk = risk_store.create_risk(
                database,
                ACTOR,
                risk_input(
                    system_id,
                    title=(hostile if number == 1 else hostile_paragraph)(
                        f"risk {system_id}.{number}"
                    ),
                    description=hostile_lines("risk description"),
                    owner=hostile(f"risk owner {number}"),
                    origin=hostile("origin")[:200],
                ),
            )
            world.risks.append(risk.id)

    first, second, third, _unrated = world.risks
    for risk_id in (first, second, third):
        risk_store.record_rating(
            database,
            ACTOR,
            rating_input(
                risk_id,
                "inherent",
                rationale=hostile_lines("rationale"),
                participants=[hostile("rater")],
            ),
        )
    risk_store.record_rating(
        database,
        ACTOR,
        rating_input(first, "residual", likelihood=3, severity=3, rationale=hostile_lines("r")),
    )
    risk_store.record_rating(
        database,
        ACTOR,
        rating_input(first, "target", likelihood=1, severity=2, rationale=hostile_lines("t")),
    )
    risk_store.set_treatment(
        database,
        ACTOR,
        first,
        TreatmentInput(
            option="change_likelihood", controls=[SOA_CONTROL], note=hostile_lines("treatment")
        ),
    )
    risk_store.add_action(
        database,
        ACTOR,
        first,
        ActionInput(
            title=hostile("action"),
            owner=hostile("action owner"),
            due_date=date.today() - timedelta(days=5),
        ),
    )
    risk_store.record_acceptance(
        database,
        hostile("approver"),
        AcceptanceInput(
            risk_id=first,
            approved_at=date.today(),
            rationale=hostile_lines("acceptance"),
            valid_until=date.today() + timedelta(days=90),
        ),
    )

    screening_store.record_screening(
        database, ACTOR, world.systems[0], HIGH_RISK, note=hostile_lines("screening note")
    )
    record = screening_store.current_screening(database, world.systems[0])
    assert record is not None
    obligation = record.outcome.obligation_ids[0]
    screening_store.update_obligation(
        database,
        ACTOR,
        world.systems[0],
        obligation,
        "in_progress",
        owner=hostile("obligation owner"),
        evidence=hostile_lines("evidence"),
    )

    world.approved_impact = _impact(database, world.systems[0], "approve")
    world.returned_impact = _impact(database, world.systems[1], "return")

    soa_store.save_entry(
        database,
        ACTOR,
        SoAEntryInput(
            control_id=SOA_CONTROL,
            applicable=True,
            inclusion_reasons=["risk_treatment"],
            justification=hostile_lines("justification"),
            status="implemented",
            owner=hostile("control owner"),
            evidence=hostile_lines("control evidence"),
            last_reviewed=date.today(),
        ),
    )
    soa_store.save_entry(
        database,
        ACTOR,
        SoAEntryInput(
            control_id=EXCLUDED_CONTROL,
            applicable=False,
            exclusion_reason=hostile_lines("exclusion"),
            status="not_applicable",
        ),
    )
    soa_store.save_ratings(
        database,
        ACTOR,
        [
            ReadinessInput(
                item_id=item_id,
                maturity=2,
                evidence=hostile_lines("readiness evidence"),
                note=hostile_lines("readiness note"),
            )
            for item_id in _clause_items()
        ],
    )

    _workshops(database, world)

    # Ratings now exist under version 2: version 3 makes them "rated under older criteria".
    criteria_store.save_criteria(
        database,
        ACTOR,
        _hostile_criteria(criteria_store.current_criteria(database), "v3", rename_levels=False),
        hostile_lines("criteria note 3"),
    )
    # People and roles lists everyone: the visiting actor first (the first person is an admin,
    # who may open that page), a hostile name, a hostile e-mail from a provider.
    people.sign_in(database, local_actor(ACTOR))
    people.sign_in(database, local_actor(hostile("person")))
    people.sign_in(
        database,
        signed_in_actor({"sub": "hostile", "name": hostile("signed in"), "email": HOSTILE_HTML}),
    )
    return world


def _clause_items() -> list[str]:
    return [item.id for item in catalog.clause_items()][:3]


def _impact(database: Database, system_id: int, outcome: str) -> int:
    """An impact assessment whose every text answer is hostile, approved or returned."""
    questionnaire = get_questionnaire(impact_store.DEFAULT_QUESTIONNAIRE)
    # Choices that open the follow-up text questions (misuse, vulnerable groups, a harm).
    answers: dict[str, Any] = complete_answers(
        misuse_foreseeable=["other_population"],
        parties_vulnerable=["older_people"],
        harm_grid=grid("none", individuals__discrimination="medium"),
        likelihood_discrimination="possible",
    )
    text_questions = [q for q in questionnaire.questions if q.type in ("short_text", "long_text")]
    for question in text_questions:
        text = hostile_lines(question.id) if question.type == "long_text" else hostile(question.id)
        answers[question.id] = text[: question.max_length] if question.max_length else text
    shown = {question.id for question in visible_questions(questionnaire, answers)}
    assert {question.id for question in text_questions} <= shown, "a text question is hidden"
    response = impact_store.start_assessment(database, ACTOR, system_id)
    database.write(
        ACTOR, lambda transaction: impact_store.write_answers(transaction, response.id, answers)
    )
    impact_store.submit(database, ACTOR, response.id)
    if outcome == "approve":
        impact_store.approve(database, REVIEWER, response.id, hostile_lines("sign-off"))
    else:
        impact_store.return_for_changes(database, REVIEWER, response.id, hostile_lines("return"))
    return response.id


def _workshops(database: Database, world: HostileWorld) -> None:
    """An open workshop mid-discussion (votes revealed, a note) and a closed one with minutes."""
    for closed in (False, True):
        created = workshop_sessions.create_workshop(
            database,
            ACTOR,
            WorkshopInput(
                title=hostile(f"workshop {closed}"),
                facilitator=hostile("facilitator")[:80],
                system_ids=world.systems[:1],
                risk_ids=world.risks[:2],
                drafts=[risk_input(world.systems[0], title=hostile(f"draft {closed}"))],
                expected_participants=[hostile("expected")[:80], "Ada"],
            ),
        )
        workshop, key = created.workshop, created.facilitator_key
        tokens = [
            workshop_sessions.join_workshop(database, workshop.code, JoinInput(name=name)).token
            for name in (hostile("member")[:80], "Bo")
        ]
        risk_id = world.risks[0]
        workshop_votes.go_to_item(database, ACTOR, workshop.id, key, risk_id)
        for token, (likelihood, severity) in zip(tokens, ((2, 3), (4, 4)), strict=True):
            workshop_votes.submit_vote(
                database,
                workshop.code,
                token,
                risk_id,
                1,
                VoteInput(likelihood=likelihood, severity=severity, comment=hostile_lines("vote")),
            )
        workshop_votes.reveal_votes(database, ACTOR, workshop.id, key, risk_id)
        workshop_consensus.save_note(
            database, ACTOR, workshop.id, key, risk_id, 1, NoteInput(note=hostile_lines("note"))
        )
        if closed:
            members = [p.name for p in workshop_sessions.participants(database, workshop.id)]
            workshop_consensus.record_consensus(
                database,
                ACTOR,
                workshop.id,
                key,
                risk_id,
                ConsensusInput(
                    likelihood=5,
                    severity=5,
                    rationale=hostile_lines("consensus"),
                    override_reason=hostile_lines("override"),
                    dissent=hostile_lines("dissent"),
                    dissenting=members[:1],
                    actions=[hostile("consensus action")],
                ),
            )
            workshop_sessions.close_workshop(database, ACTOR, workshop.id, key)
            world.closed_workshop = workshop.id
        else:
            world.open_workshop, world.open_workshop_key = workshop.id, key
            world.join_code, world.join_token = workshop.code, tokens[0]


# --- the check --------------------------------------------------------------------------------

# Streamlit's colour directives (`:red[text]`, `:blue-background[text]`, `:green-badge[text]`).
_DIRECTIVE = re.compile(
    r":(red|orange|yellow|green|blue|violet|gray|grey|rainbow|primary)(?:-background|-badge)?"
    r"\[([^\]\n]*)\]"
)


def _directive(state: StateInline, silent: bool) -> bool:
    """A colour directive where the text has an unescaped ':' (an escaped one, '\\:', is taken
    by the escape rule first, as in Streamlit's micromark)."""
    match = _DIRECTIVE.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("st_directive", "span", 0)
        token.info, token.content = match.group(1), match.group(2)
    state.pos = match.end()
    return True


def _markdown(allow_html: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": allow_html}).enable(["table", "strikethrough"])
    md.inline.add_terminator_char(":")
    md.inline.ruler.before("link", "st_directive", _directive)
    md.add_render_rule(
        "st_directive",
        lambda renderer, tokens, index, options, env: (
            f'<span data-directive="{tokens[index].info}">{escape(tokens[index].content)}</span>'
        ),
    )
    return md


_RENDERERS = {allow: _markdown(allow) for allow in (False, True)}


class _Markup(HTMLParser):
    """Collects the links, images, colour directives and bold elements of rendered HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and (
            EVIL_HOST in values.get("href", "") or PROBE_HOST in values.get("href", "")
        ):
            self.found.append(f"link to {values['href']}")
        if tag == "img" and (
            PROBE_HOST in values.get("src", "") or EVIL_HOST in values.get("src", "")
        ):
            self.found.append(f"image from {values['src']}")
        if tag == "b":
            self._open.append("<b> element")
        if tag == "span":
            directive = values.get("data-directive")
            self._open.append(f":{directive}[x] colour directive" if directive else "")

    def handle_data(self, data: str) -> None:
        # The hostile text's own bold and colour hold "x"; the page's own markup holds other text.
        if self._open and self._open[-1] and data.strip() == "x":
            self.found.append(self._open[-1])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("b", "span") and self._open:
            self._open.pop()


def markup_from_hostile_text(markdown: str, *, allow_html: bool) -> list[str]:
    """What a Markdown body turns into that only hostile text can have put there."""
    parser = _Markup()
    parser.feed(_RENDERERS[allow_html].render(markdown))
    return parser.found


def markup_in_html(html: str) -> list[str]:
    """The same, for raw HTML a page hands to the browser (st.html, components.html)."""
    parser = _Markup()
    parser.feed(html)
    return parser.found


# Proto fields Streamlit shows as plain text (or does not show): widget values, select options,
# identifiers, icons, addresses. Every other string field is read as Markdown, which is what
# labels, help texts, bodies, captions and radio options are.
_PLAIN_FIELDS = {
    "id",
    "form_id",
    "value",
    "values",
    "raw_values",
    "default",
    "raw_value",
    "placeholder",
    "icon",
    "url",
    "page_script_hash",
    "type",
    "format",
    "timezone",
    "file_name",
    "mime",
    "deploy_params",
    "accept_file",
    "file_type",
    "color",
    "width_config",
    "height_config",
    "text_alignment_config",
}
_PLAIN_BY_ELEMENT = {
    "Selectbox": {"options"},
    "MultiSelect": {"options"},
    "Code": {"code_text", "language"},
    "Text": {"body"},
    "Json": {"body"},
    "Exception": {"stack_trace", "type"},
}


@dataclass(frozen=True)
class Finding:
    page: str
    element: str
    field: str
    markup: str
    source: str

    def __str__(self) -> str:
        return (
            f"{self.page}: {self.element}.{self.field} renders {self.markup}: {self.source[:160]!r}"
        )


def _strings(message: Message, prefix: str = "") -> list[tuple[str, str]]:
    """Every string field of a proto (recursively), as (dotted field name, value)."""
    found: list[tuple[str, str]] = []
    for descriptor, value in message.ListFields():
        name = f"{prefix}{descriptor.name}"
        items = list(value) if descriptor.is_repeated else [value]
        if descriptor.type == FieldDescriptor.TYPE_MESSAGE:
            if descriptor.message_type.GetOptions().map_entry:
                continue
            for item in items:
                found += _strings(item, f"{name}.")
        elif descriptor.type == FieldDescriptor.TYPE_STRING:
            found += [(name, item) for item in items]
    return found


def _plotly_strings(spec: str) -> list[str]:
    strings: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(spec))
    return strings


def _table_strings(proto: Message) -> list[str]:
    """The header, index and cell texts of an st.table (and its Styler's display values)."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    strings: list[str] = []
    payloads = [proto.arrow_data.data]
    if proto.arrow_data.HasField("styler"):
        payloads.append(proto.arrow_data.styler.display_values)
        strings.append(proto.arrow_data.styler.caption)
    for payload in payloads:
        if not payload:
            continue
        frame = convert_arrow_bytes_to_pandas_df(payload)
        strings += [str(name) for name in frame.columns] + [str(name) for name in frame.index]
        strings += [str(cell) for row in frame.itertuples(index=False) for cell in row]
    return strings


def mentions_hostile_text(nodes: list[Any]) -> bool:
    """Whether any element (text, widget value, table or chart) holds the hostile text: a page
    visit that shows none of it checks nothing."""
    return any(
        isinstance(proto := getattr(node, "proto", None), Message)
        and EVIL_HOST.split(".")[0].encode() in proto.SerializeToString()
        for node in nodes
    )


def findings_in(page: str, nodes: list[Any]) -> list[Finding]:
    """Markup from hostile text in the elements of one page run (AppTest nodes)."""
    findings: list[Finding] = []
    for node in nodes:
        proto = getattr(node, "proto", None)
        if not isinstance(proto, Message):
            continue
        element = type(proto).__name__
        allow_html = bool(getattr(proto, "allow_html", False))
        if element == "PlotlyChart":
            for text in _plotly_strings(proto.spec):
                # Plotly reads <a>, <b>, <br>, <span> in its labels and hover texts.
                for markup in markup_in_html(text):
                    findings.append(Finding(page, element, "spec", markup, text))
            continue
        if element in ("Html", "IFrame"):
            for name, text in _strings(proto):
                for markup in markup_in_html(text):
                    findings.append(Finding(page, element, name, markup, text))
            continue
        if element == "Table":
            # st.table draws every cell, header and index value as Markdown.
            for text in _table_strings(proto):
                for markup in markup_from_hostile_text(text, allow_html=False):
                    findings.append(Finding(page, element, "cell", markup, text))
            continue
        if element in ("Arrow", "ArrowNamedDataSet", "Dataframe"):
            # Cells are drawn as text; only a column's help tooltip reads Markdown.
            for name, text in _strings(proto):
                if name == "columns":
                    for column in json.loads(text or "{}").values():
                        help_text = column.get("help") if isinstance(column, dict) else None
                        if help_text:
                            for markup in markup_from_hostile_text(help_text, allow_html=False):
                                findings.append(
                                    Finding(page, element, "columns.help", markup, help_text)
                                )
            continue
        plain = _PLAIN_FIELDS | _PLAIN_BY_ELEMENT.get(element, set())
        for name, text in _strings(proto):
            if name.split(".")[-1] in plain or not text:
                continue
            for markup in markup_from_hostile_text(text, allow_html=allow_html):
                findings.append(Finding(page, element, name, markup, text))
    return findings
