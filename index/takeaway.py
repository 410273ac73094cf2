"""An answer's takeaway, and excerpts cut at sentence or list boundaries.

A passage is read as units: the sentences of its paragraphs and its list items (a list item is
one unit, whatever its sentences). The takeaway is the unit closest to the question among the
passages of the best passage's document: cosine similarity under the index's own model, plus
the share of the question's words it contains (the names and keywords a learner typed, which
the model may blur). An excerpt takes whole units up to a length and never ends on a lead-in
("Three things help:") without at least its first item.

Sentences are split with a small regex, not a segmentation library: those read plain prose,
while the structure that matters here is Markdown's (list items, headings, code fences).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from index.documents import Answer, Passage
from index.embedding_api import Embedder

__all__ = [
    "BEST_PASSAGE_BONUS",
    "LEXICAL_WEIGHT",
    "MAX_SENTENCES",
    "TAKEAWAY_MAX",
    "Unit",
    "best_document_takeaway",
    "compact",
    "excerpt",
    "plain",
    "takeaway",
    "units",
    "with_takeaway",
]

# Sentences of the best passage scored per question: one batch of at most this many texts
# (bench/answer_height.py prints the cost per question).
MAX_SENTENCES = 24
# The takeaway is a line to read at a glance, not a paragraph.
TAKEAWAY_MAX = 300
# Weight of the question's words found in a sentence, next to its cosine (0-1 each). Set by
# hand, not tuned: enough to break near-ties between sentences the model finds equally close.
LEXICAL_WEIGHT = 0.3
# The section that ranked first says a lot about what was asked: a sentence of another section
# of its document must beat its best by this much (cosine scale) to be the takeaway.
BEST_PASSAGE_BONUS = 0.2
# Sentences shorter than this many words ("Yes.", a bare label) do not answer on their own.
_MIN_WORDS = 4
# A lead-in may take this many characters beyond an excerpt's limit to show its first item.
_LEAD_SLACK = 120
_MIN_ROOM = 40  # an item shortened below this says nothing
# List items up to this many characters share a line with their short siblings.
_SHORT_ITEM = 60
_MERGED_LINE = 160
# A list item that only names what is under it: "**Resources:**", "Search strategies:".
_LABEL = re.compile(r"^(\*\*[^*]{1,60}\*\*:?|[^*:]{1,60}:|\*\*[^*]{1,60}:\*\*)$")

_FENCE = re.compile(r"^\s*(```|~~~)")
_SKIPPED = re.compile(r"^\s{0,3}#{1,6}\s|^\s*\||^\s*(<[^>]*>\s*)+$|^(import|export)\s")
_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_QUOTE = re.compile(r"^\s*>\s?")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’')\]*_]*\s+(?=[\"“‘'(\[*_`]*[A-Z0-9])")
_ABBREVIATIONS_TEXT = "e.g. i.e. etc. vs. cf. approx. dr. mr. mrs. ms. no. fig. st."
_ABBREVIATIONS = frozenset(_ABBREVIATIONS_TEXT.split())
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)\s]*\)")
_MARKS = re.compile(r"\*\*|__|`|(?<!\w)[*_]|[*_](?!\w)")
_WORD = re.compile(r"[a-z0-9][a-z0-9+#]*")
# A sentence that announces what follows: "They do three things.", "There are a few ways".
_ANNOUNCES = re.compile(
    r"\b(two|three|four|five|six|seven|eight|nine|ten|\d+|several|a few|these|the following)"
    r"\b[^.!?]{0,40}\b(things|steps|ways|kinds|types|parts|stages|reasons|points|questions|"
    r"rules|habits|options|signs|ideas|areas|skills|topics|mistakes|tips|levels|phases|"
    r"components|pillars|habits|tools|fixes|checks)\b|\bas follows\b",
    re.IGNORECASE,
)
# Openings that lean on the sentence before ("This means…"): read together with it.
_ANAPHORA = re.compile(r"^(this|that|these|those|it|its|they|such|so|then|but)\b", re.IGNORECASE)
_STOP_WORDS = """
    a about am an and any are as at be been being but by can could did do does doing for from
    had has have how i if in into is it its just me my of on or our should so some than that the
    their them then there these they this those to too was we were what when where which who why
    will with would you your much many get really need
