"""The immutable index a question reads: chunks, vectors in FAISS, BM25, catalog, manifest data.

A reload builds the next `Snapshot` beside the live one (`index.build`) and swaps the reference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import numpy as np

from index.catalog import Catalog
from index.documents import Chunk
from index.embedding_api import Vectors
from index.lexical import LexicalIndex, tokenize
from index.manifest import FileState
from index.store import EncodedChunks, row_blocks

T = TypeVar("T")
_ADD_SLICE = 8192  # rows copied into FAISS at a time


@dataclass(frozen=True)
class Snapshot:
    """Everything one version of the index needs to answer, shared read-only between threads."""

    chunks: tuple[Chunk, ...]
    vectors: Vectors  # read-only view of the FAISS index's own storage (no second copy)
    dense: Any  # faiss.IndexFlatIP over `vectors`; FAISS id == row == chunk position
    lexical: LexicalIndex
    catalog: Catalog
    documents: dict[str, str]  # "<folder>:<source>" -> digest
    files: Mapping[str, FileState]  # every knowledge file when built
    built_at: datetime
    stats: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # chunk key -> row
    scanned_at_ns: int = 0  # when `files` was read (see index.changes)
    tokens: tuple[int, ...] = ()  # word pieces of each chunk, when known
    encoded: EncodedChunks | None = field(default=None, compare=False, repr=False)
    _derived: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def vector(self, key: str) -> Vectors | None:
        """The vector of the chunk with this content key."""
        row = self.rows.get(key)
        return None if row is None else self.vectors[row]

    def derived(self, name: str, compute: Callable[[], T]) -> T:
        """`compute()`, worked out once per snapshot (for figures over every passage)."""
        if name not in self._derived:
            self._derived[name] = compute()
        value: T = self._derived[name]
        return value


def dense_index(vectors: Vectors) -> tuple[Any, Vectors]:
    """A FAISS inner-product index over `vectors` and a read-only view of its storage.

    Rows are copied in slices (read from the file when `vectors` is a saved one), so the
    vectors are held once, by FAISS.
    """
    import faiss

    n, dim = vectors.shape
    dense = faiss.IndexFlatIP(dim)
    for block in row_blocks(vectors, _ADD_SLICE):
        dense.add(block)
    if n == 0:
        view: Vectors = np.zeros((0, dim), dtype=np.float32)
    else:
        view = faiss.rev_swig_ptr(dense.get_xb(), n * dim).reshape(n, dim)
    view.flags.writeable = False
    return dense, view


def make_snapshot(
    chunks: Sequence[Chunk],
    vectors: Vectors,
    catalog: Catalog,
    documents: dict[str, str],
    files: Mapping[str, FileState],
    built_at: datetime,
    stats: dict[str, Any] | None = None,
    lexical: LexicalIndex | None = None,
    scanned_at_ns: int = 0,
    tokens: Sequence[int] = (),
    encoded: EncodedChunks | None = None,
) -> Snapshot:
    """Wrap chunks and their vectors with a FAISS inner-product index and a BM25 index.

    `lexical` is the BM25 index of these chunks when the caller has it (loaded or updated).
    """
    dense, view = dense_index(vectors)
    if lexical is None:
        lexical = LexicalIndex(tokenize([c.lexical_text for c in chunks]) if chunks else [])
    rows = {c.key: i for i, c in enumerate(chunks)}
    return Snapshot(
        tuple(chunks),
        view,
        dense,
        lexical,
        catalog,
        documents,
        files,
        built_at,
        stats or {},
        rows,
        scanned_at_ns,
        tuple(tokens),
        encoded,
    )
