"""Repository for the knowledge index published through the database (migration 0007).

A generation's files are opaque named byte strings (`index/...`, `catalog/...`): each is stored
as parts of at most `PART_BYTES` (so a 40 MB index never needs one 40 MB buffer, on either side)
with its size and SHA-256 digest, which the download checks before the file is used.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from bot.errors import StorageError
from bot.storage.db import Database

PART_BYTES = 1 << 20
# Generations whose files are kept: the current one and the one before (a process still
# downloading the previous generation when a reload lands can finish).
KEEP_GENERATIONS = 2


class PublishedDamaged(StorageError):
    """A published file is missing a part, has the wrong size or digest, or an unsafe name."""


@dataclass(frozen=True)
class PublishedFile:
    """One file of a published generation."""

    name: str
    size: int
    digest: str
    parts: int


def safe_name(name: str) -> PurePosixPath:
    """`name` as a relative path that stays inside the download folder, or PublishedDamaged."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        raise PublishedDamaged(f"published file name {name[:80]!r} is not a plain relative path")
    return path


class KnowledgeFilesRepository:
    """SQL for the files of published knowledge generations."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def files(self, generation: int) -> list[PublishedFile]:
        """The files published for `generation` (empty when none were)."""
        rows = await self.db.fetch_all(
            "SELECT name, size, digest, parts FROM knowledge_files WHERE generation = ?"
            " ORDER BY name",
            (generation,),
        )
        return [PublishedFile(str(r[0]), int(r[1]), str(r[2]), int(r[3])) for r in rows]

    async def discard_after(self, generation: int) -> None:
        """Remove files staged for generations after `generation` (a publisher that died
        before its bump left them; nobody reads them)."""
        await self.db.execute(
            "DELETE FROM knowledge_file_parts WHERE generation > ?", (generation,)
        )
        await self.db.execute("DELETE FROM knowledge_files WHERE generation > ?", (generation,))

    async def keep_last(self, generation: int) -> None:
        """Drop every generation older than the last `KEEP_GENERATIONS` up to `generation`."""
        oldest = generation - KEEP_GENERATIONS + 1
        await self.db.execute("DELETE FROM knowledge_file_parts WHERE generation < ?", (oldest,))
        await self.db.execute("DELETE FROM knowledge_files WHERE generation < ?", (oldest,))

    async def has_files(self, generation: int) -> bool:
        """Whether anything is published for `generation`."""
        found = await self.db.fetch_value(
            "SELECT count(*) FROM knowledge_files WHERE generation = ?", (generation,)
        )
        return bool(found)

    async def discard_parts(self, generation: int) -> None:
        """Remove the parts of `generation` (staged by a publisher that died before listing
        them: a generation without listed files is never read)."""
        await self.db.execute(
            "DELETE FROM knowledge_file_parts WHERE generation = ?", (generation,)
        )

    async def stage(
        self, generation: int, files: Iterable[tuple[str, Path]]
    ) -> list[PublishedFile]:
        """Store the parts of `files` (published name, local path) for `generation`, one part
        per statement; returns what `record` lists. Nothing is visible until then."""
        staged: list[PublishedFile] = []
        for name, path in files:
            safe_name(name)
            digest = hashlib.sha256()
            size = parts = 0
            with await asyncio.to_thread(path.open, "rb") as f:
                while True:
                    data = await asyncio.to_thread(f.read, PART_BYTES)
                    if not data and parts:
                        break
                    digest.update(data)
                    await self.db.execute(
                        "INSERT INTO knowledge_file_parts (generation, name, part, data)"
                        " VALUES (?, ?, ?, ?)",
                        (generation, name, parts, data),
                    )
                    size += len(data)
                    parts += 1
                    if not data:  # an empty file is one empty part
                        break
            staged.append(PublishedFile(name, size, digest.hexdigest(), parts))
        return staged

    async def record(self, generation: int, files: Iterable[PublishedFile]) -> None:
        """List the staged files of `generation` (call in the transaction that makes it
        current: readers see all of its files or none)."""
        await self.db.executemany(
            "INSERT INTO knowledge_files (generation, name, size, digest, parts)"
            " VALUES (?, ?, ?, ?, ?)",
            [(generation, f.name, f.size, f.digest, f.parts) for f in files],
        )

    async def download(self, generation: int, folder: Path) -> list[PublishedFile]:
        """Write every file of `generation` under `folder` (created), checking each one's size
        and digest; PublishedDamaged when one does not match or nothing is published."""
        files = await self.files(generation)
        if not files:
            raise PublishedDamaged(f"no knowledge index is published for generation {generation}")
        for published in files:
            target = folder.joinpath(*safe_name(published.name).parts)
            await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
            with await asyncio.to_thread(target.open, "wb") as out:
                await self._write_parts(generation, published, out)
        return files

    async def _write_parts(self, generation: int, published: PublishedFile, out: BinaryIO) -> None:
        digest = hashlib.sha256()
        size = 0
        for part in range(published.parts):
            data = await self.db.fetch_value(
                "SELECT data FROM knowledge_file_parts WHERE generation = ? AND name = ?"
                " AND part = ?",
                (generation, published.name, part),
            )
            if data is None:
                raise PublishedDamaged(f"published file {published.name} lacks part {part}")
            data = bytes(data)
            digest.update(data)
            size += len(data)
            await asyncio.to_thread(out.write, data)
        if size != published.size or digest.hexdigest() != published.digest:
            raise PublishedDamaged(
                f"published file {published.name} does not match its digest (corrupt download)"
            )
