-- Statement of Applicability over the Annex A controls and readiness of clauses 4 to 10
-- (ISO/IEC 42001 6.1.3 and the gap analysis before certification).

-- Append-only: every change to a control's line is a new row; the SoA as it stood on a date is
-- the latest row per control changed up to then.
CREATE SEQUENCE soa_entry_id START 1;
CREATE TABLE soa_entries (
    id BIGINT PRIMARY KEY DEFAULT nextval('soa_entry_id'),
    control_id VARCHAR NOT NULL,
    applicable BOOLEAN NOT NULL,
    inclusion_reasons VARCHAR[] NOT NULL DEFAULT ARRAY[]::VARCHAR[],
    justification VARCHAR NOT NULL DEFAULT '',
    exclusion_reason VARCHAR NOT NULL DEFAULT '',
    status VARCHAR NOT NULL,
    owner VARCHAR NOT NULL DEFAULT '',
    evidence VARCHAR NOT NULL DEFAULT '',
    last_reviewed DATE,
    changed_at TIMESTAMP NOT NULL,
    changed_by VARCHAR NOT NULL
);
CREATE INDEX soa_entries_control ON soa_entries (control_id);

-- The current line per control, moved in the same transaction as the history row. Two people
-- saving the same control at once update the same row here, so the second one conflicts,
-- retries, and is then told the line changed under them instead of silently overwriting it.
CREATE TABLE soa_current (
    control_id VARCHAR PRIMARY KEY,
    entry_id BIGINT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);

-- Clause readiness: the same pattern, one maturity rating per change.
CREATE SEQUENCE readiness_rating_id START 1;
CREATE TABLE readiness_ratings (
    id BIGINT PRIMARY KEY DEFAULT nextval('readiness_rating_id'),
    item_id VARCHAR NOT NULL,
    maturity INTEGER NOT NULL CHECK (maturity BETWEEN 0 AND 5),
    evidence VARCHAR NOT NULL DEFAULT '',
    note VARCHAR NOT NULL DEFAULT '',
    changed_at TIMESTAMP NOT NULL,
    changed_by VARCHAR NOT NULL
);
CREATE INDEX readiness_ratings_item ON readiness_ratings (item_id);

CREATE TABLE readiness_current (
    item_id VARCHAR PRIMARY KEY,
    rating_id BIGINT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
