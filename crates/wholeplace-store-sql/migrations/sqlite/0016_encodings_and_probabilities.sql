-- The PostgreSQL twin of this file (migrations/postgres/0016_encodings_and_probabilities.sql) makes the same change in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Extracts of encodings only (the privacy-preserving mode): an agency encodes its identifiers
-- with a key it holds and sends Bloom-filter encodings and keyed blocking keys, never the
-- identifiers. The extract keeps its encoded columns' names; each record its encoded values, in
-- that order, comma-separated (hex and keyed-hash text hold no commas). A plain extract has
-- neither.
ALTER TABLE extract ADD COLUMN encoded_columns TEXT NOT NULL DEFAULT '';
ALTER TABLE staged_record ADD COLUMN encoding TEXT NOT NULL DEFAULT '';

-- Each finished run's pairs by match probability, in bins of a tenth of a per cent
-- (`bin:pairs:sum of probabilities in parts per million`, `;`-separated), so the expected false
-- and missed matches of any review band can be shown before the next run.
ALTER TABLE linkage_run ADD COLUMN probabilities TEXT NOT NULL DEFAULT '';
