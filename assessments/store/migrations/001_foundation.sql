-- The audit trail and the inventory of AI systems (the scope of the AI management system).

CREATE SEQUENCE audit_event_id START 1;
CREATE TABLE audit_events (
    id BIGINT PRIMARY KEY DEFAULT nextval('audit_event_id'),
    occurred_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL,
    before_state VARCHAR,
    after_state VARCHAR,
    summary VARCHAR NOT NULL DEFAULT ''
);

CREATE SEQUENCE ai_system_id START 1;
CREATE TABLE ai_systems (
    id INTEGER PRIMARY KEY DEFAULT nextval('ai_system_id'),
    name VARCHAR NOT NULL,
    purpose VARCHAR NOT NULL,
    description VARCHAR NOT NULL DEFAULT '',
    owner VARCHAR NOT NULL,
    business_unit VARCHAR NOT NULL,
    roles VARCHAR[] NOT NULL,
    lifecycle_stage VARCHAR NOT NULL,
    ai_technique VARCHAR NOT NULL,
    autonomy VARCHAR NOT NULL,
    stakeholders VARCHAR[] NOT NULL,
    personal_data BOOLEAN NOT NULL,
    special_category_data BOOLEAN NOT NULL,
    deployment_context VARCHAR NOT NULL,
    geography VARCHAR[] NOT NULL,
    suppliers VARCHAR[] NOT NULL,
    status VARCHAR NOT NULL,
    next_review DATE,
    revision INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by VARCHAR NOT NULL
);
CREATE UNIQUE INDEX ai_systems_name_unique ON ai_systems (lower(name));
