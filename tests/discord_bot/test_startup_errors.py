"""Starting the bot with a wrong token or no network: one sentence for the operator."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import aiosqlite
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


async def test_a_start_up_error_after_the_database_opened_closes_it(
    world: World, make_settings: Callable[..., Settings], index_root: Path, tmp_path: Path
) -> None:
    """The bot fails after opening its database (here: its command marker cannot be written):
    the error reaches the operator and the database's thread is gone, so the process can exit
    and a supervisor restart it."""

    def database_threads() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if isinstance(t, aiosqlite.Connection)]

    before = len(database_threads())
    data = tmp_path / "data"
    data.mkdir()
    (data / "index").symlink_to(index_root / "index")  # the session's index: no rebuild
    (data / "commands.sha256").mkdir()
    with pytest.raises(IsADirectoryError):
        await serve(make_settings(data_dir=data), "fake-token")
    for _ in range(100):
        if len(database_threads()) == before:
            break
        await asyncio.sleep(0.05)
    assert len(database_threads()) == before
