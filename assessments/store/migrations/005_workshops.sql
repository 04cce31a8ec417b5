-- Ethics committee workshops: blind votes from each member's device, the facilitator's log,
-- and the recorded consensus (which also becomes a rating in the risk's history).
-- Every table is append-only: a workshop's current state is derived from its event log, and
-- the vote that counts is the latest row per participant, item and round.

CREATE SEQUENCE workshop_id START 1;
CREATE TABLE workshops (
    id INTEGER PRIMARY KEY DEFAULT nextval('workshop_id'),
    code VARCHAR NOT NULL UNIQUE,
    title VARCHAR NOT NULL,
    tier VARCHAR NOT NULL,
    anonymise_names BOOLEAN NOT NULL,
    facilitator VARCHAR NOT NULL,
    -- sha256 of the facilitator key; the key itself is shown once and never stored.
    facilitator_key_hash VARCHAR NOT NULL,
    expected_participants VARCHAR[] NOT NULL DEFAULT ARRAY[]::VARCHAR[],
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR NOT NULL
);

CREATE TABLE workshop_systems (
    workshop_id INTEGER NOT NULL,
    system_id INTEGER NOT NULL,
    PRIMARY KEY (workshop_id, system_id)
);

CREATE TABLE workshop_items (
    workshop_id INTEGER NOT NULL,
    risk_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (workshop_id, risk_id)
);

-- name_key (the casefolded name) keeps two people from joining one workshop under one name,
-- even when they press Join at the same moment (the second commit fails and is retried).
CREATE SEQUENCE workshop_participant_id START 1;
CREATE TABLE workshop_participants (
    id INTEGER PRIMARY KEY DEFAULT nextval('workshop_participant_id'),
    workshop_id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    name_key VARCHAR NOT NULL,
    token_hash VARCHAR NOT NULL UNIQUE,
    joined_at TIMESTAMP NOT NULL,
    UNIQUE (workshop_id, name_key)
);

-- The facilitator's actions: focus (go to an item), open_round, reveal, record, close.
CREATE SEQUENCE workshop_event_id START 1;
CREATE TABLE workshop_events (
    id BIGINT PRIMARY KEY DEFAULT nextval('workshop_event_id'),
    workshop_id INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    risk_id INTEGER,
    round INTEGER,
    occurred_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL
);
CREATE INDEX workshop_events_workshop ON workshop_events (workshop_id);

-- Every submission is kept; the one that counts is the highest id per participant, item, round.
CREATE SEQUENCE workshop_vote_id START 1;
CREATE TABLE workshop_votes (
    id BIGINT PRIMARY KEY DEFAULT nextval('workshop_vote_id'),
    workshop_id INTEGER NOT NULL,
    participant_id INTEGER NOT NULL,
    risk_id INTEGER NOT NULL,
    round INTEGER NOT NULL,
    likelihood INTEGER NOT NULL,
    severity INTEGER NOT NULL,
    confidence VARCHAR NOT NULL,
    comment VARCHAR NOT NULL DEFAULT '',
    criteria_version INTEGER NOT NULL,
    submitted_at TIMESTAMP NOT NULL
);
CREATE INDEX workshop_votes_round ON workshop_votes (workshop_id, risk_id, round);

-- The discussion note of a round; the latest row per item and round is the current text.
CREATE SEQUENCE workshop_note_id START 1;
CREATE TABLE workshop_notes (
    id BIGINT PRIMARY KEY DEFAULT nextval('workshop_note_id'),
    workshop_id INTEGER NOT NULL,
    risk_id INTEGER NOT NULL,
    round INTEGER NOT NULL,
    note VARCHAR NOT NULL,
    written_at TIMESTAMP NOT NULL,
    written_by VARCHAR NOT NULL
);

-- One consensus per item (the primary key refuses a second, even from two tabs at once);
-- rating_id points at the row it added to risk_ratings in the same transaction.
CREATE TABLE workshop_outcomes (
    workshop_id INTEGER NOT NULL,
    risk_id INTEGER NOT NULL,
    round INTEGER NOT NULL,
    likelihood INTEGER NOT NULL,
    severity INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    median_likelihood INTEGER NOT NULL,
    median_severity INTEGER NOT NULL,
    rationale VARCHAR NOT NULL,
    override_reason VARCHAR NOT NULL DEFAULT '',
    dissent VARCHAR NOT NULL DEFAULT '',
    dissenting VARCHAR[] NOT NULL DEFAULT ARRAY[]::VARCHAR[],
    actions VARCHAR[] NOT NULL DEFAULT ARRAY[]::VARCHAR[],
    rating_id BIGINT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by VARCHAR NOT NULL,
    PRIMARY KEY (workshop_id, risk_id)
);
