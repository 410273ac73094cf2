"""Questions about the order of a roadmap ("what comes after X", "where do I start"), answered
from the roadmap's module order rather than by text similarity alone (issue 14).

`answer` recognises the question, finds the module or roadmap it names (lexically against
module titles, ids and topics; the learner's plan and the ranked passages break ties) and puts
the right module's own roadmap passage first, led by one sentence rendered from the catalog.
Anything it does not recognise, or cannot resolve without guessing, is left untouched (None).
A knowledge base without roadmap YAML (a docs tree) has no catalog roadmaps: nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from index.catalog import Module, Roadmap
from index.documents import TRAIL_SEPARATOR, Answer, Chunk, Hit, Passage
from index.snapshot import Snapshot
from index.spelling import stems

__all__ = ["OrderQuestion", "answer", "recognise"]

T = TypeVar("T")

# Words that may sit between "what" and "after"/"before"/"first" in an order question. A word
# outside this list ("what HAPPENS after training", "what MODEL should I try first") means the
# question is about something else.
_FILLER = (  # noqa: SIM905 (a word list reads best as one string)
    "is are comes come goes go should would could can must do does i we you me to the a my "
    "next up right directly just immediately then module modules step steps part stage one "
    "thing course topic learn study take tackle pick move on work focus look at start begin "
    "need know finish complete have recommended best usually normally supposed be"
).split()
_W = "(?:" + "|".join(_FILLER) + ")"
_ASK = rf"(?:what|which|where)(?: {_W})*"
_LEAD_IN = r"^(?:(?:so|ok|okay|and|hi|hey|now|then),? )*"
_ANY_CLAUSE = r"(?:[^,]+, )?"  # "i am coming from data engineering, what should i do first"
_NEXT_TAIL = (
    rf"(?:now what|what now|then what|what next"
    rf"|{_ASK} (?:next|now|from here|after that|afterwards|then))"
)
_DONE = (
    r"(?:i )?(?:have |am |just |already )*"
    r"(?:finished|completed|done with|through with|wrapped up|passed|did)"
)
_IN = r"(?: (?:in|on|for|of|with|when doing|when starting) (?P<x>.+))?$"

# (kind, pattern) tried in order on the normalised question; `x` (and `y`) name the modules or
# the roadmap. First matching pattern wins.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(_LEAD_IN + pattern))
    for kind, pattern in (
        ("which-first", rf"should (?:i|we) {_W}(?: {_W})* (?P<x>.+?) or (?P<y>.+?) first$"),
        ("which-first", rf"{_ASK} first,? (?:the )?(?P<x>.+?) or (?:the )?(?P<y>.+)$"),
        ("which-first", rf"(?:the )?(?P<x>.+?) or (?:the )?(?P<y>.+?),? {_ASK} first$"),
        (
            "next",
            rf"{_ANY_CLAUSE}(?:once |now that |since |when )?{_DONE} (?:the )?(?P<x>.+?),? "
            rf"(?:(?:so|and|now) )?{_NEXT_TAIL}$",
        ),
        ("next", rf"{_ASK} (?:after|follows|following) (?P<x>.+)$"),
        # No module named: the learner's current module (only with a plan).
        (
            "next",
            rf"(?:{_DONE}(?: it| this| that| my module| this module| the module)?,? )?"
            rf"(?:(?:so|and|now) )?(?:{_NEXT_TAIL}|{_ASK} next)$",
        ),
        ("next", rf"(?:the )?next(?: {_W})* after (?P<x>.+)$"),
        ("next", rf"after (?P<x>.+?),? (?:{_NEXT_TAIL}|{_ASK} next)$"),
        # What one *needs* before a module is its prerequisites, not the module just before.
        (
            "prerequisite",
            rf"(?:what|which)(?: {_W})* need(?: {_W})* (?:before|prior to|for) (?P<x>.+)$",
        ),
        ("previous", rf"{_ASK} (?:before|prior to|ahead of) (?P<x>.+)$"),
        (
            "prerequisite",
            rf"{_ASK} (?:the )?(?:prerequisites?|prereqs?|requirements) (?:for|of|to) (?P<x>.+)$",
        ),
        (
            "order",
            rf"(?:in )?(?:what|which) (?:order|sequence) (?:should|do|must|can|would) (?:i|we) "
            rf"{_W}(?: {_W})* (?P<x>.+?)(?: in)?$",
        ),
        ("order", r"what is the (?:order|sequence) of (?:the )?(?P<x>.+)$"),
        ("first", rf"{_ANY_CLAUSE}{_ASK} (?:first|start with|begin with){_IN}"),
        (
            "first",
            rf"{_ANY_CLAUSE}where (?:do|should|can|would|must) (?:i|we|one) "
            rf"(?:start|begin|get started)(?: (?:with|in|on|for) (?P<x>.+))?$",
        ),
        (
            "first",
            rf"{_ANY_CLAUSE}{_ASK} (?:the )?(?:first|starting|opening) "
            rf"(?:module|step|part|stage|thing){_IN}",
        ),
    )
)

# Short forms a learner types for words of module titles; applied to both sides before stemming.
_EXPAND = {
    "ml": "machine learning",
    "ai": "artificial intelligence",
    "llm": "large language model",
    "llms": "large language model",
    "cicd": "ci cd",
    "iac": "infrastructure as code",
    "k8s": "kubernetes",
    "stats": "statistics",
    "math": "mathematics",
    "maths": "mathematics",
    "viz": "visualization",
    "sysadmin": "system administration",
    "&": "and",
}
_STOP = frozenset(
    (  # noqa: SIM905
        "a an and course for from i in me module modules my of on part path paths roadmap "
        "section step that the this to track with"
    ).split()
)
_TOKEN = re.compile(r"[a-z0-9+#]+|&")
_EXACT = 0.999
# An order question is a sentence or two; longer texts are left alone, which also keeps the
# patterns' backtracking small.
_MAX_CHARS = 300


@dataclass(frozen=True)
class OrderQuestion:
    """What an order question asks: its kind, and the phrases naming modules or a roadmap."""

    kind: str  # next | previous | prerequisite | first | order | which-first
    subject: str = ""  # the module (next/previous/prerequisite) or roadmap (first/order) named
    other: str = ""  # which-first: the second module


def recognise(question: str) -> OrderQuestion | None:
    """The order question in `question`, or None when it asks something else."""
    if len(question) > _MAX_CHARS:
        return None
    text = _normalise(question)
    for kind, pattern in _PATTERNS:
        m = pattern.match(text)
        if m is not None:
            groups = m.groupdict()
            return OrderQuestion(kind, _trim(groups.get("x") or ""), _trim(groups.get("y") or ""))
    return None


def answer(
    question: str,
    snapshot: Snapshot,
    hits: Sequence[Hit],
    ordinary: Answer,
    plan: tuple[str, str] | None = None,
) -> Answer | None:
    """`ordinary` with the module the order question asks for cited first, or None.

    `question` is the spelling-corrected text; `plan` is the learner's (path id, module id).
    """
    roadmaps = snapshot.catalog.roadmaps
    if not roadmaps:
        return None
    asked = recognise(question)
    if asked is None:
        return None
    found = _resolve(asked, list(roadmaps.values()), hits, plan)
    if found is None:
        return None
    roadmap, target, lead = found
    if asked.kind in ("first", "order"):
        lead += _pathway(roadmap, question, asked.subject)
    chunk = _module_passages(snapshot).get((roadmap.id, target.id))
    if chunk is None:
        return None
    # Its own ranked score (0 when the question's ranking did not reach it): cited first
    # because the roadmap says so, not because it scored best.
    score = next((h.score for h in hits if h.chunk.key == chunk.key), 0.0)
    first = Passage(chunk.text, score, chunk.citation, roadmap.id, target.id)
    others = tuple(p for p in ordinary.passages if p.citation != chunk.citation)
    keep = max(1, len(ordinary.passages)) - 1
    return replace(
        ordinary,
        answered=True,
        passages=(first, *others[:keep]),
        # The roadmap's own answer is the line that says it: no sentence of a passage is.
        takeaway=lead,
        suggestions=(),
        covered=(),
        confidence=max(ordinary.confidence, 0.5),
    )


def _resolve(
    asked: OrderQuestion,
    roadmaps: list[Roadmap],
    hits: Sequence[Hit],
    plan: tuple[str, str] | None,
) -> tuple[Roadmap, Module, str] | None:
    """(roadmap, module to cite first, lead sentence), or None when it cannot be told."""
    if asked.kind in ("first", "order"):
        roadmap = _pick_roadmap(asked.subject, roadmaps, hits, plan)
        if roadmap is None:
            return None
        return roadmap, roadmap.modules[0], _first_lead(roadmap, asked.kind)
    if asked.kind == "which-first":
        return _which_first(asked, roadmaps, hits, plan)
    named = _plan_module(roadmaps, plan) if not _stems(asked.subject) else None
    named = named or _pick_module(asked.subject, roadmaps, hits, plan)
    if named is None:
        return None
    roadmap, module = named
    index = roadmap.modules.index(module)
    if asked.kind == "next":
        if index + 1 == len(roadmap.modules):
            return roadmap, module, _last_lead(roadmap, module)
        after = roadmap.modules[index + 1]
        return (
            roadmap,
            after,
            f"After **{module.title}** comes **{after.title}** ({_facts(roadmap, after)}).",
        )
    if index == 0:
        lead = (
            f"**{module.title}** is the first module of the {roadmap.title} roadmap: "
            "nothing comes before it."
        )
        return roadmap, module, lead
    return roadmap, *_before(roadmap, module, asked.kind)


def _which_first(
    asked: OrderQuestion, roadmaps: list[Roadmap], hits: Sequence[Hit], plan: tuple[str, str] | None
) -> tuple[Roadmap, Module, str] | None:
    """The earlier of two modules of one roadmap. The phrase that names a module on its own
    decides the roadmap the other is looked up in ("reporting or model evaluation")."""
    one = _pick_module(asked.subject, roadmaps, hits, plan)
    two = _pick_module(asked.other, roadmaps, hits, plan)
    if one is not None and (two is None or two[0] != one[0]):
        two = _pick_module(asked.other, [one[0]], hits, plan)
    if two is not None and (one is None or one[0] != two[0]):
        one = _pick_module(asked.subject, [two[0]], hits, plan)
    if one is None or two is None or one[0] != two[0] or one[1] == two[1]:
        return None
    roadmap = one[0]
    early, late = sorted((one[1], two[1]), key=lambda m: m.order)
    lead = (
        f"**{early.title}** ({_position(roadmap, early)}) comes before **{late.title}** "
        f"({_position(roadmap, late)}) in the {roadmap.title} roadmap."
    )
    return roadmap, early, lead


def _plan_module(
    roadmaps: list[Roadmap], plan: tuple[str, str] | None
) -> tuple[Roadmap, Module] | None:
    """The learner's current module ("what's next?" names none)."""
    roadmap = next((r for r in roadmaps if plan is not None and r.id == plan[0]), None)
    module = roadmap.module(plan[1]) if roadmap is not None and plan is not None else None
    return (roadmap, module) if roadmap is not None and module is not None else None


