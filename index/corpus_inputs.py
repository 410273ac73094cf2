"""What a corpus's calibration reads from it: its vocabulary, a digest of its passages, its
headings asked as questions and the near-miss twins filled with its subjects.

index/calibration.py measures the scale, the twins and the leftovers from these when an index
is opened; they depend on the passages only (no model), so a reload recounts just the changed
ones and a start reads the vocabulary back from `speller.json`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from index.answer import covered_subjects
from index.bundled import near_miss_templates
from index.calibration_store import save_json
from index.documents import Chunk
from index.manifest import FORMAT_VERSION
from index.spelling import Speller, per_billion, words

if TYPE_CHECKING:
    from index.snapshot import Snapshot

_HEADINGS = 150  # headings asked as questions per corpus (evenly spaced, sorted)
SUBJECTS = 8  # at least this many subjects fill the near-miss templates
# A covered subject longer than this is an article's title, not a subject ("How do I use ...?").
_SUBJECT_WORDS = 4
# Words used more than once per thousand in English ("the", "how", "for") are no subject;
# "data", "learning" or "engineering" are.
_FUNCTION_WORD = 1_000_000
SPELLER = "speller"  # a cold build counts it while the model embeds (Snapshot.derived)
_SPELLER_FILE = "speller.json"  # the corpus vocabulary, keyed by the passages' text


def speller_text(chunk: Chunk) -> str:
    """What the corpus vocabulary counts of a passage: its heading trail and its text."""
    return f"{chunk.citation.label()} {chunk.lexical_text}"


def corpus_speller(
    snapshot: Snapshot, home: Path | None, previous: Snapshot | None, before: Speller | None
) -> Speller:
    """The corpus vocabulary: read from `home` at a start, updated from the passages that
    changed at a reload, counted from every passage only when neither is possible.

    (The larger name vocabulary, wordfreq, ~0.4 s to load, is read at the first rare word: most
    questions never need it, and a fresh `waypoint ask` should not wait for it.)
    """
    key = fingerprint(snapshot)
    path = home / _SPELLER_FILE if home is not None else None
    if previous is not None and before is not None:
        # A reload reuses the previous snapshot's passage objects for every unchanged file:
        # only the others are counted out and in (both snapshots are alive, so ids are unique).
        old = {id(c) for c in previous.chunks}
        new = {id(c) for c in snapshot.chunks}
        speller = before.updated(
            (speller_text(c) for c in previous.chunks if id(c) not in new),
            (speller_text(c) for c in snapshot.chunks if id(c) not in old),
        )
    else:
        try:
            data = json.loads(path.read_text(encoding="utf-8")) if path is not None else None
            if isinstance(data, dict) and data.get("key") == key:
                return Speller.from_json(data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # missing or damaged: counted again below
        speller = snapshot.derived(SPELLER, lambda: Speller(map(speller_text, snapshot.chunks)))
    if path is not None:
        save_json(path, {"key": key, **speller.to_json()})
    return speller


def fingerprint(snapshot: Snapshot) -> str:
    """A digest of what a snapshot's passages say: their content keys (the embedded text) and
    their documents' digests (titles, keywords). Cheap at any size: no passage text is read."""

    def compute() -> str:
        h = hashlib.blake2b(digest_size=16)
        # The key hashes the embedded text only: the index format says how the rest was made
        # (format 6: the lexical text, which the vocabulary counts, holds address words).
        h.update(f"{FORMAT_VERSION}\0".encode())
        h.update("\n".join(c.key for c in snapshot.chunks).encode())
        h.update(b"\0")
        h.update("\n".join(f"{k}={v}" for k, v in sorted(snapshot.documents.items())).encode())
        return h.hexdigest()

    return snapshot.derived("fingerprint", compute)


def headings(snapshot: Snapshot) -> list[str]:
    """Up to `_HEADINGS` of the corpus's heading trails, evenly spaced in sorted order."""
    labels = sorted({c.citation.label() for c in snapshot.chunks})
    step = max(1, len(labels) // _HEADINGS)
    return labels[::step][:_HEADINGS]


def subjects(snapshot: Snapshot) -> list[str]:
    """What the corpus is about, as a learner names it: the subjects it says it covers when it
    abstains ("mlops", "data engineer": its roadmaps or the first part of its title trails),
    then the words the most document titles use ("sql", "python") up to `SUBJECTS`."""
    named = [s.lower() for s in covered_subjects(snapshot) if len(s.split()) <= _SUBJECT_WORDS]
    titles: dict[str, str] = {c.citation.source: c.citation.title for c in snapshot.chunks}
    counts: dict[str, int] = {}
    for title in titles.values():
        for word in set(words(title)):
            if word.isalpha() and len(word) > 1 and per_billion(word) < _FUNCTION_WORD:
                counts[word] = counts.get(word, 0) + 1
    title_words = sorted(counts, key=lambda w: (-counts[w], w))
    return list(dict.fromkeys([*named, *title_words]))[: max(SUBJECTS, len(named))]


def twin_questions(snapshot: Snapshot) -> list[str]:
    """The near-miss templates filled with the corpus's subjects."""
    found = snapshot.derived("subjects", lambda: subjects(snapshot))
    return [t.replace("{}", s) for t in near_miss_templates() for s in found]
