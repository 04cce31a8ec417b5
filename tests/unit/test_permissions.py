"""Roles and permissions: every guarded store write run for every role, the registry of guarded
writes kept complete, names compared on identity, and people recorded with their roles."""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import pkgutil
import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import assessments.store
from assessments.errors import ConflictError
from assessments.identity import (
    ALL_ROLES,
    GUARDED_WRITES,
    PERMISSION_LABELS,
    ROLE_LABELS,
    ROLE_PERMISSIONS,
    Actor,
    Permission,
    PermissionDenied,
    Role,
    identity_key,
    local_actor,
    name_key,
    normalise_name,
    roles_from_claims,
    signed_in_actor,
    ui_run,
)
from assessments.store import inventory, people
from assessments.store.audit import list_events
from assessments.store.db import Database
from tests.factories import system_input

REPO = Path(__file__).resolve().parents[2]

STORE_MODULES: list[ModuleType] = [
    importlib.import_module(f"assessments.store.{module.name}")
    for module in pkgutil.iter_modules(assessments.store.__path__)
]
# Guarded writes outside the store: loading the demo portfolio.
importlib.import_module("assessments.demo")

# Store functions that write with an `actor` and are deliberately not guarded by a role.
UNGUARDED_STORE_WRITES = {
    # Records a person on sign-in, before they have any role: it is how roles begin.
    "assessments.store.people.sign_in": "records a person on sign-in",
}
# Writes a page may start without a role: workshop members join with a code and no account.
UNGUARDED_PAGE_WRITES = {
    "assessments.store.people.sign_in": "records a person on sign-in",
    "assessments.store.workshop_sessions.join_workshop": "a member joins with a code",
    "assessments.store.workshop_votes.submit_vote": "a member votes with their token",
}


def resolve(dotted: str) -> Callable[..., Any]:
    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def permission_roles(permission: Permission) -> set[Role]:
    return {role for role, allowed in ROLE_PERMISSIONS.items() if permission in allowed}


def person_with(role: Role) -> Actor:
    return Actor("https://id.example.org|robin", "Robin Quill", "robin@example.org", {role}, True)


def audit_event_count(database: Database) -> int:
    row = database.query_one("SELECT count(*) FROM audit_events")
    assert row is not None
    return int(row[0])


def dummy_arguments(function: Callable[..., Any]) -> dict[str, Any]:
    """None for every argument without a default, apart from the database and the actor."""
    signature = inspect.signature(function)
    return {
        name: None
        for name, parameter in signature.parameters.items()
        if name not in {"database", "actor"} and parameter.default is inspect.Parameter.empty
    }


@pytest.fixture(scope="module")
def migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty database file; each test copies it (migrating takes most of a second,
    and these tests are many)."""
    path = tmp_path_factory.mktemp("permissions") / "migrated.duckdb"
    Database(path).close()
    return path


@pytest.fixture
def db_path(tmp_path: Path, migrated_file: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "aims.duckdb"
    shutil.copyfile(migrated_file, path)
    monkeypatch.setenv("AIMS_DB", str(path))
    return path


@pytest.fixture
def database_touches(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every read or write this test's database is asked for, by method name."""
    touched: list[str] = []
    for method in ("write", "cursor", "query_df", "query_rows", "query_one", "query_records"):
        original = getattr(db, method)

        def recording(*args: Any, _name: str = method, _original: Any = original, **kwargs: Any):
            touched.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(db, method, recording)
    return touched


# --- every guarded write against every role ----------------------------------------------------

CASES = [
    pytest.param(dotted, role, id=f"{dotted.removeprefix('assessments.store.')}-{role.value}")
    for dotted in sorted(GUARDED_WRITES)
    for role in Role
]


class ReachedTheWrite(Exception):
    """Raised instead of writing: an allowed call got as far as Database.write."""


def refuse_to_write(*_: Any, **__: Any) -> None:
    raise ReachedTheWrite


@pytest.mark.parametrize(("dotted", "role"), CASES)
def test_each_guarded_write_checks_the_role_first(
    db: Database,
    database_touches: list[str],
    monkeypatch: pytest.MonkeyPatch,
    dotted: str,
    role: Role,
) -> None:
    function = resolve(dotted)
    permission = GUARDED_WRITES[dotted]
    actor = person_with(role)
    events_before = audit_event_count(db)
    database_touches.clear()
    if permission in ROLE_PERMISSIONS[role]:
        # Allowed: the call goes on (no write is carried out, so loading the demo stays quick).
        monkeypatch.setattr(db, "write", refuse_to_write)
        try:
            function(db, actor=actor, **dummy_arguments(function))
        except PermissionDenied as refused:
            pytest.fail(f"{ROLE_LABELS[role]} was refused {dotted}: {refused}")
        except Exception:  # Dummy arguments may fail in any other way.
            pass
        return
    with pytest.raises(PermissionDenied) as refused:
        function(db, actor=actor, **dummy_arguments(function))
    message = str(refused.value)
    assert actor.name in message
    assert f"may not {PERMISSION_LABELS[permission]}" in message
    needed = permission_roles(permission)
    assert needed and all(ROLE_LABELS[granting] in message for granting in needed)
    assert database_touches == [], "the database was used before the role was checked"
    assert audit_event_count(db) == events_before


