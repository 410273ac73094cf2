"""A reload re-reads only what changed, and ends with the index a cold build would make.

Each test edits real files, reloads, then builds the same folder from scratch in another index
folder and compares: the same passages in the same order, the same vectors, the same BM25
scores, the same answers. The cold build starts from a copy of the embedding cache, which only
saves time: each text is embedded alone (index/onnx_embedder.py), so its vector is the same bit
for bit however the passages around it were embedded.
"""

from __future__ import annotations

import errno
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import index.lexical
from index.lexical import LexicalIndex, tokenize
from index.search import IndexConfig, KnowledgeBase

Config = Callable[..., IndexConfig]

QUESTIONS = [
    "what is gradient descent",
    "how can I stop my model from overfitting?",
    "what do the rows of a confusion matrix mean",
    "spaced repetition for remembering things",
    "pomodoro technique",
    "which modules does the ml basics path have",
]


def _edit_articles(kb: Path) -> None:
    """A changed, an added, a removed and a renamed article."""
    article = kb / "articles" / "ml-basics" / "gradient-descent.md"
    article.write_text(
        article.read_text().replace("Too large and", "A rate that is too large means"),
        encoding="utf-8",
    )
    (kb / "articles" / "ml-basics" / "confusion-matrix.md").write_text(
        "---\ntitle: Reading a confusion matrix\nmodule: evaluation\n---\n\n"
        "## Rows and columns\n\nRows are the true classes and columns the predicted ones; "
        "the diagonal counts the correct predictions.\n",
        encoding="utf-8",
    )
    (kb / "guides" / "study-log.txt").unlink()
    habits = kb / "guides" / "study-habits"
    (habits / "spaced-repetition.md").rename(habits / "remembering-with-spacing.md")


