"""Questions about the bot itself are answered from the article its command tree writes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from index.search import IndexConfig, KnowledgeBase

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("question", "command"),
    [
        ("how do I log my study time?", "/checkin"),
        ("how can I get a reminder so I don't lose my streak", "/remind"),
        ("how do I delete my data from the bot", "/mydata"),
        ("how do i set my timezone in waypoint", "/timezone"),
    ],
)
async def test_questions_about_the_bot_are_answered_from_its_command_article(
    make_config: Callable[..., IndexConfig], question: str, command: str
) -> None:
    kb = await KnowledgeBase.open(make_config(REPO / "knowledge"))
    try:
        answer = await kb.ask(question)
    finally:
        await kb.close()
    assert answer.answered
    best = answer.passages[0]
    assert best.citation.source == "waypoint/using-waypoint.md"
    assert command in best.citation.section or command in best.text
