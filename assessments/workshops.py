"""Ethics committee workshops: join codes, access rules, the round lifecycle and vote statistics.

A committee rates the same risks blind, each member on their own device; the facilitator then
reveals the spread, the committee discusses, maybe votes again, and records one consensus rating
with its dissent. Everything here is pure (no database, no Streamlit) so the rules can be tested
on their own: the store (`assessments/store/workshop_*.py`) calls these checks inside its
transactions, and pages only display what they decide.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assessments.criteria import OutOfScaleError, RiskCriteria
from assessments.errors import ConflictError, WorkbenchError
from assessments.risk_checks import INACTIVE_RISK_STATUSES, INACTIVE_SYSTEM_STATUSES
from assessments.risks import TIERS, RiskInput
from assessments.text import echo, escape_markdown

# Crockford's base32: digits and capitals without I, L, O and U, so a code read off a projector
# cannot be mistyped as a look-alike. Six symbols give 32**6, about a billion codes.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 6
_LOOK_ALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})

TITLE_MAX = 200
NAME_MAX = 80
COMMENT_MAX = 1000
NOTE_MAX = 4000
RATIONALE_MAX = 2000
DISSENT_MAX = 1500
ACTION_MAX = 300
EXPECTED_MAX = 60
MAX_ROUNDS = 3

JOIN_PAGE = "workshop_join"

CONFIDENCE: dict[str, str] = {
    "low": "Low: mostly a guess",
    "medium": "Medium: some evidence or experience",
    "high": "High: I know this well",
}
CONFIDENCE_ORDER = list(CONFIDENCE)

STATUS_OPEN = "open"
STATUS_CLOSED = "closed"

# Event kinds of the facilitator's log; the current state is derived from them.
EVENT_FOCUS = "focus"
EVENT_OPEN_ROUND = "open_round"
EVENT_REVEAL = "reveal"
EVENT_RECORD = "record"
EVENT_CLOSE = "close"
EVENT_KINDS = (EVENT_FOCUS, EVENT_OPEN_ROUND, EVENT_REVEAL, EVENT_RECORD, EVENT_CLOSE)

PHASE_WAITING = "waiting"
PHASE_VOTING = "voting"
PHASE_REVEALED = "revealed"
PHASE_RECORDED = "recorded"

# A vote is an outlier when it lies outside Tukey's fences AND at least this many steps from
# the median: on a five-step scale a one-step difference is ordinary disagreement, not an outlier.
OUTLIER_MIN_STEPS = 2
# Agreement: see `vote_stats`. "Strong" needs this share of at least this many votes: two or
# three people landing together is too little to call the committee's view settled.
AGREEMENT_STRONG = 0.8
AGREEMENT_MODERATE = 0.6
AGREEMENT_MIN_VOTES_FOR_STRONG = 4
AGREEMENT_RULE = (
    "Share of the votes that give the same risk level as the median cell and lie within one "
    "step of it on both scales. Strong: 80 % or more of at least "
    f"{AGREEMENT_MIN_VOTES_FOR_STRONG} votes; moderate: 60 % or more; weak: less."
)


class WorkshopAccessError(WorkbenchError):
    """A code, a participant token or the facilitator key does not grant what was asked."""


# --- codes, tokens, keys -------------------------------------------------------------------------


def new_join_code() -> str:
    """A fresh join code from a cryptographic random source."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str | None) -> str:
    """What a person typed, as the stored code: capitals, no spaces or dashes, and the
    look-alikes I, L and O read as 1, 1 and 0 (Crockford's rule)."""
    cleaned = re.sub(r"[\s\-_.]", "", str(text or "")).upper()
    return cleaned.translate(_LOOK_ALIKES)


def is_well_formed_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(symbol in CODE_ALPHABET for symbol in code)


def display_code(code: str) -> str:
    """The code split in two halves for reading aloud and off a projector: 'K7M-Q2X'."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}" if len(code) > 3 else code


def new_secret() -> str:
    """A participant token or a facilitator key: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def secret_hash(secret: str) -> str:
    """Tokens and keys are stored hashed, so a copy of the database grants no access."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str | None, stored_hash: str) -> bool:
    if not secret:
        return False
    return hmac.compare_digest(secret_hash(secret), stored_hash)


def join_link(page_url: str | None, code: str) -> str:
    """The participants' link, built from the URL the facilitator's browser uses (so it works
    on whatever host and port the app runs on); a relative link when that URL is unknown."""
    query = urlencode({"code": code})
    if not page_url:
        return f"/{JOIN_PAGE}?{query}"
    parts = urlsplit(page_url)
    path = parts.path.rstrip("/")
    base = path.rsplit("/", 1)[0] if "/" in path else ""
    return urlunsplit((parts.scheme, parts.netloc, f"{base}/{JOIN_PAGE}", query, ""))


def is_local_only(url: str) -> bool:
    """A link on localhost works only on the facilitator's own machine, not on phones."""
    host = urlsplit(url).hostname or ""
    return host in {"localhost", "127.0.0.1", "::1"} or host.startswith("127.")


