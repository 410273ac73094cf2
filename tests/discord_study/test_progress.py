"""`/progress`, `/timezone` and `/next` end to end, and two servers kept apart."""

from __future__ import annotations

import io
import time

from matplotlib import image as mpimg

from tests.discord_study.conftest import (
    SESSION_LOOP,
    StudyBot,
    StudyWorld,
    make_plan,
    no_plan_text,
)
from tests.fake_discord.models import check_embed_limits

pytestmark = SESSION_LOOP

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def _study_a_week(running: StudyBot, world: StudyWorld) -> None:
    await make_plan(world, world.alice, start="2026-03-02")
    for back in range(7, 0, -1):
        await world.fake.slash(
            world.guild,
            world.alice,
            "checkin",
            minutes=60,
            module="python-basics",
            date=f"2026-03-{10 - back:02d}",
        )


async def test_progress_is_private_with_a_heatmap(running: StudyBot, world: StudyWorld) -> None:
    await _study_a_week(running, world)
    result = await world.fake.slash(world.guild, world.alice, "progress")
    assert result.ephemeral
    assert result.deferred
    message = result.message
    assert message.pings_nobody
    [embed] = message.embeds
    assert embed["title"] == "alice's progress: Practical ML"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "🔥 **7 days** · longest 7 days" in fields["Streak"]
    assert "⏳ Check in today to keep it." in fields["Streak"]
    assert "7 h · 7 check-ins" in fields["Totals"]
    modules = fields["Modules"].split("\n")
    assert len(modules) == 5
    assert "**Python Basics** (7 h / " in modules[0]
    # 7 h logged where the plan expected 11.3 h by yesterday: three days' worth behind.
    assert fields["Pace"].startswith("**3 days behind the plan** (7 h of 270 h; 11 h expected")
    assert "At your recent 6.1 h/week: Tue 5 Jan 2027." in fields["Pace"]
    assert embed["image"]["url"] == "attachment://progress.png"
    assert not check_embed_limits(message.embeds)

    [png] = message.attachments
    assert png.filename == "progress.png"
    assert png.data.startswith(PNG_SIGNATURE)
    pixels = mpimg.imread(io.BytesIO(png.data), format="png")
    # Drawn for the 400 x 300 Discord shows, at twice that for sharp high-density screens, on
    # a dark background that sits in the dark theme (luminance of the corners under 0.2).
    assert pixels.shape[:2] == (600, 800)
    corners = pixels[[0, 0, -1, -1], [0, -1, 0, -1], :3]
    luminance = corners @ [0.2126, 0.7152, 0.0722]
    assert (luminance < 0.2).all(), luminance


async def test_progress_on_the_plans_first_day(running: StudyBot, world: StudyWorld) -> None:
    """Nothing logged yet: no "🔥 0 days · longest 0 days" and no "0 h expected by yesterday"."""
    await make_plan(world, world.alice, start="2026-03-10")
    message = (await world.fake.slash(world.guild, world.alice, "progress")).message
    fields = {f["name"]: f["value"] for f in message.embeds[0]["fields"]}
    assert fields["Streak"] == "No streak yet: a check-in starts one."
    assert fields["Pace"].startswith("**Your plan has just started: 270 h to go**, finish planned")
    await world.fake.slash(
        world.guild, world.alice, "checkin", minutes=30, module="python-basics", date="2026-03-09"
    )
    running.clock.set("2026-03-12T12:00:00+00:00")  # the streak of one day ended yesterday
    message = (await world.fake.slash(world.guild, world.alice, "progress")).message
    fields = {f["name"]: f["value"] for f in message.embeds[0]["fields"]}
    assert fields["Streak"].startswith("No streak right now · longest 1 day")


async def test_progress_public_and_its_errors(running: StudyBot, world: StudyWorld) -> None:
    missing = await world.fake.slash(world.guild, world.alice, "progress", public=True)
    # No plan: the error stays private even when the learner asked for a public reply.
    assert missing.ephemeral
    assert not missing.deferred
    assert missing.message.content == no_plan_text(world)

    await _study_a_week(running, world)
    shown = await world.fake.slash(world.guild, world.alice, "progress", public=True)
    assert not shown.ephemeral
    assert not shown.message.ephemeral
    assert shown.message.attachments[0].data.startswith(PNG_SIGNATURE)
    assert shown.message.pings_nobody


