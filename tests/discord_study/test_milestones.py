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
    # Given the permission later, the next check-in grants it: the refusal was not recorded.
    guild.bot_permissions = ALL_PERMISSIONS
    await _checkin(world, "2026-03-09")
    await fake.wait_for(lambda: role in world.alice.roles, what="the milestone role")

    again = await fake.slash(guild, mod, "config milestone-role", days=1, role=role)
    assert again.message.content.startswith(
        "No role is given at 1 days any more (members keep roles they earned)."
    )
    assert role in world.alice.roles
