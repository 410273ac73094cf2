"""One Waypoint bot as a real OS process against the fake Discord of the test that starts it:

    python -m tests.multiprocess.bot_process <api base> <gateway url>

Settings come from the WAYPOINT_* environment, as in production. "ready" is printed once the
bot has connected, so the test knows when to begin; the process runs until killed.
"""

from __future__ import annotations

import asyncio
import sys

import yarl


async def main(api_base: str, gateway_url: str) -> None:
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    from bot.config import Settings
    from bot.discord.client import create_bot

    Route.BASE = api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    bot = create_bot(Settings.from_env(), guild_ready_timeout=0.05)
    running = asyncio.create_task(bot.start("fake-token"))
    while not bot.is_ready():
        if running.done():
            running.result()
        await asyncio.sleep(0.02)
    print("ready", flush=True)
    await running


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
