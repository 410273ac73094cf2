"""/ask answers an order question from the roadmap's module order (issue 14), end to end."""

from __future__ import annotations

from bot.app import index_config, open_services
from bot.discord.client import create_bot
from index.search import KnowledgeBase
from tests.discord_bot.conftest import SESSION_LOOP, MakeSettings, Running, World, launch
from tests.fake_discord.models import check_embed_limits
from tests.knowledge_base.conftest import FIXTURE_KB

pytestmark = SESSION_LOOP


async def test_ask_what_comes_after_a_module_shows_the_next_one(
    world: World, make_settings: MakeSettings
) -> None:
    # The knowledge folder with the two-module `ml-basics` roadmap (Foundations, then Model
    # Evaluation) instead of the session's articles-only one.
    settings = make_settings(knowledge=[FIXTURE_KB])
    kb = await KnowledgeBase.open(index_config(settings))
    services = await open_services(settings, knowledge=kb)
    bot = create_bot(settings, services=services, guild_ready_timeout=0.05)
    running = Running(bot, services, await launch(bot))
    try:
        result = await world.fake.slash(
            world.guild, world.alice, "ask", question="what comes after foundations?"
        )
        (embed,) = result.message.embeds
        description = embed["description"]
        assert description.startswith(
            "> After **Foundations** comes **Model Evaluation** (module 1 of 1, about 2-3 weeks"
        )
        # The roadmap is named once, linked, with the next module's section under it.
        assert "**[ML Basics](https://example.org/paths/ml-basics)**\n*Model Evaluation* —" in (
            description
        )
        assert not check_embed_limits(result.message.embeds)
    finally:
        await running.stop()
        await kb.close()
