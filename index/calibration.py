"""Answer or say "not covered": a decision calibrated on each knowledge base, not tuned by hand.

One fixed cosine threshold cannot serve every docs tree: on a tree of hundreds of one-paragraph
topic files an off-topic question about salaries or App Store publishing scores above the
median on-topic question of a small set of long articles. So the decision weighs pieces
of evidence, each measured against the corpus the question is asked of:

1. **How close the best passage is, on this corpus's own scale.** When an index is opened, the
   bundled off-topic questions (`index/off_topic.txt`, written by us: everyday life, careers,
   money, law, technology far from a study tree) and up to 150 of the corpus's own headings
   asked as questions are run through the same ranking. Their typical best cosine marks 0 and
   1 of the scale: `scaled = (cosine - off_topic) / (headings - off_topic)`.
2. **Whether the corpus knows the question's words.** The share of the question's topic words,
   weighted by how distinctive each is in the corpus (IDF; a word the corpus never uses weighs
   the most IDF times its rarity in English), that appear nowhere in the corpus even after
   spelling correction (index/spelling.py, `Speller.weight`). A passage's words include the
   names it writes only in its link addresses ("monai": index/address_words.py).
   "how does postgresql autovacuum decide when to run" on a tree that mentions PostgreSQL but
   never autovacuum scores high here.
3. **Where the scale starts for this question: its near-miss twins.** "how much do ML
   engineers earn" over a tree of ML topic files finds the ML-engineer passage: the subject is
   covered, the asked-for thing (pay) is not, and the cosine alone cannot tell. So the
   calibration also asks career, money and law questions about the corpus's OWN subjects: the
   templates of `index/off_topic.txt` (lines with `{}`) filled with its subjects as a learner
   names them: what it says it covers when it abstains (its roadmaps, or the first part of its
   title trails: "data engineer", "mlops"), then the words its document titles use most
   ("how much does a data engineer earn"). A question's three nearest twins (by
   cosine of the question vectors) give `twin_similarity` (how much it reads like them, mean
   cosine) and `twin_scaled` (where they land on the scale). The question is then measured from
   its own zero point: `against_twins = scaled - twin_similarity * twin_scaled`. A question
   unlike any twin keeps the off-topic zero; a pay question must beat the pay questions about
   this corpus's subjects, which a tree of topic files cannot answer (on a careers corpus that
   answers them, item 8 tells). The form has no constant of its own (similarity in [0, 1]
   weighs the twins' level).
4. **What the best passage leaves unexplained** (index/leftover.py): the question vector minus
   its projection on the best passage's vector reads like the off-topic questions' and twins'
   leftovers ("how long until hired", "in a spreadsheet") more than like those of the on-topic
   questions: the headings, and one sentence of each of up to 150 passages asked as a question
   (index/detail_sentences.py: what a fair question about one detail of a long passage leaves).
   The same calibration runs give the references; `leftover` > 0 reads like off-topic.
5. **A technology the corpus never mentions.** `index/technologies.txt` (written by us: ~360
   names across web, mobile, data, ops, languages, office and design tools, no ordinary English
   words) minus the names this corpus uses (every word of the name in its vocabulary) is, for
   this corpus, a list of things it cannot explain. A question naming one ("a helm chart",
   "svelte stores"; as typed or as corrected: the speller reads "stata" as "state") is not
   covered however close the passages come: confidence 0, and
   `explain()` names it. A rule, not a weight (a fitted weight learned nothing held out).
   The same for a named feature of a tool (index/tool_features.py, `index/tool_features.txt`:
   "consumer group", "horizontal pod autoscaler"; issue 12 round 12) that the corpus never
   writes as a phrase: a tree with a Kafka card still cannot explain consumer groups.
6. **How much of the question the best passage names** (index/wording.py `coverage`): the
   share of its words (everyday ones the corpus lacks too), weighted by `Speller.weight`, that
   the best passage uses in some form, counted from one half up (`_COVERED_HALF`). A detail in
   a long passage ("papers with code" in a section listing a dozen tools) gets a low cosine but
   is named word for word; a paraphrase names few of its passage's words: no evidence.
7. **Words of the questions no study tree answers** (index/wording.py `shared`): the weighted
   share of the question's words that the bundled off-topic questions and templates use
   ("salary", "bootcamp", "visa"); a careers corpus that uses such a word weighs it less (IDF).
8. **Whether the passage gives what the question asks for** (index/aspects.py): a duration, a
   pay figure, a degree, legal terms ... in the best file's passages among the best five:
   `given` and `not_given` (0/1; both 0 for the many questions that ask for none of them).
   A given duration's question meets items 3-4 without its "how long" (index/given_subject.py).
9. **Whether the two rankers agree** (index/agreement.py): 1 when the closest passage's file by
   cosine is among the best three files by BM25 in the first ten hits, else 0.

Items 2-7 describe the question; for one that states the learner's background first ("I have a
CS degree, how long will the path take me") they are measured on its asked part, while ranking and
item 1 read the whole question (index/stated.py; `explain()` says "judged on: ...").

`confidence = sigmoid(BIAS + W_SCALED * against_twins + W_UNKNOWN * unknown_share + W_LEFTOVER *
leftover + W_COVERAGE * coverage + W_OFF_TOPIC_WORDS * off_topic_share + W_GIVEN * given +
W_NOT_GIVEN * not_given + W_AGREEMENT * agreement)`; it answers when confidence >= 0.5.
The weights are the same for every
corpus: a logistic regression fitted by `bench/abstention.py` on the fitted eval sets of the four
corpora in `bench/eval/` (knowledge, learning-paths, roadmap-sh, seeds), measured
leave-one-corpus-out (fitted on three corpora, scored on the fourth); rerun it after changing the
features, the templates or the eval sets and copy the weights it prints. Every round, and what was
measured and not kept: bench/abstention_rounds.md. Why a linear sum: in round 10
(`bench/abstention.py --variants`) boosted trees, products, splines, hinges, per-corpus recentring
and raw ranking signals did no better held out (within a random column's noise, or worse). Held
out (bench/abstention.py, end of round 12, onnx-int8-v2; each corpus's fitted set and the eight
read rounds, 1,763 questions, weights fitted on the other corpora's fitted sets): knowledge 0.972,
learning-paths 0.966, roadmap-sh 0.965, seeds 0.940 (0.969 / 0.962 / 0.945 / 0.940 before the
round, 1,680 -> 1,696 right; the named-feature rule made most of it). On the blind round-12 sets
(bench/eval/fresh9-*, 164 questions written before the round) with these weights: knowledge
0.900, learning-paths 0.919, roadmap-sh 0.857, seeds 0.737, 140 right (137 before the round; the
fixed threshold: 0.850, 0.784, 0.714, 0.447).

The corpus scale, the twins and the leftovers are cached in `<index home>/calibration.json`
(index/calibration_store.py), keyed by the content of the index, the model and the bundled
questions, so a restart does not recompute them.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.agreement import agreement
from index.answer import Ranking, rank
from index.aspects import NOTHING_ASKED, Aspect, asked_of
from index.bundled import (
    bundled_lines,
    first_named,
    off_topic_questions,
    off_topic_vocabulary,
    technologies,
)
from index.calibration_store import (
    Measured,
    Scale,
    Twins,
    matrix,
    read_measured,
    write_measured,
)
from index.corpus_inputs import SUBJECTS, corpus_speller, twin_questions
from index.corpus_inputs import fingerprint as fingerprint
from index.corpus_inputs import headings as headings
from index.corpus_inputs import speller_text as speller_text
from index.cover_questions import about_topic, query_vector
from index.decision import Decision
from index.detail_sentences import KEY as DETAIL_KEY
from index.detail_sentences import detail_sentences
from index.documents import Hit
from index.given_subject import evidence_key, subject_text
from index.leftover import Leftovers, PassageVectors, leftovers
from index.spelling import FORMAT as SPELLER_FORMAT
from index.spelling import Checked, Speller, words
from index.stated import judged
from index.tool_features import NamedFeatures
from index.wording import coverage, shared

if TYPE_CHECKING:
    from index.embedder import Embedder, Vectors
    from index.lexical import LexicalIndex
    from index.snapshot import Snapshot

log = logging.getLogger(__name__)

# Fitted by bench/abstention.py on the four fitted sets (round 11b: ranker agreement, agree11).
BIAS = -1.02
W_SCALED = 9.38
W_UNKNOWN = -7.23
W_LEFTOVER = -5.94
W_COVERAGE = 3.97
W_OFF_TOPIC_WORDS = -2.74
W_GIVEN = 1.02  # index/aspects.py: the passage gives what the question asks for
W_NOT_GIVEN = -3.53  # ... or does not
W_AGREEMENT = 0.46  # index/agreement.py: the rankers' best files agree

_TOP = 5  # the decision looks at the best five passages
_COVERED_HALF = 0.5  # word coverage of the best passage counts from here on (see features())
_CACHE_FILE = "calibration.json"
# A reload changing more than this share of the passages measures the scale again.
_RECALIBRATE_SHARE = 0.1


def best_cosine(hits: list[Hit]) -> float:
    """Cosine similarity of the closest of the best five passages (0 without passages)."""
    return max((h.dense for h in hits[:_TOP]), default=0.0)


@dataclass(frozen=True)
class Measures:
    """What the decision is made from, for one question."""

    scaled: float  # best cosine on the corpus's scale
    unknown_share: float
    twin_similarity: float  # mean cosine to the nearest near-miss twins, clipped to [0, 1]
    twin_scaled: float  # their mean place on the scale
    leftover: float = 0.0  # index/leftover.py: > 0 when the unexplained part reads off-topic
    absent: str = ""  # a bundled technology name the question uses and the corpus does not
    coverage: float = 1.0  # index/wording.py `coverage` of the best passage
    off_topic_share: float = 0.0  # index/wording.py `shared` with the off-topic questions
    off_topic_words: tuple[str, ...] = ()
    aspect: Aspect = NOTHING_ASKED  # what it asks for, and what the best file's passages give
    judged_on: str = ""  # the asked part, when a stated background was left out (index/stated.py)
    unknown: tuple[str, ...] = ()  # the judged words the corpus never uses
    agreement: float = 1.0  # index/agreement.py: 1 when the rankers' best files agree
    feature: str = ""  # index/tool_features.py: a named feature the corpus never mentions

    def features(self) -> tuple[float, ...]:
        """(against_twins, unknown_share, leftover, coverage, off_topic_share, given, not
        given, agreement): what the weights apply to."""
        against_twins = self.scaled - self.twin_similarity * self.twin_scaled
        # Evidence one way only: a passage naming most of the question's words says it is
        # covered, but a paraphrase in the learner's own words names few and still may be.
        coverage = max(0.0, self.coverage - _COVERED_HALF) / (1.0 - _COVERED_HALF)
        shares = self.unknown_share, self.leftover, coverage, self.off_topic_share
        return against_twins, *shares, *self.aspect.features(), self.agreement


def decide(features: tuple[float, ...]) -> float:
    """The confidence that the knowledge base covers a question, from `Measures.features`."""
    against_twins, unknown_share, leftover, coverage, off_topic, given, not_given, agree = features
    z = BIAS + W_SCALED * against_twins + W_UNKNOWN * unknown_share + W_LEFTOVER * leftover
    z += W_COVERAGE * coverage + W_OFF_TOPIC_WORDS * off_topic
    z += W_GIVEN * given + W_NOT_GIVEN * not_given + W_AGREEMENT * agree
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


class Calibration:
    """The speller, the scale, the near-miss twins and the leftovers of one index snapshot."""

    def __init__(
        self,
        speller: Speller,
        measured: Measured,
        embedder: Embedder,
        passages: PassageVectors,
        lexical: LexicalIndex,
    ) -> None:
        self.speller = speller
        self.scale = measured.scale
        self.twins = measured.twins
        self.leftovers = measured.leftovers
        self._embedder = embedder
        self._passages = passages
        self._absent: dict[str, list[tuple[str, ...]]] | None = None  # by first word
        self._lexical = lexical
        self._features: NamedFeatures | None = None  # built at the first question

    def feature(self, checked: Checked) -> str:
        """The first bundled feature name (index/tool_features.py) the question uses and this
        corpus never mentions, or ""."""
        if self._features is None:  # ~900 names: once per snapshot, a few milliseconds
            self._features = NamedFeatures(self._lexical)
        return self._features.named((checked.text, checked.question))

    def absent(self, checked: Checked) -> str:
        """The first bundled technology the question names that this corpus never mentions
        (a word of the name it does not use), or ""."""
        if self._absent is None:  # ~360 names, a few stems each: once per snapshot
            absent: dict[str, list[tuple[str, ...]]] = {}
            for name in technologies():
                if not all(self.speller.knows(w) for w in name):
                    absent.setdefault(name[0], []).append(name)
            self._absent = absent
        # As typed too: the speller reads a rare name it lacks as a corpus word ("stata" ->
        # "state", "metabase" -> "meta base"), but a bundled name typed exactly is that name.
        said = first_named((words(checked.text), words(checked.question)), self._absent)
        return " ".join(said) if said else ""

    def check(self, question: str) -> Checked:
        """The question with typos corrected, its unknown words; index/cover_questions.py."""
        return about_topic(self.speller.check(question))

    def weights(self, checked: Checked) -> dict[str, float]:
        """What each topic word of the question says (`Speller.weight`)."""
        return {w: self.speller.weight(w) for w in (*checked.known, *checked.unknown)}

    def unknown_share(self, checked: Checked) -> float:
        """IDF-weighted share of the question's topic words that the corpus never uses."""
        weights = self.weights(checked)
        total = sum(weights.values())
        return sum(weights[w] for w in checked.unknown) / total if total > 0 else 0.0

    def measure(self, checked: Checked, hits: list[Hit], query: Vectors | None = None) -> Measures:
        """The evidence for a question; `query` is its vector as ranked (encoded if None). A stated
        background (index/stated.py) and a given aspect's cues (index/given_subject.py) are left
        out of what describes the question."""
        if query is None:
            query = query_vector(self._embedder, checked)
        whole, checked = checked, judged(checked)
        aspect = asked_of(whole.text, hits, _TOP)
        # One more encode, once, for a question judged by a part of it: without a stated
        # background, or without the cues of an aspect the passages give.
        text = subject_text(checked.text, aspect) or checked.text
        if checked is not whole or text != checked.text:
            query = self._embedder.encode([text])[0]
        twin_similarity, twin_scaled = self.twins.near(query)
        best = self._passages.vector(evidence_key(hits, aspect)) if hits else None
        # Every word as asked, everyday ones the corpus lacks too: "who won the football world
        # cup" must not be covered because the corpus knows "who" and "the".
        asked = dict.fromkeys(w for w in words(checked.text) if not w.isdigit())
        weights = {w: self.speller.weight(w) for w in asked}
        share, off_topic_words = shared(weights, off_topic_vocabulary())
        return Measures(
            self.scale.place(best_cosine(hits)),
            self.unknown_share(checked),
            max(0.0, min(1.0, twin_similarity)),
            twin_scaled,
            self.leftovers.score(query, best),
            self.absent(checked),
            coverage(weights, hits[0].chunk.lexical_text) if hits else 0.0,
            share,
            off_topic_words,
            aspect,
            checked.text if checked is not whole else "",
            checked.unknown,
            agreement(hits),
            self.feature(checked),
        )

    def decide(self, checked: Checked, hits: list[Hit], query: Vectors | None = None) -> Decision:
        """Answer or abstain for a question whose ranked passages are `hits`.

        `query` is the question's vector as ranked (`checked.text`); without it the question
        is encoded again.
        """
        if not hits:
            return Decision(False, 0.0, 0.0, 0.0, 1.0, checked.unknown)
        measures = self.measure(checked, hits, query)
        features = measures.features()
        # A technology the corpus never mentions is not covered however close the passages
        # come ("a helm chart" finds the Kubernetes pages): see the module docstring.
        # The same for a named feature of a tool it never mentions (index/tool_features.py).
        confidence = 0.0 if measures.absent or measures.feature else decide(features)
        return Decision(
            confidence >= 0.5,
            confidence,
            best_cosine(hits),
            measures.scaled,
            measures.unknown_share,
            measures.unknown,  # those of the asked part (index/stated.py)
            measures.twin_similarity,
            features[0],
            measures.leftover,
            measures.absent,
            measures.coverage,
            measures.off_topic_words,
            measures.off_topic_share,
            "; ".join(filter(None, (measures.aspect.explain(), judged_on(measures)))),
            agreement=measures.agreement,
            feature=measures.feature,
        )


