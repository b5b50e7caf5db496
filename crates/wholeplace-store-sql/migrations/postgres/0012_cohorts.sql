-- The SQLite twin of this file (migrations/sqlite/0012_cohorts.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Cohorts: an analyst's saved rules over families' needs, involvements and place, and the
-- weights of the two-driver score. The families a cohort finds are computed on every read, never
-- stored; the salt keys the cohort's pseudonyms for them.
CREATE TABLE cohort (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    needs TEXT NOT NULL DEFAULT '',
    min_needs BIGINT NOT NULL DEFAULT 0 CHECK (min_needs >= 0),
    agency_id BIGINT REFERENCES agency(id) ON DELETE RESTRICT,
    place_id BIGINT REFERENCES place(id) ON DELETE RESTRICT,
    cost_points_per_thousand BIGINT NOT NULL DEFAULT 0,
    salt TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE cohort_weight (
    cohort_id BIGINT NOT NULL REFERENCES cohort(id) ON DELETE CASCADE,
    need TEXT NOT NULL,
    weight BIGINT NOT NULL,
    PRIMARY KEY (cohort_id, need)
);
