-- Streak milestone roles: the role a guild gives at a streak length, and who was given which
-- (a role is granted once; losing the streak keeps it).

CREATE TABLE milestone_roles (
    guild_id   INTEGER NOT NULL,
    days       INTEGER NOT NULL CHECK (days BETWEEN 1 AND 3650),
    role_id    INTEGER NOT NULL,
    set_by     INTEGER NOT NULL,
    set_at     TEXT NOT NULL,                  -- UTC, ISO 8601
    PRIMARY KEY (guild_id, days)
) WITHOUT ROWID;

CREATE TABLE milestone_grants (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    days       INTEGER NOT NULL,
    role_id    INTEGER NOT NULL,
    granted_at TEXT NOT NULL,                  -- UTC, ISO 8601
    PRIMARY KEY (guild_id, user_id, days)
) WITHOUT ROWID;