# --- inputs --------------------------------------------------------------------------------------


def _clean_lines(values: Iterable[str], limit: int, what: str) -> list[str]:
    cleaned = list(dict.fromkeys(" ".join(str(v).split()) for v in values if str(v).strip()))
    too_long = [value for value in cleaned if len(value) > limit]
    if too_long:
        raise ValueError(f"each {what} is at most {limit} characters")
    return cleaned


class WorkshopInput(BaseModel):
    """What the facilitator sets up: the risks to rate, who is expected, how minutes name people.

    Risks come from the register (`risk_ids`) or are drafted on the spot (`drafts`, created in
    the same transaction as the workshop).
    """

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    facilitator: str = Field(min_length=1, max_length=NAME_MAX)
    system_ids: list[int] = Field(min_length=1)
    risk_ids: list[int] = Field(default_factory=list)
    drafts: list[RiskInput] = Field(default_factory=list)
    tier: str = "inherent"
    anonymise_names: bool = False
    expected_participants: list[str] = Field(default_factory=list)

    @field_validator("system_ids", "risk_ids")
    @classmethod
    def _unique_ids(cls, values: list[int]) -> list[int]:
        return list(dict.fromkeys(values))

    @field_validator("tier")
    @classmethod
    def _known_tier(cls, value: str) -> str:
        if value not in TIERS:
            raise ValueError(f"{echo(value)} is not a tier; choose one of {', '.join(TIERS)}")
        return value

    @field_validator("expected_participants")
    @classmethod
    def _names(cls, values: list[str]) -> list[str]:
        cleaned = _clean_lines(values, NAME_MAX, "name")
        if len(cleaned) > EXPECTED_MAX:
            raise ValueError(f"at most {EXPECTED_MAX} expected participants")
        return cleaned

    @model_validator(mode="after")
    def _something_to_rate(self) -> WorkshopInput:
        if self.risk_count() == 0:
            raise ValueError("risk_ids: Choose at least one risk to rate, or draft one.")
        return self

    def risk_count(self) -> int:
        return len(self.risk_ids) + len(self.drafts)


class JoinInput(BaseModel):
    """A participant's name, as the minutes and the facilitator will see it."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: str = Field(min_length=1, max_length=NAME_MAX)

    @field_validator("name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return " ".join(value.split())


class VoteInput(BaseModel):
    """One participant's blind rating of one item in one round."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    likelihood: int
    severity: int
    confidence: str = "medium"
    comment: str = Field(default="", max_length=COMMENT_MAX)

    @field_validator("confidence")
    @classmethod
    def _known_confidence(cls, value: str) -> str:
        if value not in CONFIDENCE:
            raise ValueError(f"choose one of {', '.join(CONFIDENCE)}")
        return value


class NoteInput(BaseModel):
    """The facilitator's discussion note of one round (empty clears it)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    note: str = Field(default="", max_length=NOTE_MAX)


class ConsensusInput(BaseModel):
    """The committee's one rating of an item, why, and who disagreed."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    likelihood: int
    severity: int
    rationale: str = Field(min_length=1, max_length=RATIONALE_MAX)
    override_reason: str = Field(default="", max_length=RATIONALE_MAX)
    dissent: str = Field(default="", max_length=DISSENT_MAX)
    dissenting: list[str] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)

    @field_validator("dissenting")
    @classmethod
    def _dissenters(cls, values: list[str]) -> list[str]:
        return _clean_lines(values, NAME_MAX, "name")

    @field_validator("actions")
    @classmethod
    def _actions(cls, values: list[str]) -> list[str]:
        return _clean_lines(values, ACTION_MAX, "action")


def scale_problems(criteria: RiskCriteria, likelihood: int, severity: int) -> dict[str, str]:
    """Field messages for values off the criteria's scales (empty when both are on them)."""
    problems: dict[str, str] = {}
    for scale, value in (("likelihood", likelihood), ("severity", severity)):
        try:
            criteria.step(scale, value)
        except OutOfScaleError as error:
            problems[scale] = str(error)
    return problems


