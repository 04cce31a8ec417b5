"""Every list a page draws one element per record for is capped: the first N, "First N of M …
shown", and the rest as a download or behind a link to the page that lists them all.

At 40,000 risks, `soa?control=A.6.2.4` drew 10,938 page links (181 s in the browser). These
tests make the caps small (`ui.common.LINK_LIMIT`, `CHOICE_LIMIT`) rather than the
portfolio big, and check that the store only reads the first N (SQL LIMIT) and counts the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import ui.common
from assessments.store import audit as audit_store
from assessments.store import inventory as inventory_store
from assessments.store import risk_summary, snapshots
from assessments.store import risks as risk_store
from assessments.store import soa as soa_store
from assessments.store import trends as trends_store
from assessments.store import workshop_sessions as workshop_store
from assessments.store.db import Database
from assessments.store.synthetic import generate_portfolio
from assessments.workshops import WorkshopInput
from tests.factories import system_input
from tests.risk_factories import risk_input
from tests.support.apptest import no_exceptions
from tests.support.database import with_database
from tests.support.markdown import as_shown
from ui.soa_widgets import FINDING_RISK_LINKS

LINKS = 4
CHOICES = 5


def captions(at) -> str:
    return as_shown(" ".join(item.value for item in at.caption))


def page_links(at, page: str) -> list[Any]:
    """The page's links to one page file (st.page_link elements; app.py names each page's
    address after its file)."""
    return [link for link in at.get("page_link") if link.proto.page == Path(page).stem]


def download_labels(at) -> list[str]:
    return [button.proto.label for button in at.get("download_button")]


@pytest.fixture
def small_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Caps of a few records, so a handful of synthetic systems overflow them."""
    monkeypatch.setattr(ui.common, "LINK_LIMIT", LINKS)
    monkeypatch.setattr(ui.common, "CHOICE_LIMIT", CHOICES)


@pytest.fixture
def synthetic(db_path: Path) -> None:
    """Three synthetic AI systems: about 60 risks, with treatments using Annex A controls."""
    snapshots.clear_snapshots()
    with_database(db_path, lambda database: generate_portfolio(database, 3))


def busiest_control(db_path: Path) -> tuple[str, int]:
    treated = with_database(db_path, soa_store.treated_by)
    control_id = max(treated, key=lambda key: len(treated[key]))
    return control_id, len(treated[control_id])


def test_the_soa_lists_the_first_risks_a_control_treats_and_offers_them_all(
    app_test, db_path: Path, small_caps: None, synthetic: None
) -> None:
    control_id, treating = busiest_control(db_path)
    assert treating > LINKS

    at = app_test("pages/soa.py", control=control_id)

    no_exceptions(at)
    links = [as_shown(link.proto.label) for link in page_links(at, "risk.py")]
    # The editor's list names each risk with its title; a finding links the risks it names.
    assert len([label for label in links if ": " in label]) == LINKS
    assert f"First {LINKS} of {treating:,} risks shown." in captions(at)
    assert f"Download all {treating:,} (CSV)" in download_labels(at)
    # No control is assessed yet: each one a treatment uses is a finding naming its risks.
    treated = with_database(db_path, soa_store.treated_by)
    in_findings = [label for label in links if ": " not in label]
    assert len(in_findings) == sum(min(len(ids), FINDING_RISK_LINKS) for ids in treated.values())
    assert f"and {treating - FINDING_RISK_LINKS:,} more" in captions(at), (
        "a finding links the 8 risks its message names and counts the others"
    )


def test_the_store_reads_only_the_risks_shown_and_the_download_gets_them_all(
    db: Database,
) -> None:
    generate_portfolio(db, 3)
    treated = soa_store.treated_by(db)
    control_id = max(treated, key=lambda key: len(treated[key]))
    first = soa_store.risks_treated_by(db, control_id, limit=LINKS)
    every = soa_store.risks_treated_by(db, control_id)
    assert first["id"].tolist() == sorted(treated[control_id])[:LINKS]
    assert every["id"].tolist() == sorted(treated[control_id])


