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
from typing import Any

import numpy as np
import numpy.typing as npt

from index.arrays import bytes_checksum, save_array
from index.documents import Chunk, Citation
from index.embedding_api import Vectors
from index.lexical import FILES as LEXICAL_FILES
from index.lexical import LexicalIndex
from index.manifest import Manifest, write_manifest

log = logging.getLogger(__name__)

VECTORS_FILE = "vectors.npy"
CHUNKS_FILE = "chunks.txt"
CHUNK_OFFSETS_FILE = "chunks.offsets.npy"
CHUNK_LENGTHS_FILE = "chunks.lengths.npy"
CHUNK_NUMBERS_FILE = "chunks.numbers.npy"
TOKENS_FILE = "tokens.npy"
DATA_FILES = (
    *(VECTORS_FILE, CHUNKS_FILE, CHUNK_OFFSETS_FILE, CHUNK_LENGTHS_FILE, CHUNK_NUMBERS_FILE),
    TOKENS_FILE,
)
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


# Chunks are stored as the UTF-8 bytes of their string fields, one chunk after the other, with
# each chunk's byte offset and the length of each of its strings (-1: None) in arrays beside.
# Reading is one small decode per chunk (~4x faster than JSON at x40, measured, and safe to
# read); a save after a reload copies the bytes of unchanged chunks instead of encoding them.
_STRINGS = 10  # key, title, section, url, source, text, embed, lexical, path id, module id


def _strings(c: Chunk) -> tuple[str | None, ...]:
    # The lexical text is the embedded text plus keywords: stored only when it differs.
    lexical = None if c.lexical_text == c.embed_text else c.lexical_text
    cite = c.citation
    return (
        *(c.key, cite.title, cite.section, cite.url, cite.source),
        *(c.text, c.embed_text, lexical, c.path_id, c.module_id),
    )


@dataclass(frozen=True)
class EncodedChunks:
    """Chunks as saved (see above); `data` is the bytes, or reads them from the saved file."""

    data: Any
    offsets: npt.NDArray[np.int64]  # (n + 1,) byte offset of each chunk in `data`
    lengths: npt.NDArray[np.int64]  # (n, _STRINGS) characters of each string, -1 for None
    numbers: npt.NDArray[np.int64]  # (n, 2) folder position and line of each chunk

    def __len__(self) -> int:
        return len(self.numbers)


def encode_chunks(
    chunks: Sequence[Chunk],
    previous: EncodedChunks | None = None,
    rows: Sequence[int] = (),
) -> EncodedChunks:
    """Encode chunks; where `rows[i]` >= 0, chunk i is that row of `previous`, bytes copied."""
    n = len(chunks)
    source = np.full(n, -1, dtype=np.int64)
    if previous is not None:
        given = np.asarray(rows[:n], dtype=np.int64)
        source[: len(given)] = given
    lengths = np.empty((n, _STRINGS), dtype=np.int64)
    numbers = np.array([(c.folder, c.line) for c in chunks], dtype=np.int64).reshape(n, 2)
    sizes = np.empty(n, dtype=np.int64)
    kept = source >= 0
    if previous is not None and kept.any():
        lengths[kept] = previous.lengths[source[kept]]
        sizes[kept] = previous.offsets[source[kept] + 1] - previous.offsets[source[kept]]
    parts: list[bytes] = []
    src = source.tolist()
    i = 0
    # Runs of consecutive previous rows are copied as one slice: a reload of one file copies
    # a few large byte ranges, not one per passage.
    while i < n:
        row = src[i]
        if row < 0:
            values = _strings(chunks[i])
            data = "".join(v for v in values if v).encode("utf-8", "surrogatepass")
            parts.append(data)
            lengths[i] = [-1 if v is None else len(v) for v in values]
            sizes[i] = len(data)
            i += 1
            continue
        end = i + 1
        while end < n and src[end] == src[end - 1] + 1:
            end += 1
        assert previous is not None
        last = src[end - 1]
        parts.append(previous.data[int(previous.offsets[row]) : int(previous.offsets[last + 1])])
        i = end
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return EncodedChunks(b"".join(parts), offsets, lengths, numbers)


