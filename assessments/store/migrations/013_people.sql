-- The people who use the workbench and the roles an admin gave them. A row is created when a
-- person first signs in (or, in local mode, first types a name); the first person of a database
-- gets every role. `subject` is the identity provider's issuer and subject (or 'local:<name>').
-- Roles from a provider's claim are added at sign-in and never stored here. Every change is an
-- audit event ('person'), written in the same transaction.

CREATE TABLE people (
    subject VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    email VARCHAR NOT NULL DEFAULT '',
    roles VARCHAR NOT NULL DEFAULT '',
    verified BOOLEAN NOT NULL,
    first_seen TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by VARCHAR NOT NULL
);
