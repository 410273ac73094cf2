"""Load on the Discord bot: a burst of questions through the fake Discord.

    python bench/discord_load.py [--questions 200] [--users 50] [--window 2.0] [--json]

The real bot (`create_bot(settings)`, services opened by its own `setup_hook` over the project's
knowledge base) connects to the fake Discord of the tests, which runs on its own thread and
event loop so that the bot's loop carries only the bot's work. `--users` members then mention
the bot with `--questions` questions (the knowledge base's own article titles, plus a few it
does not cover) at random moments within `--window` seconds.

Prints: answered count, p50/p95/max time from the message reaching the gateway to the reply
reaching the REST API, and the worst event-loop lag measured every 10 ms on the bot's loop.
Targets: all answered, p95 under 1 s, lag under 100 ms. The per-member cooldown is off here
(it would refuse members' second question within the window, which is not what is measured).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import re
import statistics
import sys
import threading
import time
from collections.abc import Coroutine
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.config import DEFAULT_KNOWLEDGE, Settings  # noqa: E402
from bot.discord.client import create_bot  # noqa: E402
from tests.fake_discord import FakeDiscord, Member, Sent  # noqa: E402

T = TypeVar("T")
OFF_TOPIC = [
    "What is the best pizza in Naples?",
    "How do I fix a flat bicycle tyre?",
    "Who won the 1998 football world cup?",
    "How long should I boil an egg?",
]
TICK = 0.01


def questions_from(knowledge: list[Path]) -> list[str]:
    """Article titles from the knowledge folders (learners' questions), plus off-topic ones."""
    titles = []
    for folder in knowledge:
        for path in sorted(folder.rglob("*.md")):
            match = re.search(r"^title:\s*(.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
            if match:
                titles.append(match.group(1).strip().strip("'\""))
    return titles + OFF_TOPIC


class FakeThread:
    """The fake Discord on its own thread and event loop."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fake-discord")

    def start(self) -> None:
        self._thread.start()
        self.call(self.fake.start())

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, coro: Coroutine[Any, Any, T], within: float = 30.0) -> T:
        return self.submit(coro).result(within)

    def stop(self) -> None:
        self.call(self.fake.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


class LagMonitor:
    """Worst delay of a 10 ms sleep on the bot's loop: how long the loop was blocked."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(TICK)
            self.worst = max(self.worst, time.perf_counter() - started - TICK)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def reset(self) -> None:
        self.worst = 0.0

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def fresh_database(settings: Settings) -> None:
    """A new database and command sync each run (the index under data_dir is reused)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{settings.database_path}{suffix}").unlink(missing_ok=True)
    (settings.data_dir / "commands.sha256").unlink(missing_ok=True)


async def run(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """Start the bot against the fake, send the burst, collect the figures."""

    fake = FakeDiscord()
    guild = fake.add_guild("Load Test", channels=("general", "study"))
    members: list[Member] = [fake.add_member(guild, f"learner{i}") for i in range(args.users)]
    bot_member = guild.member(fake.bot_user)
    channels = list(guild.channels.values())
    server = FakeThread(fake)
    server.start()
    pool = questions_from(settings.knowledge)
    rng = random.Random(7)

    with fake.configured():
        bot = create_bot(settings, guild_ready_timeout=0.1)
        started_at = time.perf_counter()
        task = asyncio.create_task(bot.start("bench-token"))
        while not bot.is_ready():
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        ready_seconds = time.perf_counter() - started_at
        monitor = LagMonitor()
        monitor.start()
        await asyncio.sleep(0.3)
        monitor.reset()

        schedule = sorted(rng.uniform(0, args.window) for _ in range(args.questions))
        sent: list[Future[Sent]] = []
        t0 = time.perf_counter()
        for i, at in enumerate(schedule):
            delay = t0 + at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent.append(
                server.submit(
                    fake.message(
                        channels[i % len(channels)],
                        members[i % len(members)],
                        rng.choice(pool),
                        mentions=(bot_member,),
                    )
                )
            )
        posted = [await asyncio.wrap_future(f) for f in sent]
        waiting = fake.wait_for(lambda: all(s.replies for s in posted), args.timeout, "replies")
        with contextlib.suppress(AssertionError):  # timed out: unanswered ones are counted
            await asyncio.wrap_future(server.submit(waiting))
        worst_lag = monitor.worst
        await monitor.stop()
        await bot.close()
        await task
    server.stop()

    latencies = [s.replies[0].at - s.message.at for s in posted if s.replies]
    answered = [s for s in posted if s.replies and s.replies[0].custom_ids]
    return {
        "questions": len(posted),
        "users": args.users,
        "window_s": args.window,
        "replied": len(latencies),
        "answered_with_sources": len(answered),
        "not_covered_replies": len(latencies) - len(answered),
        "p50_s": statistics.median(latencies) if latencies else None,
        "p95_s": percentile(latencies, 0.95) if latencies else None,
        "max_s": max(latencies) if latencies else None,
        "worst_loop_lag_s": worst_lag,
        "startup_s": ready_seconds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--window", type=float, default=2.0, help="seconds the burst spans")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for replies")
    parser.add_argument("--data-dir", type=Path, default=REPO / "data" / "bench" / "discord")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    settings = Settings.from_env(
        data_dir=args.data_dir, knowledge=[DEFAULT_KNOWLEDGE], ask_cooldown_seconds=0
    )
    fresh_database(settings)
    result = asyncio.run(run(args, settings))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    ok_all = result["replied"] == result["questions"]
    ok_p95 = result["p95_s"] is not None and result["p95_s"] < 1.0
    ok_lag = result["worst_loop_lag_s"] < 0.1
    print(
        f"{result['questions']} questions from {result['users']} members within "
        f"{result['window_s']:.1f} s (bot ready in {result['startup_s']:.1f} s)"
    )
    print(
        f"replied        {result['replied']}/{result['questions']} "
        f"({result['answered_with_sources']} with sources, {result['not_covered_replies']} "
        f"not covered)   target: all  {'OK' if ok_all else 'MISSED'}"
    )
    if result["p50_s"] is not None:
        print(
            f"message→reply  p50 {result['p50_s'] * 1000:.0f} ms  p95 "
            f"{result['p95_s'] * 1000:.0f} ms  max {result['max_s'] * 1000:.0f} ms   "
            f"target: p95 < 1000 ms  {'OK' if ok_p95 else 'MISSED'}"
        )
    print(
        f"loop lag       worst {result['worst_loop_lag_s'] * 1000:.0f} ms   "
        f"target: < 100 ms  {'OK' if ok_lag else 'MISSED'}"
    )
    return 0 if ok_all and ok_p95 and ok_lag else 1


if __name__ == "__main__":
    raise SystemExit(main())
