"""An AI system's fields are declared once, on the model, and everything else reads them.

The recipe of DESIGN.md ("add deployment region to an AI system") is run for real: a copy of the
code gets the field on the model, its vocabulary and a migration (three production files) and
nothing else, and the copy must show it on the list, the detail page and the form, filter by
it, export it, import it (by key or label) and name it in the audit trail.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from assessments.importing import ImportFileError, parse_inventory
from assessments.inventory import (
    FIELD_LABELS,
    MATERIAL_FIELDS,
    SCREENING_FIELDS,
    AISystemInput,
    SystemFilter,
    system_fields,
)
from assessments.regulatory import STALE_FIELDS
from assessments.store.inventory import export_columns
from assessments.text import escape_markdown

REPO = Path(__file__).resolve().parents[2]

# The production files the recipe touches (at most five, says the issue).
RECIPE_FILES = (
    "assessments/inventory.py",  # the field, with its label and roles
    "assessments/vocab.py",  # its vocabulary
    "assessments/store/migrations/NNN_deployment_region.sql",  # its column
)
REGION_VOCABULARY = """
REGIONS: dict[str, str] = {
    "emea": "Europe, Middle East and Africa",
    "americas": "Americas",
    "apac": "Asia-Pacific",
}
"""
REGION_FIELD = """    deployment_region: str = described(
        "Deployment region",
        vocabulary=vocab.REGIONS,
        filter="deployment_regions",
        listed=True,
        default="",
    )
"""
# DuckDB alters no table an index depends on: the name index is dropped and made again.
REGION_COLUMN = """DROP INDEX ai_systems_name_unique;
ALTER TABLE ai_systems ADD COLUMN deployment_region VARCHAR NOT NULL DEFAULT '';
CREATE UNIQUE INDEX ai_systems_name_unique ON ai_systems (lower(name));
"""


def test_the_recipe_takes_at_most_five_production_files() -> None:
    assert len(RECIPE_FILES) <= 5


def test_every_field_has_a_label_and_the_audit_reads_the_model() -> None:
    specs = system_fields()
    assert [spec.name for spec in specs] == list(AISystemInput.model_fields)
    assert all(spec.label and spec.label[0].isupper() for spec in specs)
    assert {spec.name: spec.label for spec in specs} == FIELD_LABELS
    assert len(set(FIELD_LABELS.values())) == len(FIELD_LABELS), "one label per field"
    assert FIELD_LABELS["autonomy"] == "Autonomy and human oversight"
    assert export_columns()[1:-1] == [spec.name for spec in specs if spec.export]


def test_staleness_fields_are_declared_on_the_model() -> None:
    """An impact assessment weighs more of the record than a screening: both are flags of the
    fields, the screening's set inside the impact's."""
    assert set(SCREENING_FIELDS) == {"purpose", "deployment_context", "ai_technique"}
    assert STALE_FIELDS == SCREENING_FIELDS
    assert set(MATERIAL_FIELDS) == {
        "purpose",
        "ai_technique",
        "personal_data",
        "special_category_data",
        "autonomy",
        "deployment_context",
        "stakeholders",
    }
    assert set(SCREENING_FIELDS) <= set(MATERIAL_FIELDS)


# --- no hand lists of system fields elsewhere ------------------------------------------------

# Field keys that only an AI system has (owner, status, name... are every record's).
_SYSTEM_ONLY_KEYS = {
    "purpose",
    "business_unit",
    "roles",
    "ai_technique",
    "autonomy",
    "stakeholders",
    "personal_data",
    "special_category_data",
    "deployment_context",
    "geography",
    "suppliers",
}
# Modules of other owners that still hold one, to be converted (remove each as it goes; the
# test fails on a new one and on one that is gone but still listed).
KNOWN_HAND_LISTS: set[str] = set()


def _constants(nodes: list[ast.expr | None]) -> set[str]:
    return {
        node.value
        for node in nodes
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def _labels(node: ast.AST) -> set[str]:
    return {
        item.value
        for item in ast.walk(node)
        if isinstance(item, ast.Constant) and isinstance(item.value, str)
    }


def _is_vocabulary(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "vocab"


def hand_lists(source: str) -> list[int]:
    """Lines of literals that copy the model by hand: three or more system-field labels (a
    table of labels), five or more system-only field keys (a column list), or three or more
    system-only keys mapped to vocab.* vocabularies (a vocabulary table)."""
    labels = {label for name, label in FIELD_LABELS.items() if name in _SYSTEM_ONLY_KEYS}
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.List | ast.Tuple | ast.Set | ast.Dict):
            copied_labels = len(_labels(node) & labels) >= 3
            elements = node.keys if isinstance(node, ast.Dict) else node.elts
            column_list = len(_constants(list(elements)) & _SYSTEM_ONLY_KEYS) >= 5
            vocabularies = isinstance(node, ast.Dict) and (
                len(
                    _constants(
                        [
                            key
                            for key, value in zip(node.keys, node.values, strict=True)
                            if _is_vocabulary(value)
                        ]
                    )
                    & _SYSTEM_ONLY_KEYS
                )
                >= 3
            )
            if copied_labels or (column_list and not isinstance(node, ast.Dict)) or vocabularies:
                found.append(node.lineno)
    return found


def test_the_scan_would_catch_a_hand_list() -> None:
    assert hand_lists('COLUMNS = ["purpose", "roles", "autonomy", "suppliers", "geography"]') == [1]
    assert hand_lists(
        'VOCAB = {"roles": vocab.ROLES, "autonomy": vocab.AUTONOMY, "x": 1,'
        ' "stakeholders": vocab.STAKEHOLDERS}'
    )
    assert hand_lists('rows = [("Our roles", 1), ("AI technique", 2), ("Geographic scope", 3)]\n')
    assert hand_lists('risk = {"owner": "Owner", "status": "Status", "title": "Title"}\n') == []


def test_no_other_module_holds_a_hand_list_of_system_fields() -> None:
    offenders = set()
    for folder in ("assessments", "pages", "ui"):
        for path in sorted((REPO / folder).rglob("*.py")):
            relative = path.relative_to(REPO).as_posix()
            if relative == "assessments/inventory.py":
                continue
            if hand_lists(path.read_text(encoding="utf-8")):
                offenders.add(relative)
    assert offenders == KNOWN_HAND_LISTS


# --- the recipe, run on a copy of the code ---------------------------------------------------

CHECKS = r"""
import json, os
from pathlib import Path

