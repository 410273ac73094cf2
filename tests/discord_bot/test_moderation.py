"""Moderator commands: who may run them, and what /kb reload, status and gaps report."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.discord_bot.conftest import SESSION_LOOP, Running, StartBot, World

pytestmark = SESSION_LOOP

BROKEN = """---
title: [Unclosed list
tags: [broken]
---

## A section

Text that never gets indexed.
"""


def _fields(embed: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed.get("fields", [])}


@pytest.mark.parametrize("who", ["moderator", "admin"])
async def test_kb_status_for_moderators(running: Running, world: World, who: str) -> None:
    result = await world.fake.slash(world.guild, getattr(world, who), "kb status")
    assert result.ephemeral
    (embed,) = result.message.embeds
    fields = _fields(embed)
    assert fields["Documents"] == "3"
    assert int(fields["Passages"]) >= 3
    assert "embedded" in fields["Model"]
    assert "Knowledge folders" in fields
    assert "Index built" in fields
    assert "Last reload" in fields


async def test_moderator_commands_refused_for_members(running: Running, world: World) -> None:
    fake = world.fake
    assert running.services.knowledge is not None
    reloaded_at = running.services.knowledge.status().last_reload_at
    tries: list[tuple[str, dict[str, Any]]] = [
        ("kb status", {}),
        ("kb reload", {}),
        ("kb gaps", {}),
        ("config answer-channel", {"channel": world.questions}),
    ]
    for command, options in tries:
        result = await fake.slash(world.guild, world.alice, command, **options)
        assert result.ephemeral, command
        assert "Only moderators" in result.message.content
        assert "Moderator" in result.message.content
    assert await running.services.db.fetch_value("SELECT COUNT(*) FROM answer_channels") == 0
    assert running.services.knowledge.status().last_reload_at == reloaded_at


async def test_reload_with_broken_file_keeps_old_knowledge(
    running: Running, world: World, knowledge_dir: Path
) -> None:
    broken = knowledge_dir / "articles" / "broken.md"
    broken.write_text(BROKEN, encoding="utf-8")
    try:
        result = await world.fake.slash(world.guild, world.moderator, "kb reload", within=60)
        assert result.deferred
        assert result.ephemeral
        (embed,) = result.message.embeds
        assert "previous knowledge base is still answering" in embed["title"]
        problems = embed["fields"][0]["value"]
        assert "articles/broken.md" in problems
        assert re.search(r"broken\.md`, line [23]:", problems)  # YAML notices it on line 3
        assert "front matter" in problems
        # The previous index still answers.
        answer = await world.fake.slash(
            world.guild, world.alice, "ask", question="What is overfitting?"
        )
        assert "overfitting" in answer.message.embeds[0]["description"].lower()
        status = await world.fake.slash(world.guild, world.moderator, "kb status")
        assert "Reload failed" in _fields(status.message.embeds[0])["Last reload"]
    finally:
        broken.unlink()
        assert running.services.knowledge is not None
        assert (await running.services.knowledge.reload()).ok


async def test_heartbeat_keeps_beating_during_reload(
    start_bot: StartBot, world: World, knowledge_dir: Path
) -> None:
    world.fake.heartbeat_interval_ms = 50
    running = await start_bot()
    extra = knowledge_dir / "articles" / "extra"
    extra.mkdir()
    topics = [
        "batch normalization",
        "dropout",
        "attention",
        "embeddings",
        "tokenization",
        "gradient clipping",
        "data leakage",
        "feature stores",
        "model drift",
        "A/B tests",
    ]
    for i, topic in enumerate(topics * 2):
        body = " ".join(
            f"Paragraph {j} explains {topic} in practice for engineers." for j in range(40)
        )
        (extra / f"note-{i}.md").write_text(
            f"---\ntitle: Notes on {topic} {i}\ntags: [notes]\n---\n\n## {topic}\n\n{body}\n"
            f"\n## More on {topic}\n\n{body}\n",
            encoding="utf-8",
        )
    try:
        started = time.monotonic()
        result = await world.fake.slash(world.guild, world.admin, "kb reload", within=120)
        finished = time.monotonic()
        (embed,) = result.message.embeds
        assert embed["title"] == "Knowledge base reloaded"
        assert "+20 added" in _fields(embed)["Documents"]
        gaps = list(world.fake.heartbeat_gaps(since=started))
        beats = [t for t in world.fake.heartbeats if started <= t <= finished]
        took = finished - started
        assert took > 0.2, f"the reload took {took:.2f} s: too quick to show anything"
        assert len(beats) >= 3, f"{len(beats)} heartbeats in a {took:.2f} s reload"
        # A loop blocked by the reload would stall for all of it. On a shared machine a busy
        # neighbour can pause the loop for a while too, so the bound grows with the reload.
        limit = max(0.5, took / 2)
        assert max(gaps) < limit, f"heartbeat stalled {max(gaps):.2f} s of a {took:.2f} s reload"
    finally:
        for path in extra.iterdir():
            path.unlink()
        extra.rmdir()
        assert running.services.knowledge is not None
        assert (await running.services.knowledge.reload()).ok


async def test_gaps_lists_unanswered_and_downvoted(running: Running, world: World) -> None:
    fake = world.fake
    for user, question in (
        (world.alice, "Which pizza topping is best in Naples?"),
        (world.bob, "which PIZZA topping is best in naples"),
        (world.alice, "How do I bake sourdough bread?"),
    ):
        await fake.slash(world.guild, user, "ask", question=question)
    answered = await fake.slash(world.guild, world.alice, "ask", question="What is overfitting?")
    down = next(c for c in answered.message.custom_ids if c.endswith(":down"))
    await fake.click(answered.message, down, world.bob)

    result = await fake.slash(world.guild, world.moderator, "kb gaps")
    assert result.ephemeral
    fields = _fields(result.message.embeds[0])
    unanswered = fields["Not answered"].splitlines()
    assert "×2" in unanswered[0]
    assert "pizza" in unanswered[0].lower()
    assert "sourdough" in unanswered[1].lower()
    disliked = fields["Answers voted 👎"]
    assert "What is overfitting?" in disliked
    assert "👎 1" in disliked
    assert "shown:" in disliked


async def test_gaps_are_per_server(running: Running, world: World) -> None:
    result = await world.fake.slash(world.guild, world.admin, "kb gaps", days=7)
    fields = _fields(result.message.embeds[0])
    assert "Nothing" in fields["Not answered"]
    assert "No 👎" in fields["Answers voted 👎"]
