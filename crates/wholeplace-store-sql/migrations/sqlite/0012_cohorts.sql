-- The PostgreSQL twin of this file (migrations/postgres/0012_cohorts.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Cohorts: an analyst's saved rules over families' needs, involvements and place, and the
-- weights of the two-driver score. The families a cohort finds are computed on every read, never
-- stored; the salt keys the cohort's pseudonyms for them.
CREATE TABLE cohort (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    needs TEXT NOT NULL DEFAULT '',
    min_needs INTEGER NOT NULL DEFAULT 0 CHECK (min_needs >= 0),
    agency_id INTEGER REFERENCES agency(id) ON DELETE RESTRICT,
    place_id INTEGER REFERENCES place(id) ON DELETE RESTRICT,
    cost_points_per_thousand INTEGER NOT NULL DEFAULT 0,
    salt TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE cohort_weight (
    cohort_id INTEGER NOT NULL REFERENCES cohort(id) ON DELETE CASCADE,
    need TEXT NOT NULL,
    weight INTEGER NOT NULL,
    PRIMARY KEY (cohort_id, need)
) STRICT;
