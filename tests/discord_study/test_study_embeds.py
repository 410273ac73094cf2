"""Study replies within Discord's limits, and the autocomplete helpers, as pure functions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from bot.discord.cogs.study import date_choices, done_choices
from bot.discord.mentions import remember_command_ids
from bot.discord.study_embeds import (
    bar,
    next_embed,
    next_embeds,
    pace_text,
    plan_embed,
)
from bot.study import planner
from bot.study.charts import headline
from bot.study.models import (
    CurrentModule,
    ModuleProgress,
    NextStep,
    Pace,
    Plan,
    ResourceLink,
)
from bot.text import hours_text
from index.catalog import Module, Roadmap, load_catalog
from tests.fake_discord.models import check_embed_limits


def _plan_from(roadmap: Roadmap, background: str, hours: float) -> Plan:
    draft = planner.build_plan(roadmap, background, hours, date(2026, 1, 5))
    return Plan(
        id=1,
        scope=1,
        user_id=1,
        path_id=draft.path_id,
        path_title=draft.path_title,
        background=draft.background,
        hours_per_week=draft.hours_per_week,
        start=draft.start,
        finish=draft.finish,
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
        modules=draft.modules,
    )


def test_every_real_plan_fits_discord() -> None:
    """Every path of the real knowledge base, at the slowest pace (years long), fits an embed."""
    catalog = load_catalog([Path(__file__).parents[2] / "knowledge"])
    assert catalog.roadmaps
    for roadmap in catalog.roadmaps.values():
        for background in planner.backgrounds_for(roadmap):
            plan = _plan_from(roadmap, background, 1)
            embed = plan_embed(plan).to_dict()
            assert not check_embed_limits([embed]), (roadmap.id, background)
            assert len(embed["fields"]) == len(roadmap.modules)


def test_a_plan_with_more_modules_than_fields_still_fits() -> None:
    remember_command_ids({})  # no bot synced: commands are shown in code style
    modules = tuple(
        Module(f"m{i}", f"Module number {i} with a long descriptive title", i, 2, 3, 10, "s")
        for i in range(60)
    )
    plan = _plan_from(Roadmap("long", "A Very Long Path", "s", modules), "beginner", 5)
    embed = plan_embed(plan).to_dict()
    assert not check_embed_limits([embed])
    assert "more modules: `/plan export` has them all" in embed["description"]


MODULES = [("python-basics", "Python Basics"), ("statistics", "Statistics"), ("ml", "ML")]


def test_done_choices_extend_the_typed_list() -> None:
    assert [c.value for c in done_choices(MODULES, "")] == ["python-basics", "statistics", "ml"]
    assert [c.value for c in done_choices(MODULES, "python-basics, st")] == [
        "python-basics, statistics"
    ]
    # A title typed in full counts as that module; chosen modules are not offered again.
    assert [c.value for c in done_choices(MODULES, "Python Basics,")] == [
        "python-basics, statistics",
        "python-basics, ml",
    ]
    # A complete id is offered as it is first, so the learner can stop there.
    assert next(c.value for c in done_choices(MODULES, "statistics")) == "statistics"
    assert done_choices(MODULES, "nothing-like-this") == []


def test_date_choices_cover_the_backdating_window() -> None:
    choices = date_choices(date(2026, 3, 10), "")
    assert len(choices) == 8
    assert choices[0].value == "2026-03-10"
    assert choices[0].name == "Today — Tue 10 Mar 2026"
    assert choices[1].name == "Yesterday — Mon 9 Mar 2026"
    # The date as written everywhere or as typed (YYYY-MM-DD) finds a day.
    assert [c.value for c in date_choices(date(2026, 3, 10), "03-05")] == ["2026-03-05"]
    assert [c.value for c in date_choices(date(2026, 3, 10), "thu 5 mar")] == ["2026-03-05"]


def test_small_formatters() -> None:
    assert bar(0) == "▱" * 10
    assert bar(100) == "▰" * 10
    assert bar(250) == "▰" * 10
    assert bar(34) == "▰▰▰▱▱▱▱▱▱▱"
    assert [hours_text(m) for m in (5, 60, 65, 600)] == ["5 min", "1 h", "1 h 05 min", "10 h"]


def test_a_large_export_is_compressed_to_fit() -> None:
    import gzip
    import json

    from bot.discord.study_embeds import export_file

    data = {"checkins": [{"note": "x" * 400, "minutes": i} for i in range(50)]}
    small = export_file(data, 7, limit=10 * 1024 * 1024)
    assert small.filename == "waypoint-data-7.json"
    assert json.loads(small.fp.read()) == data
    big = export_file(data, 7, limit=1000)
    assert big.filename == "waypoint-data-7.json.gz"
    assert json.loads(gzip.decompress(big.fp.read())) == data


def _next_step(resources: int, background: str) -> NextStep:
    topics = ("Python programming", "Maths and statistics basics", "Prompt engineering")
    return NextStep(
        current=CurrentModule("ai-engineering", "AI Engineering", "prerequisites", "Prerequisites"),
        summary="Python, some maths and statistics.",
        topics=topics,
        resources=tuple(
            ResourceLink(
                f"Resource number {i} with a longish title", f"https://e.org/{i}", "docs", True
            )
            for i in range(resources)
        ),
        progress=ModuleProgress("prerequisites", "Prerequisites", 45, 40.0, False, None, None),
        weekly_hours=10,
        week_minutes=45,
        module_days_left=20,
        covered_topics=planner.covered_topics(topics, background),
    )


def test_next_lists_every_resource_and_marks_what_the_background_covers() -> None:
    embeds = next_embeds(_next_step(24, "software-engineer"))
    assert len(embeds) == 2
    main, more = (e.to_dict() for e in embeds)
    fields = {f["name"]: f["value"] for f in main["fields"]}
    assert "✓ ~~Python programming~~ (your background)" in fields["Topics"]
    assert "• Maths and statistics basics" in fields["Topics"]
    assert fields["Resources"].endswith("… all 24 are listed below.")
    assert more["title"] == "All 24 resources for Prerequisites"
    assert more["description"].count("https://e.org/") == 24
    assert "more" not in more["description"]
    assert not check_embed_limits([main, more])

    few = next_embeds(_next_step(2, "math-stats"))
    assert len(few) == 1
    topics = few[0].to_dict()["fields"][2]["value"]
    assert "✓ ~~Maths and statistics basics~~ (your background)" in topics
    assert "• Python programming" in topics
    assert (
        "your background"
        not in next_embed(_next_step(2, "beginner")).to_dict()["fields"][2]["value"]
    )


def test_the_pace_line_on_day_one() -> None:
    day_one = Pace("on track", 0, 0.0, 0.0, 300.0, date(2027, 7, 31), None, 0.0, too_early=True)
    assert pace_text(day_one) == (
        "**Your plan has just started: 300 h to go**, finish planned Sat 31 Jul 2027. "
        "Your pace shows here after the first week."
    )
    studied = Pace("ahead", 1, 0.0, 1.5, 300.0, date(2027, 7, 31), None, 0.0, too_early=True)
    assert pace_text(studied).startswith("**1.5 h done already, 298 h to go**")
    # The picture's headline says the same, not "plan expected 0 h by yesterday".
    assert headline(day_one) == "Your plan has just started · 300 h to go"
    assert headline(studied) == "You 1.5 h · 298 h to go"
    later = Pace("behind", 3, 9.1, 5.7, 503.0, date(2027, 5, 18), None, 5.0, too_early=False)
    assert headline(later) == "You 5.7 h · plan expected 9.1 h by yesterday · of 503 h"
