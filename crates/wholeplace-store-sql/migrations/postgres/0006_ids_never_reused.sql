-- The SQLite twin of this file (migrations/sqlite/0006_ids_never_reused.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Ids are never reused. PostgreSQL's identity columns draw from sequences, which never go back
-- (not even when a transaction rolls back), so there is nothing to change; this migration keeps
-- the two backends' version numbers in step (SQLite's 0006 adds AUTOINCREMENT).
SELECT 1;
