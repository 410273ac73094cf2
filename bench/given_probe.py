"""Duration, degree and pay questions over each corpus's subjects: answered where the corpus gives
the aspect, refused where it does not; before and after index/given_subject.py, in one run.

    .venv/bin/python bench/given_probe.py [--corpus learning-paths] [--show]

The probe is generated, seeded and deterministic: templates of our own (below, written before
anything was measured) filled with each corpus's subjects (its paths or roadmaps, a topic and a
role for each) and, where the template states one, a learner's background. Each question is
labelled by corpus, not by the aspect's own evidence regexes, after reading the corpora:
learning-paths and knowledge/ give months per path (and background; research engineering: 16
weeks); roadmap-sh's topic cards give none; the seeds articles give them for the ML engineer
curriculum (one article is its getting-started page), not for becoming a data engineer; seeds'
degree and pay questions are left out (the job-market article quotes a few postings'
requirements and pay: too close to call); knowledge/ answers "do I need a degree" for ML
engineering only (its degree article; its other subjects are left out of the degree questions,
and so is learning-paths' software engineering, whose career page lists "advanced degree
considerations"); no corpus gives a pay figure (learning-paths links to Glassdoor, and a link
title is no figure). Seeds' labels were first "gives no duration"; the first run answered its
ML-engineer duration questions, and reading the articles showed the curriculum's months: relabelled
before any choice was made.

The templates are split in two: the odd ones (CALIBRATE) chose which families are judged by
their subject, the even ones (REPORT) are reported. Columns: answered / questions, per corpus,
family and label, for each choice of families: "before" with the weights of round 10
(`BEFORE_WEIGHTS`), the others with those of index/calibration.py (refitted by bench/abstention.py
after the change). The weights are fitted on bench/eval's sets, never on the probe.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import math
import os
import random
import sys
from collections.abc import Collection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.retrieval import CORPORA, model_path  # noqa: E402
from index import calibration  # noqa: E402
from index.answer import rank  # noqa: E402
from index.cover_questions import query_vector  # noqa: E402
from index.given_subject import evidence_key, subject_query  # noqa: E402
from index.leftover import PassageVectors  # noqa: E402
from index.search import IndexConfig, KnowledgeBase  # noqa: E402
from index.stated import judged as judged_part  # noqa: E402

OUT = ROOT / "bench" / "out" / "abstention"  # the indexes bench/abstention.py keeps
SEED = 11

# (family, template): {path} the path or roadmap as named, {noun} "path" or "roadmap", {topic}
# what is learnt, {role} the job, {bg} a background, {a_role} / {a_bg} with their article.
TEMPLATES: tuple[tuple[str, str], ...] = (
    ("duration", "how long does the {path} {noun} take for {a_bg}"),
    ("duration", "how long until I'm decent at {topic} as {a_bg}"),
    ("duration", "how many months does it take to become {a_role}"),
    ("duration", "how long will it take me to learn {topic}"),
    ("duration", "how much time does the {path} {noun} need if I'm {a_bg}"),
    ("duration", "how quickly can {a_bg} become {a_role}"),
    ("duration", "I'm {a_bg}, how long is the {path} {noun} for me"),
    ("duration", "what's a realistic timeline to go from {bg} to {role}"),
    ("degree", "do I need a degree to become {a_role}"),
    ("degree", "can I become {a_role} without a phd"),
    ("degree", "is a college degree required to work as {a_role}"),
    ("degree", "does {a_role} need a masters"),
    ("degree", "can a self-taught {bg} get into {topic} without a university degree"),
    ("degree", "do {role}s need a computer science degree"),
    ("pay", "how much does {a_role} earn"),
    ("pay", "what salary can a junior {role} expect"),
    ("pay", "what is the average pay of {a_role}"),
    ("pay", "how much do {role}s make per year"),
)
CALIBRATE = frozenset(range(0, len(TEMPLATES), 2))  # the 1st, 3rd, ... template
BACKGROUNDS = (
    "complete beginner",
    "software developer",
    "career changer",
    "system administrator",
    "data analyst",
    "math graduate",
)
_PATHS = (
    ("data science", "data science", "data scientist"),
    ("machine learning engineering", "machine learning", "machine learning engineer"),
    ("mlops engineering", "mlops", "mlops engineer"),
    ("ai engineering", "ai engineering", "ai engineer"),
    ("cloud engineering", "cloud computing", "cloud engineer"),
    ("devops engineering", "devops", "devops engineer"),
    ("linux engineering", "linux administration", "linux engineer"),
    ("software engineering", "software development", "software engineer"),
    ("support engineering", "technical support", "support engineer"),
    ("research engineering", "ml research", "research engineer"),
)
# corpus: (noun, subjects (path, topic, role))
SUBJECTS: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "knowledge": ("path", _PATHS),
    "learning-paths": ("path", _PATHS),
    "roadmap-sh": (
        "roadmap",
        (
            ("ai engineer", "ai engineering", "ai engineer"),
            ("data engineer", "data engineering", "data engineer"),
            ("machine learning", "machine learning", "machine learning engineer"),
            ("mlops", "mlops", "mlops engineer"),
            ("python", "python", "python developer"),
            ("sql", "sql", "sql developer"),
        ),
    ),
    "seeds": (
        "path",
        (
            ("machine learning engineering", "machine learning", "machine learning engineer"),
            ("data engineering", "data engineering", "data engineer"),
        ),
    ),
}
# Choices compared side by side: the families whose cues are left out of what the twins and the
# leftover read (index/aspects.txt names); those ending in "evid" also measure the leftover
# against the passage giving the aspect (index/given_subject.py `evidence_key`).
CHOICES: dict[str, Collection[str]] = {
    "before": frozenset(),
    "duration": frozenset({"duration"}),
    "duration+degree": frozenset({"duration", "degree"}),
    "duration,evid": frozenset({"duration"}),
    "+degree,evid": frozenset({"duration", "degree"}),
}
SHIPPED = "duration,evid"  # what index/aspects.txt marks, with the evidence passage
# The weights before (index/calibration.py at the end of round 10, fitted on the judged-whole
# features): "before" is decided with them, every other choice with index/calibration.py's.
BEFORE_WEIGHTS = (-0.76, 9.86, -7.14, -5.34, 4.00, -2.93, 1.62, -3.68)


def confidence(features: tuple[float, ...], weights: tuple[float, ...] | None) -> float:
    """index/calibration.py `decide`, with `weights` (bias first) or the module's own."""
    if weights is None:
        return calibration.decide(features)
    bias, *ws = weights
    z = bias + sum(w * f for w, f in zip(ws, features, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def label(corpus: str, family: str, role: str) -> bool | None:
    """Whether `corpus` gives `family` for the subject (None: left out of the probe)."""
    if corpus == "seeds":  # read: months per background for the ML engineer curriculum only
        return role == "machine learning engineer" if family == "duration" else None
    if family == "pay":
        return False
    if family == "duration":
        return corpus in ("knowledge", "learning-paths")
    if corpus == "knowledge":
        return True if role == "machine learning engineer" else None
    if corpus == "learning-paths" and role == "software engineer":
        return None
    return False


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


@dataclasses.dataclass(frozen=True)
class Probe:
    corpus: str
    template: int
    family: str
    text: str
    covered: bool


def probes(corpus: str) -> list[Probe]:
    """The probe's questions for `corpus`: every template with every subject, one seeded
    background each."""
    rng = random.Random(f"{SEED}:{corpus}")
    noun, subjects = SUBJECTS[corpus]
    found: list[Probe] = []
    for i, (family, template) in enumerate(TEMPLATES):
        for path, topic, role in subjects:
            bg = rng.choice(BACKGROUNDS)
            covered = label(corpus, family, role)
            if covered is None:
                continue
            text = template.format(
                path=path, noun=noun, topic=topic, role=role, bg=bg, a_role=_a(role), a_bg=_a(bg)
            )
            found.append(Probe(corpus, i, family, text, covered))
    return found


def decisions(corpus: str, questions: list[Probe]) -> dict[str, list[tuple[bool, float]]]:
    """(answered, confidence) of each question under each choice of `CHOICES`."""
    folder = CORPORA[corpus].resolve()
    config = IndexConfig((folder,), OUT / "index", model_path(), "embedded", "onnx")
    kb = asyncio.run(KnowledgeBase.open(config))
    snap, ranking, embedder = kb.snapshot, kb.ranking, kb.embedder
    cal = calibration.for_snapshot(snap, embedder, ranking, config.home)
    passages = PassageVectors(snap)
    out: dict[str, list[tuple[bool, float]]] = {c: [] for c in CHOICES}
    for q in questions:
        checked = cal.check(q.text)
        query = query_vector(embedder, checked)
        hits = rank(snap, query, checked.text, ranking, limit=50)
        measures = cal.measure(checked, hits, query)
        asked = judged_part(checked)
        own = query if asked is checked else embedder.encode([asked.text])[0]
        for name, cues in CHOICES.items():
            vector = subject_query(embedder, asked.text, measures.aspect, own, cues)
            key = hits[0].chunk.key if hits else ""
            if name.endswith("evid"):
                key = evidence_key(hits, measures.aspect, cues)
            best = passages.vector(key) if hits else None
            similarity, level = cal.twins.near(vector)
            m = dataclasses.replace(
                measures,
                twin_similarity=max(0.0, min(1.0, similarity)),
                twin_scaled=level,
                leftover=cal.leftovers.score(vector, best),
            )
            weights = BEFORE_WEIGHTS if name == "before" else None
            sure = 0.0 if m.absent or not hits else confidence(m.features(), weights)
            out[name].append((sure >= 0.5, sure))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", action="append", choices=sorted(SUBJECTS))
    parser.add_argument("--show", action="store_true", help="list the report half's questions")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING)
    names = [n for n in SUBJECTS if not args.corpus or n in args.corpus]
    right: dict[tuple[str, str], list[int]] = {}
    for corpus in names:
        questions = probes(corpus)
        found = decisions(corpus, questions)
        for half, chosen in (("calibrate", True), ("report", False)):
            print(f"\n{corpus}, {half} half (answered / questions):")
            print(f"  {'family':<9}{'gives':<6}" + "".join(f"{c:>17}" for c in CHOICES))
            keys = sorted({(q.family, q.covered) for q in questions})
            for family, covered in keys:
                rows = [
                    i
                    for i, q in enumerate(questions)
                    if q.family == family
                    and q.covered == covered
                    and (q.template in CALIBRATE) == chosen
                ]
                if not rows:
                    continue
                cells = ""
                for c in CHOICES:
                    n = sum(found[c][i][0] for i in rows)
                    cells += f"{f'{n} / {len(rows)}':>17}"
                    ok = n if covered else len(rows) - n
                    right.setdefault((half, c), [0, 0])
                    right[(half, c)][0] += ok
                    right[(half, c)][1] += len(rows)
                print(f"  {family:<9}{'yes' if covered else 'no':<6}{cells}")
            if args.show and not chosen:
                for i, q in enumerate(questions):
                    if q.template in CALIBRATE:
                        continue
                    b, a = found["before"][i][1], found[SHIPPED][i][1]
                    flag = "on " if q.covered else "off"
                    print(f"    {flag} {b:.2f} -> {a:.2f}  {q.text}")
    for half in ("calibrate", "report"):
        print(f"\nright decisions, {half} half, all corpora:")
        for c in CHOICES:
            ok, n = right.get((half, c), [0, 0])
            print(f"  {c:<17} {ok} / {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
