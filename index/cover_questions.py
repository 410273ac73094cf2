""" "Does it cover X?": the topic a question about the docs' coverage asks about.

A learner asking whether the docs cover something wraps one to four topic words in wording
about the docs ("does any of this mention docker", "is thinking in bets recommended anywhere",
"is there anything on vector databases in the ai engineering path"). That wording dilutes the
question's vector and its word coverage: on the seeds articles "does any of this mention
docker" ranked a passage without "docker" first (coverage 0.00) and was refused, though an
article lists Docker. So such a question is ranked and judged by its topic, with the name of
the path or roadmap it asks about kept as a filter word ("support path looking after mac
computers"); the answer still shows the question as asked (index/search.py).

The phrasing is recognised by a few general English patterns of ours (cover, mention, include,
teach, talk about, say anything about, is there anything on, covered/mentioned anywhere, part
of ...), not by anything learnt from a corpus. A question that does not match, or whose topic
would be empty, is left as it is. The topic's words are what the decision weighs (coverage,
unknown share; index/calibration.py); the vector it ranks and judges with is the mean of the
topic's and the whole question's (`query_vector`), which ranked the relevant file first more
often than either alone on the 55 cover questions of bench/eval (the topic alone put "a/b
testing data science path" second, the question alone "does any of this mention docker").

Measured (issue 12, round 9; bench/abstention.py, held out leave-one-corpus-out over the fitted
and read sets, 1,261 questions, one process: cover questions as asked, then by their topic;
machine shared and loaded): right decisions knowledge 228 -> 229 of 230, learning-paths 312 ->
312 of 325, roadmap-sh 472 -> 471 of 489, seeds 202 -> 205 of 217, all 1214 -> 1217; the cover
kind 58 -> 62 of 62. Roadmap-sh's one fewer is two paraphrases at confidence ~0.5 flipped by the
refit (its held-out bias -0.90 -> -0.98), none of them a cover question. MRR@10 0.955 / 0.943 /
0.924 / 0.941 -> 0.951 / 0.948 / 0.924 / 0.949 (knowledge: "does it cover feature engineering"
now finds the resource card "Feature Engineering Techniques" before the article the set names);
hit@5 unchanged. Query p50 of ask on learning-paths 2.96 ms (2.79 before; one more encode only
for a cover question). bench/abstention_rounds.md has the round.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from index.spelling import Checked, words

if TYPE_CHECKING:
    from index.embedder import Embedder, Vectors

# A kind of Checked judged by a part of the question (a cover question's topic, an asked part).
_Narrowed = TypeVar("_Narrowed", bound=Checked)

# The verbs of "does the python roadmap VERB topic".
_VERBS = (
    r"cover|covers|mention|mentions|include|includes|teach|teaches|explain|explains|discuss|"
    r"discusses|recommend|recommends|suggest|suggests|list|lists|"
    r"talk about|talks about|touch on|touches on|go over|goes over|go into|goes into|"
    r"deal with|deals with|point to|points to|"
    r"say (?:anything|something|much) (?:about|on)|says (?:anything|something|much) (?:about|on)|"
    r"have (?:anything|something|a section|a page|material|content) (?:on|about)|"
    r"has (?:anything|something|a section|a page|material|content) (?:on|about)"
)
# The participles of "is topic COVERED (anywhere | in the linux path)".
_PARTICIPLES = (
    r"covered|mentioned|included|taught|explained|discussed|recommended|suggested|listed|"
    r"talked about|touched on|dealt with"
)
_THINGS = (
    r"anything|something|a section|a page|a chapter|a module|an article|any article|"
    r"any material|material|content|stuff"
)
# What a learner calls the docs or a part of them ("the python roadmap", "any article").
_DOCS = (
    r"(?:the|this|these|your|any|a)\b[\w\s-]*?\b(?:path|paths|roadmap|roadmaps|curriculum|"
    r"course|guide|docs|documentation|article|articles|knowledge base)"
)
_WHERE_WORDS = r"anywhere|at all|somewhere|in there|in here|here|there"

# "does the python roadmap cover pydantic"; not "do I need to mention ...".
_DOES = re.compile(
    rf"^(?:does|do|did|will)\s+(?!i\s|we\s|my\s)(?P<docs>.+?)\s+(?:{_VERBS})\s+(?P<topic>.+)$"
)
_IS_THERE = re.compile(
    rf"^(?:is|are)\s+there\s+(?:{_THINGS})\s+(?:on|about|covering|for)\s+(?P<topic>.+)$"
)
# "is federated learning covered", "are check constraints explained in the sql roadmap".
_IS = re.compile(
    rf"^(?:is|are)\s+(?P<topic>.+?)\s+(?:{_PARTICIPLES})"
    rf"(?:\s+(?:{_WHERE_WORDS}))?(?:\s+(?:in|on|by|from)\s+(?P<docs>{_DOCS}))?$"
)
# "is kubeflow part of the mlops roadmap", "is semi-supervised learning in there".
_IS_PART = re.compile(
    rf"^(?:is|are)\s+(?P<topic>.+?)\s+(?:(?:part of|on|in|included in)\s+(?P<docs>{_DOCS})"
    r"|in there|in here)$"
)
_ANYTHING = re.compile(rf"^(?:{_THINGS})\s+(?:on|about)\s+(?P<topic>.+)$")

# Words that point at the docs as a whole, not at a part of them.
_DOCS_WORDS = frozenset(
    [
        "the",
        "this",
        "that",
        "these",
        "those",
        "it",
        "they",
        "any",
        "of",
        "all",
        "in",
        "on",
        "anywhere",
        "there",
        "here",
        "at",
        "somewhere",
        "article",
        "articles",
        "doc",
        "docs",
        "documentation",
        "knowledge",
        "base",
        "page",
        "pages",
        "site",
        "material",
        "anything",
        "something",
        "stuff",
        "content",
        "you",
        "your",
    ]
)
# A topic that is only wording about the docs ("is there anything here") asks nothing.
_TRAILING = re.compile(rf"\s+(?:{_WHERE_WORDS})$")
# "in the linux path" after the topic: kept as a filter word, without its article.
_WHERE = re.compile(rf"^(?P<topic>.+?)\s+(?:in|on|from|of|by)\s+(?P<docs>{_DOCS})$")


def topic(question: str) -> str | None:
    """The topic a "does it cover X" question asks about, with the name of the part of the
    docs it asks of ("the support path") kept as filter words; None for any other question.

    >>> topic("does any of this mention docker")
    'docker'
    >>> topic("is there anything on vector databases in the ai engineering path")
    'vector databases ai engineering path'
    >>> topic("how do I recover a git branch") is None
    True
    """
    text = " ".join(question.lower().replace("?", " ").split())
    found: str | None = None
    docs = ""
    for pattern in (_DOES, _IS_THERE, _ANYTHING, _IS, _IS_PART):
        if m := pattern.match(text):
            found = m.group("topic")
            docs = m.groupdict().get("docs") or ""
            break
    if found is None:
        return None
    found = _TRAILING.sub("", found)
    if not docs and (where := _WHERE.match(found)):
        found, docs = where.group("topic"), where.group("docs")
    if all(w in _DOCS_WORDS for w in found.split()):
        return None  # empty, or only wording about the docs
    named = [w for w in docs.split() if w not in _DOCS_WORDS]
    return " ".join([*found.split(), *named])


def about_topic(checked: Checked) -> Checked:
    """`checked` (typos corrected) searched and judged by its topic when it asks whether the
    docs cover one; its known and unknown words are the topic's. Any other question as is."""
    found = topic(checked.text)
    if found is None:
        return checked
    return narrowed(checked, found, AboutTopic, asked=checked.text)


def narrowed(
    checked: Checked, part: str, kind: Callable[..., _Narrowed], **fields: str
) -> _Narrowed:
    """`checked` judged by `part` of it (a `kind` of Checked whose text is `part`, with any
    further `fields`): the known and unknown words are those of the part."""
    kept = set(words(part))
    return kind(
        checked.question,
        part,
        checked.corrections,
        tuple(w for w in checked.known if w in kept),
        tuple(w for w in checked.unknown if w in kept),
        **fields,
    )


@dataclass(frozen=True)
class AboutTopic(Checked):
    """A cover question, searched by its topic; `asked` is the whole question as corrected."""

    asked: str = ""


def query_vector(embedder: Embedder, checked: Checked) -> Vectors:
    """The vector to rank and judge `checked` with: a cover question's is the mean of its
    topic's and the whole question's (normalised), any other question's is its own."""
    if not isinstance(checked, AboutTopic):
        vector: Vectors = embedder.encode([checked.text])[0]
        return vector
    both = embedder.encode([checked.text, checked.asked])
    mean: Vectors = (both[0] + both[1]).astype(np.float32)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else mean
