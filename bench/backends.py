"""SQLite vs PostgreSQL, side by side: check-in throughput and `progress` latency.

    .venv/bin/python bench/backends.py [--learners 2000] [--runs 200]

The same service calls the bot makes, on a fresh SQLite file and on a fresh schema of the
PostgreSQL database named by WAYPOINT_BENCH_DATABASE_URL (or WAYPOINT_TEST_DATABASE_URL, which
.ci/run sets); without either, the PostgreSQL column says why it is empty. Prints, per backend:
- check-ins committed one after another;
- 100 concurrent check-ins in one process (median and worst of 5 rounds), and 100 spread over
  two processes (issue 15's goal: < 1 s, none lost or doubled);
- `progress` p50/p95 for learners of a community (goal on PostgreSQL: p95 <= 20 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from population import seed

from bot.storage.db import Database
from bot.study.service import StudyServices
from index.catalog import Catalog, Module, Roadmap

SCOPE = 1_180_000_000_000_000_123
CONCURRENT = 100
MODULES = tuple(Module(f"module-{i}", f"Module {i}", i, 8, 10, 10, "A module.") for i in range(6))
ROADMAP = Roadmap("bench", "Bench", "A path.", MODULES)
CATALOG = Catalog(roadmaps={"bench": ROADMAP})


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(q * len(ordered)) - 1)]


def _process_writer(target: str, bursts: list[list[int]], barrier: object, out: object) -> None:
    """One bot process: bursts of concurrent check-ins, each started with the other process's
    (barrier); reports how long each burst took here."""

    async def run() -> None:
        db = await Database.open(Path(target) if not target.startswith("postgres") else target)
        service = StudyServices.build(db, lambda: CATALOG)
        for n, users in enumerate(bursts):
            barrier.wait()  # type: ignore[attr-defined]
            started = time.perf_counter()
            await asyncio.gather(
                *(
                    service.checkins.checkin(
                        SCOPE, u, minutes=30, module="module-0", request_key=f"p{u}"
                    )
                    for u in users
                )
            )
            out.put((n, time.perf_counter() - started))  # type: ignore[attr-defined]
        await db.close()

    asyncio.run(run())


async def _measure(target: str, learners: int, runs: int) -> dict[str, str]:
    now = datetime.now(UTC)
    out: dict[str, str] = {}
    db = await Database.open(Path(target) if not target.startswith("postgres") else target)
    service = StudyServices.build(db, lambda: CATALOG)
    await seed(db, SCOPE, ROADMAP, range(1000, 2000), 0, now, 0.0)

    started = time.perf_counter()
    for user in range(1000, 1200):
        await service.checkins.checkin(
            SCOPE, user, minutes=30, module="module-0", request_key=f"s{user}"
        )
    each = (time.perf_counter() - started) / 200
    out["check-ins, sequential"] = f"{1 / each:.0f}/s ({each * 1000:.1f} ms)"

    rounds = []
    for first in range(1200, 1700, CONCURRENT):
        started = time.perf_counter()
        await asyncio.gather(
            *(
                service.checkins.checkin(
                    SCOPE, u, minutes=30, module="module-0", request_key=f"c{u}"
                )
                for u in range(first, first + CONCURRENT)
            )
        )
        rounds.append(time.perf_counter() - started)
    stored = await db.fetch_value(
        "SELECT count(*) FROM checkins WHERE user_id BETWEEN 1200 AND 1699"
    )
    out["100 concurrent, 1 process"] = (
        f"median {statistics.median(rounds) * 1000:.0f} ms, worst {max(rounds) * 1000:.0f} ms"
        f" ({stored}/500)"
    )

    # Two processes, 50 check-ins each at once: the first burst right after start-up (new
    # connections), then a second one (what a running bot sees).
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    bursts = [
        [list(range(1700, 1750)), list(range(1800, 1850))],
        [list(range(1750, 1800)), list(range(1850, 1900))],
    ]
    procs = [
        ctx.Process(target=_process_writer, args=(target, b, barrier, results)) for b in bursts
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    took: dict[int, float] = {}
    for _ in range(4):
        n, seconds = results.get()
        took[n] = max(took.get(n, 0.0), seconds)
    stored = await db.fetch_value(
        "SELECT count(*) FROM checkins WHERE user_id BETWEEN 1700 AND 1899"
    )
    out["100 concurrent, 2 processes"] = (
        f"first {took[0] * 1000:.0f} ms, next {took[1] * 1000:.0f} ms ({stored}/200)"
    )

    seeded = await seed(db, SCOPE, ROADMAP, range(100_000, 100_000 + learners), 90, now, 0.7)
    rng = random.Random(11)
    samples = []
    for _ in range(runs):
        user = rng.randrange(100_000, 100_000 + learners)
        started = time.perf_counter()
        await service.progress.progress(SCOPE, user)
        samples.append((time.perf_counter() - started) * 1000)
    out[f"progress ({learners:,} learners, {seeded:,} rows)"] = (
        f"p50 {statistics.median(samples):.2f} ms, p95 {_p(samples, 0.95):.2f} ms"
    )
    await db.close()
    return out


async def _postgres(url: str, learners: int, runs: int) -> dict[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(url)
    await admin.execute(f"CREATE SCHEMA {schema}")
    try:
        sep = "&" if "?" in url else "?"
        return await _measure(f"{url}{sep}search_path={schema}", learners, runs)
    finally:
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()


async def bench(learners: int, runs: int) -> None:
    print(f"Storage backends, Python {sys.version.split()[0]}, durable commits on both")
    with tempfile.TemporaryDirectory() as tmp:
        lite = await _measure(str(Path(tmp) / "bench.sqlite3"), learners, runs)
    url = os.environ.get("WAYPOINT_BENCH_DATABASE_URL") or os.environ.get(
        "WAYPOINT_TEST_DATABASE_URL"
    )
    if url:
        pg = await _postgres(url, learners, runs)
    else:
        pg = {}
        print("PostgreSQL skipped: set WAYPOINT_BENCH_DATABASE_URL to a database to measure.")
    width = max(len(k) for k in lite)
    print(f"{'':{width}}  {'SQLite':<34}  PostgreSQL")
    for key, value in lite.items():
        print(f"{key:{width}}  {value:<34}  {pg.get(key, '-')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=2_000, help="community size")
    parser.add_argument("--runs", type=int, default=200, help="progress calls measured")
    args = parser.parse_args()
    asyncio.run(bench(args.learners, args.runs))


if __name__ == "__main__":
    main()
