"""The lexical ranker's phrase field: BM25 over adjacent word pairs, and the BM25 score matrix.

Bag-of-words BM25 cannot tell "text to speech" from "speech to text", nor "left join" from a
passage that says "left" and "join" apart; scoring adjacent stem pairs as terms of their own
can. A pair is keyed by the CRC-32s of its two stems side by side in 64 bits, so the field needs
no vocabulary (a large tree has far more pairs than words; a JSON vocabulary of them would be
read at every start) and keys are computed with array operations, one CRC per distinct stem.

Unlike the word field (bm25s's precomputed score matrix) it keeps only the pair counts, one
column per pair (CSC), and each passage's pair count, and computes BM25 when asked, for the few
pairs of one question. Every BM25 score depends on the corpus's size and average length, so a
precomputed matrix would be recomputed in full at every reload (~100 ms at 24,000 passages);
counts merge in with two array passes.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.arrays import save_array

Scores = npt.NDArray[np.float32]
Keys = npt.NDArray[np.uint64]
# bm25s's defaults (Lucene BM25): the values its own `index()` would use.
K1 = 1.5
B = 0.75
# What `PairIndex.save` writes, beside the word field's files.
PAIR_FILES = tuple(
    f"pairs.{part}.npy" for part in ("keys", "indptr", "passages", "counts", "lengths")
)


def bm25_scores(columns: Any, df: npt.NDArray[np.int64], counts: Any) -> dict[str, Any]:
    """bm25s's eager score matrix (terms x passages, CSC) from term counts, Lucene BM25."""
    n = counts.shape[0]
    lengths = np.asarray(counts.sum(axis=1), dtype=np.float64).ravel()
    average = float(lengths.mean()) if n else 0.0
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    tf = columns.data.astype(np.float64)
    norm = K1 * ((1 - B) + B * lengths[columns.indices] / average) if average else K1
    word = np.repeat(np.arange(len(df)), df)
    data = (idf[word] * (tf / (norm + tf))).astype(np.float32)
    return {
        "data": data,
        "indices": columns.indices.astype(np.int32),
        "indptr": columns.indptr.astype(np.int64),
        "num_docs": n,
    }


def pair_keys(documents: Sequence[Sequence[str]]) -> tuple[npt.NDArray[np.int64], Keys]:
    """(document of each pair, its key) for every adjacent pair of stems of every document."""
    flat = [token for tokens in documents for token in tokens]
    crc: dict[str, int] = {}
    hashes = np.fromiter(
        (crc[t] if t in crc else crc.setdefault(t, zlib.crc32(t.encode())) for t in flat),
        np.uint64,
        len(flat),
    )
    doc = np.repeat(np.arange(len(documents)), [len(tokens) for tokens in documents])
    inside = doc[:-1] == doc[1:]  # no pair across two documents
    keys = (hashes[:-1] << np.uint64(32)) | hashes[1:]
    return doc[:-1][inside], keys[inside]


