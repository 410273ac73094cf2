"""A named feature of a tool that the corpus never mentions: "consumer group", "pod autoscaler".

On a docs tree of topic cards, a question about a named feature, command or component of a tool
the tree has a card for ("kafka consumer group rebalancing", "set up a horizontal pod
autoscaler") finds the tool's card, and every generic form of "the passage lacks a part of the
question" also fires on fair paraphrases (bench/abstention_rounds.md, rounds 8, 10 and 12). What
tells them apart is knowing that the words form a NAME: `index/tool_features.txt`, written by us
from general knowledge (~900 names), is that knowledge, as `index/technologies.txt` is for whole
technologies (index/calibration.py, rule 5).

How a name is compared, on both sides with the stems BM25 uses (index/lexical.py `tokenize`:
stop words left out, so "taints and tolerations" is the pair "taint toler"):
- The corpus mentions a name when every adjacent pair of its stems stands side by side in some
  passage (the phrase field's pairs, index/phrases.py), in either order ("autoscaling pods"
  mentions "pod autoscaler"), and a stem may be any corpus stem it is a prefix of or that is a
  prefix of it, four letters at least ("garbage collection" mentions "garbage collector"). A
  one-stem name ("autovacuum") is mentioned when some passage uses a stem so related. Lenient by
  design: a name counted as mentioned only loses evidence, a name missed refuses a fair question.
- A question names one when the name's stems stand in it side by side, in order, as typed or as
  the speller corrected it.
- A name with a one-letter word ("a/b testing", "n+1 queries") is left out: BM25 drops the letter
  and what is left ("testing") is no name.
Computed once per snapshot from the BM25 index (3-14 ms on our four corpora), then a dictionary
look-up per question word. index/calibration.py (`Calibration.feature`, rule 5 of its docstring)
makes it a rule: a question naming such a feature is not covered, confidence 0, and
`Decision.explain()` says "the knowledge base never mentions <feature>". Held out
(bench/tool_features.py, leave-one-corpus-out, 1,763 questions): 1,680 right without, 1,695 with
the rule, no corpus lower; as a fitted 0/1 weight instead, 1,686 (bench/abstention_rounds.md,
round 12, names which figures are tuned).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import defaultdict
from collections.abc import Sequence

from index.bundled import bundled_lines, first_named
from index.lexical import LexicalIndex, tokenize

FILE = "tool_features.txt"
_PIECE = re.compile(r"\w+")
_PREFIX = 4  # shortest stem that stands for its longer forms

# (name as written, its stems)
Names = tuple[tuple[str, tuple[str, ...]], ...]


@functools.cache
def tool_features(file: str = FILE) -> Names:
    """(name as written, its stems) for every usable name of a bundled list of feature names
    (`index/tool_features.txt`; a bench may pass another file)."""
    usable = [n for n in bundled_lines(file) if all(len(p) > 1 for p in _PIECE.findall(n))]
    out: dict[tuple[str, ...], str] = {}
    for name, stems in zip(usable, tokenize(usable), strict=True):
        if stems:
            out.setdefault(tuple(stems), name)
    return tuple((name, stems) for stems, name in out.items())


class NamedFeatures:
    """The bundled feature names one corpus never mentions, and which a question names."""

    def __init__(self, lexical: LexicalIndex, names: Names | None = None) -> None:
        by_start: dict[str, list[str]] = defaultdict(list)
        for stem in lexical.stems():
            by_start[stem[:_PREFIX]].append(stem)

        def forms(stem: str) -> list[str]:
            if len(stem) < _PREFIX:
                return [stem] if stem in by_start.get(stem[:_PREFIX], ()) else []
            return [
                s
                for s in by_start.get(stem[:_PREFIX], ())
                if s.startswith(stem) or stem.startswith(s)
            ]

        # Every pair a name could be written as, looked up at once: one search of the pair keys.
        wanted: list[tuple[str, str]] = []
        spans: list[tuple[str, tuple[str, ...], list[tuple[int, int]]]] = []
        for name, stems in tool_features() if names is None else names:
            found = [forms(s) for s in stems]
            if len(stems) == 1 and found[0]:
                continue  # a one-stem name some passage uses
            gaps: list[tuple[int, int]] = []  # none when a stem is in no passage: absent
            if all(found):
                for a, b in itertools.pairwise(found):
                    start = len(wanted)
                    wanted += [(x, y) for x in a for y in b] + [(y, x) for x in a for y in b]
                    gaps.append((start, len(wanted)))
            spans.append((name, stems, gaps))
        present = lexical.has_pairs(wanted) if wanted else None
        absent: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        self._written: dict[tuple[str, ...], str] = {}
        for name, stems, gaps in spans:
            if present is not None and gaps and all(present[i:j].any() for i, j in gaps):
                continue
            absent[stems[0]].append(stems)
            self._written[stems] = name
        self._absent = dict(absent)

    def named(self, texts: Sequence[str]) -> str:
        """The first bundled feature name that one of `texts` (the question as corrected and as
        typed) uses and the corpus never mentions, as written in the list, or ""."""
        stems = first_named(tokenize(list(texts)), self._absent)
        return self._written[stems] if stems else ""

    def __len__(self) -> int:
        """How many bundled names this corpus never mentions."""
        return len(self._written)
