"""BM25 over stemmed words (bm25s + PyStemmer), tolerant of small typos in the question.

BM25 finds what embeddings blur: names, acronyms, exact keywords. A question word that is not
in the vocabulary is replaced by the most frequent vocabulary word within a small edit
distance (a symmetric-delete lookup, built once per index: O(word length) per query word).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Scores = npt.NDArray[np.float32]
_MIN_TYPO_LEN = 4


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stemmed words without English stop words, as BM25 indexes them."""
    import bm25s

    return list(
        bm25s.tokenize(
            list(texts),
            stopwords="en",
            stemmer=_stemmer(),
            return_ids=False,
            show_progress=False,
        )
    )


_STEMMER: Any = None


def _stemmer() -> Any:
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER


class LexicalIndex:
    """BM25 scores for every chunk, for one question at a time."""

    def __init__(self, documents: Sequence[list[str]]) -> None:
        """Index documents given as token lists (see `tokenize`; a reload reuses them)."""
        import bm25s

        # bm25s logs every index build at DEBUG on its own handler; keep the CLI quiet.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self._size = len(documents)
        self._retriever: Any = None
        self._df: dict[str, int] = {}
        self._by_delete: dict[str, list[str]] = {}
        if not any(documents):
            return
        retriever = bm25s.BM25()
        retriever.index([list(d) for d in documents], show_progress=False)
        self._retriever = retriever
        df: dict[str, int] = {}
        for tokens in documents:
            for token in set(tokens):
                df[token] = df.get(token, 0) + 1
        self._df = df
        for word in df:
            if len(word) >= _MIN_TYPO_LEN and not word.isdigit():
                for key in (word, *_deletes(word)):
                    self._by_delete.setdefault(key, []).append(word)

    def __len__(self) -> int:
        return self._size

    def terms(self, question: str) -> list[str]:
        """The question's stemmed words as the index knows them (typos corrected)."""
        out: list[str] = []
        for token in tokenize([question])[0]:
            if token in self._df:
                out.append(token)
            elif (fixed := self._correct(token)) is not None:
                out.append(fixed)
        return out

    def _correct(self, token: str) -> str | None:
        if len(token) < _MIN_TYPO_LEN or token.isdigit():
            return None
        candidates: set[str] = set()
        for key in (token, *_deletes(token)):
            candidates.update(self._by_delete.get(key, ()))
        if not candidates:
            return None
        # Most frequent wins; ties go to the alphabetically first for a stable answer.
        return min(candidates, key=lambda w: (-self._df.get(w, 0), w))

    def scores(self, question: str) -> Scores:
        """BM25 score of every chunk (zeros when no question word is in the index)."""
        terms = self.terms(question)
        if not terms or self._retriever is None:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(terms), dtype=np.float32)
