-- The knowledge index published through the database (see bot/admin/published.py), so that a
-- process without knowledge folders can serve it: the files of the saved index of a generation,
-- each split into parts of at most 1 MB (no huge allocation for a large index) with a digest
-- checked on download. Only the last two generations are kept.

-- What the current generation holds (a digest of its documents): a process with folders that
-- starts with the same knowledge does not publish it again.
ALTER TABLE knowledge_generation ADD COLUMN fingerprint TEXT;

CREATE TABLE knowledge_files (
    generation BIGINT NOT NULL,
    name       TEXT NOT NULL,
    size       BIGINT NOT NULL,
    digest     TEXT NOT NULL,
    parts      INTEGER NOT NULL,
    PRIMARY KEY (generation, name)
);

CREATE TABLE knowledge_file_parts (
    generation BIGINT NOT NULL,
    name       TEXT NOT NULL,
    part       INTEGER NOT NULL,
    data       BYTEA NOT NULL,
    PRIMARY KEY (generation, name, part)
);

-- `/kb reload` asked in a process without folders: a process with folders claims the request,
-- reloads and publishes, and stores its report (JSON) for the asking process to show.
CREATE TABLE knowledge_reload_requests (
    id          TEXT PRIMARY KEY,
    asked_at    TEXT NOT NULL,
    claimed_by  TEXT,
    answered_at TEXT,
    report      TEXT
);
