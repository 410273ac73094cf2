"""The knowledge article that lets Waypoint answer questions about itself.

"How do I log my study time?" is a question about the bot, not the learning path, so the answer
must come from the bot's real commands. This module writes that article from the registered
command tree (slash commands, their options, context menus) and from the terminal's argument
parser, so it cannot drift: a test regenerates it and fails when the committed file differs.

Regenerate after changing a command: `python -m bot.discord.help_article` (`--check` only
compares).

A learner asks "how can I see my streak", not "/progress": so each command carries, beside its
description (Discord shows at most 100 characters), what a learner would use it for, in their
words, in `extras["help"]` ("Use it to see your streak and your progress so far: ..."), and
its section says it. Each subcommand is a passage of its own (`### /plan done`) and headings
name the command alone: a group's description in every subcommand's heading trail outweighed
the subcommand's own words ("streak" twice in each /remind passage drew "how can I see my
streak"). No ranking rule knows this article; it is ranked like any other.

Measured by `bench/using_waypoint.py --before 6de439d` (one run; bench/eval/using-waypoint.yaml,
53 questions; part A tuned the wording, part B is the result), before -> after:
- part A: on-topic answered 17/17 -> 17/17, first passage in the right command's section
  9/17 -> 14/17, bot-adjacent requests refused 5/8 -> 4/8;
- part B: on-topic answered 15/19 -> 18/19, right section first 13/19 -> 13/19 (now the
  subcommand's own passage: `/plan › /plan show`), bot-adjacent requests refused 6/9 -> 6/9.
Requests whose words are a command's still pass: "can the bot play music in a voice channel"
meets `/config study-room` ("Log time in a voice channel"); the decision (index/calibration.py)
weighs that evidence, not this article. bench/abstention.py, knowledge held out: 263/269 ->
261/269: two ML questions at the threshold flip with the calibration's samples of headings and
sentences (changing two words of one help text, `/config study-room`, moved one of them).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from discord import app_commands

# In our own knowledge folder but outside articles/ (those belong to a path): no path or module.
ARTICLE = Path(__file__).resolve().parents[2] / "knowledge" / "waypoint"
ARTICLE_FILE = ARTICLE / "using-waypoint.md"

_FRONT_MATTER = """\
---
title: How do I use Waypoint, this server's study bot?
tags: [waypoint, bot, commands, help]
---

<!-- Generated from the bot's command tree by `python -m bot.discord.help_article`; do not
edit by hand: change the command's description or its `extras["help"]` instead. -->
"""

_INTRO = """\
## What Waypoint does

Waypoint is the study bot of this server. It answers questions from the community's
knowledge base with cited passages, and it keeps your study on track: a dated plan over a
roadmap, check-ins that log your study time, a daily streak and a picture of your progress.
Type `/` in a channel to see its commands; the sections below list each one.
"""

AnyCommand = app_commands.Command | app_commands.Group | app_commands.ContextMenu  # type: ignore[type-arg]

# The key of a command's `extras` holding what a learner would use it for ("Use it to ..."):
# the description must fit Discord's 100 characters, this text need not.
HELP = "help"


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!", ")")) else f"{text}."


def _help(command: AnyCommand) -> str:
    """What a learner would use the command for, in their words (`extras["help"]`), or ""."""
    text = command.extras.get(HELP)
    return f"{_sentence(text)} " if isinstance(text, str) and text.strip() else ""


def _options(command: app_commands.Command) -> str:  # type: ignore[type-arg]
    described = [
        f"`{p.display_name}`{'' if p.required else ' (optional)'}: {_sentence(p.description)}"
        for p in command.parameters
    ]
    return f" Options: {' '.join(described)}" if described else ""


def _subsection(command: app_commands.Command) -> str:  # type: ignore[type-arg]
    return (
        f"### /{command.qualified_name}\n\n{_sentence(command.description)} "
        f"{_help(command)}Type `/{command.qualified_name}`.{_options(command)}\n"
    )


def _section(command: AnyCommand) -> str:
    if isinstance(command, app_commands.ContextMenu):
        return (
            f"## {command.name} (message menu)\n\n"
            f"{_help(command)}Right-click a message (or long-press it on a phone), open **Apps** "
            f"and choose **{command.name}**: Waypoint answers that message's text as a question.\n"
        )
    if isinstance(command, app_commands.Group):
        # One subsection per subcommand: each is a passage of its own, so "how do I skip a
        # module" finds `/plan done` and not the whole group's text diluted by the others.
        subs = [
            _subsection(sub)
            for sub in command.walk_commands()
            if isinstance(sub, app_commands.Command)
        ]
        # The group's heading is its name alone: every subsection's passage starts with its
        # heading trail, and the group's description there would outweigh the subcommand's
        # own words ("streak" twice in every /remind passage drew "how can I see my streak").
        names = ", ".join(f"`/{sub.qualified_name}`" for sub in command.walk_commands())
        intro = (
            f"## /{command.name}\n\n{_sentence(command.description)} {_help(command)}"
            f"Its commands: {names}.\n"
        )
        return intro + "".join(f"\n{s}" for s in subs)
    return (
        f"## /{command.name}\n\n{_sentence(command.description)} "
        f"{_help(command)}Type `/{command.name}` in a channel of this server and pick it from "
        f"the list.{_options(command)}\n"
    )


def _terminal_section(parser: argparse.ArgumentParser) -> str:
    verbs: list[str] = []
    for action in parser._actions:  # argparse offers no public walk of its sub-parsers
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                verbs.append(f"- `waypoint {choice.dest}`: {_sentence(choice.help or '')}")
    return (
        "## Using Waypoint in a terminal\n\n"
        "Everything also works without Discord, from the `waypoint` command "
        "(`.venv/bin/waypoint` in a clone, after `make run`):\n\n" + "\n".join(verbs) + "\n"
    )


def render(commands: Iterable[AnyCommand], parser: argparse.ArgumentParser | None) -> str:
    """The article's Markdown for these commands (in name order) and terminal verbs."""
    ordered = sorted(commands, key=lambda c: (isinstance(c, app_commands.ContextMenu), c.name))
    parts = [_FRONT_MATTER, _INTRO, *(_section(c) for c in ordered)]
    if parser is not None:
        parts.append(_terminal_section(parser))
    return "\n".join(parts)


async def tree_commands() -> list[AnyCommand]:
    """The commands of a fully registered bot that never connects, on the usual settings."""
    from bot.app import open_services
    from bot.config import Settings
    from bot.discord.client import create_bot

    settings = Settings()
    services = await open_services(settings)
    try:
        # Entered but never logged in: cogs load (their loops wait for a login that never
        # comes and are cancelled on exit) and nothing reaches Discord.
        async with create_bot(settings, services=services) as bot:
            await bot.register(services)
            return commands_of(bot.tree)
    finally:
        await services.close()


def commands_of(tree: app_commands.CommandTree) -> list[AnyCommand]:
    """Every global command of a tree: slash commands, groups and context menus."""
    return list(tree.get_commands())


def main(argv: Sequence[str] | None = None) -> int:
    """Write the article (or with `--check`, say whether it is up to date)."""
    from bot.cli import build_parser

    check = "--check" in (argv if argv is not None else sys.argv[1:])
    text = render(asyncio.run(tree_commands()), build_parser())
    current = ARTICLE_FILE.read_text(encoding="utf-8") if ARTICLE_FILE.exists() else ""
    if check:
        print("up to date" if current == text else f"{ARTICLE_FILE} is out of date")
        return 0 if current == text else 1
    ARTICLE.mkdir(parents=True, exist_ok=True)
    ARTICLE_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {ARTICLE_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
