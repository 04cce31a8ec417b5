"""Who acts: a signed-in person (OpenID Connect) or, in local mode, a typed name; their roles,
what each role may do, and the check every write runs before it touches the database.

The store's write functions are decorated with `@requires(Permission.X)`: the permission is
checked in the domain on every call, whatever a page shows or hides. A plain string actor is
a process the operator runs with the database file in hand (the command line, the demo
loader, tests): it may do anything the file allows anyway. Inside a page run strings are
refused (`ui_run` marks the run), so every change made in the app names a person with roles.
"""

from __future__ import annotations

import functools
import inspect
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from assessments.errors import WorkbenchError

F = TypeVar("F", bound=Callable[..., Any])

NAME_MAX_LENGTH = 120
EMAIL_MAX_LENGTH = 254


class Role(StrEnum):
    VIEWER = "viewer"
    CONTRIBUTOR = "contributor"
    APPROVER = "approver"
    FACILITATOR = "facilitator"
    AUDITOR = "auditor"
    ADMIN = "admin"


ROLE_LABELS: dict[Role, str] = {
    Role.VIEWER: "Viewer",
    Role.CONTRIBUTOR: "Contributor",
    Role.APPROVER: "Approver",
    Role.FACILITATOR: "Facilitator",
    Role.AUDITOR: "Auditor",
    Role.ADMIN: "Admin",
}

ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.VIEWER: "Reads every page; changes nothing.",
    Role.CONTRIBUTOR: "Keeps the inventory, identifies and rates risks, answers impact "
    "assessments and screens systems; signed in, on the AI systems they own and the risks, "
    "actions and assessments that belong to them.",
    Role.APPROVER: "Signs off impact assessments and accepts residual risks.",
    Role.FACILITATOR: "Runs ethics committee workshops and records their consensus.",
    Role.AUDITOR: "Reads every page and the audit trail (audit findings come with internal "
    "audits).",
    Role.ADMIN: "Sets the risk criteria, keeps the Statement of Applicability and readiness, "
    "assigns roles and loads the demo.",
}


class Permission(StrEnum):
    EDIT_INVENTORY = "edit_inventory"
    EDIT_RISKS = "edit_risks"
    ACCEPT_RISKS = "accept_risks"
    ANSWER_IMPACT = "answer_impact"
    APPROVE_IMPACT = "approve_impact"
    SCREEN = "screen"
    EDIT_SOA = "edit_soa"
    EDIT_CRITERIA = "edit_criteria"
    FACILITATE = "facilitate"
    MANAGE_PEOPLE = "manage_people"
    LOAD_DEMO = "load_demo"


# What a person is refused, in words: "... may not <this>".
PERMISSION_LABELS: dict[Permission, str] = {
    Permission.EDIT_INVENTORY: "add, edit, import or retire AI systems",
    Permission.EDIT_RISKS: "identify, rate or treat risks",
    Permission.ACCEPT_RISKS: "accept residual risks or revoke an acceptance",
    Permission.ANSWER_IMPACT: "answer or submit impact assessments",
    Permission.APPROVE_IMPACT: "approve or return impact assessments",
    Permission.SCREEN: "record regulatory screenings or obligation progress",
    Permission.EDIT_SOA: "change the Statement of Applicability or clause readiness",
    Permission.EDIT_CRITERIA: "change the risk criteria",
    Permission.FACILITATE: "create or run workshops",
    Permission.MANAGE_PEOPLE: "assign roles",
    Permission.LOAD_DEMO: "load the demo portfolio",
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset(),
    Role.CONTRIBUTOR: frozenset(
        {
            Permission.EDIT_INVENTORY,
            Permission.EDIT_RISKS,
            Permission.ANSWER_IMPACT,
            Permission.SCREEN,
        }
    ),
    Role.APPROVER: frozenset({Permission.ACCEPT_RISKS, Permission.APPROVE_IMPACT}),
    Role.FACILITATOR: frozenset({Permission.FACILITATE}),
    Role.AUDITOR: frozenset(),
    Role.ADMIN: frozenset(
        {
            Permission.EDIT_SOA,
            Permission.EDIT_CRITERIA,
            Permission.MANAGE_PEOPLE,
            Permission.LOAD_DEMO,
        }
    ),
}

ALL_ROLES: frozenset[Role] = frozenset(Role)
# The first person of a new database sets it up: every role, which they may later hand on.
FIRST_PERSON_ROLES: frozenset[Role] = ALL_ROLES
# In local mode nobody is verified, so roles cannot be a security boundary: newcomers work
# with every role but admin; separation of duties still compares normalised names.
LOCAL_NEWCOMER_ROLES: frozenset[Role] = ALL_ROLES - {Role.ADMIN}
# Signed in through a provider, a newcomer reads until an admin (or a claim) gives more.
SIGNED_IN_NEWCOMER_ROLES: frozenset[Role] = frozenset({Role.VIEWER})


