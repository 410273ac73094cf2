"""BM25 over stemmed words (bm25s + PyStemmer), tolerant of small typos in the question.

BM25 finds what embeddings blur: names, acronyms, exact keywords. A question word that is not
in the vocabulary is replaced by the most frequent vocabulary word within a small edit
distance (a symmetric-delete lookup, built once per index: O(word length) per query word).

The index keeps each passage's term counts (a sparse passages x words matrix) beside bm25s's
score matrix, so a reload re-tokenizes only new passages and recomputes the scores with a few
array operations over the counts (BM25 scores depend on corpus-wide statistics, so every score
moves a little when any passage changes). Scores are bm25s's own (Lucene variant), and bm25s
saves and loads (memory-mapped) the score matrix; the counts are saved beside it.

Words are accent-folded before they are stemmed (index/word_forms.py `fold`): "geron" finds
the corpus's "Géron". An index saved before (tokens with accents) is rebuilt, not misread: the
manifest's format changed with it (index/manifest.py FORMAT_VERSION 5).

A second field scores adjacent word pairs ("left join", "text speech") the same way
(index/phrases.py); `match` gives both, with the question's word weight to scale them by.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.arrays import save_array
from index.phrases import K1, PAIR_FILES, B, PairIndex, bm25_scores
from index.word_forms import fold

log = logging.getLogger(__name__)

Scores = npt.NDArray[np.float32]
_MIN_TYPO_LEN = 4
_COUNTS_FILES = ("counts.indptr.npy", "counts.indices.npy", "counts.data.npy")
_BM25_DIR = "bm25"
# What `save` writes under its folder, for the manifest's checksums.
FILES = (
    *_COUNTS_FILES,
    *PAIR_FILES,
    f"{_BM25_DIR}/data.csc.index.npy",
    f"{_BM25_DIR}/indices.csc.index.npy",
    f"{_BM25_DIR}/indptr.csc.index.npy",
    f"{_BM25_DIR}/vocab.index.json",
    f"{_BM25_DIR}/params.index.json",
)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


# bm25s.tokenize's own word pattern and English stop words.
_WORD = re.compile(r"(?u)\b\w\w+\b")
_STOPWORDS: frozenset[str] | None = None


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stemmed words without English stop words, in order, as BM25 indexes them.

    The same tokens as `bm25s.tokenize(texts, stopwords="en", stemmer=..., return_ids=False)`
    of the accent-folded texts (a test holds them equal), without its three progress bars per
    call: a quarter of a millisecond per question, a tenth of a question's ranking at x40.
    """
    global _STOPWORDS
    if _STOPWORDS is None:
        from bm25s.stopwords import STOPWORDS_EN

        _STOPWORDS = frozenset(STOPWORDS_EN)
    stop = _STOPWORDS
    # Text by text, each new word stemmed once: every passage's own word strings would be held
    # at once otherwise (~200 MB at x40), while the lists returned share the stems' strings.
    stems: dict[str, str] = {}
    out: list[list[str]] = []
    for text in texts:
        words = [w for w in _WORD.findall(fold(text).lower()) if w not in stop]
        try:
            out.append(list(map(stems.__getitem__, words)))
        except KeyError:
            new = list({w: None for w in words if w not in stems})
            stems.update(zip(new, _stemmer().stemWords(new), strict=True))
            out.append(list(map(stems.__getitem__, words)))
    return out


@dataclass(frozen=True)
class Match:
    """How every passage matches one question, lexically."""

    words: Scores  # BM25 of the question's words
    pairs: Scores  # BM25 of its adjacent word pairs (the phrase field)
    # The sum of the question's word IDFs: what `words` approaches for a passage that holds every
    # word many times. `words / most` is the share of the question a passage matches, comparable
    # across questions, where dividing by the best passage's score would call a passage that
    # matches one common word of five a full match.
    most: float


_STEMMER: Any = None


def _stemmer() -> Any:
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER


def _count_rows(documents: Sequence[list[str]], ids: dict[str, int], vocab: list[str]) -> Any:
    """Term counts of token lists as a CSR matrix; new words are appended to `vocab`/`ids`."""
    import scipy.sparse as sp

    indptr = [0]
    indices: list[int] = []
    data: list[int] = []
    for tokens in documents:
        for word, n in Counter(tokens).items():
            if (i := ids.get(word)) is None:
                i = ids[word] = len(vocab)
                vocab.append(word)
            indices.append(i)
            data.append(n)
        indptr.append(len(indices))
    return sp.csr_matrix(
        (np.asarray(data, np.float32), np.asarray(indices, np.int32), np.asarray(indptr, np.int64)),
        shape=(len(documents), len(vocab)),
    )


