"""Markdown passages made readable on a screen (terminal or Discord)."""

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
