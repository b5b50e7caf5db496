-- Ids are never reused: SQLite gives a new row the largest id + 1, so deleting the newest record
-- and creating another gave the same id twice (and audit entries for "record 199" meant two
-- records). AUTOINCREMENT keeps the largest id ever given in sqlite_sequence instead.
--
-- SQLite cannot add AUTOINCREMENT to a column, so the migration runner (`migrate.rs`,
-- `rebuild_with_autoincrement`) first rebuilds every table listed in `AUTOINCREMENT_TABLES` from
-- its stored definition, with foreign keys off and checked before the commit, keeping its rows,
-- indexes and triggers. This file then records the step's completion check: every rebuilt table
-- must now have its row in sqlite_sequence or be empty.
SELECT 1;
