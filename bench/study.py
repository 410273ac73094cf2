"""Study-tracking benchmark: check-in throughput, progress latency, database size.

    .venv/bin/python bench/study.py [--learners 10000] [--runs 200]

Prints, against the issue's targets:
- check-ins committed one after another, and 100 concurrent writers (in one process, as the bot
  runs them, and from 4 processes at once), with a count proving none was lost;
- `progress` latency (p50/p95) for a learner with two years of daily check-ins, and for learners
  of a community of 10,000 (the same service call the bot makes, on a real SQLite file);
- the database size per 1,000 check-ins.
Every commit is durable (WAL, synchronous=FULL), as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from population import seed

from bot.config import DEFAULT_KNOWLEDGE
from bot.storage.db import Database
from bot.study.service import StudyServices
from index.catalog import Catalog, Module, Roadmap, load_catalog

SCOPE = 1
CONCURRENT = 100
TARGET_CONCURRENT_S = 1.0
TARGET_PROGRESS_P95_MS = 20.0


def _catalog() -> tuple[Catalog, Roadmap]:
    catalog = load_catalog([DEFAULT_KNOWLEDGE])
    roadmap = catalog.roadmaps.get("machine-learning-engineering") or next(
        iter(catalog.roadmaps.values()), None
    )
    if roadmap is None:  # no knowledge base: a six-module stand-in of the same shape
        modules = tuple(
            Module(f"module-{i}", f"Module {i}", i, 8, 10, 10, "A module.") for i in range(6)
        )
        roadmap = Roadmap("bench", "Bench", "A path.", modules)
        catalog = Catalog(roadmaps={"bench": roadmap})
    return catalog, roadmap


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _process_writer(path: str, users: list[int], module: str, barrier: object) -> None:
    async def run() -> None:
        catalog, _ = _catalog()
        db = await Database.open(Path(path))
        service = StudyServices.build(db, lambda: catalog)
        barrier.wait()  # type: ignore[attr-defined]
        await asyncio.gather(
            *(
                service.checkins.checkin(SCOPE, u, minutes=30, module=module, request_key=f"p{u}")
                for u in users
            )
        )
        await db.close()

    asyncio.run(run())


async def bench(learners: int, runs: int) -> None:
    catalog, roadmap = _catalog()
    first_module = roadmap.modules[0].id
    now = datetime.now(UTC)
    version = sys.version.split()[0]
    print(f"Study benchmark on {roadmap.id} ({len(roadmap.modules)} modules), Python {version}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        db = await Database.open(path)
        service = StudyServices.build(db, lambda: catalog)

        # Sequential check-ins: 300 learners with a plan, one check-in each, one after another.
        await seed(db, SCOPE, roadmap, range(1000, 2000), 0, now, per_day=0.0)
        started = time.perf_counter()
        for user in range(1000, 1300):
            await service.checkins.checkin(
                SCOPE, user, minutes=30, module=first_module, request_key=f"s{user}"
            )
        sequential = time.perf_counter() - started
        print(
            f"check-ins, sequential:          {300 / sequential:8.0f} /s  "
            f"({sequential / 300 * 1000:.2f} ms each, durable commit)"
        )

        # 100 concurrent writers in this process (what the bot does under load), 5 rounds.
        rounds: list[float] = []
        stored_all = True
        for first in range(1300, 1800, CONCURRENT):
            users = range(first, first + CONCURRENT)
            started = time.perf_counter()
            await asyncio.gather(
                *(
                    service.checkins.checkin(
                        SCOPE, u, minutes=30, module=first_module, request_key=f"c{u}"
                    )
                    for u in users
                )
            )
            rounds.append(time.perf_counter() - started)
            stored = await db.fetch_value(
                "SELECT count(*) FROM checkins WHERE user_id BETWEEN ? AND ?", (first, users[-1])
            )
            stored_all = stored_all and stored == CONCURRENT
        median, worst = statistics.median(rounds), max(rounds)
        verdict = "OK" if stored_all and worst < TARGET_CONCURRENT_S else "MISSED"
        print(
            f"check-ins, {CONCURRENT} concurrent tasks:  median {median * 1000:.0f} ms, worst "
            f"{worst * 1000:.0f} ms of {len(rounds)} rounds (all stored: {stored_all}; "
            f"target < {TARGET_CONCURRENT_S:.0f} s: {verdict})"
        )

        # 100 concurrent writers from 4 processes sharing the file (SQLite locks + busy timeout).
        await db.close()
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Barrier(5)
        groups = [list(range(1800 + i * 25, 1825 + i * 25)) for i in range(4)]
        procs = [
            ctx.Process(target=_process_writer, args=(str(path), g, first_module, barrier))
            for g in groups
        ]
        for p in procs:
            p.start()
        barrier.wait()
        started = time.perf_counter()
        for p in procs:
            p.join()
        multi = time.perf_counter() - started
        db = await Database.open(path)
        service = StudyServices.build(db, lambda: catalog)
        stored = await db.fetch_value(
            "SELECT count(*) FROM checkins WHERE user_id BETWEEN 1800 AND 1899"
        )
        print(
            f"check-ins, 100 from 4 processes:{multi * 1000:8.0f} ms  "
            f"({stored}/100 stored, exit codes {[p.exitcode for p in procs]})"
        )

        # One learner with two years of daily check-ins.
        veteran = 7
        seeded = await seed(db, SCOPE, roadmap, range(veteran, veteran + 1), 730, now)
        await service.progress.progress(SCOPE, veteran)  # warm the caches once
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            await service.progress.progress(SCOPE, veteran)
            samples.append((time.perf_counter() - started) * 1000)
        p50, p95 = _percentiles(samples)
        verdict = "OK" if p95 < TARGET_PROGRESS_P95_MS else "MISSED"
        print(
            f"progress, 2 years daily ({seeded} check-ins): p50 {p50:.2f} ms, p95 {p95:.2f} ms "
            f"(target p95 < {TARGET_PROGRESS_P95_MS:.0f} ms: {verdict})"
        )

        # A community: `learners` learners, each with 90 days of study on most days.
        started = time.perf_counter()
        community = await seed(db, SCOPE, roadmap, range(100_000, 100_000 + learners), 90, now, 0.7)
        seeding = time.perf_counter() - started
        rng = random.Random(11)
        samples = []
        for _ in range(runs):
            user = rng.randrange(100_000, 100_000 + learners)
            started = time.perf_counter()
            await service.progress.progress(SCOPE, user)
            samples.append((time.perf_counter() - started) * 1000)
        p50, p95 = _percentiles(samples)
        verdict = "OK" if p95 < TARGET_PROGRESS_P95_MS else "MISSED"
        print(
            f"progress, community of {learners:,} ({community:,} check-ins, seeded in "
            f"{seeding:.1f} s): p50 {p50:.2f} ms, p95 {p95:.2f} ms ({verdict})"
        )
        for user in range(100_000, 100_000 + min(learners, 300), 3):
            await service.community.set_leaderboard(SCOPE, user, True)
        started = time.perf_counter()
        await service.community.leaderboard(SCOPE, "month")
        print(f"leaderboard (month, community):  {(time.perf_counter() - started) * 1000:8.2f} ms")

        # Size: checkpoint the WAL into the file first so the main file holds everything.
        total = await db.fetch_value("SELECT count(*) FROM checkins")
        await db.checkpoint()
        integrity = await db.integrity_check()
        await db.close()
        size = path.stat().st_size
        print(
            f"database size: {size / 1e6:.1f} MB for {total:,} check-ins = "
            f"{size / total * 1000 / 1024:.0f} KiB per 1,000 check-ins (with plans and indexes)"
        )
        print(f"integrity check: {integrity or 'ok'}")


def main() -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--learners", type=int, default=10_000, help="community size")
    parser.add_argument("--runs", type=int, default=200, help="progress calls measured")
    args = parser.parse_args()
    asyncio.run(bench(args.learners, args.runs))


if __name__ == "__main__":
    main()
