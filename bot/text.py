"""Plain text helpers both front ends share: Markdown reflow, durations, plurals, dates and
the commands a sentence names."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

# Lines that start a block of their own in Markdown; any other line continues the one above.
BLOCK_START = re.compile(r"^([-*+] |\d+[.)] |#|>|\||```)")


def reflow(lines: list[str]) -> list[str]:
    """Join Markdown's soft-wrapped lines, keeping list items and paragraphs apart."""
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        if out and out[-1].strip() and stripped and not BLOCK_START.match(stripped):
            out[-1] = f"{out[-1].rstrip()} {stripped}"
        else:
            out.append(line)
    return out


def hours_text(minutes: float) -> str:
    """`1 h 05 min`, `45 min`, `3 h` — minutes as people read them."""
    hours, rest = divmod(round(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" if not rest else f"{hours} h {rest:02d} min"


def plural(count: int, word: str) -> str:
    """`1 day`, `2 days`."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def hours_round(hours: float) -> str:
    """`7.5 h`, `143 h`: a tenth is worth reading under ten hours, noise above."""
    return f"{round(hours, 1):g} h" if round(hours, 1) < 10 else f"{round(hours):d} h"


def span_text(days: int) -> str:
    """A stretch of days as a person says it: `5 days`, `8 weeks`, `about 13 months`."""
    if days < 14:
        return plural(days, "day")
    if days < 63:
        return plural(round(days / 7), "week")
    return f"about {round(days / 30.44)} months"


def date_text(value: date) -> str:
    """`Tue 10 Mar 2026`: the one way a day is written for people, in Discord and the terminal.

    The weekday says when it is, the spelled month cannot be misread as day/month or
    month/day, and the year is always there because plans run into the next year."""
    return f"{value:%a} {value.day} {value:%b %Y}"


# Commands a service sentence may name, written as in Discord (`/plan new`), with what the
# terminal runs instead (None: Discord only, the sentence keeps `/remind set`).
COMMANDS: dict[str, str | None] = {
    "plan new": "waypoint plan new",
    "plan show": "waypoint plan show",
    "plan done": "waypoint plan done",
    "plan export": "waypoint plan export",
    "checkin": "waypoint checkin",
    "progress": "waypoint progress",
    "next": "waypoint next",
    "timezone": "waypoint timezone",
    "mydata export": "waypoint mydata export",
    "mydata delete": "waypoint mydata delete",
    "remind set": None,
    "remind off": None,
}
# `/plan new` as a word of its own: not a path (`data/plan`), a URL or `h/week`.
_COMMAND_REF = re.compile(
    r"(?<![\w/.:~-])/("
    + "|".join(re.escape(c) for c in sorted(COMMANDS, key=len, reverse=True))
    + r")(?![\w-])"
)


def command_ref(name: str) -> str:
    """How a service sentence names a command: `/plan new`. Each front end shows it its way
    (`with_commands`): a clickable mention in Discord, `waypoint plan new` in the terminal."""
    if name not in COMMANDS:
        raise ValueError(f"unknown command {name!r}: add it to bot.text.COMMANDS")
    return f"/{name}"


def with_commands(sentence: str, show: Callable[[str], str]) -> str:
    """`sentence` with every command it names (`/plan new`) replaced by `show(name)`."""
    return _COMMAND_REF.sub(lambda m: show(m.group(1)), sentence)


def terminal_commands(sentence: str) -> str:
    """A service sentence for the terminal: `/plan new` reads `waypoint plan new`."""
    return with_commands(sentence, lambda name: COMMANDS[name] or f"/{name}")
