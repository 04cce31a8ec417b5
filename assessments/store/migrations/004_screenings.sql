-- Regulatory screenings (EU AI Act, Colorado AI Act) and the checklist of the obligations they
-- lead to. Both are append-only: a new screening or a checklist change is a new row, and the
-- current state is the latest row (the views below), so the history is kept for free.

CREATE SEQUENCE screening_id START 1;
CREATE TABLE screenings (
    id INTEGER PRIMARY KEY DEFAULT nextval('screening_id'),
    system_id INTEGER NOT NULL,
    questionnaire_id VARCHAR NOT NULL,
    questionnaire_version VARCHAR NOT NULL,
    -- The answers that counted (JSON object keyed by question id) and the full result (JSON).
    answers VARCHAR NOT NULL,
    result VARCHAR NOT NULL,
    risk_class VARCHAR NOT NULL,
    fria_required BOOLEAN NOT NULL,
    -- NULL when the Colorado act does not reach the system.
    colorado_high_risk BOOLEAN,
    -- EU obligation ids and 'colorado:<duty id>': the checklist of this screening.
    obligation_ids VARCHAR[] NOT NULL,
    note VARCHAR NOT NULL DEFAULT '',
    screened_at TIMESTAMP NOT NULL,
    screened_by VARCHAR NOT NULL
);
CREATE INDEX screenings_by_system ON screenings (system_id);

-- The current screening of each system: its latest.
CREATE VIEW current_screenings AS
SELECT id, system_id, questionnaire_id, questionnaire_version, answers, result, risk_class,
    fria_required, colorado_high_risk, obligation_ids, note, screened_at, screened_by
FROM (
    SELECT s.*, row_number() OVER (PARTITION BY system_id ORDER BY screened_at DESC, id DESC)
        AS position
    FROM screenings s
) latest WHERE position = 1;

CREATE SEQUENCE obligation_update_id START 1;
CREATE TABLE obligation_updates (
    id INTEGER PRIMARY KEY DEFAULT nextval('obligation_update_id'),
    system_id INTEGER NOT NULL,
    obligation_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    owner VARCHAR NOT NULL DEFAULT '',
    evidence VARCHAR NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL,
    updated_by VARCHAR NOT NULL
);
CREATE INDEX obligation_updates_by_system ON obligation_updates (system_id);

-- The current state of each checklist item: its latest update.
CREATE VIEW current_obligations AS
SELECT id, system_id, obligation_id, status, owner, evidence, updated_at, updated_by
FROM (
    SELECT u.*, row_number() OVER (
        PARTITION BY system_id, obligation_id ORDER BY updated_at DESC, id DESC
    ) AS position
    FROM obligation_updates u
) latest WHERE position = 1;
