"""A full disk under the index: the saved index keeps answering, or one sentence says why not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from index.problems import KnowledgeError
from index.search import IndexConfig, KnowledgeBase
from tests.disks import small_disk

QUESTION = "what is overfitting"


def _new_article(kb_dir: Path) -> None:
    (kb_dir / "articles" / "ml-basics" / "learning-rates.md").write_text(
        "---\ntitle: How do I pick a learning rate?\n---\n\n## Start small\n\n"
        "Begin with a small learning rate and raise it while the loss still falls smoothly; "
        "a rate that is too large makes the loss jump around instead of going down.\n",
        encoding="utf-8",
    )


async def test_a_start_with_changed_knowledge_and_a_full_disk_answers_from_the_saved_index(
    kb_dir: Path, make_config: Callable[..., IndexConfig], tmp_path: Path
) -> None:
    with small_disk(tmp_path / "disk", "4m") as disk:
        config = make_config(kb_dir, index_dir=tmp_path / "disk" / "index")
        await (await KnowledgeBase.open(config)).close()
        _new_article(kb_dir)
        disk.fill(leave=64 * 1024)
        kb = await KnowledgeBase.open(config)  # no traceback: the saved index answers
        try:
            answer = await kb.ask(QUESTION)
            assert answer.answered
            report = await kb.reload()
            assert not report.ok
            assert disk.reason in report.summary()
            assert (await kb.ask(QUESTION)).answered  # still the old index
        finally:
            await kb.close()


async def test_a_first_build_on_a_full_disk_is_one_sentence(
    kb_dir: Path, make_config: Callable[..., IndexConfig], tmp_path: Path
) -> None:
    with small_disk(tmp_path / "disk", "4m") as disk:
        (tmp_path / "disk" / "index").mkdir()
        disk.fill(leave=16 * 1024)
        with pytest.raises(KnowledgeError, match=f"cannot save the search index: {disk.reason}"):
            await KnowledgeBase.open(make_config(kb_dir, index_dir=tmp_path / "disk" / "index"))
