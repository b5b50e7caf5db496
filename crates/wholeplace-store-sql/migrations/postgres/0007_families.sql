-- The SQLite twin of this file (migrations/sqlite/0007_families.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Families: people, households, agencies' involvements and events, information-sharing
-- agreements and emergency ("break-glass") accesses. Days are `YYYY-MM-DD` text.
CREATE TABLE person (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    date_of_birth TEXT,
    nhs_number TEXT,
    ni_number TEXT
);

CREATE TABLE household (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    place_id BIGINT REFERENCES place(id) ON DELETE RESTRICT,
    address TEXT NOT NULL DEFAULT '',
    lead_user_id BIGINT REFERENCES app_user(id) ON DELETE SET NULL
);

CREATE TABLE household_member (
    household_id BIGINT NOT NULL REFERENCES household(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES person(id) ON DELETE RESTRICT,
    relationship TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (household_id, person_id)
);

CREATE TABLE involvement (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES person(id) ON DELETE RESTRICT,
    agency_id BIGINT NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    service TEXT NOT NULL,
    lead_worker TEXT NOT NULL DEFAULT '',
    need TEXT NOT NULL,
    data_class TEXT NOT NULL,
    started_on TEXT NOT NULL,
    ended_on TEXT,
    unit_cost_code TEXT,
    unit_cost_pence BIGINT NOT NULL DEFAULT 0,
    unit TEXT NOT NULL DEFAULT '',
    units_per_year_hundredths BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX involvement_person ON involvement(person_id);

CREATE TABLE family_event (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES household(id) ON DELETE CASCADE,
    person_id BIGINT REFERENCES person(id) ON DELETE RESTRICT,
    agency_id BIGINT NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    day TEXT NOT NULL,
    summary TEXT NOT NULL,
    data_class TEXT NOT NULL
);
CREATE INDEX family_event_household ON family_event(household_id, day);

CREATE TABLE sharing_agreement (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title TEXT NOT NULL UNIQUE,
    classes TEXT NOT NULL,
    purposes TEXT NOT NULL,
    basis TEXT NOT NULL,
    special_condition TEXT,
    starts_on TEXT NOT NULL,
    review_on TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    withdrawn_on TEXT,
    signatories TEXT NOT NULL DEFAULT ''
);

CREATE TABLE agreement_party (
    agreement_id BIGINT NOT NULL REFERENCES sharing_agreement(id) ON DELETE CASCADE,
    agency_id BIGINT NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    PRIMARY KEY (agreement_id, agency_id)
);

CREATE TABLE break_glass (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
    household_id BIGINT NOT NULL REFERENCES household(id) ON DELETE RESTRICT,
    reason TEXT NOT NULL,
    at BIGINT NOT NULL,
    reviewed_by TEXT,
    finding TEXT NOT NULL DEFAULT ''
);