def test_the_system_page_lists_its_newest_changes_and_offers_the_whole_history(
    app_test, db_path: Path, small_caps: None
) -> None:
    def edit_five_times(database: Database) -> int:
        system = inventory_store.create_system(database, "Ada", system_input())
        for number in range(1, 6):
            current = inventory_store.get_system(database, system.id)
            inventory_store.update_system(
                database,
                "Ada",
                system.id,
                system_input(purpose=f"Purpose number {number}."),
                current.revision,
            )
        for number in range(12):
            risk_store.create_risk(database, "Ada", risk_input(system.id, title=f"Risk {number}"))
        return system.id

    system_id = with_database(db_path, edit_five_times)

    at = app_test("pages/system.py", id=str(system_id))

    no_exceptions(at)
    shown = LINKS // 2
    assert len(at.expander) == shown, "one expander per change shown"
    assert f"First {shown} of 6 changes (newest first) shown." in captions(at)
    assert "Download all 6 (CSV)" in download_labels(at)
    assert len(page_links(at, "risk.py")) == 10
    assert "First 10 of 12 risks (the most recently identified) shown." in captions(at)


def test_the_risk_picker_offers_a_search_and_the_first_matches(
    app_test, db_path: Path, small_caps: None, synthetic: None
) -> None:
    total = with_database(db_path, lambda database: risk_summary.find_risks(database)[1])
    assert total > CHOICES

    at = app_test("pages/risk.py")

    no_exceptions(at)
    assert len(at.selectbox(key="risk_pick").options) == CHOICES
    assert f"First {CHOICES} of {total:,} matching risks shown." in captions(at)
    assert page_links(at, "register.py"), "the register lists them all"
    wanted = with_database(
        db_path, lambda database: int(database.query_one("SELECT max(id) FROM risks")[0])
    )
    at.text_input(key="risk_find").set_value(f"R-{wanted}").run()
    assert [option.split(" · ")[0] for option in at.selectbox(key="risk_pick").options] == [
        f"R-{wanted}"
    ]
    assert "matching risks shown" not in captions(at)


def test_find_risks_matches_title_system_and_reference_and_counts_them(db: Database) -> None:
    loan = inventory_store.create_system(db, "Ada", system_input(name="Loan Advisor"))
    chat = inventory_store.create_system(db, "Ada", system_input(name="Chat helper"))
    first = risk_store.create_risk(db, "Ada", risk_input(loan.id, title="Unfair refusals"))
    for number in range(3):
        risk_store.create_risk(db, "Ada", risk_input(chat.id, title=f"Wrong answer {number}"))
    assert risk_summary.find_risks(db, "", limit=2)[1] == 4
    assert len(risk_summary.find_risks(db, "", limit=2)[0]) == 2
    assert list(risk_summary.find_risks(db, "unfair")[0]) == [first.id]
    assert list(risk_summary.find_risks(db, f"r-{first.id}")[0]) == [first.id]
    assert risk_summary.find_risks(db, "chat HELPER", limit=1)[1] == 3
    assert risk_summary.find_risks(db, "50%_") == ({}, 0), "no wildcard in a search"


def test_the_workshops_page_lists_the_newest_and_offers_every_workshop(
    app_test, db_path: Path, small_caps: None, synthetic: None
) -> None:
    def plan(database: Database) -> list[int]:
        system_ids = sorted(inventory_store.system_names(database))
        risk_id = int(risk_summary.risks_of_system(database, system_ids[0], limit=1)["id"][0])
        for number in range(3):
            workshop_store.create_workshop(
                database,
                "Ada",
                WorkshopInput(
                    title=f"Review {number}",
                    facilitator="Ada",
                    system_ids=system_ids[:1],
                    risk_ids=[risk_id],
                ),
            )
        return system_ids

    system_ids = with_database(db_path, plan)

    at = app_test("pages/workshops.py")

    no_exceptions(at)
    shown = LINKS // 2
    assert download_labels(at).count("Minutes") == shown
    assert f"First {shown} of 3 workshops (open ones, then the newest) shown." in captions(at)
    assert "Download every workshop (JSON)" in download_labels(at)
    at.multiselect(key="ws_new_systems").set_value(system_ids).run()
    offered = at.multiselect(key="ws_new_risks").options
    assert len(offered) == CHOICES
    candidates = with_database(
        db_path, lambda database: workshop_store.candidate_risks(database, system_ids)[1]
    )
    assert f"First {CHOICES} of {candidates:,} open risks of these AI systems shown." in (
        captions(at)
    )