def judged_on(measures: Measures) -> str:
    """ "judged on: <asked part>" for `Decision.explain` when a stated background was left out."""
    return f"judged on: {measures.judged_on}" if measures.judged_on else ""


def measure_scale(
    snapshot: Snapshot, embedder: Embedder, ranking: Ranking, speller: Speller
) -> Measured:
    """Run the bundled off-topic questions, the corpus's headings, the near-miss twins and the
    detail sentences through the ranking."""
    off = off_topic_questions()
    heads = headings(snapshot)
    twins = twin_questions(snapshot)
    details = detail_sentences(snapshot)
    texts = [speller.check(q).text for q in (*off, *heads, *twins, *details)]
    vectors = matrix(embedder.encode(texts), len(texts))
    passages = PassageVectors(snapshot)
    cosines: list[float] = []
    best: list[np.ndarray | None] = []
    for v, t in zip(vectors, texts, strict=True):
        hits = rank(snapshot, v, t, ranking, limit=_TOP)
        cosines.append(best_cosine(hits))
        best.append(passages.vector(hits[0].chunk.key) if hits else None)
    rest = leftovers(vectors, best) if len(texts) else np.zeros((0, 0), np.float32)
    n_off, n_heads = len(off), len(heads)
    twins_end = n_off + n_heads + len(twins)
    off_topic = float(np.mean(cosines[:n_off]))
    top = float(np.median(cosines[n_off : n_off + n_heads])) if heads else off_topic + 1.0
    scale = Scale(off_topic, top)
    twin_scaled = np.array([scale.place(c) for c in cosines[n_off + n_heads : twins_end]])
    on_topic = np.concatenate([rest[n_off : n_off + n_heads], rest[twins_end:]])
    return Measured(
        scale,
        Twins(vectors[n_off + n_heads : twins_end], twin_scaled.astype(np.float32)),
        Leftovers(rest[:n_off], rest[n_off + n_heads : twins_end], on_topic),
    )


