"""The knowledge index published through PostgreSQL, for processes without knowledge folders.

A process with folders builds, then hands its saved index (and catalog YAML) to the database as
opaque files (`stage_index`); a process in reader mode (`WAYPOINT_KNOWLEDGE_SOURCE=database`)
downloads a generation into its data directory (`Downloads`) and serves it from there. A reload
report crosses between processes as JSON (`report_to_json` / `report_from_json`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.storage.db import Database
from bot.storage.knowledge_files import KnowledgeFilesRepository, PublishedFile
from index.documents import ReloadReport
from index.problems import Problem

if TYPE_CHECKING:
    from index.search import KnowledgeBase

log = logging.getLogger(__name__)

# A download folder nobody touched for this long belongs to a process that died (a serving
# process touches its folder on every poll).
STALE_SECONDS = 3600.0


async def stage_index(
    db: Database, knowledge: KnowledgeBase, generation: int
) -> list[PublishedFile]:
    """Store the files of `knowledge`'s saved index and catalog for `generation` (not yet
    listed: see `KnowledgeFilesRepository.record`)."""
    from index.saved import published_files

    config = knowledge.config
    files = await asyncio.to_thread(published_files, config.home, config.knowledge_dirs)
    return await KnowledgeFilesRepository(db).stage(generation, files)


class Downloads:
    """Generations downloaded into `root`, one folder each (`g<generation>-<random>`, so two
    processes sharing a data directory never write into each other's folder)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._mine: dict[int, Path] = {}

    async def fetch(self, db: Database, generation: int) -> Path:
        """Download `generation` completely and checked, then return its folder; on any error
        the partial download is removed and the error raised."""
        await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)
        partial = self.root / f".partial-{uuid.uuid4().hex[:8]}"
        try:
            await KnowledgeFilesRepository(db).download(generation, partial)
            folder = self.root / f"g{generation}-{uuid.uuid4().hex[:8]}"
            await asyncio.to_thread(os.replace, partial, folder)
        except BaseException:
            await asyncio.to_thread(shutil.rmtree, partial, True)
            raise
        self._mine[generation] = folder
        return folder

    async def keep(self, generations: set[int]) -> None:
        """Delete this process's folders of other generations, and folders left by processes
        that died (untouched for an hour); touch the kept ones (they are in use)."""

        def sweep() -> None:
            for generation, folder in list(self._mine.items()):
                if generation in generations:
                    os.utime(folder)
                else:
                    shutil.rmtree(folder, ignore_errors=True)
                    del self._mine[generation]
            ours = set(self._mine.values())
            now = time.time()
            for folder in self.root.iterdir() if self.root.is_dir() else ():
                try:
                    stale = now - folder.stat().st_mtime > STALE_SECONDS
                except OSError:
                    continue
                if folder not in ours and stale:
                    shutil.rmtree(folder, ignore_errors=True)

        await asyncio.to_thread(sweep)

    def folder(self, generation: int) -> Path | None:
        """The folder this process downloaded `generation` into, if it did."""
        return self._mine.get(generation)


def _problems(problems: tuple[Problem, ...]) -> list[list[Any]]:
    return [[str(p.file), p.line, p.message, p.fatal] for p in problems]


def report_to_json(report: ReloadReport, generation: int, switched: tuple[int, int] | None) -> str:
    """A reload's report, the generation it published and who switched, as JSON."""
    return json.dumps(
        {
            "ok": report.ok,
            "documents": [
                report.documents_added,
                report.documents_changed,
                report.documents_removed,
            ],
            "chunks": [report.chunks_added, report.chunks_changed, report.chunks_removed],
            "warnings": _problems(report.warnings),
            "errors": _problems(report.errors),
            "seconds": report.seconds,
            "generation": generation,
            "switched": list(switched) if switched is not None else None,
        }
    )


def report_from_json(text: str) -> tuple[ReloadReport, int, tuple[int, int] | None]:
    """The inverse of `report_to_json`."""
    data = json.loads(text)

    def problems(rows: list[list[Any]]) -> tuple[Problem, ...]:
        return tuple(Problem(Path(f), line, message, fatal) for f, line, message, fatal in rows)

    added, changed, removed = data["documents"]
    c_added, c_changed, c_removed = data["chunks"]
    report = ReloadReport(
        bool(data["ok"]),
        documents_added=added,
        documents_changed=changed,
        documents_removed=removed,
        chunks_added=c_added,
        chunks_changed=c_changed,
        chunks_removed=c_removed,
        warnings=problems(data["warnings"]),
        errors=problems(data["errors"]),
        seconds=float(data["seconds"]),
    )
    switched = data["switched"]
    done = (int(switched[0]), int(switched[1])) if switched else None
    return report, int(data["generation"]), done
