-- The SQLite twin of this file (migrations/sqlite/0013_need_terms.sql) makes the same table in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- The partnership's own words for needs: a shipped need relabelled, or a need of its own.
CREATE TABLE need_term (
    key TEXT PRIMARY KEY,
    label TEXT NOT NULL UNIQUE
);
