"""Screens: play a scenario through the fake Discord and write what members see, step by step.

    python bench/screens.py --out DIR [--scenario study|FILE.json] [--png DIR [--width 420]]
    python bench/screens.py --list

The real bot (`create_bot`, services from `open_services` over the project's knowledge base and
roadmaps) connects to the fake Discord of the tests on a clock the scenario sets, so a month of
check-ins plays in seconds. Each recorded step becomes `NN-name.json` in `--out`, in the format of
`../shared/tools/discord-screens/render.py` (every message the bot sent or edited during the step,
DMs included, with attachment bytes beside it as `NN-name.<filename>`); `--png DIR` then renders
them with headless Chromium (`--width 420` is a phone).

A scenario is a JSON object; the built-in ones are `bench/scenarios/NAME.json` (`--list`):

    {"about": "what it shows",
     "start": "2026-03-10T12:00:00+00:00",       # the study clock at the first step
     "roles": ["Regular", {"name": "Legend", "above_bot": true}],  # extra server roles
     "steps": [
       {"name": "plan-new", "what": "caption", "as": "alice", "in": "general",
        "slash": "plan new", "options": {"path": "…", "hours_per_week": 8}},
       {"name": "ask", "message": "What is overfitting?", "mention": true},
       {"name": "vote", "click": "👍", "on": "ask"},   # a button by label or custom_id
       {"name": "dates", "autocomplete": "checkin", "focused": "date", "options": {…}},
       {"voice": "focus-room", "as": "alice"},     # join (null: leave); not recorded
       {"name": "dm", "reminders": true},          # one pass of the daily-reminder loop
       {"at": "2026-03-11T19:00:00+00:00", …},     # set the clock before the step
       {"advance_minutes": 50, …},                 # or move it forward
       {"record": false, …}]}                      # play it, write nothing

Option values "#name", "@name" and "@&name" are that channel, member and role. The world: the
server "Study Hall" with #general and #questions, the voice channels focus-room and lounge,
members alice, bob and mod (Manage Server), plus the scenario's roles.

`--data DIR` is where the knowledge base's index is read (default: the repository's `data`,
built there on first use); the study database is a fresh one in a temporary folder every run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.app import open_knowledge, open_services  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.discord.client import create_bot  # noqa: E402
from tests.fake_discord import Channel, FakeDiscord, Guild, Member, Message  # noqa: E402

RENDERER = REPO.parent / "shared" / "tools" / "discord-screens" / "render.py"
SCENARIOS = REPO / "bench" / "scenarios"  # the built-in scenarios, NAME.json
Step = dict[str, Any]
Scenario = dict[str, Any]


class Clock:
    """The study services' clock, moved by the scenario."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class World:
    """The fake Discord with the scenario's server, channels, members and roles."""

    def __init__(self, scenario: Scenario) -> None:
        self.fake = FakeDiscord(heartbeat_interval_ms=1000)
        self.guild: Guild = self.fake.add_guild("Study Hall", channels=("general", "questions"))
        for name in ("focus-room", "lounge"):
            self.fake.add_voice_channel(self.guild, name)
        self.members: dict[str, Member] = {
            "alice": self.fake.add_member(self.guild, "alice"),
            "bob": self.fake.add_member(self.guild, "bob"),
            "mod": self.fake.add_member(self.guild, "mod", roles=("Moderator",), manage_guild=True),
        }
        bot_role = self.fake.bot_role(self.guild)
        for spec in scenario.get("roles") or []:
            spec = {"name": spec} if isinstance(spec, str) else spec
            role = self.guild.add_role(spec["name"])
            if spec.get("above_bot"):  # placed above the bot's own role: it cannot give it
                self.guild.move_role(role, above=bot_role)

    def value(self, raw: Any) -> Any:
        """An option value: "#channel", "@&role" and "@member" become those objects."""
        if not isinstance(raw, str):
            return raw
        if raw.startswith("#"):
            return self.guild.channel(raw[1:])
        if raw.startswith("@&"):
            return self.guild.role(raw[2:])
        if raw.startswith("@") and raw[1:] in self.members:
            return self.members[raw[1:]]
        return raw

    def directory(self) -> dict[str, Any]:
        """Ids -> names, for the renderer's mention pills."""
        roles: dict[str, str] = {str(r.id): r.name for r in self.guild.roles.values()}
        return {
            "guild": self.guild.name,
            "bot": {"id": str(self.fake.bot_user.id), "name": self.fake.bot_user.name},
            "users": {str(u.id): u.name for u in self.fake.users.values()},
            "channels": {str(c.id): c.name for c in self.fake.channels.values()},
            "roles": roles,
        }


def _snapshot(fake: FakeDiscord) -> dict[int, str]:
    return {mid: json.dumps(m.payload, sort_keys=True) for mid, m in fake.messages.items()}


