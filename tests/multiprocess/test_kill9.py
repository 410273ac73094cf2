"""kill -9 of one bot process: two real OS processes on one PostgreSQL, each with its own
gateway connection to the fake Discord (shard 0 of 2 with the knowledge folders, shard 1 a
reader without folders). Check-ins flow through both; the first is SIGKILLed mid-stream. Every
check-in a learner saw acknowledged is in the database once, nothing is doubled, and the
survivor keeps answering and storing."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest_asyncio

from bot.storage.db import Database
from tests.conftest import FIXTURE_KNOWLEDGE, SESSION_LOOP
from tests.discord_study.conftest import STUDY_KNOWLEDGE
from tests.fake_discord import FakeDiscord, Guild, Member
from tests.storage.backends import needs_postgres, postgres_schema

pytestmark = [SESSION_LOOP, needs_postgres]
REPO = Path(__file__).resolve().parents[2]


@dataclass
class World:
    fake: FakeDiscord
    guilds: tuple[Guild, Guild]  # guilds[i] is routed to shard i of 2
    learners: tuple[list[Member], list[Member]]


@pytest_asyncio.fixture(loop_scope="session")
async def world() -> AsyncIterator[World]:
    fake = FakeDiscord(heartbeat_interval_ms=250)
    first, second = fake.add_guilds_on_shards(2)
    guilds = (first, second)
    learners = tuple([fake.add_member(g, f"l{g.id % 97}-{n}") for n in range(4)] for g in guilds)
    await fake.start()
    with fake.configured():
        yield World(fake, guilds, (learners[0], learners[1]))
    await fake.stop()


async def _start(
    world: World, data: Path, shard: int, env: dict[str, str], log: Path
) -> asyncio.subprocess.Process:
    """A bot process serving `shard` of 2; returns once it is connected."""
    environment = {
        **os.environ,
        **env,
        "WAYPOINT_DATA_DIR": str(data),
        "WAYPOINT_SHARD_COUNT": "2",
        "WAYPOINT_SHARD_IDS": str(shard),
        "WAYPOINT_ASK_COOLDOWN_SECONDS": "0",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.multiprocess.bot_process",
        world.fake.api_base,
        world.fake.gateway_url,
        cwd=REPO,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=log.open("wb"),
    )
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 180)
    except TimeoutError:
        line = b""
    if line != b"ready\n":
        text = await asyncio.to_thread(log.read_text, errors="replace")
        raise AssertionError(f"the bot process did not start:\n{text[-3000:]}")
    return process


@dataclass
class Stream:
    """Check-ins sent, and the ones whose 'Logged' reply the learner saw."""

    acknowledged: list[tuple[str, int, float]] = field(default_factory=list)  # note, shard, when
    failed: list[tuple[str, int, float]] = field(default_factory=list)


async def _check_ins(
    world: World, shard: int, member: Member, until: float, stream: Stream
) -> None:
    n = 0
    while time.monotonic() < until:
        note = f"s{shard}-{member.user.id}-{n}"
        n += 1
        try:
            # One minute each: a quiet machine makes hundreds per member in the 4 s, and 5-minute
            # check-ins reached the 1,440-minute daily cap (refused, rightly) in one run.
            reply = await world.fake.slash(
                world.guilds[shard], member, "checkin", minutes=1, module="python-basics",
                note=note, within=5,
            )  # fmt: skip
        except AssertionError:  # not acknowledged (its process is gone)
            stream.failed.append((note, shard, time.monotonic()))
            return
        assert reply.message.embeds[0]["title"].startswith("Logged"), reply.message
        stream.acknowledged.append((note, shard, time.monotonic()))


async def test_kill_9_of_one_process_loses_no_acknowledged_check_in_and_the_other_serves_on(
    world: World, tmp_path: Path, onnx_models: Path
) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KNOWLEDGE, folder)
    shutil.copytree(STUDY_KNOWLEDGE / "paths", folder / "paths")
    async with postgres_schema() as url:
        common = {"WAYPOINT_DATABASE_URL": url}
        builder = await _start(
            world,
            tmp_path / "a",
            0,
            {**common, "WAYPOINT_KNOWLEDGE": str(folder)},
            tmp_path / "a.log",
        )
        processes = [builder]
        try:
            reader = await _start(
                world, tmp_path / "b", 1, {**common, "WAYPOINT_KNOWLEDGE_SOURCE": "database"},
                tmp_path / "b.log",
            )  # fmt: skip
            processes.append(reader)
            everyone = [(s, m) for s in (0, 1) for m in world.learners[s]]
            for shard, member in everyone:
                plan = await world.fake.slash(
                    world.guilds[shard], member, "plan new", path="practical-ml",
                    background="software-engineer", hours_per_week=10, within=20,
                )  # fmt: skip
                assert plan.message.embeds[0]["title"] == "Your plan: Practical ML", plan.message

            stream = Stream()
            started = time.monotonic()
            until = started + 4.0
            flowing = [
                asyncio.create_task(_check_ins(world, s, m, until, stream)) for s, m in everyone
            ]
            await asyncio.sleep(1.5)
            builder.send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            assert await builder.wait() == -signal.SIGKILL
            await asyncio.gather(*flowing)

            db = await Database.open(url)
            try:
                rows = await db.fetch_all("SELECT note, count(*) FROM checkins GROUP BY note")
                stored = {str(note): int(count) for note, count in rows}
                answer = await world.fake.slash(
                    world.guilds[1], world.learners[1][0], "ask",
                    question="How do I fix overfitting?", within=20,
                )  # fmt: skip
            finally:
                await db.close()
        finally:
            for process in processes:
                if process.returncode is None:
                    process.kill()
                    await process.wait()

    before = [a for a in stream.acknowledged if a[2] < killed_at]
    after = [a for a in stream.acknowledged if a[2] > killed_at]
    print(
        f"acknowledged before the kill: {len(before)} (shard 0: "
        f"{sum(1 for a in before if a[1] == 0)}), after: {len(after)}; stored {len(stored)}; "
        f"unanswered: {len(stream.failed)}"
    )
    assert any(shard == 0 for _, shard, _ in before)  # the killed process was serving
    # Every acknowledged check-in is stored, exactly once; nothing is stored twice.
    assert all(stored.get(note) == 1 for note, _, _ in stream.acknowledged)
    assert all(count == 1 for count in stored.values())
    # Only the killed process's learners went unanswered; the survivor stored on.
    assert {shard for _, shard, _ in stream.failed} <= {0}
    assert any(shard == 1 for _, shard, _ in after)
    assert answer.message.embeds[0]["title"] != "Not covered yet", answer.message
