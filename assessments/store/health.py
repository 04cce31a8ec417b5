"""`python -m assessments check`: schema version, row counts and audit completeness."""

from __future__ import annotations

from dataclasses import dataclass, field

from assessments.store.db import Database
from assessments.store.schema import current_version, latest_version


@dataclass(frozen=True)
class AuditRule:
    """Which audit event proves that a row of `table` was written through the audited path.

    By default a 'create' event of `entity` whose entity_id is the row's id. `key_path` reads
    the row id from the event's after-state instead (a rating is audited on its risk, with the
    rating id inside). Rows made in bulk by the deterministic generator (store/synthetic.py)
    are covered by ONE 'generate' event of `generated_entity` per batch naming the id range
    (after_state first_id..last_id) and the seed that reproduces them.
    """

    entity: str
    table: str
    id_column: str = "id"
    action: str = "create"
    key_path: str | None = None
    generated_entity: str | None = None

    @property
    def label(self) -> str:
        return self.table if self.key_path else self.entity


AUDITED_TABLES: list[AuditRule] = [
    AuditRule("ai_system", "ai_systems", generated_entity="ai_system"),
    AuditRule("risk", "risks", generated_entity="risk"),
    AuditRule(
        "risk", "risk_ratings", action="rate", key_path="$.id", generated_entity="risk_rating"
    ),
    AuditRule("risk_action", "risk_actions", generated_entity="risk_action"),
    AuditRule(
        "risk",
        "risk_acceptances",
        action="accept",
        key_path="$.acceptance_id",
        generated_entity="risk_acceptance",
    ),
    AuditRule("screening", "screenings"),
    AuditRule("obligation_update", "obligation_updates"),
    AuditRule("impact_response", "impact_responses"),
    AuditRule("impact_answer", "impact_answers"),
    # SoA lines and readiness ratings are audited per control / clause item (the first version
    # is the 'create'), so the check runs on their current tables.
    AuditRule("soa_control", "soa_current", "control_id"),
    AuditRule("clause_readiness", "readiness_current", "item_id"),
    AuditRule("workshop", "workshops"),
    AuditRule("workshop_participant", "workshop_participants"),
    AuditRule("workshop_vote", "workshop_votes"),
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
    for rule in AUDITED_TABLES:
        report.unaudited[rule.label] = _unaudited_rows(database, rule)
    return report


def _unaudited_rows(database: Database, rule: AuditRule) -> int:
    """Rows of the rule's table with no audit event proving how they were written."""
    key = (
        f"json_extract_string(a.after_state, '{rule.key_path}')" if rule.key_path else "a.entity_id"
    )
    generated = ""
    params: list[object] = [rule.entity, rule.action]
    if rule.generated_entity:
        generated = (
            " AND NOT EXISTS (SELECT 1 FROM audit_events g WHERE g.entity = ?"
            f" AND g.action = 'generate' AND TRY_CAST(t.{rule.id_column} AS BIGINT) BETWEEN"
            " CAST(json_extract_string(g.after_state, '$.first_id') AS BIGINT)"
            " AND CAST(json_extract_string(g.after_state, '$.last_id') AS BIGINT))"
        )
        params.append(rule.generated_entity)
    row = database.query_one(
        f"SELECT count(*) FROM {rule.table} t WHERE NOT EXISTS (SELECT 1 FROM audit_events a"
        f" WHERE a.entity = ? AND a.action = ? AND {key} = CAST(t.{rule.id_column} AS VARCHAR))"
        + generated,
        params,
    )
    return int(row[0]) if row else 0