def _find_button(message: Message, wanted: str) -> str:
    """The custom_id of the button whose label, emoji or custom_id is `wanted`."""
    for row in message.components:
        for item in row.get("components") or []:
            names = (
                item.get("label"),
                (item.get("emoji") or {}).get("name"),
                item.get("custom_id"),
            )
            if wanted in names and "custom_id" in item:
                return str(item["custom_id"])
    raise SystemExit(f"no button {wanted!r} on {message}")


class Player:
    """Plays steps and writes one record per recorded step."""

    def __init__(self, world: World, clock: Clock, out: Path, bot: Any) -> None:
        self.world = world
        self.bot = bot
        self.clock = clock
        self.out = out
        self.number = 0
        self.shown: dict[str, list[Message]] = {}  # step name -> bot messages it produced

    async def play(self, step: Step) -> None:
        if "at" in step:
            self.clock.now = datetime.fromisoformat(step["at"]).astimezone(UTC)
        if "advance_minutes" in step:
            self.clock.now += timedelta(minutes=float(step["advance_minutes"]))
        fake, world = self.world.fake, self.world
        who = world.members[step.get("as", "alice")]
        channel = world.guild.channel(step.get("in", "general"))
        before = _snapshot(fake)
        started = time.monotonic()
        notes: list[str] = []
        error: str | None = None
        invocation: dict[str, Any]
        user_messages: list[Message] = []
        options = {k: world.value(v) for k, v in (step.get("options") or {}).items()}
        shown_options = {k: getattr(v, "name", v) for k, v in options.items()}
        try:
            if "voice" in step:
                target = step["voice"]
                await fake.voice(who, None if target is None else world.guild.channel(target))
                await asyncio.sleep(0.3)  # the bot handles the voice event
                return
            if step.get("reminders"):
                invocation = {"kind": "reminders"}
                channel = fake.dm_channel(who.user)
                cog: Any = self.bot.get_cog("CommunityCog")
                await cog.reminders.tick()
            elif "slash" in step:
                invocation = {"kind": "slash", "command": step["slash"], "options": shown_options}
                await fake.slash(
                    world.guild, who, step["slash"], in_channel=channel, within=60, **options
                )
            elif "autocomplete" in step:
                invocation = {
                    "kind": "slash",
                    "command": step["autocomplete"],
                    "options": shown_options,
                }
                choices = await fake.autocomplete(
                    world.guild,
                    who,
                    step["autocomplete"],
                    focused=step["focused"],
                    in_channel=channel,
                    **options,
                )
                notes.append(f"autocomplete {step['focused']}: {len(choices)} choices")
                notes += [f"  {c['name']}  → {c['value']}" for c in choices]
            elif "message" in step:
                invocation = {
                    "kind": "message",
                    "content": step["message"],
                    "mention": bool(step.get("mention")),
                }
                bot_member = world.guild.member(fake.bot_user)
                mentions = (bot_member,) if step.get("mention") else ()
                sent = await fake.message(channel, who, step["message"], mentions=mentions)
                user_messages.append(sent.message)
                await sent.wait_reply(within=60)
            elif "click" in step:
                invocation = {"kind": "click", "label": step["click"]}
                source = self._clickable(step.get("on"))
                custom_id = _find_button(source, step["click"])
                await fake.click(source, custom_id, who, within=60)
            else:
                raise SystemExit(f"step {step} does nothing")
        except AssertionError as exc:  # the fake's "not answered" / "refused": shown, not fatal
            error = (str(exc) or repr(exc)).splitlines()[0]
            invocation = locals().get("invocation") or {"kind": "slash", "command": "?"}
        await asyncio.sleep(float(step.get("settle", 0.4)))  # follow-ups, DMs, role notes
        produced = [
            m
            for mid, m in fake.messages.items()
            if m.author_id == fake.bot_user.id
            and json.dumps(m.payload, sort_keys=True) != before.get(mid)
        ]
        if "name" in step:
            self.shown[step["name"]] = produced
        if step.get("record", True):
            self.write(
                step, who, channel, invocation, notes, error, started, produced, user_messages
            )

    def _clickable(self, on: str | None) -> Message:
        pools = [self.shown[on]] if on else list(reversed(self.shown.values()))
        for pool in pools:
            for message in reversed(pool):
                if message.custom_ids:
                    return message
        raise SystemExit(f"no message with buttons (on={on!r})")

    def write(
        self,
        step: Step,
        who: Member,
        channel: Channel,
        invocation: dict[str, Any],
        notes: list[str],
        error: str | None,
        started: float,
        produced: list[Message],
        user_messages: list[Message],
    ) -> None:
        self.number += 1
        name = re.sub(r"[^a-z0-9-]+", "-", str(step.get("name") or "step").lower()).strip("-")
        stem = f"{self.number:02d}-{name}"
        stamp = self.clock.now.isoformat()
        record = {
            "step": self.number,
            "name": name,
            "what": step.get("what") or name,
            "actor": {"id": str(who.id), "name": who.user.name},
            "channel": {
                "id": str(channel.id),
                "name": channel.name if channel.guild else f"{who.user.name} ↔ Waypoint (DM)",
            },
            "invocation": invocation,
            "notes": notes,
            "error": error,
            "seconds": round(time.monotonic() - started, 2),
            "user_messages": [self._entry(m, stem, stamp) for m in user_messages],
            "messages": [self._entry(m, stem, stamp) for m in produced],
            "directory": self.world.directory(),
        }
        path = self.out / f"{stem}.json"
        path.write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
        print(path)

    def _entry(self, message: Message, stem: str, stamp: str) -> dict[str, Any]:
        # The study clock is the scenario's "now": messages carry it, so the picture's "today"
        # and the message times agree.
        payload = {**message.payload, "timestamp": stamp}
        files = []
        for attachment in message.attachments:
            target = f"{stem}.{attachment.filename}"
            (self.out / target).write_bytes(attachment.data)
            files.append(
                {"filename": attachment.filename, "file": target, "size": len(attachment.data)}
            )
        channel = self.world.fake.channels.get(message.channel_id)
        return {
            "id": str(message.id),
            "payload": payload,
            "ephemeral": message.ephemeral,
            "deleted": message.deleted,
            "dm": channel is not None and channel.guild is None,
            "allowed_mentions": message.allowed_mentions,
            "attachment_files": files,
        }