def _before(roadmap: Roadmap, module: Module, kind: str) -> tuple[Module, str]:
    """The module to study before `module` and the sentence saying so."""
    listed = [m for m in (roadmap.module(p) for p in module.prerequisites) if m is not None]
    previous = roadmap.modules[roadmap.modules.index(module) - 1]
    if kind == "prerequisite" and listed:
        target = max(listed, key=lambda m: m.order)
        names = _names(listed)
        s = "" if len(listed) == 1 else "s"
        return target, (
            f"**{module.title}** lists {names} as its prerequisite{s} "
            f"({target.title}: {_facts(roadmap, target)})."
        )
    lead = f"Before **{module.title}** comes **{previous.title}** ({_facts(roadmap, previous)})."
    if listed and listed != [previous]:
        lead += f" Its listed prerequisites are {_names(listed)}."
    return previous, lead


def _first_lead(roadmap: Roadmap, kind: str) -> str:
    first = roadmap.modules[0]
    if kind == "order":
        steps = " → ".join(m.title for m in roadmap.modules)
        return f"The {roadmap.title} roadmap goes in this order: {steps}."
    lead = f"The {roadmap.title} roadmap starts with **{first.title}** ({_facts(roadmap, first)})"
    if len(roadmap.modules) > 1:
        lead += f", then **{roadmap.modules[1].title}**"
    return lead + "."


