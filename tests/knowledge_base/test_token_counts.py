"""Word-piece counts summed over distinct words equal the model tokenizer's own counts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.chunker import chunk_documents
from index.embedder import Embedder
from index.loader import load_folder
from index.token_counts import WordCounts

REPO = Path(__file__).resolve().parents[2]

# Words, punctuation, every kind of space (including those the tokenizer deletes rather than
# splits on), accents, CJK, zero-width and control characters, and over-long words.
_PIECES = st.sampled_from(
    [
        "word",
        "Straße",
        "naïve",
        "ÉCOLE",
        "東京",
        "タワー",
        "don't",
        "2.5x",
        "(a)",
        "...",
        "—",
        "https://x.org/a_b",
        " ",
        "  ",
        "\t",
        "\n",
        "\u00a0",
        "\u2003",
        "\u3000",
        "\u200b",
        "\x0b",
        "\x0c",
        "\x1c",
        "\x1f",
        "\x85",
        "\x00",
        "\ufffd",
        "İ",
        "a" * 101,
        "🙂",
    ]
)
_TEXTS = st.lists(st.lists(_PIECES, max_size=25).map("".join), min_size=1, max_size=8)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=_TEXTS)
def test_summed_word_counts_equal_the_tokenizer(embedder: Embedder, texts: list[str]) -> None:
    counter = WordCounts(embedder.count_tokens)
    assert counter(texts) == embedder.count_tokens(texts)
    assert counter.sums_words


def test_every_passage_of_our_knowledge_counts_the_same(embedder: Embedder) -> None:
    loaded = load_folder(REPO / "knowledge")
    texts = [s.text for d in loaded.documents for s in d.sections]
    counter = WordCounts(embedder.count_tokens)
    assert counter(texts) == embedder.count_tokens(texts)
    chunks, stats = chunk_documents(loaded.documents, [REPO / "knowledge"], counter, 256)
    assert list(stats.counts) == embedder.count_tokens([c.embed_text for c in chunks])


def test_a_tokenizer_that_counts_spaces_is_asked_about_every_text() -> None:
    # Like byte-level BPE, where spacing is tokens of its own: summing words would undercount.
    def characters(texts: Sequence[str]) -> list[int]:
        return [len(t) for t in texts]

    texts = ["two  spaces", "a\n\nb", "plain"]
    counter = WordCounts(characters)
    assert counter(texts) == [11, 4, 5]
    assert counter.sums_words is False
