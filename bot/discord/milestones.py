"""What members and moderators read about streak milestone roles, and whether the bot can give
a role at all: Discord lets a bot give only roles below its own highest role (the role
hierarchy), and only with the Manage Roles permission."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import discord

from bot.text import plural

log = logging.getLogger(__name__)

SETTINGS_PATH = "Server Settings › Roles"
# (guild, role) pairs already logged as out of reach by this process: one line, not one per
# check-in (moderators see it in /config show for as long as it lasts).
_LOGGED: set[tuple[int, int]] = set()


def milestone_text(days: int, role_id: int) -> str:
    """The learner's note when a streak milestone gave them a role."""
    return f"🏅 {days}-day streak! You now have the <@&{role_id}> role; it stays yours."


def above_me(role: discord.Role) -> bool:
    """Whether `role` sits at or above the bot's highest role, so Discord refuses to let the bot
    give it (the server owner's bot would be exempt)."""
    guild = role.guild
    me = guild.me
    return me is not None and me.id != guild.owner_id and not me.top_role > role


def out_of_reach(guild: discord.Guild, role_ids: Iterable[int]) -> list[discord.Role]:
    """The roles of `role_ids` the bot cannot give because of where its own role sits (roles
    it does not know, e.g. deleted ones, are not listed)."""
    roles = (guild.get_role(role_id) for role_id in role_ids)
    return [role for role in roles if role is not None and above_me(role)]


def can_give(guild: discord.Guild, role_id: int) -> bool:
    """False when the role is known to be above the bot's highest role: a grant would only be
    refused. Logged once per role and process; `/config show` keeps telling moderators."""
    blocked = out_of_reach(guild, [role_id])
    if blocked and (guild.id, role_id) not in _LOGGED:
        _LOGGED.add((guild.id, role_id))
        log.warning(
            "milestone role %s of guild %s is above the bot's highest role %s: not granted "
            "until a moderator moves the bot's role above it",
            role_id,
            guild.id,
            guild.me.top_role.id,
        )
    return not blocked


def above_me_text(roles: Iterable[discord.Role], my_role: discord.Role) -> str:
    """One sentence telling moderators how to let the bot give these roles."""
    listed = list(roles)
    mentions = ", ".join(r.mention for r in listed)
    they, it = ("it is", "it") if len(listed) == 1 else ("they are", "them")
    return (
        f"⚠️ I can't give {mentions}: {they} above my role {my_role.mention}; in "
        f"{SETTINGS_PATH}, drag {my_role.mention} above {it}."
    )


def milestone_roles_text(
    is_set: bool,
    days: int,
    roles: dict[int, int],
    can_grant: bool,
    unreachable: str = "",
) -> str:
    """The moderator's reply to `/config milestone-role`: the change, every milestone, and
    what is missing when the bot cannot give roles (`unreachable`: the sentence of
    `above_me_text` when the role is above the bot's)."""
    head = (
        f"Members reaching a {days}-day streak now get <@&{roles[days]}>."
        if is_set
        else f"No role is given at {plural(days, 'day')} any more (members keep roles they earned)."
    )
    text = f"{head}\nMilestones: {milestones_line(roles)}."
    if not can_grant and roles:
        text += "\n" + MANAGE_ROLES_TEXT
    elif unreachable:
        text += f"\n{unreachable} Members who reach it before then get it at their next check-in."
    return text


MANAGE_ROLES_TEXT = (
    "⚠️ I can't give roles here: give me the **Manage Roles** permission and put my role above "
    f"these roles in {SETTINGS_PATH}. Members who reach a milestone before then get it at "
    "their next check-in."
)


def milestones_line(roles: dict[int, int]) -> str:
    """`3 days → @role, 7 days → @other` (or `none`)."""
    return ", ".join(f"{plural(d, 'day')} → <@&{r}>" for d, r in sorted(roles.items())) or "none"