def _edit_catalog(kb: Path) -> None:
    """An article changed together with the roadmap (every file goes through the loader)."""
    _edit_articles(kb)
    roadmap = kb / "paths" / "ml-basics.yaml"
    roadmap.write_text(roadmap.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")


async def _assert_same_as_cold_build(
    kb: KnowledgeBase, config: IndexConfig, cold_dir: Path
) -> None:
    shutil.copytree(config.index_dir / "cache", cold_dir / "cache")
    cold = await KnowledgeBase.open(
        IndexConfig(
            config.knowledge_dirs,
            cold_dir,
            config.model_path,
            config.model_name,
            config.backend,
            config.models_dir,
        )
    )
    try:
        live, fresh = kb.snapshot, cold.snapshot
        for a, b in zip(live.chunks, fresh.chunks, strict=True):
            assert a == b, (a, b)
        assert live.documents == fresh.documents
        assert live.tokens == fresh.tokens
        assert live.stats["chunks"] == fresh.stats["chunks"]
        assert live.stats["tokens"] == fresh.stats["tokens"]
        np.testing.assert_array_equal(live.vectors, fresh.vectors)
        for question in QUESTIONS:
            np.testing.assert_allclose(
                live.lexical.scores(question), fresh.lexical.scores(question), rtol=1e-5
            )
            ours, theirs = await kb.ask(question), await cold.ask(question)
            assert ours.answered == theirs.answered
            assert [p.citation for p in ours.passages] == [p.citation for p in theirs.passages]
    finally:
        await cold.close()


@pytest.mark.parametrize(
    ("edit", "changed"), [(_edit_articles, 1), (_edit_catalog, 2)], ids=["articles", "catalog"]
)
async def test_reload_ends_with_the_index_a_cold_build_makes(
    kb_dir: Path, make_config: Config, tmp_path: Path, edit: Callable[[Path], None], changed: int
) -> None:
    config = make_config(kb_dir)
    kb = await KnowledgeBase.open(config)
    edit(kb_dir)
    report = await kb.reload()
    assert report.ok, report.summary()
    assert (report.documents_added, report.documents_changed, report.documents_removed) == (
        2,
        changed,  # with the roadmap file, its document changed too
        2,
    )
    answer = await kb.ask("what do the rows of a confusion matrix mean")
    assert answer.passages[0].citation.source == "articles/ml-basics/confusion-matrix.md"
    sources = {c.citation.source for c in kb.snapshot.chunks}
    assert "guides/study-habits/remembering-with-spacing.md" in sources
    assert "guides/study-habits/spaced-repetition.md" not in sources
    await _assert_same_as_cold_build(kb, config, tmp_path / "cold")
    # The reloaded index was saved: a restart serves it as is.
    await kb.close()
    again = await KnowledgeBase.open(config)
    assert again.open_report is None
    assert again.snapshot.chunks == kb.snapshot.chunks
    await again.close()


def _age(folder: Path) -> None:
    """Files last written an hour ago: a file written within seconds of a scan is re-read."""
    hour_ago = time.time() - 3600
    for path in folder.rglob("*"):
        os.utime(path, (hour_ago, hour_ago))


async def test_reload_after_a_restart_reads_only_the_changed_article(
    kb_dir: Path, make_config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _age(kb_dir)
    config = make_config(kb_dir)
    await (await KnowledgeBase.open(config)).close()
    kb = await KnowledgeBase.open(config)  # from the saved index: nothing parsed yet
    read: list[Path] = []
    original = os.open

    def counting(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        read.append(Path(path))
        return original(path, flags, *args, **kwargs)

    # Every knowledge file is opened through os.open (no links followed, no pipes blocking).
    monkeypatch.setattr(os, "open", counting)
    article = kb_dir / "articles" / "ml-basics" / "overfitting.md"
    article.write_text(
        article.read_text() + "\n## Early stopping\n\nStop when validation loss rises.\n"
    )
    report = await kb.reload()
    assert report.ok, report.summary()
    assert report.documents_changed == 1
    # Size and mtime told the other articles apart (the index's own files and the folder's
    # small category labels, read to title the changed article, aside).
    articles = {p for p in read if kb_dir in p.parents and p.suffix != ".json"}
    assert articles == {article}
    monkeypatch.undo()
    await _assert_same_as_cold_build(kb, config, tmp_path / "cold")


async def test_a_reload_failing_half_way_leaves_the_old_index_answering(
    kb_dir: Path, make_config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(kb_dir)
    kb = await KnowledgeBase.open(config)
    before = await kb.ask("how can I stop my model from overfitting?")
    generation = (config.home / "CURRENT").read_text()
    article = kb_dir / "articles" / "ml-basics" / "overfitting.md"
    article.write_text(article.read_text().replace("overfitting", "overfitting (memorizing)"))

    def disk_full(self: LexicalIndex, folder: Path) -> None:
        folder.mkdir(parents=True)
        raise OSError(errno.ENOSPC, "No space left on device")

    # The vectors and passages are written, then the disk fills up.
    monkeypatch.setattr(index.lexical.LexicalIndex, "save", disk_full)
    report = await kb.reload()
    assert not report.ok
    assert "No space left on device" in report.summary()
    after = await kb.ask("how can I stop my model from overfitting?")
    assert [p.text for p in after.passages] == [p.text for p in before.passages]
    assert (config.home / "CURRENT").read_text() == generation
    assert [p.name for p in config.home.glob("g-*")] == [generation]  # nothing half-written left
    monkeypatch.undo()
    report = await kb.reload()
    assert report.ok
    assert report.documents_changed == 1
    assert "memorizing" in " ".join(p.text for p in (await kb.ask("overfitting")).passages)
    await kb.close()


def test_bm25_scores_are_bm25s_own_after_any_reuse() -> None:
    import bm25s

    texts = [
        "gradient descent walks downhill on the loss",
        "overfitting means memorizing the training set",
        "spaced repetition schedules reviews of flash cards",
        "a confusion matrix counts predictions by true class",
        "",
        "learning rate too large and gradient descent diverges",
    ]
    docs = tokenize(texts)
    reference = bm25s.BM25()
    reference.index(docs, show_progress=False)
    ours = LexicalIndex(docs)
    for question in ["gradient descent", "training overfitting", "cards"]:
        terms = ours.terms(question)
        np.testing.assert_allclose(ours.scores(question), reference.get_scores(terms), rtol=1e-6)
    # Drop two passages, add one, reorder: the same as indexing the result from scratch.
    added = tokenize(["reviews of gradient checkpoints"])[0]
    reused = ours.reuse([5, added, 0, 2, 3])
    expected = LexicalIndex([docs[5], added, docs[0], docs[2], docs[3]])
    for question in ["gradient descent", "overfitting", "reviews"]:
        np.testing.assert_allclose(reused.scores(question), expected.scores(question), rtol=1e-6)
    assert reused.terms("overfiting") == []  # a word only dropped passages used is forgotten


def test_bm25_index_saved_and_loaded_scores_the_same(tmp_path: Path) -> None:
    docs = tokenize(["kubernetes pods and services", "docker images", "pods restart"])
    saved = LexicalIndex(docs)
    saved.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    assert len(loaded) == 3
    for question in ["kubernetes pods", "docker", "kuberntes"]:
        np.testing.assert_array_equal(loaded.scores(question), saved.scores(question))
    np.testing.assert_array_equal(
        loaded.reuse([2, 0]).scores("pods"), LexicalIndex([docs[2], docs[0]]).scores("pods")
    )