"""
_STOP = frozenset(_STOP_WORDS.split())


@dataclass(frozen=True)
class Unit:
    """A sentence of a paragraph or one list item, as display Markdown on one line."""

    text: str
    item: bool = False
    depth: int = 0  # nesting of a list item
    block: int = 0  # the paragraph or list it belongs to

    @property
    def lead_in(self) -> bool:
        """True when the unit announces what follows (ends with ':' or names a count)."""
        return self.text.rstrip(" *_").endswith(":") or bool(_ANNOUNCES.search(self.text))


def units(text: str) -> list[Unit]:
    """The sentences and list items of Markdown `text`, in order (headings, tables and code
    blocks are left out: the citation names the section, and cut code helps nobody)."""
    out: list[Unit] = []
    lines: list[str] = []  # the paragraph or list item being read
    depth: int | None = None  # the depth of the item being read, None in a paragraph
    block = 0
    listing = False  # inside a list: its items share a block
    fenced = False

    def flush() -> None:
        nonlocal lines, depth
        joined = " ".join(" ".join(lines).split())
        if joined and depth is not None:
            out.append(Unit(joined, True, depth, block))
        elif joined:
            out.extend(Unit(s, False, 0, block) for s in _sentences(joined))
        lines, depth = [], None

    for raw in text.split("\n"):
        if _FENCE.match(raw) or fenced or _SKIPPED.match(raw):
            flush()
            if _FENCE.match(raw):
                fenced = not fenced
            block += 1
            listing = False
            continue
        line = _QUOTE.sub("", raw)
        item = _ITEM.match(line)
        if item:
            flush()
            if not listing:
                block += 1
                listing = True
            depth = len(item.group(1).expandtabs(4)) // 2
            lines = [item.group(2)]
        elif not line.strip():
            flush()
        elif lines:
            lines.append(line)  # a soft wrap: the same sentence or item goes on
        else:
            block += 1  # a new paragraph
            listing = False
            lines = [line]
    flush()
    return out


def _sentences(paragraph: str) -> list[str]:
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        before = paragraph[start : match.start()].rsplit(" ", 1)[-1].casefold().lstrip("(*_")
        if before in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", before):
            continue  # "e.g. Python", "J. Smith": not a sentence end
        out.append(paragraph[start : match.end()].strip())
        start = match.end()
    out.append(paragraph[start:].strip())
    return [s for s in out if s]


def plain(markdown: str) -> str:
    """Markdown as words: links reduced to their text, emphasis and code marks removed."""
    return " ".join(_MARKS.sub("", _LINK.sub(r"\1", markdown)).split())


def _stems(text: str) -> set[str]:
    # Crude but enough for overlap: "models" meets "model", "training" meets "train".
    out = set()
    for word in _WORD.findall(text.casefold()):
        if word in _STOP:
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
        out.add(word[:6])
    return out


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def takeaway(
    question: str, text: str, embedder: Embedder, *, others: Sequence[str] = ()
) -> str | None:
    """The sentence(s) that best answer `question` in passage `text` or, clearly better, in
    the `others` (more passages of its document), as display Markdown; None when no sentence
    is long enough to answer on its own.

    One call to the model: the question and at most `MAX_SENTENCES` sentences in one batch.
    """
    found = units(text)
    first = len(found)
    for other in others:
        offset = found[-1].block + 1 if found else 0
        found += [replace(u, block=u.block + offset) for u in units(other)]
    candidates = [i for i, u in enumerate(found) if _answers_alone(u.text)][:MAX_SENTENCES]
    if not candidates:
        return None
    texts = [plain(found[i].text) for i in candidates]
    vectors = embedder.encode([question, *texts])
    cosine = vectors[1:] @ vectors[0]
    asked = _stems(question)
    overlap = np.array(
        [len(asked & _stems(t)) / len(asked) if asked else 0.0 for t in texts], dtype=np.float32
    )
    bonus = np.array([BEST_PASSAGE_BONUS if i < first else 0.0 for i in candidates])
    best = candidates[int(np.argmax(cosine + LEXICAL_WEIGHT * overlap + bonus))]
    return _whole(found, best)


def _answers_alone(markdown: str) -> bool:
    """Long enough to say something, and not a pointer elsewhere ("Read the [guide](…)"):
    a sentence whose words are mostly a link's label sends the learner away to find out."""
    words = len(plain(markdown).split())
    linked = sum(len(m.group(1).split()) for m in _LINK.finditer(markdown))
    return words >= _MIN_WORDS and 3 * linked < words


def _whole(found: Sequence[Unit], best: int) -> str:
    """The best unit with what it needs to read alone: the sentence its "This…" points back
    to, the items its lead-in announces."""
    unit = found[best]
    text = unit.text
    if not unit.item and best > 0 and _ANAPHORA.match(plain(text)):
        before = found[best - 1]
        if not before.item and before.block == unit.block:
            text = f"{before.text} {text}"
    if unit.lead_in and best + 1 < len(found):
        following = [u for u in found[best + 1 :] if u.item and u.block == found[best + 1].block]
        if following:
            items = "; ".join(u.text.rstrip(" .;,") for u in following)
            text = f"{text.rstrip()} {items}."
        elif text.rstrip(" *_").endswith(":"):
            text = f"{text} {found[best + 1].text}"
    return shorten(text, TAKEAWAY_MAX)