def consensus_problems(
    consensus: ConsensusInput,
    median_cell: tuple[int, int] | None,
    participant_names: Iterable[str],
) -> dict[str, str]:
    """Departing from the median needs a reason; dissenters must be people who took part."""
    problems: dict[str, str] = {}
    if (
        median_cell is not None
        and (consensus.likelihood, consensus.severity) != median_cell
        and not consensus.override_reason
    ):
        problems["override_reason"] = (
            f"The median is L{median_cell[0]} × S{median_cell[1]}: say why the committee "
            "settles on another rating."
        )
    known = set(participant_names)
    strangers = [name for name in consensus.dissenting if name not in known]
    if strangers:
        problems["dissenting"] = f"{', '.join(strangers)} did not take part in this workshop."
    if consensus.dissenting and not consensus.dissent:
        problems["dissent"] = "Note what the dissenting members think."
    return problems


# --- the round lifecycle -------------------------------------------------------------------------


class Event(BaseModel):
    """One entry of the facilitator's append-only log."""

    kind: str
    risk_id: int | None = None
    round: int | None = None
    occurred_at: datetime | None = None


@dataclass
class ItemState:
    """Where one item stands: how many rounds were opened, which were revealed, recorded or not."""

    risk_id: int
    rounds: int = 0
    revealed: set[int] = field(default_factory=set)
    recorded: bool = False

    @property
    def current_round(self) -> int | None:
        return self.rounds or None

    @property
    def phase(self) -> str:
        if self.recorded:
            return PHASE_RECORDED
        if not self.rounds:
            return PHASE_WAITING
        return PHASE_REVEALED if self.rounds in self.revealed else PHASE_VOTING

    @property
    def last_revealed_round(self) -> int | None:
        return max(self.revealed) if self.revealed else None


@dataclass
class WorkshopState:
    """The state every page shows, derived from the event log (never stored as a counter)."""

    status: str
    current_risk_id: int | None
    items: dict[int, ItemState]

    @property
    def is_open(self) -> bool:
        return self.status == STATUS_OPEN

    def item(self, risk_id: int) -> ItemState:
        if risk_id not in self.items:
            raise ConflictError(f"Risk {risk_id} is not on this workshop's agenda.")
        return self.items[risk_id]

    @property
    def current(self) -> ItemState | None:
        return self.items.get(self.current_risk_id) if self.current_risk_id is not None else None

    def voting_open(self, risk_id: int, round_number: int) -> bool:
        """Votes count only on the current item's open round, before it is revealed."""
        item = self.items.get(risk_id)
        return (
            self.is_open
            and self.current_risk_id == risk_id
            and item is not None
            and item.phase == PHASE_VOTING
            and item.rounds == round_number
        )

    def signature(self) -> tuple[Any, ...]:
        """What a participant's screen depends on: when it changes, the screen must redraw."""
        current = self.current
        return (
            self.status,
            self.current_risk_id,
            current.rounds if current else None,
            current.phase if current else None,
        )


def derive_state(
    item_ids: Sequence[int], events: Iterable[Event], recorded_ids: Iterable[int]
) -> WorkshopState:
    """Fold the event log (oldest first) into the current state."""
    items = {risk_id: ItemState(risk_id) for risk_id in item_ids}
    status = STATUS_OPEN
    current: int | None = None
    for event in events:
        item = items.get(event.risk_id) if event.risk_id is not None else None
        if event.kind == EVENT_CLOSE:
            status = STATUS_CLOSED
        elif event.kind == EVENT_FOCUS and item is not None:
            current = item.risk_id
        elif event.kind == EVENT_OPEN_ROUND and item is not None and event.round:
            item.rounds = max(item.rounds, event.round)
        elif event.kind == EVENT_REVEAL and item is not None and event.round:
            item.revealed.add(event.round)
        elif event.kind == EVENT_RECORD and item is not None:
            item.recorded = True
    for risk_id in recorded_ids:
        if risk_id in items:
            items[risk_id].recorded = True
    return WorkshopState(status=status, current_risk_id=current, items=items)


