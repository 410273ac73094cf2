"""The terminal verbs: the `search --json` contract, ask, chat, index build|status|reload."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from index.embedder import Embedder
from tests.knowledge_base.conftest import HERE

REPO = HERE.parents[1]


pytestmark = pytest.mark.usefixtures("cli_settings")


def _run(argv: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(argv)


def test_search_json_contract(
    kb_dir: Path,
    session_data: Path,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    questions = "how do I avoid overfitting\n\nwhat is a good lasagna recipe\n"
    argv = ["search", "--knowledge", str(kb_dir), "--data-dir", str(session_data)]
    status = _run([*argv, "--top-k", "3", "--json"], monkeypatch, questions)
    assert status == 0
    lines = capsys.readouterr().out.strip().split("\n")
    records = [json.loads(line) for line in lines]
    assert [r["question"] for r in records] == [
        "how do I avoid overfitting",
        "what is a good lasagna recipe",
    ]
    first, off_topic = records
    assert set(first) == {"question", "answered", "confidence", "takeaway", "results"}
    # A line of the best passage's document says the answer; none when it abstains. (Which
    # line is the takeaway's choice, held by tests/discord_bot/test_answer_shape.py: here lines
    # of the article tie within the int8 weights' rounding, 8-bit and 7-bit pick different ones.)
    article = (kb_dir / "articles/ml-basics/overfitting.md").read_text(encoding="utf-8")
    assert first["takeaway"][:30] in article
    assert off_topic["takeaway"] is None
    assert first["answered"] is True
    assert off_topic["answered"] is False
    # Confidence (0-1) beside the decision: answered from 0.5 on.
    assert 0.5 <= first["confidence"] <= 1.0
    assert 0.0 <= off_topic["confidence"] < 0.5
    assert len(first["results"]) == 3
    for result in first["results"]:
        assert set(result) == {"source", "title", "section", "url", "score"}
        assert isinstance(result["score"], float)
        assert not Path(result["source"]).is_absolute()
        assert (kb_dir / result["source"]).is_file()
    assert first["results"][0] == {
        "source": "articles/ml-basics/overfitting.md",
        "title": "Overfitting and how to spot it",
        "section": "How to prevent it",
        "url": "https://example.org/articles/overfitting",
        "score": first["results"][0]["score"],
    }
    scores = [r["score"] for r in first["results"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_prints_passages_with_sources(
    kb_dir: Path,
    session_data: Path,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["ask", "what", "is", "gradient", "descent?", "--knowledge", str(kb_dir)]
    assert _run([*argv, "--data-dir", str(session_data)], monkeypatch) == 0
    out = capsys.readouterr().out
    assert out.startswith("In short: ")
    assert "\nGradient descent in plain words\n" in out
    assert "  source: articles/ml-basics/gradient-descent.md" in out

    argv = ["ask", "best beaches in portugal", "--knowledge", str(kb_dir)]
    assert _run([*argv, "--data-dir", str(session_data)], monkeypatch) == 0
    out = capsys.readouterr().out
    assert out.startswith("The knowledge base does not cover this.")
    assert "Closest topics it does cover:" in out


@pytest.mark.parametrize("ending", ["quit\n", ""])
def test_chat_answers_until_quit_or_end_of_input(
    kb_dir: Path,
    session_data: Path,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    ending: str,
) -> None:
    script = "what is spaced repetition\n\n" + ending
    argv = ["chat", "--knowledge", str(kb_dir), "--data-dir", str(session_data)]
    assert _run(argv, monkeypatch, script) == 0
    out = capsys.readouterr().out
    assert "Type 'quit' or press Ctrl+D to leave." in out
    assert "Study Habits › Spaced repetition\n" in out
    assert out.rstrip().endswith("good luck with your studies!")


def test_index_build_status_and_failed_reload(
    kb_dir: Path,
    session_data: Path,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    common = ["--knowledge", str(kb_dir), "--data-dir", str(session_data)]
    assert _run(["index", "status", *common], monkeypatch) == 1
    assert "No saved index" in capsys.readouterr().out
    assert _run(["index", "build", *common], monkeypatch) == 0
    assert "Index ready: 6 documents" in capsys.readouterr().out
    assert _run(["index", "status", *common], monkeypatch) == 0
    assert "State:      up to date" in capsys.readouterr().out

    broken = kb_dir / "resources" / "ml-basics.yaml"
    broken.write_text(broken.read_text().replace("    free: true\n", "    free: maybe\n", 1))
    assert _run(["index", "status", *common], monkeypatch) == 0
    assert "resources/ml-basics.yaml" in capsys.readouterr().out
    assert _run(["index", "reload", *common], monkeypatch) == 1
    captured = capsys.readouterr()
    assert "Reload failed, the previous knowledge base is still answering" in captured.out
    assert f"{broken}:3: resource 'Essence of Linear Algebra': 'free'" in captured.err


def test_ask_from_a_saved_index_never_imports_torch(
    kb_dir: Path, session_data: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    common = ["--knowledge", str(kb_dir), "--data-dir", str(session_data)]
    assert _run(["index", "build", *common], monkeypatch) == 0
    code = (
        "import sys\n"
        "from bot.cli import main\n"
        f"status = main({['ask', 'what is overfitting', *common]!r})\n"
        "print('torch imported' if 'torch' in sys.modules else 'no torch')\n"
        "sys.exit(status)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAYPOINT_")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**env, "HF_HUB_OFFLINE": "1", "WAYPOINT_EMBEDDING_BACKEND": "onnx"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Overfitting and how to spot it" in done.stdout
    assert done.stdout.rstrip().endswith("no torch")
