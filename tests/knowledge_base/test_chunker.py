"""Chunking: heading trails, structure-following splits, nothing longer than the model reads."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.chunker import chunk_documents, enforce_passage_limits
from index.documents import Document, Section
from index.embedder import Embedder
from index.files import Limits
from index.loader import load_folder
from index.repair import plain
from tests.knowledge_base.conftest import FIXTURE_KB, LEARNING_PATHS, SEEDS, needs_corpora

_WORD = re.compile(r"\w+")


def _document(text: str, trail: tuple[str, ...] = ("Section",)) -> Document:
    section = Section("Title", trail, text, 1)
    return Document(Path("/kb"), "doc.md", "article", "Title", (section,), "0")


@pytest.mark.parametrize(
    "folder",
    [
        pytest.param(FIXTURE_KB, id="fixture"),
        pytest.param(LEARNING_PATHS, id="learning-paths", marks=needs_corpora),
        pytest.param(SEEDS, id="seeds", marks=needs_corpora),
    ],
)
def test_no_chunk_is_longer_than_the_model_reads(folder: Path, embedder: Embedder) -> None:
    loaded = load_folder(folder)
    chunks, stats = chunk_documents(
        loaded.documents, [folder], embedder.count_tokens, embedder.max_tokens
    )
    assert stats.truncated == 0
    assert stats.max_tokens <= embedder.max_tokens
    counts = embedder.count_tokens([c.embed_text for c in chunks])
    assert max(counts) <= embedder.max_tokens
    for chunk in chunks:
        header = chunk.embed_text.split("\n", 1)[0]
        assert header.startswith(chunk.citation.title)
        assert "http" not in chunk.embed_text  # URLs are citations, not embedded words


@needs_corpora
def test_long_sections_split_along_their_list_structure(embedder: Embedder) -> None:
    loaded = load_folder(LEARNING_PATHS)
    chunks, _ = chunk_documents(
        loaded.documents, [LEARNING_PATHS], embedder.count_tokens, embedder.max_tokens
    )
    split = [c for c in chunks if c.citation.section.count(" › ") >= 1]
    assert split, "some learning-paths sections are longer than 256 word pieces"
    # A split piece names its sub-topic and shows the original Markdown, links included.
    assert any("](http" in c.text for c in split)
    sections = Counter((c.citation.source, c.citation.section) for c in chunks)
    assert len(sections) > len(chunks) * 0.8  # split pieces get distinct trails


def test_short_section_is_one_chunk_with_its_trail(embedder: Embedder) -> None:
    doc = _document("Dropout switches off random units while training.", ("Regularization",))
    chunks, _ = chunk_documents([doc], [Path("/kb")], embedder.count_tokens, 256)
    assert len(chunks) == 1
    assert chunks[0].embed_text == (
        "Title › Regularization\nDropout switches off random units while training."
    )
    assert chunks[0].citation.section == "Regularization"


def test_list_label_joins_the_trail_when_split(embedder: Embedder) -> None:
    items = "\n".join(f"  - item {i} about vectors matrices and gradients" for i in range(30))
    text = f"- **Linear algebra**\n{items}\n- **Calculus**\n{items}"
    chunks, _ = chunk_documents([_document(text)], [Path("/kb")], embedder.count_tokens, 64)
    trails = {c.citation.section for c in chunks}
    assert "Section › Linear algebra" in trails
    assert "Section › Calculus" in trails
    assert all(n <= 64 for n in embedder.count_tokens([c.embed_text for c in chunks]))


_words = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=14), min_size=1
)
_line = st.builds(
    lambda indent, bullet, words: " " * indent + ("- " if bullet else "") + " ".join(words),
    st.sampled_from([0, 2, 4]),
    st.booleans(),
    _words.map(lambda w: w[:60]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.lists(st.one_of(_line, st.just("")), min_size=1, max_size=40),
    limit=st.sampled_from([32, 64, 128, 256]),
)
def test_any_text_fits_the_window_and_keeps_every_word(
    embedder: Embedder, body: list[str], limit: int
) -> None:
    text = "\n".join(body)
    if not plain(text):
        return
    doc = _document(text)
    chunks, stats = chunk_documents([doc], [Path("/kb")], embedder.count_tokens, limit)
    assert stats.truncated == 0
    # A list label that moved into the heading trail still counts as kept.
    kept = Counter(w for c in chunks for w in _WORD.findall(c.text))
    # (Per chunk: two list items may share a label, each moving it into its own trail.)
    labels = [c.citation.section.removeprefix("Section") for c in chunks]
    kept += Counter(w for label in labels for w in _WORD.findall(label))
    assert kept >= Counter(_WORD.findall(text))


def test_passage_limits_leave_out_whole_files_and_name_them() -> None:
    def doc(source: str, sections: int) -> Document:
        parts = tuple(Section(source, (f"Part {i}",), f"Text {i}.", i + 1) for i in range(sections))
        return Document(Path("/kb"), source, "article", source, parts, source)

    def words(texts: Sequence[str]) -> list[int]:
        return [len(t.split()) + 2 for t in texts]

    docs = [doc("a.md", 3), doc("b.md", 9), doc("c.md", 4), doc("d.md", 2)]
    chunks, _ = chunk_documents(docs, [Path("/kb")], words, 64)
    kept, problems = enforce_passage_limits(chunks, [Path("/kb")], Limits(8, 8, 10**9, 8))
    assert [str(p) for p in problems] == [
        "/kb/b.md: yields 9 passages, over the limit of 8 per file; split it into smaller files",
        "/kb/d.md: the knowledge folders yield 9 passages, over the limit of 8 per build: "
        "this file and 0 after it are not indexed",
    ]
    assert [c.citation.source for c in kept] == ["a.md"] * 3 + ["c.md"] * 4
    assert enforce_passage_limits(chunks, [Path("/kb")]) == (chunks, [])
