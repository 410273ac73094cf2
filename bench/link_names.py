"""Names a corpus writes only in its link addresses: a generated probe, before/after in one run.

    .venv/bin/python bench/link_names.py [--corpus seeds] [--per-corpus 40] [--seed 11] [--show]

A resource list writes `[Medical Image Analysis](https://github.com/Project-MONAI/MONAI)`: the
learner who asks "monai" asks about something the corpus links to, but the plain text BM25 and the
corpus vocabulary read drops URLs, so before round 11 "monai" was a word the knowledge base never
uses. index/address_words.py gives a passage the names of its addresses. This bench GENERATES,
seeded and deterministic, never edited by hand, for each corpus:

- fair probes: words of the corpus's link addresses (index/address_words.py) that the corpus
  vocabulary BEFORE the change does not know (its plain text never writes them), used by the
  addresses of at most `_MAX_FILES` files; asked bare, as "<name> tutorial" or "what is <name>"
  (in turn), with the files whose passages link them as the answer;
- near-miss probes, as many: bundled technologies (index/technologies.txt) that appear neither in
  the corpus's text nor in any of its addresses (a word of the name unknown AFTER the change),
  asked the same three ways.

Each corpus is indexed twice: "before" with the address words left out of the passages (in
bench/out/link_names, the embeddings copied from bench/abstention.py's cache) and "after" as the
branch builds it (bench/abstention.py's index). The probes are split in two halves by a seeded
draw: part A is where wrong decisions were read (`--show` lists part A only), part B is reported
only. It prints per corpus and part: fair probes answered and their hit@5 by file, near misses
refused, before and after, with the decision index/calibration.py ships.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import index.chunker  # noqa: E402
from bench.abstention import CORPORA, OUT  # noqa: E402
from bench.retrieval import file_ranking, model_path  # noqa: E402
from index import calibration  # noqa: E402
from index.address_words import address_words  # noqa: E402
from index.answer import rank  # noqa: E402
from index.bundled import technologies  # noqa: E402
from index.cover_questions import query_vector  # noqa: E402
from index.search import IndexConfig, KnowledgeBase  # noqa: E402
from index.spelling import Speller  # noqa: E402

SEED = 11  # issue 12, round 11
BEFORE = ROOT / "bench" / "out" / "link_names"
_MAX_FILES = 3  # a look-up names one place, or a few
_FORMS = ("{}", "{} tutorial", "what is {}")


@dataclass(frozen=True)
class Probe:
    text: str
    kind: str  # "fair", or the near miss's source: "technology", "other's link"
    part: str  # "A" (read) or "B" (reported only)
    relevant: frozenset[str]  # files that answer it; empty for a near miss


def _open(name: str, *, before: bool) -> KnowledgeBase:
    """The corpus's knowledge base: "before" built without address words, else as it ships."""
    index_dir = BEFORE / "index" if before else OUT / "index"
    config = IndexConfig(
        (CORPORA[name].resolve(),),
        index_dir,
        model_path(),
        "embedded",
        "onnx",
        models_dir=OUT / "index" / "models",
    )
    if not before:
        return asyncio.run(KnowledgeBase.open(config))
    # The passages embed the same text either way: reuse the embeddings already computed.
    (index_dir / "cache").mkdir(parents=True, exist_ok=True)
    for cached in (OUT / "index" / "cache").glob("*.npz"):
        if not (index_dir / "cache" / cached.name).exists():
            shutil.copy(cached, index_dir / "cache" / cached.name)
    # The chunker as it was before round 11: no address words in the passages.
    saved = getattr(index.chunker, "address_words")  # noqa: B009
    setattr(index.chunker, "address_words", lambda markdown: [])  # noqa: B010
    try:
        return asyncio.run(KnowledgeBase.open(config))
    finally:
        setattr(index.chunker, "address_words", saved)  # noqa: B010


def _speller(kb: KnowledgeBase) -> Speller:
    return calibration.for_snapshot(kb.snapshot, kb.embedder, kb.ranking, kb.config.home).speller


def linked(kb: KnowledgeBase) -> dict[str, set[str]]:
    """Each address word of the corpus, with the files whose passages link it."""
    found: dict[str, set[str]] = {}
    for c in kb.snapshot.chunks:
        for word in address_words(c.text):
            found.setdefault(word, set()).add(c.citation.source)
    return found


