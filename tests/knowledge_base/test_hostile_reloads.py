"""Reloads through the knowledge base and the CLI over a hostile folder: the file is named and
the old index keeps answering (or, on a first start with nothing saved, the rest is indexed)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from index.embedder import Embedder
from index.search import IndexConfig, KnowledgeBase

Config = Callable[..., IndexConfig]
SECRET = "root:x:0:0:the secret line\n"


def _link_out(kb: Path, outside: Path) -> Path:
    (outside / "passwd").write_text(SECRET)
    (kb / "guides" / "passwd.txt").symlink_to(outside / "passwd")
    return kb / "guides" / "passwd.txt"


def _pipe(kb: Path, outside: Path) -> Path:
    os.mkfifo(kb / "resources" / "more.yaml")
    return kb / "resources" / "more.yaml"


def _deep(kb: Path, outside: Path) -> Path:
    target = kb / "articles" / "ml-basics" / "deep.md"
    target.write_text("---\ntitle: " + "[" * 1000 + "]" * 1000 + "\n---\nText.\n")
    return target


def _binary(kb: Path, outside: Path) -> Path:
    target = kb / "guides" / "binary.md"
    target.write_bytes(b"---\ntitle: Binary\n---\n" + os.urandom(40_000).replace(b"\0", b"\1"))
    return target


def _huge(kb: Path, outside: Path) -> Path:
    target = kb / "guides" / "huge.md"
    target.write_bytes(b"# Huge\n\n" + b"word " * (3 * 1024 * 1024 // 5))
    return target


@pytest.mark.parametrize("make", [_link_out, _pipe, _deep, _binary, _huge])
async def test_a_failing_reload_names_the_file_and_keeps_the_old_index_answering(
    kb_dir: Path, tmp_path: Path, make_config: Config, make: Callable[[Path, Path], Path]
) -> None:
    kb = await KnowledgeBase.open(make_config(kb_dir))
    (tmp_path / "outside").mkdir()
    bad = make(kb_dir, tmp_path / "outside")
    (kb_dir / "guides" / "new.md").write_text("# Juggling\n\nThree balls, one hand at a time.\n")
    report = await kb.reload()
    assert not report.ok
    assert [p.file for p in report.errors] == [bad]
    assert report.summary().startswith("Reload failed, the previous knowledge base is still")
    assert str(bad) in report.summary()
    answer = await kb.ask("how can I stop my model from overfitting?")
    assert answer.passages[0].citation.source == "articles/ml-basics/overfitting.md"
    assert all("secret" not in p.text for p in answer.passages)
    await kb.close()


async def test_a_first_start_on_a_hostile_folder_indexes_the_rest(
    kb_dir: Path, tmp_path: Path, make_config: Config
) -> None:
    # Nothing saved to fall back on (a fresh deploy): the bot starts, the bad files are named.
    (tmp_path / "outside").mkdir()
    bad = {make(kb_dir, tmp_path / "outside") for make in (_link_out, _pipe, _deep, _binary)}
    kb = await KnowledgeBase.open(make_config(kb_dir))
    assert kb.open_report is not None
    assert {p.file for p in kb.open_report.warnings} == bad
    answer = await kb.ask("how can I stop my model from overfitting?")
    assert answer.passages[0].citation.source == "articles/ml-basics/overfitting.md"
    await kb.close()


def test_cli_reload_plan_paths_and_ask_live_with_a_file_too_deep(
    kb_dir: Path,
    session_data: Path,
    embedder: Embedder,
    cli_settings: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    common = ["--knowledge", str(kb_dir), "--data-dir", str(session_data)]
    assert main(["index", "build", *common]) == 0
    deep = kb_dir / "paths" / "deep.yaml"
    deep.write_text("id: deep\nresources: " + "[" * 300 + "]" * 300 + "\n")
    capsys.readouterr()
    assert main(["index", "reload", *common]) == 1
    captured = capsys.readouterr()
    assert "Reload failed, the previous knowledge base is still answering" in captured.out
    assert f"{deep}:2: invalid YAML: nested more than 20 levels deep" in captured.err
    assert main(["plan", "paths", *common]) == 0
    assert "ml-basics" in capsys.readouterr().out
    # `ask` opens the saved index, which answers while the deep file is refused.
    assert main(["ask", "how can I stop my model from overfitting?", *common]) == 0
    assert "Overfitting and how to spot it" in capsys.readouterr().out


async def test_a_file_splitting_into_too_many_passages_is_refused_with_its_name(
    kb_dir: Path, make_config: Config
) -> None:
    # Under the size limit and one section, but ~5,300 passages once split to the model's
    # window: refused from the chunks actually made, before anything is embedded.
    kb = await KnowledgeBase.open(make_config(kb_dir))
    dense = kb_dir / "guides" / "dense.md"
    dense.write_text("# Dense\n\n" + ("a" + "!" * 98 + " ") * 10_700)
    report = await kb.reload()
    assert [str(p) for p in report.errors] == [
        f"{dense}: yields 5,350 passages, over the limit of 5,000 per file; split it into "
        "smaller files"
    ]
    answer = await kb.ask("how can I stop my model from overfitting?")
    assert answer.passages[0].citation.source == "articles/ml-basics/overfitting.md"
    await kb.close()
