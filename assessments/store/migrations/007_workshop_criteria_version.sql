-- The criteria version each workshop round is rated under, fixed when the round opens.
-- Criteria may change while a workshop runs; a round keeps the scales its members saw, so
-- its votes are checked, levelled and charted on one version (each vote also keeps the
-- version in workshop_votes.criteria_version). One row per round, written in the same
-- transaction as the round's 'open_round' event.
CREATE TABLE workshop_rounds (
    workshop_id INTEGER NOT NULL,
    risk_id INTEGER NOT NULL,
    round INTEGER NOT NULL,
    criteria_version INTEGER NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    PRIMARY KEY (workshop_id, risk_id, round)
);

-- Rounds opened before this migration: the version their first vote was cast under, else the
-- latest version (a round without votes had nothing rated on it yet).
INSERT INTO workshop_rounds
SELECT
    e.workshop_id,
    e.risk_id,
    e.round,
    coalesce(
        (SELECT v.criteria_version FROM workshop_votes v
         WHERE v.workshop_id = e.workshop_id AND v.risk_id = e.risk_id AND v.round = e.round
         ORDER BY v.id LIMIT 1),
        (SELECT max(c.version) FROM criteria_versions c),
        1
    ),
    min(e.occurred_at)
FROM workshop_events e
WHERE e.kind = 'open_round' AND e.risk_id IS NOT NULL AND e.round IS NOT NULL
GROUP BY e.workshop_id, e.risk_id, e.round;