def vote_refusal(state: WorkshopState, risk_id: int, round_number: int) -> str | None:
    """Why a vote on this item and round cannot be taken now (None when it can)."""
    if not state.is_open:
        return "This workshop has closed: votes are no longer taken."
    item = state.items.get(risk_id)
    if item is None:
        return "That risk is not on this workshop's agenda."
    if state.current_risk_id != risk_id or item.phase == PHASE_WAITING:
        return "Voting on that item is not open: the facilitator has moved to another item."
    if item.recorded:
        return "The committee has already recorded its rating of that item."
    if item.rounds != round_number:
        return f"Round {round_number} of that item is over; round {item.rounds} is now open."
    if item.phase == PHASE_REVEALED:
        return "The votes on that item have been revealed: it is too late to change yours."
    return None


def _require_open(state: WorkshopState) -> None:
    if not state.is_open:
        raise ConflictError("This workshop is closed; its record can no longer change.")


def check_focus(state: WorkshopState, risk_id: int) -> bool:
    """May the facilitator move to this item? True when round 1 must be opened with it."""
    _require_open(state)
    item = state.item(risk_id)
    return item.rounds == 0


def check_reveal(state: WorkshopState, risk_id: int, vote_count: int) -> int:
    """The round to reveal, if revealing is allowed now."""
    _require_open(state)
    item = state.item(risk_id)
    if state.current_risk_id != risk_id:
        raise ConflictError("Only the current item can be revealed: go to it first.")
    if item.phase != PHASE_VOTING:
        raise ConflictError("There is no round open for votes on this item.")
    if vote_count == 0:
        raise ConflictError("Nobody has voted in this round yet: there is nothing to reveal.")
    return item.rounds


def check_new_round(state: WorkshopState, risk_id: int) -> int:
    """The number of the next round, if another round may start."""
    _require_open(state)
    item = state.item(risk_id)
    if item.phase != PHASE_REVEALED:
        raise ConflictError("A new round starts after the current one has been revealed.")
    if item.rounds >= MAX_ROUNDS:
        raise ConflictError(f"An item has at most {MAX_ROUNDS} rounds: record the consensus.")
    return item.rounds + 1


def check_record(state: WorkshopState, risk_id: int) -> int:
    """The round the consensus follows (the last revealed one), if it may be recorded now."""
    _require_open(state)
    item = state.item(risk_id)
    if item.recorded:
        raise ConflictError("The consensus on this item is already recorded.")
    if item.phase != PHASE_REVEALED:
        raise ConflictError("Reveal the votes before recording the consensus.")
    return item.rounds


def next_item(
    items: Sequence[WorkshopItem], state: WorkshopState, risk_id: int
) -> WorkshopItem | None:
    """Where the facilitator goes after the item `risk_id`: the first item further down the
    agenda whose consensus is not recorded yet (None when there is none; earlier items left
    open stay reachable from the agenda)."""
    here = next((item.position for item in items if item.risk_id == risk_id), None)
    if here is None:
        return None
    later = sorted(
        (
            item
            for item in items
            if item.position > here
            and not (item.risk_id in state.items and state.items[item.risk_id].recorded)
        ),
        key=lambda item: item.position,
    )
    return later[0] if later else None


def check_note(state: WorkshopState, risk_id: int, round_number: int) -> None:
    _require_open(state)
    item = state.item(risk_id)
    if not 1 <= round_number <= item.rounds:
        raise ConflictError("A discussion note belongs to a round that has been opened.")


# --- statistics ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """Median and quartiles of one scale's votes."""

    median: float
    q1: float
    q3: float

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1


@dataclass(frozen=True)
class VoteStats:
    """What the reveal shows: centre, spread, agreement and the votes far from the rest."""

    count: int
    likelihood: Spread
    severity: Spread
    median_cell: tuple[int, int]
    median_level: str | None
    agreeing: int
    outliers: tuple[int, ...]

    @property
    def agreement(self) -> float:
        """The share of votes that agree (`AGREEMENT_RULE`), from 0 to 1."""
        return self.agreeing / self.count

    @property
    def too_few_for_strong(self) -> bool:
        return self.count < AGREEMENT_MIN_VOTES_FOR_STRONG

    @property
    def agreement_word(self) -> str:
        if self.agreement >= AGREEMENT_STRONG and not self.too_few_for_strong:
            return "strong"
        return "moderate" if self.agreement >= AGREEMENT_MODERATE else "weak"

    @property
    def agreement_text(self) -> str:
        """'86% (strong)'; with too few votes to call it strong, it says so."""
        word = self.agreement_word
        if self.agreement >= AGREEMENT_STRONG and self.too_few_for_strong:
            word += f": fewer than {AGREEMENT_MIN_VOTES_FOR_STRONG} votes"
        return f"{self.agreement:.0%} ({word})"

    def summary(self) -> str:
        likelihood, severity = self.median_cell
        return (
            f"{self.count} vote{'s' if self.count != 1 else ''}; median L{likelihood} × "
            f"S{severity}; agreement {self.agreement_text}"
        )


