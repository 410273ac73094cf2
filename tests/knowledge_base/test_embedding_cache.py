"""Passages the model has embedded before are not embedded again, in a running bot too.

A build reads the on-disk embedding cache when it has many passages to embed and lets it go
afterwards (it is not kept in the answering process); the next build that needs it reads it
again.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from index.search import IndexConfig, KnowledgeBase

Config = Callable[..., IndexConfig]
_ARTICLES = 40  # over the few passages a reload embeds without reading the cache


def _write_articles(folder: Path) -> None:
    for i in range(_ARTICLES):
        (folder / f"note-{i:02d}.md").write_text(
            f"# Study note {i}\n\nPractise topic number {i} for {i + 5} minutes a day.\n",
            encoding="utf-8",
        )


async def test_articles_moved_out_and_back_are_not_embedded_again(
    tmp_path: Path, make_config: Config
) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    _write_articles(folder)
    kb = await KnowledgeBase.open(make_config(folder))
    try:
        assert kb.stats["embedded_chunks"] == _ARTICLES
        aside = tmp_path / "aside"
        aside.mkdir()
        for path in sorted(folder.glob("*.md"))[4:]:
            shutil.move(path, aside / path.name)
        report = await kb.reload()
        assert report.ok
        assert report.documents_removed == _ARTICLES - 4
        for path in aside.glob("*.md"):
            shutil.move(path, folder / path.name)
        report = await kb.reload()
        assert report.ok
        assert report.documents_added == _ARTICLES - 4
        assert kb.stats["embedded_chunks"] == 0
        (best,) = await kb.search("study note 17: practise topic number 17", top_k=1)
        assert best.chunk.citation.source == "note-17.md"
    finally:
        await kb.close()
