-- The PostgreSQL twin of this file (migrations/postgres/0008_family_plan.sql) makes the same tables in its own
-- dialect; each backend's schema is kept whole so it reads on its own, hence their likeness.
-- The family's one plan: goals in the family's words with a 0-10 scale, and their actions.
CREATE TABLE family_goal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id INTEGER NOT NULL REFERENCES household(id) ON DELETE CASCADE,
    goal TEXT NOT NULL,
    worries TEXT NOT NULL DEFAULT '',
    strengths TEXT NOT NULL DEFAULT '',
    next_steps TEXT NOT NULL DEFAULT '',
    score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
    owner_agency_id INTEGER NOT NULL REFERENCES agency(id) ON DELETE RESTRICT,
    review_on TEXT NOT NULL
) STRICT;

CREATE TABLE family_action (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    goal_id INTEGER NOT NULL REFERENCES family_goal(id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    due_on TEXT NOT NULL
) STRICT;
