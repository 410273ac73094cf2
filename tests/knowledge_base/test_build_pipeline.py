"""A build embeds on a thread of its own while it chunks and counts: the index is the same.

A cold build hands each group of freshly chunked documents to the embedding thread; these tests
use folders of more documents than one group and more passages than one embedding slice, so
passages really do arrive while others are being embedded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from index.build import _CHUNK_GROUP, EMBED_SLICE
from index.embedding_api import Embedder, Vectors
from index.search import IndexConfig, KnowledgeBase

Config = Callable[..., IndexConfig]


def _tips(folder: Path, count: int) -> None:
    """`count` one-passage notes, every text distinct, and one note twice (same passage)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"tip-{i:03d}.md").write_text(
            f"# Revision tip {i}\n\nReview topic number {i} on day {i % 7} of the week.\n",
            encoding="utf-8",
        )
    (folder / "tip-copy.md").write_text(
        (folder / "tip-000.md").read_text(encoding="utf-8"), encoding="utf-8"
    )


def _feeders() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "embed-feeder"]


async def test_a_cold_build_gives_every_passage_the_vector_of_its_own_text(
    kb_dir: Path, make_config: Config, embedder: Embedder
) -> None:
    count = EMBED_SLICE + 3 * _CHUNK_GROUP
    _tips(kb_dir / "guides" / "tips", count)
    calls: list[tuple[int, int]] = []
    kb = await KnowledgeBase.open(make_config(kb_dir), progress=lambda d, t: calls.append((d, t)))
    try:
        chunks = kb.snapshot.chunks
        assert len({c.citation.source for c in chunks}) > count
        # Each text embedded alone gives the same vector bit for bit: a vector landing on the
        # wrong row, or a passage never embedded (all zeros), shows here.
        alone = embedder.encode([c.embed_text for c in chunks])
        np.testing.assert_array_equal(kb.snapshot.vectors, alone)
        assert kb.snapshot.stats["embedded_chunks"] == len({c.key for c in chunks})
        assert calls[0][0] == 0
        assert calls[-1][0] == calls[-1][1] == calls[0][1]
        n = count - 4
        hits = await kb.search(f"which day do I review topic number {n}? revision tip {n}")
        assert hits[0].chunk.citation.source == f"guides/tips/tip-{n:03d}.md"
    finally:
        await kb.close()
    assert _feeders() == []


async def test_a_model_failing_mid_build_stops_the_thread_and_keeps_the_old_index(
    kb_dir: Path, make_config: Config, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(kb_dir)
    kb = await KnowledgeBase.open(config)
    before = await kb.ask("how can I stop my model from overfitting?")
    _tips(kb_dir / "guides" / "tips", EMBED_SLICE + _CHUNK_GROUP)
    encode = embedder.encode

    def failing(texts: Sequence[str]) -> Vectors:
        if any("topic number 7 " in t for t in texts):
            raise RuntimeError("the model ran out of memory")
        return encode(texts)

    monkeypatch.setattr(embedder, "encode", failing)
    report = await kb.reload()
    assert not report.ok
    assert "the model ran out of memory" in report.summary()
    assert _feeders() == []
    after = await kb.ask("how can I stop my model from overfitting?")
    assert [p.text for p in after.passages] == [p.text for p in before.passages]
    await kb.close()
    # A first build has nothing to fall back on: it fails, and leaves no thread behind.
    with pytest.raises(RuntimeError, match="ran out of memory"):
        await KnowledgeBase.open(make_config(kb_dir, index_dir=kb_dir.parent / "other"))
    assert _feeders() == []
    monkeypatch.undo()
    kb = await KnowledgeBase.open(config)
    assert (await kb.reload()).ok
    assert "topic number 7 " in " ".join(c.embed_text for c in kb.snapshot.chunks)
    await kb.close()


async def test_a_first_build_leaves_a_file_over_the_passage_limit_out_unembedded(
    kb_dir: Path, make_config: Config, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ~5,300 passages once split to the model's window: over the per-file limit of 5,000.
    dense = kb_dir / "guides" / "dense.md"
    dense.write_text("# Dense\n\n" + ("a" + "!" * 98 + " ") * 10_700)
    _tips(kb_dir / "guides" / "tips", 2 * _CHUNK_GROUP)
    embedded: list[str] = []
    encode = embedder.encode

    def recording(texts: Sequence[str]) -> Vectors:
        embedded.extend(texts)
        return encode(texts)

    monkeypatch.setattr(embedder, "encode", recording)
    kb = await KnowledgeBase.open(make_config(kb_dir))
    assert kb.open_report is not None
    assert [str(p) for p in kb.open_report.warnings if p.file == dense] == [
        f"{dense}: yields 5,350 passages, over the limit of 5,000 per file; split it into "
        "smaller files"
    ]
    assert not any("!!!!" in t for t in embedded)
    # Each passage once (the other texts embedded are the calibration's questions).
    texts = {c.embed_text for c in kb.snapshot.chunks}
    assert sorted(t for t in embedded if t in texts) == sorted(texts)
    await kb.close()
