"""Damaged derived state (the saved index, the embedding cache) is rebuilt, never trusted.

Each case damages the real files a build wrote, then opens the knowledge base again: one log
line says what was damaged, the index is rebuilt (from the embedding cache when it is intact)
and answers as before. Never a traceback, never a wrong answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from index.search import IndexConfig, KnowledgeBase

Config = Callable[..., IndexConfig]
QUESTION = "how can I stop my model from overfitting?"
SOURCE = "articles/ml-basics/overfitting.md"


def _generation(config: IndexConfig) -> Path:
    return config.home / (config.home / "CURRENT").read_text().strip()


def _nan_vectors(g: Path) -> None:
    vectors = np.load(g / "vectors.npy")
    vectors[:] = np.nan
    np.save(g / "vectors.npy", vectors)


def _shuffled_rows(g: Path) -> None:
    vectors = np.load(g / "vectors.npy")
    np.save(g / "vectors.npy", vectors[np.roll(np.arange(len(vectors)), 3)])


def _files_null(g: Path) -> None:
    manifest = json.loads((g / "manifest.json").read_text())
    manifest["files"] = None
    (g / "manifest.json").write_text(json.dumps(manifest))


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "vectors full of NaN": (_nan_vectors, "vectors.npy does not match its checksum"),
    "vector rows shuffled": (_shuffled_rows, "vectors.npy does not match its checksum"),
    "manifest files null": (_files_null, "expected an object, found NoneType"),
    "manifest garbage": (
        lambda g: (g / "manifest.json").write_bytes(b"\xff\x00{"),
        "manifest.json is damaged",
    ),
    "passages truncated": (
        lambda g: _truncate(g / "chunks.txt"),
        "chunks.txt does not match its checksum",
    ),
    "BM25 scores garbage": (
        lambda g: (g / "lexical" / "bm25" / "data.csc.index.npy").write_bytes(b"garbage"),
        "does not match its checksum",
    ),
    "term counts missing": (
        lambda g: (g / "lexical" / "counts.data.npy").unlink(),
        "counts.data.npy unreadable",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
async def test_damaged_index_is_rebuilt_with_one_line(
    damage: str, kb_dir: Path, make_config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config(kb_dir)
    first = await KnowledgeBase.open(config)
    before = await first.ask(QUESTION)
    await first.close()
    spoil, said = DAMAGE[damage]
    spoil(_generation(config))
    with caplog.at_level(logging.WARNING, logger="index"):
        kb = await KnowledgeBase.open(config)
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1, lines
    assert said in lines[0]
    assert "rebuil" in lines[0]
    assert kb.open_report is not None  # rebuilt...
    assert kb.stats["embedded_chunks"] == 0  # ...from the embedding cache
    after = await kb.ask(QUESTION)
    assert after.passages[0].citation.source == SOURCE
    assert [p.text for p in after.passages] == [p.text for p in before.passages]
    await kb.close()
    again = await KnowledgeBase.open(config)  # and the rebuilt index is whole
    assert again.open_report is None
    await again.close()


@pytest.mark.parametrize("spoil", ["truncated", "garbage", "NaN"])
async def test_damaged_embedding_cache_costs_only_re_embedding(
    spoil: str, kb_dir: Path, make_config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config(kb_dir)
    await (await KnowledgeBase.open(config)).close()
    (cache,) = (config.index_dir / "cache").iterdir()
    if spoil == "truncated":
        _truncate(cache)
    elif spoil == "garbage":
        cache.write_bytes(b"PK\x03\x04 not a zip at all")
    else:
        with np.load(cache) as data:
            keys, vectors = data["keys"], data["vectors"]
        vectors[0] = np.nan
        np.savez(cache, keys=keys, vectors=vectors)
    _nan_vectors(_generation(config))  # the index must be rebuilt, from the cache if it can
    with caplog.at_level(logging.WARNING, logger="index"):
        kb = await KnowledgeBase.open(config)
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("embedding cache" in line and "is damaged" in line for line in lines), lines
    assert kb.open_report is not None
    assert kb.stats["embedded_chunks"] >= 1
    assert (await kb.ask(QUESTION)).passages[0].citation.source == SOURCE
    await kb.close()