class _FileBytes:
    """Byte ranges of a file, read when asked. Not a memory map: mapped pages count in the
    process's RSS (60 MB of passages at x40, measured), and these are read once."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDONLY)
        self.size = os.fstat(self._fd).st_size

    def __getitem__(self, span: slice) -> bytes:
        return os.pread(self._fd, int(span.stop) - int(span.start), int(span.start))

    def __del__(self) -> None:
        os.close(self._fd)


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


def _write_chunks(folder: Path, encoded: EncodedChunks) -> str:
    """Write the chunk files; returns the checksum of the chunk text."""
    data = encoded.data if isinstance(encoded.data, bytes) else encoded.data[0 : encoded.data.size]
    (folder / CHUNKS_FILE).write_bytes(data)
    for name, array in (
        (CHUNK_OFFSETS_FILE, encoded.offsets),
        (CHUNK_LENGTHS_FILE, encoded.lengths),
        (CHUNK_NUMBERS_FILE, encoded.numbers),
    ):
        save_array(folder / name, array)
    return bytes_checksum(data)


def _read_chunks(folder: Path) -> tuple[list[Chunk], EncodedChunks]:
    offsets = np.load(folder / CHUNK_OFFSETS_FILE, allow_pickle=False)
    lengths = np.load(folder / CHUNK_LENGTHS_FILE, allow_pickle=False)
    numbers = np.load(folder / CHUNK_NUMBERS_FILE, allow_pickle=False)
    n = len(numbers)
    if offsets.shape != (n + 1,) or lengths.shape != (n, _STRINGS) or numbers.shape != (n, 2):
        raise ValueError("chunk columns do not match")
    data = _FileBytes(folder / CHUNKS_FILE)
    if int(offsets[-1]) != data.size:
        raise ValueError("chunk text does not match its offsets")
    chunks: list[Chunk] = []
    starts = offsets.tolist()
    for i, (sizes, (folder_index, line)) in enumerate(
        zip(lengths.tolist(), numbers.tolist(), strict=True)
    ):
        text = data[starts[i] : starts[i + 1]].decode("utf-8", "surrogatepass")
        values: list[str | None] = []
        at = 0
        for n_chars in sizes:
            values.append(None if n_chars < 0 else text[at : at + n_chars])
            at += max(n_chars, 0)
        if at != len(text):
            raise ValueError(f"chunk {i} does not match its lengths")
        key, title, section, url, source, body, embed, lexical, path_id, module_id = values
        if key is None or title is None or section is None or source is None:
            raise ValueError(f"chunk {i} lacks its key or citation")
        if body is None or embed is None:
            raise ValueError(f"chunk {i} lacks its text")
        chunks.append(
            Chunk(
                key=key,
                folder=folder_index,
                citation=Citation(title, section, url, source),
                text=body,
                embed_text=embed,
                lexical_text=embed if lexical is None else lexical,
                line=line,
                path_id=path_id,
                module_id=module_id,
            )
        )
    return chunks, EncodedChunks(data, offsets, lengths, numbers)


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
            CHUNKS_FILE: _write_chunks(
                generation, encoded if encoded is not None else encode_chunks(chunks)
            ),
            TOKENS_FILE: save_array(generation / TOKENS_FILE, np.asarray(tokens, dtype=np.int32)),
        }
        lexical.save(generation / LEXICAL_DIR)
        names = [
            VECTORS_FILE,
            CHUNKS_FILE,
            TOKENS_FILE,
            *(f"{LEXICAL_DIR}/{n}" for n in LEXICAL_FILES),
        ]
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
        chunks, encoded = _read_chunks(folder)
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
