"""What a question asks FOR, and whether the passage found gives it.

"how long will the whole ML engineer path take me" over a careers site and "how many months does
it take to become an mlops engineer" over a tree of topic cards read almost alike to the rest of
the decision (index/calibration.py): both find the subject's page, both read like the near-miss
career twins, both leave "how long" unexplained. What tells them apart is in the passage: the
careers site's page gives months per background ("Complete beginners: 18-24 months"), the topic
card says what MLOps is and gives no duration.

`index/aspects.txt` (written by us, general English, nothing keyed to a corpus) lists a handful
of such families: a duration, a pay figure, a word on pay, a cost, a degree, a visa, legal
terms, interview, job-search and negotiation advice. Each has the question cues that ask for it
and the passage evidence that gives it, as small regular expressions. Most questions ask for
none. One that does is "given" when the best file's passages among the best five (the ones an
answer shows) give every family it asks for, "not given" when they lack one; the decision weighs
the two as 0/1 features. Link titles are left out of the evidence: "[How I learned SQL in 2
weeks](...)" under a topic card names another page, it does not say how long SQL takes. An
amount is asked for apart from the subject: "how much does a data engineer earn" wants a
figure, and "the work pays well" does not give one.

Measured in issue 12's eighth round (bench/abstention_rounds.md has the figures): held out,
no corpus drops and the total gains; the families were refined once after reading the first
version's errors, so they are held out for the weights, not for their wording.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from index.bundled import bundled_lines

if TYPE_CHECKING:
    from index.documents import Hit

_ASPECTS = "aspects.txt"
# A Markdown link or image: its title names another page, not what this passage says.
_LINK = re.compile(r"!?\[[^\]]*\]\([^)]*\)|https?://\S+")


@dataclass(frozen=True)
class Family:
    """One thing a question can ask for, with the cues that ask for it and the evidence."""

    name: str
    what: str  # as in "the question asks for <what>"
    ask: tuple[re.Pattern[str], ...]
    give: tuple[re.Pattern[str], ...]

    def asked_by(self, question: str) -> bool:
        """Whether the lower-case `question` asks for this."""
        return any(p.search(question) for p in self.ask)

    def given_by(self, passage: str) -> bool:
        """Whether the lower-case `passage` (links removed) gives it."""
        return any(p.search(passage) for p in self.give)


@functools.cache
def families() -> tuple[Family, ...]:
    """The families of `index/aspects.txt`, in its order."""
    found: list[Family] = []
    fields: dict[str, list[re.Pattern[str]]] = {"ask": [], "give": []}
    head: tuple[str, str] | None = None

    def close() -> None:
        if head is not None:
            found.append(Family(*head, tuple(fields["ask"]), tuple(fields["give"])))

    for line in bundled_lines(_ASPECTS):
        kind, _, value = line.partition(":")
        value = value.strip()
        if kind == "family":
            close()
            name, _, what = value.partition("|")
            head = (name.strip(), what.strip())
            fields = {"ask": [], "give": []}
        elif kind in fields and head is not None:
            fields[kind].append(re.compile(value))
        else:
            raise ValueError(f"{_ASPECTS}: cannot read {line!r}")
    close()
    return tuple(found)


def evidence(passage: str) -> str:
    """What a passage says, as the `give` patterns read it: lower case, links left out."""
    return _LINK.sub(" ", passage).lower()


@dataclass(frozen=True)
class Aspect:
    """What a question asks for and what its passage leaves out (empty when it asks for none)."""

    asked: tuple[str, ...] = ()  # each family's `what`, as `index/aspects.txt` names it
    missing: tuple[str, ...] = ()  # those the passage does not give

    @property
    def score(self) -> float:
        """0 when the question asks for nothing listed, +1 when the passage gives all it asks
        for, -1 when it lacks one."""
        if not self.asked:
            return 0.0
        return -1.0 if self.missing else 1.0

    def features(self) -> tuple[float, float]:
        """(given, not given) as 0/1: two weights, since a passage lacking what was asked says
        more than one giving it (the fit weighs them about -4 and +1)."""
        return float(self.score > 0), float(self.score < 0)

    def explain(self) -> str:
        """One clause for `Decision.explain`, or "" when the question asks for nothing listed."""
        if not self.asked:
            return ""
        asked = f"the question asks for {' and '.join(self.asked)}"
        if not self.missing:
            return f"{asked}; the passage gives {'one' if len(self.asked) == 1 else 'them'}"
        if len(self.asked) == 1:
            return f"{asked}; the passage gives none"
        return f"{asked}; the passage does not give {' or '.join(self.missing)}"


NOTHING_ASKED = Aspect()


def aspect(question: str, passage: str) -> Aspect:
    """What `question` asks for, and which of it `passage` (display text) does not give."""
    text = question.lower()
    asked = [f for f in families() if f.asked_by(text)]
    if not asked:
        return NOTHING_ASKED
    said = evidence(passage)
    return Aspect(
        tuple(f.what for f in asked), tuple(f.what for f in asked if not f.given_by(said))
    )


def asked_of(question: str, hits: Sequence[Hit], top: int = 5) -> Aspect:
    """What `question` asks for, and which of it the best file's passages among the best `top`
    `hits` do not give: a getting-started page may give the months in the section after the
    one that ranks first, and the answer shows both."""
    if not hits:
        return aspect(question, "")
    source = hits[0].chunk.citation.source
    found = (h.chunk for h in hits[:top] if h.chunk.citation.source == source)
    return aspect(question, "\n".join(f"{c.citation.label()}\n{c.text}" for c in found))
