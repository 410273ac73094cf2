"""A fake Discord (gateway + REST) on 127.0.0.1 that the real discord.py client connects to.

See README.md for how discord.py is pointed at it and the helpers tests use.
"""

from tests.fake_discord.models import (
    MANAGE_GUILD,
    Attachment,
    Channel,
    Guild,
    Member,
    Message,
    Role,
    User,
    VoiceState,
)
from tests.fake_discord.server import FakeDiscord, Interaction, Request, Sent

__all__ = [
    "MANAGE_GUILD",
    "Attachment",
    "Channel",
    "FakeDiscord",
    "Guild",
    "Interaction",
    "Member",
    "Message",
    "Request",
    "Role",
    "Sent",
    "User",
    "VoiceState",
]
