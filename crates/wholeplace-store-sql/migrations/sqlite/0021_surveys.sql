-- The PostgreSQL twin of this file (migrations/postgres/0021_surveys.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Place perception surveys: a survey of a place, its rounds (the link's token kept only as its
-- hash) and the responses (fourteen theme scores 1 to 7, what is good, what could be better).
CREATE TABLE survey (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    place_id INTEGER NOT NULL REFERENCES place(id) ON DELETE RESTRICT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    UNIQUE (place_id, name)
) STRICT;

CREATE TABLE survey_round (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id INTEGER NOT NULL REFERENCES survey(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    invited INTEGER CHECK (invited > 0),
    token TEXT NOT NULL UNIQUE,
    groups TEXT NOT NULL DEFAULT '[]',
    UNIQUE (survey_id, label)
) STRICT;

CREATE TABLE survey_response (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id INTEGER NOT NULL REFERENCES survey_round(id) ON DELETE CASCADE,
    received_at INTEGER NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('link', 'paper')),
    group_label TEXT NOT NULL DEFAULT '',
    scores TEXT NOT NULL,
    good TEXT NOT NULL DEFAULT '',
    better TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX survey_response_round ON survey_response (round_id, received_at);
