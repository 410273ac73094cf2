"""A question whose asked-for aspect the passages give, judged against the twins by its subject.

On a careers site that gives months per path and background, "how long until I'm decent at data
science as a software developer" was refused (confidence 0.43): the near-miss twins ("how long
does it take to learn data science", index/off_topic.txt's templates filled with the corpus's
subjects) read 0.77 alike, so the question's zero point sat near the twins' level
(`against_twins` 0.24), and its leftover read like theirs (+0.33), although index/aspects.py said
the passage gives a duration. The twins are there to refuse "how many months to become an mlops
engineer" on a tree of topic cards, where the duration is NOT given; where it is, the asked-for
wording ("how long", "how many months", "degree") is exactly what the twins share with the
question, and what says nothing about whether the corpus covers it.

So when every family the question asks for is given by the passages (`Aspect.score` > 0) and is
marked `judge: subject` in index/aspects.txt (the duration only, see below), the twins'
similarity and level and the leftover (index/calibration.py `Calibration.measure`) are read from
the question with the cues that ask for the family blanked ("until I'm decent at data science as
a software developer"), the way index/stated.py leaves a stated background out; and the leftover
is measured against the passage that gives the duration when one of the best three does
(`evidence_key`: the answer shows it; a role overview ranked first explains the subject, the
months section below it the "how long"). The same question on a corpus that does not give the
family is judged whole, as before. Ranking, the scale, the word features and the aspect itself
still read the whole question. It costs one more encode of the model for such a question only
(query p50 of ask on learning-paths 2.78 ms after, 2.23 ms for the path without spelling or
calibration, ratio 1.25 as before the change; machine loaded).

Measured (issue 12, round 11; machine loaded, one run each):
- bench/given_probe.py, a generated, seeded probe of our own (duration, degree and pay questions
  over each corpus's subjects in 18 phrasings, labelled by corpus: learning-paths and knowledge/
  give months per path, roadmap-sh none); the weights are fitted on bench/eval, never on it.
  The odd templates chose the families: right of 212, "before" (round-10 weights) 200, then
  with the refitted weights duration 202, duration and degree 203, duration with the evidence
  passage 203, both with it 204 -- within a question or two; the duration was kept because its
  evidence is a figure ("6-9 months"), while the degree's is a word ("university" in a course
  link's description reads as given: learning-paths' degree questions are what it adds). On the
  even templates (the report): 188 -> 200 of 212 (duration and degree with the evidence: 196);
  durations answered where given: learning-paths 30 -> 35 of 40, knowledge/ 37 -> 40 of 40;
  on roadmap-sh every duration, degree and pay question stays refused (0 of 54 before and after).
- bench/abstention.py, held out (leave-one-corpus-out, refitted), fitted and read sets (1,591):
  right of knowledge / learning-paths / roadmap-sh / seeds 300 / 386 / 556 / 274 = 1516 before,
  299 / 388 / 555 / 275 = 1517 after. The duration questions of the read sets are answered
  ("as a programmer how long until I'm decent at linux administration", "how long dose the clowd
  engineering path take for a sysadmin"); the refit refuses an off-topic degree question of seeds
  and costs knowledge and roadmap-sh one each (W_GIVEN 1.62 -> 1.09: the given duration
  questions no longer need it; "no cs diploma, can I still land an ml engineering job?" asks for
  a degree and leaned on it; "how does the rust borrow checker work" sits at confidence 0.50).
bench/abstention_rounds.md has the round and what was not kept.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from index.aspects import Aspect, Family, evidence, families

if TYPE_CHECKING:
    from index.documents import Hit
    from index.embedder import Embedder, Vectors

# Punctuation and joiners left at the edges once the cues are blanked: "how long until ..." ->
# "until ...".
_EDGES = re.compile(r"^[\s,.;:!?()–—-]+|[\s,.;:()–—-]+$")
# Fewer words than this is no subject to judge by ("how long?" -> ""): judged whole.
_MIN_WORDS = 2


def _judged_by_subject(aspect: Aspect, judged: Collection[str] | None) -> list[Family]:
    """The families a question asks for, when the passages give them all and each is judged
    by its subject (marked `judge: subject`, or named in `judged`); [] otherwise."""
    if aspect.score <= 0:
        return []
    asked = [f for f in families() if f.what in aspect.asked]
    if not all(f.subject if judged is None else f.name in judged for f in asked):
        return []
    return asked


def subject_text(text: str, aspect: Aspect, judged: Collection[str] | None = None) -> str | None:
    """`text` (lower-cased) without the cues asking for the families `aspect` says the passages
    give, when all it asks for is given and each family is marked `judge: subject` (or named in
    `judged`, for a bench comparing choices); None otherwise (judged whole).

    >>> from index.aspects import Aspect
    >>> subject_text("how long does the data science path take", Aspect(("a duration",)))
    'does the data science path take'
    """
    asked = _judged_by_subject(aspect, judged)
    if not asked:
        return None
    left = text.lower()
    for family in asked:
        for pattern in family.ask:
            left = pattern.sub(lambda m: " " * len(m.group()), left)
    left = _EDGES.sub("", " ".join(left.split()))
    if len(left.split()) < _MIN_WORDS or left == " ".join(text.lower().split()):
        return None
    return left


def subject_query(
    embedder: Embedder,
    text: str,
    aspect: Aspect,
    query: Vectors,
    judged: Collection[str] | None = None,
) -> Vectors:
    """The vector the twins and the leftover judge a question by: that of `subject_text` when
    it has one (one more encode), `query` (the question's own) otherwise."""
    subject = subject_text(text, aspect, judged)
    return query if subject is None else embedder.encode([subject])[0]


def evidence_key(hits: Sequence[Hit], aspect: Aspect, judged: Collection[str] | None = None) -> str:
    """The content key of the passage the leftover is measured against: the first of the best
    three that gives what a question judged by its subject asks for (the months, not the role
    overview ranked above them), else the best passage's ("" without passages)."""
    if not hits:
        return ""
    asked = _judged_by_subject(aspect, judged)
    if asked:
        for hit in hits[:3]:
            said = evidence(f"{hit.chunk.citation.label()}\n{hit.chunk.text}")
            if all(f.given_by(said) for f in asked):
                return hit.chunk.key
    return hits[0].chunk.key
