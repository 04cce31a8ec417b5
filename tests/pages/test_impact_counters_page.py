"""On the demo: the impact counters add up to the systems in scope, and the screening page's
next step says where the impact assessment really stands."""

from __future__ import annotations

from assessments.store import inventory as inventory_store
from assessments.store.db import Database
from tests.support.apptest import no_exceptions
from tests.support.markdown import as_shown


def test_counters_add_up_and_the_screening_names_the_assessment_state(
    app_test, demo_db_path
) -> None:
    database = Database(demo_db_path)
    credit = inventory_store.find_system_by_name(database, "Retail Credit Scoring Engine")
    triage = inventory_store.find_system_by_name(database, "Clinical Triage Assist")
    database.close()
    assert credit is not None and triage is not None

    at = app_test("pages/impact_assessments.py")
    no_exceptions(at)
    metrics = {metric.label: int(metric.value) for metric in at.metric}
    assert list(metrics) == [
        "Approved",
        "Stale",
        "Waiting for approval",
        "Returned",
        "Drafts",
        "Never assessed",
    ]
    in_scope = next(c.value for c in at.caption if c.value.startswith("Each of the"))
    systems = int(in_scope.split()[3])
    assert sum(metrics.values()) == systems
    notes = [metric.proto.delta for metric in at.metric if metric.proto.delta]
    assert notes and all(note.endswith(" re-assessing") for note in notes)

    at = app_test("pages/screening.py", id=str(credit.id))
    no_exceptions(at)
    shown = " ".join(as_shown(item.value) for item in at.markdown)
    assert "was submitted by" in shown and "waits for sign-off" in shown
    links = {as_shown(link.proto.label): link.proto for link in at.get("page_link")}
    assert "Start or continue the impact assessment of this system" not in links
    review = links["Review and sign off the impact assessment"]
    assert review.page == "impact_result"

    at = app_test("pages/screening.py", id=str(triage.id))
    no_exceptions(at)
    links = {as_shown(link.proto.label): link.proto for link in at.get("page_link")}
    start = links["Start the impact assessment of this system"]
    assert (start.page, start.query_string) == ("impact_assessments", f"system={triage.id}")
