"""Starting the bot with a wrong token or no network: one sentence for the operator."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.cli.run import serve
from bot.config import Settings
from bot.errors import ConfigError, WaypointError
from tests.discord_bot.conftest import SESSION_LOOP, World
from tests.fake_discord import FakeDiscord

pytestmark = SESSION_LOOP


async def test_a_wrong_token_is_named_not_a_traceback(
    world: World, make_settings: Callable[..., Settings]
) -> None:
    world.fake.token = "the-real-token"
    with pytest.raises(ConfigError, match="Discord rejected DISCORD_TOKEN"):
        await serve(make_settings(), "a-stale-token")
    assert [r.status for r in world.fake.requests_to("GET /users/@me")] == [401]


async def test_discord_unreachable_is_one_sentence(make_settings: Callable[..., Settings]) -> None:
    gone = FakeDiscord()
    await gone.start()
    await gone.stop()  # its port is closed now: nothing answers there
    with gone.configured(), pytest.raises(WaypointError, match="cannot reach Discord") as caught:
        await serve(make_settings(), "fake-token")
    assert "\n" not in caught.value.user_message
