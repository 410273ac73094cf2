"""Passages as saved: their citations read at open, their texts read when a passage is shown.

Each chunk has ten strings: key, title, section, url, source, text, embed, lexical, path id and
module id. They are stored as UTF-8 in two files, one chunk after the other, with the length in
characters of each string (-1: None) and each chunk's byte offsets in arrays beside:

    chunks.meta.txt   key, citation and module of each chunk (a few MB at 24,000 passages)
    chunks.txt        its display text, embedded text and lexical text (60 MB at x40)

A start decodes the first file in one pass and leaves the second on disk: an answer shows a few
passages, and decoding every passage's text cost 0.3-0.5 s and ~60 MB of strings at x40
(measured), most of a fresh process's first answer. Such chunks are `StoredChunk`s, equal to the
`Chunk` a build would make; their texts are read with one `pread` each, the latest ones cached.
A save after a reload copies the bytes of unchanged chunks instead of encoding them.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.arrays import bytes_checksum, parts_checksum, save_array
from index.documents import Chunk, Citation

CHUNKS_FILE = "chunks.txt"
CHUNK_META_FILE = "chunks.meta.txt"
CHUNK_OFFSETS_FILE = "chunks.offsets.npy"
CHUNK_META_OFFSETS_FILE = "chunks.meta.offsets.npy"
CHUNK_LENGTHS_FILE = "chunks.lengths.npy"
CHUNK_NUMBERS_FILE = "chunks.numbers.npy"
FILES = (
    CHUNKS_FILE,
    CHUNK_META_FILE,
    CHUNK_OFFSETS_FILE,
    CHUNK_META_OFFSETS_FILE,
    CHUNK_LENGTHS_FILE,
    CHUNK_NUMBERS_FILE,
)

_STRINGS = 10  # key, title, section, url, source, text, embed, lexical, path id, module id
_META = (0, 1, 2, 3, 4, 8, 9)  # read at open
_TEXT = (5, 6, 7)  # read when shown
_TEXT_FIELDS = ("text", "embed_text", "lexical_text")
_RECENT = 2048  # passages whose texts stay decoded (a few answers' worth, ~5 MB at most)


def _strings(c: Chunk) -> tuple[str | None, ...]:
    # The lexical text is the embedded text plus keywords: stored only when it differs.
    lexical = None if c.lexical_text == c.embed_text else c.lexical_text
    cite = c.citation
    return (
        *(c.key, cite.title, cite.section, cite.url, cite.source),
        *(c.text, c.embed_text, lexical, c.path_id, c.module_id),
    )


def _join(values: Sequence[str | None]) -> bytes:
    return "".join(v for v in values if v).encode("utf-8", "surrogatepass")


class _FileBytes:
    """Byte ranges of a file, read when asked. Not a memory map: mapped pages count in the
    process's RSS once touched, and each range is read once or twice."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDONLY)
        self.size = os.fstat(self._fd).st_size

    def __getitem__(self, span: slice) -> bytes:
        return os.pread(self._fd, int(span.stop) - int(span.start), int(span.start))

    def __del__(self) -> None:
        os.close(self._fd)


class _Blob:
    """The texts of a build being saved: pieces in memory until written, then read back from
    their file, so a live index does not keep 60 MB of copied bytes after a reload (x40)."""

    def __init__(self, parts: list[bytes]) -> None:
        self._parts = parts
        self.size = sum(len(p) for p in parts)
        self._file: _FileBytes | None = None

    def __getitem__(self, span: slice) -> bytes:
        if self._file is not None:
            return self._file[span]
        return b"".join(self._parts)[span]  # only before the save, which comes first

    def write(self, path: Path) -> str:
        """Write the pieces to `path` and read from there on; returns their checksum."""
        parts = self._parts if self._file is None else [self._file[0 : self.size]]
        with open(path, "wb") as f:
            f.writelines(parts)
        self._file, self._parts = _FileBytes(path), []
        return parts_checksum(parts)


@dataclass(frozen=True)
class EncodedChunks:
    """Chunks as saved; `data` slices the texts' bytes (in memory until saved, then from the
    saved file)."""

    data: Any
    offsets: npt.NDArray[np.int64]  # (n + 1,) byte offset of each chunk in `data`
    meta: bytes  # the citations' bytes
    meta_offsets: npt.NDArray[np.int64]  # (n + 1,) byte offset of each chunk in `meta`
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
    sizes = np.empty((n, 2), dtype=np.int64)  # bytes of each chunk's texts and citation
    kept = source >= 0
    if previous is not None and kept.any():
        rows_kept = source[kept]
        lengths[kept] = previous.lengths[rows_kept]
        sizes[kept, 0] = previous.offsets[rows_kept + 1] - previous.offsets[rows_kept]
        sizes[kept, 1] = previous.meta_offsets[rows_kept + 1] - previous.meta_offsets[rows_kept]
    texts: list[bytes] = []
    metas: list[bytes] = []
    src = source.tolist()
    i = 0
    # Runs of consecutive previous rows are copied as one slice: a reload of one file copies
    # a few large byte ranges, not one per passage.
    while i < n:
        row = src[i]
        if row < 0:
            values = _strings(chunks[i])
            text, meta = _join([values[k] for k in _TEXT]), _join([values[k] for k in _META])
            texts.append(text)
            metas.append(meta)
            lengths[i] = [-1 if v is None else len(v) for v in values]
            sizes[i] = len(text), len(meta)
            i += 1
            continue
        end = i + 1
        while end < n and src[end] == src[end - 1] + 1:
            end += 1
        assert previous is not None
        last = src[end - 1]
        texts.append(previous.data[int(previous.offsets[row]) : int(previous.offsets[last + 1])])
        metas.append(
            previous.meta[int(previous.meta_offsets[row]) : int(previous.meta_offsets[last + 1])]
        )
        i = end
    offsets = np.zeros((2, n + 1), dtype=np.int64)
    np.cumsum(sizes.T, axis=1, out=offsets[:, 1:])
    return EncodedChunks(
        _Blob(texts), offsets[0], b"".join(metas), offsets[1].copy(), lengths, numbers
    )


