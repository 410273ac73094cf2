"""Clickable command mentions (`</plan new:ID>`): Discord needs the command's id, known only
after the commands are synced, so the client hands the ids over here once it has them."""

from __future__ import annotations

from bot.text import with_commands

# Top-level command name -> id, known once the commands are synced (client.sync_commands).
_COMMAND_IDS: dict[str, int] = {}


def remember_command_ids(ids: dict[str, int]) -> None:
    """Keep the synced commands' ids so replies can show clickable command mentions."""
    _COMMAND_IDS.clear()
    _COMMAND_IDS.update(ids)


def command(name: str) -> str:
    """`</plan new:ID>` (Discord shows a clickable command) once ids are known, else `/plan new`
    in code style. Mentions render in message text, embed descriptions and field values only."""
    found = _COMMAND_IDS.get(name.split()[0])
    return f"</{name}:{found}>" if found else f"`/{name}`"


def mention_commands(sentence: str) -> str:
    """A service sentence for Discord: every command it names (`/plan new`, see
    `bot.text.command_ref`) becomes a clickable mention."""
    return with_commands(sentence, command)
