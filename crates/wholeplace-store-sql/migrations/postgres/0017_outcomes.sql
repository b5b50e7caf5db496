-- The SQLite twin of this file (migrations/sqlite/0017_outcomes.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Outcomes: the indicator catalogue (a changed definition is a new version naming the one it
-- replaces, with a bridging note), figures by place and period, and targets with their baselines.
CREATE TABLE indicator (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    unit TEXT NOT NULL CHECK (unit IN ('count', 'rate', 'percentage', 'score')),
    per BIGINT CHECK (per > 0),
    polarity TEXT NOT NULL CHECK (polarity IN ('higher', 'lower')),
    source TEXT NOT NULL,
    geography TEXT NOT NULL,
    national BIGINT NOT NULL DEFAULT 0 CHECK (national IN (0, 1)),
    version BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1),
    replaces_id BIGINT REFERENCES indicator(id) ON DELETE RESTRICT,
    bridging_note TEXT NOT NULL DEFAULT '',
    UNIQUE (name, version)
);

CREATE TABLE indicator_value (
    indicator_id BIGINT NOT NULL REFERENCES indicator(id) ON DELETE CASCADE,
    place_id BIGINT NOT NULL REFERENCES place(id) ON DELETE RESTRICT,
    period TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    numerator DOUBLE PRECISION,
    denominator DOUBLE PRECISION,
    illustrative BIGINT NOT NULL DEFAULT 0 CHECK (illustrative IN (0, 1)),
    PRIMARY KEY (indicator_id, place_id, period)
);

CREATE TABLE outcome_target (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    indicator_id BIGINT NOT NULL REFERENCES indicator(id) ON DELETE CASCADE,
    place_id BIGINT NOT NULL REFERENCES place(id) ON DELETE RESTRICT,
    baseline_value DOUBLE PRECISION NOT NULL,
    baseline_period TEXT NOT NULL,
    baseline_source TEXT NOT NULL,
    target_value DOUBLE PRECISION NOT NULL,
    target_date TEXT NOT NULL,
    owner TEXT NOT NULL,
    polarity TEXT NOT NULL CHECK (polarity IN ('higher', 'lower')),
    tolerance DOUBLE PRECISION NOT NULL CHECK (tolerance >= 0),
    UNIQUE (indicator_id, place_id, target_date)
);