def test_the_console_without_an_id_lists_the_first_workshops(
    app_test, db_path: Path, small_caps: None
) -> None:
    def plan(database: Database) -> None:
        system = inventory_store.create_system(database, "Ada", system_input())
        risk = risk_store.create_risk(database, "Ada", risk_input(system.id))
        for number in range(LINKS + 2):
            workshop_store.create_workshop(
                database,
                "Ada",
                WorkshopInput(
                    title=f"Review {number}",
                    facilitator="Ada",
                    system_ids=[system.id],
                    risk_ids=[risk.id],
                ),
            )

    with_database(db_path, plan)

    at = app_test("pages/workshop_console.py")

    no_exceptions(at)
    assert len(page_links(at, "workshop_console.py")) == LINKS
    assert f"First {LINKS} of {LINKS + 2} workshops shown." in captions(at)
    assert page_links(at, "workshops.py"), "the Workshops page offers them all"


def test_the_portfolio_list_of_systems_without_a_rated_risk_says_how_many_it_leaves_out(
    app_test, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assessments.analytics

    monkeypatch.setattr(assessments.analytics, "SHORT_LIST", 2)
    snapshots.clear_snapshots()

    def unrated(database: Database) -> None:
        for number in range(3):
            system = inventory_store.create_system(
                database, "Ada", system_input(name=f"System {number}")
            )
            risk_store.create_risk(database, "Ada", risk_input(system.id))

    with_database(db_path, unrated)

    at = app_test("pages/portfolio.py")
    at.selectbox(key="pf_list").set_value("systems_without_rated_risk").run()

    no_exceptions(at)
    listed = [table.value for table in at.dataframe if "business_unit" in table.value.columns]
    assert [len(table) for table in listed] == [2]
    assert "First 2 of 3 AI systems shown." in captions(at)


def test_counting_audit_events_narrows_like_the_list(db: Database) -> None:
    system = inventory_store.create_system(db, "Ada", system_input())
    other = inventory_store.create_system(db, "Bo", system_input(name="Other"))
    current = inventory_store.get_system(db, system.id)
    inventory_store.update_system(
        db, "Ada", system.id, system_input(purpose="Changed."), current.revision
    )
    listed = audit_store.list_events(db, entity="ai_system", entity_id=str(system.id), limit=1)
    assert len(listed) == 1
    assert audit_store.count_events(db, entity="ai_system", entity_id=str(system.id)) == 2
    assert audit_store.count_events(db, entity="ai_system", entity_id=str(other.id)) == 1
    everything = audit_store.list_events(db, entity="ai_system", limit=None)
    assert len(everything) == audit_store.count_events(db, entity="ai_system") == 3
    today = listed["at"].iloc[0].date()
    assert audit_store.count_events(db, actor="Ada", start=today, end=today) == 2


# --- data grids: the first TABLE_LIMIT rows, "First N of M", and a download of all M --------------

ROWS = 2


@pytest.fixture
def small_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """A data grid of two rows, so three synthetic systems overflow it."""
    monkeypatch.setattr(ui.common, "TABLE_LIMIT", ROWS)


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], Any]]:
    """The builders of the downloads a page offers, by file name: a download built only when
    clicked is a callable Streamlit keeps for the click, which AppTest never exposes."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    builders: dict[str, Callable[[], Any]] = {}
    keep = MediaFileManager.add_deferred

    def recording(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        builders[str(file_name)] = data_callable
        return keep(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
    return builders


def csv_rows(payload: bytes) -> list[str]:
    """The data rows of a CSV download (its header left out)."""
    import csv
    import io

    return [row for row in csv.reader(io.StringIO(payload.decode("utf-8-sig")))][1:]


def grid(at, column: str) -> Any:
    return next(table.value for table in at.dataframe if column in table.value.columns)


def test_the_inventory_lists_the_first_systems_and_downloads_every_matching_one(
    app_test, db_path: Path, small_tables: None, synthetic: None, downloads: dict
) -> None:
    total = with_database(db_path, inventory_store.count_systems)
    assert total > ROWS

    at = app_test("pages/inventory.py")

    no_exceptions(at)
    table = grid(at, "eu_ai_act_class")
    assert len(table) == ROWS
    assert f"First {ROWS} of {total:,} AI systems (by name) shown." in captions(at)
    assert f"Download the {total:,} matching (CSV)" in download_labels(at)
    exported = csv_rows(downloads["ai-inventory-filtered.csv"]())
    assert len(exported) == total

    at.session_state["inv_table"] = {"selection": {"rows": [ROWS - 1], "columns": []}}
    at.run()
    no_exceptions(at)
    assert at.query_params["id"] in ([str(table["id"].iloc[ROWS - 1])], str(table["id"].iloc[-1]))


def test_the_inventory_download_narrows_to_the_filters(db: Database) -> None:
    from assessments.inventory import SystemFilter

    generate_portfolio(db, 3)
    names = sorted(inventory_store.system_names(db).values(), key=str.lower)
    wanted = SystemFilter(search=names[-1])
    assert inventory_store.export_frame(db, wanted)["name"].tolist() == [names[-1]]
    assert inventory_store.count_systems(db, wanted) == 1
    assert len(inventory_store.export_frame(db)) == inventory_store.count_systems(db) == 3
    assert inventory_store.list_systems(db, limit=ROWS)["name"].tolist() == names[:ROWS]


def test_the_regulatory_overview_lists_the_first_systems_and_downloads_them_all(
    app_test, db_path: Path, small_tables: None, synthetic: None, downloads: dict
) -> None:
    total = with_database(db_path, inventory_store.count_systems)

    at = app_test("pages/regulatory.py")

    no_exceptions(at)
    assert len(grid(at, "eu_class")) == ROWS
    assert f"First {ROWS} of {total:,} AI systems (by name) shown." in captions(at)
    assert f"Download the {total:,} matching (CSV)" in download_labels(at)
    assert len(csv_rows(downloads["regulatory-screening-overview.csv"]())) == total
    assert len(at.selectbox(key="regs_open").options) == ROWS


def test_the_screening_overview_counts_what_it_leaves_out(db: Database) -> None:
    from assessments.store import screenings as screening_store

    generate_portfolio(db, 3)
    first, total = screening_store.overview_page(db, limit=ROWS)
    assert total == 3
    assert first["system_id"].tolist() == screening_store.overview(db)["system_id"][:ROWS].tolist()
    for narrowed in ({"classes": ["not_screened"]}, {"stale_only": True}, {"fria_only": True}):
        whole = screening_store.overview(db, **narrowed)
        cut, counted = screening_store.overview_page(db, **narrowed, limit=1)
        assert counted == len(whole), narrowed
        assert cut["system_id"].tolist() == whole["system_id"][:1].tolist(), narrowed


def test_the_impact_assessments_list_shows_the_first_systems_and_downloads_the_view(
    app_test, db_path: Path, small_tables: None, synthetic: None, downloads: dict
) -> None:
    total = with_database(db_path, inventory_store.count_systems)

    at = app_test("pages/impact_assessments.py")

    no_exceptions(at)
    assert len(grid(at, "Assessment")) == ROWS
    assert f"First {ROWS} of {total:,} AI systems (by name) shown." in captions(at)
    assert f"Download the {total:,} in this view (CSV)" in download_labels(at)
    assert len(csv_rows(downloads["impact-assessments-list.csv"]())) == total


def test_the_audit_log_download_holds_every_matching_event_not_only_those_listed(
    app_test, db_path: Path, downloads: dict
) -> None:
    listed = 2000  # pages/audit_log.py EVENT_LIMIT
    systems = [system_input(name=f"Imported {number:05d}") for number in range(listed + 3)]
    with_database(
        db_path, lambda database: inventory_store.import_systems(database, "Ada", systems)
    )
    total = with_database(db_path, audit_store.count_events)
    assert total > listed

    at = app_test("pages/audit_log.py", actor=None)  # reading: no first-use event

    no_exceptions(at)
    assert len(at.dataframe[0].value) == listed
    assert download_labels(at) == [f"All {total:,} (CSV)", f"All {total:,} (JSON)"]
    assert len(csv_rows(downloads["audit-log.csv"]())) == total
    import json

    assert len(json.loads(downloads["audit-log.json"]())) == total


def test_the_decisions_under_a_systems_path_are_capped_and_downloadable(
    app_test, db_path: Path, small_tables: None, synthetic: None, downloads: dict
) -> None:
    def busiest(database: Database) -> tuple[int, int]:
        counts = {
            system_id: len(trends_store.decisions(database, system_id=system_id))
            for system_id in inventory_store.system_names(database)
        }
        system_id = max(counts, key=counts.__getitem__)
        return system_id, counts[system_id]

    system_id, total = with_database(db_path, busiest)
    assert total > ROWS

    at = app_test("pages/trends.py", system=str(system_id))

    no_exceptions(at)
    assert len(grid(at, "Decision")) == ROWS
    assert f"First {ROWS} of {total:,} decisions (oldest first) shown." in captions(at)
    assert f"Download all {total:,} (CSV)" in download_labels(at)
    assert len(csv_rows(downloads["decisions.csv"]())) == total