class PairIndex:
    """BM25 of adjacent word pairs: pair counts by pair (sorted keys) and passage, as CSC."""

    def __init__(self, keys: Keys, counts: Any, lengths: npt.NDArray[np.float32]) -> None:
        """Adopt sorted pair keys, their counts (passages x pairs, CSC, canonical) and each
        passage's number of pairs."""
        self._keys = keys
        self._indptr = counts.indptr
        self._passages = counts.indices
        self._counts = counts.data
        self._lengths = lengths
        self._average = float(lengths.mean()) if len(lengths) else 0.0

    def __len__(self) -> int:
        return len(self._lengths)

    def _matrix(self) -> Any:
        import scipy.sparse as sp

        shape = (len(self), len(self._keys))
        return sp.csc_matrix((self._counts, self._passages, self._indptr), shape=shape)

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]]) -> PairIndex:
        """Index the pairs of documents given as token lists."""
        rows, keys = pair_keys(documents)
        unique, columns = np.unique(keys, return_inverse=True)
        counts = _csc(rows, columns.ravel(), len(documents), len(unique))
        lengths = np.bincount(rows, minlength=len(documents)).astype(np.float32)
        return cls(unique, counts, lengths)

    def reuse(self, sources: Sequence[int | list[str]]) -> PairIndex:
        """Passage `i` is row `sources[i]` of this index, or the pairs of those new tokens."""
        import scipy.sparse as sp

        n = len(sources)
        at = np.fromiter((isinstance(s, int) for s in sources), bool, n)
        old = np.fromiter((s for s in sources if isinstance(s, int)), np.int64)
        new_docs = [s for s in sources if not isinstance(s, int)]
        new_rows, new_keys = pair_keys(new_docs)
        new_rows = np.flatnonzero(~at)[new_rows]  # their places among all passages
        lengths = np.zeros(n, np.float32)
        lengths[at] = self._lengths[old]
        lengths += np.bincount(new_rows, minlength=n).astype(np.float32)
        increasing = bool(np.all(np.diff(old) > 0))  # the usual reload: order kept
        if increasing or len(np.unique(old)) == len(old):
            # Kept passages move to their new places: one gather over the counts.
            place = np.full(len(self), -1, np.int64)
            place[old] = np.flatnonzero(at)
            moved = place[self._passages]
            keep = moved >= 0
            indptr = np.concatenate([[0], np.cumsum(keep)])[self._indptr]
            kept = sp.csc_matrix(
                (self._counts[keep], moved[keep], indptr), shape=(n, len(self._keys))
            )
            if not increasing:  # passages changed order: so did their entries in each column
                kept.has_sorted_indices = False
                kept.sort_indices()
        else:  # a passage kept twice (two equal texts): select rows with a product
            select = sp.csr_matrix(
                (np.ones(len(old), np.float32), (np.flatnonzero(at), old)), shape=(n, len(self))
            )
            kept = (select @ self._matrix()).tocsc()
        keys = self._keys
        fresh = np.unique(new_keys)
        fresh = fresh[~_found(keys, fresh)]
        if len(fresh):  # widen the key space: old columns move right past the fresh keys
            columns = np.arange(len(keys)) + np.searchsorted(fresh, keys)
            keys = np.insert(keys, np.searchsorted(keys, fresh), fresh)
            sizes = np.zeros(len(keys), np.int64)
            sizes[columns] = np.diff(kept.indptr)
            kept = sp.csc_matrix(
                (kept.data, kept.indices, np.concatenate([[0], np.cumsum(sizes)])),
                shape=(n, len(keys)),
            )
        counts = kept + _csc(new_rows, np.searchsorted(keys, new_keys), n, len(keys))
        sizes = np.diff(counts.indptr)
        if not sizes.all():  # pairs only removed passages had: forget them
            live = sizes > 0
            keys = keys[live]
            indptr = np.concatenate([[0], np.cumsum(sizes[live])])
            counts = sp.csc_matrix((counts.data, counts.indices, indptr), shape=(n, len(keys)))
        return PairIndex(keys, counts, lengths)

    def scores(self, terms: Sequence[str]) -> Scores:
        """Summed BM25 of the question's pairs (`terms`: its stems in order) for every passage,
        Lucene's variant as bm25_scores computes it."""
        n = len(self)
        _, wanted = pair_keys([terms])
        found = np.searchsorted(self._keys, wanted)[_found(self._keys, wanted)]
        if not len(found):
            return np.zeros(n, np.float32)
        spans = [np.arange(self._indptr[c], self._indptr[c + 1]) for c in found.tolist()]
        df = np.array([len(span) for span in spans], np.float64)
        idf = np.repeat(np.log(1 + (n - df + 0.5) / (df + 0.5)), df.astype(np.int64))
        where = np.concatenate(spans)
        passages = self._passages[where]
        tf = self._counts[where].astype(np.float64)
        norm = K1 * ((1 - B) + B * self._lengths[passages] / self._average)
        scores = np.bincount(passages, weights=idf * tf / (norm + tf), minlength=n)
        return scores.astype(np.float32)

    def contains(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.bool_]:
        """Whether some passage has each (stem, next stem) pair side by side."""
        _, keys = pair_keys([list(pair) for pair in pairs])
        return _found(self._keys, keys)

    def save(self, folder: Path) -> None:
        """Write the keys, counts and lengths into `folder` (see PAIR_FILES)."""
        arrays = (self._keys, self._indptr, self._passages, self._counts, self._lengths)
        for name, array in zip(PAIR_FILES, arrays, strict=True):
            save_array(folder / name, array)

    @classmethod
    def load(cls, folder: Path) -> PairIndex:
        """Read what `save` wrote, memory-mapped; raises OSError/ValueError when damaged."""
        import scipy.sparse as sp

        # Mapped, but as plain arrays: np.memmap's own indexing costs microseconds per lookup.
        keys, indptr, passages, counts, lengths = (
            np.load(folder / name, mmap_mode="r", allow_pickle=False).view(np.ndarray)
            for name in PAIR_FILES
        )
        if keys.dtype != np.uint64 or len(indptr) != len(keys) + 1:
            raise ValueError("pair keys and pair counts disagree")
        shape = (len(lengths), len(keys))
        return cls(keys, sp.csc_matrix((counts, passages, indptr), shape=shape), lengths)


def _found(keys: Keys, wanted: Keys) -> npt.NDArray[np.bool_]:
    """Which of `wanted` are in the sorted `keys`."""
    at = np.minimum(np.searchsorted(keys, wanted), max(len(keys) - 1, 0))
    return keys[at] == wanted if len(keys) else np.zeros(len(wanted), bool)


def _csc(rows: npt.NDArray[Any], columns: npt.NDArray[Any], n: int, width: int) -> Any:
    """Counts of (row, column) pairs as a canonical CSC matrix (repeats summed)."""
    import scipy.sparse as sp

    ones = np.ones(len(rows), np.float32)
    matrix = sp.csc_matrix((ones, (rows, columns)), shape=(n, width))
    matrix.sum_duplicates()
    return matrix
