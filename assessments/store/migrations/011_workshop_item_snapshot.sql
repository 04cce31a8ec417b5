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
SET title = coalesce(known.title, r.title), description = coalesce(known.description, r.description)
FROM
    (
        SELECT DISTINCT ON (wr.workshop_id, wr.risk_id, wr.round)
            wr.workshop_id,
            wr.risk_id,
            wr.round,
            CAST(e.after_state AS JSON) ->> 'title' AS title,
            CAST(e.after_state AS JSON) ->> 'description' AS description
        FROM workshop_rounds wr
        LEFT JOIN audit_events e
            ON e.entity = 'risk'
            AND e.entity_id = CAST(wr.risk_id AS VARCHAR)
            AND e.occurred_at <= wr.opened_at
            AND (CAST(e.after_state AS JSON) ->> 'title') IS NOT NULL
        ORDER BY wr.workshop_id, wr.risk_id, wr.round, e.id DESC NULLS LAST
    ) AS known,
    risks r
WHERE known.workshop_id = workshop_rounds.workshop_id
    AND known.risk_id = workshop_rounds.risk_id
    AND known.round = workshop_rounds.round
    AND r.id = workshop_rounds.risk_id;
