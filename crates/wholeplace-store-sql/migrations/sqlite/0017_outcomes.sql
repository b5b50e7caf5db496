-- The PostgreSQL twin of this file (migrations/postgres/0017_outcomes.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Outcomes: the indicator catalogue (a changed definition is a new version naming the one it
-- replaces, with a bridging note), figures by place and period, and targets with their baselines.
CREATE TABLE indicator (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    unit TEXT NOT NULL CHECK (unit IN ('count', 'rate', 'percentage', 'score')),
    per INTEGER CHECK (per > 0),
    polarity TEXT NOT NULL CHECK (polarity IN ('higher', 'lower')),
    source TEXT NOT NULL,
    geography TEXT NOT NULL,
    national INTEGER NOT NULL DEFAULT 0 CHECK (national IN (0, 1)),
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    replaces_id INTEGER REFERENCES indicator(id) ON DELETE RESTRICT,
    bridging_note TEXT NOT NULL DEFAULT '',
    UNIQUE (name, version)
) STRICT;

CREATE TABLE indicator_value (
    indicator_id INTEGER NOT NULL REFERENCES indicator(id) ON DELETE CASCADE,
    place_id INTEGER NOT NULL REFERENCES place(id) ON DELETE RESTRICT,
    period TEXT NOT NULL,
    value REAL NOT NULL,
    numerator REAL,
    denominator REAL,
    illustrative INTEGER NOT NULL DEFAULT 0 CHECK (illustrative IN (0, 1)),
    PRIMARY KEY (indicator_id, place_id, period)
) STRICT, WITHOUT ROWID;

CREATE TABLE outcome_target (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    indicator_id INTEGER NOT NULL REFERENCES indicator(id) ON DELETE CASCADE,
    place_id INTEGER NOT NULL REFERENCES place(id) ON DELETE RESTRICT,
    baseline_value REAL NOT NULL,
    baseline_period TEXT NOT NULL,
    baseline_source TEXT NOT NULL,
    target_value REAL NOT NULL,
    target_date TEXT NOT NULL,
    owner TEXT NOT NULL,
    polarity TEXT NOT NULL CHECK (polarity IN ('higher', 'lower')),
    tolerance REAL NOT NULL CHECK (tolerance >= 0),
    UNIQUE (indicator_id, place_id, target_date)
) STRICT;
