"""Reading knowledge folders: our format, Docusaurus trees, plain text, and every problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.loader import load_folder, load_knowledge
from tests.knowledge_base.conftest import FIXTURE_KB, LEARNING_PATHS, SEEDS, needs_corpora


def test_fixture_folder_loads_every_kind_of_document() -> None:
    loaded = load_folder(FIXTURE_KB)
    assert loaded.problems == []
    by_source = {d.source: d for d in loaded.documents}
    assert set(by_source) == {
        "articles/ml-basics/gradient-descent.md",
        "articles/ml-basics/overfitting.md",
        "guides/study-habits/spaced-repetition.md",
        "guides/study-log.txt",
        "paths/ml-basics.yaml",
        "resources/ml-basics.yaml",
    }
    overfitting = by_source["articles/ml-basics/overfitting.md"]
    assert overfitting.title == "Overfitting and how to spot it"
    assert [s.trail for s in overfitting.sections] == [
        ("What overfitting looks like",),
        ("How to prevent it",),
    ]
    first = overfitting.sections[0]
    assert (first.line, first.url, first.path_id, first.module_id) == (
        10,
        "https://example.org/articles/overfitting",
        "ml-basics",
        "evaluation",
    )
    assert all("Editors" not in s.text for s in overfitting.sections)  # HTML comment dropped
    assert "overfitting" in first.keywords  # tags feed the lexical ranker
    # The Docusaurus category label qualifies the title; the H1 is the title, not a section.
    docs = by_source["guides/study-habits/spaced-repetition.md"]
    assert docs.title == "Study Habits › Spaced repetition"
    assert docs.sections[1].trail == ("Flashcards for formulas",)


def test_plain_text_article_gets_title_headings_and_repaired_text() -> None:
    doc = next(d for d in load_folder(FIXTURE_KB).documents if d.source.endswith(".txt"))
    assert doc.title == "Weekly study log"
    assert doc.sections[0].text == "Posted by a learner · 3 min read"
    assert doc.sections[1].trail == ("Pomodoro sessions",)


def test_roadmap_modules_and_resources_become_citable_sections() -> None:
    docs = {d.source: d for d in load_folder(FIXTURE_KB).documents}
    roadmap = docs["paths/ml-basics.yaml"]
    evaluation = next(s for s in roadmap.sections if s.module_id == "evaluation")
    assert evaluation.trail == ("Model Evaluation",)
    assert evaluation.line == 25
    assert "2-3 weeks" in evaluation.text
    assert "Cross-validation" in evaluation.text
    resources = docs["resources/ml-basics.yaml"]
    video = resources.sections[0]
    assert video.title == "Essence of Linear Algebra"
    assert video.url == "https://www.3blue1brown.com/topics/linear-algebra"
    assert (video.path_id, video.module_id, video.line) == ("ml-basics", "foundations", 3)


@pytest.mark.parametrize(
    ("relative", "content", "line", "message"),
    [
        (
            "articles/ml-basics/broken.md",
            "---\ntitle: Broken\ntags: [a, b\n---\nText.\n",
            3,
            "invalid front matter YAML",
        ),
        ("articles/ml-basics/untitled.md", "---\ntags: [a]\n---\nText.\n", 1, "no 'title'"),
        (
            "articles/ml-basics/lost.md",
            "---\ntitle: Lost\nmodule: nowhere\n---\nText.\n",
            2,
            "unknown module 'nowhere'",
        ),
        (
            "resources/more.yaml",
            "path: ml-basics\nresources:\n  - title: No link\n    kind: video\n"
            "    module: foundations\n    free: true\n",
            3,
            "missing 'url'",
        ),
        (
            "paths/other.yaml",
            "id: other\ntitle: Other\nsummary: s\nmodules:\n  - id: one\n    order: 0\n"
            "    weeks: [1, 2]\n    hours_per_week: 5\n    summary: s\n",
            5,
            "missing 'title'",
        ),
        ("paths/bad.yaml", "id: bad\ntitle: [unclosed\n", 3, "invalid YAML"),
    ],
)
def test_every_problem_names_file_and_line(
    kb_dir: Path, relative: str, content: str, line: int, message: str
) -> None:
    target = kb_dir / relative
    target.write_text(content, encoding="utf-8")
    loaded = load_folder(kb_dir)
    found = [p for p in loaded.errors if p.file == target]
    assert found, [str(p) for p in loaded.problems]
    assert found[0].line == line
    assert message in found[0].message


def test_non_utf8_file_is_read_with_a_warning(kb_dir: Path) -> None:
    target = kb_dir / "guides" / "legacy.txt"
    target.write_bytes("Caf\xe9 notes\n\nStudy in a caf\xe9 with headphones on.\n".encode("cp1252"))
    loaded = load_folder(kb_dir)
    assert loaded.errors == []
    assert [p.file for p in loaded.warnings] == [target]
    doc = next(d for d in loaded.documents if d.source == "guides/legacy.txt")
    assert doc.title == "Café notes"


def test_unknown_folder_is_a_problem(tmp_path: Path) -> None:
    loaded = load_knowledge([tmp_path / "missing"])
    assert loaded.documents == []
    assert "not found" in loaded.errors[0].message


@needs_corpora
def test_learning_paths_docusaurus_tree_loads_cleanly() -> None:
    loaded = load_folder(LEARNING_PATHS)
    assert loaded.problems == []
    assert len(loaded.documents) == 65
    titles = {d.source: d.title for d in loaded.documents}
    assert titles["intro.md"] == "Welcome to Chasing Cloud Careers"
    assert titles["mlops-engineering/00-prerequisites.md"] == (
        "MLOps Engineering › Prerequisites for MLOps Engineering"
    )
    for doc in loaded.documents:
        for section in doc.sections:
            assert "sidebar_position" not in section.text
            assert section.line > 0


@needs_corpora
def test_seeds_are_repaired_and_structured() -> None:
    loaded = load_folder(SEEDS)
    assert loaded.problems == []
    assert len(loaded.documents) == 4
    text = "\n".join(s.text for d in loaded.documents for s in d.sections)
    for marker in ("ยท", "ðŸ", "๐Ÿ", "Ã", "â€"):
        assert marker not in text
    assert "🚧" in text
    assert "·" in text
    titles = sorted(d.title for d in loaded.documents)
    assert "Can a Data Engineer become a Machine Learning Engineer?" in titles
    assert "Getting Started with Machine Learning: A Data Engineer's Perspective" in titles


_messy = st.one_of(
    st.text(max_size=400),
    st.builds(
        lambda meta, body: f"---\n{meta}\n---\n{body}",
        st.text(alphabet="abc:-[]{}\n #'\"", max_size=80),
        st.text(max_size=200),
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=_messy, name=st.sampled_from(["articles/ml-basics/x.md", "guides/y.txt", "z.mdx"]))
def test_any_file_content_loads_or_reports_never_raises(kb_dir: Path, text: str, name: str) -> None:
    target = kb_dir / name
    target.write_text(text, encoding="utf-8", errors="surrogatepass")
    loaded = load_folder(kb_dir)
    for problem in loaded.problems:
        assert problem.file == target
    docs = {d.source for d in loaded.documents}
    assert "articles/ml-basics/overfitting.md" in docs
    target.unlink()