from streamlit.testing.v1 import AppTest

from assessments.audit_view import field_label, labelled_changes, parse_state
from assessments.importing import parse_inventory
from assessments.inventory import AISystemInput, SystemFilter, filter_fields
from assessments.store import audit as audit_store
from assessments.store import inventory as store
from assessments.store.db import Database
from ui.identity import ACTOR_STATE

BASE = dict(
    name="Loan Advisor", purpose="Suggests a loan.", owner="Ada Park", business_unit="Lending",
    roles=["ai_user"], lifecycle_stage="deployment", ai_technique="machine_learning",
    autonomy="human_in_the_loop", stakeholders=["customers"], personal_data=True,
    deployment_context="internal",
)
out = {}
db = Database(os.environ["AIMS_DB"])
created = store.create_system(db, "Ada", AISystemInput(**BASE, deployment_region="emea"))
frame = store.export_frame(db)
out["export_header"] = list(frame.columns)
out["exported"] = str(frame.loc[0, "deployment_region"])
header = ",".join(["name", "purpose", "owner", "business_unit", "roles", "lifecycle_stage",
                   "ai_technique", "autonomy", "stakeholders", "personal_data",
                   "deployment_context"])
row = "Loan Advisor,Suggests a loan.,Ada Park,Lending,ai_user,deployment,machine_learning," \
      "human_in_the_loop,customers,yes,internal"
Path("by_label.csv").write_text(f"{header},Deployment region\n{row},apac\n")
Path("bad.csv").write_text(f"{header},deployment_region\n{row},mars\n")
out["imported"] = parse_inventory(Path("by_label.csv"))[0].deployment_region
try:
    parse_inventory(Path("bad.csv"))
except Exception as error:
    out["import_error"] = str(error)
store.import_systems(db, "Ben", parse_inventory(Path("by_label.csv")))
out["filter_labels"] = [spec.label for spec in filter_fields()]
out["filtered_apac"] = store.list_systems(db, SystemFilter(deployment_regions=["apac"]))[
    "name"].tolist()
out["filtered_emea"] = store.list_systems(db, SystemFilter(deployment_regions=["emea"]))[
    "name"].tolist()
event = audit_store.list_events(db, entity="ai_system", limit=1).to_dict("records")[0]
out["audit"] = labelled_changes("ai_system", parse_state(event["before"]),
                                parse_state(event["after"]))
out["audit_label"] = field_label("ai_system", "deployment_region")
db.close()


def page(path, **query):
    at = AppTest.from_file("app.py", default_timeout=60)
    at.session_state[ACTOR_STATE] = "Test User"
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(path)
    at.run()
    assert not at.exception, [item.value for item in at.exception]
    return at


