-- The SQLite twin of this file (migrations/sqlite/0010_retention.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- Retention: how many whole years records of a class of data are kept after they end, for every
-- agency or narrowed to one agreement's parties, and legal holds that keep a family's records
-- whatever the rules say. No rules are shipped: a class without a rule is kept forever.
CREATE TABLE retention_rule (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    data_class TEXT NOT NULL,
    agreement_id BIGINT REFERENCES sharing_agreement(id) ON DELETE RESTRICT,
    keep_years BIGINT NOT NULL CHECK (keep_years BETWEEN 1 AND 100)
);
-- One rule for each class, and one for each class and agreement.
CREATE UNIQUE INDEX retention_rule_one ON retention_rule(data_class, COALESCE(agreement_id, 0));

-- A hold is lifted by recording who lifted it and when; the row stays.
CREATE TABLE legal_hold (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES household(id) ON DELETE RESTRICT,
    reason TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL,
    lifted_by TEXT,
    lifted_at BIGINT
);
-- One hold in force for each family.
CREATE UNIQUE INDEX legal_hold_in_force ON legal_hold(household_id) WHERE lifted_at IS NULL;