def spread(values: Sequence[int]) -> Spread:
    """Median and quartiles (inclusive method: quartiles stay within the votes cast)."""
    if not values:
        raise ValueError("no values")
    if len(values) == 1:
        only = float(values[0])
        return Spread(only, only, only)
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Spread(float(median), float(q1), float(q3))


def median_step(values: Sequence[int]) -> int:
    """The median as a step on the scale; a median between two steps rounds up (the more
    cautious reading, since it is the default consensus)."""
    return math.floor(statistics.median(values) + 0.5)


def _is_outlier(value: int, axis: Spread, centre: int) -> bool:
    low, high = axis.q1 - 1.5 * axis.iqr, axis.q3 + 1.5 * axis.iqr
    return (value < low or value > high) and abs(value - centre) >= OUTLIER_MIN_STEPS


def _level_name(criteria: RiskCriteria, likelihood: int, severity: int) -> str | None:
    try:
        return criteria.level_for(likelihood, severity).name
    except ValueError:
        return None


def vote_stats(votes: Sequence[tuple[int, int]], criteria: RiskCriteria) -> VoteStats | None:
    """Statistics of (likelihood, severity) votes on the criteria they were cast under; None
    when there are none.

    Agreement (`AGREEMENT_RULE`) is the share of votes that give the median cell's risk level
    AND lie within one step of it on both scales: a split across levels (Medium against High)
    is disagreement however close the cells are, and two far-apart cells that happen to share
    a level are not agreement either. Easy to say aloud ("five of seven of us are at High,
    next to the median") and 100 % when everyone agrees. With fewer than
    `AGREEMENT_MIN_VOTES_FOR_STRONG` votes it is never called strong.
    """
    if not votes:
        return None
    likelihoods = [likelihood for likelihood, _ in votes]
    severities = [severity for _, severity in votes]
    centre = (median_step(likelihoods), median_step(severities))
    centre_level = _level_name(criteria, *centre)
    likelihood_spread, severity_spread = spread(likelihoods), spread(severities)
    agreeing = sum(
        1
        for likelihood, severity in votes
        if abs(likelihood - centre[0]) <= 1
        and abs(severity - centre[1]) <= 1
        and centre_level is not None
        and _level_name(criteria, likelihood, severity) == centre_level
    )
    outliers = tuple(
        index
        for index, (likelihood, severity) in enumerate(votes)
        if _is_outlier(likelihood, likelihood_spread, centre[0])
        or _is_outlier(severity, severity_spread, centre[1])
    )
    return VoteStats(
        count=len(votes),
        likelihood=likelihood_spread,
        severity=severity_spread,
        median_cell=centre,
        median_level=centre_level,
        agreeing=agreeing,
        outliers=outliers,
    )


