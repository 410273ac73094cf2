"""The paraphrase probe (bench/eval/paraphrase-roadmap-sh.yaml) stays a fair, usable probe.

bench/paraphrase_ranking.py reports ranking on it and tunes nothing on it: every question must
describe a roadmap-sh card's concept without naming the card, point at cards that exist, and
repeat no question of the fitted or read sets.
"""

from __future__ import annotations

import re

import yaml

from tests.knowledge_base.conftest import CORPORA, needs_corpora
from tests.knowledge_base.test_eval_sets import EVAL, ROUNDS, SET_CORPORA, _checked, _questions

PROBE = "paraphrase-roadmap-sh.yaml"
ROADMAP_SH = CORPORA / "roadmap-sh"


def _heading(path: str) -> str:
    """A card's title: its first Markdown heading."""
    text = (ROADMAP_SH / path).read_text(encoding="utf-8")
    return next(line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#"))


@needs_corpora
def test_probe_points_at_real_cards_and_repeats_no_older_question() -> None:
    texts = _checked(PROBE, ROADMAP_SH, 40, 0, every_kind=False)
    older = {
        str(q["q"]).casefold()
        for r in ROUNDS
        for c in SET_CORPORA
        if (EVAL / f"{r}{c}.yaml").exists()
        for q in _questions(f"{r}{c}.yaml")
    }
    assert [t for t in texts if t in older] == []
    data = yaml.safe_load((EVAL / PROBE).read_text(encoding="utf-8"))
    assert data["corpus"] == "roadmap-sh"


@needs_corpora
def test_probe_questions_describe_their_card_without_naming_it() -> None:
    questions = _questions(PROBE)
    assert {q["kind"] for q in questions} == {"paraphrase"}
    named = []
    for q in questions:
        asked = f" {' '.join(re.findall(r'[a-z0-9]+', str(q['q']).casefold()))} "
        first = str(q["relevant"][0])  # type: ignore[index]
        title = " ".join(re.findall(r"[a-z0-9]+", _heading(first).casefold()))
        if f" {title} " in asked:
            named.append((q["q"], title))
    assert named == []