class PermissionDenied(WorkbenchError):
    """The acting person's roles do not allow this change."""


# --- names ---------------------------------------------------------------------------------------

_INVISIBLE_CATEGORIES = {"Cf", "Cc", "Co", "Cn", "Zl", "Zp"}
_SPACES = re.compile(r"\s+")


def normalise_name(text: object) -> str:
    """A typed name as it is compared and recorded: NFKC (full-width letters, ligatures and
    compatibility forms folded), invisible characters removed (zero-width spaces and joiners,
    direction marks, controls), runs of whitespace folded to one space, ends trimmed."""
    folded = unicodedata.normalize("NFKC", str(text or ""))
    visible = "".join(
        " " if character.isspace() else character
        for character in folded
        if character.isspace() or unicodedata.category(character) not in _INVISIBLE_CATEGORIES
    )
    return _SPACES.sub(" ", visible).strip()


def name_key(text: object) -> str:
    """What two spellings of one name share: normalised and case-folded."""
    return normalise_name(text).casefold()


_EMAIL_IN_LABEL = re.compile(r"<([^<>@\s]+@[^<>\s]+)>\s*$")


def identity_key(recorded: object) -> str:
    """The identity behind a recorded 'who': the e-mail of 'Name <e-mail>' (a signed-in person,
    stable when the display name changes), else the normalised name."""
    text = normalise_name(recorded)
    email = _EMAIL_IN_LABEL.search(text)
    if email:
        return email.group(1).casefold()
    return text.casefold()


def same_person(actor: Actor | str | None, recorded: str | None) -> bool:
    """Whether a recorded 'who' (a submitter, an owner) names the acting person, on identity:
    a signed-in person's e-mail or subject-backed name, else the normalised name, so no
    spelling of one name passes for another person (separation of duties)."""
    if not actor or not recorded:
        return False
    if isinstance(actor, Actor):
        return actor.is_(recorded)
    key = identity_key(actor)
    return bool(key) and key == identity_key(recorded)


# --- the acting person ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """The person behind a write: `subject` is the stable identity (the provider's subject, or
    'local:<name>'), `label` what the audit trail and every 'by' field record."""

    subject: str
    name: str
    email: str = ""
    roles: frozenset[Role] = field(default_factory=frozenset)
    verified: bool = False

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name

    @property
    def key(self) -> str:
        return self.email.casefold() if self.email else name_key(self.name)

    @property
    def permissions(self) -> frozenset[Permission]:
        return frozenset().union(*(ROLE_PERMISSIONS[role] for role in self.roles))

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions

    def is_(self, recorded: object) -> bool:
        """True when a recorded 'who' (a label, a typed name or an e-mail) names this person,
        however it is spelt."""
        key = identity_key(recorded)
        return bool(key) and key in {self.key, name_key(self.name), self.email.casefold()}

    def with_roles(self, roles: Iterable[Role]) -> Actor:
        return Actor(self.subject, self.name, self.email, frozenset(roles), self.verified)


def local_actor(typed_name: object, roles: Iterable[Role] = ()) -> Actor:
    """A person in local mode: the typed name, normalised; nothing verified."""
    name = normalise_name(typed_name)
    if not name:
        raise WorkbenchError(
            "Give your name in the sidebar before saving: every change records who made it."
        )
    if len(name) > NAME_MAX_LENGTH:
        raise WorkbenchError(f"Your name is longer than {NAME_MAX_LENGTH} characters.")
    return Actor(f"local:{name.casefold()}", name, "", frozenset(roles), verified=False)


def signed_in_actor(claims: Mapping[str, Any], roles: Iterable[Role] = ()) -> Actor:
    """A person signed in through OpenID Connect, from the ID token's claims."""
    issuer = str(claims.get("iss") or "").strip()
    subject = str(claims.get("sub") or "").strip()
    email = normalise_name(claims.get("email") or "")
    name = normalise_name(claims.get("name") or "") or email or subject
    if not subject:
        raise WorkbenchError("The identity provider sent no subject: sign in again.")
    return Actor(
        f"{issuer}|{subject}" if issuer else subject,
        name[:NAME_MAX_LENGTH],
        email[:EMAIL_MAX_LENGTH],
        frozenset(roles),
        verified=True,
    )


