"""The registry of audited record types: every entity the trail records is declared once.

A source scan finds each `entity` passed to `Transaction.audit` / `audit_many` (a literal, a
module constant, or a constant imported from another module) and every `entity=` literal a
reader passes to the store; each must be in `assessments.records.RECORD_TYPES`. The scan fails
on a call site it cannot resolve, so a new indirect one is either made resolvable or listed in
INDIRECT with the entities it carries. At run time `Transaction.audit` refuses an unregistered
entity, so a call site the scan misses still fails the first test that writes through it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import assessments
from assessments import audit, audit_view, inventory, records
from assessments.records import RECORD_TYPES, UnregisteredRecordError, record_type
from assessments.store import health
from assessments.store.db import Database

REPO = Path(assessments.__file__).resolve().parent.parent
AUDIT_METHODS = {"audit": 1, "audit_many": 0}  # method -> position of the entity argument
# Call sites whose entity is a parameter, with the entities their callers pass. The generator
# audits one 'generate' event per generated table (store/synthetic.py, `_audit_range`).
INDIRECT: dict[tuple[str, str], set[str]] = {
    ("assessments/store/synthetic.py", "_audit_range"): {
        "ai_system",
        "risk",
        "risk_rating",
        "risk_action",
        "risk_acceptance",
    },
}


@dataclass(frozen=True)
class Site:
    path: str
    line: int
    function: str
    entity: str | None  # None: the scan could not resolve it


def _module_path(module: str) -> Path:
    path = REPO / Path(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "literal" assignments."""
    found: dict[str, str] = {}
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign) and node.value is not None
            else []
        )
        value = getattr(node, "value", None)
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            for target in targets:
                if isinstance(target, ast.Name):
                    found[target.id] = value.value
    return found


class _Resolver:
    """Resolves names to string constants in a module and the modules it imports from."""

    def __init__(self, tree: ast.Module, read_module) -> None:
        self.constants = _constants(tree)
        self.read_module = read_module
        self.imported: dict[str, tuple[str, str]] = {}  # local name -> (module, name)
        self.modules: dict[str, str] = {}  # local name -> module
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    local = alias.asname or alias.name
                    self.imported[local] = (node.module, alias.name)
                    self.modules[local] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    self.modules[alias.asname or alias.name] = alias.name

    def _in_module(self, module: str, name: str) -> str | None:
        tree = self.read_module(module)
        return _constants(tree).get(name) if tree is not None else None

    def resolve(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in self.constants:
                return self.constants[node.id]
            if node.id in self.imported:
                return self._in_module(*self.imported[node.id])
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = self.modules.get(node.value.id)
            return self._in_module(module, node.attr) if module else None
        return None


def _read_module(module: str) -> ast.Module | None:
    path = _module_path(module)
    return ast.parse(path.read_text(encoding="utf-8")) if path.is_file() else None


def _enclosing(tree: ast.Module) -> dict[ast.AST, str]:
    """Each node's innermost enclosing function (ast.walk meets outer functions first)."""
    owner: dict[ast.AST, str] = {}
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if node is not function:
                    owner[node] = function.name
    return owner


def audit_sites(source: str, path: str, read_module=_read_module) -> list[Site]:
    """Every `.audit(` / `.audit_many(` call in `source`, with its entity resolved or None."""
    tree = ast.parse(source)
    resolver = _Resolver(tree, read_module)
    owner = _enclosing(tree)
    sites: list[Site] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        position = AUDIT_METHODS.get(node.func.attr)
        if position is None:
            continue
        keyword = next((k.value for k in node.keywords if k.arg == "entity"), None)
        argument = node.args[position] if len(node.args) > position else keyword
        entity = resolver.resolve(argument) if argument is not None else None
        sites.append(Site(path, node.lineno, owner.get(node, "<module>"), entity))
    return sites


def entity_keywords(source: str) -> list[tuple[int, str]]:
    """Literal `entity="..."` arguments (readers of the trail: list_events, count_events)."""
    return [
        (node.lineno, keyword.value.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg == "entity"
        and isinstance(keyword.value, ast.Constant)
        and isinstance(keyword.value.value, str)
    ]


def _sources(*folders: str) -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(REPO)), path.read_text(encoding="utf-8"))
        for folder in folders
        for path in sorted((REPO / folder).rglob("*.py"))
    ]


def _unregistered(sites: list[Site]) -> list[str]:
    problems: list[str] = []
    for site in sites:
        where = f"{site.path}:{site.line} ({site.function})"
        if site.entity is None:
            carried = INDIRECT.get((site.path, site.function))
            if carried is None:
                problems.append(f"{where}: entity not a literal or constant; list it in INDIRECT")
            else:
                missing = carried - RECORD_TYPES.keys()
                problems += [f"{where}: '{entity}' not registered" for entity in sorted(missing)]
        elif site.entity not in RECORD_TYPES:
            problems.append(f"{where}: '{site.entity}' not registered")
    return problems


