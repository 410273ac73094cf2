"""The question rules that need no database: length limits and the per-member cooldown."""

from __future__ import annotations

import pytest

from bot.errors import InvalidInput
from bot.qa.cooldown import Cooldown
from bot.qa.service import clean_question


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("  what   is\nRAG? ", "what is RAG?"), ("x" * 500, "x" * 500)],
)
def test_clean_question(raw: str, expected: str) -> None:
    assert clean_question(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "x" * 501])
def test_clean_question_refuses(raw: str) -> None:
    with pytest.raises(InvalidInput):
        clean_question(raw)


def test_cooldown_per_key() -> None:
    now = [0.0]
    cooldown = Cooldown(10, clock=lambda: now[0])
    assert cooldown.retry_after("a") == 0
    now[0] = 4
    assert cooldown.retry_after("a") == pytest.approx(6)
    assert cooldown.retry_after("b") == 0
    now[0] = 10
    assert cooldown.retry_after("a") == 0
    assert Cooldown(0).retry_after("a") == 0
