-- The PostgreSQL twin of this file (migrations/postgres/0004_contacts_projects.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Named contacts at agencies ("identified link") and partnerships' pilots or projects.
CREATE TABLE contact (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    UNIQUE (agency_id, name)
) STRICT;

CREATE TABLE project (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnership(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    place_id INTEGER REFERENCES place(id) ON DELETE RESTRICT,
    theme TEXT NOT NULL DEFAULT '',
    lead_agency_id INTEGER REFERENCES agency(id) ON DELETE RESTRICT,
    aims TEXT NOT NULL DEFAULT '',
    start_date TEXT NOT NULL DEFAULT '',
    end_date TEXT NOT NULL DEFAULT '',
    UNIQUE (partnership_id, name)
) STRICT;
