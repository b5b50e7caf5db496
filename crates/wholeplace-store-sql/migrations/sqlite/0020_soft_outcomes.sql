-- The PostgreSQL twin of this file (migrations/postgres/0020_soft_outcomes.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Soft outcomes and wellbeing: partnership-defined scales and their readings per person or
-- family, ONS4 and (S)WEMWBS readings (item scores by number, no licensed wording), the local
-- authorities' published ONS4 means, the (S)WEMWBS registration and Outcomes Star readings.
CREATE TABLE outcome_scale (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    low INTEGER NOT NULL CHECK (low = 1),
    high INTEGER NOT NULL CHECK (high IN (5, 10)),
    anchors TEXT NOT NULL DEFAULT '[]'
) STRICT;

CREATE TABLE scale_reading (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scale_id INTEGER NOT NULL REFERENCES outcome_scale(id) ON DELETE CASCADE,
    person_id INTEGER REFERENCES person(id) ON DELETE CASCADE,
    household_id INTEGER REFERENCES household(id) ON DELETE CASCADE,
    taken_on TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 10),
    CHECK ((person_id IS NULL) <> (household_id IS NULL))
) STRICT;
CREATE INDEX scale_reading_scale ON scale_reading (scale_id, taken_on);

CREATE TABLE wellbeing_reading (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instrument TEXT NOT NULL CHECK (instrument IN ('ons4', 'wemwbs', 'swemwbs')),
    person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    taken_on TEXT NOT NULL,
    items TEXT NOT NULL
) STRICT;
CREATE INDEX wellbeing_reading_instrument ON wellbeing_reading (instrument, taken_on);

CREATE TABLE ons4_published (
    place_id INTEGER NOT NULL REFERENCES place(id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    life_satisfaction REAL,
    worthwhile REAL,
    happiness REAL,
    anxiety REAL,
    source TEXT NOT NULL,
    PRIMARY KEY (place_id, period)
) STRICT;

CREATE TABLE wemwbs_registration (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    registered_by TEXT NOT NULL,
    registered_on TEXT NOT NULL,
    licence_reference TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at INTEGER NOT NULL
) STRICT;

CREATE TABLE star_reading (
    person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    star TEXT NOT NULL,
    taken_on TEXT NOT NULL,
    area TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 10),
    PRIMARY KEY (person_id, star, taken_on, area)
) STRICT;