def test_every_audited_entity_is_registered() -> None:
    sites = [site for path, text in _sources("assessments") for site in audit_sites(text, path)]
    assert len(sites) >= 30, "the scan sees the audit calls of every store module"
    assert _unregistered(sites) == []
    resolved = {site.entity for site in sites if site.entity}
    unresolved = {(site.path, site.function) for site in sites if site.entity is None}
    indirect = {entity for key in unresolved for entity in INDIRECT[key]}
    # Every registered type is audited somewhere (no stale registry line), and INDIRECT is live.
    assert resolved | indirect == RECORD_TYPES.keys()
    assert unresolved == INDIRECT.keys()


def test_readers_of_the_trail_name_registered_entities() -> None:
    named = [
        f"{path}:{line} '{entity}'"
        for path, text in _sources("assessments", "pages", "ui")
        for line, entity in entity_keywords(text)
        if entity not in RECORD_TYPES
    ]
    assert named == []


def test_the_scan_would_catch_a_new_unregistered_entity() -> None:
    constants = "GIZMO = 'gizmo'\n"
    source = (
        "from assessments.store.gizmos import GIZMO\n"
        "import assessments.store.gizmos as gizmos\n"
        "ENTITY = 'widget'\n"
        "def save(transaction, kind):\n"
        "    transaction.audit('create', 'doohickey', 1)\n"
        "    transaction.audit('update', ENTITY, 1)\n"
        "    transaction.audit_many(GIZMO, [])\n"
        "    transaction.audit('x', gizmos.GIZMO, 1)\n"
        "    transaction.audit(action='x', entity='risk', entity_id=1)\n"
        "    transaction.audit('x', kind, 1)\n"
    )
    modules = {"assessments.store.gizmos": ast.parse(constants)}
    sites = audit_sites(source, "assessments/store/new.py", modules.get)
    entities = [site.entity for site in sites]
    assert entities == ["doohickey", "widget", "gizmo", "gizmo", "risk", None]
    problems = _unregistered(sites)
    assert len(problems) == 5 and "'doohickey' not registered" in problems[0]
    assert "list it in INDIRECT" in problems[-1]
    assert entity_keywords("list_events(db, entity='gizmo')") == [(1, "gizmo")]


def test_an_unregistered_entity_fails_loudly_in_a_lookup_and_a_write(db: Database) -> None:
    with pytest.raises(UnregisteredRecordError, match="'gizmo' is not an audited record type"):
        record_type("gizmo")
    count = db.query_one("SELECT count(*) FROM audit_events")[0]
    for work in (
        lambda transaction: transaction.audit("create", "gizmo", 1),
        lambda transaction: transaction.audit_many("gizmo", [("create", 1, None, None, "")]),
    ):
        with pytest.raises(UnregisteredRecordError, match="RECORD_TYPES"):
            db.write("Ada", work)
    assert db.query_one("SELECT count(*) FROM audit_events")[0] == count


def test_events_already_stored_under_a_retired_type_still_read() -> None:
    """The trail outlives the code that wrote it: the log shows the raw key, not a traceback."""
    assert records.entity_label("gizmo") == "gizmo"
    assert audit_view.record_name("gizmo", "7", {}, audit_view.RecordNames()) == "gizmo 7"
    assert audit_view.labelled_changes("gizmo", None, {"a_b": "c_d"}) == [
        {"Field": "A b", "Before": "", "After": "c_d"}
    ]


def test_each_record_type_declares_what_the_log_reads(db: Database) -> None:
    tables = {row[0] for row in db.query_rows("SELECT table_name FROM information_schema.tables")}
    assert record_type("ai_system").fields is inventory.FIELD_LABELS
    for entity, record in RECORD_TYPES.items():
        assert record.label and record.label != entity, entity
        assert all(isinstance(label, str) and label for label in record.fields.values()), entity
        for field_name, vocabulary in record.values().items():
            assert vocabulary and all(isinstance(v, str) for v in vocabulary.values()), field_name
        if record.health:
            assert record.health.table in tables, entity
            assert record.health.via in (None, *RECORD_TYPES), entity
        assert record.names_kind in (None, "systems", "risks", "workshops")


def test_the_old_entity_tables_are_gone() -> None:
    assert not hasattr(audit, "ENTITY_LABELS")
    assert not hasattr(audit_view, "FIELD_LABELS_BY_ENTITY")
    assert not hasattr(health, "AUDITED_TABLES")
    # `check` reads the rules from the registry, in its order, under the names it always used.
    assert [check.label for check in health.audit_checks()] == [
        "ai_system",
        "risk",
        "risk_ratings",
        "risk_action",
        "risk_acceptances",
        "screening",
        "obligation_update",
        "impact_response",
        "impact_answer",
        "soa_control",
        "clause_readiness",
        "workshop",
        "workshop_participant",
        "workshop_vote",
        "person",
    ]
