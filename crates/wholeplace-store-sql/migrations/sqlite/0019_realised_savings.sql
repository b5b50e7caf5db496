-- The PostgreSQL twin of this file makes the same tables in its own dialect; each backend's schema is
-- kept whole so it reads on its own, hence their likeness.
-- Forecast against realised savings: an approved appraisal frozen (its model text and the
-- engine's forecast as JSON, so later changes to the model or the unit costs never move it), and
-- the net outcomes achieved, by outcome line and year, in thousandths so they are exact on both
-- backends. A frozen forecast is kept while its appraisal is: the appraisal cannot be deleted.
CREATE TABLE appraisal_snapshot (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    appraisal_id INTEGER NOT NULL REFERENCES appraisal(id) ON DELETE RESTRICT,
    option_name TEXT NOT NULL,
    approval TEXT NOT NULL,
    approved_on TEXT NOT NULL,
    model_toml TEXT NOT NULL,
    forecast TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX appraisal_snapshot_appraisal ON appraisal_snapshot(appraisal_id);

CREATE TABLE realised_outcome (
    snapshot_id INTEGER NOT NULL REFERENCES appraisal_snapshot(id) ON DELETE CASCADE,
    line_index INTEGER NOT NULL CHECK (line_index >= 0),
    year_index INTEGER NOT NULL CHECK (year_index >= 0),
    milli INTEGER NOT NULL CHECK (milli >= 0),
    recorded_by TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, line_index, year_index)
) STRICT;
