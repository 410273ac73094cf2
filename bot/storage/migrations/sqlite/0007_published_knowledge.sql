-- The knowledge index published through the database (see bot/admin/published.py). With
-- SQLite one process serves everything, so these stay unused; the tables exist on both
-- backends to keep one schema version per release.

-- What the current generation holds (a digest of its documents): a process with folders that
-- starts with the same knowledge does not publish it again.
ALTER TABLE knowledge_generation ADD COLUMN fingerprint TEXT;

CREATE TABLE knowledge_files (
    generation INTEGER NOT NULL,
    name       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    digest     TEXT NOT NULL,
    parts      INTEGER NOT NULL,
    PRIMARY KEY (generation, name)
) WITHOUT ROWID;

CREATE TABLE knowledge_file_parts (
    generation INTEGER NOT NULL,
    name       TEXT NOT NULL,
    part       INTEGER NOT NULL,
    data       BLOB NOT NULL,
    PRIMARY KEY (generation, name, part)
) WITHOUT ROWID;

CREATE TABLE knowledge_reload_requests (
    id          TEXT PRIMARY KEY,
    asked_at    TEXT NOT NULL,
    claimed_by  TEXT,
    answered_at TEXT,
    report      TEXT
) WITHOUT ROWID;
