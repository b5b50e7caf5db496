-- The SQLite twin of this file makes the same change in its own dialect; each backend's
-- schema is kept whole so it reads on its own, hence their likeness.
-- Linkage per partnership: each partnership links its own extracts, with its own review band,
-- second-reviewer rule, saved model, runs and review queue. Existing extracts go to the first
-- partnership their agency is a member of, else the first partnership; when there is none, one
-- is made for them so nothing staged is lost.
INSERT INTO partnership (name, description)
SELECT 'Linked records', 'Made when linkage became per partnership, for the extracts staged before it. Rename it, or add its agencies as members.'
WHERE EXISTS (SELECT 1 FROM extract) AND NOT EXISTS (SELECT 1 FROM partnership);

ALTER TABLE extract ADD COLUMN partnership_id BIGINT REFERENCES partnership(id) ON DELETE RESTRICT;
UPDATE extract SET partnership_id = COALESCE(
    (SELECT MIN(m.partnership_id) FROM partnership_member m WHERE m.agency_id = extract.agency_id),
    (SELECT MIN(p.id) FROM partnership p));
CREATE INDEX extract_partnership ON extract(partnership_id);

-- A partnership with no row here has the defaults (50% to 95%, second reviewer on, no model).
CREATE TABLE partnership_linkage (
    partnership_id BIGINT PRIMARY KEY REFERENCES partnership(id) ON DELETE CASCADE,
    lower_ppm BIGINT NOT NULL CHECK (lower_ppm BETWEEN 0 AND 1000000),
    upper_ppm BIGINT NOT NULL CHECK (upper_ppm BETWEEN 0 AND 1000000),
    second_review BIGINT NOT NULL DEFAULT 1,
    model TEXT
);
INSERT INTO partnership_linkage (partnership_id, lower_ppm, upper_ppm, second_review, model)
SELECT p.id, s.lower_ppm, s.upper_ppm, s.second_review,
       CASE WHEN EXISTS (SELECT 1 FROM extract e WHERE e.partnership_id = p.id) THEN s.model END
FROM partnership p, linkage_settings s WHERE s.id = 1;
DROP TABLE linkage_settings;

ALTER TABLE linkage_run ADD COLUMN partnership_id BIGINT REFERENCES partnership(id) ON DELETE CASCADE;
UPDATE linkage_run SET partnership_id = (SELECT MIN(e.partnership_id) FROM extract e);
DELETE FROM linkage_run WHERE partnership_id IS NULL;
CREATE INDEX linkage_run_partnership ON linkage_run(partnership_id, id);

ALTER TABLE review_item ADD COLUMN partnership_id BIGINT REFERENCES partnership(id) ON DELETE CASCADE;
UPDATE review_item SET partnership_id = (
    SELECT e.partnership_id FROM staged_record s JOIN extract e ON e.id = s.extract_id
    WHERE s.id = review_item.a_record_id);
DROP INDEX review_item_queue;
CREATE INDEX review_item_queue ON review_item(partnership_id, status, probability_ppm DESC, id);
