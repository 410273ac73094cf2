"""Repository for which knowledge base each process serves (migration 0006).

`knowledge_generation` holds one number, bumped by every successful `/kb reload`;
`knowledge_processes` holds, per running bot process, the generation it serves and when it last
said so (its heartbeat). Times are ISO 8601 UTC text, as everywhere in the schema.
"""

from __future__ import annotations

from datetime import datetime

from bot.storage.db import Database

# The advisory lock two reloads (and the catching-up reloads of other processes) take in turn.
KNOWLEDGE_LOCK = 0x57_61_79_70_06


class KnowledgeStateRepository:
    """SQL for the knowledge generation and the processes' acknowledgements."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def generation(self) -> int:
        """The current knowledge generation (0 before the first reload)."""
        value = await self.db.fetch_value(
            "SELECT generation FROM knowledge_generation WHERE id = 1"
        )
        return int(value or 0)

    async def bump(self, at: datetime) -> int:
        """Move to the next generation and return it (call inside a transaction)."""
        value = await self.db.fetch_value(
            "UPDATE knowledge_generation SET generation = generation + 1, changed_at = ?"
            " WHERE id = 1 RETURNING generation",
            (at.isoformat(),),
        )
        return int(value)

    async def acknowledge(self, process: str, generation: int, at: datetime) -> None:
        """Record that `process` serves `generation` and is alive at `at`."""
        await self.db.execute(
            "INSERT INTO knowledge_processes (process, generation, seen_at) VALUES (?, ?, ?)"
            " ON CONFLICT (process) DO UPDATE SET generation = excluded.generation,"
            " seen_at = excluded.seen_at",
            (process, generation, at.isoformat()),
        )

    async def forget(self, process: str) -> None:
        """Remove a process that stops (it no longer counts as running)."""
        await self.db.execute("DELETE FROM knowledge_processes WHERE process = ?", (process,))

    async def serving(self, generation: int, alive_since: datetime) -> tuple[int, int]:
        """(processes serving `generation` or newer, processes alive) among those heard from
        since `alive_since`; older rows are processes that died without saying so."""
        row = await self.db.fetch_one(
            "SELECT coalesce(sum(CASE WHEN generation >= ? THEN 1 ELSE 0 END), 0), count(*)"
            " FROM knowledge_processes WHERE seen_at >= ?",
            (generation, alive_since.isoformat()),
        )
        assert row is not None
        return int(row[0]), int(row[1])
