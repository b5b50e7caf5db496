-- The SQLite twin of this file (migrations/sqlite/0005_audit_chain.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- The audit log becomes a hash chain: each entry stores the SHA-256 of its content and of the entry
-- before it (computed by the adapter, wholeplace-store/src/audit_chain.rs), so an entry changed in
-- the database by someone who drops the triggers no longer verifies (`wholeplace audit verify`).
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;

-- Existing entries are chained once, in id order, by the migration runner at the marker below,
-- with the append-only trigger briefly disabled inside this migration's transaction.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;
-- @chain-existing-audit-entries
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change;
ALTER TABLE audit_log ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_hash_is_sha256 CHECK (length(hash) = 64);

-- TRUNCATE fires no row triggers: refuse it with a statement trigger.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Personal API tokens may end (`wholeplace user token NAME --expires DAYS`).
ALTER TABLE api_token ADD COLUMN expires_at BIGINT;
