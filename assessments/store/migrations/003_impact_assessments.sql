-- AI system impact assessments (ISO/IEC 42001 A.5.2-A.5.5, 8.4): one response per assessment
-- version of a system, its answers as append-only rows, the workflow in the audit trail.

-- The current state of each response: status and who/when of each workflow step, and the score
-- snapshot of its answers (provisional while a draft; fixed once submitted). A re-assessment is a
-- new row with version_no + 1 and previous_id pointing at the version it started from.
CREATE SEQUENCE impact_response_id START 1;
CREATE TABLE impact_responses (
    id INTEGER PRIMARY KEY DEFAULT nextval('impact_response_id'),
    system_id INTEGER NOT NULL,
    questionnaire_id VARCHAR NOT NULL,
    questionnaire_version VARCHAR NOT NULL,
    version_no INTEGER NOT NULL,
    previous_id INTEGER,
    status VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by VARCHAR NOT NULL,
    submitted_by VARCHAR,
    submitted_at TIMESTAMP,
    approved_by VARCHAR,
    approved_at TIMESTAMP,
    returned_by VARCHAR,
    returned_at TIMESTAMP,
    review_comment VARCHAR NOT NULL DEFAULT '',
    impact_raw DOUBLE PRECISION,
    impact_score DOUBLE PRECISION,
    impact_max DOUBLE PRECISION,
    mitigation_score DOUBLE PRECISION,
    mitigation_max DOUBLE PRECISION,
    credit_applied BOOLEAN,
    share DOUBLE PRECISION,
    level VARCHAR,
    level_rank INTEGER,
    dimension_scores VARCHAR,
    answered INTEGER NOT NULL DEFAULT 0,
    shown INTEGER NOT NULL DEFAULT 0,
    review_due DATE
);
CREATE INDEX impact_responses_system ON impact_responses (system_id);

-- Append-only: every answer given is a new row; the current answer to a question is its latest
-- row (value NULL = the answer was cleared). carried_from names the answer of the previous
-- version a re-assessment copied, so "unchanged since last time" can be shown.
CREATE SEQUENCE impact_answer_id START 1;
CREATE TABLE impact_answers (
    id BIGINT PRIMARY KEY DEFAULT nextval('impact_answer_id'),
    response_id INTEGER NOT NULL,
    question_id VARCHAR NOT NULL,
    value VARCHAR,
    answered_at TIMESTAMP NOT NULL,
    answered_by VARCHAR NOT NULL,
    carried_from BIGINT
);
CREATE INDEX impact_answers_response ON impact_answers (response_id);
