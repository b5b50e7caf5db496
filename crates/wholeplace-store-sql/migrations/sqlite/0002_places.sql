-- The PostgreSQL twin of this file (migrations/postgres/0002_places.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Places, partners and resource mapping.
CREATE TABLE place (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    gss_code TEXT,
    gss_vintage TEXT,
    population INTEGER,
    description TEXT NOT NULL DEFAULT '',
    UNIQUE (name, level)
) STRICT;
CREATE UNIQUE INDEX place_gss ON place(gss_code) WHERE gss_code IS NOT NULL;

CREATE TABLE place_relation (
    parent_id INTEGER NOT NULL REFERENCES place(id) ON DELETE CASCADE,
    child_id INTEGER NOT NULL REFERENCES place(id) ON DELETE CASCADE,
    relation TEXT NOT NULL CHECK (relation IN ('contains', 'overlaps')),
    PRIMARY KEY (parent_id, child_id),
    CHECK (parent_id <> child_id)
) STRICT;

CREATE TABLE agency_place (
    agency_id INTEGER NOT NULL REFERENCES agency(id) ON DELETE CASCADE,
    place_id INTEGER NOT NULL REFERENCES place(id) ON DELETE CASCADE,
    PRIMARY KEY (agency_id, place_id)
) STRICT;

CREATE TABLE la_profile (
    place_id INTEGER PRIMARY KEY REFERENCES place(id) ON DELETE CASCADE,
    population INTEGER,
    population_year INTEGER,
    claimant_rate_pct REAL,
    median_earnings_gbp INTEGER,
    imd_rank INTEGER,
    imd_total INTEGER,
    domain_ranks TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE budget_line (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    place_id INTEGER NOT NULL REFERENCES place(id) ON DELETE RESTRICT,
    service_area TEXT NOT NULL,
    financial_year INTEGER NOT NULL,
    amount_pence INTEGER NOT NULL,
    spend_kind TEXT NOT NULL CHECK (spend_kind IN ('revenue', 'capital')),
    source TEXT NOT NULL DEFAULT '',
    confidence TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX budget_line_place ON budget_line(place_id, financial_year);

CREATE TABLE grant_award (
    id INTEGER PRIMARY KEY,
    funder_agency_id INTEGER NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    title TEXT NOT NULL,
    purpose TEXT NOT NULL DEFAULT '',
    amount_pence INTEGER NOT NULL,
    start_year INTEGER NOT NULL,
    end_year INTEGER NOT NULL,
    conditions TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE grant_recipient (
    grant_id INTEGER NOT NULL REFERENCES grant_award(id) ON DELETE CASCADE,
    agency_id INTEGER NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    PRIMARY KEY (grant_id, agency_id)
) STRICT;

CREATE TABLE grant_place (
    grant_id INTEGER NOT NULL REFERENCES grant_award(id) ON DELETE CASCADE,
    place_id INTEGER NOT NULL REFERENCES place(id) ON DELETE RESTRICT,
    PRIMARY KEY (grant_id, place_id)
) STRICT;

-- A change to a grant (such as a 20% cut) is recorded, never an overwrite.
CREATE TABLE grant_change (
    id INTEGER PRIMARY KEY,
    grant_id INTEGER NOT NULL REFERENCES grant_award(id) ON DELETE CASCADE,
    from_year INTEGER NOT NULL,
    new_amount_pence INTEGER NOT NULL,
    reason TEXT NOT NULL
) STRICT;

CREATE TABLE partnership (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    governance TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE partnership_member (
    partnership_id INTEGER NOT NULL REFERENCES partnership(id) ON DELETE CASCADE,
    agency_id INTEGER NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    PRIMARY KEY (partnership_id, agency_id)
) STRICT;

CREATE TABLE partnership_place (
    partnership_id INTEGER NOT NULL REFERENCES partnership(id) ON DELETE CASCADE,
    place_id INTEGER NOT NULL REFERENCES place(id) ON DELETE RESTRICT,
    PRIMARY KEY (partnership_id, place_id)
) STRICT;

CREATE TABLE demo_marker (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    loaded_at INTEGER NOT NULL
) STRICT;