def _last_lead(roadmap: Roadmap, module: Module) -> str:
    return (
        f"**{module.title}** is the last module of the {roadmap.title} roadmap "
        f"({_position(roadmap, module)}): nothing comes after it in this path."
    )


def _pathway(roadmap: Roadmap, question: str, subject: str) -> str:
    """What the roadmap says for a background the question names ("coming from data
    engineering"), outside the phrase that named the roadmap itself."""
    words = _stems(_normalise(question).replace(subject, " ") if subject else question)
    for pathway in roadmap.pathways:
        needed = _stems(pathway.background.replace("-", " "))
        if needed and needed <= words:
            months = _span(pathway.months_min, pathway.months_max)
            text = (
                f" For the {pathway.background} pathway the roadmap plans about {months} months "
                "in all"
            )
            return text + (f": {pathway.note}" if pathway.note else ".")
    return ""


def _pick_roadmap(
    phrase: str, roadmaps: list[Roadmap], hits: Sequence[Hit], plan: tuple[str, str] | None
) -> Roadmap | None:
    """The roadmap a phrase names; with no phrase, the learner's or the only one."""
    by_id = {r.id: r for r in roadmaps}
    if phrase:
        words = _stems(phrase)
        scores = {r.id: _coverage(_roadmap_words(r, roadmaps), words) for r in roadmaps}
        best = max(scores.values())
        if best <= 0:
            return None
        tied = [by_id[i] for i, s in scores.items() if s == best]
        return _tie_break(tied, hits, plan, lambda r: (r.id, None))
    if plan is not None and plan[0] in by_id:
        return by_id[plan[0]]
    return roadmaps[0] if len(roadmaps) == 1 else None


