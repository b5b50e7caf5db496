-- The PostgreSQL twin of this file (migrations/postgres/0003_appraisals.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Appraisals (the evidence engine's models), stored per partnership as their model text.
CREATE TABLE appraisal (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER REFERENCES partnership(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    model_toml TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX appraisal_partnership ON appraisal(partnership_id);