def write_chunks(folder: Path, encoded: EncodedChunks) -> dict[str, str]:
    """Write the chunk files; returns the checksums of the two text files."""
    data = encoded.data
    if not isinstance(data, _Blob):  # a loaded index saved again: its texts read once
        data = _Blob([data[0 : data.size]])
    text_checksum = data.write(folder / CHUNKS_FILE)
    (folder / CHUNK_META_FILE).write_bytes(encoded.meta)
    for name, array in (
        (CHUNK_OFFSETS_FILE, encoded.offsets),
        (CHUNK_META_OFFSETS_FILE, encoded.meta_offsets),
        (CHUNK_LENGTHS_FILE, encoded.lengths),
        (CHUNK_NUMBERS_FILE, encoded.numbers),
    ):
        save_array(folder / name, array)
    return {CHUNKS_FILE: text_checksum, CHUNK_META_FILE: bytes_checksum(encoded.meta)}


class _Texts:
    """The texts of a saved generation's chunks, read on demand (thread-safe, recent ones
    cached)."""

    def __init__(
        self, data: _FileBytes, offsets: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]
    ) -> None:
        self._data = data
        self._offsets = offsets
        self._lengths = lengths
        self._recent: OrderedDict[int, tuple[str, str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, row: int) -> tuple[str, str, str]:
        with self._lock:
            found = self._recent.get(row)
            if found is not None:
                self._recent.move_to_end(row)
                return found
        raw = self._data[self._offsets[row] : self._offsets[row + 1]]
        text = raw.decode("utf-8", "surrogatepass")
        a, b, c = (int(x) for x in self._lengths[row])
        if a + b + max(c, 0) != len(text):  # checked against its checksum at open: changed since
            raise ValueError(f"chunk {row} does not match its lengths")
        embed = text[a : a + b]
        texts = (text[:a], embed, embed if c < 0 else text[a + b :])
        with self._lock:
            self._recent[row] = texts
            if len(self._recent) > _RECENT:
                self._recent.popitem(last=False)
        return texts


class StoredChunk(Chunk):
    """A chunk of a saved index: `text`, `embed_text` and `lexical_text` are read at first use
    (and on, from a small cache). Equal to, and hashed as, the `Chunk` a build makes."""

    def __getattr__(self, name: str) -> Any:
        # Called only for attributes not set on the instance: the three texts.
        if name in _TEXT_FIELDS:
            state = self.__dict__
            return state["_texts"].read(state["_row"])[_TEXT_FIELDS.index(name)]
        raise AttributeError(name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Chunk):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(Chunk))

    __hash__ = Chunk.__hash__


def read_chunks(folder: Path) -> tuple[list[Chunk], EncodedChunks]:
    """The chunks of a generation folder, texts left on disk; ValueError when inconsistent."""
    offsets = np.load(folder / CHUNK_OFFSETS_FILE, allow_pickle=False)
    meta_offsets = np.load(folder / CHUNK_META_OFFSETS_FILE, allow_pickle=False)
    lengths = np.load(folder / CHUNK_LENGTHS_FILE, allow_pickle=False)
    numbers = np.load(folder / CHUNK_NUMBERS_FILE, allow_pickle=False)
    n = len(numbers)
    if (
        offsets.shape != (n + 1,)
        or meta_offsets.shape != (n + 1,)
        or lengths.shape != (n, _STRINGS)
        or numbers.shape != (n, 2)
    ):
        raise ValueError("chunk columns do not match")
    data = _FileBytes(folder / CHUNKS_FILE)
    meta_bytes = (folder / CHUNK_META_FILE).read_bytes()
    if int(offsets[-1]) != data.size or int(meta_offsets[-1]) != len(meta_bytes):
        raise ValueError("chunk text does not match its offsets")
    if (lengths[:, [0, 1, 2, 4, 5, 6]] < 0).any():
        raise ValueError("a chunk lacks its key, citation or text")
    meta = meta_bytes.decode("utf-8", "surrogatepass")
    # Every citation string, by character position in the one decoded string.
    sizes = lengths[:, list(_META)].reshape(-1)
    ends = np.cumsum(np.maximum(sizes, 0))
    if n and int(ends[-1]) != len(meta):
        raise ValueError("chunk citations do not match their lengths")
    starts = (ends - np.maximum(sizes, 0)).tolist()
    parts: list[str | None] = [meta[a:b] for a, b in zip(starts, ends.tolist(), strict=True)]
    for i in np.flatnonzero(sizes < 0).tolist():
        parts[i] = None
    texts = _Texts(data, offsets, lengths[:, list(_TEXT)])
    chunks: list[Chunk] = []
    width = len(_META)
    for i, (folder_index, line) in enumerate(numbers.tolist()):
        key, title, section, url, source, path_id, module_id = parts[i * width : (i + 1) * width]
        chunk = StoredChunk.__new__(StoredChunk)
        chunk.__dict__.update(
            key=key,
            folder=folder_index,
            citation=Citation(title or "", section or "", url, source or ""),
            line=line,
            path_id=path_id,
            module_id=module_id,
            _texts=texts,
            _row=i,
        )
        chunks.append(chunk)
    return chunks, EncodedChunks(data, offsets, meta_bytes, meta_offsets, lengths, numbers)