def _pick_module(
    phrase: str, roadmaps: list[Roadmap], hits: Sequence[Hit], plan: tuple[str, str] | None
) -> tuple[Roadmap, Module] | None:
    """The (roadmap, module) a phrase names by title, id or topic; ties need a tie-breaker."""
    words = _stems(phrase)
    if not words:
        return None
    scored: list[tuple[float, float, Roadmap, Module]] = []
    for r in roadmaps:
        mention = _coverage(_roadmap_words(r, roadmaps), words)
        for m in r.modules:
            title = max(_coverage(_stems(m.title), words), _coverage(_stems(m.id), words))
            if title < _EXACT:
                # A module named by one of its topics counts, below any title match.
                topics = max((_coverage(_stems(t), words) for t in m.topics), default=0.0)
                title = max(title, 0.5 * topics if topics >= _EXACT else 0.0)
            if title >= 0.5:
                scored.append((title, mention, r, m))
    if not scored:
        return None
    best = max(s[:2] for s in scored)
    tied = [(r, m) for t, mention, r, m in scored if (t, mention) == best]
    return _tie_break(tied, hits, plan, lambda rm: (rm[0].id, rm[1].id))


def _tie_break(
    tied: list[T],
    hits: Sequence[Hit],
    plan: tuple[str, str] | None,
    ident: Callable[[T], tuple[str, str | None]],
) -> T | None:
    """One of equally named candidates: the learner's plan roadmap, else the best ranked.

    `ident` gives a candidate's (path id, module id or None)."""
    if len(tied) == 1:
        return tied[0]
    if plan is not None:
        mine = [c for c in tied if ident(c)[0] == plan[0]]
        if len(mine) == 1:
            return mine[0]
    for hit in hits:
        for c in tied:
            path_id, module_id = ident(c)
            if hit.chunk.path_id == path_id and module_id in (None, hit.chunk.module_id):
                return c
    return None


