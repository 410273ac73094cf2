"""The persisted index: a self-describing folder per set of knowledge folders.

    <index_dir>/<name>-<hash>/CURRENT          name of the live generation
    <index_dir>/<name>-<hash>/g-<id>/manifest.json   format, model, dim, chunking, file hashes
    <index_dir>/<name>-<hash>/g-<id>/vectors.npy     row i is the vector of chunk i (FAISS id)
    <index_dir>/<name>-<hash>/g-<id>/chunks.json     chunk text, citation, module
    <index_dir>/cache/<embedder>.npz                 embeddings by content hash, for rebuilds

A generation is written completely, then CURRENT is replaced atomically, so a reader (or a
second process) never sees half an index; a crash mid-write leaves the previous one live.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.documents import Chunk, Citation

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
# mkstemp creates 0600 files; the bot and a moderator's CLI may run as different users.
_FILE_MODE = 0o644
Vectors = npt.NDArray[np.float32]
# Past this many vectors (~30 MB at 384 dims) the cache keeps only what the live index uses.
_CACHE_LIMIT = 20_000


def index_home(index_dir: Path, knowledge_dirs: Sequence[Path]) -> Path:
    """The folder holding the index of this exact list of knowledge folders."""
    joined = "\n".join(str(p) for p in knowledge_dirs)
    digest = hashlib.blake2b(joined.encode("utf-8"), digest_size=6).hexdigest()
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", knowledge_dirs[0].name if knowledge_dirs else "none")
    return index_dir / f"{name[:40]}-{digest}"


@dataclass(frozen=True)
class Persisted:
    """What a generation folder holds, read back."""

    manifest: dict[str, Any]
    chunks: list[Chunk]
    vectors: Vectors
    folder: Path


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _chunk_to_dict(c: Chunk) -> dict[str, Any]:
    return {
        "key": c.key,
        "folder": c.folder,
        "title": c.citation.title,
        "section": c.citation.section,
        "url": c.citation.url,
        "source": c.citation.source,
        "text": c.text,
        "embed_text": c.embed_text,
        "lexical_text": c.lexical_text,
        "line": c.line,
        "path_id": c.path_id,
        "module_id": c.module_id,
    }


def _chunk_from_dict(d: dict[str, Any]) -> Chunk:
    return Chunk(
        key=d["key"],
        folder=d["folder"],
        citation=Citation(d["title"], d["section"], d["url"], d["source"]),
        text=d["text"],
        embed_text=d["embed_text"],
        lexical_text=d["lexical_text"],
        line=d["line"],
        path_id=d["path_id"],
        module_id=d["module_id"],
    )


def save(home: Path, manifest: dict[str, Any], chunks: Sequence[Chunk], vectors: Vectors) -> Path:
    """Write a new generation and make it current; older generations are removed."""
    home.mkdir(parents=True, exist_ok=True)
    generation = home / f"g-{uuid.uuid4().hex[:12]}"
    generation.mkdir()
    try:
        with open(generation / "vectors.npy", "wb") as f:
            np.save(f, np.ascontiguousarray(vectors, dtype=np.float32))
        data = json.dumps([_chunk_to_dict(c) for c in chunks], ensure_ascii=False)
        (generation / "chunks.json").write_text(data, encoding="utf-8")
        # The manifest goes last: a generation without one is incomplete and ignored.
        text = json.dumps({"format": FORMAT_VERSION, **manifest}, indent=1, ensure_ascii=False)
        (generation / "manifest.json").write_text(text, encoding="utf-8")
        _atomic_write(home / "CURRENT", generation.name.encode())
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    for old in home.glob("g-*"):
        if old.name != generation.name:
            shutil.rmtree(old, ignore_errors=True)
    return generation


def read_manifest(home: Path) -> dict[str, Any] | None:
    """The current generation's manifest, or None when there is no usable index."""
    try:
        name = (home / "CURRENT").read_text().strip()
        data = json.loads((home / name / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        return None
    data["_generation"] = name
    return data


def load(home: Path, manifest: dict[str, Any]) -> Persisted | None:
    """Read the generation a manifest came from; None (and a log line) when it is damaged."""
    folder = home / str(manifest["_generation"])
    try:
        vectors = np.load(folder / "vectors.npy", mmap_mode=None, allow_pickle=False)
        raw = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
        chunks = [_chunk_from_dict(d) for d in raw]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("persisted index in %s is unreadable (%s); rebuilding", folder, exc)
        return None
    if vectors.shape != (len(chunks), manifest.get("dim")) or vectors.dtype != np.float32:
        log.warning("persisted index in %s does not match its manifest; rebuilding", folder)
        return None
    return Persisted(manifest, chunks, vectors, folder)


class EmbeddingCache:
    """Vectors by chunk content hash for one embedder, persisted next to the indexes.

    A rebuild (new chunking, a second set of folders, a deleted index) re-embeds only text the
    model has never seen. Entries unused by the last saves are pruned past a size limit.
    """

    def __init__(self, path: Path, dim: int) -> None:
        self.path = path
        self.dim = dim
        self._vectors: dict[str, Vectors] = {}
        self._dirty = False
        try:
            with np.load(path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
            if vectors.ndim == 2 and vectors.shape[1] == dim:
                self._vectors = {str(k): v for k, v in zip(keys, vectors, strict=True)}
        except (OSError, ValueError, KeyError):
            pass

    @classmethod
    def for_embedder(cls, index_dir: Path, embedder_name: str, dim: int) -> EmbeddingCache:
        """The cache file of one embedder (name includes backend and model)."""
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", embedder_name)[:60]
        digest = hashlib.blake2b(embedder_name.encode(), digest_size=4).hexdigest()
        return cls(index_dir / "cache" / f"{slug}-{digest}.npz", dim)

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, key: str) -> Vectors | None:
        """The cached vector for a chunk key."""
        return self._vectors.get(key)

    def put_many(self, keys: Iterable[str], vectors: Vectors) -> None:
        """Remember vectors (rows in the order of keys)."""
        for key, vector in zip(keys, vectors, strict=True):
            self._vectors[key] = vector
            self._dirty = True

    def save(self, keep: set[str] | None = None) -> None:
        """Persist; past the size limit, keep only `keep` (the keys the live index uses)."""
        if len(self._vectors) > _CACHE_LIMIT and keep is not None:
            self._vectors = {k: v for k, v in self._vectors.items() if k in keep}
            self._dirty = True
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._vectors), dtype=str)
        vectors = (
            np.stack(list(self._vectors.values())).astype(np.float32)
            if self._vectors
            else np.zeros((0, self.dim), np.float32)
        )
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".cache.", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, keys=keys, vectors=vectors)
            os.chmod(tmp, _FILE_MODE)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._dirty = False
