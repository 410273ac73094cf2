"""A fake Discord served on 127.0.0.1: gateway websocket + the REST routes a bot calls.

The real discord.py client connects to it (see README.md for the two class attributes that point
discord.py here). Every REST request is recorded; tests drive users through `slash`, `message`,
`click` and `autocomplete` and assert on what those users would see.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yarl
from aiohttp import BodyPartReader, WSMsgType, web

from tests.fake_discord.models import (
    CREATE_PUBLIC_THREADS,
    EPHEMERAL,
    EVERYONE_DEFAULT,
    GUILD_FORUM,
    MANAGE_GUILD,
    MANAGE_ROLES,
    PUBLIC_THREAD,
    SEND_MESSAGES_IN_THREADS,
    Attachment,
    Channel,
    Guild,
    Member,
    Message,
    Role,
    User,
    VoiceState,
    check_embed_limits,
    dumps,
    iso_now,
    snowflake,
)

# Gateway opcodes.
DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, INVALID_SESSION, HELLO, HEARTBEAT_ACK = (
    0,
    1,
    2,
    6,
    7,
    9,
    10,
    11,
)
# Interaction and callback types.
PING, APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE = 1, 2, 3, 4
CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT = (
    4,
    5,
    6,
    7,
    8,
)
OPTION_TYPES = {
    3: "string",
    4: "integer",
    5: "boolean",
    6: "user",
    7: "channel",
    8: "role",
    10: "number",
}


@dataclass
class Request:
    """One REST request the bot made, as recorded by the fake."""

    method: str
    path: str  # without the /api/v10 prefix
    route: str  # e.g. "POST /channels/{id}/messages"
    query: dict[str, str]
    json: Any
    files: list[Attachment]
    status: int
    at: float


@dataclass(eq=False)
class Interaction:
    """An interaction a test user started, and everything the bot answered to it."""

    id: int
    token: str
    type: int
    user: Member | User
    guild: Guild | None
    channel: Channel
    name: str = ""
    # ("callback", type, data) / ("edit", None, data) / ("followup", None, data) in arrival order.
    responses: list[tuple[str, int | None, dict[str, Any]]] = field(default_factory=list)
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    choices: list[dict[str, Any]] | None = None
    settled: asyncio.Event = field(default_factory=asyncio.Event)
    source_message: Message | None = None
    initial_ephemeral: bool = False
    created: float = 0.0  # on the fake's clock, when the interaction was sent to the bot
    acknowledged: asyncio.Event = field(default_factory=asyncio.Event)
    late: bool = False  # the first response came after Discord's deadline and was refused

    @property
    def callback_type(self) -> int | None:
        return next((t for kind, t, _ in self.responses if kind == "callback"), None)

    @property
    def deferred(self) -> bool:
        return self.callback_type in (DEFERRED_MESSAGE, DEFERRED_UPDATE)

    @property
    def ephemeral(self) -> bool:
        """Whether the first response (message or "thinking…") was visible only to the user."""
        return self.initial_ephemeral

    @property
    def messages(self) -> list[Message]:
        """The original response (if any) then the follow-ups, as the user sees them now."""
        shown = ([self.original] if self.original else []) + self.followups
        return [m for m in shown if not m.deleted]

    @property
    def message(self) -> Message:
        """The response the user sees: the original response, else the first follow-up."""
        shown = self.messages
        assert shown, f"/{self.name} got no visible response: {self.responses}"
        return shown[0]

    @property
    def text(self) -> str:
        return "\n".join(m.text for m in self.messages)

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return [e for m in self.messages for e in m.embeds]

    async def wait(self, within: float = 10.0) -> Interaction:
        """Wait until the bot has answered (a message, an edit after a defer, or choices)."""
        try:
            await asyncio.wait_for(self.settled.wait(), within)
        except TimeoutError:
            raise AssertionError(
                f"interaction /{self.name} not answered within {within}s: {self.responses}"
            ) from None
        return self

    async def wait_followups(self, count: int, within: float = 10.0) -> list[Message]:
        deadline = time.monotonic() + within
        while len(self.followups) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} follow-ups, got {len(self.followups)}")
            await asyncio.sleep(0.01)
        return self.followups


@dataclass(eq=False)
class Sent:
    """A message a test user posted; `wait_reply` returns the bot's reply to it."""

    message: Message
    fake: FakeDiscord

    @property
    def replies(self) -> list[Message]:
        return [
            m
            for m in self.fake.messages.values()
            if m.reference_id == self.message.id and m.author_id == self.fake.bot_user.id
        ]

    async def wait_reply(self, within: float = 10.0) -> Message:
        await self.fake.wait_for(lambda: bool(self.replies), within, f"reply to {self.message}")
        return self.replies[0]

    async def expect_no_reply(self, within: float = 0.5) -> None:
        await asyncio.sleep(within)
        assert not self.replies, f"unexpected reply: {self.replies}"


@dataclass(eq=False)
class _Session:
    """A gateway session: survives a dropped connection so RESUME can replay missed events."""

    id: str
    shard: tuple[int, int]
    seq: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None


