"""`python -m assessments check`: schema version, row counts and audit completeness."""

from __future__ import annotations

from dataclasses import dataclass, field

from assessments.store.db import Database
from assessments.store.schema import current_version, latest_version

# (entity name in the audit trail, table, id column): every row must have a 'create' event,
# or be covered by a 'generate' event (store/synthetic.py): rows made in bulk by a
# deterministic generator get ONE event per table and batch naming their id range
# (after_state first_id..last_id) with the seed that reproduces them.
AUDITED_TABLES: list[tuple[str, str, str]] = [
    ("ai_system", "ai_systems", "id"),
    ("screening", "screenings", "id"),
    ("obligation_update", "obligation_updates", "id"),
    ("impact_response", "impact_responses", "id"),
    ("impact_answer", "impact_answers", "id"),
    # SoA lines and readiness ratings are audited per control / clause item (the first version
    # is the 'create'), so the check runs on their current tables.
    ("soa_control", "soa_current", "control_id"),
    ("clause_readiness", "readiness_current", "item_id"),
    ("workshop", "workshops", "id"),
    ("workshop_participant", "workshop_participants", "id"),
    ("workshop_vote", "workshop_votes", "id"),
]


@dataclass
class HealthReport:
    schema_version: int
    latest_version: int
    row_counts: dict[str, int] = field(default_factory=dict)
    unaudited: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.schema_version == self.latest_version and not any(self.unaudited.values())

    def lines(self) -> list[str]:
        lines = [f"schema version {self.schema_version} (latest {self.latest_version})"]
        lines += [f"{table}: {count} rows" for table, count in self.row_counts.items()]
        for entity, missing in self.unaudited.items():
            state = "every record has its audit events" if not missing else f"{missing} missing"
            lines.append(f"audit completeness, {entity}: {state}")
        lines.append("OK" if self.ok else "PROBLEMS FOUND")
        return lines


def check(database: Database) -> HealthReport:
    report = HealthReport(current_version(database), latest_version())
    tables = database.query_rows(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    for (table,) in tables:
        row = database.query_one(f'SELECT count(*) FROM "{table}"')
        report.row_counts[table] = int(row[0]) if row else 0
    for entity, table, id_column in AUDITED_TABLES:
        row = database.query_one(
            f"SELECT count(*) FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM audit_events a"
            f" WHERE a.entity = ? AND a.entity_id = CAST(t.{id_column} AS VARCHAR)"
            " AND a.action = 'create')"
            " AND NOT EXISTS (SELECT 1 FROM audit_events g WHERE g.entity = ?"
            f" AND g.action = 'generate' AND TRY_CAST(t.{id_column} AS BIGINT) BETWEEN"
            " CAST(json_extract_string(g.after_state, '$.first_id') AS BIGINT)"
            " AND CAST(json_extract_string(g.after_state, '$.last_id') AS BIGINT))",
            [entity, entity],
        )
        report.unaudited[entity] = int(row[0]) if row else 0
    return report
