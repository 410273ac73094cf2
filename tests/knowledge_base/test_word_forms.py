"""A question's words as the corpus spells them: accents folded on both sides, and a bundled
technology name never "corrected" into an ordinary word of the corpus.

A learner types "geron's hands-on book" for a book by Aurélien Géron, "naive bayes" for "naïve
Bayes"; both must be found (ranked and not counted unknown). "ray or dask for distributed
python" over a corpus that says "dark" must not become "ray or dark ..." and be answered: Dask
is a technology the corpus never mentions (index/word_forms.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import index.calibration
import index.lexical
import index.manifest
import index.spelling
import index.word_forms
from index.lexical import LexicalIndex, tokenize
from index.search import IndexConfig, KnowledgeBase
from index.spelling import Speller
from index.word_forms import fold, technology_words
from tests.knowledge_base.conftest import titled_pages

Config = Callable[..., IndexConfig]

# A study server's reading shelf, written for these tests; the accents are the corpus's own.
SHELF = {
    "geron-book.md": (
        "Hands-On Machine Learning",
        "Aurélien Géron's book walks through scikit-learn, Keras and TensorFlow with notebooks "
        "you run yourself. Read it after a first course in Python, one chapter a week.",
    ),
    "naive-bayes.md": (
        "Naïve Bayes",
        "A naïve Bayes classifier multiplies the probability of each word given a class as if "
        "the words were independent. It trains in seconds and is a strong first baseline for "
        "spam filtering.",
    ),
    "resume.md": (
        "Writing a Résumé",
        "Keep a résumé to one page: the projects you built, what each one did and the tools you "
        "used, newest first. Link the code of every project.",
    ),
    "parallel.md": (
        "Parallel Python",
        "Python's multiprocessing module runs work on several cores at once. For data larger "
        "than memory, split it into chunks and process them one after another, writing each "
        "result to disk.",
    ),
    "dark-themes.md": (
        "Dark Themes",
        "A dark editor theme with enough contrast reduces eye strain in long evening study "
        "sessions; dark mode also saves battery on some laptop screens.",
    ),
}


def shelf(root: Path) -> Path:
    return titled_pages(root / "shelf", SHELF)


def bm25_vocabulary(generation: Path) -> dict[str, int]:
    """The BM25 tokens an index generation saved (bm25s's vocabulary file)."""
    path = next(generation.rglob("vocab.index.json"))
    vocab: dict[str, int] = json.loads(path.read_text("utf-8"))
    return vocab


def shelf_speller() -> Speller:
    return Speller(f"{title} {text}" for title, text in SHELF.values())


def test_accents_fold_and_nothing_else_changes() -> None:
    assert fold("Aurélien Géron, naïve, résumé, façade") == "Aurelien Geron, naive, resume, facade"
    assert fold("plain ASCII stays") == "plain ASCII stays"
    # Marks of other scripts are part of the letter: a Japanese voiced kana keeps its mark.
    assert fold("が") == "が"


def test_an_accented_corpus_word_is_known_from_the_unaccented_question() -> None:
    speller = shelf_speller()
    for question, word in [
        ("geron's hands-on book", "geron's"),
        ("naive bayes for spam", "naive"),
        ("one page resume", "resume"),
    ]:
        checked = speller.check(question)
        assert checked.unknown == (), question
        assert checked.corrections == (), question
        assert word in checked.known, question
    # Typed with the accent, the same word.
    assert speller.check("Géron book").known == ("geron", "book")


def test_bm25_matches_an_accented_corpus_word_typed_without_it() -> None:
    texts = [f"{title} {text}" for title, text in SHELF.values()]
    lexical = LexicalIndex(tokenize(texts))
    assert tokenize(["Géron naïve résumé"]) == tokenize(["geron naive resume"])
    for question, at in [("geron", 0), ("naive", 1), ("resume", 2)]:
        scores = lexical.scores(question)
        assert scores[at] > 0, question
        assert int(scores.argmax()) == at, question


def test_a_listed_technology_is_not_corrected_into_an_ordinary_corpus_word() -> None:
    speller = shelf_speller()
    assert {"dask", "redis", "cuda", "lora"} <= technology_words()
    checked = speller.check("ray or dask for distributed python")
    assert checked.text == "ray or dask for distributed python"
    assert "dask" in checked.unknown
    # A typo of a word that is no technology is still corrected.
    assert speller.check("darkk mode").text == "dark mode"


async def test_the_accented_corpus_answers_the_unaccented_question(
    tmp_path: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(shelf(tmp_path)))
    for question, source in [
        ("geron's hands-on book", "geron-book.md"),
        ("naive bayes classifier", "naive-bayes.md"),
    ]:
        answer = await kb.ask(question)
        assert answer.answered, question
        assert answer.passages[0].citation.source == source, question
        hits = await kb.search(question, top_k=5)
        assert hits[0].lexical > 0, question  # BM25 matched the folded word too
        decision = await kb.judge(question, hits)
        assert decision.unknown == (), question
    await kb.close()


async def test_a_listed_technology_the_corpus_never_names_is_refused_as_absent(
    tmp_path: Path, make_config: Config
) -> None:
    kb = await KnowledgeBase.open(make_config(shelf(tmp_path)))
    question = "ray or dask for distributed python"
    answer = await kb.ask(question)
    assert not answer.answered
    assert answer.passages == ()
    decision = await kb.judge(question, await kb.search(question, top_k=5))
    assert decision.absent == "dask"
    assert "dask" in decision.explain()
    await kb.close()


async def test_an_index_saved_before_accents_were_folded_is_rebuilt_and_answers(
    tmp_path: Path, make_config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(shelf(tmp_path))
    # The index as the previous format saved it: format 4, BM25 tokens with their accents.
    with monkeypatch.context() as before:
        before.setattr(index.manifest, "FORMAT_VERSION", 4)
        before.setattr(index.lexical, "fold", lambda text: text)
        before.setattr(index.word_forms, "fold", lambda text: text)
        before.setattr(index.spelling, "FORMAT", "compounds-2")
        before.setattr(index.calibration, "SPELLER_FORMAT", "compounds-2")
        kb = await KnowledgeBase.open(config)
        await kb.close()
    old = config.home / (config.home / "CURRENT").read_text(encoding="utf-8").strip()
    assert json.loads((old / "manifest.json").read_text("utf-8"))["format"] == 4
    assert "géron" in bm25_vocabulary(old)

    kb = await KnowledgeBase.open(config)
    assert kb.open_report is not None  # rebuilt, not read as if its tokens were folded
    new = config.home / (config.home / "CURRENT").read_text(encoding="utf-8").strip()
    assert new != old
    assert "geron" in bm25_vocabulary(new)
    assert "géron" not in bm25_vocabulary(new)
    hits = await kb.search("geron's hands-on book", top_k=5)
    assert hits[0].chunk.citation.source == "geron-book.md"
    assert hits[0].lexical > 0
    answer = await kb.ask("geron's hands-on book")
    assert answer.answered
    assert answer.passages[0].citation.source == "geron-book.md"
    await kb.close()
