"""`/plan new|show|done|export` end to end, the command contract, plans within Discord's limits."""

from __future__ import annotations

import time
from datetime import date

import pytest
from icalendar import Calendar

from bot.text import date_text
from tests.discord_study.conftest import (
    SESSION_LOOP,
    StudyBot,
    StudyWorld,
    make_plan,
    no_plan_text,
)
from tests.fake_discord.models import check_embed_limits

pytestmark = SESSION_LOOP

CONTRACT = {
    "plan": {
        "new": ["path", "background", "hours_per_week", "start", "done"],
        "show": [],
        "done": ["module", "undo"],
        "export": [],
    },
    "checkin": ["minutes", "module", "note", "date"],
    "progress": ["public"],
    "timezone": ["zone"],
    "next": [],
    "remind": {"set": ["time"], "off": []},
    "leaderboard": {"show": ["period"], "join": [], "leave": []},
    "mydata": {"export": [], "delete": []},
}
AUTOCOMPLETED = {
    ("plan", "new", "path"),
    ("plan", "new", "done"),
    ("plan", "done", "module"),
    ("checkin", "module"),
    ("timezone", "zone"),
}


async def test_commands_synced_as_the_contract_says(running: StudyBot, world: StudyWorld) -> None:
    synced = {c["name"]: c for c in world.fake.global_commands}
    for name, shape in CONTRACT.items():
        command = synced[name]
        assert command.get("contexts") == [0], f"/{name} must be server-only"
        if isinstance(shape, dict):
            subs = {o["name"]: o for o in command["options"]}
            assert sorted(subs) == sorted(shape), name
            items = [((name, sub), subs[sub].get("options", [])) for sub in shape]
        else:
            items = [((name,), command.get("options", []))]
        for key, options in items:
            expected = shape[key[1]] if isinstance(shape, dict) else shape
            assert [o["name"] for o in options] == expected, key
            for option in options:
                assert option["description"], f"{key} {option['name']} needs a description"
                if (*key, option["name"]) in AUTOCOMPLETED:
                    assert option.get("autocomplete"), (*key, option["name"])
    new = {o["name"]: o for o in synced["plan"]["options"][0]["options"]}
    assert (new["hours_per_week"]["min_value"], new["hours_per_week"]["max_value"]) == (1, 80)
    assert [c["value"] for c in new["background"]["choices"]] == [
        "beginner",
        "software-engineer",
        "data-engineer",
        "math-stats",
    ]
    assert "Data engineer" in [c["name"] for c in new["background"]["choices"]]
    minutes = next(o for o in synced["checkin"]["options"] if o["name"] == "minutes")
    assert (minutes["min_value"], minutes["max_value"]) == (1, 1440)


async def test_plan_new_replies_with_dated_modules(running: StudyBot, world: StudyWorld) -> None:
    result = await make_plan(world, world.alice, start="2026-03-16")
    embed = result.message.embeds[0]
    assert embed["title"] == "Your plan: Practical ML"
    fields = embed["fields"]
    assert [f["name"] for f in fields] == [
        "1. Python Basics",
        "2. Statistics",
        "3. ML Fundamentals",
        "4. Deep Learning",
        "5. Deployment",
    ]
    plan = await running.study.plans.plan(world.guild.id, world.alice.id)
    first = plan.modules[0]
    assert first.start == date(2026, 3, 16)
    assert "Mon 16 Mar 2026 →" in fields[0]["value"]
    assert "at 10 h/week" in fields[0]["value"]
    assert f"finish **{date_text(plan.finish)}**" in embed["description"]
    assert result.message.pings_nobody
    assert not check_embed_limits(result.message.embeds)


async def test_plan_new_with_done_modules(running: StudyBot, world: StudyWorld) -> None:
    result = await make_plan(world, world.alice, done="python-basics, statistics")
    fields = result.message.embeds[0]["fields"]
    assert fields[0]["value"] == fields[1]["value"] == "✓ done before this plan"
    plan = await running.study.plans.plan(world.guild.id, world.alice.id)
    assert plan.modules[2].start == date(2026, 3, 10)  # today: the clock's date, UTC


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"path": "astrology"},
            "There is no path 'astrology'; paths are: data-basics, practical-ml.",
        ),
        ({"hours_per_week": 0}, "Hours per week must be a number from 1 to 80."),
        ({"hours_per_week": 81}, "Hours per week must be a number from 1 to 80."),
        ({"background": "wizard"}, "“wizard” is not a valid value for that option."),
        ({"start": "16/03/2026"}, "Dates are written YYYY-MM-DD"),
        ({"start": "2028-01-01"}, "The start date must be within a year of today"),
        ({"done": "python-basics, knitting"}, "'knitting' is not a module of Practical ML"),
    ],
)
async def test_plan_new_bad_input(
    running: StudyBot, world: StudyWorld, options: dict[str, object], expected: str
) -> None:
    before = await running.counts()
    result = await make_plan(world, world.alice, **options)
    assert result.message.content.startswith(expected), result.message.content
    assert result.message.content.count(".") >= 1
    assert "\n" not in result.message.content
    assert await running.counts() == before


