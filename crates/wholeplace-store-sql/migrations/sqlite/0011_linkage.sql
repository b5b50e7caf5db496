-- The PostgreSQL twin of this file (migrations/postgres/0011_linkage.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Linkage: agencies' extracts staged (personal data), the column mapping per agency and class,
-- the engine's runs and saved model, people's source records, households formed by linkage, and
-- the review queue. Probabilities are parts per million.
CREATE TABLE extract_mapping (
    agency_id INTEGER NOT NULL REFERENCES agency(id) ON DELETE CASCADE,
    data_class TEXT NOT NULL,
    columns TEXT NOT NULL,
    PRIMARY KEY (agency_id, data_class)
) STRICT;

CREATE TABLE extract (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id INTEGER NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    data_class TEXT NOT NULL,
    file_name TEXT NOT NULL,
    records INTEGER NOT NULL,
    imported_at INTEGER NOT NULL,
    imported_by TEXT NOT NULL
) STRICT;

CREATE TABLE staged_record (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    extract_id INTEGER NOT NULL REFERENCES extract(id) ON DELETE CASCADE,
    record_key TEXT NOT NULL,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    sex TEXT NOT NULL,
    house_number TEXT NOT NULL,
    street TEXT NOT NULL,
    town TEXT NOT NULL,
    postcode TEXT NOT NULL,
    nhs_number TEXT NOT NULL,
    ni_number TEXT NOT NULL
) STRICT;
CREATE INDEX staged_record_extract ON staged_record(extract_id);

-- Which person each staged record is.
CREATE TABLE person_source (
    staged_record_id INTEGER PRIMARY KEY REFERENCES staged_record(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE RESTRICT
) STRICT;
CREATE INDEX person_source_person ON person_source(person_id);

-- Households formed by linkage (so a re-run finds and keeps them).
CREATE TABLE linked_household (
    household_id INTEGER PRIMARY KEY REFERENCES household(id) ON DELETE CASCADE
) STRICT;

-- One row: the review band and the saved model.
CREATE TABLE linkage_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    lower_ppm INTEGER NOT NULL CHECK (lower_ppm BETWEEN 0 AND 1000000),
    upper_ppm INTEGER NOT NULL CHECK (upper_ppm BETWEEN 0 AND 1000000),
    model TEXT
) STRICT;
INSERT INTO linkage_settings (id, lower_ppm, upper_ppm, model) VALUES (1, 500000, 950000, NULL);

CREATE TABLE linkage_run (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_by TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    state TEXT NOT NULL,
    records INTEGER NOT NULL DEFAULT 0,
    pairs INTEGER NOT NULL DEFAULT 0,
    people INTEGER NOT NULL DEFAULT 0,
    new_people INTEGER NOT NULL DEFAULT 0,
    households INTEGER NOT NULL DEFAULT 0,
    queued INTEGER NOT NULL DEFAULT 0,
    expected_false INTEGER NOT NULL DEFAULT 0,
    expected_missed INTEGER NOT NULL DEFAULT 0,
    trained INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE review_item (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    a_record_id INTEGER NOT NULL REFERENCES staged_record(id) ON DELETE CASCADE,
    b_record_id INTEGER NOT NULL REFERENCES staged_record(id) ON DELETE CASCADE,
    probability_ppm INTEGER NOT NULL,
    evidence TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT,
    UNIQUE (a_record_id, b_record_id)
) STRICT;
-- The queue pages by status, most probable first.
CREATE INDEX review_item_queue ON review_item(status, probability_ppm DESC, id);