def median_confidence(confidences: Sequence[str]) -> str:
    """The middle confidence of the votes (the consensus rating's strength of knowledge)."""
    ranks = sorted(CONFIDENCE_ORDER.index(value) for value in confidences if value in CONFIDENCE)
    if not ranks:
        return "medium"
    return CONFIDENCE_ORDER[ranks[(len(ranks) - 1) // 2]]


def cell_counts(votes: Sequence[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """How many votes fell on each (likelihood, severity) cell."""
    counts: dict[tuple[int, int], int] = {}
    for cell in votes:
        counts[cell] = counts.get(cell, 0) + 1
    return counts


def pseudonyms(participant_ids: Sequence[int]) -> dict[int, str]:
    """'Member 1', 'Member 2', ... in the order people joined: anonymised minutes keep the
    votes of one person together without naming them."""
    return {pid: f"Member {number}" for number, pid in enumerate(participant_ids, start=1)}


def shown_names(participants: Sequence[tuple[int, str]], anonymise: bool) -> dict[int, str]:
    """Participant id -> the name shown beside their votes (real or a pseudonym)."""
    if anonymise:
        return pseudonyms([pid for pid, _ in participants])
    return dict(participants)


def shown_by_name(participants: Sequence[tuple[int, str]], anonymise: bool) -> dict[str, str]:
    """Real name -> the name shown for them (the same pseudonyms as `shown_names`): for what
    the record keeps by name, such as the dissenting members. The console, the minutes and the
    export all go through this, so an anonymised workshop never shows a real name beside a
    position it took."""
    by_id = shown_names(participants, anonymise)
    return {name: by_id[pid] for pid, name in participants}


# --- people's text in Markdown (pages, Markdown minutes) -----------------------------------------

# Streamlit's Markdown (GitHub-flavoured) turns a bare web or email address into a link even when
# its punctuation is escaped, and then shows the escapes inside the link: "Review http://x.org"
# became a link to "http://x%5C.org". Every ':' is escaped and followed by an invisible word
# joiner (U+2060), as are "www" before its dot and the character before "@": no address (nor an
# emoji or icon code) is recognised, and the text reads exactly as typed. Built on the product's
# escaper, whatever it does with ':' itself (the text is split on ':' first).
WORD_JOINER = "\u2060"
_WWW_OR_MAIL = re.compile(r"(?<=www)(?=\\\.)|(?=@)", re.IGNORECASE)


def markdown_text(text: object) -> str:
    """People's text (a title, a name, a comment) for Markdown: shown exactly as typed, never
    as markup, and no address in it turns into a link."""
    parts = (_WWW_OR_MAIL.sub(WORD_JOINER, escape_markdown(part)) for part in str(text).split(":"))
    return ("\\:" + WORD_JOINER).join(parts)


# --- the record of a workshop (minutes, export) --------------------------------------------------


class Workshop(BaseModel):
    """A workshop as pages and reports see it (never its key)."""

    id: int
    code: str
    title: str
    tier: str
    anonymise_names: bool
    facilitator: str
    expected_participants: list[str] = Field(default_factory=list)
    created_at: datetime
    created_by: str
    status: str = STATUS_OPEN
    closed_at: datetime | None = None
    system_ids: list[int] = Field(default_factory=list)
    system_names: list[str] = Field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status == STATUS_OPEN


class Participant(BaseModel):
    id: int
    workshop_id: int
    name: str
    joined_at: datetime


class WorkshopItem(BaseModel):
    """A risk on the agenda, with what a rater needs to read: once a round has opened, the
    title and description as that round showed them (kept by the store), not the risk's
    current text."""

    risk_id: int
    position: int
    title: str
    description: str = ""
    system_id: int
    system_name: str
    harm_category: str
    risk_status: str = "open"
    system_status: str = "active"

    def out_of_scope(self) -> str:
        """Why the risk no longer needs a decision (closed, or its system retired since the
        agenda was set), or '' while it does: a consensus still lands in its history."""
        if self.system_status in INACTIVE_SYSTEM_STATUSES:
            return f"Its AI system, {self.system_name}, has been retired"
        if self.risk_status in INACTIVE_RISK_STATUSES:
            return "The risk has been closed"
        return ""


class VoteRecord(BaseModel):
    """The vote that counts for one participant in one round, as the minutes show it."""

    participant_id: int
    participant: str
    likelihood: int
    severity: int
    level: str
    confidence: str
    comment: str = ""
    submitted_at: datetime
    submissions: int = 1


class RoundRecord(BaseModel):
    """One round of an item: its counting votes (once revealed), its note, and the criteria
    version it was voted under (which the statistics use, as the console did)."""

    number: int
    revealed: bool
    criteria: RiskCriteria
    votes: list[VoteRecord] = Field(default_factory=list)
    note: str = ""

    def stats(self) -> VoteStats | None:
        return vote_stats([(vote.likelihood, vote.severity) for vote in self.votes], self.criteria)


class Outcome(BaseModel):
    """The recorded consensus of one item."""

    risk_id: int
    round: int
    likelihood: int
    severity: int
    level: str
    median_likelihood: int
    median_severity: int
    rationale: str
    override_reason: str = ""
    dissent: str = ""
    dissenting: list[str] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)
    rating_id: int
    recorded_at: datetime
    recorded_by: str


class ItemRecord(BaseModel):
    item: WorkshopItem
    rounds: list[RoundRecord] = Field(default_factory=list)
    outcome: Outcome | None = None


class WorkshopRecord(BaseModel):
    """Everything the minutes and the export tell about one workshop. Votes of rounds not yet
    revealed are left out, so no report can break the blind."""

    workshop: Workshop
    participants: list[Participant]
    items: list[ItemRecord]
    criteria_name: str

    def shown_name(self, name: str) -> str:
        """A participant's name as this workshop's reports show it (a pseudonym if anonymised)."""
        shown = shown_by_name(
            [(p.id, p.name) for p in self.participants], self.workshop.anonymise_names
        )
        return shown.get(name, name)
