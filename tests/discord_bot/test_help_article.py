"""Waypoint answers questions about itself from an article written from its real commands."""

from __future__ import annotations

from bot.app import open_services
from bot.cli import build_parser
from bot.discord.client import create_bot
from bot.discord.help_article import ARTICLE_FILE, commands_of, render
from index.search import KnowledgeBase
from tests.conftest import SESSION_LOOP, MakeSettings

pytestmark = SESSION_LOOP


async def test_the_committed_article_is_the_one_the_command_tree_writes(
    knowledge: KnowledgeBase, make_settings: MakeSettings
) -> None:
    settings = make_settings()
    services = await open_services(settings, knowledge=knowledge)
    try:
        async with create_bot(settings, services=services) as bot:
            await bot.register(services)
            written = render(commands_of(bot.tree), build_parser())
            names = {c.name for c in commands_of(bot.tree)}
    finally:
        await services.close()
    assert {"ask", "checkin", "plan", "progress", "remind", "kb"} <= names
    assert all(f"/{name}" in written for name in names if name != "Ask Waypoint")
    assert ARTICLE_FILE.read_text(encoding="utf-8") == written, (
        "knowledge/waypoint/using-waypoint.md is out of date with the commands: "
        "run `python -m bot.discord.help_article`"
    )
