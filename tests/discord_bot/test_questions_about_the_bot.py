"""/ask about the bot itself: the answer cites the command that does what was asked."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.app import open_services
from bot.discord.client import create_bot
from bot.discord.help_article import ARTICLE_FILE
from tests.conftest import FIXTURE_KNOWLEDGE, Running, launch
from tests.discord_bot.conftest import SESSION_LOOP, MakeSettings, World

pytestmark = SESSION_LOOP


async def test_asking_how_to_see_a_streak_cites_progress_not_remind(
    world: World, make_settings: MakeSettings, tmp_path: Path
) -> None:
    # The fixture articles plus the article the command tree writes, as a server would have.
    folder = tmp_path / "kb"
    shutil.copytree(FIXTURE_KNOWLEDGE, folder)
    (folder / "waypoint").mkdir()
    shutil.copy(ARTICLE_FILE, folder / "waypoint" / ARTICLE_FILE.name)
    settings = make_settings(knowledge=[folder])
    services = await open_services(settings)
    bot = create_bot(settings, services=services, guild_ready_timeout=0.05)
    running = Running(bot, services, await launch(bot))
    try:
        result = await world.fake.slash(
            world.guild, world.alice, "ask", question="how can I see my streak"
        )
    finally:
        await running.stop()
    (embed,) = result.message.embeds
    assert embed["title"] != "Not covered yet"
    assert "*/progress*" in embed["description"]
    assert "*/remind" not in embed["description"].split("*/progress*")[0]
