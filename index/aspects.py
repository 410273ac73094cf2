"""What a question asks FOR, and whether the passage found gives it.

"how long will the whole ML engineer path take me" over a careers site and "how many months does
it take to become an mlops engineer" over a tree of topic cards read almost alike to the rest of
the decision (index/calibration.py): both find the subject's page, both read like the near-miss
career twins, both leave "how long" unexplained. What tells them apart is in the passage: the
careers site's page gives months per background ("Complete beginners: 18-24 months"), the topic
card says what MLOps is and gives no duration.

`index/aspects.txt` (written by us, general English, nothing keyed to a corpus) lists a handful
of such families: a duration, a pay figure, a word on pay, a price, a cost, financing or tax, a
degree, a visa, legal terms, interview, job-search and negotiation advice. Each has the question
cues that ask for it and the passage evidence that gives it, as small regular expressions. Most
questions ask for none. One that does is "given" when the best file's passages among the best
five give every family it asks for, "not given" when they lack one; the decision weighs the two
as 0/1 features. Link titles are left out of the evidence: "[How I learned SQL in 2
weeks](...)" under a topic card names another page, it does not say how long SQL takes. An
amount is asked for apart from the subject: "how much does a data engineer earn" wants a
figure, and "the work pays well" does not give one; "how much does a plan cost" wants a price,
and "a free GPU" on a list of tools does not give one.

Asked, not stated (round 10). Learners say where they come from before they ask: "I have a
stats degree, how many months is the data science path for me" asks for a duration, and its
degree is a background, not a question about degree requirements. `asking` splits a question
into clauses (at punctuation, a conjunction, or the interrogative that opens the ask) and blanks
those that state a background: a first-person statement ("I have ...", "I'm already a support
engineer", "my degree is in ...") or a bare background phrase ("as a self-taught dev", "with a
CS degree", "for someone with a masters", "career switcher here"), unless the clause still asks
("I need a degree?", "I wonder whether ...", "with only a history degree"). A stated lack ("I
have no degree") is background when the question asks for something besides ("..., how long is
the path for me") and the question itself otherwise ("..., can I become a data engineer"). The
families a background is made of (marked
`stated: background`: a degree, pay, a visa or residence, legal training, a job) are read from
the blanked question; so "do I need a degree", "is a degree required" and "without a degree,
how long ..." still ask for a degree. Events stay asked wherever they are said ("I have an
interview tomorrow, how do I prepare" asks for interview advice), and a question that only
states ("my salary is too low for a data engineer") asks what it states. Every other feature of
the decision reads the whole question.

Given, but where (round 10). A family marked `where: shown` (the duration) is also given by the
best three passages of any file, what an answer shows: "I'm already a support engineer aiming
for a lead role, how long is the path for me" ranks the career-ladder page first and the path's
getting-started page, with its months per background, second. Words on a topic (hiring, law,
a degree) stay read from the best file only: every careers page names them, and widening them
to the best three lets eight off-topic questions of the read sets through. Durations are read in
figures and words: "6-9 months", "12 wk", "1.5 years", "two to three months", "about a year",
"a year or two", "half a year"; not "twice a year" or "$90k a year".

Judged by its subject (round 11). A family marked `judge: subject` (the duration), when given,
is left out of what the near-miss twins and the leftover read: index/given_subject.py.

Measured in issue 12's eighth and tenth rounds (bench/abstention_rounds.md has the figures):
held out, no corpus drops and the total gains; the families were refined after reading the
read sets' errors, so they are held out for the weights, not for their wording.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from index.bundled import bundled_lines

if TYPE_CHECKING:
    from index.documents import Chunk, Hit

_ASPECTS = "aspects.txt"
# Where one clause of a question ends and the next begins: punctuation, a conjunction, or the
# interrogative that opens the ask ("I have a stats degree how many months ..." has two).
_CLAUSE_END = re.compile(
    r"[,.;:!?()]+|\s(?:and|but|so|though|although|because)\s|\s(?:-+|–|—)\s|[–—]"
    # ... but "someone who did a stats degree" is one clause: "who" there opens no ask.
    r"|(?<!someone )(?<!somebody )(?<!person )(?<!people )(?<!student )"
    r"(?=\b(?:how|what|which|when|where|why|who|whom)\b)"
    r"|(?=\b(?:do|does|can|could|should|will|would|is|are|am|must) "
    r"(?:i|you|we|they|one|it|there|someone)\b)"
)
# A clause that states the learner's background: a first-person statement ("I have a stats
# degree", "I'm paid well now", "my degree is in physics") or a bare background phrase ("as a
# self-taught dev", "with a CS degree", "coming from support").
_STATES = re.compile(
    r"\s*(?:(?:i|i've|ive|i'm|im|i am|we|we're|we've|my|our|currently|already)\b"
    r"|(?:as (?:an?|someone|somebody)|with (?:my|a|an|our)|coming from|having|being"
    r"|after (?:my|a|an)|(?:for )?(?:someone|somebody|a person|people|a student) (?:with|who))\b"
    r"|[\w' -]+ here\s*$)"
)
# ... unless it asks all the same: "I need a degree?", "I wonder whether a bootcamp counts",
# "with only a history degree", "I'm thinking of a masters", "I'm applying to masters programs".
_STILL_ASKS = re.compile(
    r"\b(?:need|needs|needed|require\w*|necessary|mandatory|without|whether|if|wonder\w*|"
    r"want|wants|should|must|worth|enough|counts?|accepted|instead|better|only|just|"
    r"thinking|considering|planning|plan|hoping|trying|looking|going to|gonna|ask|asking|"
    r"know|sure|help|tell|curious|interested|unsure|confused|question|love|like|hope|going|"
    r"apply\w*|about to|deciding|choosing)\b"
)
# A lack ("I have no degree", "I don't live in the US") asks about the requirement when nothing
# else is asked ("I have no degree, can I become a data engineer"), not when something is ("I
# have no degree, how long is the path for me").
_LACKS = re.compile(r"\b(?:no|not|don't|dont|never|haven't|havent|lack\w*|without)\b")
# A Markdown link or image: its title names another page, not what this passage says.
_LINK = re.compile(r"!?\[[^\]]*\]\([^)]*\)|https?://\S+")


@dataclass(frozen=True)
class Family:
    """One thing a question can ask for, with the cues that ask for it and the evidence."""

    name: str
    what: str  # as in "the question asks for <what>"
    ask: tuple[re.Pattern[str], ...]
    give: tuple[re.Pattern[str], ...]
    shown: bool = False  # evidence from every passage the answer shows, not the best file's only
    background: bool = False  # a clause stating the learner's background does not ask for it
    subject: bool = False  # given, the twins judge the question without its cues (given_subject.py)

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
    flags: set[str] = set()
    options = {
        "where": ("shown", "best file"),
        "stated": ("background", "asked"),
        "judge": ("subject", "whole"),
    }

    def close() -> None:
        if head is not None:
            ask, give = tuple(fields["ask"]), tuple(fields["give"])
            shown, background, subject = (f in flags for f in ("shown", "background", "subject"))
            found.append(Family(*head, ask, give, shown, background, subject))

    for line in bundled_lines(_ASPECTS):
        kind, _, value = line.partition(":")
        value = value.strip()
        if kind == "family":
            close()
            name, _, what = value.partition("|")
            head = (name.strip(), what.strip())
            fields = {"ask": [], "give": []}
            flags = set()
        elif head is not None and value in options.get(kind, ()):
            flags.add(value)
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


def asking(question: str, lacks: bool = False) -> str:
    """The lower-case `question` with the clauses that state the learner's background blanked
    (the whole question when nothing else is left): in "I have a stats degree, how many months
    is the path for me" only the months are asked; "do I need a degree" and "without a degree,
    how long ..." are left whole. With `lacks`, a stated lack ("I have no degree") is blanked
    too."""
    text = question.lower()
    out: list[str] = []
    start = 0
    for end in (*_CLAUSE_END.finditer(text), None):
        stop = len(text) if end is None else end.start()
        clause = text[start:stop]
        stated = _STATES.match(clause) is not None and not _STILL_ASKS.search(clause)
        stated = stated and (lacks or not _LACKS.search(clause))
        out.append(" " * len(clause) if stated else clause)
        if end is not None:
            out.append(end.group())
            start = end.end()
    left = "".join(out)
    # All statement ("my salary is too low for a data engineer"): its ask is in the statement.
    return left if re.search(r"\w", left) else text


def aspect(question: str, passage: str, shown: str = "") -> Aspect:
    """What `question` asks for, and which of it `passage` (display text) does not give;
    `shown` is what the answer shows besides (other files' passages), evidence for the families
    marked `where: shown` only. A family marked `stated: background` is asked for only outside
    the clauses that state the learner's background (`asking`)."""
    text = question.lower()
    # Blanking clauses only takes words away: what the whole question does not ask, no part does.
    if not any(f.asked_by(text) for f in families()):
        return NOTHING_ASKED

    def read(stated_away: str) -> list[Family]:
        return [f for f in families() if f.asked_by(stated_away if f.background else text)]

    # A stated lack is background only when the question asks for something besides.
    strict, lax = asking(question), asking(question, lacks=True)
    asked = read(strict) if lax == strict else read(lax) or read(strict)
    if not asked:
        return NOTHING_ASKED
    said = evidence(passage)
    wider = f"{said}\n{evidence(shown)}" if shown else said
    return Aspect(
        tuple(f.what for f in asked),
        tuple(f.what for f in asked if not f.given_by(wider if f.shown else said)),
    )


def _display(chunks: Iterable[Chunk]) -> str:
    return "\n".join(f"{c.citation.label()}\n{c.text}" for c in chunks)


def asked_of(question: str, hits: Sequence[Hit], top: int = 5, shown: int = 3) -> Aspect:
    """What `question` asks for, and which of it the best file's passages among the best `top`
    `hits` do not give: a getting-started page may give the months in the section after the
    one that ranks first, and the answer shows both. A number of months is evidence in any of
    the best `shown` passages (what an answer shows): "how long is the path for me, a support
    engineer aiming for a lead role" ranks the career-ladder page first and the path's months
    second."""
    if not hits:
        return aspect(question, "")
    source = hits[0].chunk.citation.source
    best = _display(h.chunk for h in hits[:top] if h.chunk.citation.source == source)
    others = _display(h.chunk for h in hits[:shown] if h.chunk.citation.source != source)
    return aspect(question, best, others)