listing = page("pages/inventory.py")
out["list_filters"] = [item.label for item in listing.multiselect]
out["list_columns"] = list(listing.dataframe[0].value.columns)
detail = page("pages/system.py", id=str(created.id))
out["detail"] = " ".join(item.value for item in detail.markdown)
form = page("pages/system_edit.py", id=str(created.id))
region = form.selectbox(key=f"sysform_{created.id}_deployment_region")
out["form"] = [region.label, region.value]
region.set_value("americas")
form.button(key=f"FormSubmitter:sysform_{created.id}_form-Save").click().run()
db = Database(os.environ["AIMS_DB"])
out["saved"] = store.get_system(db, created.id).deployment_region
db.close()
print(json.dumps(out))
"""


def apply_recipe(root: Path) -> None:
    """The recipe's three edits, as a newcomer makes them."""
    with (root / "assessments/vocab.py").open("a", encoding="utf-8") as vocab_file:
        vocab_file.write(REGION_VOCABULARY)
    model = root / "assessments/inventory.py"
    lines = model.read_text(encoding="utf-8").splitlines(keepends=True)
    tree = ast.parse("".join(lines))
    model_class = next(
        node
        for node in tree.body
        if isinstance(node, ast.ClassDef) and node.name == "AISystemInput"
    )
    context = next(
        node
        for node in model_class.body
        if isinstance(node, ast.AnnAssign)
        and getattr(node.target, "id", "") == "deployment_context"
    )
    assert context.end_lineno is not None
    lines.insert(context.end_lineno, REGION_FIELD)
    model.write_text("".join(lines), encoding="utf-8")
    migrations = root / "assessments/store/migrations"
    number = max(int(path.name[:3]) for path in migrations.glob("*.sql")) + 1
    (migrations / f"{number:03d}_deployment_region.sql").write_text(REGION_COLUMN)


def test_adding_a_deployment_region_takes_the_model_a_vocabulary_and_a_migration(
    tmp_path: Path,
) -> None:
    root = tmp_path / "code"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("assessments", "data", "ui", "pages", ".streamlit"):
        if (REPO / folder).exists():
            shutil.copytree(REPO / folder, root / folder, ignore=ignore)
    shutil.copy(REPO / "app.py", root / "app.py")
    apply_recipe(root)
    environment = {
        **os.environ,
        "AIMS_DB": str(tmp_path / "aims.duckdb"),
        "AIMS_AUTH": "local",
        "PYTHONPATH": str(root),
    }
    result = subprocess.run(
        [sys.executable, "-c", CHECKS],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])

    assert "deployment_region" in out["export_header"] and out["exported"] == "emea"
    assert out["imported"] == "apac"
    assert "row 2, column deployment_region: 'mars' is not a known value" in out["import_error"]
    assert "Deployment region" in out["filter_labels"]
    assert out["filtered_apac"] == ["Loan Advisor"] and out["filtered_emea"] == []
    assert out["audit_label"] == "Deployment region"
    assert [row["Field"] for row in out["audit"]] == ["Deployment region"]
    assert "Deployment region" in out["list_filters"]
    assert "deployment_region" in out["list_columns"]
    assert f"**Deployment region:** {escape_markdown('Asia-Pacific')}" in out["detail"]
    assert out["form"] == ["Deployment region", "apac"]
    assert out["saved"] == "americas"


def test_filters_are_named_by_the_model_and_unknown_ones_refused() -> None:
    chosen = SystemFilter(statuses=["active"], personal_data=False, deployment_contexts=[])
    assert chosen.values == {"status": ["active"], "personal_data": [False]}
    assert SystemFilter(personal_data=None).values == {}
    with pytest.raises(ValidationError):
        SystemFilter(values={"purpose": ["x"]})
    with pytest.raises(ValidationError):
        SystemFilter(owners=["Ada"])


def test_an_import_column_may_be_named_by_its_label_but_not_twice(tmp_path: Path) -> None:
    header = "Name,Purpose and intended use,owner,business_unit,roles,lifecycle_stage"
    header += ",AI technique,autonomy,stakeholders,Personal data,deployment_context"
    row = "Scorer,Scores,Ada,Risk,ai_user,deployment,machine_learning,human_in_the_loop"
    row += ",customers,no,internal"
    good = tmp_path / "good.csv"
    good.write_text(f"{header}\n{row}\n")
    (system,) = parse_inventory(good)
    assert (system.name, system.purpose, system.personal_data) == ("Scorer", "Scores", False)
    twice = tmp_path / "twice.csv"
    twice.write_text(f"{header},Owner\n{row},Ben\n")
    with pytest.raises(ImportFileError, match="column Owner: names the same field as owner"):
        parse_inventory(twice)
