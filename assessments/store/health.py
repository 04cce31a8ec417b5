"""`python -m assessments check`: schema version, row counts, audit completeness, and whether
the audit trail and the audited tables are as the app wrote them (store/audit_chain.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from assessments.records import RECORD_TYPES, AuditRule
from assessments.store.audit_chain import Break, replay, verify_chain
from assessments.store.db import Database
from assessments.store.schema import current_version, latest_version


@dataclass(frozen=True)
class AuditCheck:
    """One record type's audit rule (assessments/records.py) resolved for the query: the entity
    whose events prove a row, and the generator's entity for rows made in bulk."""

    label: str
    entity: str
    rule: AuditRule
    generated_entity: str | None


def audit_checks() -> list[AuditCheck]:
    """Every record type's health rule, in the registry's order; a rule proven on another
    record (`via`) is reported under its table."""
    return [
        AuditCheck(
            label=rule.table if rule.via else entity,
            entity=rule.via or entity,
            rule=rule,
            generated_entity=entity if rule.generated else None,
        )
        for entity, record in RECORD_TYPES.items()
        if (rule := record.health) is not None
    ]


@dataclass
class HealthReport:
    schema_version: int
    latest_version: int
    row_counts: dict[str, int] = field(default_factory=dict)
    unaudited: dict[str, int] = field(default_factory=dict)
    # The chain walked (events, head), then its breaks before the replay's: the replay trusts
    # the trail, so a broken trail is what a person should look at first.
    chain_events: int = 0
    chain_head: tuple[int, str] = (0, "")
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.schema_version == self.latest_version
            and not any(self.unaudited.values())
            and not self.breaks
        )

    def lines(self) -> list[str]:
        lines = [f"schema version {self.schema_version} (latest {self.latest_version})"]
        lines += [f"{table}: {count} rows" for table, count in self.row_counts.items()]
        for entity, missing in self.unaudited.items():
            state = "every record has its audit events" if not missing else f"{missing} missing"
            lines.append(f"audit completeness, {entity}: {state}")
        lines += self._chain_lines()
        lines.append("OK" if self.ok else "PROBLEMS FOUND")
        return lines

    def _chain_lines(self) -> list[str]:
        head_id, head_hash = self.chain_head
        lines = [
            f"audit chain: {self.chain_events:,} events; head #{head_id} {head_hash}"
            " (note it outside the database to prove later that no newest event was removed)"
        ]
        if not self.breaks:
            return [*lines, "audit trail and audited records: as the app wrote them"]
        lines.append(
            f"TAMPERING: {len(self.breaks):,} break(s); the first: {self.breaks[0].message}"
        )
        shown = self.breaks[1:BREAKS_SHOWN]
        lines += [f"  also: {item.message}" for item in shown]
        if len(self.breaks) > BREAKS_SHOWN:
            lines.append(f"  ... and {len(self.breaks) - BREAKS_SHOWN:,} more")
        return lines


# A trail edited in bulk lists its first breaks, then how many more.
BREAKS_SHOWN = 20


def check(database: Database) -> HealthReport:
    report = HealthReport(current_version(database), latest_version())
    tables = database.query_rows(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        " ORDER BY table_name"
    )
    for (table,) in tables:
        row = database.query_one(f'SELECT count(*) FROM "{table}"')
        report.row_counts[table] = int(row[0]) if row else 0
    for audit_check in audit_checks():
        report.unaudited[audit_check.label] = _unaudited_rows(database, audit_check)
    chain = verify_chain(database)
    report.chain_events = chain.events
    report.chain_head = (chain.head_id, chain.head_hash)
    report.breaks = sorted(chain.breaks, key=lambda item: item.event_id) + replay(database)
    return report


def json_text(column: str, path: str) -> str:
    """SQL: the text at a JSONPath such as '$.id' or '$.a.b' of a JSON text column, in the form
    both stores read (`->` down to the last key, `->>` for it)."""
    keys = path.removeprefix("$.").split(".")
    steps = [f"-> '{key}'" for key in keys[:-1]] + [f"->> '{keys[-1]}'"]
    return f"CAST({column} AS JSON) {' '.join(steps)}"


def _unaudited_rows(database: Database, audit_check: AuditCheck) -> int:
    """Rows of the rule's table with no audit event proving how they were written."""
    rule = audit_check.rule
    key = json_text("a.after_state", rule.key_path) if rule.key_path else "a.entity_id"
    generated = ""
    params: list[object] = [audit_check.entity, rule.action]
    if audit_check.generated_entity:
        generated = (
            " AND NOT EXISTS (SELECT 1 FROM audit_events g WHERE g.entity = ?"
            f" AND g.action = 'generate' AND CAST(t.{rule.id_column} AS BIGINT) BETWEEN"
            f" CAST({json_text('g.after_state', '$.first_id')} AS BIGINT)"
            f" AND CAST({json_text('g.after_state', '$.last_id')} AS BIGINT))"
        )
        params.append(audit_check.generated_entity)
    row = database.query_one(
        f"SELECT count(*) FROM {rule.table} t WHERE NOT EXISTS (SELECT 1 FROM audit_events a"
        f" WHERE a.entity = ? AND a.action = ? AND {key} = CAST(t.{rule.id_column} AS VARCHAR))"
        + generated,
        params,
    )
    return int(row[0]) if row else 0
