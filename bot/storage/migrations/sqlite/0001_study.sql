-- Study tracking: learners, plans, completed modules and check-ins.
-- Every row belongs to a scope (a Discord guild id, or the terminal's own scope) and a user id;
-- deleting a learner cascades to everything they own.

CREATE TABLE learners (
    scope         INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    timezone      TEXT,                       -- IANA name; NULL until set (the default applies)
    day_shift     INTEGER NOT NULL DEFAULT 0, -- see bot/study/streaks.py: study-day numbering
    created_at    TEXT NOT NULL,              -- UTC, ISO 8601
    remind_at     TEXT,                       -- 'HH:MM' local time; NULL: no reminder
    last_reminded TEXT,                       -- local date of the last reminder sent
    leaderboard   INTEGER NOT NULL DEFAULT 0 CHECK (leaderboard IN (0, 1)),
    PRIMARY KEY (scope, user_id)
) WITHOUT ROWID;

CREATE TABLE plans (
    id             INTEGER PRIMARY KEY,
    scope          INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    path_id        TEXT NOT NULL,
    path_title     TEXT NOT NULL,
    background     TEXT NOT NULL,
    hours_per_week REAL NOT NULL CHECK (hours_per_week > 0 AND hours_per_week <= 80),
    start_date     TEXT NOT NULL,
    finish_date    TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    UNIQUE (scope, user_id, path_id),
    FOREIGN KEY (scope, user_id) REFERENCES learners (scope, user_id) ON DELETE CASCADE
);

CREATE INDEX plans_learner_created ON plans (scope, user_id, created_at);

CREATE TABLE plan_modules (
    plan_id        INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    module_id      TEXT NOT NULL,
    title          TEXT NOT NULL,
    module_hours   REAL NOT NULL,             -- the whole module, for this background
    hours          REAL NOT NULL,             -- still to do when the plan was made
    logged_before  INTEGER NOT NULL DEFAULT 0,-- minutes already logged when the plan was made
    start_date     TEXT,                      -- NULL: finished before the plan was made
    end_date       TEXT,
    weekly_hours   REAL,
    PRIMARY KEY (plan_id, module_id)
) WITHOUT ROWID;

CREATE TABLE completions (
    scope        INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    path_id      TEXT NOT NULL,
    module_id    TEXT NOT NULL,
    completed_at TEXT NOT NULL,
    PRIMARY KEY (scope, user_id, path_id, module_id),
    FOREIGN KEY (scope, user_id) REFERENCES learners (scope, user_id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE checkins (
    id          INTEGER PRIMARY KEY,
    scope       INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    path_id     TEXT NOT NULL,
    module_id   TEXT NOT NULL,
    minutes     INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
    note        TEXT CHECK (note IS NULL OR length(note) <= 500),
    study_date  TEXT NOT NULL,                -- the learner's local date studied
    day         INTEGER NOT NULL,             -- continuous study-day number used for streaks
    timezone    TEXT NOT NULL,                -- the learner's timezone when it was entered
    entered_at  TEXT NOT NULL,                -- UTC, ISO 8601: the audit trail for back-dating
    entered_date TEXT NOT NULL,               -- local date when entered (> study_date: back-dated)
    request_key TEXT,                         -- idempotency key (Discord interaction id, CLI uuid)
    UNIQUE (scope, user_id, request_key),
    FOREIGN KEY (scope, user_id) REFERENCES learners (scope, user_id) ON DELETE CASCADE
);

-- One covering index holds every column the learner's own questions need (streak days, minutes
-- per day, per module, per date), so `progress` reads only that learner's index entries, in
-- order, however large the community.
CREATE INDEX checkins_learner ON checkins (
    scope, user_id, day, path_id, module_id, study_date, minutes
);