def probes(
    before: KnowledgeBase, after: KnowledgeBase, others: list[str], n: int, seed: int
) -> list[Probe]:
    """`n` fair probes, as many technology near misses and half as many names of OTHER
    corpora's addresses this one never uses, each assigned to part A or B at random."""
    rng = random.Random(f"{seed} {len(after.snapshot.chunks)}")
    old, new = _speller(before), _speller(after)
    names_files = linked(after)
    names = sorted(w for w, files in names_files.items() if len(files) <= _MAX_FILES)
    names = [w for w in names if not old.knows(w)]
    rng.shuffle(names)
    drawn = [
        (_FORMS[i % len(_FORMS)].format(w), "fair", frozenset(names_files[w]))
        for i, w in enumerate(names[:n])
    ]
    absent = sorted(" ".join(t) for t in technologies() if not all(map(new.knows, t)))
    rng.shuffle(absent)
    drawn += [
        (_FORMS[i % len(_FORMS)].format(t), "technology", frozenset[str]())
        for i, t in enumerate(absent[: len(drawn)])
    ]
    foreign = sorted({w for w in others if not new.knows(w)})
    rng.shuffle(foreign)
    drawn += [
        (_FORMS[i % len(_FORMS)].format(w), "other's link", frozenset[str]())
        for i, w in enumerate(foreign[: n // 2])
    ]
    return [Probe(text, kind, rng.choice("AB"), relevant) for text, kind, relevant in drawn]


@dataclass(frozen=True)
class Scored:
    probe: Probe
    answered: bool
    hit5: bool
    explain: str


def score(kb: KnowledgeBase, found: list[Probe]) -> list[Scored]:
    snap, embedder, ranking = kb.snapshot, kb.embedder, kb.ranking
    cal = calibration.for_snapshot(snap, embedder, ranking, kb.config.home)
    out: list[Scored] = []
    for p in found:
        checked = cal.check(p.text)
        query = query_vector(embedder, checked)
        hits = rank(snap, query, checked.text, ranking, limit=50)
        decision = cal.decide(checked, hits, query)
        hit5 = bool(p.relevant & set(file_ranking(hits)[:5]))
        out.append(Scored(p, decision.answered, hit5, decision.explain()))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA))
    parser.add_argument("--per-corpus", type=int, default=40, help="fair probes per corpus")
    parser.add_argument("--seed", type=int, default=SEED, help="draw another probe")
    parser.add_argument("--show", action="store_true", help="list part A's wrong decisions")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # Every corpus is opened: the near misses of one are drawn from the others' addresses.
    names = [n for n in CORPORA if CORPORA[n].exists()]
    shown = [n for n in names if not args.corpus or n in args.corpus]
    print(f"{'corpus':<15} part {'probes':<13} {'n':>4} | before | after | hit@5 before | after")
    wrong: list[str] = []
    kbs = {name: (_open(name, before=True), _open(name, before=False)) for name in names}
    words = {name: linked(kbs[name][1]) for name in names}
    groups = (
        ("fair answered", "fair"),
        ("near: tech", "technology"),
        ("near: other's", "other's link"),
    )
    for name in shown:
        old, new = kbs[name]
        others = sorted({w for o, found in words.items() if o != name for w in found})
        found = probes(old, new, others, args.per_corpus, args.seed)
        rows = list(zip(score(old, found), score(new, found), strict=True))
        for part in ("A", "B"):
            for label, kind in groups:
                sub = [(b, a) for b, a in rows if b.probe.part == part and b.probe.kind == kind]
                if not sub:
                    continue
                fair = kind == "fair"
                right_b = sum(b.answered == fair for b, _ in sub)
                right_a = sum(a.answered == fair for _, a in sub)
                hits = (
                    f"{sum(b.hit5 for b, _ in sub):>12} | {sum(a.hit5 for _, a in sub)}"
                    if fair
                    else ""
                )
                print(
                    f"{name:<15} {part:<4} {label:<13} {len(sub):>4} | {right_b:>6} | "
                    f"{right_a:>5} | {hits}"
                )
        for b, a in rows:
            if b.probe.part == "A" and a.answered != bool(a.probe.relevant):
                what = "refused" if a.probe.relevant else "answered"
                was = "same before" if b.answered == a.answered else "right before"
                wrong.append(f"  {name:<15} {what:<8} ({was}) {a.probe.text!r}: {a.explain}")
    if args.show:
        print("\nwrong decisions after, part A:")
        print("\n".join(wrong))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