async def test_plan_show_and_export(running: StudyBot, world: StudyWorld) -> None:
    missing = await world.fake.slash(world.guild, world.alice, "plan show")
    assert missing.ephemeral
    assert missing.message.content == no_plan_text(world)
    no_file = await world.fake.slash(world.guild, world.alice, "plan export")
    assert no_file.ephemeral
    assert not no_file.message.attachments

    await make_plan(world, world.alice, done="python-basics")
    shown = await world.fake.slash(world.guild, world.alice, "plan show")
    assert shown.ephemeral
    assert shown.message.embeds[0]["title"] == "Your plan: Practical ML"

    exported = await world.fake.slash(world.guild, world.alice, "plan export")
    assert exported.ephemeral
    [attachment] = exported.message.attachments
    assert attachment.filename == "waypoint-practical-ml.ics"
    calendar = Calendar.from_ical(attachment.data)
    events = list(calendar.walk("VEVENT"))
    plan = await running.study.plans.plan(world.guild.id, world.alice.id)
    scheduled = [m for m in plan.modules if m.start is not None]
    assert len(events) == len(scheduled) == 4  # python-basics was done before the plan
    for event, module in zip(events, scheduled, strict=True):
        assert str(event["summary"]) == f"{module.title} (Practical ML)"
        assert event.decoded("dtstart") == module.start
        assert (event.decoded("dtend") - module.end).days == 1  # DTEND is exclusive


async def test_plan_autocomplete(running: StudyBot, world: StudyWorld) -> None:
    fake = world.fake
    started = time.perf_counter()
    paths = await fake.autocomplete(world.guild, world.alice, "plan new", focused="path", path="")
    assert [c["value"] for c in paths] == ["data-basics", "practical-ml"]
    assert paths[1]["name"] == "Practical ML (5 modules)"
    typed = await fake.autocomplete(
        world.guild, world.alice, "plan new", focused="path", path="pract"
    )
    assert [c["value"] for c in typed] == ["practical-ml"]

    done = await fake.autocomplete(
        world.guild,
        world.alice,
        "plan new",
        focused="done",
        path="practical-ml",
        done="python-basics, sta",
    )
    assert [c["value"] for c in done] == ["python-basics, statistics"]
    all_done = await fake.autocomplete(
        world.guild, world.alice, "plan new", focused="done", path="practical-ml", done=""
    )
    assert len(all_done) == 5
    assert all(len(c["value"]) <= 100 for c in all_done)
    no_path = await fake.autocomplete(world.guild, world.alice, "plan new", focused="done", done="")
    assert no_path == []
    assert time.perf_counter() - started < 3.0  # six round trips, each far under Discord's 3 s


async def test_plan_done_marks_a_module_and_names_the_next(
    running: StudyBot, world: StudyWorld
) -> None:
    fake = world.fake
    no_plan = await fake.slash(world.guild, world.alice, "plan done", module="python-basics")
    assert no_plan.ephemeral
    assert no_plan.message.content == no_plan_text(world)

    await make_plan(world, world.alice, start="2026-03-02")
    offered = await fake.autocomplete(
        world.guild, world.alice, "plan done", focused="module", module="stat"
    )
    assert [c["value"] for c in offered] == ["statistics"]

    await fake.slash(world.guild, world.alice, "checkin", minutes=90, module="python-basics")
    done = await fake.slash(world.guild, world.alice, "plan done", module="Python Basics")
    assert done.ephemeral
    assert done.message.content == (
        "**Python Basics** marked done ✓ (1 h 30 min logged). Next up: **Statistics**."
    )
    current = await running.study.plans.current_module(world.guild.id, world.alice.id)
    assert current is not None
    assert current.module_id == "statistics"

    undone = await fake.slash(
        world.guild, world.alice, "plan done", module="python-basics", undo=True
    )
    assert undone.message.content.startswith("**Python Basics** is no longer marked done (")

    before = await running.counts()
    unknown = await fake.slash(world.guild, world.alice, "plan done", module="knitting")
    assert unknown.ephemeral
    assert "knitting" in unknown.message.content
    assert "\n" not in unknown.message.content
    assert await running.counts() == before
