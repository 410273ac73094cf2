-- Questions asked to the bot, the sources shown with each answer, learners' votes on answers,
-- and the channels where a guild wants every message answered.

CREATE TABLE questions (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER,                      -- NULL: a direct message or the terminal
    channel_id  INTEGER,
    user_id     INTEGER NOT NULL,
    message_id  INTEGER UNIQUE,               -- the Discord message answered; NULL for /ask
    via         TEXT NOT NULL CHECK (via IN ('slash', 'mention', 'channel', 'cli')),
    question    TEXT NOT NULL,
    normalized  TEXT NOT NULL,                -- casefolded words: how /kb gaps groups repeats
    answered    INTEGER NOT NULL CHECK (answered IN (0, 1)),  -- 0: the bot abstained
    top_score   REAL,
    sources     TEXT NOT NULL DEFAULT '[]',   -- JSON list of the citations shown, in order
    asked_at    TEXT NOT NULL                 -- UTC, ISO 8601
);

CREATE INDEX questions_guild_asked ON questions (guild_id, asked_at);
CREATE INDEX questions_user ON questions (guild_id, user_id);

CREATE TABLE feedback (
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    helpful     INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    voted_at    TEXT NOT NULL,
    PRIMARY KEY (question_id, user_id)
) WITHOUT ROWID;

CREATE INDEX feedback_user ON feedback (user_id);

CREATE TABLE answer_channels (
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    added_by   INTEGER NOT NULL,
    added_at   TEXT NOT NULL,
    PRIMARY KEY (guild_id, channel_id)
) WITHOUT ROWID;
