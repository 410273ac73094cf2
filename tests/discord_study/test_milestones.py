"""Streak milestone roles end to end: a moderator maps a streak length to a role, a learner
reaching it gets the role once, keeps it when the streak ends, and a server where the bot lacks
Manage Roles is told so."""

from __future__ import annotations

from tests.discord_study.conftest import SESSION_LOOP, StudyBot, StudyWorld, make_plan
from tests.fake_discord.models import ALL_PERMISSIONS, MANAGE_ROLES

pytestmark = SESSION_LOOP
GRANT = "PUT /guilds/{id}/members/{id}/roles/{id}"


async def _checkin(world: StudyWorld, day: str) -> None:
    await world.fake.slash(
        world.guild, world.alice, "checkin", minutes=30, module="python-basics", date=day
    )


async def test_milestone_role_granted_once_and_kept(running: StudyBot, world: StudyWorld) -> None:
    fake, guild = world.fake, world.guild
    mod = fake.add_member(guild, "mod", manage_guild=True)
    role = guild.add_role("3-day streak")

    refused = await fake.slash(guild, world.alice, "config milestone-role", days=3, role=role)
    assert refused.ephemeral
    assert refused.message.content.startswith("Only moderators can use this")

    reply = await fake.slash(guild, mod, "config milestone-role", days=3, role=role)
    assert reply.ephemeral
    assert reply.message.content == (
        f"Members reaching a 3-day streak now get <@&{role.id}>.\n"
        f"Milestones: 3 days → <@&{role.id}>."
    )

    await make_plan(world, world.alice, start="2026-03-02")
    await _checkin(world, "2026-03-07")
    await _checkin(world, "2026-03-08")
    assert role not in world.alice.roles  # a 2-day streak
    await _checkin(world, "2026-03-09")  # 3 days: the milestone
    await fake.wait_for(lambda: role in world.alice.roles, what="the milestone role")
    [grant] = fake.requests_to(GRANT)
    assert grant.path.endswith(f"/members/{world.alice.id}/roles/{role.id}")
    await fake.wait_for(
        lambda: any(
            "🏅 3-day streak! You now have the" in (r.json or {}).get("content", "")
            for r in fake.requests_to("POST /webhooks/{id}/{token}")
        ),
        what="the learner's milestone note",
    )

    # More check-ins, the streak ending and starting again: no second grant, the role stays.
    await _checkin(world, "2026-03-10")
    running.clock.set("2026-03-20T12:00:00+00:00")  # the streak ended
    for day in ("2026-03-17", "2026-03-18", "2026-03-19", "2026-03-20"):
        await _checkin(world, day)
    assert len(fake.requests_to(GRANT)) == 1
    assert role in world.alice.roles
    assert not fake.requests_to("DELETE /guilds/{id}/members/{id}/roles/{id}")


async def test_without_manage_roles_moderators_are_told(
    running: StudyBot, world: StudyWorld
) -> None:
    fake, guild = world.fake, world.guild
    guild.bot_permissions = ALL_PERMISSIONS & ~MANAGE_ROLES
    mod = fake.add_member(guild, "mod", manage_guild=True)
    role = guild.add_role("1-day streak")
    reply = await fake.slash(guild, mod, "config milestone-role", days=1, role=role)
    assert "⚠️ I can't give roles here: give me the **Manage Roles** permission" in (
        reply.message.content
    )

    await make_plan(world, world.alice, start="2026-03-02")
    await _checkin(world, "2026-03-10")
    await fake.wait_for(lambda: bool(fake.requests_to(GRANT)), what="a grant attempt")
    assert role not in world.alice.roles
    show = await fake.slash(guild, mod, "config show")
    assert "⚠️ I can't give roles here: give me the **Manage Roles** permission" in (
        show.message.content
    )
    # Given the permission later, the next check-in grants it: the refusal was not recorded.
    guild.bot_permissions = ALL_PERMISSIONS
    await _checkin(world, "2026-03-09")
    await fake.wait_for(lambda: role in world.alice.roles, what="the milestone role")

    again = await fake.slash(guild, mod, "config milestone-role", days=1, role=role)
    assert again.message.content.startswith(
        "No role is given at 1 day any more (members keep roles they earned)."
    )
    assert role in world.alice.roles


async def test_a_role_above_the_bots_own_is_named_to_moderators(
    running: StudyBot, world: StudyWorld
) -> None:
    """Discord lets a bot give only roles below its highest role: the moderator is told when
    mapping the role and in /config show (never per check-in), and once they drag the bot's
    role above it, the next check-in grants it."""
    fake, guild = world.fake, world.guild
    mod = fake.add_member(guild, "mod", manage_guild=True)
    mine = fake.bot_role(guild)
    high = await fake.add_role(guild, "Streak Legend", above=mine)  # placed above the bot's
    low = await fake.add_role(guild, "Regular")  # a new role goes to the bottom: givable
    settings_line = (
        f"⚠️ I can't give <@&{high.id}>: it is above my role <@&{mine.id}>; in Server Settings "
        f"› Roles, drag <@&{mine.id}> above it."
    )

    reply = await fake.slash(guild, mod, "config milestone-role", days=2, role=high)
    assert reply.message.content == (
        f"Members reaching a 2-day streak now get <@&{high.id}>.\n"
        f"Milestones: 2 days → <@&{high.id}>.\n"
        f"{settings_line} Members who reach it before then get it at their next check-in."
    )
    below = await fake.slash(guild, mod, "config milestone-role", days=1, role=low)
    assert "⚠️" not in below.message.content

    await make_plan(world, world.alice, start="2026-03-02")
    await _checkin(world, "2026-03-09")
    await _checkin(world, "2026-03-10")  # a 2-day streak: both milestones reached
    await fake.wait_for(lambda: low in world.alice.roles, what="the role below the bot's")
    await _checkin(world, "2026-03-08")
    # The role above is not even asked for (Discord would refuse it), check-in after check-in.
    assert [r.path.rsplit("/", 1)[-1] for r in fake.requests_to(GRANT)] == [str(low.id)]
    assert high not in world.alice.roles

    show = await fake.slash(guild, mod, "config show")
    assert (
        f"**Milestone roles:** 1 day → <@&{low.id}>, 2 days → <@&{high.id}>" in show.message.content
    )
    assert show.message.content.endswith(settings_line)

    await fake.move_role(guild, mine, above=high)  # the moderator fixes the order
    assert "⚠️" not in (await fake.slash(guild, mod, "config show")).message.content
    await _checkin(world, "2026-03-07")
    await fake.wait_for(lambda: high in world.alice.roles, what="the role, now below the bot's")
