-- The PostgreSQL twin of this file (migrations/postgres/0009_family_records.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- What a family's record holds beyond its involvements: the family's agreement to take part
-- (kept apart from any lawful basis), consent receipts where consent is the basis, decisions not
-- to share, handovers of the lead practitioner, former addresses, and the plan's reviews.
CREATE TABLE family_participation (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id INTEGER NOT NULL REFERENCES household(id) ON DELETE CASCADE,
    agreed INTEGER NOT NULL CHECK (agreed IN (0, 1)),
    day TEXT NOT NULL,
    how TEXT NOT NULL,
    recorded_by TEXT NOT NULL
) STRICT;

CREATE TABLE consent_receipt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE RESTRICT,
    agreement_id INTEGER NOT NULL REFERENCES sharing_agreement(id) ON DELETE RESTRICT,
    purposes TEXT NOT NULL,
    given_on TEXT NOT NULL,
    how TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    withdrawn_on TEXT,
    withdrawal_how TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX consent_receipt_person ON consent_receipt(person_id);

CREATE TABLE sharing_refusal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id INTEGER NOT NULL REFERENCES household(id) ON DELETE CASCADE,
    holder_agency_id INTEGER NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    requester_agency_id INTEGER NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    data_class TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    day TEXT NOT NULL
) STRICT;

CREATE TABLE lead_handover (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id INTEGER NOT NULL REFERENCES household(id) ON DELETE CASCADE,
    from_name TEXT NOT NULL DEFAULT '',
    to_user_id INTEGER NOT NULL REFERENCES app_user(id) ON DELETE RESTRICT,
    day TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE former_address (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id INTEGER NOT NULL REFERENCES household(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    until_on TEXT NOT NULL
) STRICT;

CREATE TABLE goal_review (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    goal_id INTEGER NOT NULL REFERENCES family_goal(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
    note TEXT NOT NULL DEFAULT '',
    reviewed_by TEXT NOT NULL
) STRICT;
