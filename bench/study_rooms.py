"""What a voice event costs the bot: the study-room service calls, on SQLite and PostgreSQL.

    .venv/bin/python bench/study_rooms.py [--members 200] [--runs 3]

Every VOICE_STATE_UPDATE of a server reaches `StudyRoomService.observe`; most are in channels
that are not study rooms. Prints, per backend, the median and p95 milliseconds of:
- a move in a plain voice channel (nothing stored);
- entering a study room (a stay stored);
- leaving it after 30 minutes (the stay closed and logged as a check-in);
- the periodic note that open stays are still there, for `--members` open stays.
PostgreSQL runs when WAYPOINT_BENCH_DATABASE_URL or WAYPOINT_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import asyncpg

from bot.storage.db import Database
from bot.study.service import StudyServices
from index.catalog import Catalog, Module, Roadmap

SCOPE = 1_180_000_000_000_000_123
ROOM, LOUNGE = 900, 901
ROADMAP = Roadmap(
    id="ml",
    title="ML",
    summary="A path.",
    modules=tuple(Module(f"m{i}", f"Module {i}", i, 8, 10, 10, "A module.") for i in range(6)),
)
CATALOG = Catalog(roadmaps={"ml": ROADMAP}, resources=[])


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def _timed(call: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await call()
    return (time.perf_counter() - start) * 1000


def _summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{statistics.median(ordered):7.2f} {p95:7.2f}"


async def _run(db: Database, members: int) -> dict[str, list[float]]:
    clock = Clock()
    study = StudyServices.build(db, lambda: CATALOG, clock=clock)
    rooms = study.rooms
    await rooms.toggle_room(SCOPE, ROOM, by=1)
    users = range(10, 10 + members)
    background = next(iter(study.plans.backgrounds("ml")))
    for user in users:
        await study.plans.new_plan(SCOPE, user, path="ml", background=background, hours_per_week=10)
    times: dict[str, list[float]] = {"plain": [], "enter": [], "leave": [], "touch": []}
    for user in users:
        times["plain"].append(await _timed(partial(rooms.observe, SCOPE, user, LOUNGE)))
        times["enter"].append(await _timed(partial(rooms.observe, SCOPE, user, ROOM)))
    for _ in range(5):
        times["touch"].append(await _timed(partial(rooms.touch, SCOPE)))
        clock.now += timedelta(seconds=60)
    clock.now += timedelta(minutes=30)
    for user in users:
        times["leave"].append(await _timed(partial(rooms.observe, SCOPE, user, None)))
    logged = await db.fetch_value("SELECT count(*) FROM checkins")
    assert logged == members, f"{logged} check-ins for {members} stays"
    return times


async def _sqlite(members: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(Path(folder) / "bench.sqlite3")
        try:
            return await _run(db, members)
        finally:
            await db.close()


async def _postgres(url: str, members: int) -> dict[str, list[float]]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(url)
    await admin.execute(f"CREATE SCHEMA {schema}")
    try:
        sep = "&" if "?" in url else "?"
        db = await Database.open(f"{url}{sep}options=-csearch_path%3D{schema}")
        try:
            return await _run(db, members)
        finally:
            await db.close()
    finally:
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    url = os.environ.get("WAYPOINT_BENCH_DATABASE_URL") or os.environ.get(
        "WAYPOINT_TEST_DATABASE_URL"
    )
    results: dict[str, dict[str, list[float]]] = {"sqlite": {}, "postgresql": {}}
    for _ in range(args.runs):
        for name, times in [("sqlite", await _sqlite(args.members))] + (
            [("postgresql", await _postgres(url, args.members))] if url else []
        ):
            for key, samples in times.items():
                results[name].setdefault(key, []).extend(samples)
    print(f"{args.members} members, {args.runs} runs; milliseconds, median and p95")
    print(f"{'':30} {'SQLite':>15} {'PostgreSQL':>15}")
    labels = {
        "plain": "move in a plain voice channel",
        "enter": "enter a study room",
        "leave": "leave (check-in logged)",
        "touch": f"note {args.members} open stays",
    }
    for key, label in labels.items():
        pg = _summary(results["postgresql"][key]) if url else "   (no server set)"
        print(f"{label:30} {_summary(results['sqlite'][key]):>15} {pg:>15}")


if __name__ == "__main__":
    asyncio.run(main())
