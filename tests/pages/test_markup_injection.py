"""User text is data, never markup: hostile text in every free-text field becomes no link,
image, colour or HTML element on any page (issue 12, "Injection").

One database holds the hostile text in every field a person can fill (tests.support.hostile_text);
every page of the navigation, and the deep links and drill-downs that show more of it, is run on
it and each element's Markdown is rendered and searched for what only the hostile text could put
there. Streamlit's GFM may still turn a visible bare address into a link showing that address
(assessments.text says why); a Markdown link, an image, a colour or an HTML element never.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from assessments.impact import get_questionnaire
from assessments.risk_workflow import STEPS
from assessments.store.db import Database
from assessments.store.impact import DEFAULT_QUESTIONNAIRE
from tests.support.hostile_text import (
    ACTOR,
    EXCLUDED_CONTROL,
    HOSTILE,
    SOA_CONTROL,
    HostileWorld,
    findings_in,
    markup_from_hostile_text,
    mentions_hostile_text,
    seed_hostile_world,
)
from ui.common import (
    AUDIT_LOG,
    HOME,
    IMPACT_ASSESSMENTS,
    IMPACT_RESULT,
    IMPACT_WIZARD,
    INVENTORY,
    PEOPLE,
    PORTFOLIO,
    READINESS,
    REGISTER,
    REGULATORY,
    RISK,
    RISK_CRITERIA,
    RISK_NEW,
    SCREENING,
    SOA,
    SYSTEM,
    SYSTEM_EDIT,
    TRENDS,
    WORKSHOP_CONSOLE,
    WORKSHOP_JOIN,
    WORKSHOP_KEY,
    WORKSHOPS,
)

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Visit:
    """One page as a person reaches it: its address (?query) and what they clicked first."""

    name: str
    page: str
    query: Callable[[HostileWorld], dict[str, str]] = lambda world: {}
    state: Callable[[HostileWorld], dict[str, Any]] = lambda world: {}
    # Whether the page's main area shows people's words at all (an empty form does not).
    shows_user_text: bool = True


def _cell(likelihood: int, severity: int) -> dict[str, Any]:
    return {"selection": {"points": [{"customdata": [likelihood, severity]}]}}


VISITS = [
    Visit("home", HOME, shows_user_text=False),
    Visit("portfolio", PORTFOLIO),
    Visit(
        "portfolio-all-heatmaps",
        PORTFOLIO,
        state=lambda w: {"pf_layout": "all", "pf_map_inherent_0": _cell(4, 4)},
    ),
    Visit("trends", TRENDS),
    Visit("trends-risk", TRENDS, query=lambda w: {"risk": str(w.risks[0])}),
    Visit("trends-system", TRENDS, query=lambda w: {"system": str(w.systems[0])}),
    Visit("inventory", INVENTORY),
    Visit("system-new", SYSTEM_EDIT, shows_user_text=False),
    Visit("system-edit", SYSTEM_EDIT, query=lambda w: {"id": str(w.systems[0])}),
    Visit("system-1", SYSTEM, query=lambda w: {"id": str(w.systems[0])}),
    Visit("system-2", SYSTEM, query=lambda w: {"id": str(w.systems[1])}),
    Visit("risk-new", RISK_NEW, query=lambda w: {"system": str(w.systems[0])}),
    Visit("register", REGISTER, state=lambda w: {"reg_map_inherent": _cell(4, 4)}),
    Visit(
        "register-system",
        REGISTER,
        query=lambda w: {"system": str(w.systems[0])},
        state=lambda w: {"reg_map_residual": _cell(3, 3), "reg_all_columns": True},
    ),
    *(
        Visit(
            f"risk-{step}",
            RISK,
            query=lambda w: {"id": str(w.risks[0])},
            state=lambda w, step=step: {f"risk_{w.risks[0]}_step": step},
        )
        for step in STEPS
    ),
    Visit("risk-unrated", RISK, query=lambda w: {"id": str(w.risks[3])}),
    Visit("risk-picker", RISK),
    Visit("criteria", RISK_CRITERIA),
    Visit("criteria-older", RISK_CRITERIA, state=lambda w: {"crit_history_version": 2}),
    Visit("impact-list", IMPACT_ASSESSMENTS),
    *(
        Visit(
            f"impact-wizard-{section.id}",
            IMPACT_WIZARD,
            query=lambda w, section=section.id: {"id": str(w.returned_impact), "section": section},
        )
        for section in get_questionnaire(DEFAULT_QUESTIONNAIRE).sections
    ),
    Visit("impact-approved", IMPACT_RESULT, query=lambda w: {"id": str(w.approved_impact)}),
    Visit("impact-returned", IMPACT_RESULT, query=lambda w: {"id": str(w.returned_impact)}),
    Visit("regulatory", REGULATORY),
    Visit("screening", SCREENING, query=lambda w: {"id": str(w.systems[0])}),
    Visit("soa", SOA),
    Visit("soa-control", SOA, query=lambda w: {"control": SOA_CONTROL}),
    Visit("soa-excluded", SOA, query=lambda w: {"control": EXCLUDED_CONTROL}),
    Visit("readiness", READINESS),
    Visit("workshops", WORKSHOPS),
    Visit(
        "workshop-join",
        WORKSHOP_JOIN,
        query=lambda w: {"code": w.join_code, "token": w.join_token},
    ),
    Visit(
        "workshop-console-open",
        WORKSHOP_CONSOLE,
        query=lambda w: {"id": str(w.open_workshop)},
        state=lambda w: {WORKSHOP_KEY.format(w.open_workshop): w.open_workshop_key},
    ),
    Visit(
        "workshop-console-closed",
        WORKSHOP_CONSOLE,
        query=lambda w: {"id": str(w.closed_workshop)},
    ),
    Visit("workshop-console-picker", WORKSHOP_CONSOLE),
    Visit("audit-log", AUDIT_LOG),
    Visit("people", PEOPLE),
    *(
        Visit(
            f"audit-log-event-{row}",
            AUDIT_LOG,
            state=lambda w, row=row: {"aud_table": {"selection": {"rows": [row], "columns": []}}},
        )
        for row in range(0, 60, 6)
    ),
]


@pytest.fixture(scope="module")
def hostile_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, HostileWorld]:
    """One seeded database file for the module; each test works on its own copy."""
    path = tmp_path_factory.mktemp("hostile") / "template.duckdb"
    database = Database(path)
    try:
        world = seed_hostile_world(database)
    finally:
        database.close()
    return path, world


@pytest.fixture
def hostile_world(hostile_template: tuple[Path, HostileWorld], db_path: Path) -> HostileWorld:
    template, world = hostile_template
    for suffix in ("", ".wal"):
        source = Path(str(template) + suffix)
        if source.exists():
            shutil.copy(source, Path(str(db_path) + suffix))
    return world


@pytest.mark.parametrize("visit", VISITS, ids=[visit.name for visit in VISITS])
def test_no_page_turns_hostile_text_into_markup(
    app_test: Callable[..., Any], hostile_world: HostileWorld, visit: Visit
) -> None:
    at = app_test(visit.page, actor=ACTOR, **visit.query(hostile_world))
    clicked = visit.state(hostile_world)
    for name, value in clicked.items():
        at.session_state[name] = value
    if clicked:
        at.run()
    assert not at.exception, [item.value for item in at.exception]
    # Every block and element of the run: closed tabs and expanders, and the sidebar.
    main, sidebar = list(at.main), list(at.sidebar)
    findings = sorted(set(map(str, findings_in(visit.name, main + sidebar))))
    assert not findings, f"{len(findings)} found:\n" + "\n".join(findings[:40])
    assert mentions_hostile_text(main) == visit.shows_user_text


def test_every_page_of_the_navigation_is_visited(app_test: Callable[..., Any]) -> None:
    """A page added to the navigation without a visit here fails this test."""
    at = app_test()
    registered = {
        str(Path(str(info["script_path"])).resolve().relative_to(REPO))
        for info in at._registered_pages.values()
        if info.get("script_path")
    }
    assert registered == {visit.page for visit in VISITS}


def test_the_check_finds_markup_that_unescaped_text_would_make() -> None:
    """The detector itself: raw hostile text is reported, escaped text is not."""
    from assessments.text import escape_markdown

    found = markup_from_hostile_text(f"**Risk:** {HOSTILE}", allow_html=True)
    assert found == [
        "link to https://evil.example",
        "image from http://127.0.0.1:1/p.png",
        ":red[x] colour directive",
        "<b> element",
    ]
    assert markup_from_hostile_text(f"A {HOSTILE}", allow_html=False)[:3] == found[:3]
    assert markup_from_hostile_text(escape_markdown(HOSTILE), allow_html=True) == []
