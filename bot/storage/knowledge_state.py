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

    async def fingerprint(self) -> str | None:
        """What the current generation holds, as its publisher recorded (None: unknown)."""
        value = await self.db.fetch_value(
            "SELECT fingerprint FROM knowledge_generation WHERE id = 1"
        )
        return None if value is None else str(value)

    async def set_fingerprint(self, fingerprint: str) -> None:
        """Record what the current generation holds (call in the publishing transaction)."""
        await self.db.execute(
            "UPDATE knowledge_generation SET fingerprint = ? WHERE id = 1", (fingerprint,)
        )

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


class ReloadRequestsRepository:
    """SQL for `/kb reload` asked in a process without knowledge folders (migration 0007):
    the asking process adds a request, one process with folders claims it and answers."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def ask(self, request: str, at: datetime) -> None:
        """Add an unclaimed request."""
        await self.db.execute(
            "INSERT INTO knowledge_reload_requests (id, asked_at) VALUES (?, ?)",
            (request, at.isoformat()),
        )

    async def open_requests(self, asked_since: datetime) -> list[str]:
        """Unclaimed requests asked since `asked_since` (older ones were given up on)."""
        rows = await self.db.fetch_all(
            "SELECT id FROM knowledge_reload_requests WHERE claimed_by IS NULL AND asked_at >= ?"
            " ORDER BY asked_at",
            (asked_since.isoformat(),),
        )
        return [str(r[0]) for r in rows]

    async def claim(self, request: str, process: str) -> bool:
        """Claim a request for `process`; False when another process (or nobody) has it."""
        claimed = await self.db.fetch_value(
            "UPDATE knowledge_reload_requests SET claimed_by = ?"
            " WHERE id = ? AND claimed_by IS NULL RETURNING id",
            (process, request),
        )
        return claimed is not None

    async def answer(self, request: str, report: str, at: datetime) -> None:
        """Store the claimed request's answer (JSON)."""
        await self.db.execute(
            "UPDATE knowledge_reload_requests SET report = ?, answered_at = ? WHERE id = ?",
            (report, at.isoformat(), request),
        )

    async def state(self, request: str) -> tuple[str | None, str | None]:
        """(who claimed it, its answer), each None while there is none."""
        row = await self.db.fetch_one(
            "SELECT claimed_by, report FROM knowledge_reload_requests WHERE id = ?", (request,)
        )
        if row is None:
            return None, None
        return (None if row[0] is None else str(row[0])), (None if row[1] is None else str(row[1]))

    async def forget(self, request: str) -> None:
        """Remove a request (answered and read, or given up)."""
        await self.db.execute("DELETE FROM knowledge_reload_requests WHERE id = ?", (request,))

    async def forget_before(self, at: datetime) -> None:
        """Remove requests asked before `at` (their asker is long gone)."""
        await self.db.execute(
            "DELETE FROM knowledge_reload_requests WHERE asked_at < ?", (at.isoformat(),)
        )
