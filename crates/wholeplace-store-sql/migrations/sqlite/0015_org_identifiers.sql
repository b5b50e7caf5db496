-- The PostgreSQL twin of this file (migrations/postgres/0015_org_identifiers.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Organisations' registered identifiers (org-id.guide: a scheme such as GB-CHC and a value), in
-- the order given (the first is the one a 360Giving export names the organisation by); the
-- partnership's 360Giving publisher details; and each grant's own reference, from which its
-- 360Giving identifier is built, so the identifier stays the same across exports and databases.
CREATE TABLE agency_identifier (
    agency_id INTEGER NOT NULL REFERENCES agency(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    scheme TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (agency_id, ordinal),
    UNIQUE (agency_id, scheme, value)
) STRICT;

-- One row at most: who publishes the grants and under which 360Giving prefix and licence.
CREATE TABLE grant_publisher (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    prefix TEXT NOT NULL,
    name TEXT NOT NULL,
    identifier TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    licence TEXT NOT NULL
) STRICT;

ALTER TABLE grant_award ADD COLUMN reference TEXT;
UPDATE grant_award SET reference = CAST(id AS TEXT);
CREATE UNIQUE INDEX grant_award_reference ON grant_award(reference);
