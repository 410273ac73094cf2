-- Voice study rooms: the voice channels moderators marked, each member's open stay in them and
-- the counted spans of that stay (a span pauses while the member sits deafened and alone).
-- A stay is stored when it begins, so a restart continues it instead of losing it.

CREATE TABLE study_rooms (
    scope      INTEGER NOT NULL,              -- the Discord guild id
    channel_id INTEGER NOT NULL,              -- a voice channel
    added_by   INTEGER NOT NULL,
    added_at   TEXT NOT NULL,                 -- UTC, ISO 8601
    PRIMARY KEY (scope, channel_id)
) WITHOUT ROWID;

CREATE TABLE room_stays (
    scope          INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    channel_id     INTEGER NOT NULL,          -- the study room the member is in now
    entered_at     TEXT NOT NULL,             -- UTC: when the stay began (names its check-ins)
    counting_since TEXT,                      -- UTC start of the running span; NULL: paused
    last_seen      TEXT NOT NULL,             -- UTC: the last time the bot knew them there
    PRIMARY KEY (scope, user_id),
    FOREIGN KEY (scope, user_id) REFERENCES learners (scope, user_id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE room_spans (
    scope      INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    started_at TEXT NOT NULL,                 -- UTC
    ended_at   TEXT NOT NULL,                 -- UTC
    PRIMARY KEY (scope, user_id, started_at),
    FOREIGN KEY (scope, user_id) REFERENCES room_stays (scope, user_id) ON DELETE CASCADE
) WITHOUT ROWID;
