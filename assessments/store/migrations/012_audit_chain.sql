-- A tamper-evident audit trail: every event carries the hash of the one before it and its own
-- hash (SHA-256 of its canonical form, assessments/store/audit_chain.py), so an event edited or
-- deleted behind the app's back breaks the chain. The one-row head names the newest event and
-- its hash: every append updates it in the same transaction, which serialises appends (two
-- writers updating one row conflict, and the write path retries) and shows a truncation of the
-- newest events. The events already stored are chained by the Python step of this migration
-- (audit_chain.chain_existing_events, registered in store/schema.py).

ALTER TABLE audit_events ADD COLUMN prev_hash VARCHAR;
ALTER TABLE audit_events ADD COLUMN hash VARCHAR;

CREATE TABLE audit_chain_head (
    one_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one_row),
    last_id BIGINT NOT NULL,
    last_hash VARCHAR NOT NULL
);
INSERT INTO audit_chain_head (last_id, last_hash) VALUES (0, repeat('0', 64));
