-- Questions, votes and answer channels on PostgreSQL (see migrations/sqlite/0002_questions.sql).

CREATE TABLE questions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id    BIGINT,
    channel_id  BIGINT,
    user_id     BIGINT NOT NULL,
    message_id  BIGINT UNIQUE,
    via         TEXT NOT NULL CHECK (via IN ('slash', 'mention', 'channel', 'cli')),
    question    TEXT NOT NULL,
    normalized  TEXT NOT NULL,
    answered    INTEGER NOT NULL CHECK (answered IN (0, 1)),
    top_score   DOUBLE PRECISION,
    sources     TEXT NOT NULL DEFAULT '[]',
    asked_at    TEXT NOT NULL
);

CREATE INDEX questions_guild_asked ON questions (guild_id, asked_at);
CREATE INDEX questions_user ON questions (guild_id, user_id);

CREATE TABLE feedback (
    question_id BIGINT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL,
    helpful     INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    voted_at    TEXT NOT NULL,
    PRIMARY KEY (question_id, user_id)
);

CREATE INDEX feedback_user ON feedback (user_id);

CREATE TABLE answer_channels (
    guild_id   BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    added_by   BIGINT NOT NULL,
    added_at   TEXT NOT NULL,
    PRIMARY KEY (guild_id, channel_id)
);
