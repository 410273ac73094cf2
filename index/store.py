"""The persisted index: a self-describing folder per set of knowledge folders.

    <index_dir>/<name>-<hash>/CURRENT          name of the live generation
    <index_dir>/<name>-<hash>/g-<id>/manifest.json   see index.manifest: identity, files, checksums
    <index_dir>/<name>-<hash>/g-<id>/vectors.npy     row i is the vector of chunk i (FAISS id)
    <index_dir>/<name>-<hash>/g-<id>/chunks.*        chunk text, citation, module, by column
    <index_dir>/<name>-<hash>/g-<id>/tokens.npy      word pieces of each chunk
    <index_dir>/<name>-<hash>/g-<id>/lexical/        BM25 (bm25s) and the term counts
    <index_dir>/cache/<embedder>.npz                 embeddings by content hash, for rebuilds

A generation is written completely, then CURRENT is replaced atomically, so a reader (or a
second process) never sees half an index; a crash mid-write leaves the previous one live.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from index.arrays import save_array
from index.chunk_file import FILES as CHUNK_FILES
from index.chunk_file import EncodedChunks, encode_chunks, read_chunks, write_chunks
from index.documents import Chunk
from index.embedding_api import Vectors
from index.lexical import FILES as LEXICAL_FILES
from index.lexical import LexicalIndex
from index.manifest import Manifest, write_manifest

log = logging.getLogger(__name__)

VECTORS_FILE = "vectors.npy"
TOKENS_FILE = "tokens.npy"
DATA_FILES = (VECTORS_FILE, *CHUNK_FILES, TOKENS_FILE)
LEXICAL_DIR = "lexical"
# mkstemp creates 0600 files; the bot and a moderator's CLI may run as different users.
_FILE_MODE = 0o644
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
    """What a generation folder holds, read back and checked against its manifest."""

    manifest: Manifest
    chunks: list[Chunk]
    encoded: EncodedChunks  # the chunks as saved, for the next save to copy from
    vectors: Vectors  # memory-mapped, read-only
    tokens: list[int]  # word pieces of each chunk
    lexical: LexicalIndex
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


def row_blocks(vectors: Vectors, rows: int) -> Iterator[Vectors]:
    """`vectors` in blocks of `rows` rows, contiguous float32; a memory-mapped saved array is
    read from its file instead, so its pages never count in the RSS."""
    n, dim = vectors.shape
    if isinstance(vectors, np.memmap) and vectors.filename is not None:
        with open(vectors.filename, "rb") as f:
            f.seek(vectors.offset)
            for start in range(0, n, rows):
                count = min(rows, n - start) * dim
                yield np.fromfile(f, dtype=np.float32, count=count).reshape(-1, dim)
        return
    for start in range(0, n, rows):
        yield np.ascontiguousarray(vectors[start : start + rows], dtype=np.float32)


def save(
    home: Path,
    manifest: Manifest,
    chunks: Sequence[Chunk],
    vectors: Vectors,
    lexical: LexicalIndex,
    tokens: Sequence[int],
    encoded: EncodedChunks | None = None,
) -> Manifest:
    """Write a new generation and make it current; older generations are removed.

    Returns the manifest as written, with the checksums of the generation's files.
    """
    home.mkdir(parents=True, exist_ok=True)
    generation = home / f"g-{uuid.uuid4().hex[:12]}"
    generation.mkdir()
    try:
        known = {
            VECTORS_FILE: save_array(
                generation / VECTORS_FILE, np.ascontiguousarray(vectors, dtype=np.float32)
            ),
            **write_chunks(generation, encoded if encoded is not None else encode_chunks(chunks)),
            TOKENS_FILE: save_array(generation / TOKENS_FILE, np.asarray(tokens, dtype=np.int32)),
        }
        lexical.save(generation / LEXICAL_DIR)
        names = [*DATA_FILES, *(f"{LEXICAL_DIR}/{n}" for n in LEXICAL_FILES)]
        written = replace(manifest, generation=generation.name).with_checksums(
            generation, names, known
        )
        # The manifest goes last: a generation without one is incomplete and ignored.
        write_manifest(generation, written)
        _atomic_write(home / "CURRENT", generation.name.encode())
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    for old in home.glob("g-*"):
        if old.name != generation.name:
            shutil.rmtree(old, ignore_errors=True)
    return written


def load(home: Path, manifest: Manifest) -> Persisted | None:
    """Read the generation a manifest came from; None (and one log line) when it is damaged.

    Every data file is checked against the manifest's checksum first: a vector overwritten with
    NaN, rows shuffled, a truncated file all mean "rebuild", never a wrong answer.
    """
    folder = home / manifest.generation
    problem = manifest.damaged(folder)
    if problem is not None:
        log.warning("persisted index in %s is damaged (%s); rebuilding", folder, problem)
        return None
    try:
        vectors = np.load(folder / VECTORS_FILE, mmap_mode="r", allow_pickle=False)
        chunks, encoded = read_chunks(folder)
        tokens = np.load(folder / TOKENS_FILE, allow_pickle=False).tolist()
        lexical = LexicalIndex.load(folder / LEXICAL_DIR)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("persisted index in %s is unreadable (%s); rebuilding", folder, exc)
        return None
    if (
        vectors.shape != (len(chunks), manifest.dim)
        or vectors.dtype != np.float32
        or len(lexical) != len(chunks)
        or len(tokens) != len(chunks)
    ):
        log.warning("persisted index in %s does not match its manifest; rebuilding", folder)
        return None
    return Persisted(manifest, chunks, encoded, vectors, tokens, lexical, folder)


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
        if not path.exists():
            return
        try:
            with np.load(path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
            if vectors.ndim != 2 or vectors.shape[1] != dim or len(keys) != len(vectors):
                raise ValueError(f"shape {vectors.shape} for {len(keys)} keys")
            finite = np.isfinite(vectors).all(axis=1)
            self._vectors = {
                str(k): v for k, v, ok in zip(keys, vectors, finite, strict=True) if ok
            }
            if not finite.all():
                raise ValueError(f"{int((~finite).sum())} vectors are not numbers")
        # A truncated or garbled cache raises zipfile.BadZipFile, EOFError, ValueError...: it is
        # only a cache, so whatever is wrong with it costs re-embedding, never a start.
        except Exception as exc:
            log.warning(
                "embedding cache %s is damaged (%s); its vectors will be recomputed", path, exc
            )
            self._dirty = True

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

    def put_many(self, keys: Iterable[str], vectors: Iterable[Vectors]) -> None:
        """Remember vectors (rows, or an array's rows, in the order of keys)."""
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
