"""The Discord client: holds the services, registers the cogs and views, installs the handler.

`create_bot(settings)` returns a bot that is not started; `await bot.start(token)` runs it. The
knowledge base is loaded in `setup_hook`, which discord.py runs after login and before the
gateway connects, so no question arrives before the index can answer it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import discord
from discord.ext import commands

from bot.app import Services, open_services
from bot.config import Settings
from bot.discord.cogs.ask import AskCog
from bot.discord.cogs.community import CommunityCog
from bot.discord.cogs.moderation import ModerationCog
from bot.discord.cogs.mydata import MyDataCog
from bot.discord.cogs.rooms import StudyRoomsCog
from bot.discord.cogs.study import StudyCog
from bot.discord.errors import ErrorHandler
from bot.discord.mentions import remember_command_ids
from bot.discord.views import feedback_buttons

log = logging.getLogger(__name__)


def intents() -> discord.Intents:
    """Guilds, messages with their content (to answer mentions and answer channels) and voice
    states (to log time in study rooms).

    Message content is a privileged intent: enable it in the Developer Portal (Bot page).
    """
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.voice_states = True
    wanted.guild_messages = True
    wanted.message_content = True
    return wanted


class WaypointBot(commands.Bot):
    """Waypoint on one gateway connection (see `ShardedWaypointBot` for several shards).

    Pass `services` to share already-open services (tests, a supervisor process); the bot then
    leaves closing them to the caller. Otherwise it opens them in `setup_hook` and closes them
    in `close()`.
    """

    def __init__(
        self, settings: Settings, *, services: Services | None = None, **options: Any
    ) -> None:
        options.setdefault("intents", intents())
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        super().__init__(command_prefix=commands.when_mentioned, help_command=None, **options)
        self.settings = settings
        self._services = services
        self._owns_services = services is None
        self.errors = ErrorHandler()
        self.tree.on_error = self.errors.on_command_error  # type: ignore[method-assign]

    @property
    def services(self) -> Services:
        """The services this bot answers with (available from `setup_hook` on)."""
        if self._services is None:
            raise RuntimeError("the bot's services open in setup_hook; start the bot first")
        return self._services

    async def setup_hook(self) -> None:
        """Open the services (index loaded before answering), add cogs and views, sync."""
        if self._services is None:
            self._services = await open_services(self.settings)
        await self.register(self.services)
        await self.sync_commands()

    async def register(self, services: Services) -> None:
        """The one place where cogs and persistent views are added, each given its services."""
        if services.knowledge is None or services.questions is None:
            raise RuntimeError("the bot needs services opened with the knowledge base")
        study, questions = services.study, services.questions
        button = feedback_buttons(questions, self.errors)
        self.add_dynamic_items(button)
        await self.add_cog(AskCog(self, questions, button, self.errors))
        if services.knowledge_sync is not None:
            await services.knowledge_sync.start()  # follow /kb reload in other processes
        await self.add_cog(
            ModerationCog(
                services.knowledge,
                questions,
                self.settings.moderator_role,
                sync=services.knowledge_sync,
                rooms=study.rooms,
                community=study.community,
            )
        )
        await self.add_cog(StudyCog(study.plans, study.checkins, study.progress, study.learners))
        await self.add_cog(CommunityCog(self, study.community))
        await self.add_cog(MyDataCog(study.privacy, self.errors))
        await self.add_cog(StudyRoomsCog(self, study.rooms))

    async def sync_commands(self) -> None:
        """Publish the slash commands when they differ from the last sync of this application.

        Discord limits command updates; a restart with unchanged commands skips the call.
        """
        payload = [cmd.to_dict(self.tree) for cmd in self.tree.get_commands()]
        digest = hashlib.sha256(
            json.dumps([self.application_id, payload], sort_keys=True).encode()
        ).hexdigest()
        marker = self.settings.data_dir / "commands.sha256"
        try:
            if marker.read_text(encoding="utf-8").strip() == digest:
                log.info("slash commands unchanged; not syncing")
                # Their ids make the clickable mentions (</plan new:ID>) in replies.
                remember_command_ids({c.name: c.id for c in await self.tree.fetch_commands()})
                return
        except OSError:
            pass
        synced = await self.tree.sync()
        remember_command_ids({c.name: c.id for c in synced})
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(digest, encoding="utf-8")
        log.info("synced %d slash commands: %s", len(synced), ", ".join(c.name for c in synced))

    async def on_message(self, message: discord.Message, /) -> None:
        """Text commands are not used: the cogs' listeners handle messages."""

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        """Log a failing event listener with its guild; the bot keeps running.

        The cogs answer the member themselves (see AskCog.on_message); this is the net for
        anything they did not expect.
        """
        guild = next((g for a in args if (g := getattr(a, "guild", None)) is not None), None)
        log.exception("listener %s failed guild=%s", event_method, getattr(guild, "id", None))

    async def on_ready(self) -> None:
        """Log the connection (once per READY, so reconnections are visible too)."""
        log.info("connected as %s to %d guild(s)", self.user, len(self.guilds))

    async def close(self) -> None:
        """Disconnect, then close the services this bot opened (database, index)."""
        try:
            await super().close()
        finally:
            if self._owns_services and self._services is not None:
                await self._services.close()


class ShardedWaypointBot(WaypointBot, commands.AutoShardedBot):
    """Waypoint over several shards in one process (WAYPOINT_SHARD_COUNT / _SHARD_IDS)."""


def create_bot(
    settings: Settings, *, services: Services | None = None, **options: Any
) -> WaypointBot:
    """A ready-to-start bot: sharded when `settings.shard_count` is set."""
    # Waypoint never joins voice: discord.py's start-up warnings about voice libraries would only
    # send operators looking for a problem that does not exist.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    if settings.shard_count is not None:
        return ShardedWaypointBot(
            settings,
            services=services,
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,
            **options,
        )
    return WaypointBot(settings, services=services, **options)
