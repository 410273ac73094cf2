-- Which knowledge base every process serves (see bot/admin/service.py, KnowledgeSync): the
-- generation `/kb reload` bumps, and each live process's acknowledged generation and heartbeat.

CREATE TABLE knowledge_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL,
    changed_at TEXT
);

INSERT INTO knowledge_generation (id, generation) VALUES (1, 0);

CREATE TABLE knowledge_processes (
    process    TEXT PRIMARY KEY,
    generation BIGINT NOT NULL,
    seen_at    TEXT NOT NULL
);
