"""Serving a saved index folder without the knowledge folders it was built from.

A process that serves what another process built (published through a shared database) has a
copy of the builder's saved index and of its catalog files, not the folders:

    <folder>/index/...        the builder's index home, file for file (see index.store)
    <folder>/catalog/<n>/...  the `paths/` and `resources/` YAML of the builder's n-th folder

`published_files` lists what a builder hands over; `open_saved` opens such a folder;
`SavedKnowledgeBase` answers from one and swaps in the next one atomically.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from index.build import Builder
from index.calibration import for_snapshot
from index.catalog import load_catalog
from index.documents import ReloadReport
from index.files import CATALOG_DIRS, scan
from index.manifest import read_manifest
from index.problems import Problem
from index.search import IndexConfig, KnowledgeBase, Progress, open_embedder
from index.snapshot import Snapshot

INDEX_DIR = "index"
CATALOG_DIR = "catalog"


class SavedIndexError(Exception):
    """A saved index folder that cannot be served (the message says why, in one sentence)."""


def published_files(home: Path, folders: Sequence[Path]) -> list[tuple[str, Path]]:
    """(name, path) of every file another process needs to serve this index without the
    folders: the files of the index home (opaque, whatever the store saves) and the catalog
    YAML of each folder. Hidden files (temporary files of a save) are left out."""
    out: list[tuple[str, Path]] = []
    for path in sorted(home.rglob("*")):
        relative = path.relative_to(home)
        if path.is_file() and not any(p.startswith(".") for p in relative.parts):
            out.append((f"{INDEX_DIR}/{relative.as_posix()}", path))
    for n, folder in enumerate(folders):
        listing = scan(folder)
        for sub in CATALOG_DIRS:
            for path in listing.yaml_files(sub):
                out.append((f"{CATALOG_DIR}/{n}/{path.relative_to(folder).as_posix()}", path))
    return out


def open_saved(folder: Path, config: IndexConfig) -> Snapshot:
    """The snapshot saved in `folder` (laid out as the module docstring says), checked like any
    saved index; SavedIndexError when it is missing, damaged or built with another model."""
    home = folder / INDEX_DIR
    manifest = read_manifest(home)
    if manifest is None:
        raise SavedIndexError(f"{home} holds no readable saved index")
    embedder = open_embedder(config)
    builder = Builder(
        [Path(d) for d in manifest.knowledge_dirs],
        home,
        config.index_dir,
        embedder,
        config.model_name,
    )
    if not builder.matches(manifest):
        raise SavedIndexError(
            f"the saved index was built with model {manifest.model!r} ({manifest.embedder}), "
            f"this process uses {config.model_name!r} ({embedder.name}): set the same "
            "WAYPOINT_MODEL and WAYPOINT_EMBEDDING_BACKEND in every process"
        )
    snapshot = builder.open_persisted()
    if snapshot is None:
        raise SavedIndexError(f"the saved index in {home} is damaged")
    catalogs = folder / CATALOG_DIR
    numbered = [p for p in catalogs.iterdir() if p.is_dir()] if catalogs.is_dir() else []
    numbered.sort(key=lambda p: int(p.name) if p.name.isdigit() else -1)
    # The builder's folders may not exist here: the catalog comes from the copied YAML.
    return replace(snapshot, catalog=load_catalog(numbered))


class SavedKnowledgeBase(KnowledgeBase):
    """A knowledge base answering from saved index folders instead of knowledge folders.

    `switch_to` opens another saved folder beside the live snapshot and swaps the reference
    (questions meanwhile are answered by the previous one); `reload` has no folders to read.
    """

    @classmethod
    async def open_folder(cls, config: IndexConfig, folder: Path) -> SavedKnowledgeBase:
        """Open the saved index in `folder`; SavedIndexError when it cannot be served."""
        embedder = await asyncio.to_thread(open_embedder, config)
        snapshot = await asyncio.to_thread(open_saved, folder, config)
        # A builder without folders: `reload` is overridden, so it never builds.
        builder = Builder((), config.home, config.index_dir, embedder, config.model_name)
        kb = cls(config, embedder, builder, snapshot)
        await asyncio.to_thread(_calibrate, kb, snapshot, folder, None)
        return kb

    async def switch_to(self, folder: Path) -> ReloadReport:
        """Serve the saved index in `folder` from now on; on SavedIndexError (or any failure
        to read it) the previous index keeps answering."""
        self._check_open()
        async with self._reload_lock:
            started = time.perf_counter()
            previous = self._snapshot
            snapshot = await asyncio.to_thread(open_saved, folder, self.config)
            # Calibrated before the swap (from the builder's saved scale): no question waits.
            await asyncio.to_thread(_calibrate, self, snapshot, folder, previous)
            self._snapshot = snapshot
            report = _difference(previous, snapshot, time.perf_counter() - started)
            self._last_reload = report
            self._last_reload_at = datetime.now(UTC)
            return report

    async def reload(self, *, progress: Progress | None = None) -> ReloadReport:
        """Nothing to re-read here: says so (the process that built the index reloads it)."""
        message = "this process has no knowledge folders: it serves an index built elsewhere"
        return ReloadReport(False, errors=(Problem(self.config.home, None, message),))


def _calibrate(
    kb: KnowledgeBase, snapshot: Snapshot, folder: Path, previous: Snapshot | None
) -> None:
    # The scale the builder measured is saved in its home: read from there, not re-measured.
    for_snapshot(snapshot, kb.embedder, kb.ranking, folder / INDEX_DIR, previous)


def _difference(old: Snapshot, new: Snapshot, seconds: float) -> ReloadReport:
    """What changed between two snapshots, by document digest and passage key."""
    before, after = old.documents, new.documents
    changed = sum(1 for d in after.keys() & before.keys() if after[d] != before[d])
    old_rows, new_rows = set(old.rows), set(new.rows)
    return ReloadReport(
        True,
        documents_added=len(after.keys() - before.keys()),
        documents_changed=changed,
        documents_removed=len(before.keys() - after.keys()),
        chunks_added=len(new_rows - old_rows),
        chunks_removed=len(old_rows - new_rows),
        seconds=seconds,
    )