def test_every_permission_is_held_by_some_role_and_guards_some_write() -> None:
    assert {permission for allowed in ROLE_PERMISSIONS.values() for permission in allowed} == set(
        Permission
    )
    assert set(GUARDED_WRITES.values()) == set(Permission)


# --- the registry is complete --------------------------------------------------------------------


def is_database_write(node: ast.AST) -> bool:
    """`<database>.write(actor, work)`: Database.write takes exactly two arguments, which tells
    it apart from st.write, a worksheet's write and a stream's write."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "write"
        and len(node.args) + len(node.keywords) == 2
        and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "st")
    )


@functools.cache
def function_tree(function: Callable[..., Any]) -> ast.AST:
    return ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(function))))


def calls_database_write(function: Callable[..., Any]) -> bool:
    return any(is_database_write(node) for node in ast.walk(function_tree(function)))


def public_store_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    for module in STORE_MODULES:
        for name, function in vars(module).items():
            if (
                not name.startswith("_")
                and inspect.isfunction(function)
                and function.__module__ == module.__name__
            ):
                yield f"{module.__name__}.{name}", function


STORE_WRITERS = sorted(
    dotted
    for dotted, function in public_store_functions()
    if "actor" in inspect.signature(function).parameters and calls_database_write(function)
)


def test_the_scan_finds_the_writers_it_should() -> None:
    assert "assessments.store.inventory.create_system" in STORE_WRITERS
    assert "assessments.store.people.sign_in" in STORE_WRITERS
    assert "assessments.store.people.list_people" not in STORE_WRITERS


@pytest.mark.parametrize("dotted", STORE_WRITERS)
def test_every_store_write_with_an_actor_is_guarded(dotted: str) -> None:
    assert dotted in GUARDED_WRITES or dotted in UNGUARDED_STORE_WRITES, (
        f"{dotted} writes for an actor without @requires(Permission...): any page could call "
        "it and skip the role check"
    )


def writes_for_someone(node: ast.AST) -> bool:
    """A Database.write for a person, not for the workbench's own constant actor (the seeding
    of the default criteria on a first read, say)."""
    if not is_database_write(node):
        return False
    assert isinstance(node, ast.Call)
    who = node.args[0] if node.args else node.keywords[0].value
    return not (isinstance(who, ast.Name) and who.id.isupper())


@functools.cache
def writes(function: Callable[..., Any]) -> bool:
    """Whether calling `function` reaches a Database.write for a person, following calls into
    assessments."""
    return reaches_a_write(function, set())


def reaches_a_write(function: Callable[..., Any], seen: set[str]) -> bool:
    dotted = f"{function.__module__}.{function.__qualname__}"
    if dotted in seen:
        return False
    seen.add(dotted)
    tree = function_tree(function)
    if any(writes_for_someone(node) for node in ast.walk(tree)):
        return True
    namespace = inspect.unwrap(function).__globals__
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = resolve_call(node.func, namespace)
            if called is not None and reaches_a_write(called, seen):
                return True
    return False


def resolve_call(func: ast.expr, namespace: dict[str, Any]) -> Callable[..., Any] | None:
    """The function of assessments a call names (`name(...)` or `module.name(...)`), or None."""
    target: Any = None
    if isinstance(func, ast.Name):
        target = namespace.get(func.id)
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        owner = namespace.get(func.value.id)
        if isinstance(owner, ModuleType):
            target = getattr(owner, func.attr, None)
    if inspect.isfunction(target) and target.__module__.startswith("assessments"):
        return target
    return None


def imported_names(tree: ast.Module) -> dict[str, Any]:
    """What a file's imports of assessments bind, by the name they bind (the file itself is not
    imported: a page file runs its page when imported)."""
    namespace: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("assessments"):
            module = importlib.import_module(node.module or "")
            for alias in node.names:
                value = getattr(module, alias.name, None)
                if value is None:
                    value = importlib.import_module(f"{node.module}.{alias.name}")
                namespace[alias.asname or alias.name] = value
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("assessments") and alias.asname:
                    namespace[alias.asname] = importlib.import_module(alias.name)
    return namespace


def page_calls() -> Iterator[tuple[str, int, str, Callable[..., Any] | None, ast.Call]]:
    """Every call in pages/ and ui/: (file, line, dotted name, function of assessments, call)."""
    for path in sorted([*REPO.glob("pages/*.py"), *REPO.glob("ui/*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        namespace = imported_names(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                called = resolve_call(node.func, namespace)
                dotted = f"{called.__module__}.{called.__qualname__}" if called else ""
                yield str(path.relative_to(REPO)), node.lineno, dotted, called, node


@pytest.fixture(scope="module")
def every_page_call() -> list[tuple[str, int, str, Callable[..., Any] | None, ast.Call]]:
    return list(page_calls())


def test_pages_write_only_through_guarded_store_functions(every_page_call) -> None:
    unguarded = sorted(
        f"{where}:{line} calls {dotted}, which writes without a role check"
        for where, line, dotted, called, _ in every_page_call
        if called is not None
        and dotted not in GUARDED_WRITES
        and dotted not in UNGUARDED_PAGE_WRITES
        and writes(called)
    )
    assert unguarded == []


def test_pages_never_write_to_the_database_themselves(every_page_call) -> None:
    direct = [
        f"{where}:{line}" for where, line, _, _, call in every_page_call if is_database_write(call)
    ]
    assert direct == []


def test_pages_reach_the_guarded_writes(every_page_call) -> None:
    """The scan above sees the calls it judges (a broken scan would pass everything)."""
    called = {dotted for _, _, dotted, _, _ in every_page_call}
    assert {
        "assessments.store.inventory.create_system",
        "assessments.store.people.set_roles",
        "assessments.store.people.sign_in",
    } <= called


# --- string actors ------------------------------------------------------------------------------


def test_a_bare_name_is_refused_inside_a_page_run_and_allowed_outside(db: Database) -> None:
    with ui_run(), pytest.raises(PermissionDenied, match="Sign in before making changes"):
        inventory.create_system(db, "Ada Lovelace", system_input())
    assert inventory.find_system_by_name(db, "Loan Advisor") is None
    created = inventory.create_system(db, "Ada Lovelace", system_input())
    assert created.created_by == "Ada Lovelace"


def test_an_actor_with_the_role_is_allowed_inside_a_page_run(db: Database) -> None:
    with ui_run():
        created = inventory.create_system(db, person_with(Role.CONTRIBUTOR), system_input())
    assert created.created_by == "Robin Quill <robin@example.org>"


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "Ada Lovelace",
        "Ada\u200b Lovelace",
        "Ada \u200bLovelace",
        "Ａｄａ Lovelace",
        "Ada\u00a0\u00a0Lovelace",
        "Ada\u200d Lovelace",
        "\u200eAda Lovelace\u200f",
        "  Ada \t Lovelace  ",
        "Ada\u2060 Lovelace",
        "Ada\u202f\u3000Lovelace",
    ],
)
def test_normalise_name_folds_spellings_of_one_name(spelling: str) -> None:
    assert normalise_name(spelling) == "Ada Lovelace"
    assert identity_key(spelling) == identity_key("Ada Lovelace") == "ada lovelace"


def test_different_names_stay_different() -> None:
    assert name_key("Ada Lovelace") != name_key("Ada Lovelaze")
    assert name_key("AdaLovelace") != name_key("Ada Lovelace")
    assert normalise_name(None) == ""


def test_identity_key_of_a_signed_in_label_is_its_email() -> None:
    assert identity_key("Ada Lovelace <Ada@Example.org>") == "ada@example.org"
    assert identity_key("Countess of Lovelace <ada@example.org>") == "ada@example.org"
    assert identity_key("ada@example.org") == "ada@example.org"
    signed_in = signed_in_actor({"sub": "1", "email": "ada@example.org", "name": "Ada L."})
    assert signed_in.is_("Ada Lovelace <ada@example.org>")
    assert not signed_in.is_("Ada Lovelace <other@example.org>")


def test_roles_from_claims_reads_role_names_and_mapped_values() -> None:
    claims = {
        "roles": ["Approver", "aims-facilitators", "unknown"],
        "groups": "aims-admins",
        "other": ["admin"],
    }
    role_map = {"aims-facilitators": "facilitator", "aims-admins": "admin"}
    assert roles_from_claims(claims, ["roles", "groups"], role_map) == {
        Role.APPROVER,
        Role.FACILITATOR,
        Role.ADMIN,
    }
    assert roles_from_claims(claims, ["roles"], {}) == {Role.APPROVER}
    assert roles_from_claims(claims, [], role_map) == frozenset()
    assert roles_from_claims({}, ["roles"], role_map) == frozenset()


# --- people and their roles ---------------------------------------------------------------------

ALICE = {
    "iss": "https://id.example.org",
    "sub": "a-1",
    "email": "alice@example.org",
    "name": "Alice",
}
BOB = {"iss": "https://id.example.org", "sub": "b-2", "email": "bob@example.org", "name": "Bob"}


def person_events(database: Database) -> list[dict[str, Any]]:
    events = list_events(database, entity="person", limit=None)
    return events.sort_values("id").to_dict("records")


def test_the_first_person_gets_every_role_and_later_ones_their_modes_newcomer_roles(
    db: Database,
) -> None:
    alice = signed_in_actor(ALICE)
    assert people.sign_in(db, alice) == ALL_ROLES
    assert people.sign_in(db, signed_in_actor(BOB)) == {Role.VIEWER}
    carol = local_actor("Carol Jones")
    assert people.sign_in(db, carol) == ALL_ROLES - {Role.ADMIN}
    assert people.stored_roles(db, alice.subject) == ALL_ROLES
    events = person_events(db)
    assert [event["actor"] for event in events] == [
        "Alice <alice@example.org>",
        "Bob <bob@example.org>",
        "Carol Jones",
    ]
    assert [event["action"] for event in events] == ["create"] * 3
    assert events[1]["summary"] == "Bob used the workbench for the first time (roles: Viewer)"


def test_a_local_first_person_is_an_admin_too(db: Database) -> None:
    assert people.sign_in(db, local_actor("Dana Whitfield")) == ALL_ROLES


def test_signing_in_again_writes_nothing_and_a_new_name_is_recorded(db: Database) -> None:
    alice = signed_in_actor(ALICE)
    people.sign_in(db, alice)
    people.sign_in(db, alice)
    assert len(person_events(db)) == 1
    renamed = signed_in_actor({**ALICE, "name": "Alice Example"})
    assert people.sign_in(db, renamed) == ALL_ROLES
    events = person_events(db)
    assert len(events) == 2 and events[1]["action"] == "update"
    assert events[1]["actor"] == "Alice Example <alice@example.org>"
    listed = people.list_people(db)
    assert listed["name"].tolist() == ["Alice Example"]


def test_an_admin_sets_roles_with_an_audit_event(db: Database) -> None:
    alice = signed_in_actor(ALICE).with_roles(people.sign_in(db, signed_in_actor(ALICE)))
    bob = signed_in_actor(BOB)
    people.sign_in(db, bob)
    people.set_roles(db, alice, bob.subject, [Role.APPROVER, Role.VIEWER])
    assert people.stored_roles(db, bob.subject) == {Role.APPROVER, Role.VIEWER}
    change = person_events(db)[-1]
    assert (change["actor"], change["action"], change["entity_id"]) == (
        "Alice <alice@example.org>",
        "update",
        bob.subject,
    )
    assert change["summary"] == "Roles of Bob: Approver, Viewer"
    people.set_roles(db, alice, bob.subject, [Role.APPROVER, Role.VIEWER])
    assert len(person_events(db)) == 3, "an unchanged set of roles writes nothing"


def test_the_last_admin_keeps_the_admin_role(db: Database) -> None:
    alice = signed_in_actor(ALICE).with_roles(people.sign_in(db, signed_in_actor(ALICE)))
    bob = signed_in_actor(BOB)
    people.sign_in(db, bob)
    with pytest.raises(ConflictError, match="Alice is the only admin"):
        people.set_roles(db, alice, alice.subject, [Role.VIEWER])
    assert people.stored_roles(db, alice.subject) == ALL_ROLES
    people.set_roles(db, alice, bob.subject, [Role.ADMIN])
    people.set_roles(db, alice, alice.subject, [Role.VIEWER])
    assert people.stored_roles(db, alice.subject) == {Role.VIEWER}
    bob_admin = bob.with_roles({Role.ADMIN})
    with pytest.raises(ConflictError, match="Bob is the only admin"):
        people.set_roles(db, bob_admin, bob.subject, [])


def test_a_non_admin_may_not_set_roles(db: Database) -> None:
    people.sign_in(db, signed_in_actor(ALICE))
    bob = signed_in_actor(BOB)
    people.sign_in(db, bob)
    events = len(person_events(db))
    everything_but_admin = bob.with_roles(ALL_ROLES - {Role.ADMIN})
    with pytest.raises(PermissionDenied, match="Bob may not assign roles: that needs the Admin"):
        people.set_roles(db, everything_but_admin, bob.subject, list(Role))
    assert people.stored_roles(db, bob.subject) == {Role.VIEWER}
    assert len(person_events(db)) == events