def _roadmap_words(roadmap: Roadmap, roadmaps: list[Roadmap]) -> set[str]:
    """The words that tell this roadmap from the others ("mlops", not "engineering")."""
    common = set.intersection(*(_stems(r.title) for r in roadmaps)) if len(roadmaps) > 1 else set()
    return (_stems(roadmap.title) | _stems(roadmap.id)) - common


def _coverage(needed: set[str], words: set[str]) -> float:
    return len(needed & words) / len(needed) if needed else 0.0


def _module_passages(snapshot: Snapshot) -> dict[tuple[str, str], Chunk]:
    """The first chunk of each module's own roadmap passage (not its resources or articles)."""

    def compute() -> dict[tuple[str, str], Chunk]:
        titles = {
            (r.id, m.id): (r.title, m.title)
            for r in snapshot.catalog.roadmaps.values()
            for m in r.modules
        }
        out: dict[tuple[str, str], Chunk] = {}
        for chunk in snapshot.chunks:
            key = (chunk.path_id or "", chunk.module_id or "")
            want = titles.get(key)
            section = chunk.citation.section.split(TRAIL_SEPARATOR)[0]
            if want == (chunk.citation.title, section) and key not in out:
                out[key] = chunk
        return out

    return snapshot.derived("roadmap-order:passages", compute)


def _facts(roadmap: Roadmap, module: Module) -> str:
    weeks = _span(module.weeks_min, module.weeks_max)
    return f"{_position(roadmap, module)}, about {weeks} weeks at {module.hours_per_week:g} h/week"


def _position(roadmap: Roadmap, module: Module) -> str:
    # Numbered as knowledge/README.md defines `order`: 0 is the prerequisites, then modules
    # 1, 2, 3 ("ML Fundamentals is module 1 of the path", as the articles say).
    numbered = [m for m in roadmap.modules if m.order > 0]
    if module not in numbered:
        return "before module 1"
    return f"module {numbered.index(module) + 1} of {len(numbered)}"


def _span(low: float, high: float) -> str:
    return f"{low:g}" if low == high else f"{low:g}-{high:g}"  # as the passages write it


def _names(modules: Sequence[Module]) -> str:
    names = [f"**{m.title}**" for m in modules]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _normalise(text: str) -> str:
    text = text.lower().replace("’", "'").replace("?", " ").replace("!", " ")
    for short, long in (("what's", "what is"), ("whats", "what is"), ("where's", "where is")):
        text = re.sub(rf"\b{short}(?!\w)", long, text)
    text = re.sub(r"\bi'?m\b", "i am", text)
    text = re.sub(r"\bi'?ve\b", "i have", text)
    text = re.sub(r"\s*,\s*", ", ", text)
    return " ".join(text.replace(".", " ").split()).strip(" ,")


def _trim(phrase: str) -> str:
    """The named phrase without leading verbs ("starting model evaluation")."""
    lead = r"^(?:(?:starting|doing|taking|beginning|learning|finishing|the) )+"
    phrase = re.sub(lead, "", phrase)
    return phrase.strip(" ,")


def _stems(text: str) -> set[str]:
    words: list[str] = []
    for word in _TOKEN.findall(text.lower().replace("/", " ").replace("-", " ")):
        words.extend(_EXPAND.get(word, word).split())
    kept = [w.replace("isation", "ization") for w in words if w not in _STOP]
    return set(stems(kept)) if kept else set()
