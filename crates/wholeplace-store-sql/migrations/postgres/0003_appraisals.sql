-- The SQLite twin of this file (migrations/sqlite/0003_appraisals.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Appraisals (the evidence engine's models), stored per partnership as their model text.
CREATE TABLE appraisal (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partnership_id BIGINT REFERENCES partnership(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    model_toml TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX appraisal_partnership ON appraisal(partnership_id);
