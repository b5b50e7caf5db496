-- The SQLite twin of this file (migrations/sqlite/0008_family_plan.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- The family's one plan: goals in the family's words with a 0-10 scale, and their actions.
CREATE TABLE family_goal (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES household(id) ON DELETE CASCADE,
    goal TEXT NOT NULL,
    worries TEXT NOT NULL DEFAULT '',
    strengths TEXT NOT NULL DEFAULT '',
    next_steps TEXT NOT NULL DEFAULT '',
    score BIGINT NOT NULL CHECK (score BETWEEN 0 AND 10),
    owner_agency_id BIGINT NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    review_on TEXT NOT NULL
);

CREATE TABLE family_action (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    goal_id BIGINT NOT NULL REFERENCES family_goal(id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    due_on TEXT NOT NULL
);