def roles_from_claims(
    claims: Mapping[str, Any], claim_names: Iterable[str], role_map: Mapping[str, str]
) -> frozenset[Role]:
    """Roles a provider asserts: each value of the configured claims (e.g. `roles`, `groups`)
    that names a role, or that the settings map to one ("aims-approvers" -> "approver")."""
    known = {role.value: role for role in Role}
    found: set[Role] = set()
    for claim in claim_names:
        values = claims.get(claim) or []
        for value in [values] if isinstance(values, str) else values:
            target = role_map.get(str(value), str(value))
            if str(target).casefold() in known:
                found.add(known[str(target).casefold()])
    return frozenset(found)


# --- the check every write runs ------------------------------------------------------------------

_IN_UI_RUN: ContextVar[bool] = ContextVar("in_ui_run", default=False)


@contextmanager
def ui_run() -> Iterator[None]:
    """A page run: from here on a write must name an `Actor`, never a bare string."""
    token = _IN_UI_RUN.set(True)
    try:
        yield
    finally:
        _IN_UI_RUN.reset(token)


@contextmanager
def on_behalf_of_the_operator() -> Iterator[None]:
    """Writes named by the operator's own process, inside a page run: the demo loader, once
    the person who clicked has been allowed to load it, records its fictional people's work
    under their names."""
    token = _IN_UI_RUN.set(False)
    try:
        yield
    finally:
        _IN_UI_RUN.reset(token)


def roles_for(permission: Permission) -> list[Role]:
    return [role for role in Role if permission in ROLE_PERMISSIONS[role]]


def refusal(actor: Actor, permission: Permission) -> str:
    roles = " or ".join(ROLE_LABELS[role] for role in roles_for(permission))
    return (
        f"{actor.name} may not {PERMISSION_LABELS[permission]}: that needs the {roles} role. "
        "An admin gives roles on the People and roles page."
    )


def authorise(actor: object, permission: Permission) -> None:
    """Refuse the change unless the actor's roles allow it (see the module docstring for
    string actors)."""
    if isinstance(actor, Actor):
        if not actor.may(permission):
            raise PermissionDenied(refusal(actor, permission))
        return
    if _IN_UI_RUN.get():
        raise PermissionDenied("Sign in before making changes: this change names no person.")


# Every guarded write function, by its dotted name: the table-driven permission test runs each
# of them for every role.
GUARDED_WRITES: dict[str, Permission] = {}


@dataclass(frozen=True)
class Reach:
    """A record a contributor wants to change, in words, and the people it belongs to (owners,
    assignees, whoever started it), as recorded."""

    what: str
    people: tuple[str, ...]


# Reads the record a write is about from the write's arguments (database, ids, data).
ReachReader = Callable[[Any, Mapping[str, Any]], Reach | None]


def check_reach(actor: Actor, reach: Reach | None) -> None:
    """A signed-in contributor changes only what belongs to them: AI systems they own, risks
    and actions assigned to them or on their systems, impact assessments they started. Admins
    reach everything; in local mode nobody is verified, so names decide nothing here."""
    if reach is None or not actor.verified or Role.ADMIN in actor.roles:
        return
    if any(actor.is_(person) for person in reach.people if person):
        return
    named = ", ".join(sorted({person for person in reach.people if person})) or "nobody"
    raise PermissionDenied(
        f"{actor.name} may change only the AI systems they own and the risks, actions and "
        f"impact assessments that belong to them: {reach.what} belongs to {named}. Its owner "
        "or an admin can change it, or an admin can make you its owner."
    )


def requires(permission: Permission, reach: ReachReader | None = None) -> Callable[[F], F]:
    """Check `permission` for the function's `actor` argument before it runs, and, given a
    `reach` reader, that a signed-in contributor's change is on their own records."""

    def decorate(function: F) -> F:
        signature = inspect.signature(function)
        if "actor" not in signature.parameters:
            raise TypeError(f"{function.__qualname__} has no 'actor' parameter to check")

        @functools.wraps(function)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            arguments = signature.bind_partial(*args, **kwargs).arguments
            actor = arguments.get("actor")
            authorise(actor, permission)
            if reach is not None and isinstance(actor, Actor):
                check_reach(actor, reach(arguments.get("database"), arguments))
            return function(*args, **kwargs)

        guarded.permission = permission  # type: ignore[attr-defined]
        GUARDED_WRITES[f"{function.__module__}.{function.__qualname__}"] = permission
        return guarded  # type: ignore[return-value]

    return decorate


def actor_label(actor: Actor | str) -> str:
    """What the trail records as 'who' for an actor or a process's own name."""
    return actor.label if isinstance(actor, Actor) else normalise_name(actor)