async def test_timezone_set_refused_and_autocompleted(running: StudyBot, world: StudyWorld) -> None:
    result = await world.fake.slash(world.guild, world.alice, "timezone", zone="europe/paris")
    assert result.ephemeral
    assert result.message.content.startswith(
        "Your timezone is now **Europe/Paris** (was UTC); it's 13:00 on Tue 10 Mar 2026 there."
    )
    learner = await running.study.learners.learner(world.guild.id, world.alice.id)
    assert learner is not None
    assert learner.timezone == "Europe/Paris"

    before = await running.counts()
    bad = await world.fake.slash(world.guild, world.bob, "timezone", zone="Mars/Olympus")
    assert bad.ephemeral
    assert bad.message.content.startswith("'Mars/Olympus' is not a known timezone; use an IANA")
    assert await running.counts() == before

    fake = world.fake
    started = time.perf_counter()
    paris = await fake.autocomplete(
        world.guild, world.alice, "timezone", focused="zone", zone="pari"
    )
    elapsed = time.perf_counter() - started
    assert paris[0] == {"name": "Europe/Paris", "value": "Europe/Paris"}
    assert elapsed < 1.0
    everything = await fake.autocomplete(
        world.guild, world.alice, "timezone", focused="zone", zone=""
    )
    assert len(everything) == 25
    city = await fake.autocomplete(
        world.guild, world.alice, "timezone", focused="zone", zone="new y"
    )
    assert {"name": "America/New_York", "value": "America/New_York"} in city


async def test_next_shows_module_topics_resources_and_week(
    running: StudyBot, world: StudyWorld
) -> None:
    missing = await world.fake.slash(world.guild, world.alice, "next")
    assert missing.ephemeral
    assert "no study plan yet" in missing.message.content

    await make_plan(world, world.alice, done="python-basics, statistics")
    await world.fake.slash(
        world.guild, world.alice, "checkin", minutes=45, module="ml-fundamentals"
    )
    result = await world.fake.slash(world.guild, world.alice, "next")
    assert result.ephemeral
    [embed] = result.message.embeds
    assert embed["title"] == "Next: ML Fundamentals"
    assert embed["description"] == "Linear models, trees and validation, with scikit-learn."
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["This week"].startswith("45 min of 10 h logged this week")
    assert "• Cross-validation and metrics" in fields["Topics"]
    assert (
        "[Scikit-learn User Guide](https://scikit-learn.org/stable/user_guide.html) · docs · free"
        in fields["Resources"]
    )
    assert "Python Tutorial" not in fields["Resources"]  # another module's resource
    assert "more day" in fields["This module"]


async def test_two_servers_are_kept_apart(running: StudyBot, world: StudyWorld) -> None:
    await _study_a_week(running, world)
    await world.fake.slash(world.guild, world.alice, "timezone", zone="Asia/Tokyo")

    for command in ("plan show", "progress", "next", "plan export"):
        elsewhere = await world.fake.slash(world.other, world.alice_elsewhere, command)
        assert elsewhere.ephemeral
        assert "no study plan yet" in elsewhere.message.content, command
    checkin = await world.fake.slash(
        world.other, world.alice_elsewhere, "checkin", minutes=10, module="python-basics"
    )
    assert "no study plan yet" in checkin.message.content
    modules = await world.fake.autocomplete(
        world.other, world.alice_elsewhere, "checkin", focused="module", module=""
    )
    assert modules == []

    # A plan in the second server starts its own streak and settings.
    await make_plan(world, world.alice_elsewhere, world.other, path="data-basics")
    logged = await world.fake.slash(
        world.other, world.alice_elsewhere, "checkin", minutes=10, module="sql"
    )
    assert "Streak **1 day**" in logged.message.text
    other = await running.study.learners.learner(world.other.id, world.alice.id)
    assert other is not None
    assert other.timezone is None
    home = await running.study.progress.progress(world.guild.id, world.alice.id)
    assert home.total_minutes == 7 * 60
    assert home.plan.path_id == "practical-ml"


async def test_study_commands_need_a_server(running: StudyBot, world: StudyWorld) -> None:
    """In a direct message there is no server to keep the data in: a clear refusal."""
    result = await world.fake.slash(None, world.alice.user, "progress")
    assert result.ephemeral
    assert result.message.content == "This command works in a server, not in direct messages."
    choices = await world.fake.autocomplete(
        None, world.alice.user, "checkin", focused="module", module=""
    )
    assert choices == []
    assert (await running.counts())["learners"] == 0
