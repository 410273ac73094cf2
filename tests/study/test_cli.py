"""The terminal verbs: plan, checkin, progress, timezone, mydata, through `bot.cli.main`."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.cli import main
from bot.cli.study import parse_minutes
from bot.config import Settings
from bot.errors import InvalidInput
from bot.text import date_text

ROADMAP = """\
id: tiny-path
title: Tiny Path
summary: A two-module path for tests.
pathways:
  - background: beginner
    months: [4, 4]
  - background: software-engineer
    months: [2, 2]
modules:
  - id: basics
    title: Basics
    order: 0
    weeks: [2, 2]
    hours_per_week: 10
    summary: The basics.
    topics: [Python]
  - id: models
    title: Models
    order: 1
    weeks: [4, 4]
    hours_per_week: 10
    summary: Models.
"""


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """`waypoint ARGS...` against a fresh data directory and a one-path knowledge folder."""
    knowledge = tmp_path / "knowledge"
    (knowledge / "paths").mkdir(parents=True)
    (knowledge / "paths" / "tiny.yaml").write_text(ROADMAP, encoding="utf-8")
    base = ["--data-dir", str(tmp_path / "data"), "--knowledge", str(knowledge)]

    def call(*argv: str) -> tuple[int, str, str]:
        status = main([*base, "--log-level", "WARNING", *argv])
        out = capsys.readouterr()
        return status, out.out, out.err

    return call


def test_a_learner_plans_checks_in_and_sees_progress(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime.now(UTC).date() - timedelta(days=3)
    status, out, _ = run("plan", "new", "tiny-path", "--hours", "5", "--start", str(start))
    assert status == 0
    assert "Tiny Path: plan for a complete beginner, 5 h a week" in out
    end = start + timedelta(days=27)  # 20 h at 5 h a week: 28 days
    assert f"{date_text(start)} – {date_text(end)}" in out  # "Mon 23 Nov 2026 – …"

    status, out, _ = run("checkin", "1h30", "basics", "--note", "read the docs")
    assert status == 0
    assert "Logged 1 h 30 min on Basics." in out
    assert "First check-in today. Streak: 1 day (longest 1)." in out

    status, out, _ = run("checkin", "45", "basics", "--date", "yesterday")
    assert "(back-dated)" in out
    assert "Streak: 2 days" in out

    png = tmp_path / "progress.png"
    status, out, _ = run("progress", "--png", str(png), "--audit")
    assert status == 0
    assert "Streak: 2 days (longest 2); checked in today." in out
    assert "Total: 2 h 15 min in 2 check-ins on 2 days" in out
    assert "(filled an empty day)" in out
    assert png.read_bytes().startswith(b"\x89PNG")

    ics = tmp_path / "plan.ics"
    assert run("plan", "export", "-o", str(ics))[0] == 0
    assert len(list(Calendar.from_ical(ics.read_bytes()).walk("VEVENT"))) == 2

    # Without -o the file goes into the data directory, never the current folder, and the
    # learner is told where.
    monkeypatch.chdir(tmp_path)
    status, out, _ = run("plan", "export")
    saved = (tmp_path / "data" / "exports" / "tiny-path.ics").resolve()
    assert status == 0
    assert out.strip() == f"Saved 2 events to {saved}; import it into your calendar."
    # The same calendar; DTSTAMP is the moment of export (RFC 5545), a second apart at times.
    assert _without_stamps(saved.read_bytes()) == _without_stamps(ics.read_bytes())
    assert not (tmp_path / "tiny-path.ics").exists()

    status, out, _ = run("next")
    assert "Now: Basics (Tiny Path)" in out
    assert "  - Python" in out


def _without_stamps(ics: bytes) -> list[bytes]:
    return [line for line in ics.splitlines() if not line.startswith(b"DTSTAMP")]


def test_bad_input_prints_one_sentence_and_exits_2(run: Run) -> None:
    run("plan", "new", "tiny-path", "--hours", "5")
    cases = {
        ("checkin", "0", "basics"): "Minutes must be a whole number from 1 to 1440",
        ("checkin", "2000", "basics"): "Minutes must be a whole number from 1 to 1440",
        ("checkin", "30", "cooking"): "'cooking' is not a module of your Tiny Path plan",
        ("checkin", "30", "basics", "-d", "2001-01-01"): "back-dated up to 7 days",
        ("checkin", "30", "basics", "-d", "someday"): "Dates are written YYYY-MM-DD",
        ("timezone", "Mars/Olympus"): "'Mars/Olympus' is not a known timezone",
        ("plan", "new", "nowhere", "--hours", "5"): "There is no path 'nowhere'",
        (
            "plan",
            "new",
            "tiny-path",
            "--hours",
            "0",
        ): "Hours per week must be a number from 1 to 80",
    }
    for argv, says in cases.items():
        status, out, err = run(*argv)
        assert status == 2, argv
        assert err.startswith("waypoint: "), (argv, err)
        assert says in err, (argv, err)
        assert err.count("\n") == 1, (argv, err)
        assert "Logged" not in out
    status, out, _ = run("progress")
    assert "Total: 0 min in 0 check-ins" in out
    assert "Streak: none yet; a check-in starts one." in out
    assert "Pace: just started, 60 h to go, finish planned" in out


def test_without_a_plan_the_terminal_names_its_own_command(run: Run) -> None:
    for verb in ("progress", "next"):
        status, out, err = run(verb)
        assert status == 2
        assert err == (
            "waypoint: You have no study plan yet; make one with waypoint plan new first.\n"
        )
        assert out == ""


def test_progress_shows_study_room_time_as_discord_does(run: Run, tmp_path: Path) -> None:
    """A Discord learner's stay in a study room, read in the terminal with --scope/--learner:
    the same minutes as the "🎧 … of it in study rooms" line of /progress."""
    guild, member = 1_000_001, 2_000_002
    asyncio.run(_a_study_room_stay(tmp_path, guild, member))
    status, out, _ = run("progress", "--scope", str(guild), "--learner", str(member))
    assert status == 0
    assert "Total: 1 h 10 min in 2 check-ins on 1 day (50 min of it in study rooms);" in out
    # Without room time the line does not mention rooms.
    run("plan", "new", "tiny-path", "--hours", "5")
    run("checkin", "20", "basics")
    assert "study rooms" not in run("progress")[1]


async def _a_study_room_stay(tmp_path: Path, guild: int, member: int) -> None:
    """A plan, 50 minutes in a study room and a 20-minute check-in, as the bot stores them."""
    from bot.app import open_services

    room = 3_000_003
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    clock = Clock(datetime.combine(yesterday, time(10), UTC))  # all of it on one day
    settings = Settings(data_dir=tmp_path / "data", knowledge=[tmp_path / "knowledge"])
    services = await open_services(settings, with_knowledge=False, clock=clock)
    try:
        study = services.study
        await study.plans.new_plan(
            guild, member, path="tiny-path", background="beginner", hours_per_week=5
        )
        await study.rooms.toggle_room(guild, room, by=member)
        await study.rooms.observe(guild, member, room)
        clock.now += timedelta(minutes=50)
        await study.rooms.observe(guild, member, None)
        await study.checkins.checkin(guild, member, minutes=20, module="basics")
    finally:
        await services.close()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_timezone_and_privacy(run: Run, tmp_path: Path) -> None:
    status, out, _ = run("timezone")
    assert "Your timezone is not set; UTC is used" in out
    status, out, _ = run("timezone", "europe/paris")
    assert "Timezone set to Europe/Paris" in out
    run("plan", "new", "tiny-path", "--hours", "5")
    run("checkin", "20", "basics")
    target = tmp_path / "me.json"
    assert run("mydata", "export", "-o", str(target))[0] == 0
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["learner"]["timezone"] == "Europe/Paris"
    assert len(data["checkins"]) == 1
    status, out, _ = run("mydata", "delete", "--yes")
    assert "Deleted 1 check-in, 1 plan" in out
    status, _, err = run("progress")
    assert status == 2
    assert "no study plan yet" in err


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("90", 90), ("45m", 45), ("1h30", 90), ("1h 30m", 90), ("1.5h", 90), ("1:30", 90)],
)
def test_durations(text: str, minutes: int) -> None:
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["", "abc", "1x", "h", "-5"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_minutes(text)


def test_study_verbs_load_no_model_no_discord_and_no_plotting(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    (knowledge / "paths").mkdir(parents=True)
    (knowledge / "paths" / "tiny.yaml").write_text(ROADMAP, encoding="utf-8")
    script = textwrap.dedent(
        f"""
        import sys
        from bot.cli import main
        base = ["--data-dir", {str(tmp_path / "d")!r}, "--knowledge", {str(knowledge)!r},
                "--log-level", "WARNING"]
        assert main(base + ["plan", "new", "tiny-path", "--hours", "5"]) == 0
        assert main(base + ["checkin", "30", "basics"]) == 0
        assert main(base + ["progress"]) == 0
        heavy = {{"discord", "torch", "sentence_transformers", "onnxruntime", "faiss",
                  "matplotlib", "numpy"}}
        print("HEAVY", sorted(heavy & {{m.split(".")[0] for m in sys.modules}}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "HEAVY []" in done.stdout
