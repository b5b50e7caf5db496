-- The SQLite twin of this file (migrations/sqlite/0021_surveys.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Place perception surveys: a survey of a place, its rounds (the link's token kept only as its
-- hash) and the responses (fourteen theme scores 1 to 7, what is good, what could be better).
CREATE TABLE survey (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    place_id BIGINT NOT NULL REFERENCES place(id) ON DELETE RESTRICT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    UNIQUE (place_id, name)
);

CREATE TABLE survey_round (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id BIGINT NOT NULL REFERENCES survey(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    invited BIGINT CHECK (invited > 0),
    token TEXT NOT NULL UNIQUE,
    groups TEXT NOT NULL DEFAULT '[]',
    UNIQUE (survey_id, label)
);

CREATE TABLE survey_response (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES survey_round(id) ON DELETE CASCADE,
    received_at BIGINT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('link', 'paper')),
    group_label TEXT NOT NULL DEFAULT '',
    scores TEXT NOT NULL,
    good TEXT NOT NULL DEFAULT '',
    better TEXT NOT NULL DEFAULT ''
);
CREATE INDEX survey_response_round ON survey_response (round_id, received_at);
