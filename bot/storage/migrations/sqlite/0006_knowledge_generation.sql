-- Which knowledge base every process serves (see bot/admin/service.py, KnowledgeSync).
-- With SQLite one process serves everything, so these stay unused; the tables exist on both
-- backends to keep one schema version per release.

CREATE TABLE knowledge_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL,
    changed_at TEXT
);

INSERT INTO knowledge_generation (id, generation) VALUES (1, 0);

CREATE TABLE knowledge_processes (
    process    TEXT PRIMARY KEY,
    generation INTEGER NOT NULL,
    seen_at    TEXT NOT NULL
) WITHOUT ROWID;
