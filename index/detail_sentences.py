"""Sentences of the corpus asked as questions: what a fair question about one detail looks like.

The calibration (index/calibration.py) asks the corpus's headings as questions; a heading names
what its whole passage is about. A learner often asks about one detail of a passage instead
("how much linear algebra do I need" of a long article on moving into ML), and what the best
passage leaves unexplained in such a question (index/leftover.py) is that detail, which reads
like nothing a heading leaves. So the calibration also asks one sentence of each of up to
`_PASSAGES` passages (evenly spaced; the middle one of its sentences of `_MIN_WORDS` to
`_MAX_WORDS` words, the heading trail and link lines left out) through the same ranking, and
their leftovers join the headings' as the on-topic reference of the leftover.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.snapshot import Snapshot

_PASSAGES = 150  # passages a sentence is taken from (evenly spaced, as the headings)
_MIN_WORDS = 6  # shorter: a list item or a label, not a statement of a detail
_MAX_WORDS = 20  # longer: several details at once
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# Part of the calibration cache's key: a change of how sentences are chosen measures again.
KEY = f"detail sentences {_PASSAGES} {_MIN_WORDS}-{_MAX_WORDS}"


def sentences(embed_text: str, count: int = 1) -> list[str]:
    """Up to `count` of a passage's sentences of `_MIN_WORDS` to `_MAX_WORDS` words, evenly
    spread over them (one: the middle one), the heading trail (the first line of the embedded
    text) and link lines left out."""
    _, _, body = embed_text.partition("\n")
    fit = [
        s.strip()
        for s in _SENTENCE_END.split(body)
        if _MIN_WORDS <= len(s.split()) <= _MAX_WORDS and "@" not in s and "://" not in s
    ]
    # The middle of each of `count` equal stretches: for one, the middle sentence.
    picked = sorted({(2 * i + 1) * len(fit) // (2 * count) for i in range(count)}) if fit else []
    return [fit[i] for i in picked]


def sentence(embed_text: str) -> str | None:
    """The middle one of a passage's sentences of `_MIN_WORDS` to `_MAX_WORDS` words (see
    `sentences`); None if none."""
    found = sentences(embed_text)
    return found[0] if found else None


def detail_sentences(snapshot: Snapshot) -> list[str]:
    """One sentence of each of up to `_PASSAGES` passages, evenly spaced in content-key order
    (the same at every start of the same corpus)."""
    chunks = sorted(snapshot.chunks, key=lambda c: c.key)
    step = max(1, len(chunks) // _PASSAGES)
    found = (sentence(c.embed_text) for c in chunks[::step])
    return [s for s in found if s is not None][:_PASSAGES]
