"""Every sentence in knowledge/ is ours: no run of 12 words is lifted from the corpora.

Facts may come from ../shared/corpora (module names, durations, resource titles and URLs), so
resource titles and URLs and link targets are left out of the comparison. Text is compared after
normalising case, punctuation and whitespace, against both the raw corpus files and their
ftfy-repaired text (the seeds are full of mojibake).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import ftfy
import pytest
import yaml

from tests.content.knowledge_files import (
    CORPORA,
    KNOWLEDGE,
    NEEDS_CORPORA,
    article_files,
    read_article,
)

RUN = 12
_WORD = re.compile(r"\w+")

pytestmark = pytest.mark.skipif(not CORPORA.exists(), reason=NEEDS_CORPORA)


def words(text: str) -> list[str]:
    """Lower-case words with punctuation and whitespace dropped; apostrophes split words."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def runs(tokens: list[str]) -> Iterator[tuple[str, ...]]:
    for i in range(len(tokens) - RUN + 1):
        yield tuple(tokens[i : i + RUN])


@cache
def corpus_runs() -> frozenset[tuple[str, ...]]:
    """Every 12-word run of every corpus file, raw and ftfy-repaired."""
    seen: set[tuple[str, ...]] = set()
    for file in sorted(CORPORA.rglob("*")):
        if file.is_file():
            raw = file.read_text(encoding="utf-8", errors="replace")
            for text in (raw, ftfy.fix_text(raw)):
                seen.update(runs(words(text)))
    return frozenset(seen)


def copied(text: str) -> list[str]:
    """Each maximal stretch of `text` made of 12-word runs found in the corpora."""
    tokens = words(text)
    corpus = corpus_runs()
    hit = [False] * len(tokens)
    for i, run in enumerate(runs(tokens)):
        if run in corpus:
            hit[i : i + RUN] = [True] * RUN
    stretches: list[str] = []
    start: int | None = None
    for i, flag in enumerate([*hit, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            stretches.append(" ".join(tokens[start:i]))
            start = None
    return stretches


def _yaml_texts(value: Any, *, resource: bool = False) -> Iterator[str]:
    """String values of a parsed YAML file, minus resource titles and URLs."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "resources" and isinstance(item, list):
                for entry in item:
                    yield from _yaml_texts(entry, resource=True)
            elif not (resource and key in ("title", "url")):
                yield from _yaml_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _yaml_texts(item)
    elif isinstance(value, str):
        yield value


def knowledge_texts() -> Iterator[tuple[Path, str]]:
    """(file, text) for every piece of prose we wrote: YAML values, comments, articles, README."""
    for file in sorted(KNOWLEDGE.rglob("*.yaml")):
        raw = file.read_text(encoding="utf-8")
        for text in _yaml_texts(yaml.safe_load(raw)):
            yield file, text
        comments = [line.split("#", 1)[1] for line in raw.splitlines() if "#" in line]
        yield file, " ".join(comments)
    for file in article_files():
        article = read_article(file)
        for text in _yaml_texts(article.front):
            yield file, text
        yield file, article.prose()
    for file in sorted(KNOWLEDGE.rglob("*.md")):
        if "articles" not in file.relative_to(KNOWLEDGE).parts:
            yield file, re.sub(r"https?://\S+", " ", file.read_text(encoding="utf-8"))


def test_no_run_of_twelve_words_is_copied_from_the_corpora() -> None:
    offences = [
        f"{file.relative_to(KNOWLEDGE.parent)}: “{stretch}”"
        for file, text in knowledge_texts()
        for stretch in copied(text)
    ]
    assert not offences, "copied from ../shared/corpora:\n" + "\n".join(offences)


def test_the_check_sees_text_we_actually_wrote() -> None:
    files = {file for file, _ in knowledge_texts()}
    assert KNOWLEDGE / "README.md" in files
    assert any(f.suffix == ".md" and "articles" in f.parts for f in files)
    assert any(f.parent.name == "paths" for f in files)
    total = sum(len(words(text)) for _, text in knowledge_texts())
    assert total > 5000


# --- The detector itself: it must catch what it is meant to catch ------------------------------


def _corpus_sentence(file: str, start: int, length: int) -> str:
    tokens = words((CORPORA / file).read_text(encoding="utf-8"))
    return " ".join(tokens[start : start + length])


def test_a_copied_sentence_is_caught_despite_case_and_punctuation() -> None:
    lifted = _corpus_sentence("learning-paths/intro.md", 20, 14)
    disguised = "  ".join(w.upper() if i % 2 else w + "," for i, w in enumerate(lifted.split()))
    assert copied(f"Our own words first. {disguised}. And ours again.") == [lifted]


def test_eleven_copied_words_are_allowed() -> None:
    short = _corpus_sentence("learning-paths/intro.md", 20, RUN - 1)
    assert copied(f"We say {short} in a sentence of our own") == []


def test_text_copied_from_the_repaired_corpus_is_caught() -> None:
    seed = next((CORPORA / "seeds").glob("003_*.txt"))
    raw = seed.read_text(encoding="utf-8", errors="replace")
    raw_runs = set(runs(words(raw)))
    only_repaired = [r for r in runs(words(ftfy.fix_text(raw))) if r not in raw_runs]
    assert only_repaired, "the seed has mojibake that ftfy repairs"
    assert copied(" ".join(only_repaired[0])) == [" ".join(only_repaired[0])]
