-- The SQLite twin of this file (migrations/sqlite/0009_family_records.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- What a family's record holds beyond its involvements: the family's agreement to take part
-- (kept apart from any lawful basis), consent receipts where consent is the basis, decisions not
-- to share, handovers of the lead practitioner, former addresses, and the plan's reviews.
CREATE TABLE family_participation (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES household(id) ON DELETE CASCADE,
    agreed BIGINT NOT NULL CHECK (agreed IN (0, 1)),
    day TEXT NOT NULL,
    how TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);

CREATE TABLE consent_receipt (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES person(id) ON DELETE RESTRICT,
    agreement_id BIGINT NOT NULL REFERENCES sharing_agreement(id) ON DELETE RESTRICT,
    purposes TEXT NOT NULL,
    given_on TEXT NOT NULL,
    how TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    withdrawn_on TEXT,
    withdrawal_how TEXT NOT NULL DEFAULT ''
);
CREATE INDEX consent_receipt_person ON consent_receipt(person_id);

CREATE TABLE sharing_refusal (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES household(id) ON DELETE CASCADE,
    holder_agency_id BIGINT NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    requester_agency_id BIGINT NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    data_class TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    day TEXT NOT NULL
);

CREATE TABLE lead_handover (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES household(id) ON DELETE CASCADE,
    from_name TEXT NOT NULL DEFAULT '',
    to_user_id BIGINT NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
    day TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);

CREATE TABLE former_address (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES household(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    until_on TEXT NOT NULL
);

CREATE TABLE goal_review (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    goal_id BIGINT NOT NULL REFERENCES family_goal(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    score BIGINT NOT NULL CHECK (score BETWEEN 0 AND 10),
    note TEXT NOT NULL DEFAULT '',
    reviewed_by TEXT NOT NULL
);
