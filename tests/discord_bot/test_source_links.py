"""A source is a link the member can open: WAYPOINT_KNOWLEDGE_URL gives each article its page."""

from __future__ import annotations

from bot.app import open_services
from bot.discord.client import create_bot
from tests.discord_bot.conftest import SESSION_LOOP, MakeSettings, Running, World, launch

pytestmark = SESSION_LOOP

REPO = "https://github.com/example/waypoint/blob/main/knowledge/"


async def test_ask_cites_its_source_as_a_link_to_the_article(
    world: World, make_settings: MakeSettings
) -> None:
    # Its own knowledge base (the session's has no address): built once, embeddings cached.
    settings = make_settings(knowledge_url=REPO)
    services = await open_services(settings)
    bot = create_bot(settings, services=services, guild_ready_timeout=0.05)
    running = Running(bot, services, await launch(bot))
    try:
        result = await world.fake.slash(
            world.guild, world.alice, "ask", question="What is overfitting?"
        )
        description = result.message.embeds[0]["description"]
        # The article is named once, linked to its page; its sections link to their headings.
        page = f"{REPO}articles/overfitting.md"
        title = f"**[What is overfitting and how do I prevent it?]({page})**"
        assert description.count(title) == 1, description
        assert f"*[What overfitting means]({page}#what-overfitting-means)* —" in description
        # An article with its own `url:` keeps it.
        result = await world.fake.slash(
            world.guild, world.alice, "ask", question="How should I pick a learning rate?"
        )
        assert (
            "](https://example.org/learning-rate-guide)"
            in (result.message.embeds[0]["description"])
        )
    finally:
        await running.stop()