def _in(unit: Unit, shown: str) -> bool:
    return unit.text.rstrip(" .;,") in shown


def excerpt(text: str, limit: int, *, skip: str = "") -> list[Unit]:
    """The units of `text` to show within about `limit` characters: whole units from the start
    (the first one shortened when it alone is too long), those already shown in `skip` (the
    takeaway) left out, never ending on a lead-in without its first item. A list cut short ends
    with an item whose text ends in "…"."""
    found = [u for u in units(text) if not (skip and _in(u, skip))]
    chosen: list[Unit] = []
    used = 0
    for unit in found:
        cost = len(unit.text) + 1
        if used + cost > limit:
            if not chosen:
                chosen.append(replace(unit, text=shorten(unit.text, limit)))
            break
        chosen.append(unit)
        used += cost
    dropped = False  # once a lead-in had to go, nothing more is added
    while chosen and chosen[-1].lead_in:
        nxt = len(chosen)
        room = limit + _LEAD_SLACK - used
        if not dropped and nxt < len(found) and room >= _MIN_ROOM:
            chosen.append(replace(found[nxt], text=shorten(found[nxt].text, room)))
            used += len(chosen[-1].text) + 1
            continue
        if len(chosen) == 1:
            # Nothing it announces can be shown: say that more follows, not ":".
            last = chosen[0]
            chosen[0] = replace(last, text=last.text.rstrip(" :") + " …")
            break
        used -= len(chosen.pop().text) + 1
        dropped = True
    cut_list = False
    if chosen and chosen[-1].item and len(chosen) < len(found):
        following = found[len(chosen)]
        cut_list = following.item and following.block == chosen[-1].block
    chosen = compact(chosen)
    if cut_list and chosen and not chosen[-1].text.endswith("…"):
        chosen[-1] = replace(chosen[-1], text=chosen[-1].text + " …")
    return chosen


def _short(unit: Unit) -> bool:
    return unit.item and not unit.lead_in and len(plain(unit.text)) <= _SHORT_ITEM


def compact(found: Sequence[Unit]) -> list[Unit]:
    """Fewer lines for the same words: a run of short sibling items becomes one line
    ("a · b · c"), and a label item with a single line under it reads "Label: that line"."""
    merged: list[Unit] = []
    for unit in found:
        last = merged[-1] if merged else None
        if (
            last is not None
            and _short(unit)
            and last.item
            and last.depth == unit.depth
            and last.block == unit.block
            and _short(replace(last, text=last.text.split(" · ")[-1]))
            and len(plain(last.text)) + len(plain(unit.text)) <= _MERGED_LINE
        ):
            merged[-1] = replace(last, text=f"{last.text} · {unit.text}")
        else:
            merged.append(unit)
    out: list[Unit] = []
    for i, unit in enumerate(merged):
        parent = out[-1] if out else None
        alone = i + 1 == len(merged) or merged[i + 1].depth <= unit.depth - 1
        if (
            parent is not None
            and unit.item
            and parent.item
            and unit.depth == parent.depth + 1
            and _LABEL.match(parent.text)
            and alone
        ):
            label = parent.text.rstrip(" ").rstrip(":").rstrip(" ")
            label = label[:-3] + "**" if label.endswith(":**") else label
            out[-1] = replace(parent, text=f"{label}: {unit.text}")
        else:
            out.append(unit)
    return out


def best_document_takeaway(
    question: str, passages: Sequence[Passage], embedder: Embedder
) -> str | None:
    """The takeaway among the passages of the best passage's document (best passage first).

    A document's sections share one subject, and the sentence that answers is not always in
    the section that ranked first ("how much maths?": the budget, not the study order)."""
    if not passages:
        return None
    first = passages[0].citation
    same = [
        p.text
        for p in passages[1:]
        if (p.citation.source, p.citation.title) == (first.source, first.title)
    ]
    return takeaway(question, passages[0].text, embedder, others=same)


def with_takeaway(answer: Answer, embedder: Embedder) -> Answer:
    """`answer` with its takeaway (unchanged when it abstained)."""
    if not answer.answered or not answer.passages or answer.takeaway:
        return answer  # abstained, or already said (a roadmap-order answer's lead)
    line = best_document_takeaway(answer.question, answer.passages, embedder)
    return replace(answer, takeaway=line)