def _cache_key(snapshot: Snapshot, embedder: Embedder, ranking: Ranking) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{embedder.name}\n{ranking!r}\n".encode())
    # The twins are the templates filled with the corpus's subjects, which its titles decide:
    # keyed by the templates and the fingerprint, a start need not work the subjects out.
    # Every question is measured as the speller reads it (its compounds since issue 12 round 9).
    h.update(f"{SUBJECTS}\n{DETAIL_KEY}\n{SPELLER_FORMAT}\n".encode())
    h.update("\n".join(bundled_lines()).encode())
    h.update(fingerprint(snapshot).encode())
    return h.hexdigest()


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
        before = _cache.get(previous.lexical) if previous is not None else None
        speller = corpus_speller(snapshot, home, previous, before.speller if before else None)
        key = _cache_key(snapshot, embedder, ranking)
        path = home / _CACHE_FILE if home is not None else None
        measured = read_measured(path, key) if path is not None else None
        if measured is None and before is not None and previous is not None:
            old, new = set(previous.rows), set(snapshot.rows)
            if len(old ^ new) <= _RECALIBRATE_SHARE * max(len(old), len(new)):
                measured = Measured(before.scale, before.twins, before.leftovers)
                if path is not None:
                    write_measured(path, key, measured)
        if measured is None:
            measured = measure_scale(snapshot, embedder, ranking, speller)
            log.info(
                "calibrated: off-topic questions at cosine %.3f, headings at %.3f, "
                "%d near-miss twins",
                measured.scale.off_topic,
                measured.scale.headings,
                len(measured.twins.scaled),
            )
            if path is not None:
                write_measured(path, key, measured)
        passages = PassageVectors(snapshot)
        calibration = Calibration(speller, measured, embedder, passages, snapshot.lexical)
        _cache[snapshot.lexical] = calibration
        return calibration
