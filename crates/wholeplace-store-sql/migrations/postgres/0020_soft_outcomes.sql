-- The SQLite twin of this file (migrations/sqlite/0020_soft_outcomes.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Soft outcomes and wellbeing: partnership-defined scales and their readings per person or
-- family, ONS4 and (S)WEMWBS readings (item scores by number, no licensed wording), the local
-- authorities' published ONS4 means, the (S)WEMWBS registration and Outcomes Star readings.
CREATE TABLE outcome_scale (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    low BIGINT NOT NULL CHECK (low = 1),
    high BIGINT NOT NULL CHECK (high IN (5, 10)),
    anchors TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE scale_reading (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scale_id BIGINT NOT NULL REFERENCES outcome_scale(id) ON DELETE CASCADE,
    person_id BIGINT REFERENCES person(id) ON DELETE CASCADE,
    household_id BIGINT REFERENCES household(id) ON DELETE CASCADE,
    taken_on TEXT NOT NULL,
    score BIGINT NOT NULL CHECK (score BETWEEN 1 AND 10),
    CHECK ((person_id IS NULL) <> (household_id IS NULL))
);
CREATE INDEX scale_reading_scale ON scale_reading (scale_id, taken_on);

CREATE TABLE wellbeing_reading (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instrument TEXT NOT NULL CHECK (instrument IN ('ons4', 'wemwbs', 'swemwbs')),
    person_id BIGINT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    taken_on TEXT NOT NULL,
    items TEXT NOT NULL
);
CREATE INDEX wellbeing_reading_instrument ON wellbeing_reading (instrument, taken_on);

CREATE TABLE ons4_published (
    place_id BIGINT NOT NULL REFERENCES place(id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    life_satisfaction DOUBLE PRECISION,
    worthwhile DOUBLE PRECISION,
    happiness DOUBLE PRECISION,
    anxiety DOUBLE PRECISION,
    source TEXT NOT NULL,
    PRIMARY KEY (place_id, period)
);

CREATE TABLE wemwbs_registration (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    registered_by TEXT NOT NULL,
    registered_on TEXT NOT NULL,
    licence_reference TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);

CREATE TABLE star_reading (
    person_id BIGINT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    star TEXT NOT NULL,
    taken_on TEXT NOT NULL,
    area TEXT NOT NULL,
    score BIGINT NOT NULL CHECK (score BETWEEN 1 AND 10),
    PRIMARY KEY (person_id, star, taken_on, area)
);
