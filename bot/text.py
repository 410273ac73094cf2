"""Plain text helpers both front ends share: Markdown reflow, durations, plurals."""

from __future__ import annotations

import re

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
