-- The PostgreSQL twin of this file (migrations/postgres/0005_audit_chain.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- The audit log becomes a hash chain: each entry stores the SHA-256 of its content and of the entry
-- before it (computed by the adapter, wholeplace-store/src/audit_chain.rs), so an entry changed in
-- the database by someone who drops the triggers no longer verifies (`wholeplace audit verify`).
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;

-- Existing entries are chained once, in id order, by the migration runner at the marker below,
-- with the update trigger briefly absent inside this migration's transaction.
DROP TRIGGER audit_log_no_update;
-- @chain-existing-audit-entries
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- INSERT OR REPLACE (and REPLACE INTO) would delete the old entry without firing the delete
-- trigger (recursive_triggers is off): refuse an insert whose id is taken before it can replace.
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: an entry cannot be replaced'); END;

-- Every new entry carries its chain hash.
CREATE TRIGGER audit_log_chained BEFORE INSERT ON audit_log
WHEN NEW.prev_hash IS NULL OR NEW.hash IS NULL OR length(NEW.hash) <> 64
BEGIN SELECT RAISE(ABORT, 'an audit entry must carry its chain hash'); END;

-- Personal API tokens may end (`wholeplace user token NAME --expires DAYS`).
ALTER TABLE api_token ADD COLUMN expires_at INTEGER;
