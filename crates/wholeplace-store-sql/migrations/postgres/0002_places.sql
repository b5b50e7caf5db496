-- The SQLite twin of this file (migrations/sqlite/0002_places.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Places, partners and resource mapping.
CREATE TABLE place (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    gss_code TEXT,
    gss_vintage TEXT,
    population BIGINT,
    description TEXT NOT NULL DEFAULT '',
    UNIQUE (name, level)
);
CREATE UNIQUE INDEX place_gss ON place(gss_code) WHERE gss_code IS NOT NULL;

CREATE TABLE place_relation (
    parent_id BIGINT NOT NULL REFERENCES place(id) ON DELETE CASCADE,
    child_id BIGINT NOT NULL REFERENCES place(id) ON DELETE CASCADE,
    relation TEXT NOT NULL CHECK (relation IN ('contains', 'overlaps')),
    PRIMARY KEY (parent_id, child_id),
    CHECK (parent_id <> child_id)
);

CREATE TABLE agency_place (
    agency_id BIGINT NOT NULL REFERENCES agency(id) ON DELETE CASCADE,
    place_id BIGINT NOT NULL REFERENCES place(id) ON DELETE CASCADE,
    PRIMARY KEY (agency_id, place_id)
);

CREATE TABLE la_profile (
    place_id BIGINT PRIMARY KEY REFERENCES place(id) ON DELETE CASCADE,
    population BIGINT,
    population_year BIGINT,
    claimant_rate_pct DOUBLE PRECISION,
    median_earnings_gbp BIGINT,
    imd_rank BIGINT,
    imd_total BIGINT,
    domain_ranks TEXT NOT NULL DEFAULT ''
);

CREATE TABLE budget_line (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    place_id BIGINT NOT NULL REFERENCES place(id) ON DELETE RESTRICT,
    service_area TEXT NOT NULL,
    financial_year BIGINT NOT NULL,
    amount_pence BIGINT NOT NULL,
    spend_kind TEXT NOT NULL CHECK (spend_kind IN ('revenue', 'capital')),
    source TEXT NOT NULL DEFAULT '',
    confidence TEXT NOT NULL DEFAULT ''
);
CREATE INDEX budget_line_place ON budget_line(place_id, financial_year);

CREATE TABLE grant_award (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    funder_agency_id BIGINT NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    title TEXT NOT NULL,
    purpose TEXT NOT NULL DEFAULT '',
    amount_pence BIGINT NOT NULL,
    start_year BIGINT NOT NULL,
    end_year BIGINT NOT NULL,
    conditions TEXT NOT NULL DEFAULT ''
);

CREATE TABLE grant_recipient (
    grant_id BIGINT NOT NULL REFERENCES grant_award(id) ON DELETE CASCADE,
    agency_id BIGINT NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    PRIMARY KEY (grant_id, agency_id)
);

CREATE TABLE grant_place (
    grant_id BIGINT NOT NULL REFERENCES grant_award(id) ON DELETE CASCADE,
    place_id BIGINT NOT NULL REFERENCES place(id) ON DELETE RESTRICT,
    PRIMARY KEY (grant_id, place_id)
);

-- A change to a grant (such as a 20% cut) is recorded, never an overwrite.
CREATE TABLE grant_change (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    grant_id BIGINT NOT NULL REFERENCES grant_award(id) ON DELETE CASCADE,
    from_year BIGINT NOT NULL,
    new_amount_pence BIGINT NOT NULL,
    reason TEXT NOT NULL
);

CREATE TABLE partnership (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    governance TEXT NOT NULL DEFAULT ''
);

CREATE TABLE partnership_member (
    partnership_id BIGINT NOT NULL REFERENCES partnership(id) ON DELETE CASCADE,
    agency_id BIGINT NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    PRIMARY KEY (partnership_id, agency_id)
);

CREATE TABLE partnership_place (
    partnership_id BIGINT NOT NULL REFERENCES partnership(id) ON DELETE CASCADE,
    place_id BIGINT NOT NULL REFERENCES place(id) ON DELETE RESTRICT,
    PRIMARY KEY (partnership_id, place_id)
);

CREATE TABLE demo_marker (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    loaded_at BIGINT NOT NULL
);
