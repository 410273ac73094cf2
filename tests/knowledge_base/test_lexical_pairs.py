"""The lexical ranker: its tokens, its word-pair (phrase) field, and how hybrid fusion uses them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from index.answer import Ranking, rank
from index.catalog import Catalog
from index.documents import Chunk, Citation
from index.lexical import LexicalIndex, tokenize
from index.snapshot import make_snapshot
from index.word_forms import fold

TEXTS = [
    "A left join keeps every row of the first table.",
    "Turn left at the corner, then join the queue for tables.",
    "Text to speech reads written words aloud.",
    "Speech to text writes down spoken words.",
    "",
]


def test_tokens_are_bm25s_own() -> None:
    import bm25s
    import Stemmer

    texts = [
        *TEXTS,
        "Don't re-run the ETL job's 2nd step; it's idempotent (mostly).",
        "Café naïve façade: ÜBER-fast k8s on a_b_c and x2 GPUs",
        "the and of",
    ]
    expected = bm25s.tokenize(
        [fold(text) for text in texts],  # accents folded first (index/word_forms.py)
        stopwords="en",
        stemmer=Stemmer.Stemmer("english"),
        return_ids=False,
        show_progress=False,
    )
    assert tokenize(texts) == [list(tokens) for tokens in expected]


def test_words_typed_together_score_in_the_pair_field() -> None:
    index = LexicalIndex(tokenize(TEXTS))
    match = index.match("how does a LEFT JOIN work")
    # Both passages hold both words; only the first holds them side by side.
    assert match.words[0] > 0
    assert match.words[1] > 0
    assert match.pairs[0] > 0
    assert match.pairs[1] == 0
    # Word order counts: "text to speech" is not "speech to text".
    forward, backward = index.match("text to speech"), index.match("speech to text")
    assert forward.pairs[2] > 0
    assert forward.pairs[3] == 0
    assert backward.pairs[3] > 0
    assert backward.pairs[2] == 0
    # A typo is corrected before pairs are made.
    assert index.match("text to speach").pairs[2] == forward.pairs[2]


def test_a_question_matched_in_full_scores_near_its_word_weight() -> None:
    docs = tokenize(["gradient descent " * 20, "gradient boosting trees", "descent", ""])
    match = LexicalIndex(docs).match("gradient descent")
    # BM25 saturates at each word's IDF: a passage holding every word often nears `most`, one
    # holding one rare word of two gets a part of it.
    assert 0.8 * match.most < match.words[0] < match.most
    assert match.words[2] < 0.7 * match.most
    assert LexicalIndex(docs).match("nothing here").most == 0.0


@pytest.mark.parametrize(
    "sources",
    [
        pytest.param([3, "added", 0, 2], id="reordered, two removed, one added"),
        pytest.param([0, 2, "added", 3], id="order kept"),
        pytest.param([0, 0, "added"], id="one passage twice (two equal texts)"),
    ],
)
def test_pair_field_after_reuse_and_reload_equals_a_fresh_index(
    tmp_path: Path, sources: list[int | str]
) -> None:
    docs = tokenize(TEXTS)
    added = tokenize(["a left join and a right join"])[0]
    reused = LexicalIndex(docs).reuse([added if s == "added" else int(s) for s in sources])
    fresh = LexicalIndex([added if s == "added" else docs[int(s)] for s in sources])
    reused.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    for question in ["left join", "speech to text", "text speech", "right join"]:
        expected = fresh.match(question)
        for got in (reused.match(question), loaded.match(question)):
            np.testing.assert_allclose(got.pairs, expected.pairs, rtol=1e-6)
            np.testing.assert_allclose(got.words, expected.words, rtol=1e-6)
            assert got.most == pytest.approx(expected.most)
    assert fresh.match("right join").pairs.any()


def test_an_index_without_its_pair_files_is_refused(tmp_path: Path) -> None:
    LexicalIndex(tokenize(TEXTS)).save(tmp_path / "lexical")
    (tmp_path / "lexical" / "pairs.keys.npy").unlink()
    with pytest.raises(FileNotFoundError, match=r"pairs\.keys"):
        LexicalIndex.load(tmp_path / "lexical")


def _chunk(i: int, text: str) -> Chunk:
    citation = Citation(f"Passage {i}", "", None, f"p{i}.md")
    return Chunk(f"k{i}", 0, citation, text, text, text, 1)


def test_hybrid_ranks_the_passage_with_the_phrase_first() -> None:
    texts = [
        "Speech to text writes spoken words down as text.",
        "Text to speech reads written words aloud as speech.",
    ]
    chunks = [_chunk(i, t) for i, t in enumerate(texts)]
    # The same vector for both: meaning and word counts tie, only word order can decide.
    vectors = np.tile(np.eye(1, 8, dtype=np.float32), (2, 1))
    snapshot = make_snapshot(chunks, vectors, Catalog(), {}, {}, datetime.now(UTC))
    query = vectors[0]
    ranking = Ranking()
    for question, first in (("text to speech", 1), ("speech to text", 0)):
        hits = rank(snapshot, query, question, ranking)
        assert [h.chunk.key for h in hits] == [f"k{first}", f"k{1 - first}"]
        assert hits[0].score > hits[1].score
        # Without the pair field the two tie.
        flat = rank(snapshot, query, question, replace(ranking, pair_weight=0.0))
        assert flat[0].score == pytest.approx(flat[1].score)