class FakeDiscord:
    """The fake server. Build the world (guilds, users) before the bot connects, then `start()`."""

    # Discord drops an interaction whose first response (a reply, a defer or an update) comes
    # later than this; the member sees "The application did not respond".
    ACK_DEADLINE = 3.0

    def __init__(self, *, heartbeat_interval_ms: int = 41_250) -> None:
        self.heartbeat_interval_ms = heartbeat_interval_ms
        # The fake's clock: real time plus whatever a test `advance`s (to play slow work).
        self._clock_offset = 0.0
        self.app_id = snowflake()
        self.bot_user = User(self.app_id, "Waypoint", bot=True)
        self.owner = User(snowflake(), "owner")
        self.users: dict[int, User] = {self.bot_user.id: self.bot_user, self.owner.id: self.owner}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.requests: list[Request] = []
        self.interactions: dict[int, Interaction] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.heartbeats: list[float] = []
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.sessions: dict[str, _Session] = {}
        self._live: dict[int, _Session] = {}  # shard id -> session with an open socket
        self._rate_limits: list[tuple[str | None, float, bool]] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self.url = ""
        # The only bot token REST accepts (401 otherwise, as Discord answers a wrong token);
        # None accepts any.
        self.token: str | None = None

    def clock(self) -> float:
        """The fake's clock (seconds): monotonic time plus what tests `advance`d."""
        return time.monotonic() + self._clock_offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward, as if the bot had spent `seconds` working."""
        self._clock_offset += seconds

    # ---------------------------------------------------------------- world building

    def add_user(self, name: str, *, bot: bool = False) -> User:
        user = User(snowflake(), name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(self, name: str, *, channels: tuple[str, ...] = ("general",)) -> Guild:
        """A guild the bot is in, with an @everyone role, the bot as a member and `channels`."""
        gid = snowflake()
        guild = Guild(gid, name, self.owner.id, Role(gid, "@everyone", EVERYONE_DEFAULT, 0))
        # What the README's invite link grants (threads included).
        bot_role = guild.add_role(
            "Waypoint", EVERYONE_DEFAULT | CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS
        )
        guild.add_member(self.bot_user, [bot_role])
        guild.add_member(self.owner)
        for channel_name in channels:
            self._register_channel(guild.add_channel(channel_name))
        self.guilds[gid] = guild
        return guild

    def add_guilds_on_shards(self, shards: int) -> tuple[Guild, ...]:
        """One guild routed to each of `shards` gateway shards (guilds[i] to shard i).

        Guild ids are time-based, so guilds are added until every shard has one."""
        by_shard: dict[int, Guild] = {}
        while len(by_shard) < shards:
            guild = self.add_guild(f"Hall {len(self.guilds)}")
            by_shard.setdefault((guild.id >> 22) % shards, guild)
        return tuple(by_shard[i] for i in range(shards))

    def add_channel(self, guild: Guild, name: str) -> Channel:
        return self._register_channel(guild.add_channel(name))

    def add_voice_channel(self, guild: Guild, name: str) -> Channel:
        """A voice channel (members enter it with `voice`)."""
        return self._register_channel(guild.add_channel(name, voice=True))

    async def voice(
        self,
        member: Member,
        channel: Channel | None,
        *,
        self_deaf: bool = False,
        deaf: bool = False,
        dispatch: bool = True,
    ) -> None:
        """Put `member` in the voice `channel` (None: out of voice), as their client would, and
        send VOICE_STATE_UPDATE; `dispatch=False` changes it while the bot is not looking (it
        sees the new state in the next GUILD_CREATE)."""
        guild = member.guild
        if channel is None:
            guild.voice_states.pop(member.id, None)
        else:
            assert channel.voice, f"{channel.name} is not a voice channel"
            assert channel.guild is guild, f"{channel.name} is in another guild"
            current = guild.voice_states.get(member.id)
            session = current.session_id if current else secrets.token_hex(16)
            guild.voice_states[member.id] = VoiceState(channel.id, session, self_deaf, deaf)
        if not dispatch:
            return
        state = guild.voice_states.get(member.id)
        data = (
            state.payload(member.id)
            if state is not None
            else VoiceState(0, secrets.token_hex(16)).payload(member.id) | {"channel_id": None}
        )
        data["guild_id"] = str(guild.id)
        data["member"] = member.payload()
        await self.dispatch("VOICE_STATE_UPDATE", data, guild)

    async def add_role(
        self, guild: Guild, name: str, permissions: int = 0, *, above: Role | None = None
    ) -> Role:
        """Create a role while the bot is connected (GUILD_ROLE_CREATE), at the bottom of the
        list or just above `above`."""
        role = guild.add_role(name, permissions)
        await self.dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.payload()}, guild
        )
        if above is not None:
            await self.move_role(guild, role, above=above)
        return role

    async def move_role(self, guild: Guild, role: Role, *, above: Role) -> None:
        """A moderator drags `role` just above `above` (GUILD_ROLE_UPDATE per moved role)."""
        for moved in guild.move_role(role, above=above):
            await self.dispatch(
                "GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": moved.payload()}, guild
            )

    def bot_role(self, guild: Guild) -> Role:
        """The bot's highest role in `guild` (its own "Waypoint" role)."""
        return guild.top_role(guild.member(self.bot_user))

    def add_forum(self, guild: Guild, name: str) -> Channel:
        """A forum channel: every post is a thread whose first message has the thread's id."""
        channel = guild.add_channel(name)
        channel.channel_type = GUILD_FORUM
        return self._register_channel(channel)

    async def channel_created(self, channel: Channel) -> None:
        """Tell the connected bot about a channel added after it connected (CHANNEL_CREATE)."""
        await self.dispatch("CHANNEL_CREATE", channel.payload(), channel.guild)

    def _new_thread(
        self, parent: Channel, name: str, owner: User, thread_id: int | None = None
    ) -> Channel:
        assert parent.guild is not None
        thread = Channel(
            thread_id or snowflake(),
            name,
            parent.guild,
            channel_type=PUBLIC_THREAD,
            parent=parent,
            owner_id=owner.id,
        )
        parent.guild.threads[thread.id] = thread
        return self._register_channel(thread)

    async def _thread_created(self, thread: Channel) -> None:
        await self.dispatch(
            "THREAD_CREATE", {**thread.payload(), "newly_created": True}, thread.guild
        )

    def add_member(
        self, guild: Guild, name: str, *, roles: tuple[str, ...] = (), manage_guild: bool = False
    ) -> Member:
        """A new user in `guild` with the named roles (created when missing)."""
        user = self.add_user(name)
        wanted = []
        for role_name in roles:
            try:
                wanted.append(guild.role(role_name))
            except StopIteration:
                wanted.append(guild.add_role(role_name))
        if manage_guild:
            wanted.append(guild.add_role(f"{name}-admin", MANAGE_GUILD))
        return guild.add_member(user, wanted)

    def _register_channel(self, channel: Channel) -> Channel:
        self.channels[channel.id] = channel
        return channel

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"{self.url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/gateway"

    @contextlib.contextmanager
    def configured(self) -> Iterator[None]:
        """Point discord.py at this server for the duration (see README.md), then restore."""
        from discord.gateway import DiscordWebSocket
        from discord.http import Route

        old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
        Route.BASE = self.api_base
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway

    # ---------------------------------------------------------------- waiting

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(
        self, predicate: Callable[[], bool], within: float = 10.0, what: str = "condition"
    ) -> None:
        """Wait until `predicate()` holds; re-checked after every request or gateway frame."""

        async def check() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        try:
            await asyncio.wait_for(check(), within)
        except TimeoutError:
            raise AssertionError(f"timed out after {within}s waiting for {what}") from None

    async def wait_until_connected(self, within: float = 10.0) -> None:
        """Wait until a session is live and every guild was delivered."""
        await self.wait_for(lambda: bool(self._live), within, "the bot to IDENTIFY")

    # ---------------------------------------------------------------- gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        session: _Session | None = None
        await ws.send_str(
            dumps({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        )
        try:
            async for frame in ws:
                if frame.type is not WSMsgType.TEXT:
                    continue
                msg = json.loads(frame.data)
                op, data = msg.get("op"), msg.get("d")
                if op == HEARTBEAT:
                    self.heartbeats.append(time.monotonic())
                    await ws.send_str(dumps({"op": HEARTBEAT_ACK}))
                elif op == IDENTIFY:
                    self.identifies.append(data)
                    session = await self._identify(ws, data)
                elif op == RESUME:
                    self.resumes.append(data)
                    session = await self._resume(ws, data)
                await self._notify()
        finally:
            self._sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
                self._live.pop(session.shard[0], None)
            await self._notify()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> _Session:
        shard_id, shard_count = data.get("shard") or [0, 1]
        session = _Session(secrets.token_hex(16), (shard_id, shard_count), ws=ws)
        self.sessions[session.id] = session
        self._live[shard_id] = session
        guilds = [g for g in self.guilds.values() if (g.id >> 22) % shard_count == shard_id]
        await self._send(
            session,
            "READY",
            {
                "v": 10,
                "user": self.bot_user.payload(),
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.id,
                "resume_gateway_url": self.gateway_url,
                "shard": [shard_id, shard_count],
                "application": {"id": str(self.app_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
            },
        )
        for guild in guilds:
            await self._send(session, "GUILD_CREATE", guild.payload())
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> _Session | None:
        session = self.sessions.get(data.get("session_id") or "")
        if session is None:
            await ws.send_str(dumps({"op": INVALID_SESSION, "d": False}))
            return None
        session.ws = ws
        self._live[session.shard[0]] = session
        last = data.get("seq") or 0
        for event in session.log:
            if event["s"] > last:
                await ws.send_str(dumps(event))
        await self._send(session, "RESUMED", {})
        return session

    async def _send(self, session: _Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.log.append(frame)
        if session.ws is not None and not session.ws.closed:
            await session.ws.send_str(dumps(frame))

    def _session_for(self, guild: Guild | None) -> _Session:
        shard_id = 0
        if guild is not None and self.sessions:
            count = list(self.sessions.values())[-1].shard[1]  # the newest client's sharding
            shard_id = (guild.id >> 22) % count
        live = self._live.get(shard_id)
        if live is not None:
            return live
        # Disconnected: queue on the newest session of that shard, replayed on RESUME.
        candidates = [s for s in self.sessions.values() if s.shard[0] == shard_id]
        assert candidates, "the bot never connected"
        return candidates[-1]

    async def dispatch(self, event: str, data: dict[str, Any], guild: Guild | None = None) -> None:
        """Send a gateway event to the shard that owns `guild` (queued while it is offline)."""
        await self._send(self._session_for(guild), event, data)

    async def drop_connection(self, code: int = 4000) -> None:
        """Close every gateway socket from the server side, as a network failure would."""
        for ws in list(self._sockets):
            await ws.close(code=code)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client must reconnect and RESUME."""
        for session in list(self._live.values()):
            if session.ws is not None:
                await session.ws.send_str(dumps({"op": RECONNECT, "d": None}))

    def heartbeat_gaps(self, since: float = 0.0) -> list[float]:
        """Seconds between consecutive heartbeats received after `since` (time.monotonic())."""
        beats = [t for t in self.heartbeats if t >= since]
        return [b - a for a, b in itertools.pairwise(beats)]

    # ---------------------------------------------------------------- users acting

    async def message(
        self,
        channel: Channel,
        author: Member | User,
        content: str,
        *,
        mentions: tuple[Member | User, ...] = (),
        reply_to: Message | None = None,
        message_id: int | None = None,
    ) -> Sent:
        """Post a message as `author`; `mentions` are prepended as <@id> like the client does.

        `reply_to` makes it a reply (Discord's client also pings the replied-to author, so pass
        them in `mentions` to reproduce that)."""
        user = author.user if isinstance(author, Member) else author
        text = " ".join([*(m.mention for m in mentions), content]) if mentions else content
        guild = channel.guild
        payload: dict[str, Any] = {
            "id": str(message_id or snowflake()),
            "channel_id": str(channel.id),
            "author": user.payload(),
            "content": text,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [self._mention_payload(guild, m) for m in mentions],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": [],
        }
        if guild is not None:
            payload["guild_id"] = str(guild.id)
            if user.id in guild.members:
                payload["member"] = guild.member(user).payload(with_user=False)
        if reply_to is not None:
            payload["type"] = 19
            payload["message_reference"] = {
                "type": 0,
                "message_id": str(reply_to.id),
                "channel_id": str(reply_to.channel_id),
                **({"guild_id": str(guild.id)} if guild else {}),
            }
            payload["referenced_message"] = reply_to.payload
        msg = Message(payload)
        self.messages[msg.id] = msg
        await self.dispatch("MESSAGE_CREATE", payload, guild)
        return Sent(msg, self)

    async def start_thread(
        self, channel: Channel, author: Member | User, name: str, *, on: Message | None = None
    ) -> Channel:
        """`author` starts a public thread in text channel `channel` (from message `on`, whose
        id the thread then takes, as Discord does); THREAD_CREATE is dispatched."""
        user = author.user if isinstance(author, Member) else author
        thread = self._new_thread(channel, name, user, on.id if on is not None else None)
        await self._thread_created(thread)
        return thread

    async def forum_post(
        self, forum: Channel, author: Member | User, title: str, content: str
    ) -> tuple[Channel, Sent]:
        """`author` posts in forum channel `forum`: THREAD_CREATE for the post's thread, then
        MESSAGE_CREATE of its first message (same id as the thread), as Discord sends them."""
        assert forum.channel_type == GUILD_FORUM, f"#{forum.name} is not a forum channel"
        user = author.user if isinstance(author, Member) else author
        thread = self._new_thread(forum, title, user)
        await self._thread_created(thread)
        return thread, await self.message(thread, author, content, message_id=thread.id)

    def _mention_payload(self, guild: Guild | None, who: Member | User) -> dict[str, Any]:
        user = who.user if isinstance(who, Member) else who
        data = user.payload()
        if guild is not None and user.id in guild.members:
            data["member"] = guild.member(user).payload(with_user=False)
        return data

    def _command_schema(self, guild: Guild | None, name: str) -> dict[str, Any]:
        scoped = self.guild_commands.get(guild.id, []) if guild else []
        for cmd in [*scoped, *self.global_commands]:
            if cmd["name"] == name and cmd.get("type", 1) == 1:
                return cmd
        known = sorted(c["name"] for c in [*scoped, *self.global_commands])
        raise AssertionError(f"/{name} was never synced (known: {known})")

    def _options(
        self,
        guild: Guild | None,
        schema: dict[str, Any],
        path: list[str],
        values: dict[str, Any],
        focused: str | None,
        resolved: dict[str, dict[str, Any]],
    ) -> list[dict[str, Any]]:
        if path:
            sub = next((o for o in schema.get("options", []) if o["name"] == path[0]), None)
            assert sub is not None, f"no subcommand {path[0]!r}"
            assert sub["type"] in (1, 2), f"{path[0]!r} is not a subcommand"
            inner = self._options(guild, sub, path[1:], values, focused, resolved)
            return [{"type": sub["type"], "name": sub["name"], "options": inner}]
        declared = {o["name"]: o for o in schema.get("options", [])}
        out = []
        for key, value in values.items():
            name = key.rstrip("_").replace("__", "-")
            opt = declared.get(name) or declared.get(key)
            assert opt is not None, f"no option {name!r} (has {sorted(declared)})"
            out.append(self._option_value(guild, opt, value, name == focused, resolved))
        missing = [
            n
            for n, o in declared.items()
            if o.get("required") and n not in {o2["name"] for o2 in out}
        ]
        assert focused or not missing, f"required options missing: {missing}"
        return out

    def _option_value(
        self,
        guild: Guild | None,
        opt: dict[str, Any],
        value: Any,
        focused: bool,
        resolved: dict[str, dict[str, Any]],
    ) -> dict[str, Any]:
        kind = opt["type"]
        item: dict[str, Any] = {"name": opt["name"], "type": kind}
        if focused:
            item["focused"] = True
            item["value"] = str(value)
            return item
        if kind == 7:
            channel = value if isinstance(value, Channel) else self.channels[int(value)]
            data = channel.payload()
            data["permissions"] = str((1 << 41) - 1)
            resolved.setdefault("channels", {})[str(channel.id)] = data
            item["value"] = str(channel.id)
        elif kind in (6, 9):
            user = value.user if isinstance(value, Member) else value
            resolved.setdefault("users", {})[str(user.id)] = user.payload()
            if guild is not None and user.id in guild.members:
                m = guild.member(user).payload(with_user=False, with_permissions=True)
                resolved.setdefault("members", {})[str(user.id)] = m
            item["value"] = str(user.id)
        elif kind == 8:
            role = value
            resolved.setdefault("roles", {})[str(role.id)] = role.payload()
            item["value"] = str(role.id)
        else:
            item["value"] = value
        return item

    def _interaction_payload(
        self,
        itype: int,
        guild: Guild | None,
        who: Member | User,
        channel: Channel,
        data: dict[str, Any],
        message: Message | None = None,
    ) -> tuple[Interaction, dict[str, Any]]:
        user = who.user if isinstance(who, Member) else who
        record = Interaction(
            snowflake(), "tok_" + secrets.token_urlsafe(24), itype, who, guild, channel
        )
        record.created = self.clock()
        payload: dict[str, Any] = {
            "id": str(record.id),
            "application_id": str(self.app_id),
            "type": itype,
            "data": data,
            "channel_id": str(channel.id),
            "channel": {**channel.payload(), "permissions": str((1 << 41) - 1)},
            "token": record.token,
            "version": 1,
            "locale": "en-US",
            "app_permissions": str(guild.bot_permissions if guild else (1 << 41) - 1),
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "context": 0 if guild else 1,
        }
        if guild is not None:
            member = guild.member(user)
            payload["guild_id"] = str(guild.id)
            payload["guild_locale"] = "en-US"
            payload["guild"] = {"id": str(guild.id), "locale": "en-US", "features": []}
            payload["member"] = member.payload(with_permissions=True)
            payload["authorizing_integration_owners"] = {"0": str(guild.id)}
        else:
            payload["user"] = user.payload()
            payload["authorizing_integration_owners"] = {"1": str(user.id)}
        if message is not None:
            payload["message"] = message.payload
        self.interactions[record.id] = record
        return record, payload

    def _default_channel(self, guild: Guild | None, user: Member | User) -> Channel:
        if guild is not None:
            return next(iter(guild.channels.values()))
        return self.dm_channel(user.user if isinstance(user, Member) else user)

    def dm_channel(self, user: User) -> Channel:
        """The DM channel between the bot and `user` (created on first use)."""
        for channel in self.channels.values():
            if channel.guild is None and channel.recipient is user:
                return channel
        return self._register_channel(Channel(snowflake(), "dm", None, user))

    async def slash(
        self,
        guild: Guild | None,
        user: Member | User,
        command: str,
        /,
        *,
        in_channel: Channel | None = None,
        within: float = 10.0,
        **options: Any,
    ) -> Interaction:
        """Run `/command` ("ask", "kb reload") as `user`, wait until answered, return it.

        Options are typed from the synced command payload; a Channel, Member or Role object
        can be passed for those option types. Option names with dashes use `__` (answer__channel).
        """
        top, *path = command.split()
        schema = self._command_schema(guild, top)
        resolved: dict[str, dict[str, Any]] = {}
        data: dict[str, Any] = {
            "id": schema["id"],
            "name": top,
            "type": 1,
            "options": self._options(guild, schema, path, options, None, resolved),
        }
        if resolved:
            data["resolved"] = resolved
        if "guild_id" in schema:
            data["guild_id"] = schema["guild_id"]
        channel = in_channel or self._default_channel(guild, user)
        record, payload = self._interaction_payload(APPLICATION_COMMAND, guild, user, channel, data)
        record.name = command
        await self.dispatch("INTERACTION_CREATE", payload, guild)
        await self._acknowledged(record)
        return await record.wait(within)

    async def message_command(
        self,
        user: Member | User,
        name: str,
        target: Message,
        /,
        *,
        within: float = 10.0,
    ) -> Interaction:
        """Right-click `target` -> Apps -> `name` as `user` (a message context-menu command,
        interaction data type 3 with the message resolved), wait until answered."""
        channel = self.channels[target.channel_id]
        guild = channel.guild
        scoped = self.guild_commands.get(guild.id, []) if guild else []
        schema = next(
            (c for c in [*scoped, *self.global_commands] if c["name"] == name and c["type"] == 3),
            None,
        )
        assert schema is not None, f"message command {name!r} was never synced"
        data: dict[str, Any] = {
            "id": schema["id"],
            "name": name,
            "type": 3,
            "target_id": str(target.id),
            "resolved": {"messages": {str(target.id): target.payload}},
        }
        if "guild_id" in schema:
            data["guild_id"] = schema["guild_id"]
        record, payload = self._interaction_payload(APPLICATION_COMMAND, guild, user, channel, data)
        record.name = name
        await self.dispatch("INTERACTION_CREATE", payload, guild)
        await self._acknowledged(record)
        return await record.wait(within)

    async def autocomplete(
        self,
        guild: Guild | None,
        user: Member | User,
        command: str,
        /,
        *,
        focused: str,
        in_channel: Channel | None = None,
        within: float = 3.0,
        **options: Any,
    ) -> list[dict[str, Any]]:
        """Type into `focused` of `/command`; returns the choices (Discord allows 3 s)."""
        top, *path = command.split()
        schema = self._command_schema(guild, top)
        resolved: dict[str, dict[str, Any]] = {}
        data = {
            "id": schema["id"],
            "name": top,
            "type": 1,
            "options": self._options(guild, schema, path, options, focused, resolved),
        }
        channel = in_channel or self._default_channel(guild, user)
        record, payload = self._interaction_payload(AUTOCOMPLETE, guild, user, channel, data)
        record.name = command
        await self.dispatch("INTERACTION_CREATE", payload, guild)
        await record.wait(within)
        assert record.choices is not None
        return record.choices

    async def click(
        self, message: Message, custom_id: str, user: Member | User, *, within: float = 10.0
    ) -> Interaction:
        """Click the button `custom_id` on `message` as `user`."""
        assert custom_id in message.custom_ids, f"{custom_id!r} not on message {message.custom_ids}"
        channel = self.channels[message.channel_id]
        data = {"custom_id": custom_id, "component_type": 2}
        record, payload = self._interaction_payload(
            COMPONENT, channel.guild, user, channel, data, message
        )
        record.name = custom_id
        record.source_message = message
        await self.dispatch("INTERACTION_CREATE", payload, channel.guild)
        await self._acknowledged(record)
        return await record.wait(within)

    async def _acknowledged(self, record: Interaction) -> None:
        """Fail unless the bot's first response came within `ACK_DEADLINE` of the fake's clock
        (a command that needs longer must defer first)."""
        left = record.created + self.ACK_DEADLINE - self.clock()
        try:
            await asyncio.wait_for(record.acknowledged.wait(), max(0.0, left) + 0.05)
        except TimeoutError:
            record.late = True
        if record.late:
            raise AssertionError(
                f"/{record.name} was not acknowledged within {self.ACK_DEADLINE:g} s: Discord "
                "would show 'The application did not respond' (defer before slow work)"
            )

    # ---------------------------------------------------------------- REST

    def rate_limit_next(
        self,
        path_contains: str | None = None,
        *,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> None:
        """Answer the next request (whose path contains `path_contains`) with a 429."""
        self._rate_limits.append((path_contains, retry_after, is_global))

    def requests_to(self, route: str) -> list[Request]:
        """Recorded requests whose route ("POST /channels/{id}/messages") matches exactly."""
        return [r for r in self.requests if r.route == route]

    def bot_messages(self, channel: Channel | None = None) -> list[Message]:
        """Messages the bot posted (in `channel`), oldest first."""
        return [
            m
            for m in self.messages.values()
            if m.author_id == self.bot_user.id and (channel is None or m.channel_id == channel.id)
        ]

    async def _read_body(self, request: web.Request) -> tuple[Any, list[Attachment]]:
        if not request.can_read_body:
            return None, []
        if (request.content_type or "").startswith("multipart/"):
            body: Any = None
            files: list[Attachment] = []
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                assert isinstance(part, BodyPartReader)  # Discord's bodies are not nested
                raw = await part.read()
                if part.name == "payload_json":
                    body = json.loads(raw)
                else:
                    content_type = part.headers.get("Content-Type")
                    files.append(Attachment(part.filename or "", bytes(raw), content_type))
            return body, files
        text = await request.text()
        return (json.loads(text) if text else None), []

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body, files = await self._read_body(request)
        route = _route_key(request.method, path)
        query = dict(request.query)
        for i, (needle, retry_after, is_global) in enumerate(self._rate_limits):
            if needle is None or needle in path:
                del self._rate_limits[i]
                self.requests.append(
                    Request(request.method, path, route, query, body, files, 429, time.monotonic())
                )
                await self._notify()
                return _json(
                    {
                        "message": "You are being rate limited.",
                        "retry_after": retry_after,
                        "global": is_global,
                    },
                    429,
                    {
                        "Via": "1.1 google",
                        "Retry-After": str(max(1, round(retry_after))),
                        "X-RateLimit-Limit": "5",
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset-After": str(retry_after),
                        "X-RateLimit-Bucket": "fake-bucket",
                        "X-RateLimit-Scope": "user",
                    },
                )
        recorded = Request(request.method, path, route, query, body, files, 0, time.monotonic())
        self.requests.append(recorded)
        if self.token is not None and request.headers.get("Authorization") != f"Bot {self.token}":
            recorded.status = 401
            await self._notify()
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        handler = _ROUTES.get(route)
        if handler is None:
            status, result = 404, {"message": "404: Not Found", "code": 0}
        else:
            try:
                status, result = await handler(self, request.method, path, body, files)
            except _HTTPError as exc:
                status, result = exc.status, {"message": exc.message, "code": exc.code}
        recorded.status = status
        await self._notify()
        return _json(result, status)

    # Route handlers: (path, body, files) -> (status, json)

    def _ids(self, path: str) -> list[str]:
        return re.findall(r"(?<=/)[^/]+", path)

    async def _get_me(
        self, method: str, path: str, body: Any, files: list[Attachment]
    ) -> tuple[int, Any]:
        return 200, self.bot_user.payload()

    async def _get_app(
        self, method: str, path: str, body: Any, files: list[Attachment]
    ) -> tuple[int, Any]:
        return 200, {
            "id": str(self.app_id),
            "name": self.bot_user.name,
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.owner.payload(),
            "summary": "",
            "verify_key": "0" * 64,
            "team": None,
            "flags": 0,
            "bot": self.bot_user.payload(),
        }

    async def _get_gateway(
        self, method: str, path: str, body: Any, files: list[Attachment]
    ) -> tuple[int, Any]:
        return 200, {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 0,
                "max_concurrency": 1,
            },
        }

    def _store_commands(self, commands: list[dict[str, Any]], guild_id: int | None) -> list[Any]:
        stored = []
        for cmd in commands:
            cmd = {
                **cmd,
                "id": str(snowflake()),
                "application_id": str(self.app_id),
                "version": str(snowflake()),
            }
            if guild_id is not None:
                cmd["guild_id"] = str(guild_id)
            cmd.setdefault("default_member_permissions", None)
            cmd.setdefault("type", 1)
            cmd.setdefault("description", "")  # context-menu commands have none
            cmd.setdefault("options", [])
            stored.append(cmd)
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        return stored

    async def _put_commands(
        self, method: str, path: str, body: Any, files: list[Attachment]
    ) -> tuple[int, Any]:
        parts = self._ids(path)
        guild_id = int(parts[3]) if "guilds" in parts else None
        return 200, self._store_commands(body or [], guild_id)

    async def _get_commands(
        self, method: str, path: str, body: Any, files: list[Attachment]
    ) -> tuple[int, Any]:
        parts = self._ids(path)
        if "guilds" in parts:
            return 200, self.guild_commands.get(int(parts[3]), [])
        return 200, self.global_commands

    def _new_message(
        self,
        channel: Channel,
        body: dict[str, Any],
        files: list[Attachment],
        *,
        interaction: Interaction | None = None,
        placeholder: bool = False,
    ) -> Message:
        problems = check_embed_limits(body.get("embeds") or [])
        if problems:
            raise _HTTPError(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        content = body.get("content") or ""
        if len(content) > 2000:
            raise _HTTPError(400, 50035, "Invalid Form Body: content over 2000 characters")
        if not (placeholder or content or body.get("embeds") or files or body.get("components")):
            raise _HTTPError(400, 50006, "Cannot send an empty message")
        payload: dict[str, Any] = {
            "id": str(snowflake()),
            "channel_id": str(channel.id),
            "author": self.bot_user.payload(),
            "content": content,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {
                    "id": str(snowflake()),
                    "filename": f.filename,
                    "size": len(f.data),
                    "url": f"https://cdn.invalid/{f.filename}",
                    "proxy_url": f"https://cdn.invalid/{f.filename}",
                }
                for f in files
            ],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": int(body.get("flags") or 0),
        }
        if channel.guild is not None:
            payload["guild_id"] = str(channel.guild.id)
        ref = body.get("message_reference")
        if ref:
            referenced = self.messages.get(int(ref["message_id"]))
            if referenced is None or referenced.deleted:
                raise _HTTPError(400, 50035, "Unknown message_reference")
            payload["message_reference"] = {
                "message_id": str(ref["message_id"]),
                "channel_id": str(channel.id),
                **({"guild_id": str(channel.guild.id)} if channel.guild else {}),
            }
            payload["referenced_message"] = referenced.payload
            payload["type"] = 19
        if interaction is not None:
            payload["type"] = 20 if interaction.type == APPLICATION_COMMAND else 0
            payload["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": (
                    interaction.user.user
                    if isinstance(interaction.user, Member)
                    else interaction.user
                ).payload(),
                "authorizing_integration_owners": {},
            }
            payload["webhook_id"] = str(self.app_id)
            payload["application_id"] = str(self.app_id)
        msg = Message(
            payload,
            list(files),
            body.get("allowed_mentions"),
            interaction_id=interaction.id if interaction else None,
        )
        self.messages[msg.id] = msg
        return msg

    def _edit_message(self, msg: Message, body: dict[str, Any], files: list[Attachment]) -> Message:
        problems = check_embed_limits(body.get("embeds") or [])
        if problems:
            raise _HTTPError(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        for key in ("content", "embeds", "components", "flags"):
            if key in body:
                msg.payload[key] = body[key]
        if files:
            msg.attachments = list(files)
        if "allowed_mentions" in body:
            msg.allowed_mentions = body["allowed_mentions"]
        msg.payload["edited_timestamp"] = iso_now()
        return msg

    def _channel(self, channel_id: str) -> Channel:
        channel = self.channels.get(int(channel_id))
        if channel is None:
            raise _HTTPError(404, 10003, "Unknown Channel")
        return channel

    def _message(self, message_id: str) -> Message:
        msg = self.messages.get(int(message_id))
        if msg is None or msg.deleted:
            raise _HTTPError(404, 10008, "Unknown Message")
        return msg

    async def _post_message(
        self, method: str, path: str, body: Any, files: list[Attachment]
    ) -> tuple[int, Any]:
        channel = self._channel(self._ids(path)[1])
        return 200, self._new_message(channel, body or {}, files).payload

    async def _patch_message(
        self, method: str, path: str, body: Any, files: list[Attachment]
    ) -> tuple[int, Any]:
        msg = self._message(self._ids(path)[3])
        return 200, self._edit_message(msg, body or {}, files).payload

    async def _delete_message(
        self, method: str, path: str, body: Any, files: list[Attachment]
    ) -> tuple[int, Any]:
        self._message(self._ids(path)[3]).deleted = True
        return 204, None

    async def _thread_from_message(
        self, method: str, path: str, body: Any, files: list[Attachment]
    ) -> tuple[int, Any]:
        ids = self._ids(path)
        channel, msg = self._channel(ids[1]), self._message(ids[3])
        if channel.channel_type != 0 or channel.guild is None:
            raise _HTTPError(400, 50024, "Cannot execute action on this channel type")
        if not channel.guild.member(self.bot_user).permissions & CREATE_PUBLIC_THREADS:
            raise _HTTPError(403, 50013, "Missing Permissions")
        if msg.id in self.channels:
            raise _HTTPError(400, 160004, "A thread has already been created for this message")
        name = str((body or {}).get("name") or "")
        if not 1 <= len(name) <= 100:
            raise _HTTPError(400, 50035, "Invalid Form Body: name must be 1-100 characters")
        thread = self._new_thread(channel, name, self.bot_user, msg.id)
        await self._thread_created(thread)
        return 201, thread.payload()

    async def _no_content(
        self, method: str, path: str, body: Any, files: list[Attachment]
    ) -> tuple[int, Any]:
        return 204, None

    async def _member_role(
        self, method: str, path: str, body: Any, files: list[Attachment]
    ) -> tuple[int, Any]:
        """PUT/DELETE /guilds/{g}/members/{u}/roles/{r}: 403 (50013) without Manage Roles."""
        _, _, gid, _, uid, _, rid = path.split("/")
        guild = self.guilds[int(gid)]
        if not guild.bot_permissions & MANAGE_ROLES:
            return 403, {"message": "Missing Permissions", "code": 50013}
        role = guild.roles.get(int(rid))
        if role is None:
            return 404, {"message": "Unknown Role", "code": 10011}
        # Discord's role hierarchy: a bot gives only roles below its own highest role.
        bot_top = guild.top_role(guild.member(self.bot_user))
        if (role.position, role.id) >= (bot_top.position, bot_top.id):
            return 403, {"message": "Missing Permissions", "code": 50013}
        member = guild.members[int(uid)]
        if method == "PUT" and role not in member.roles:
            member.roles.append(role)
        elif method == "DELETE" and role in member.roles:
            member.roles.remove(role)
        return 204, None

    async def _create_dm(
        self, method: str, path: str, body: Any, files: list[Attachment]
    ) -> tuple[int, Any]:
        user = self.users.get(int(body["recipient_id"]))
        if user is None:
            raise _HTTPError(404, 10013, "Unknown User")
        return 200, self.dm_channel(user).payload()

    def _interaction(self, interaction_id: str, token: str) -> Interaction:
        record = self.interactions.get(int(interaction_id))
        if record is None or record.token != token:
            raise _HTTPError(404, 10062, "Unknown interaction")
        return record

    def _by_token(self, token: str) -> Interaction:
        record = next((r for r in self.interactions.values() if r.token == token), None)
        if record is None:
            raise _HTTPError(404, 10015, "Unknown Webhook")
        return record

    async def _callback(
        self, method: str, path: str, body: Any, files: list[Attachment]
    ) -> tuple[int, Any]:
        parts = self._ids(path)
        record = self._interaction(parts[1], parts[2])
        if record.callback_type is not None:
            raise _HTTPError(400, 40060, "Interaction has already been acknowledged.")
        if record.late or self.clock() - record.created > self.ACK_DEADLINE:
            record.late = True
            record.acknowledged.set()
            raise _HTTPError(404, 10062, "Unknown interaction")
        rtype = int(body["type"])
        data = body.get("data") or {}
        record.responses.append(("callback", rtype, data))
        record.acknowledged.set()
        resource: dict[str, Any] = {"type": rtype}
        if rtype == CHANNEL_MESSAGE:
            record.initial_ephemeral = bool(int(data.get("flags") or 0) & EPHEMERAL)
            record.original = self._new_message(record.channel, data, files, interaction=record)
            resource["message"] = record.original.payload
            record.settled.set()
        elif rtype == DEFERRED_MESSAGE:
            record.initial_ephemeral = bool(int(data.get("flags") or 0) & EPHEMERAL)
            # The "Waypoint is thinking…" placeholder (flag 128 LOADING) until the edit.
            placeholder = {"content": "", "flags": int(data.get("flags") or 0) | 128}
            record.original = self._new_message(
                record.channel, placeholder, [], interaction=record, placeholder=True
            )
        elif rtype == UPDATE_MESSAGE:
            assert record.type == COMPONENT, "UPDATE_MESSAGE only answers a component"
            assert record.source_message is not None
            msg = self._edit_message(record.source_message, data, files)
            msg.allowed_mentions = data.get("allowed_mentions", msg.allowed_mentions)
            resource["message"] = msg.payload
            record.settled.set()
        elif rtype == DEFERRED_UPDATE:
            pass
        elif rtype == AUTOCOMPLETE_RESULT:
            choices = data.get("choices") or []
            if len(choices) > 25:
                raise _HTTPError(400, 50035, "Invalid Form Body: more than 25 choices")
            record.choices = choices
            record.settled.set()
            return 204, None
        answer: dict[str, Any] = {
            "interaction": {
                "id": str(record.id),
                "type": record.type,
                "response_message_loading": rtype == DEFERRED_MESSAGE,
                "response_message_ephemeral": record.initial_ephemeral,
            },
            "resource": resource,
        }
        if record.original is not None:
            answer["interaction"]["response_message_id"] = str(record.original.id)
        return 200, answer

    async def _webhook_original(
        self, method: str, path: str, body: Any, files: list[Attachment]
    ) -> tuple[int, Any]:
        parts = self._ids(path)
        record = self._by_token(parts[2])
        # A component interaction's @original is the message holding the component.
        target = record.original or record.source_message
        if target is None:
            raise _HTTPError(404, 10008, "Unknown Message")
        if method == "GET":
            return 200, target.payload
        if method == "DELETE":
            target.deleted = True
            record.responses.append(("delete", None, {}))
            return 204, None
        body = body or {}
        record.responses.append(("edit", None, body))
        self._edit_message(target, body, files)
        target.payload["flags"] = target.flags & ~128  # no longer "thinking"
        record.settled.set()
        return 200, target.payload

    async def _webhook_followup(
        self, method: str, path: str, body: Any, files: list[Attachment]
    ) -> tuple[int, Any]:
        parts = self._ids(path)
        record = self._by_token(parts[2])
        if record.callback_type is None:
            raise _HTTPError(404, 10015, "Unknown Webhook")
        body = body or {}
        record.responses.append(("followup", None, body))
        original = record.original
        if original is not None and not original.deleted and original.flags & 128:
            # Like Discord: the first follow-up after a defer replaces the "thinking…" message
            # and keeps its visibility (an ephemeral defer gives an ephemeral answer).
            self._edit_message(original, {**body, "flags": original.flags & ~128}, files)
            record.settled.set()
            return 200, original.payload
        msg = self._new_message(record.channel, body, files, interaction=record)
        record.followups.append(msg)
        record.settled.set()
        return 200, msg.payload

    async def _webhook_message(
        self, method: str, path: str, body: Any, files: list[Attachment]
    ) -> tuple[int, Any]:
        parts = self._ids(path)
        record = self._by_token(parts[2])
        msg = self._message(parts[4])
        if method == "GET":
            return 200, msg.payload
        if method == "DELETE":
            msg.deleted = True
            return 204, None
        record.responses.append(("edit_followup", None, body or {}))
        return 200, self._edit_message(msg, body or {}, files).payload


def _json(result: Any, status: int, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses a body as JSON only when Content-Type is exactly application/json.
    if status == 204:
        return web.Response(status=204, headers=headers)
    return web.Response(
        body=dumps(result).encode(),
        status=status,
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


class _HTTPError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


_PATTERNS: list[tuple[str, str]] = [
    (r"/guilds/\d+/members/\d+/roles/\d+", "/guilds/{id}/members/{id}/roles/{id}"),
    (r"/users/@me", "/users/@me"),
    (r"/users/@me/channels", "/users/@me/channels"),
    (r"/oauth2/applications/@me", "/oauth2/applications/@me"),
    (r"/applications/@me", "/applications/@me"),
    (r"/gateway/bot", "/gateway/bot"),
    (r"/applications/\d+/commands", "/applications/{id}/commands"),
    (r"/applications/\d+/guilds/\d+/commands", "/applications/{id}/guilds/{id}/commands"),
    (r"/channels/\d+/messages", "/channels/{id}/messages"),
    (r"/channels/\d+/messages/\d+", "/channels/{id}/messages/{id}"),
    (
        r"/channels/\d+/messages/\d+/reactions/[^/]+/@me",
        "/channels/{id}/messages/{id}/reactions/{emoji}/@me",
    ),
    (r"/channels/\d+/typing", "/channels/{id}/typing"),
    (r"/channels/\d+/messages/\d+/threads", "/channels/{id}/messages/{id}/threads"),
    (r"/interactions/\d+/[^/]+/callback", "/interactions/{id}/{token}/callback"),
    (r"/webhooks/\d+/[^/]+", "/webhooks/{id}/{token}"),
    (r"/webhooks/\d+/[^/]+/messages/@original", "/webhooks/{id}/{token}/messages/@original"),
    (r"/webhooks/\d+/[^/]+/messages/\d+", "/webhooks/{id}/{token}/messages/{id}"),
]


def _route_key(method: str, path: str) -> str:
    for pattern, template in _PATTERNS:
        if re.fullmatch(pattern, path):
            return f"{method} {template}"
    return f"{method} {path}"


_Handler = Callable[[FakeDiscord, str, str, Any, list[Attachment]], Awaitable[tuple[int, Any]]]
_ROUTES: dict[str, _Handler] = {
    "GET /users/@me": FakeDiscord._get_me,
    "GET /oauth2/applications/@me": FakeDiscord._get_app,
    "GET /applications/@me": FakeDiscord._get_app,
    "GET /gateway/bot": FakeDiscord._get_gateway,
    "PUT /applications/{id}/commands": FakeDiscord._put_commands,
    "GET /applications/{id}/commands": FakeDiscord._get_commands,
    "PUT /applications/{id}/guilds/{id}/commands": FakeDiscord._put_commands,
    "GET /applications/{id}/guilds/{id}/commands": FakeDiscord._get_commands,
    "POST /users/@me/channels": FakeDiscord._create_dm,
    "PUT /guilds/{id}/members/{id}/roles/{id}": FakeDiscord._member_role,
    "DELETE /guilds/{id}/members/{id}/roles/{id}": FakeDiscord._member_role,
    "POST /channels/{id}/messages": FakeDiscord._post_message,
    "PATCH /channels/{id}/messages/{id}": FakeDiscord._patch_message,
    "DELETE /channels/{id}/messages/{id}": FakeDiscord._delete_message,
    "POST /channels/{id}/typing": FakeDiscord._no_content,
    "POST /channels/{id}/messages/{id}/threads": FakeDiscord._thread_from_message,
    "PUT /channels/{id}/messages/{id}/reactions/{emoji}/@me": FakeDiscord._no_content,
    "DELETE /channels/{id}/messages/{id}/reactions/{emoji}/@me": FakeDiscord._no_content,
    "POST /interactions/{id}/{token}/callback": FakeDiscord._callback,
    "POST /webhooks/{id}/{token}": FakeDiscord._webhook_followup,
    "GET /webhooks/{id}/{token}/messages/@original": FakeDiscord._webhook_original,
    "PATCH /webhooks/{id}/{token}/messages/@original": FakeDiscord._webhook_original,
    "DELETE /webhooks/{id}/{token}/messages/@original": FakeDiscord._webhook_original,
    "GET /webhooks/{id}/{token}/messages/{id}": FakeDiscord._webhook_message,
    "PATCH /webhooks/{id}/{token}/messages/{id}": FakeDiscord._webhook_message,
    "DELETE /webhooks/{id}/{token}/messages/{id}": FakeDiscord._webhook_message,
}
