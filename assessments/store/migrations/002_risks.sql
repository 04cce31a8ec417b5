-- Risk criteria versions, risks, append-only ratings with a current-rating table, treatments,
-- actions and acceptances (ISO/IEC 42001 6.1.2, 6.1.3, 8.2, 8.3).

-- Criteria: each saved change is a new version; `definition` is the export JSON.
CREATE TABLE criteria_versions (
    version INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    definition VARCHAR NOT NULL,
    note VARCHAR NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR NOT NULL
);
-- The level of every grid cell per version, copied from the same criteria object, so SQL
-- aggregations and Python lookups use one grid.
CREATE TABLE criteria_cells (
    version INTEGER NOT NULL,
    likelihood INTEGER NOT NULL,
    severity INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    level_rank INTEGER NOT NULL,
    colour VARCHAR NOT NULL,
    PRIMARY KEY (version, likelihood, severity)
);
CREATE TABLE criteria_levels (
    version INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    level_rank INTEGER NOT NULL,
    colour VARCHAR NOT NULL,
    PRIMARY KEY (version, name)
);
-- The highest acceptable rank per version: harm_category '' is the general appetite.
CREATE TABLE criteria_appetite (
    version INTEGER NOT NULL,
    harm_category VARCHAR NOT NULL,
    max_rank INTEGER NOT NULL,
    PRIMARY KEY (version, harm_category)
);
-- Where a rating made under version `from_version` sits on the matrix of `to_version`
-- (criteria.map_rating, computed in Python when a version is saved).
CREATE TABLE criteria_cell_map (
    from_version INTEGER NOT NULL,
    to_version INTEGER NOT NULL,
    likelihood INTEGER NOT NULL,
    severity INTEGER NOT NULL,
    mapped_likelihood INTEGER NOT NULL,
    mapped_severity INTEGER NOT NULL,
    PRIMARY KEY (from_version, to_version, likelihood, severity)
);

CREATE SEQUENCE risk_id START 1;
CREATE TABLE risks (
    id INTEGER PRIMARY KEY DEFAULT nextval('risk_id'),
    system_id INTEGER NOT NULL,
    title VARCHAR NOT NULL,
    description VARCHAR NOT NULL DEFAULT '',
    harm_category VARCHAR NOT NULL,
    risk_source VARCHAR NOT NULL,
    affected_parties VARCHAR[] NOT NULL,
    lifecycle_stage VARCHAR NOT NULL,
    owner VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    library_id VARCHAR,
    origin VARCHAR NOT NULL DEFAULT '',
    treatment_option VARCHAR,
    treatment_note VARCHAR NOT NULL DEFAULT '',
    controls VARCHAR[] NOT NULL DEFAULT ARRAY[]::VARCHAR[],
    revision INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by VARCHAR NOT NULL
);
CREATE INDEX risks_system ON risks (system_id);

-- Append-only: a rating is never updated. rated_at is when the rating applies (a workshop
-- date, a backdated review); recorded_at is when it was written.
CREATE SEQUENCE rating_id START 1;
CREATE TABLE risk_ratings (
    id BIGINT PRIMARY KEY DEFAULT nextval('rating_id'),
    risk_id INTEGER NOT NULL,
    tier VARCHAR NOT NULL,
    likelihood INTEGER NOT NULL,
    severity INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    level_rank INTEGER NOT NULL,
    criteria_version INTEGER NOT NULL,
    rationale VARCHAR NOT NULL,
    strength_of_knowledge VARCHAR NOT NULL,
    method VARCHAR NOT NULL,
    workshop_id INTEGER,
    participants VARCHAR[] NOT NULL DEFAULT ARRAY[]::VARCHAR[],
    rated_at TIMESTAMP NOT NULL,
    rated_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX risk_ratings_risk ON risk_ratings (risk_id);

-- The latest rating per risk and tier, written in the same transaction as the history row,
-- so registers and heatmaps read one small table instead of ranking the whole history.
CREATE TABLE risk_current_ratings (
    risk_id INTEGER NOT NULL,
    tier VARCHAR NOT NULL,
    rating_id BIGINT NOT NULL,
    likelihood INTEGER NOT NULL,
    severity INTEGER NOT NULL,
    level VARCHAR NOT NULL,
    level_rank INTEGER NOT NULL,
    criteria_version INTEGER NOT NULL,
    rated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (risk_id, tier)
);

CREATE SEQUENCE risk_action_id START 1;
CREATE TABLE risk_actions (
    id INTEGER PRIMARY KEY DEFAULT nextval('risk_action_id'),
    risk_id INTEGER NOT NULL,
    title VARCHAR NOT NULL,
    owner VARCHAR NOT NULL,
    due_date DATE NOT NULL,
    status VARCHAR NOT NULL,
    completed_at DATE,
    revision INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by VARCHAR NOT NULL
);
CREATE INDEX risk_actions_risk ON risk_actions (risk_id);

-- Management's decision to retain a residual risk: who, when, why, until when.
CREATE SEQUENCE risk_acceptance_id START 1;
CREATE TABLE risk_acceptances (
    id INTEGER PRIMARY KEY DEFAULT nextval('risk_acceptance_id'),
    risk_id INTEGER NOT NULL,
    rating_id BIGINT NOT NULL,
    level VARCHAR NOT NULL,
    level_rank INTEGER NOT NULL,
    criteria_version INTEGER NOT NULL,
    approved_by VARCHAR NOT NULL,
    approved_at DATE NOT NULL,
    rationale VARCHAR NOT NULL,
    valid_until DATE NOT NULL,
    revoked_at TIMESTAMP,
    revoked_by VARCHAR,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by VARCHAR NOT NULL
);
CREATE INDEX risk_acceptances_risk ON risk_acceptances (risk_id);
