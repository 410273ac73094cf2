"""Answer or say "not covered": a decision calibrated on each knowledge base, not tuned by hand.

One fixed cosine threshold cannot serve every docs tree: on a tree of hundreds of one-paragraph
topic files an off-topic question about salaries or App Store publishing scores above the
median on-topic question of a small set of long articles. So the decision looks at two pieces
of evidence, each measured against the corpus the question is asked of:

1. **How close the best passage is, on this corpus's own scale.** When an index is opened, the
   bundled off-topic questions (`index/off_topic.txt`, written by us: everyday life, careers,
   money, law, technology far from a study tree) and up to 150 of the corpus's own headings
   asked as questions are run through the same ranking. Their typical best cosine marks 0 and
   1 of the scale: `scaled = (cosine - off_topic) / (headings - off_topic)`.
2. **Whether the corpus knows the question's words.** The share of the question's topic words,
   weighted by how distinctive each is in the corpus (IDF; a word the corpus never uses weighs
   the most IDF times its rarity in English), that appear nowhere in the corpus even after
   spelling correction (index/spelling.py, `Speller.weight`).
   "how does postgresql autovacuum decide when to run" on a tree that mentions PostgreSQL but
   never autovacuum scores high here.

`confidence = sigmoid(BIAS + W_SCALED * scaled + W_UNKNOWN * unknown_share)`; the knowledge base
answers when confidence >= 0.5. The three weights are the same for every corpus: a logistic
regression fitted by `bench/abstention.py` on the eval sets of all three corpora in
`bench/eval/`. Its figures are measured leave-one-corpus-out (weights fitted on two corpora,
scored on the third); rerun it after changing the features or the eval sets and copy the
weights it prints. The corpus scale is cached in `<index home>/calibration.json`, keyed by the
content of the index, the model and the bundled questions, so a restart does not recompute it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import tempfile
import threading
import weakref
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.answer import Ranking, rank
from index.documents import Hit
from index.spelling import Checked, Speller

if TYPE_CHECKING:
    from index.embedder import Embedder
    from index.snapshot import Snapshot

log = logging.getLogger(__name__)

# Fitted by bench/abstention.py (all three eval sets; see its output for the held-out figures).
BIAS = -1.79
W_SCALED = 8.90
W_UNKNOWN = -5.55

_HEADINGS = 150  # headings asked as questions per corpus (evenly spaced, sorted)
_TOP = 5  # the decision looks at the best five passages
_MIN_SPAN = 0.05  # a degenerate scale (tiny corpus) still divides by something sensible
_CACHE_FILE = "calibration.json"
# A reload changing more than this share of the passages measures the scale again.
_RECALIBRATE_SHARE = 0.1


def off_topic_questions() -> list[str]:
    """The bundled off-topic questions (one a line; # starts a comment)."""
    text = resources.files("index").joinpath("off_topic.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def best_cosine(hits: list[Hit]) -> float:
    """Cosine similarity of the closest of the best five passages (0 without passages)."""
    return max((h.dense for h in hits[:_TOP]), default=0.0)


@dataclass(frozen=True)
class Scale:
    """Where off-topic questions and the corpus's own headings land on this corpus."""

    off_topic: float  # mean best cosine of the bundled off-topic questions
    headings: float  # median best cosine of the corpus's headings asked as questions

    def place(self, cosine: float) -> float:
        """A cosine on this corpus's scale: 0 = like off-topic questions, 1 = like headings."""
        return (cosine - self.off_topic) / max(self.headings - self.off_topic, _MIN_SPAN)


@dataclass(frozen=True)
class Decision:
    """Whether to answer, how confident (0-1), and the evidence, for logs and --json."""

    answered: bool
    confidence: float
    cosine: float  # best cosine of the top five passages
    scaled: float  # that cosine on the corpus's scale
    unknown_share: float  # IDF-weighted share of topic words the corpus never uses
    unknown: tuple[str, ...]  # those words

    def explain(self) -> str:
        """One line a moderator can read: the decision and why."""
        verdict = "answer" if self.answered else "not covered"
        words = f", unknown words: {', '.join(self.unknown)}" if self.unknown else ""
        return (
            f"{verdict} (confidence {self.confidence:.2f}: best cosine {self.cosine:.3f}, "
            f"{self.scaled:.2f} on this corpus's scale{words})"
        )


def decide(scaled: float, unknown_share: float) -> float:
    """The confidence that the knowledge base covers a question, from its two features."""
    z = BIAS + W_SCALED * scaled + W_UNKNOWN * unknown_share
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


class Calibration:
    """The speller and the scale of one index snapshot."""

    def __init__(self, speller: Speller, scale: Scale) -> None:
        self.speller = speller
        self.scale = scale

    def check(self, question: str) -> Checked:
        """The question with typos corrected against the corpus, and its unknown words."""
        return self.speller.check(question)

    def unknown_share(self, checked: Checked) -> float:
        """IDF-weighted share of the question's topic words that the corpus never uses."""
        weights = {w: self.speller.weight(w) for w in (*checked.known, *checked.unknown)}
        total = sum(weights.values())
        return sum(weights[w] for w in checked.unknown) / total if total > 0 else 0.0

    def decide(self, checked: Checked, hits: list[Hit]) -> Decision:
        """Answer or abstain for a question whose ranked passages are `hits`."""
        if not hits:
            return Decision(False, 0.0, 0.0, 0.0, 1.0, checked.unknown)
        cosine = best_cosine(hits)
        scaled = self.scale.place(cosine)
        share = self.unknown_share(checked)
        confidence = decide(scaled, share)
        return Decision(confidence >= 0.5, confidence, cosine, scaled, share, checked.unknown)


def _speller(snapshot: Snapshot) -> Speller:
    return Speller(f"{c.citation.label()} {c.lexical_text}" for c in snapshot.chunks)


def _headings(snapshot: Snapshot) -> list[str]:
    labels = sorted({c.citation.label() for c in snapshot.chunks})
    step = max(1, len(labels) // _HEADINGS)
    return labels[::step][:_HEADINGS]


def measure_scale(
    snapshot: Snapshot, embedder: Embedder, ranking: Ranking, speller: Speller
) -> Scale:
    """Run the bundled off-topic questions and the corpus's headings through the ranking."""
    off = off_topic_questions()
    heads = _headings(snapshot)
    texts = [speller.check(q).text for q in (*off, *heads)]
    vectors = embedder.encode(texts)
    cosines = [
        best_cosine(rank(snapshot, v, t, ranking, limit=_TOP))
        for v, t in zip(vectors, texts, strict=True)
    ]
    off_topic = float(np.mean(cosines[: len(off)]))
    headings = float(np.median(cosines[len(off) :])) if heads else off_topic + 1.0
    return Scale(off_topic, headings)


def _cache_key(snapshot: Snapshot, embedder: Embedder, ranking: Ranking) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{embedder.name}\n{ranking!r}\n".encode())
    h.update("\n".join(off_topic_questions()).encode())
    for chunk in snapshot.chunks:
        h.update(chunk.key.encode())
    return h.hexdigest()


def _read_cached(path: Path, key: str) -> Scale | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") == key:
            return Scale(float(data["off_topic"]), float(data["headings"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _write_cached(path: Path, key: str, scale: Scale) -> None:
    data = {"key": key, "off_topic": scale.off_topic, "headings": scale.headings}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only index folder: recomputed at the next start
        log.warning("could not save the calibration in %s: %s", path, exc)


_cache: weakref.WeakKeyDictionary[Any, Calibration] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def for_snapshot(
    snapshot: Snapshot,
    embedder: Embedder,
    ranking: Ranking,
    home: Path | None = None,
    previous: Snapshot | None = None,
) -> Calibration:
    """The calibration of a snapshot: computed once per snapshot, saved in `home` if given.

    After a reload that changed few passages (`previous` is the snapshot it replaces), the
    previous scale is kept: it describes the corpus as a whole, and measuring it again would
    make a one-file reload take a second.
    """
    with _cache_lock:
        # The BM25 index is created with its snapshot and lives exactly as long.
        found = _cache.get(snapshot.lexical)
        if found is not None:
            return found
        speller = _speller(snapshot)
        key = _cache_key(snapshot, embedder, ranking)
        path = home / _CACHE_FILE if home is not None else None
        scale = _read_cached(path, key) if path is not None else None
        before = _cache.get(previous.lexical) if previous is not None else None
        if scale is None and before is not None and previous is not None:
            old, new = set(previous.rows), set(snapshot.rows)
            if len(old ^ new) <= _RECALIBRATE_SHARE * max(len(old), len(new)):
                scale = before.scale
                if path is not None:
                    _write_cached(path, key, scale)
        if scale is None:
            scale = measure_scale(snapshot, embedder, ranking, speller)
            log.info(
                "calibrated: off-topic questions at cosine %.3f, headings at %.3f",
                scale.off_topic,
                scale.headings,
            )
            if path is not None:
                _write_cached(path, key, scale)
        calibration = Calibration(speller, scale)
        _cache[snapshot.lexical] = calibration
        return calibration
