-- Voice study rooms on PostgreSQL: the same tables as migrations/sqlite/0003_study_rooms.sql.

CREATE TABLE study_rooms (
    scope      BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    added_by   BIGINT NOT NULL,
    added_at   TEXT NOT NULL,
    PRIMARY KEY (scope, channel_id)
);

CREATE TABLE room_stays (
    scope          BIGINT NOT NULL,
    user_id        BIGINT NOT NULL,
    channel_id     BIGINT NOT NULL,
    entered_at     TEXT NOT NULL,
    counting_since TEXT,
    last_seen      TEXT NOT NULL,
    PRIMARY KEY (scope, user_id),
    FOREIGN KEY (scope, user_id) REFERENCES learners (scope, user_id) ON DELETE CASCADE
);

CREATE TABLE room_spans (
    scope      BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at   TEXT NOT NULL,
    PRIMARY KEY (scope, user_id, started_at),
    FOREIGN KEY (scope, user_id) REFERENCES room_stays (scope, user_id) ON DELETE CASCADE
);
