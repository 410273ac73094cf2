"""A question judged by what it asks, not by the background it states; ranked by all of it.

Learners say where they come from before they ask: "I have a CS degree, how long will the data
engineering path take me". On a career guide that gives the path's months that question got
confidence 0.04, and 0.81 without its first clause: the stated degree moved the question's
vector toward the near-miss career twins ("how much does a data engineer earn", 0.78 alike), left
a leftover that reads off-topic (+0.40) and added words the corpus never uses or that off-topic
questions use ("cs", "degree", "self-taught", "abroad").

So the decision (index/calibration.py `Calibration.measure`) reads the evidence that describes
the QUESTION from its asked part only: the clauses that state a background blanked by
index/aspects.py `asking` ("I have a stats degree,", "as a self-taught dev,", "former lawyer
here:"; a stated lack such as "I have no degree" stays, it may be the ask). The near-miss twins'
similarity and level and the leftover come from the asked part's vector; the unknown words,
coverage of the best passage, off-topic words and a technology the corpus never mentions from
its words. Ranking still reads the whole question (the stated part may name the path: "I'm
already a support engineer ..., how long is the path for me"), and so does the best passage's
cosine on the corpus's scale. A question that states nothing, or only states, is judged whole;
a "does it cover X" question keeps its topic (index/cover_questions.py). `explain()` says
"judged on: <asked part>".

The forms are general first-person background ones, not a list of careers: any clause `asking`
reads as a statement, whatever it states (a degree, a job, a family, hours a week). Two guards
keep a statement that IS the subject: a statement about the learner's things ("my queries are
slow, how do I make them faster", "my wrists hurt after a day of typing, what helps") states the
problem asked about, and an ask under four words ("what helps") takes its subject from the
statement; both are judged whole. A question judged on its asked part costs one more encode of
the model; the others nothing.

Measured (issue 12 round 10, bench/abstention.py --show, held out leave-one-corpus-out over the
fitted and read sets, 1,426 questions, refitted each run; separate runs, machine loaded): right
decisions knowledge / learning-paths / roadmap-sh / seeds 264 / 351 / 514 / 243 = 1372 -> 264 / 352
/ 514 / 243 = 1373 (fixed: "I'm already a support engineer aiming for a lead role, how long is the
path for me"); hit@5 and MRR@10 unchanged (ranking is untouched). Only 15 of the 1,426 questions are
judged on an asked part, all on-topic: no off-topic question of the sets states a background, so the
refusals rest on the tests (tests/knowledge_base/test_stated_background.py). Before the two guards
(25 questions): the general forms gave 1372 (seeds -1: "my wrists hurt ..., what helps" judged on
"what helps" and answered); limited to statements naming one of the five background families of
index/aspects.txt no decision moved (1372); with a stated lack blanked too, the same decisions as
the general forms; the asked part's vector alone (words whole) 264 / 352 / 513 / 243 (roadmap-sh -1,
a refit flip on a question that states nothing), its words alone (vector whole) 263 / 352 / 514 /
242. On the tests' guide "I have a CS degree, how long will the data engineering path take me" goes
from 0.04 to 0.70. bench/abstention_rounds.md has the round.
"""

from __future__ import annotations

import re

from index.aspects import asking
from index.cover_questions import AboutTopic, narrowed
from index.spelling import Checked, words

# An ask this short ("what helps", "any tips", "because") takes its subject from the statement:
# "my wrists hurt after a day of typing, what helps" is judged whole.
_MIN_ASKED_WORDS = 4
# A statement about the learner's things states the problem the question is about, not who
# asks: "my queries are slow, how do I make them faster", "my test score was too good because".
_PROBLEM = re.compile(r"(?:^|\s\s)\s*(?:my|our)\b")
# Punctuation the blanked clauses leave at the edges of the asked part: ", how long ..." .
_EDGES = re.compile(r"^[\s,.;:!?()–—-]+|[\s,.;:()–—-]+$")


def asked_part(text: str) -> str | None:
    """The part of `text` that asks, when a clause before or after it states the learner's
    background; None when nothing is stated or nothing but a statement is left.

    >>> asked_part("I have a CS degree, how long will the data engineering path take me")
    'how long will the data engineering path take me'
    >>> asked_part("how long will the data engineering path take me") is None
    True
    """
    lower = text.lower()
    left = asking(text)
    if left == lower:
        return None
    stated = "".join(
        c if k.isspace() and not c.isspace() else " " for c, k in zip(lower, left, strict=True)
    )
    if _PROBLEM.search(stated):
        return None
    asked = _EDGES.sub("", " ".join(left.split()))
    if len(words(asked)) < _MIN_ASKED_WORDS or asked == " ".join(lower.split()):
        return None
    return asked


def judged(checked: Checked) -> Checked:
    """`checked` as the decision judges it: its asked part, with the known and unknown words
    found there, when it states a background; itself otherwise (cover questions included)."""
    if isinstance(checked, AboutTopic):
        return checked
    asked = asked_part(checked.text)
    if asked is None:
        return checked
    return narrowed(checked, asked, Checked)
