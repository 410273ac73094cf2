"""The fake Discord's world: users, guilds, roles, channels, members and messages.

Each object renders itself as the JSON payload Discord would send, so the real discord.py client
parses exactly what it parses in production.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
MANAGE_ROLES = 1 << 28
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 50) - 1
EVERYONE_DEFAULT = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | ADD_REACTIONS
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
)
EPHEMERAL = 1 << 6
# Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types).
GUILD_TEXT, PUBLIC_THREAD, GUILD_FORUM = 0, 11, 15

_counter = itertools.count(1)


def snowflake() -> int:
    """A fresh, increasing Discord id whose timestamp is now (Message.created_at reads it)."""
    return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(_counter) & 0x3FFFFF)


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(eq=False)
class User:
    id: int
    name: str
    bot: bool = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass(eq=False)
class Role:
    id: int
    name: str
    permissions: int = 0
    position: int = 1

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }


@dataclass(eq=False)
class Channel:
    """A guild text channel (a voice channel when `voice`), or a DM channel when `guild` is
    None; a forum channel or a public thread (of `parent`, started by `owner_id`) when
    `channel_type` says so."""

    id: int
    name: str
    guild: Guild | None
    recipient: User | None = None
    voice: bool = False
    channel_type: int = GUILD_TEXT
    parent: Channel | None = None
    owner_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def payload(self) -> dict[str, Any]:
        if self.guild is None:
            assert self.recipient is not None
            return {
                "id": str(self.id),
                "type": 1,
                "recipients": [self.recipient.payload()],
                "last_message_id": None,
                "flags": 0,
            }
        if self.voice:
            return {
                "id": str(self.id),
                "type": 2,
                "guild_id": str(self.guild.id),
                "name": self.name,
                "position": list(self.guild.channels).index(self.id),
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
                "bitrate": 64000,
                "user_limit": 0,
                "rtc_region": None,
                "video_quality_mode": 1,
                "last_message_id": None,
                "rate_limit_per_user": 0,
                "flags": 0,
            }
        if self.channel_type == PUBLIC_THREAD:
            return self._thread_payload()
        if self.channel_type == GUILD_FORUM:
            return self._forum_payload()
        return {
            "id": str(self.id),
            "type": 0,
            "guild_id": str(self.guild.id),
            "name": self.name,
            "position": list(self.guild.channels).index(self.id),
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def _thread_payload(self) -> dict[str, Any]:
        assert self.guild is not None
        assert self.parent is not None
        return {
            "id": str(self.id),
            "type": PUBLIC_THREAD,
            "guild_id": str(self.guild.id),
            "parent_id": str(self.parent.id),
            "owner_id": str(self.owner_id),
            "name": self.name,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "flags": 0,
            "applied_tags": [],
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": iso_now(),
                "locked": False,
                "invitable": True,
                "create_timestamp": iso_now(),
            },
        }

    def _forum_payload(self) -> dict[str, Any]:
        assert self.guild is not None
        return {
            "id": str(self.id),
            "type": GUILD_FORUM,
            "guild_id": str(self.guild.id),
            "name": self.name,
            "position": list(self.guild.channels).index(self.id),
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
            "available_tags": [],
            "default_reaction_emoji": None,
            "default_thread_rate_limit_per_user": 0,
            "default_sort_order": None,
            "default_forum_layout": 0,
        }


@dataclass(eq=False)
class Member:
    user: User
    guild: Guild
    roles: list[Role] = field(default_factory=list)
    joined_at: str = field(default_factory=iso_now)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def mention(self) -> str:
        return self.user.mention

    @property
    def permissions(self) -> int:
        """Guild-level permissions, computed the way Discord does (owner and admin get all)."""
        if self.guild.owner_id == self.user.id:
            return ALL_PERMISSIONS
        value = self.guild.everyone.permissions
        for role in self.roles:
            value |= role.permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def payload(self, *, with_user: bool = True, with_permissions: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r.id) for r in self.roles],
            "joined_at": self.joined_at,
            "deaf": False,
            "mute": False,
            "nick": None,
            "avatar": None,
            "flags": 0,
            "pending": False,
            "premium_since": None,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        if with_permissions:
            data["permissions"] = str(self.permissions)
        return data


@dataclass
class VoiceState:
    """Where a member is in voice (Discord's voice state object)."""

    channel_id: int
    session_id: str
    self_deaf: bool = False
    deaf: bool = False

    def payload(self, user_id: int) -> dict[str, Any]:
        return {
            "channel_id": str(self.channel_id),
            "user_id": str(user_id),
            "session_id": self.session_id,
            "deaf": self.deaf,
            "mute": False,
            "self_deaf": self.self_deaf,
            "self_mute": False,
            "self_video": False,
            "suppress": False,
            "request_to_speak_timestamp": None,
        }


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int
    everyone: Role
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    voice_states: dict[int, VoiceState] = field(default_factory=dict)
    threads: dict[int, Channel] = field(default_factory=dict)  # active threads
    # What the bot may do here: interactions' app_permissions, and member role changes
    # (refused with 403 without MANAGE_ROLES).
    bot_permissions: int = ALL_PERMISSIONS

    def add_role(self, name: str, permissions: int = 0) -> Role:
        """Create a role (Manage Server is `models.MANAGE_GUILD`). Like Discord, a new role
        goes to the bottom of the list (position 1, just above @everyone): the bot's own role,
        made when the bot joined, stays above roles created after it."""
        for other in self.roles.values():
            other.position += 1
        role = Role(snowflake(), name, permissions, position=1)
        self.roles[role.id] = role
        return role

    def move_role(self, role: Role, *, above: Role) -> list[Role]:
        """Drag `role` just above `above` in Server Settings › Roles; returns the roles whose
        position changed (Discord sends a GUILD_ROLE_UPDATE for each)."""
        before = {r.id: r.position for r in self.roles.values()}
        order = sorted((r for r in self.roles.values() if r is not role), key=lambda r: r.position)
        order.insert(order.index(above) + 1, role)
        for position, item in enumerate(order, start=1):
            item.position = position
        return [r for r in order if before[r.id] != r.position]

    def top_role(self, member: Member) -> Role:
        """The member's highest role (@everyone when they have none)."""
        return max(member.roles, key=lambda r: (r.position, r.id), default=self.everyone)

    def add_channel(self, name: str, *, voice: bool = False) -> Channel:
        channel = Channel(snowflake(), name, self, voice=voice)
        self.channels[channel.id] = channel
        return channel

    def add_member(self, user: User, roles: list[Role] | None = None) -> Member:
        member = Member(user, self, list(roles or []))
        self.members[user.id] = member
        return member

    def channel(self, name: str) -> Channel:
        """The channel with this name."""
        return next(c for c in self.channels.values() if c.name == name)

    def role(self, name: str) -> Role:
        """The role with this name."""
        return next(r for r in self.roles.values() if r.name == name)

    def member(self, user: User | Member | int) -> Member:
        user_id = user if isinstance(user, int) else user.id
        return self.members[user_id]

    def payload(self) -> dict[str, Any]:
        """The GUILD_CREATE payload."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": "europe",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "preferred_locale": "en-US",
            "features": [],
            "roles": [self.everyone.payload()] + [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "channels": [c.payload() for c in self.channels.values()],
            "threads": [t.payload() for t in self.threads.values()],
            "members": [m.payload() for m in self.members.values()],
            "member_count": len(self.members),
            "voice_states": [v.payload(uid) for uid, v in self.voice_states.items()],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "large": False,
            "unavailable": False,
            "joined_at": iso_now(),
            "max_members": 500_000,
        }


@dataclass(frozen=True)
class Attachment:
    """A file the bot uploaded."""

    filename: str
    data: bytes
    content_type: str | None = None


@dataclass(eq=False)
class Message:
    """A message as the fake stores it: the payload Discord would return, plus what was sent."""

    payload: dict[str, Any]
    attachments: list[Attachment] = field(default_factory=list)
    # The allowed_mentions the bot sent with the request that created or last edited it.
    allowed_mentions: dict[str, Any] | None = None
    deleted: bool = False
    interaction_id: int | None = None
    # time.monotonic() when the fake created it: message-to-reply latency in benchmarks.
    at: float = field(default_factory=time.monotonic)

    @property
    def id(self) -> int:
        return int(self.payload["id"])

    @property
    def channel_id(self) -> int:
        return int(self.payload["channel_id"])

    @property
    def author_id(self) -> int:
        return int(self.payload["author"]["id"])

    @property
    def content(self) -> str:
        return str(self.payload.get("content") or "")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.payload.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.payload.get("components") or [])

    @property
    def flags(self) -> int:
        return int(self.payload.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def reference_id(self) -> int | None:
        ref = self.payload.get("message_reference")
        return int(ref["message_id"]) if ref and ref.get("message_id") else None

    @property
    def custom_ids(self) -> list[str]:
        """Every button/select custom_id on the message, in order."""
        found: list[str] = []

        def walk(items: list[dict[str, Any]]) -> None:
            for item in items:
                if "custom_id" in item:
                    found.append(item["custom_id"])
                walk(item.get("components") or [])

        walk(self.components)
        return found

    @property
    def text(self) -> str:
        """Everything a reader sees: content and each embed's title, description, fields, footer."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            for fld in embed.get("fields") or []:
                parts += [fld.get("name") or "", fld.get("value") or ""]
            parts.append((embed.get("footer") or {}).get("text") or "")
            parts.append((embed.get("author") or {}).get("name") or "")
        return "\n".join(p for p in parts if p)

    @property
    def pings_nobody(self) -> bool:
        """True when the bot sent `allowed_mentions` that forbid every ping (users, roles,
        everyone, and the replied-to author)."""
        am = self.allowed_mentions
        return (
            am is not None
            and am.get("parse") == []
            and not am.get("users")
            and not am.get("roles")
            and not am.get("replied_user")
        )

    def __repr__(self) -> str:
        return f"<Message id={self.id} text={self.text[:80]!r}>"


def embed_size(embed: Mapping[str, Any]) -> int:
    """Characters counted against Discord's 6,000-per-message embed limit."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for fld in embed.get("fields") or []:
        total += len(fld.get("name") or "") + len(fld.get("value") or "")
    return total


def check_embed_limits(embeds: Sequence[Mapping[str, Any]]) -> list[str]:
    """Violations of Discord's embed limits, as Discord would reject them (empty when fine)."""
    problems = []
    if len(embeds) > 10:
        problems.append("more than 10 embeds")
    if sum(embed_size(e) for e in embeds) > 6000:
        problems.append("embeds exceed 6000 characters in total")
    for e in embeds:
        if len(e.get("title") or "") > 256:
            problems.append("embed title over 256")
        if len(e.get("description") or "") > 4096:
            problems.append("embed description over 4096")
        if len(e.get("fields") or []) > 25:
            problems.append("more than 25 fields")
        for f in e.get("fields") or []:
            if not f.get("name") or len(f["name"]) > 256:
                problems.append("field name empty or over 256")
            if not f.get("value") or len(f["value"]) > 1024:
                problems.append("field value empty or over 1024")
        if len((e.get("footer") or {}).get("text") or "") > 2048:
            problems.append("footer over 2048")
    return problems


def dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))
