"""`/kb reload` across processes: how long until every process answers from new knowledge.

    .venv/bin/python bench/reload_sync.py [--processes 2] [--readers 1] [--rounds 5]

Starts separate OS processes on one PostgreSQL (a fresh schema of WAYPOINT_BENCH_DATABASE_URL
or WAYPOINT_TEST_DATABASE_URL, which .ci/run sets; without either it says so and stops):
`--processes` with knowledge folders, each with its own index over one shared copy of the test
articles, as bot processes sharing a volume would be, and `--readers` without folders
(WAYPOINT_KNOWLEDGE_SOURCE=database), serving the index process 0 publishes. Each round,
process 0 adds an article and reloads through `KnowledgeSync` (what `/kb reload` calls); the
others watch their own search for the new article. Prints, per round and as medians: the time
until the reload replied (it waits for the others to switch) and until the slowest process with
folders and the slowest reader found the article (issue 15's goal: within 2 s).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.admin.service import KnowledgeSync  # noqa: E402
from bot.app import index_config, open_knowledge  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.storage.db import Database  # noqa: E402

ARTICLES = ROOT / "tests" / "discord_bot" / "knowledge"
MODELS = ROOT / "data" / "bench" / "models"  # the ONNX export other benches already made


def _article(word: str) -> str:
    return (
        f"---\ntitle: What is a {word} plateau?\ntags: [training]\n---\n\n## Plateaus\n\n"
        f"A {word} plateau is when the validation loss stays flat for many epochs while the "
        "learning rate is still high; lowering the learning rate usually ends it.\n"
    )


def _words(rounds: int) -> list[str]:
    return [f"zorblax{chr(ord('a') + n)}" for n in range(rounds)]


def _settings(folder: Path, data: Path) -> Settings:
    return Settings(knowledge=[folder], data_dir=data, model_cache_dir=MODELS)


def _process(
    index: int, url: str, folder: str, data: str, rounds: int, sync: Any, reader: bool
) -> None:
    """One bot process: its knowledge base and KnowledgeSync; process 0 reloads. A reader
    has no folders: it serves what process 0 published."""
    barrier, results = sync

    async def run() -> None:
        db = await Database.open(url)
        if reader:
            config = replace(index_config(_settings(Path(folder), Path(data))), knowledge_dirs=())
            follower = await KnowledgeSync.open_reader(config, db, Path(data) / "published")
            knowledge = follower.knowledge
        else:
            knowledge = await open_knowledge(_settings(Path(folder), Path(data)))
            follower = KnowledgeSync(knowledge, db)
        await follower.start()
        try:
            for word in _words(rounds):
                await asyncio.to_thread(barrier.wait)  # everyone serving; go
                if index == 0:
                    (Path(folder) / "articles" / f"{word}.md").write_text(_article(word), "utf-8")
                    started = time.time()
                    synced = await follower.reload()
                    results.put(("reply", word, time.time() - started, synced.switched))
                    results.put(("start", word, started, None))
                else:
                    while True:
                        hits = await knowledge.search(f"What is a {word} plateau?", top_k=3)
                        if any(word in h.chunk.text for h in hits):
                            results.put(("seen", word, time.time(), reader))
                            break
                        await asyncio.sleep(0.01)
                await asyncio.to_thread(barrier.wait)  # round over (the loop keeps running)
        finally:
            await follower.close()
            await db.close()
            await knowledge.close()

    asyncio.run(run())


async def _schema(url: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(url)
    await admin.execute(f"CREATE SCHEMA {schema}")
    await admin.close()
    return schema, f"{url}{'&' if '?' in url else '?'}search_path={schema}"


async def _drop(url: str, schema: str) -> None:
    admin = await asyncpg.connect(url)
    await admin.execute(f"DROP SCHEMA {schema} CASCADE")
    await admin.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=2, help="with knowledge folders")
    parser.add_argument("--readers", type=int, default=1, help="without folders")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("WAYPOINT_BENCH_DATABASE_URL") or os.environ.get(
        "WAYPOINT_TEST_DATABASE_URL"
    )
    if not url:
        print(
            "reload_sync: skipped, it needs a PostgreSQL server: set WAYPOINT_BENCH_DATABASE_URL "
            "(or run `source .ci/postgres.sh && start_test_postgres` first)"
        )
        return 0
    total = args.processes + args.readers
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "knowledge"
        shutil.copytree(ARTICLES, folder)
        # Export the model once here, so the processes do not race to write it.
        warm = asyncio.run(open_knowledge(_settings(folder, Path(tmp) / "warm")))
        asyncio.run(warm.close())
        schema, target = asyncio.run(_schema(url))
        ctx = multiprocessing.get_context("spawn")
        barrier, results = ctx.Barrier(total), ctx.Queue()
        procs = [
            ctx.Process(
                target=_process,
                args=(
                    i,
                    target,
                    str(folder),
                    f"{tmp}/p{i}",
                    args.rounds,
                    (barrier, results),
                    i >= args.processes,
                ),
            )
            for i in range(total)
        ]
        try:
            for proc in procs:
                proc.start()
            for proc in procs:
                proc.join()
        finally:
            asyncio.run(_drop(url, schema))
    events: list[tuple[str, str, float, Any]] = []
    while not results.empty():
        events.append(results.get())
    print(
        f"/kb reload across {args.processes} processes with folders and {args.readers} "
        f"without (readers) on one PostgreSQL, {args.rounds} rounds"
    )
    replies: list[float] = []
    seen: dict[bool, list[float]] = {False: [], True: []}
    for word in _words(args.rounds):
        reply = next(e for e in events if e[0] == "reply" and e[1] == word)
        start = next(e[2] for e in events if e[0] == "start" and e[1] == word)
        replies.append(reply[2])
        line = f"  reply {reply[2] * 1000:6.0f} ms (switched {reply[3][0]} of {reply[3][1]})"
        for is_reader, label in ((False, "slowest other with folders"), (True, "slowest reader")):
            times = [e[2] for e in events if e[0] == "seen" and e[1] == word and e[3] is is_reader]
            if times:
                seen[is_reader].append(max(times) - start)
                line += f", {label} answers after {(max(times) - start) * 1000:6.0f} ms"
        print(line)
    print(f"median reply {statistics.median(replies) * 1000:.0f} ms")
    for is_reader, label in ((False, "process with folders"), (True, "reader (no folders)")):
        if seen[is_reader]:
            got = seen[is_reader]
            print(
                f"median until every {label} answers: {statistics.median(got) * 1000:.0f} ms "
                f"(worst {max(got) * 1000:.0f} ms)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
