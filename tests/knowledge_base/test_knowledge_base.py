"""The knowledge base end to end: real files, the real model, real FAISS."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from index.build import EMBED_SLICE
from index.embedder import Embedder
from index.search import IndexConfig, KnowledgeBase
from index.takeaway import MAX_SENTENCES
from tests.knowledge_base.conftest import SEEDS, needs_corpora

Config = Callable[..., IndexConfig]

OFF_TOPIC = [
    "what is a good recipe for lasagna",
    "who won the football world cup in 2018",
    "how do I fix a flat bicycle tyre",
    "best beaches to visit in portugal this summer",
]


async def _open(config: IndexConfig) -> KnowledgeBase:
    return await KnowledgeBase.open(config)


async def test_answer_cites_the_passage_that_answers(kb_dir: Path, make_config: Config) -> None:
    kb = await _open(make_config(kb_dir))
    answer = await kb.ask("how can I stop my model from overfitting?")
    assert answer.answered
    best = answer.passages[0]
    assert best.citation.source == "articles/ml-basics/overfitting.md"
    assert best.citation.title == "Overfitting and how to spot it"
    assert best.citation.section == "How to prevent it"
    assert best.citation.url == "https://example.org/articles/overfitting"
    assert (best.path_id, best.module_id) == ("ml-basics", "evaluation")
    assert "dropout" in best.text
    scores = [p.score for p in answer.passages]
    assert scores == sorted(scores, reverse=True)
    await kb.close()


@pytest.mark.parametrize(
    ("question", "source", "title", "url"),
    [
        (
            "any videos to understand linear algebra visually?",
            "resources/ml-basics.yaml",
            "Essence of Linear Algebra",
            "https://www.3blue1brown.com/topics/linear-algebra",
        ),
        (
            "how many weeks does the model evaluation module take",
            "paths/ml-basics.yaml",
            "ML Basics",
            "https://example.org/paths/ml-basics",
        ),
        ("pomodoro technique", "guides/study-log.txt", "Weekly study log", None),
        (
            "flashcards for remembering formulas",
            "guides/study-habits/spaced-repetition.md",
            "Study Habits › Spaced repetition",
            None,
        ),
        (
            "lerning rate too big, loss bounces",  # typos and slang
            "articles/ml-basics/gradient-descent.md",
            "Gradient descent in plain words",
            None,
        ),
    ],
)
async def test_every_kind_of_source_is_searchable(
    kb_dir: Path, make_config: Config, question: str, source: str, title: str, url: str | None
) -> None:
    kb = await _open(make_config(kb_dir))
    answer = await kb.ask(question, top_k=3)
    assert answer.answered, answer.suggestions
    best = answer.passages[0].citation
    assert (best.source, best.title, best.url) == (source, title, url)


@pytest.mark.parametrize("question", OFF_TOPIC)
async def test_off_topic_questions_are_refused_with_suggestions(
    kb_dir: Path, make_config: Config, question: str
) -> None:
    kb = await _open(make_config(kb_dir))
    answer = await kb.ask(question)
    assert not answer.answered
    assert answer.passages == ()
    assert answer.suggestions  # the closest topics it does have
    # ...and what the whole knowledge base is about, its most covered subject first.
    assert answer.covered[0] == "ML Basics"


async def test_module_boost_prefers_the_learners_module(kb_dir: Path, make_config: Config) -> None:
    kb = await _open(make_config(kb_dir))
    question = "ML Basics module duration in weeks"
    plain = await kb.ask(question, top_k=3)
    boosted = await kb.ask(question, top_k=3, boost_module=("ml-basics", "evaluation"))
    assert boosted.passages[0].module_id == "evaluation"
    assert plain.answered
    assert boosted.answered


async def test_search_ranks_without_abstaining(kb_dir: Path, make_config: Config) -> None:
    kb = await _open(make_config(kb_dir))
    hits = await kb.search("lasagna recipe", top_k=4)
    assert len(hits) == 4
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert not kb.answerable(hits)


async def test_persisted_index_answers_after_restart_without_embedding(
    kb_dir: Path, make_config: Config, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(kb_dir)
    first = await _open(config)
    before = await first.ask("what is gradient descent")
    await first.close()
    calls: list[int] = []
    original = embedder.encode

    def counting(texts: list[str]) -> object:
        calls.append(len(texts))
        return original(texts)

    monkeypatch.setattr(embedder, "encode", counting)
    second = await _open(config)
    assert second.open_report is None  # nothing rebuilt
    assert calls == []  # no passage was embedded again
    after = await second.ask("what is gradient descent")
    # The question, then one batch for the takeaway: the question with at most
    # MAX_SENTENCES sentences of the best document (index/takeaway.py); no passage.
    assert calls[0] == 1
    assert len(calls) == 2
    assert calls[1] <= MAX_SENTENCES + 1
    assert [p.citation for p in after.passages] == [p.citation for p in before.passages]
    assert second.status().built_at == first.status().built_at


async def test_manifest_from_another_chunking_means_rebuild(
    kb_dir: Path, make_config: Config
) -> None:
    config = make_config(kb_dir)
    await _open(config)
    current = (config.home / "CURRENT").read_text().strip()
    manifest_path = config.home / current / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["chunker"] = -1
    manifest_path.write_text(json.dumps(manifest))
    kb = await _open(config)
    assert kb.open_report is not None
    assert kb.open_report.documents_added == 6
    assert kb.stats["embedded_chunks"] == 0  # the embedding cache still had every passage


async def test_files_changed_while_stopped_are_picked_up_at_start(
    kb_dir: Path, make_config: Config
) -> None:
    config = make_config(kb_dir)
    await _open(config)
    (kb_dir / "guides" / "study-log.txt").unlink()
    kb = await _open(config)
    assert kb.open_report is not None
    assert kb.open_report.documents_removed == 1
    assert kb.status().last_reload == kb.open_report
    answer = await kb.ask("pomodoro technique")
    assert all(p.citation.source != "guides/study-log.txt" for p in answer.passages)


async def test_reload_reports_added_changed_and_removed(kb_dir: Path, make_config: Config) -> None:
    kb = await _open(make_config(kb_dir))
    (kb_dir / "guides" / "study-log.txt").unlink()
    article = kb_dir / "articles" / "ml-basics" / "gradient-descent.md"
    article.write_text(
        article.read_text().replace("Too large and", "A rate that is too large means"),
        encoding="utf-8",
    )
    (kb_dir / "articles" / "ml-basics" / "confusion-matrix.md").write_text(
        "---\ntitle: Reading a confusion matrix\nmodule: evaluation\n---\n\n"
        "## Rows and columns\n\nRows are the true classes and columns the predicted ones; "
        "the diagonal counts the correct predictions.\n",
        encoding="utf-8",
    )
    report = await kb.reload()
    assert report.ok, report.summary()
    assert (report.documents_added, report.documents_changed, report.documents_removed) == (
        1,
        1,
        1,
    )
    assert (report.chunks_added, report.chunks_changed, report.chunks_removed) == (1, 1, 2)
    assert "+1 ~1 -1" in report.summary()
    answer = await kb.ask("what do the rows of a confusion matrix mean")
    assert answer.passages[0].citation.source == "articles/ml-basics/confusion-matrix.md"
    assert kb.status().last_reload == report
    assert kb.status().documents == 6


async def test_reload_with_nothing_changed_is_instant(kb_dir: Path, make_config: Config) -> None:
    kb = await _open(make_config(kb_dir))
    report = await kb.reload()
    assert report.ok
    assert not report.changed
    assert report.seconds < 0.2
    assert report.summary().startswith("Nothing changed")


async def test_broken_yaml_fails_reload_and_old_index_keeps_answering(
    kb_dir: Path, make_config: Config
) -> None:
    kb = await _open(make_config(kb_dir))
    before = kb.status()
    broken = kb_dir / "paths" / "ml-basics.yaml"
    broken.write_text(broken.read_text().replace("title: ML Basics", "title: [ML Basics"))
    (kb_dir / "guides" / "study-log.txt").unlink()
    report = await kb.reload()
    assert not report.ok
    assert report.errors[0].file == broken
    assert report.errors[0].line is not None
    assert "invalid YAML" in report.errors[0].message
    assert "previous knowledge base is still answering" in report.summary()
    assert str(broken) in report.summary()
    answer = await kb.ask("pomodoro technique")  # the removed file is still served
    assert answer.passages[0].citation.source == "guides/study-log.txt"
    assert kb.status().chunks == before.chunks
    assert kb.catalog.roadmaps["ml-basics"].title == "ML Basics"


async def test_questions_are_answered_while_a_reload_runs(
    kb_dir: Path, make_config: Config
) -> None:
    kb = await _open(make_config(kb_dir))
    for i in range(40):
        (kb_dir / "guides" / f"note-{i}.md").write_text(
            f"# Note {i}\n\nCheckpoint {i}: review the chain rule and write one worked example "
            f"of backpropagation through a {i + 2}-layer network.\n",
            encoding="utf-8",
        )
    reload_task = asyncio.create_task(kb.reload())
    answers = []
    while not reload_task.done():
        answers.append(await kb.ask("how can I stop my model from overfitting?"))
    report = await reload_task
    assert report.ok
    assert report.documents_added == 40
    assert answers
    assert all(a.answered for a in answers)
    assert all(
        a.passages[0].citation.source == "articles/ml-basics/overfitting.md" for a in answers
    )
    assert kb.status().documents == 46


async def test_first_build_indexes_what_loads_and_reports_the_rest(
    kb_dir: Path, make_config: Config
) -> None:
    bad = kb_dir / "articles" / "ml-basics" / "untitled.md"
    bad.write_text("---\ntags: [x]\n---\nNo title here.\n", encoding="utf-8")
    kb = await _open(make_config(kb_dir))
    assert kb.open_report is not None
    assert [p.file for p in kb.open_report.warnings] == [bad]
    assert kb.status().documents == 6


async def test_closed_knowledge_base_refuses_questions(kb_dir: Path, make_config: Config) -> None:
    kb = await _open(make_config(kb_dir))
    await kb.close()
    await kb.close()
    with pytest.raises(RuntimeError):
        await kb.ask("anything")


@needs_corpora
async def test_seed_articles_answer_with_repaired_text(tmp_path: Path, make_config: Config) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    kb = await _open(make_config(seeds))
    assert kb.stats["truncated_chunks"] == 0
    answer = await kb.ask("can a data engineer switch to machine learning engineering?")
    assert answer.answered
    sources = {p.citation.source for p in answer.passages}
    assert sources & {"001_d66c96f0213d81b6.txt", "000_a0dc671ced763aa9.txt"}
    assert all("ยท" not in p.text for p in answer.passages)


async def test_empty_folder_builds_and_refuses_everything(
    tmp_path: Path, make_config: Config
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    kb = await _open(make_config(empty))
    assert kb.status().chunks == 0
    answer = await kb.ask("what is overfitting")
    assert not answer.answered
    assert await kb.search("what is overfitting") == []
    (empty / "note.md").write_text("# Overfitting\n\nIt memorises the training data.\n")
    report = await kb.reload()
    assert report.documents_added == 1
    assert (await kb.ask("what is overfitting")).answered


async def test_build_reports_progress_until_done(kb_dir: Path, make_config: Config) -> None:
    calls: list[tuple[int, int]] = []
    for i in range(EMBED_SLICE + 6):  # more passages than one embedding slice
        (kb_dir / "guides" / f"tip-{i}.md").write_text(
            f"# Tip {i}\n\nRevise topic number {i} twice this week.\n", encoding="utf-8"
        )
    await KnowledgeBase.open(make_config(kb_dir), progress=lambda d, t: calls.append((d, t)))
    total = calls[-1][1]
    assert total > EMBED_SLICE
    assert calls[0] == (0, total)
    assert calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


async def test_duplicate_passages_are_collapsed(kb_dir: Path, make_config: Config) -> None:
    original = kb_dir / "articles" / "ml-basics" / "overfitting.md"
    copy = kb_dir / "guides" / "overfitting-copy.md"
    copy.write_text(
        original.read_text().replace("title: Overfitting and how to spot it", "title: Overfitting"),
        encoding="utf-8",
    )
    kb = await _open(make_config(kb_dir))
    hits = await kb.search("how can I stop my model from overfitting?", top_k=4)
    sources = [h.chunk.citation.source for h in hits[:2]]
    assert sorted(sources) == ["articles/ml-basics/overfitting.md", "guides/overfitting-copy.md"]
    answer = await kb.ask("how can I stop my model from overfitting?", top_k=3)
    texts = [p.text for p in answer.passages]
    assert len(texts) == len(set(texts))  # the copy's identical section is not shown twice


@pytest.mark.parametrize("damage", ["chunks.txt", "vectors.npy", "CURRENT"])
async def test_damaged_saved_index_is_rebuilt_not_trusted(
    kb_dir: Path, make_config: Config, damage: str
) -> None:
    config = make_config(kb_dir)
    first = await _open(config)
    generation = config.home / (config.home / "CURRENT").read_text().strip()
    target = config.home / damage if damage == "CURRENT" else generation / damage
    target.write_bytes(b"\x00garbage")
    kb = await _open(config)
    assert kb.status().chunks == first.status().chunks
    assert kb.open_report is not None  # rebuilt (from the embedding cache)
    assert kb.stats["embedded_chunks"] == 0
    assert (await kb.ask("what is gradient descent")).answered


async def test_restart_on_a_broken_file_serves_the_saved_index(
    kb_dir: Path, make_config: Config
) -> None:
    config = make_config(kb_dir)
    before = await _open(config)
    broken = kb_dir / "articles" / "ml-basics" / "overfitting.md"
    broken.write_text("---\ntitle: [unclosed\n---\nText.\n", encoding="utf-8")
    kb = await _open(config)
    assert kb.open_report is not None
    assert not kb.open_report.ok
    assert kb.open_report.errors[0].file == broken
    status = kb.status()
    assert status.last_reload == kb.open_report
    assert status.chunks == before.status().chunks
    answer = await kb.ask("how can I stop my model from overfitting?")
    assert answer.passages[0].citation.source == "articles/ml-basics/overfitting.md"
