-- What a workshop round was about: the risk's title and description as they read when the
-- round opened. The minutes, the console, the members' screens and the export show this
-- snapshot for every opened round, so editing the risk afterwards never rewrites a workshop's
-- record. Written in the same transaction as the round's 'open_round' event.
--
-- Backfill: rounds opened before this migration get the text the audit trail says the risk had
-- when the round opened (its last create or update event up to then); a risk with no such event
-- keeps its current text, the best record there is. From here on each round keeps its own.

ALTER TABLE workshop_rounds ADD COLUMN title VARCHAR;
ALTER TABLE workshop_rounds ADD COLUMN description VARCHAR;

UPDATE workshop_rounds
SET
    title = coalesce(
        (
            SELECT arg_max(json_extract_string(e.after_state, '$.title'), e.id)
            FROM audit_events e
            WHERE e.entity = 'risk'
                AND e.entity_id = CAST(workshop_rounds.risk_id AS VARCHAR)
                AND e.occurred_at <= workshop_rounds.opened_at
                AND json_extract_string(e.after_state, '$.title') IS NOT NULL
        ),
        (SELECT r.title FROM risks r WHERE r.id = workshop_rounds.risk_id)
    ),
    description = coalesce(
        (
            SELECT arg_max(json_extract_string(e.after_state, '$.description'), e.id)
            FROM audit_events e
            WHERE e.entity = 'risk'
                AND e.entity_id = CAST(workshop_rounds.risk_id AS VARCHAR)
                AND e.occurred_at <= workshop_rounds.opened_at
                AND json_extract_string(e.after_state, '$.title') IS NOT NULL
        ),
        (SELECT r.description FROM risks r WHERE r.id = workshop_rounds.risk_id)
    );
