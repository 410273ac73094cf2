"""Word-piece counts of many texts, each distinct word tokenized once.

Counting every passage with the model's tokenizer was the largest cost of a build besides the
model itself (a quarter of a warm x40 build, and the tokenizer's per-token objects held
hundreds of MB at once). A WordPiece tokenizer (BERT, MiniLM, MPNet) splits on whitespace
before anything else and tokenizes each word on its own, so a text's count is the special
tokens plus the sum of its words' counts; a corpus repeats its words, so counting each
distinct word once and summing is exact and an order of magnitude cheaper.

Two cases break the sum, and both are checked rather than assumed: characters Python splits
on that the tokenizer deletes instead (vertical tab, form feed, U+001C-U+001F, U+0085; such a
text is counted whole), and tokenizers that are not additive at all (byte-level BPE counts
spaces): the first texts counted are also counted whole, and any difference makes the counter
pass every text to the tokenizer as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

TokenCounter = Callable[[Sequence[str]], list[int]]

# Whitespace to str.split, but deleted by BERT's normalizer (control characters): a word
# boundary in Python that the tokenizer does not see.
_JOINING = re.compile(r"[\x0b\x0c\x1c-\x1f\x85]")
_PROBES = 64  # texts of the first call also counted whole, to check the sum
# Fixed probes: spacing, punctuation, accents, CJK, a word past WordPiece's 100 characters.
_FIXED = (
    "Hello,  world!\n\n- item one\tdon't stop: 2.5x faster (naïve café).",
    "東京 タワー and Straße ÉCOLE\u00a0x\u2003y \u200bzero-width",
    "a" * 120 + " b",
    "",
)


class WordCounts:
    """`count_tokens` of an embedder, summed over memoized word counts when that is exact.

    Use one per build: it remembers every distinct word it has seen.
    """

    def __init__(self, count: TokenCounter) -> None:
        self._count = count
        self._words: dict[str, int] = {}
        self._special = 0  # tokens a text has besides its words ([CLS], [SEP])
        self._additive: bool | None = None  # decided on the first call

    @property
    def sums_words(self) -> bool | None:
        """Whether counts are summed over words (None until the first call decides)."""
        return self._additive

    def __call__(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text before truncation, special tokens included."""
        if not texts:
            return []
        if self._additive is None:
            self._additive = self._check(texts)
        if not self._additive:
            return self._count(texts)
        words = self._words
        whole = [i for i, t in enumerate(texts) if _JOINING.search(t)]
        seen: set[str] = set()
        for text in texts:
            seen.update(text.split())
        new = [w for w in seen if w not in words]
        if new:
            special = self._special
            words.update((w, n - special) for w, n in zip(new, self._count(new), strict=True))
        out = [self._special + sum(map(words.__getitem__, t.split())) for t in texts]
        if whole:
            for i, n in zip(whole, self._count([texts[i] for i in whole]), strict=True):
                out[i] = n
        return out

    def _check(self, texts: Sequence[str]) -> bool:
        """Whether summing word counts gives the tokenizer's own count on probe texts."""
        self._special = self._count([""])[0]
        step = max(1, len(texts) // _PROBES)
        probes = [*_FIXED, *(t for t in texts[::step] if not _JOINING.search(t))]
        words = list({w: None for t in probes for w in t.split()})
        pieces = dict(zip(words, self._count(words), strict=True))
        self._words.update((w, n - self._special) for w, n in pieces.items())
        summed = [self._special + sum(pieces[w] - self._special for w in t.split()) for t in probes]
        return summed == self._count(probes)
