-- The SQLite twin of this file (migrations/sqlite/0004_contacts_projects.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Named contacts at agencies ("identified link") and partnerships' pilots or projects.
CREATE TABLE contact (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agency(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    UNIQUE (agency_id, name)
);

CREATE TABLE project (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partnership_id BIGINT NOT NULL REFERENCES partnership(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    place_id BIGINT REFERENCES place(id) ON DELETE RESTRICT,
    theme TEXT NOT NULL DEFAULT '',
    lead_agency_id BIGINT REFERENCES agency(id) ON DELETE RESTRICT,
    aims TEXT NOT NULL DEFAULT '',
    start_date TEXT NOT NULL DEFAULT '',
    end_date TEXT NOT NULL DEFAULT '',
    UNIQUE (partnership_id, name)
);