class LexicalIndex:
    """BM25 scores for every chunk, for one question at a time."""

    def __init__(self, documents: Sequence[list[str]]) -> None:
        """Index documents given as token lists (see `tokenize`)."""
        vocab: list[str] = []
        counts = _count_rows(documents, {}, vocab)
        self._setup(counts, vocab, PairIndex.build(documents))

    @classmethod
    def _from_counts(
        cls,
        counts: Any,
        vocab: list[str],
        pairs: PairIndex,
        retriever: Any = None,
        previous: LexicalIndex | None = None,
    ) -> LexicalIndex:
        index = cls.__new__(cls)
        index._setup(counts, vocab, pairs, retriever, previous)
        return index

    def _setup(
        self,
        counts: Any,
        vocab: list[str],
        pairs: PairIndex,
        retriever: Any = None,
        previous: LexicalIndex | None = None,
    ) -> None:
        """Keep the counts (words no passage uses dropped), derive or adopt the BM25 scores."""
        import bm25s

        # bm25s logs every index build at DEBUG on its own handler; keep the CLI quiet.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        # Passages per word, from the row-wise counts as they are: a loaded index would
        # otherwise copy them column-wise at every start only to count.
        df = np.bincount(np.asarray(counts.indices), minlength=len(vocab))[: len(vocab)]
        if not df.all():  # words only removed passages used: forget them
            live = np.flatnonzero(df)
            counts, df = counts[:, live], df[live]
            vocab = [vocab[i] for i in live]
        self._counts = counts.tocsr()
        self._vocab = vocab
        self._size = int(counts.shape[0])
        self._df = dict(zip(vocab, df.tolist(), strict=True))
        if retriever is None and vocab:
            retriever = bm25s.BM25(k1=K1, b=B)
            retriever.scores = bm25_scores(self._counts.tocsc(), df, self._counts)
            retriever.vocab_dict = {w: i for i, w in enumerate(vocab)}
            retriever.unique_token_ids_set = set(range(len(vocab)))
            retriever.nonoccurrence_array = None  # Lucene BM25 has none
        self._retriever = retriever
        self._pairs = pairs
        # The typo map (every word's deletes) is built at the first word the index does not
        # know, not at every start: a large vocabulary takes tenths of a second and tens of MB.
        # A reload whose previous index has one updates it for the words that changed.
        self._typo_lock = threading.Lock()
        self._typo: dict[str, list[str]] | None = None
        if previous is not None and previous._typo is not None:
            self._typo = _typo_map(vocab, previous._vocab, previous._typo)

    def _by_delete(self) -> dict[str, list[str]]:
        if self._typo is None:
            with self._typo_lock:
                if self._typo is None:
                    self._typo = _typo_map(self._vocab)
        return self._typo

    def __len__(self) -> int:
        return self._size

    def reuse(self, sources: Sequence[int | list[str]]) -> LexicalIndex:
        """A new index whose passage i is row `sources[i]` of this one, or those new tokens.

        Only the new passages are counted word by word; the rest is sparse-matrix work.
        """
        import scipy.sparse as sp

        vocab = list(self._vocab)
        ids = {w: i for i, w in enumerate(vocab)}
        old = np.fromiter((s for s in sources if isinstance(s, int)), np.int64)
        new = _count_rows([s for s in sources if not isinstance(s, int)], ids, vocab)
        kept = self._counts[old]
        kept.resize((len(old), len(vocab)))
        stacked = sp.vstack([kept, new], format="csr")
        is_old = np.fromiter((isinstance(s, int) for s in sources), bool, len(sources))
        order = np.empty(len(sources), np.int64)
        order[is_old] = np.arange(len(old))
        order[~is_old] = len(old) + np.arange(len(sources) - len(old))
        pairs = self._pairs.reuse(sources)
        return LexicalIndex._from_counts(stacked[order], vocab, pairs, previous=self)

    def terms(self, question: str) -> list[str]:
        """The question's stemmed words as the index knows them (typos corrected)."""
        out: list[str] = []
        for token in tokenize([question])[0]:
            if token in self._df:
                out.append(token)
            elif (fixed := self._correct(token)) is not None:
                out.append(fixed)
        return out

    def stems(self) -> list[str]:
        """Every stem some passage uses."""
        return [w for w in self._vocab if self._df.get(w, 0) > 0]

    def has_pairs(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.bool_]:
        """Whether some passage has each (stem, next stem) pair side by side (stop words
        left out, as BM25 reads them)."""
        return self._pairs.contains(pairs)

    def _correct(self, token: str) -> str | None:
        if len(token) < _MIN_TYPO_LEN or token.isdigit():
            return None
        candidates: set[str] = set()
        typos = self._by_delete()
        for key in (token, *_deletes(token)):
            candidates.update(typos.get(key, ()))
        if not candidates:
            return None
        # Most frequent wins; ties go to the alphabetically first for a stable answer.
        return min(candidates, key=lambda w: (-self._df.get(w, 0), w))

    def scores(self, question: str) -> Scores:
        """BM25 score of every chunk (zeros when no question word is in the index)."""
        return self._word_scores(self.terms(question))

    def match(self, question: str) -> Match:
        """The question's word and word-pair scores of every chunk, and its words' weight."""
        terms = self.terms(question)
        n = self._size
        # Lucene BM25's IDF, as bm25_scores computes it.
        most = sum(math.log(1 + (n - self._df[t] + 0.5) / (self._df[t] + 0.5)) for t in terms)
        return Match(self._word_scores(terms), self._pairs.scores(terms), most)

    def _word_scores(self, terms: list[str]) -> Scores:
        if not terms or self._retriever is None:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(terms), dtype=np.float32)

    def save(self, folder: Path) -> None:
        """Write the counts and bm25s's index into `folder` (see FILES)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, array in zip(
            _COUNTS_FILES,
            (self._counts.indptr, self._counts.indices, self._counts.data),
            strict=True,
        ):
            save_array(folder / name, array)
        retriever = self._retriever
        if retriever is None:  # nothing indexed: an empty, loadable index all the same
            import bm25s

            retriever = bm25s.BM25(k1=K1, b=B)
            retriever.vocab_dict = {}
            retriever.nonoccurrence_array = None
            retriever.scores = {
                "data": np.zeros(0, np.float32),
                "indices": np.zeros(0, np.int32),
                "indptr": np.zeros(1, np.int64),
                "num_docs": self._size,
            }
        retriever.save(folder / _BM25_DIR, show_progress=False)
        self._pairs.save(folder)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Read what `save` wrote, memory-mapped; raises OSError/ValueError when damaged."""
        import bm25s
        import scipy.sparse as sp

        indptr, indices, data = (
            np.load(folder / name, mmap_mode="r", allow_pickle=False) for name in _COUNTS_FILES
        )
        retriever = bm25s.BM25.load(folder / _BM25_DIR, mmap=True)
        words = retriever.vocab_dict
        vocab = [""] * len(words)
        for word, i in words.items():
            vocab[int(i)] = str(word)
        counts = sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, len(vocab)))
        if retriever.scores["num_docs"] != counts.shape[0]:
            raise ValueError("BM25 index and term counts disagree")
        pairs = PairIndex.load(folder)
        if len(pairs) != counts.shape[0]:
            raise ValueError("word and word-pair indexes disagree")
        return cls._from_counts(counts, vocab, pairs, retriever if vocab else None)


def _typo_map(
    vocab: list[str],
    previous_vocab: list[str] | None = None,
    previous: dict[str, list[str]] | None = None,
) -> dict[str, list[str]]:
    """Symmetric-delete keys -> vocabulary words; from a `previous` map of `previous_vocab`,
    only the words that changed are touched (its lists are copied before they change, so it
    stays valid)."""
    words = [w for w in vocab if len(w) >= _MIN_TYPO_LEN and not w.isdigit()]
    if previous is None or previous_vocab is None:
        out: dict[str, list[str]] = {}
        for word in words:
            for key in (word, *_deletes(word)):
                out.setdefault(key, []).append(word)
        return out
    old = set(previous_vocab)
    new = set(words)
    out = dict(previous)
    for word in old - set(vocab):
        for key in (word, *_deletes(word)):
            if key in out:
                kept = [w for w in out[key] if w != word]
                if kept:
                    out[key] = kept
                else:
                    del out[key]
    for word in new - old:
        for key in (word, *_deletes(word)):
            out[key] = [*out.get(key, ()), word]
    return out
