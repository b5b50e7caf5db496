-- The SQLite twin of this file (migrations/sqlite/0014_person_corrections.sql) makes the same table in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Corrections to the people linkage formed: merges and splits with their lineage. `records`,
-- `involvements` and `memberships` are JSON lists of what the correction moved, so it can be
-- moved back. `other_person_id` keeps the merged-away or split-off person's id after an undo
-- (ids are never reused), so it carries no foreign key.
CREATE TABLE person_correction (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('merge', 'split')),
    person_id BIGINT NOT NULL REFERENCES person(id) ON DELETE RESTRICT,
    other_person_id BIGINT,
    records TEXT NOT NULL,
    involvements TEXT NOT NULL DEFAULT '[]',
    memberships TEXT NOT NULL DEFAULT '[]',
    reason TEXT NOT NULL,
    cross_class BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('awaiting', 'applied', 'undone', 'withdrawn')),
    made_by TEXT NOT NULL,
    made_at BIGINT NOT NULL,
    confirmed_by TEXT,
    undone_by TEXT,
    undone_at BIGINT
);
CREATE INDEX person_correction_person ON person_correction(person_id);

-- Whether a merge across data classes waits for a second reviewer.
ALTER TABLE linkage_settings ADD COLUMN second_review BIGINT NOT NULL DEFAULT 1;