async def run(scenario: Scenario, out: Path, data: Path) -> None:
    """Start the fake and the bot, play every step, stop both."""
    clock = Clock(datetime.fromisoformat(scenario.get("start", "2026-03-10T12:00:00+00:00")))
    world = World(scenario)
    await world.fake.start()
    with tempfile.TemporaryDirectory(prefix="waypoint-screens-") as tmp:
        knowledge = await open_knowledge(Settings(data_dir=data))
        settings = Settings(data_dir=Path(tmp), ask_cooldown_seconds=0, moderator_role="Moderator")
        services = await open_services(settings, knowledge=knowledge, clock=clock)
        with world.fake.configured():
            bot = create_bot(settings, services=services, guild_ready_timeout=0.1)
            task = asyncio.create_task(bot.start("fake-token"))
            try:
                for _ in range(3000):
                    if bot.is_ready() or task.done():
                        break
                    await asyncio.sleep(0.01)
                if not bot.is_ready():
                    raise SystemExit("the bot did not connect to the fake Discord")
                player = Player(world, clock, out, bot)
                for step in scenario["steps"]:
                    await player.play(step)
            finally:
                await bot.close()
                await asyncio.wait_for(task, 10)
                await services.close()
                await knowledge.close()
    await world.fake.stop()


def load_scenario(name: str) -> Scenario:
    """A built-in scenario (`bench/scenarios/NAME.json`) or a scenario file."""
    path = SCENARIOS / f"{name}.json" if (SCENARIOS / f"{name}.json").is_file() else Path(name)
    if not path.is_file():
        names = ", ".join(p.stem for p in sorted(SCENARIOS.glob("*.json")))
        raise SystemExit(f"no scenario {name!r}: one of {names}, or a .json file")
    loaded: Scenario = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", type=Path, help="folder for the records (emptied of old ones)")
    ap.add_argument(
        "--scenario", default="study", help="a built-in scenario (--list) or a scenario .json file"
    )
    ap.add_argument("--png", type=Path, help="render PNGs into this folder")
    ap.add_argument("--width", type=int, default=900, help="page width (420: a phone)")
    ap.add_argument("--data", type=Path, default=REPO / "data", help="where the index is")
    ap.add_argument("--renderer", type=Path, default=RENDERER, help="discord-screens' render.py")
    ap.add_argument("--list", action="store_true", help="print the built-in scenarios")
    args = ap.parse_args()
    if args.list:
        for path in sorted(SCENARIOS.glob("*.json")):
            print(f"{path.stem}: {load_scenario(path.stem).get('about', '')}")
        return 0
    if args.out is None:
        ap.error("--out is required")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("[0-9][0-9]-*"):
        old.unlink()
    asyncio.run(run(load_scenario(args.scenario), args.out, args.data))
    if args.png is not None:
        html = args.png / "html"
        command = [sys.executable, str(args.renderer), "--out", str(args.out), "--html", str(html)]
        command += ["--png", str(args.png), "--width", str(args.width)]
        return subprocess.run(command, check=False).returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
