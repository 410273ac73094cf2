-- Study tracking on PostgreSQL: the same tables as migrations/sqlite/0001_study.sql.
-- Discord snowflakes are BIGINT (they overflow 32-bit integers); row ids are identity columns;
-- hours are DOUBLE PRECISION (REAL is 4 bytes here); dates stay ISO 8601 text, as on SQLite,
-- so every statement compares and orders them the same way on both.

CREATE TABLE learners (
    scope         BIGINT NOT NULL,
    user_id       BIGINT NOT NULL,
    timezone      TEXT,
    day_shift     INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    remind_at     TEXT,
    last_reminded TEXT,
    leaderboard   INTEGER NOT NULL DEFAULT 0 CHECK (leaderboard IN (0, 1)),
    PRIMARY KEY (scope, user_id)
);

CREATE TABLE plans (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope          BIGINT NOT NULL,
    user_id        BIGINT NOT NULL,
    path_id        TEXT NOT NULL,
    path_title     TEXT NOT NULL,
    background     TEXT NOT NULL,
    hours_per_week DOUBLE PRECISION NOT NULL CHECK (hours_per_week > 0 AND hours_per_week <= 80),
    start_date     TEXT NOT NULL,
    finish_date    TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    UNIQUE (scope, user_id, path_id),
    FOREIGN KEY (scope, user_id) REFERENCES learners (scope, user_id) ON DELETE CASCADE
);

CREATE INDEX plans_learner_created ON plans (scope, user_id, created_at);

CREATE TABLE plan_modules (
    plan_id        BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    module_id      TEXT NOT NULL,
    title          TEXT NOT NULL,
    module_hours   DOUBLE PRECISION NOT NULL,
    hours          DOUBLE PRECISION NOT NULL,
    logged_before  INTEGER NOT NULL DEFAULT 0,
    start_date     TEXT,
    end_date       TEXT,
    weekly_hours   DOUBLE PRECISION,
    PRIMARY KEY (plan_id, module_id)
);

CREATE TABLE completions (
    scope        BIGINT NOT NULL,
    user_id      BIGINT NOT NULL,
    path_id      TEXT NOT NULL,
    module_id    TEXT NOT NULL,
    completed_at TEXT NOT NULL,
    PRIMARY KEY (scope, user_id, path_id, module_id),
    FOREIGN KEY (scope, user_id) REFERENCES learners (scope, user_id) ON DELETE CASCADE
);

CREATE TABLE checkins (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope        BIGINT NOT NULL,
    user_id      BIGINT NOT NULL,
    path_id      TEXT NOT NULL,
    module_id    TEXT NOT NULL,
    minutes      INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
    note         TEXT CHECK (note IS NULL OR length(note) <= 500),
    study_date   TEXT NOT NULL,
    day          INTEGER NOT NULL,
    timezone     TEXT NOT NULL,
    entered_at   TEXT NOT NULL,
    entered_date TEXT NOT NULL,
    request_key  TEXT,
    UNIQUE (scope, user_id, request_key),
    FOREIGN KEY (scope, user_id) REFERENCES learners (scope, user_id) ON DELETE CASCADE
);

-- The covering index of the SQLite schema; INCLUDE keeps the key short.
CREATE INDEX checkins_learner ON checkins (scope, user_id, day)
    INCLUDE (path_id, module_id, study_date, minutes);
