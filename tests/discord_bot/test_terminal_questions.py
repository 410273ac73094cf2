"""Questions asked in the terminal are logged like Discord's, with source `cli`."""

from __future__ import annotations

import asyncio
import io
import shutil
import sys
from pathlib import Path

import pytest

from bot.app import open_services
from bot.cli import main
from bot.config import Settings
from index.search import KnowledgeBase
from tests.discord_bot.conftest import SESSION_LOOP

pytestmark = SESSION_LOOP


async def test_terminal_questions_show_in_the_log_and_the_gaps(
    knowledge: KnowledgeBase,
    knowledge_dir: Path,
    index_root: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = tmp_path / "data"
    # The session's index, so the terminal does not embed the fixture articles again.
    shutil.copytree(index_root / "index", data / "index")
    base = ["--data-dir", str(data), "--knowledge", str(knowledge_dir), "ask"]
    assert await asyncio.to_thread(main, [*base, "how do I bake sourdough bread?"]) == 0
    assert "does not cover this" in capsys.readouterr().out
    # The chat, with a line the terminal cannot decode: asked with "�", and the chat goes on.
    typed = io.TextIOWrapper(io.BytesIO(b"caf\xe9?\nwhat is overfitting?\nquit\n"), "utf-8")
    monkeypatch.setattr(sys, "stdin", typed)
    assert await asyncio.to_thread(main, [*base[:-1], "chat"]) == 0
    out = capsys.readouterr().out
    assert out.count("you> ") == 3
    assert "source:" in out

    services = await open_services(
        Settings(data_dir=data, knowledge=[knowledge_dir]), knowledge=knowledge
    )
    try:
        rows = await services.db.fetch_all(
            "SELECT via, guild_id, question, answered FROM questions ORDER BY id"
        )
        assert [tuple(r) for r in rows] == [
            ("cli", None, "how do I bake sourdough bread?", 0),
            ("cli", None, "caf\ufffd?", 0),
            ("cli", None, "what is overfitting?", 1),
        ]
        assert services.questions is not None
        gaps = await services.questions.gaps(None)
        assert sorted(g.question for g in gaps.unanswered) == [
            "caf\ufffd?",
            "how do I bake sourdough bread?",
        ]
        # The terminal learner's data export holds them too.
        export = await services.study.privacy.export_data(0, 0)
        assert [q["asked_via"] for q in export["questions"]] == ["cli"] * 3
    finally:
        await services.close()


async def test_the_terminal_chat_keeps_the_conversation(
    knowledge_dir: Path,
    index_root: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = tmp_path / "data"
    shutil.copytree(index_root / "index", data / "index")
    typed = io.TextIOWrapper(
        io.BytesIO(b"what is overfitting?\ntell me more\nnew\ntell me more\nquit\n"),
        "utf-8",
    )
    monkeypatch.setattr(sys, "stdin", typed)
    base = ["--data-dir", str(data), "--knowledge", str(knowledge_dir), "chat"]
    assert await asyncio.to_thread(main, base) == 0
    out = capsys.readouterr().out
    answers = out.split("you> ")[1:]
    assert len(answers) == 5
    # In context, "more" is more about overfitting.
    assert "overfitting.md" in answers[1]
    # After "new", the same words have nothing to lean on.
    assert "New conversation" in answers[2]
    assert "does not cover this" in answers[3]
