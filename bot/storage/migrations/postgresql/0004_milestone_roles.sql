-- Streak milestone roles on PostgreSQL (see migrations/sqlite/0004_milestone_roles.sql).

CREATE TABLE milestone_roles (
    guild_id   BIGINT NOT NULL,
    days       INTEGER NOT NULL CHECK (days BETWEEN 1 AND 3650),
    role_id    BIGINT NOT NULL,
    set_by     BIGINT NOT NULL,
    set_at     TEXT NOT NULL,
    PRIMARY KEY (guild_id, days)
);

CREATE TABLE milestone_grants (
    guild_id   BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    days       INTEGER NOT NULL,
    role_id    BIGINT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id, days)
);
